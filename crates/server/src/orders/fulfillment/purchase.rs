//! A paid purchase (DESIGN.md §3): what `entitle_domain::fulfillment::grant_purchase` grants —
//! the subscription, one license per unit, the bonus failback licenses — starting at the
//! moment of payment; buying an edition sold once per account ends the trial it replaces.

use chrono::{DateTime, Utc};
use entitle_domain::catalog::Product;
use entitle_domain::fulfillment::grant_purchase;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::grant::{Delivery, apply_grant, subscription_view};
use crate::audit::{Actor, Change};
use crate::catalog::store as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{license, order, subscription};
use crate::subscriptions::store as subscriptions;

/// Grants the purchase `row` of `quantity` units of `product`, paid at `paid_at`.
pub(super) async fn grant(
    txn: &DatabaseTransaction,
    row: &order::Model,
    product: &Product,
    quantity: u32,
    paid_at: DateTime<Utc>,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let periods = u32::try_from(row.periods)
        .map_err(|_| ServiceError::Corrupt(format!("order periods {}", row.periods)))?;
    let grant = grant_purchase(
        product,
        row.cycle,
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
        method: row.payment_method,
        actor,
        now,
    };
    changes.extend(apply_grant(txn, delivery, &grant).await?);
    Ok(changes)
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
            .states(&before, &after),
        );
    }
    Ok(changes)
}
