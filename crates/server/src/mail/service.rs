//! An account's messages, an admin's resend, and where a message's pay link leads.

use entitle_domain::api::{Message, MessagePage};

use super::view::view;
use entitle_domain::Clock;
use entitle_domain::mail::MessageStatus;
use entitle_domain::orders::OrderStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::accounts::service as accounts;
use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::pagination::PageRequest;
use crate::store::entity::{message, order};

/// One page of an account's messages, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
    page: PageRequest,
) -> ServiceResult<MessagePage> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let query = message::Entity::find()
        .filter(message::Column::AccountId.eq(account_id))
        .order_by_asc(message::Column::Id);
    let (rows, next_cursor) = page
        .load(db, query, message::Column::Id, |row| row.id)
        .await?;
    Ok(MessagePage {
        items: rows.iter().map(view).collect(),
        next_cursor: next_cursor.into(),
    })
}

/// Sends message `id` again (admin): waiting from now, its attempts counted afresh. One still
/// waiting is left as it is.
pub async fn resend(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Message> {
    principal.require_admin()?;
    let now = clock.now();
    let before = message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("message"))?;
    message::Entity::update_many()
        .col_expr(message::Column::Status, Expr::value(MessageStatus::Pending))
        .col_expr(message::Column::Attempts, Expr::value(0))
        .col_expr(message::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            message::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(message::Column::Id.eq(id))
        .filter(message::Column::Status.ne(MessageStatus::Pending))
        .exec(db)
        .await?;
    let after = message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("message"))?;
    Change::new(Actor::from(principal), "message.resent", "message", id)
        .account(after.account_id)
        .states(&view(&before), &view(&after))
        .record(db, now)
        .await?;
    Ok(view(&after))
}

/// The order message `id`'s pay link pays, while it waits for payment; `None` once there is
/// nothing to pay (paid, expired, canceled) or the message has no pay link.
pub async fn order_to_pay(
    db: &DatabaseConnection,
    id: Uuid,
) -> ServiceResult<(Uuid, Option<order::Model>)> {
    let row = message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("message"))?;
    let facts: serde_json::Value = serde_json::from_str(&row.data)
        .map_err(|e| ServiceError::Corrupt(format!("a message's facts: {e}")))?;
    let Some(order_id) = facts["pay_order"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
    else {
        return Err(ServiceError::NotFound("pay link"));
    };
    let order = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .filter(|o| o.status == OrderStatus::PendingPayment);
    Ok((order_id, order))
}
