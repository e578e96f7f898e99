//! A renewal charge that failed (DESIGN.md §4): the subscription goes `past_due` with its next
//! retry (1, 3, 5 days after the period's end), or expires with its licenses when the retries
//! are used up (`entitle_domain::renewal::after_failed_charge` decides which). Both ways of
//! renewing record their failures here: a declined or impossible charge, and a pay-to-renew
//! term left unpaid.

use chrono::{DateTime, Utc};
use entitle_domain::renewal::{AfterFailedCharge, after_failed_charge};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;

use crate::audit::{Actor, Change};
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::store::entity::{license, subscription};
use crate::subscriptions::store as subscriptions;

/// Records one more failed charge of `sub`, with its event and audit entry. Conditional on the
/// failure count and the period it saw, so it is recorded once: `false`, changing nothing,
/// when another run recorded it first or the period moved on.
pub(in crate::jobs) async fn record_failure(
    db: &DatabaseConnection,
    sub: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let failures = sub.renewal_failures + 1;
    let after_failure = after_failed_charge(
        sub.current_period_end,
        u32::try_from(failures).unwrap_or(u32::MAX),
    );
    let retry = after_failure.retry_at();
    let status = after_failure.status();
    let txn = db.begin().await?;
    let before = subscriptions::view(sub)?;
    let mut update = subscription::Entity::update_many()
        .col_expr(subscription::Column::RenewalFailures, Expr::value(failures))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::RenewalFailures.eq(sub.renewal_failures))
        .filter(subscription::Column::CurrentPeriodEnd.eq(sub.current_period_end));
    let (event, action) = match after_failure {
        AfterFailedCharge::PastDue { .. } => {
            (events::SUBSCRIPTION_PAST_DUE, "subscription.past_due")
        }
        AfterFailedCharge::Expired => (events::SUBSCRIPTION_EXPIRED, "subscription.expired"),
    };
    update = update
        .col_expr(subscription::Column::NextRetryAt, Expr::value(retry))
        .col_expr(subscription::Column::Status, Expr::value(status));
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(false);
    }
    if after_failure == AfterFailedCharge::Expired {
        crate::licenses::store::expire_active(
            &txn,
            Condition::all().add(license::Column::SubscriptionId.eq(sub.id)),
            now,
        )
        .await?;
    }
    let after_row = subscription::Entity::find_by_id(sub.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))?;
    let after = subscriptions::view(&after_row)?;
    events::emit(
        &txn,
        event,
        Some(sub.account_id),
        json!({ "subscription": after, "failed_charges": failures, "next_retry_at": retry }),
        now,
    )
    .await?;
    Change::new(Actor::System, action, "subscription", sub.id)
        .account(sub.account_id)
        .states(&before, &after)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(true)
}
