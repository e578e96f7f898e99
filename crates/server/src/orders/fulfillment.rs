//! Fulfilment (DESIGN.md §3): in one transaction, the order becomes `paid` and what it bought
//! is granted — licenses active at once, their period starting at the moment of payment.
//!
//! The order is claimed with a conditional update (`… WHERE status IN (payable)`), which is
//! correct on SQLite and PostgreSQL alike: of two deliveries of one payment, or twenty at
//! once, exactly one finds the order unpaid and grants; the others change nothing.

use chrono::{DateTime, Utc};
use entitle_domain::PaymentMethod;
use entitle_domain::api::Order;
use entitle_domain::catalog::Product;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::fulfillment::{Grant, grant_purchase, grant_renewal_bonus, grant_seats};
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::renewal::next_period;
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::store;
use crate::audit::{self, Actor, Change};
use crate::catalog::store as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::licenses::store::{self as licenses, Owner};
use crate::state::AppState;
use crate::store::entity::{checkout_session, license, order, subscription};
use crate::store::per_row;
use crate::subscriptions::store as subscriptions;

/// Who receives a grant, and on whose behalf.
pub struct Delivery {
    pub account_id: Uuid,
    pub order_id: Uuid,
    /// The method the order was paid with, saved on a new subscription for its renewals.
    pub method: Option<PaymentMethod>,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Writes `grant` (a subscription and its licenses) and returns the audit entries for it.
pub async fn apply_grant(
    txn: &DatabaseTransaction,
    delivery: Delivery,
    grant: &Grant,
) -> ServiceResult<Vec<Change<'static>>> {
    let mut changes = Vec::new();
    let subscription_id = match &grant.subscription {
        Some(sub) => {
            let row = subscriptions::insert_grant(
                txn,
                delivery.account_id,
                sub,
                delivery.order_id,
                delivery.method,
                delivery.now,
            )
            .await?;
            order::Entity::update_many()
                .col_expr(order::Column::SubscriptionId, Expr::value(row.id))
                .filter(order::Column::Id.eq(delivery.order_id))
                .exec(txn)
                .await?;
            changes.push(
                Change::new(
                    delivery.actor,
                    "subscription.created",
                    "subscription",
                    row.id,
                )
                .account(delivery.account_id)
                .after(&subscriptions::view(&row)?),
            );
            Some(row.id)
        }
        None => None,
    };
    let owner = Owner {
        account_id: delivery.account_id,
        subscription_id,
        order_id: Some(delivery.order_id),
    };
    for batch in &grant.licenses {
        let rows = licenses::insert_grant(txn, owner, batch, delivery.now).await?;
        for row in rows {
            changes.push(license_granted(delivery.actor, row, delivery.now)?);
        }
    }
    Ok(changes)
}

fn license_granted(
    actor: Actor,
    row: license::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Change<'static>> {
    Ok(Change::new(actor, "license.granted", "license", row.id)
        .account(row.account_id)
        .after(&licenses::view(row, now)?))
}

/// Marks `order_id` paid at `paid_at` and grants what it bought, in one transaction. Returns
/// `false`, changing nothing, when the order was already paid (a repeated delivery).
pub async fn fulfil(
    state: &AppState,
    order_id: Uuid,
    paid_at: DateTime<Utc>,
    actor: Actor,
) -> ServiceResult<bool> {
    let now = state.clock.now();
    // Read before the claim: on SQLite a transaction that reads and then writes can be refused
    // when another writer went first; one that starts with its write just waits its turn.
    let stored = order::Entity::find_by_id(order_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    let session = store::session_of(&state.db, order_id).await?;
    let before = store::view(stored.clone(), session.clone())?;
    let txn = state.db.begin().await?;
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
    state.metrics.payment_fulfilled();
    Ok(true)
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
        .before(&before)
        .after(&paid);
    (change, serde_json::json!({ "order": paid }))
}

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
    let method = row.payment_method;
    match row.kind {
        OrderType::Purchase => {
            let cycle = row.cycle;
            let periods = u32::try_from(row.periods)
                .map_err(|_| ServiceError::Corrupt(format!("order periods {}", row.periods)))?;
            let grant = grant_purchase(
                &product,
                cycle,
                quantity,
                periods,
                row.auto_renew.unwrap_or(false),
                paid_at,
            )?;
            let mut changes = Vec::new();
            if product.one_per_account {
                changes.extend(end_trials(txn, row.account_id, &product.family, actor, now).await?);
            }
            let delivery = Delivery {
                account_id: row.account_id,
                order_id: row.id,
                method,
                actor,
                now,
            };
            changes.extend(apply_grant(txn, delivery, &grant).await?);
            Ok(changes)
        }
        OrderType::Upgrade => upgrade(txn, row, actor, now).await,
        OrderType::Renewal => renew_term(txn, row, &product, actor, now).await,
        OrderType::AddSeats => add_seats(txn, row, &product, quantity, paid_at, actor, now).await,
        OrderType::Trial => Err(ServiceError::Corrupt(
            "a trial order is never paid later".to_owned(),
        )),
    }
}

/// Buying an edition ends the trial it replaces, with its license.
async fn end_trials(
    txn: &DatabaseTransaction,
    account_id: Uuid,
    family: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let family_products: Vec<String> = catalog::all(txn)
        .await?
        .into_iter()
        .filter(|p| p.family == family)
        .map(|p| p.code.to_string())
        .collect();
    let trials = subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .filter(subscription::Column::ProductCode.is_in(family_products))
        .filter(subscription::Column::Trial.eq(true))
        .filter(subscription::Column::Status.ne(SubscriptionStatus::Expired))
        .all(txn)
        .await?;
    let mut changes = Vec::new();
    for trial in trials {
        let before = subscriptions::view(&trial)?;
        subscription::Entity::update_many()
            .col_expr(
                subscription::Column::Status,
                Expr::value(SubscriptionStatus::Expired),
            )
            .col_expr(subscription::Column::CurrentPeriodEnd, Expr::value(now))
            .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
            .filter(subscription::Column::Id.eq(trial.id))
            .exec(txn)
            .await?;
        license::Entity::update_many()
            .col_expr(license::Column::Status, Expr::value(LicenseStatus::Expired))
            .col_expr(license::Column::ValidUntil, Expr::value(now))
            .col_expr(license::Column::UpdatedAt, Expr::value(now))
            .filter(license::Column::SubscriptionId.eq(trial.id))
            .exec(txn)
            .await?;
        let after = subscription_view(txn, trial.id).await?;
        changes.push(
            Change::new(
                actor,
                "subscription.trial_replaced",
                "subscription",
                trial.id,
            )
            .account(account_id)
            .before(&before)
            .after(&after),
        );
    }
    Ok(changes)
}

async fn subscription_view(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<entitle_domain::api::Subscription> {
    let row = subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))?;
    subscriptions::view(&row)
}

async fn target_subscription(
    txn: &DatabaseTransaction,
    row: &order::Model,
) -> ServiceResult<subscription::Model> {
    let id = row
        .subscription_id
        .ok_or_else(|| ServiceError::Corrupt("order without its subscription".to_owned()))?;
    subscription::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))
}

/// An upgrade moves the subscription and its licenses to the new edition at once; the end
/// date and cycle do not change (DESIGN.md §5).
async fn upgrade(
    txn: &DatabaseTransaction,
    row: &order::Model,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let sub = target_subscription(txn, row).await?;
    let before = subscriptions::view(&sub)?;
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::ProductCode,
            Expr::value(row.product_code.clone()),
        )
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .exec(txn)
        .await?;
    license::Entity::update_many()
        .col_expr(
            license::Column::ProductCode,
            Expr::value(row.product_code.clone()),
        )
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::SubscriptionId.eq(sub.id))
        .filter(license::Column::ProductCode.eq(sub.product_code.clone()))
        .exec(txn)
        .await?;
    let after = subscription_view(txn, sub.id).await?;
    Ok(vec![
        Change::new(actor, "subscription.upgraded", "subscription", sub.id)
            .account(row.account_id)
            .before(&before)
            .after(&after),
    ])
}

/// New seats: the subscription's quantity grows and each seat gets a license ending with it.
/// The product's maximum is checked here too, by the update's own condition: one order for
/// seats waits at a time (its claim), so the seats quoted within the maximum are still within
/// it now unless the catalog's maximum was lowered since; then nothing is granted, the order
/// stays unpaid with its payment recorded (`provider_payments`), and the failure is logged on
/// every delivery for an operator to settle.
#[allow(clippy::too_many_arguments)] // the order, its product and the moment, as every grant
async fn add_seats(
    txn: &DatabaseTransaction,
    row: &order::Model,
    product: &Product,
    seats: u32,
    paid_at: DateTime<Utc>,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let sub = target_subscription(txn, row).await?;
    let before = subscriptions::view(&sub)?;
    let room = i64::from(product.max_quantity) - i64::from(row.quantity);
    let granted = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Quantity,
            Expr::col(subscription::Column::Quantity).add(row.quantity),
        )
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::Quantity.lte(room))
        .exec(txn)
        .await?;
    if granted.rows_affected == 0 {
        tracing::error!(order = %row.id, subscription = %sub.id, max = product.max_quantity,
            "paid seats would pass the product's maximum: not granted");
        return Err(ServiceError::Conflict {
            code: "seats_over_maximum",
            detail: format!(
                "{} more seats would pass {}'s maximum of {}",
                row.quantity, product.code, product.max_quantity
            ),
        });
    }
    let grant = grant_seats(&subscriptions::held(sub.clone())?, seats, paid_at);
    let owner = Owner {
        account_id: row.account_id,
        subscription_id: Some(sub.id),
        order_id: Some(row.id),
    };
    let mut changes = Vec::new();
    let after = subscription_view(txn, sub.id).await?;
    changes.push(
        Change::new(actor, "subscription.seats_added", "subscription", sub.id)
            .account(row.account_id)
            .before(&before)
            .after(&after),
    );
    for license in licenses::insert_grant(txn, owner, &grant, now).await? {
        changes.push(license_granted(actor, license, now)?);
    }
    Ok(changes)
}

/// The term a paid renewal order gives its subscription.
pub(super) struct RenewedTerm {
    /// Where the term the order was opened for starts: the subscription must still be there.
    pub paid_for: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The next period after the one the renewal order `row` was opened for, on the subscription's
/// anchor (DESIGN.md §4: calendar months, the day clamped to the month's end).
pub(super) fn renewed_term(
    row: &order::Model,
    sub: &subscription::Model,
) -> ServiceResult<RenewedTerm> {
    let paid_for = row
        .term_start
        .ok_or_else(|| ServiceError::Corrupt("a renewal order without its term".to_owned()))?;
    let (start, end) = next_period(sub.anchor_at, sub.cycle, paid_for)
        .ok_or_else(|| ServiceError::Corrupt("a renewal past the calendar".to_owned()))?;
    Ok(RenewedTerm {
        paid_for,
        start,
        end,
    })
}

/// A subscription as a paid renewal leaves it: on its renewed term, active, its failed charges
/// forgotten. [`advance_terms`] writes exactly this.
fn renewed(
    sub: &subscription::Model,
    term: &RenewedTerm,
    now: DateTime<Utc>,
) -> subscription::Model {
    subscription::Model {
        current_period_start: term.start,
        current_period_end: term.end,
        status: SubscriptionStatus::Active,
        renewal_failures: 0,
        next_retry_at: None,
        updated_at: now,
        ..sub.clone()
    }
}

/// Moves each subscription of `terms` on to its renewed term ([`renewed`]), provided it is
/// still in the term that was paid for and on the product it was read with, and extends its
/// licenses (all but the consumed ones) to the new term's end; returns the subscriptions as
/// they now are. `None`, extending nothing, when any of them was no longer where it was read
/// (the caller rolls back or reports it). One statement each for any number of subscriptions,
/// a value of its own per row ([`per_row`]).
pub(super) async fn advance_terms(
    txn: &DatabaseTransaction,
    terms: &[(&subscription::Model, &RenewedTerm)],
    now: DateTime<Utc>,
) -> ServiceResult<Option<Vec<subscription::Model>>> {
    let by_sub = |value: fn(&RenewedTerm) -> DateTime<Utc>, column| {
        per_row(
            subscription::Column::Id,
            column,
            terms.iter().map(move |(sub, term)| (sub.id, value(term))),
        )
    };
    // Still on the product it was read with: an upgrade in between moves its licenses to
    // another product, which the license update below would then miss.
    let product_of_sub = || {
        per_row(
            subscription::Column::Id,
            subscription::Column::ProductCode,
            terms
                .iter()
                .map(|(sub, _)| (sub.id, sub.product_code.clone())),
        )
    };
    let moved = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::CurrentPeriodStart,
            by_sub(|t| t.start, subscription::Column::CurrentPeriodStart),
        )
        .col_expr(
            subscription::Column::CurrentPeriodEnd,
            by_sub(|t| t.end, subscription::Column::CurrentPeriodEnd),
        )
        .col_expr(
            subscription::Column::Status,
            Expr::value(SubscriptionStatus::Active),
        )
        .col_expr(subscription::Column::RenewalFailures, Expr::value(0))
        .col_expr(
            subscription::Column::NextRetryAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.is_in(terms.iter().map(|(sub, _)| sub.id)))
        .filter(Expr::col(subscription::Column::CurrentPeriodEnd).eq(by_sub(
            |t| t.paid_for,
            subscription::Column::CurrentPeriodEnd,
        )))
        .filter(Expr::col(subscription::Column::ProductCode).eq(product_of_sub()))
        .exec(txn)
        .await?
        .rows_affected;
    if moved != terms.len() as u64 {
        return Ok(None);
    }
    license::Entity::update_many()
        .col_expr(
            license::Column::ValidUntil,
            per_row(
                license::Column::SubscriptionId,
                license::Column::ValidUntil,
                terms.iter().map(|(sub, term)| (sub.id, term.end)),
            ),
        )
        .col_expr(license::Column::Status, Expr::value(LicenseStatus::Active))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::SubscriptionId.is_in(terms.iter().map(|(sub, _)| sub.id)))
        .filter(
            Expr::col(license::Column::ProductCode).eq(per_row(
                license::Column::SubscriptionId,
                license::Column::ProductCode,
                terms
                    .iter()
                    .map(|(sub, _)| (sub.id, sub.product_code.clone())),
            )),
        )
        .filter(license::Column::Status.ne(LicenseStatus::Consumed))
        .exec(txn)
        .await?;
    Ok(Some(
        terms
            .iter()
            .map(|(sub, term)| renewed(sub, term, now))
            .collect(),
    ))
}

/// What a renewed term records besides its order: the `subscription.renewed` audit entry and
/// event, and the new term's bonus licenses (DESIGN.md §4), with their entries.
pub(super) struct RenewalRecords {
    pub changes: Vec<Change<'static>>,
    pub event: serde_json::Value,
    pub bonus: Vec<license::Model>,
}

/// The records of `order` having moved its subscription from `before` to `after`.
pub(super) fn renewal_records(
    actor: Actor,
    order: &order::Model,
    product: &Product,
    before: &subscription::Model,
    after: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<RenewalRecords> {
    let view = subscriptions::view(after)?;
    let mut changes = vec![
        Change::new(actor, "subscription.renewed", "subscription", before.id)
            .account(order.account_id)
            .before(&subscriptions::view(before)?)
            .after(&view),
    ];
    let event = serde_json::json!({ "subscription": view, "order_id": order.id });
    let quantity = u32::try_from(order.quantity)
        .map_err(|_| ServiceError::Corrupt(format!("order quantity {}", order.quantity)))?;
    let mut bonus = Vec::new();
    if let Some(grant) = grant_renewal_bonus(
        product,
        quantity,
        after.current_period_start,
        after.current_period_end,
    ) {
        let owner = Owner {
            account_id: order.account_id,
            subscription_id: Some(before.id),
            order_id: Some(order.id),
        };
        for row in licenses::granted(owner, &grant, now) {
            changes.push(license_granted(actor, row.clone(), now)?);
            bonus.push(row);
        }
    }
    Ok(RenewalRecords {
        changes,
        event,
        bonus,
    })
}

/// A paid renewal: the period moves on by one cycle from where it ended, the term's licenses
/// are extended to the new end, and the new term's bonus licenses are granted (DESIGN.md §4).
/// Conditional on the period still ending where the order's term starts, so a term is
/// renewed once.
async fn renew_term(
    txn: &DatabaseTransaction,
    row: &order::Model,
    product: &Product,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    // An upgrade committed between the read and the update (PostgreSQL reads each statement
    // afresh) changes the product the update is conditional on; the term paid for is still
    // there, so it is read again and granted. Only a term already moved on is not.
    let mut attempts = 0;
    let (sub, after) = loop {
        let sub = target_subscription(txn, row).await?;
        let term = renewed_term(row, &sub)?;
        attempts += 1;
        if sub.current_period_end == term.paid_for
            && let Some(after) = advance_terms(txn, &[(&sub, &term)], now).await?
        {
            break (sub, after);
        }
        if sub.current_period_end != term.paid_for || attempts == 3 {
            tracing::error!(subscription = %sub.id, order = %row.id, "renewal paid for a term the subscription has left");
            return Ok(Vec::new());
        }
    };
    let records = renewal_records(actor, row, product, &sub, &after[0], now)?;
    events::emit(
        txn,
        events::SUBSCRIPTION_RENEWED,
        Some(row.account_id),
        records.event,
        now,
    )
    .await?;
    licenses::insert(txn, &records.bonus).await?;
    Ok(records.changes)
}
