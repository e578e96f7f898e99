//! Fulfilling a round of paid renewal orders at once (DESIGN.md §4), for the renewal run.
//!
//! [`fulfillment::fulfil`] takes a dozen statements per order; a run renewing 100 000
//! subscriptions would spend its time on round trips (the benchmark measured 117 renewals/s).
//! Here every renewal of the round is granted in one transaction of a handful of multi-row
//! statements, with the result `fulfil` gives each order: the order `paid` at the moment its
//! charge landed, the subscription moved on to its next period, its licenses extended to the
//! period's end, its bonus licenses granted, `subscription.renewed` then `order.paid`
//! announced, and the same audit entries.
//!
//! The claims are as conditional as `fulfil`'s: the orders still payable, the subscriptions
//! still in the term that was paid for. When any of them finds another writer went first (the
//! provider's callback fulfilled one, an operator moved a subscription), the batch is rolled
//! back and each order goes through `fulfil` on its own, which sorts out which ones are left.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::catalog::Product;
use entitle_domain::fulfillment::grant_renewal_bonus;
use entitle_domain::orders::OrderStatus;
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::fulfillment::{self, RenewedTerm, advance_terms, license_granted, renewed_term};
use super::store;
use crate::app::AppState;
use crate::audit::{self, Actor, Change, snapshot};
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::licenses::store::{self as licenses, Owner};
use crate::store::entity::{order, subscription};
use crate::store::per_row;
use crate::subscriptions::store as subscriptions;

/// A renewal order whose charge succeeded at `paid_at`.
pub struct PaidRenewal {
    pub order: order::Model,
    pub paid_at: DateTime<Utc>,
}

/// One renewal of the batch, decided before anything is written.
struct Planned<'a> {
    paid: PaidRenewal,
    product: &'a Product,
    before: subscription::Model,
    after: subscription::Model,
    term: RenewedTerm,
}

/// Fulfils every order of `paid` (renewal orders of distinct subscriptions, pending payment),
/// in one transaction. `products` holds the product of each.
pub async fn fulfil_renewals(
    state: &AppState,
    paid: Vec<PaidRenewal>,
    products: &HashMap<String, Product>,
    actor: Actor,
) -> ServiceResult<()> {
    if paid.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    // Read before the transaction, as `fulfil` does: on SQLite a transaction that reads and
    // then writes can be refused when another writer went first.
    let mut subs: HashMap<Uuid, subscription::Model> = subscription::Entity::find()
        .filter(subscription::Column::Id.is_in(paid.iter().filter_map(|p| p.order.subscription_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|sub| (sub.id, sub))
        .collect();
    let mut planned = Vec::with_capacity(paid.len());
    for renewal in paid {
        let sub = renewal
            .order
            .subscription_id
            .and_then(|id| subs.remove(&id))
            .ok_or_else(|| {
                ServiceError::Corrupt("a renewal order without its subscription".to_owned())
            })?;
        let product = products
            .get(&renewal.order.product_code)
            .ok_or(ServiceError::NotFound("product"))?;
        let term = renewed_term(&renewal.order, &sub)?;
        let after = subscription::Model {
            current_period_start: term.start,
            current_period_end: term.end,
            status: SubscriptionStatus::Active.as_str().to_owned(),
            renewal_failures: 0,
            next_retry_at: None,
            updated_at: now,
            ..sub.clone()
        };
        planned.push(Planned {
            paid: renewal,
            product,
            before: sub,
            after,
            term,
        });
    }
    if !grant(state, &planned, actor, now).await? {
        // Another writer went first on one of them: each on its own.
        for one in planned {
            fulfillment::fulfil(state, one.paid.order.id, one.paid.paid_at, actor).await?;
        }
        return Ok(());
    }
    for _ in &planned {
        state.metrics.payment_fulfilled();
    }
    Ok(())
}

/// Writes the whole batch in one transaction; `false`, writing nothing, when a claim found
/// an order or a subscription no longer where the batch was planned.
async fn grant(
    state: &AppState,
    planned: &[Planned<'_>],
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let txn = state.db.begin().await?;
    for chunk in planned.chunks(PER_UPDATE) {
        if !move_on(&txn, chunk, now).await? {
            txn.rollback().await?;
            return Ok(false);
        }
    }
    let mut changes = Vec::new();
    let mut bonus_rows = Vec::new();
    let mut renewed_events = Vec::with_capacity(planned.len());
    let mut paid_events = Vec::with_capacity(planned.len());
    for p in planned {
        let order = &p.paid.order;
        let before_order = store::view(order.clone(), None)?;
        let paid_order = store::view(
            order::Model {
                status: OrderStatus::Paid.as_str().to_owned(),
                paid_at: Some(p.paid.paid_at),
                updated_at: now,
                ..order.clone()
            },
            None,
        )?;
        let after = subscriptions::view(&p.after)?;
        renewed_events.push((
            Some(order.account_id),
            serde_json::json!({ "subscription": after, "order_id": order.id }),
        ));
        changes.push(Change {
            actor,
            account_id: Some(order.account_id),
            action: "order.paid",
            entity: "order",
            entity_id: order.id,
            before: snapshot(&before_order),
            after: snapshot(&paid_order),
        });
        paid_events.push((
            Some(order.account_id),
            serde_json::json!({ "order": paid_order }),
        ));
        changes.push(Change {
            actor,
            account_id: Some(order.account_id),
            action: "subscription.renewed",
            entity: "subscription",
            entity_id: p.before.id,
            before: snapshot(&subscriptions::view(&p.before)?),
            after: snapshot(&after),
        });
        let quantity = u32::try_from(order.quantity)
            .map_err(|_| ServiceError::Corrupt(format!("order quantity {}", order.quantity)))?;
        if let Some(bonus) = grant_renewal_bonus(p.product, quantity, p.term.start, p.term.end) {
            let owner = Owner {
                account_id: order.account_id,
                subscription_id: Some(p.before.id),
                order_id: Some(order.id),
            };
            for row in licenses::granted(owner, &bonus, now) {
                changes.push(license_granted(actor, row.clone(), now)?);
                bonus_rows.push(row);
            }
        }
    }
    licenses::insert(&txn, &bonus_rows).await?;
    events::emit_many(&txn, events::SUBSCRIPTION_RENEWED, renewed_events, now).await?;
    events::emit_many(&txn, events::ORDER_PAID, paid_events, now).await?;
    audit::record(&txn, now, changes).await?;
    txn.commit().await?;
    Ok(true)
}

/// Renewals per multi-row `UPDATE`: each row looks its value up in a `CASE` of the chunk's
/// rows, so the work grows with the square of the chunk (500 at once took PostgreSQL 15 ms).
const PER_UPDATE: usize = 100;

/// Claims the orders of `planned` and moves their subscriptions and licenses on; `false`
/// when a claim found an order or a subscription no longer where the batch was planned.
async fn move_on(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let count = planned.len() as u64;
    let claimed = order::Entity::update_many()
        .col_expr(
            order::Column::Status,
            Expr::value(OrderStatus::Paid.as_str()),
        )
        .col_expr(
            order::Column::PaidAt,
            per_row(
                order::Column::Id,
                order::Column::PaidAt,
                planned.iter().map(|p| (p.paid.order.id, p.paid.paid_at)),
            ),
        )
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.is_in(planned.iter().map(|p| p.paid.order.id)))
        .filter(order::Column::Status.is_in(OrderStatus::payable().into_iter().map(|s| s.as_str())))
        .exec(txn)
        .await?;
    if claimed.rows_affected != count {
        return Ok(false);
    }
    let terms: Vec<_> = planned.iter().map(|p| (&p.before, &p.term)).collect();
    Ok(advance_terms(txn, &terms, now).await? == count)
}
