//! A paid upgrade (DESIGN.md §5): the subscription and its licenses move to the new edition at
//! once; the end date and the cycle do not change.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::grant::{subscription_view, target_subscription};
use crate::audit::{Actor, Change};
use crate::error::ServiceResult;
use crate::store::entity::{license, order, subscription};
use crate::subscriptions::store as subscriptions;

/// Moves the subscription the upgrade `row` names, and its licenses of the old edition, to the
/// order's product.
pub(super) async fn grant(
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
            .states(&before, &after),
    ])
}
