//! A paid renewal (DESIGN.md §4): the period moves on by one cycle from where it ended, the
//! term's licenses are extended to the new end, and the new term's bonus licenses are granted.
//! One order at a time here ([`grant`]); the renewal round's batch
//! (`orders::batch_fulfillment`) moves many terms with the same statements
//! ([`advance_terms`]) and records them alike ([`renewal_records`]).

use chrono::{DateTime, Utc};
use entitle_domain::catalog::Product;
use entitle_domain::fulfillment::grant_renewal_bonus;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::renewal::next_period;
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::grant::{license_granted, target_subscription};
use crate::audit::{Actor, Change};
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::licenses::store::{self as licenses, Owner};
use crate::store::entity::{license, order, subscription};
use crate::store::per_row;
use crate::subscriptions::store as subscriptions;

/// Renews the term the renewal order `row` was opened for. Conditional on the period still
/// ending where the order's term starts, so a term is renewed once.
pub(super) async fn grant(
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

/// The term a paid renewal order gives its subscription.
pub(in crate::orders) struct RenewedTerm {
    /// Where the term the order was opened for starts: the subscription must still be there.
    pub paid_for: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The next period after the one the renewal order `row` was opened for, on the subscription's
/// anchor (DESIGN.md §4: calendar months, the day clamped to the month's end).
pub(in crate::orders) fn renewed_term(
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

/// Moves each subscription of `terms` on to its renewed term ([`renewed`]), provided it is
/// still in the term that was paid for and on the product it was read with, and extends its
/// licenses (all but the consumed ones) to the new term's end; returns the subscriptions as
/// they now are. `None`, extending nothing, when any of them was no longer where it was read
/// (the caller rolls back or reports it). One statement each for any number of subscriptions,
/// a value of its own per row ([`per_row`]).
pub(in crate::orders) async fn advance_terms(
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

/// What a renewed term records besides its order: the `subscription.renewed` audit entry and
/// event, and the new term's bonus licenses (DESIGN.md §4), with their entries.
pub(in crate::orders) struct RenewalRecords {
    pub changes: Vec<Change<'static>>,
    pub event: serde_json::Value,
    pub bonus: Vec<license::Model>,
}

/// The records of `order` having moved its subscription from `before` to `after`.
pub(in crate::orders) fn renewal_records(
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
            .states(&subscriptions::view(before)?, &view),
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
