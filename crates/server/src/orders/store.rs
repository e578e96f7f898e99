//! Orders between the tables and the API's [`Order`].

use entitle_domain::Money;
use entitle_domain::api::{Amount, Checkout, Order, QuoteLineView};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{checkout_session, order};

fn corrupt(what: &str, value: &str) -> ServiceError {
    ServiceError::Corrupt(format!("order {what} {value:?}"))
}

/// The stored total.
pub fn total(row: &order::Model) -> ServiceResult<Money> {
    Ok(Money::from_minor(row.total_minor, row.currency))
}

/// The wire form, with its checkout session when it has one.
pub fn view(row: order::Model, session: Option<checkout_session::Model>) -> ServiceResult<Order> {
    let total = total(&row)?;
    let lines: Vec<QuoteLineView> =
        serde_json::from_str(&row.lines).map_err(|e| corrupt("lines", &e.to_string()))?;
    Ok(Order {
        id: row.id,
        account_id: row.account_id,
        kind: row.kind,
        status: row.status,
        cycle: row.cycle,
        quantity: u32::try_from(row.quantity)
            .map_err(|_| corrupt("quantity", &row.quantity.to_string()))?,
        product: row.product_code,
        subscription_id: row.subscription_id.into(),
        auto_renew: row.auto_renew.into(),
        lines,
        currency: total.currency(),
        total: Amount::of(total),
        payment_method: row.payment_method,
        created_at: row.created_at,
        paid_at: row.paid_at.into(),
        canceled_at: row.canceled_at.into(),
        expires_at: row.expires_at.into(),
        checkout: session.map(|s| Checkout {
            provider: s.provider,
            url: s.url,
            qr_code: s.qr_code.into(),
            expires_at: s.expires_at,
        }),
    })
}

/// The current checkout session of `order_id` (its newest: a fresh checkout supersedes the
/// one before), if it has one.
pub async fn session_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> ServiceResult<Option<checkout_session::Model>> {
    Ok(checkout_session::Entity::find()
        .filter(checkout_session::Column::OrderId.eq(order_id))
        .order_by_desc(checkout_session::Column::Id)
        .one(db)
        .await?)
}

/// The wire form of the order `order_id`, read on `db`.
pub async fn load_view(db: &impl ConnectionTrait, order_id: Uuid) -> ServiceResult<Order> {
    let row = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    let session = session_of(db, order_id).await?;
    view(row, session)
}

/// The order `id` as stored, when `principal` may see it: another account's order is not found
/// (DESIGN.md §7).
pub(crate) async fn owned(
    db: &impl ConnectionTrait,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<order::Model> {
    crate::auth::owned::find::<order::Entity>(db, principal, id).await
}
