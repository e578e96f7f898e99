//! An unpaid order's ways out: canceled by its customer, failed by a declined payment, expired
//! past its lifetime. Each is a conditional update, so a payment landing at the same moment
//! wins or loses cleanly, and each is recorded with its event and audit entry.

use entitle_domain::Clock;
use entitle_domain::api::Order;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::orders::OrderStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::checkout::close_at_providers;
use super::store;
use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::events;
use crate::payments::Providers;
use crate::store::entity::{checkout_session, order};

/// Moves an order from `from` to `to` if it is still in `from`, closes its payable checkouts as
/// `CheckoutStatus::when_order_moves_to` says (an expiring order leaves them open, for
/// reconciliation to ask the provider about), and records the change; `false` when the order
/// had already moved.
async fn transition(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    order_id: Uuid,
    from: &[OrderStatus],
    to: OrderStatus,
    actor: Actor,
    action: &str,
) -> ServiceResult<bool> {
    let now = clock.now();
    let txn = db.begin().await?;
    let before = store::load_view(&txn, order_id).await?;
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.is_in(from.iter().copied()));
    if to == OrderStatus::Canceled {
        update = update.col_expr(order::Column::CanceledAt, Expr::value(now));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(false);
    }
    if let Some(session_status) = CheckoutStatus::when_order_moves_to(to) {
        checkout_session::Entity::update_many()
            .col_expr(
                checkout_session::Column::Status,
                Expr::value(session_status),
            )
            .filter(checkout_session::Column::OrderId.eq(order_id))
            .filter(checkout_session::Column::Status.is_in(CheckoutStatus::PAYABLE))
            .exec(&txn)
            .await?;
    }
    let after = store::load_view(&txn, order_id).await?;
    if to == OrderStatus::Expired {
        events::emit(
            &txn,
            events::ORDER_EXPIRED,
            Some(after.account_id),
            serde_json::json!({ "order": after }),
            now,
        )
        .await?;
    }
    Change::new(actor, action, "order", order_id)
        .account(after.account_id)
        .states(&before, &after)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Cancels an unpaid order. A paid one is final: `order_non_refundable`.
pub async fn cancel(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    payments: &Providers,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Order> {
    store::owned(db, principal, id).await?;
    cancel_as(db, clock, payments, id, Actor::from(principal)).await
}

/// Cancels an unpaid order on behalf of `actor` (the customer, or the customer leaving the
/// provider's page).
pub async fn cancel_as(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    payments: &Providers,
    id: Uuid,
    actor: Actor,
) -> ServiceResult<Order> {
    store::load_view(db, id).await?.status.cancel()?;
    let canceled = transition(
        db,
        clock,
        id,
        &[OrderStatus::PendingPayment],
        OrderStatus::Canceled,
        actor,
        "order.canceled",
    )
    .await?;
    let order = store::load_view(db, id).await?;
    if !canceled {
        // It moved while we looked (paid, most likely): refuse as its new state says.
        order.status.cancel()?;
    }
    // The provider stops taking payment for it too; reconciliation still asks, in case the
    // customer paid a moment before.
    let closed = checkout_session::Entity::find()
        .filter(checkout_session::Column::OrderId.eq(id))
        .filter(checkout_session::Column::Status.eq(CheckoutStatus::Canceled))
        .all(db)
        .await?;
    close_at_providers(payments, &closed).await;
    Ok(order)
}

/// Records a declined payment: the order is `failed` (if it was still unpaid).
pub async fn mark_failed(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    id: Uuid,
    actor: Actor,
) -> ServiceResult<bool> {
    transition(
        db,
        clock,
        id,
        &[OrderStatus::PendingPayment, OrderStatus::Expired],
        OrderStatus::Failed,
        actor,
        "order.failed",
    )
    .await
}

/// Expires the unpaid order `id` (its checkouts stay open for reconciliation).
pub(crate) async fn expire(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    id: Uuid,
) -> ServiceResult<bool> {
    transition(
        db,
        clock,
        id,
        &[OrderStatus::PendingPayment],
        OrderStatus::Expired,
        Actor::System,
        "order.expired",
    )
    .await
}

/// Expires every unpaid order past its checkout's lifetime; returns how many. Each order is
/// claimed by a conditional update, so several servers may run this at once.
pub async fn expire_due(db: &DatabaseConnection, clock: &dyn Clock) -> ServiceResult<usize> {
    let now = clock.now();
    let due = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .filter(order::Column::ExpiresAt.lte(now))
        .order_by_asc(order::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let mut expired = 0;
    for row in due {
        if expire(db, clock, row.id).await? {
            expired += 1;
        }
    }
    Ok(expired)
}
