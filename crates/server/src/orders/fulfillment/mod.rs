//! Fulfilment (DESIGN.md §3): in one transaction, the order becomes `paid` and what it bought
//! is granted — licenses active at once, their period starting at the moment of payment.
//!
//! The order is claimed with a conditional update (`… WHERE status IN (payable)`), which is
//! correct on SQLite and PostgreSQL alike: of two deliveries of one payment, or twenty at
//! once, exactly one finds the order unpaid and grants; the others change nothing.
//!
//! Here the claim, the dispatch by the order's type and the `order.paid` records; what each
//! type grants is a file of its own (`purchase`, `upgrade`, `seats`, `renewal`), each written
//! through `grant`.

mod grant;
mod purchase;
pub(super) mod renewal;
mod seats;
mod upgrade;

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::api::Order;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::orders::{OrderStatus, OrderType};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use super::store;
use crate::audit::{self, Actor, Change};
use crate::catalog::store as catalog;
use crate::edge::metrics::Metrics;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::store::entity::{checkout_session, order};

pub use grant::{Delivery, apply_grant};

/// Marks `order_id` paid at `paid_at` and grants what it bought, in one transaction. Returns
/// `false`, changing nothing, when the order was already paid (a repeated delivery).
pub async fn fulfil(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    metrics: &Metrics,
    order_id: Uuid,
    paid_at: DateTime<Utc>,
    actor: Actor,
) -> ServiceResult<bool> {
    let now = clock.now();
    // Read before the claim: on SQLite a transaction that reads and then writes can be refused
    // when another writer went first; one that starts with its write just waits its turn.
    let stored = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    let session = store::session_of(db, order_id).await?;
    let before = store::view(stored.clone(), session.clone())?;
    let txn = db.begin().await?;
    let claimed = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Paid))
        .col_expr(order::Column::PaidAt, Expr::value(paid_at))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.is_in(OrderStatus::payable()))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    let row = paid(stored, paid_at, now);
    let mut changes = grant_order(&txn, &row, paid_at, actor, now).await?;
    if session.is_some() {
        checkout_session::Entity::update_many()
            .col_expr(
                checkout_session::Column::Status,
                Expr::value(CheckoutStatus::Paid),
            )
            .filter(checkout_session::Column::OrderId.eq(order_id))
            .exec(&txn)
            .await?;
    }
    let (change, event) = paid_records(actor, &row, before, store::view(row.clone(), session)?);
    events::emit(&txn, events::ORDER_PAID, Some(row.account_id), event, now).await?;
    changes.insert(0, change);
    audit::record(&txn, now, changes).await?;
    txn.commit().await?;
    metrics.payment_fulfilled();
    Ok(true)
}

/// Grants what the paid order `row` bought, as its type says.
async fn grant_order(
    txn: &DatabaseTransaction,
    row: &order::Model,
    paid_at: DateTime<Utc>,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let product = catalog::find(txn, &row.product_code)
        .await?
        .ok_or(ServiceError::NotFound("product"))?;
    let quantity = u32::try_from(row.quantity)
        .map_err(|_| ServiceError::Corrupt(format!("order quantity {}", row.quantity)))?;
    match row.kind {
        OrderType::Purchase => {
            purchase::grant(txn, row, &product, quantity, paid_at, actor, now).await
        }
        OrderType::Upgrade => upgrade::grant(txn, row, actor, now).await,
        OrderType::Renewal => renewal::grant(txn, row, &product, actor, now).await,
        OrderType::AddSeats => {
            seats::grant(txn, row, &product, quantity, paid_at, actor, now).await
        }
        OrderType::Trial => Err(ServiceError::Corrupt(
            "a trial order is never paid later".to_owned(),
        )),
    }
}

/// The order as its claim leaves it, `paid` at `paid_at`. The claim changes these three and
/// nothing else: every other field of an order is fixed when it is created, and the states
/// that change them (canceled) are not payable. So the paid order is known without reading it
/// again.
pub(super) fn paid(
    stored: order::Model,
    paid_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> order::Model {
    order::Model {
        status: OrderStatus::Paid,
        paid_at: Some(paid_at),
        updated_at: now,
        ..stored
    }
}

/// The `order.paid` audit entry and event data of `row`, seen as `before` and then as `paid`.
pub(super) fn paid_records(
    actor: Actor,
    row: &order::Model,
    before: Order,
    paid: Order,
) -> (Change<'static>, serde_json::Value) {
    let change = Change::new(actor, "order.paid", "order", row.id)
        .account(row.account_id)
        .states(&before, &paid);
    (change, serde_json::json!({ "order": paid }))
}
