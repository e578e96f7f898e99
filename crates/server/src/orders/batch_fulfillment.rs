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
use entitle_domain::Clock;
use entitle_domain::catalog::Product;
use entitle_domain::orders::OrderStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use super::fulfillment::renewal::{RenewedTerm, advance_terms, renewal_records, renewed_term};
use super::fulfillment::{self, paid, paid_records};
use super::store;
use crate::audit::{self, Actor};
use crate::edge::metrics::Metrics;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::licenses::store as licenses;
use crate::store::entity::{order, subscription};
use crate::store::per_row;

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
    term: RenewedTerm,
}

/// Fulfils every order of `paid` (renewal orders of distinct subscriptions, pending payment),
/// in one transaction. `products` holds the product of each.
pub async fn fulfil_renewals(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    metrics: &Metrics,
    paid: Vec<PaidRenewal>,
    products: &HashMap<String, Product>,
    actor: Actor,
) -> ServiceResult<()> {
    if paid.is_empty() {
        return Ok(());
    }
    let now = clock.now();
    // Read before the transaction, as `fulfil` does: on SQLite a transaction that reads and
    // then writes can be refused when another writer went first.
    let mut subs: HashMap<Uuid, subscription::Model> = subscription::Entity::find()
        .filter(subscription::Column::Id.is_in(paid.iter().filter_map(|p| p.order.subscription_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|sub| (sub.id, sub))
        .collect();
    let mut planned = Vec::with_capacity(paid.len());
    for renewal in paid {
        let before = renewal
            .order
            .subscription_id
            .and_then(|id| subs.remove(&id))
            .ok_or_else(|| {
                ServiceError::Corrupt("a renewal order without its subscription".to_owned())
            })?;
        let product = products
            .get(&renewal.order.product_code)
            .ok_or(ServiceError::NotFound("product"))?;
        let term = renewed_term(&renewal.order, &before)?;
        planned.push(Planned {
            paid: renewal,
            product,
            before,
            term,
        });
    }
    if !grant(db, &planned, actor, now).await? {
        // Another writer went first on one of them: each on its own.
        for one in planned {
            fulfillment::fulfil(
                db,
                clock,
                metrics,
                one.paid.order.id,
                one.paid.paid_at,
                actor,
            )
            .await?;
        }
        return Ok(());
    }
    for _ in &planned {
        metrics.payment_fulfilled();
    }
    Ok(())
}

/// Writes the whole batch in one transaction; `false`, writing nothing, when a claim found
/// an order or a subscription no longer where the batch was planned.
async fn grant(
    db: &DatabaseConnection,
    planned: &[Planned<'_>],
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let txn = db.begin().await?;
    let mut renewed = Vec::with_capacity(planned.len());
    for chunk in planned.chunks(PER_UPDATE) {
        let Some(moved) = move_on(&txn, chunk, now).await? else {
            txn.rollback().await?;
            return Ok(false);
        };
        renewed.extend(moved);
    }
    let mut changes = Vec::new();
    let mut bonus = Vec::new();
    let mut renewed_events = Vec::with_capacity(planned.len());
    let mut paid_events = Vec::with_capacity(planned.len());
    for (p, after) in planned.iter().zip(&renewed) {
        let order = &p.paid.order;
        let row = paid(order.clone(), p.paid.paid_at, now);
        let (change, event) = paid_records(
            actor,
            &row,
            store::view(order.clone(), None)?,
            store::view(row.clone(), None)?,
        );
        changes.push(change);
        paid_events.push((Some(order.account_id), event));
        let records = renewal_records(actor, order, p.product, &p.before, after, now)?;
        changes.extend(records.changes);
        renewed_events.push((Some(order.account_id), records.event));
        bonus.extend(records.bonus);
    }
    licenses::insert(&txn, &bonus).await?;
    events::emit_many(&txn, events::SUBSCRIPTION_RENEWED, renewed_events, now).await?;
    events::emit_many(&txn, events::ORDER_PAID, paid_events, now).await?;
    audit::record(&txn, now, changes).await?;
    txn.commit().await?;
    Ok(true)
}

/// Renewals per multi-row `UPDATE`: each row looks its value up in a `CASE` of the chunk's
/// rows, so the work grows with the square of the chunk (500 at once took PostgreSQL 15 ms).
const PER_UPDATE: usize = 100;

/// Claims the orders of `planned` and moves their subscriptions and licenses on; the
/// subscriptions as they now are, or `None` when a claim found an order or a subscription no
/// longer where the batch was planned.
async fn move_on(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    now: DateTime<Utc>,
) -> ServiceResult<Option<Vec<subscription::Model>>> {
    let claimed = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Paid))
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
        .filter(order::Column::Status.is_in(OrderStatus::payable()))
        .exec(txn)
        .await?;
    if claimed.rows_affected != planned.len() as u64 {
        return Ok(None);
    }
    let terms: Vec<_> = planned.iter().map(|p| (&p.before, &p.term)).collect();
    advance_terms(txn, &terms, now).await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use entitle_domain::clock::OffsetClock;
    use entitle_domain::orders::OrderType;
    use entitle_domain::subscription::SubscriptionStatus;
    use entitle_domain::{AccountKind, Currency, Cycle, PaymentMethod, Region};
    use sea_orm::{ActiveModelTrait, PaginatorTrait, Set};

    use super::*;
    use crate::catalog::store as catalog;
    use crate::config::Config;
    use crate::state::AppState;
    use crate::store::entity::{account, event};

    /// A monthly DR subscription whose period ended a minute ago, and its renewal order.
    async fn due_with_order(
        db: &DatabaseConnection,
        clock: &dyn Clock,
        account: Uuid,
    ) -> (subscription::Model, order::Model) {
        let now = clock.now();
        let sub = subscription::Model {
            id: Uuid::now_v7(),
            account_id: account,
            product_code: "dr".to_owned(),
            cycle: Cycle::Month,
            quantity: 1,
            status: SubscriptionStatus::Active,
            trial: false,
            auto_renew: true,
            anchor_at: now - Duration::days(31),
            current_period_start: now - Duration::days(31),
            current_period_end: now - Duration::minutes(1),
            created_at: now,
            updated_at: now,
            payment_method: Some(PaymentMethod::Alipay),
            order_id: None,
            renewal_failures: 0,
            next_retry_at: None,
            payment_token: None,
        };
        subscription::ActiveModel::from(sub.clone())
            .reset_all()
            .insert(db)
            .await
            .expect("a subscription");
        let order = order::Model {
            id: Uuid::now_v7(),
            account_id: account,
            kind: OrderType::Renewal,
            status: OrderStatus::PendingPayment,
            product_code: "dr".to_owned(),
            cycle: Some(Cycle::Month),
            quantity: 1,
            periods: 1,
            subscription_id: Some(sub.id),
            auto_renew: Some(true),
            lines: "[]".to_owned(),
            currency: Currency::Cny,
            total_minor: 19_900,
            payment_method: Some(PaymentMethod::Alipay),
            return_url: None,
            idempotency_key: Some(format!("renewal:{}", sub.id)),
            request_hash: None,
            created_at: now,
            expires_at: None,
            paid_at: None,
            canceled_at: None,
            updated_at: now,
            term_start: Some(sub.current_period_end),
            claim: None,
        };
        order::ActiveModel::from(order.clone())
            .reset_all()
            .insert(db)
            .await
            .expect("an order");
        (sub, order)
    }

    /// The provider's callback fulfilled one order of the round before the round did: the
    /// batch's claim finds it paid, rolls back, and every order is fulfilled once on its own.
    #[tokio::test]
    async fn a_round_in_which_one_order_was_already_paid_fulfils_each_once() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/batch.db?mode=rwc", dir.path().display());
        let state = AppState::new(
            Config::new(&url, "http://127.0.0.1:9", "secret"),
            OffsetClock::default(),
        )
        .await
        .expect("a server state");
        let owner = Uuid::now_v7();
        account::ActiveModel {
            id: Set(owner),
            name: Set("Round".to_owned()),
            kind: Set(AccountKind::Individual),
            region: Set(Region::Cn),
            created_at: Set(state.clock.now()),
            email: Set(None),
            language: Set(None),
        }
        .insert(&state.db)
        .await
        .expect("an account");
        let (first_sub, first) = due_with_order(&state.db, state.clock.as_ref(), owner).await;
        let (second_sub, second) = due_with_order(&state.db, state.clock.as_ref(), owner).await;
        let paid_at = state.clock.now();
        assert!(
            fulfillment::fulfil(
                &state.db,
                state.clock.as_ref(),
                &state.metrics,
                first.id,
                paid_at,
                Actor::System
            )
            .await
            .expect("the callback fulfils")
        );
        let products: HashMap<String, Product> = catalog::all(&state.db)
            .await
            .expect("the catalog")
            .into_iter()
            .map(|p| (p.code.to_string(), p))
            .collect();
        let round = [first, second]
            .into_iter()
            .map(|order| PaidRenewal { order, paid_at })
            .collect();
        fulfil_renewals(
            &state.db,
            state.clock.as_ref(),
            &state.metrics,
            round,
            &products,
            Actor::System,
        )
        .await
        .expect("the round is fulfilled");

        for (before, order_id) in [(&first_sub, first_sub.id), (&second_sub, second_sub.id)] {
            let after = subscription::Entity::find_by_id(order_id)
                .one(&state.db)
                .await
                .expect("read")
                .expect("the subscription");
            assert_eq!(
                after.current_period_start, before.current_period_end,
                "renewed once, from where it ended"
            );
        }
        let unpaid = order::Entity::find()
            .filter(order::Column::Status.ne(OrderStatus::Paid))
            .count(&state.db)
            .await
            .expect("count");
        assert_eq!(unpaid, 0, "both orders paid");
        let renewed = event::Entity::find()
            .filter(event::Column::Kind.eq(events::SUBSCRIPTION_RENEWED))
            .count(&state.db)
            .await
            .expect("count");
        assert_eq!(renewed, 2, "one renewal each, none twice");
    }
}
