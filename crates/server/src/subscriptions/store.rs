//! Reading held subscriptions as the domain's [`HeldSubscription`].

use chrono::{DateTime, Utc};
use entitle_domain::Cycle;
use entitle_domain::catalog::ProductCode;
use entitle_domain::subscription::{HeldSubscription, SubscriptionStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::subscription;

fn held(row: subscription::Model) -> ServiceResult<HeldSubscription> {
    let corrupt = |what: &str, value: &str| ServiceError::Corrupt(format!("{what} {value:?}"));
    Ok(HeldSubscription {
        product: ProductCode::parse(&row.product_code)
            .map_err(|_| corrupt("product", &row.product_code))?,
        cycle: Cycle::parse(&row.cycle).ok_or_else(|| corrupt("cycle", &row.cycle))?,
        quantity: u32::try_from(row.quantity)
            .map_err(|_| corrupt("quantity", &row.quantity.to_string()))?,
        status: SubscriptionStatus::parse(&row.status)
            .ok_or_else(|| corrupt("status", &row.status))?,
        trial: row.trial,
        current_period_end: row.current_period_end,
    })
}

/// The account's subscription `id`; another account's is `None`.
pub async fn find_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    id: Uuid,
) -> ServiceResult<Option<HeldSubscription>> {
    subscription::Entity::find_by_id(id)
        .filter(subscription::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .map(held)
        .transpose()
}

/// The account's live (not expired, period not over at `now`) subscription to one of
/// `products`, if any: what "one per account" is checked against.
pub async fn live_among(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    products: &[String],
    now: DateTime<Utc>,
) -> ServiceResult<Option<HeldSubscription>> {
    subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .filter(subscription::Column::ProductCode.is_in(products.iter().cloned()))
        .filter(subscription::Column::Status.ne(SubscriptionStatus::Expired.as_str()))
        .filter(subscription::Column::CurrentPeriodEnd.gt(now))
        .one(db)
        .await?
        .map(held)
        .transpose()
}
