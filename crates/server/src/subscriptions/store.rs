//! Subscriptions between the table, the domain's [`HeldSubscription`] and the API's
//! [`Subscription`].

use chrono::{DateTime, Utc};
use entitle_domain::PaymentMethod;
use entitle_domain::api::Subscription;
use entitle_domain::catalog::ProductCode;
use entitle_domain::fulfillment::SubscriptionGrant;
use entitle_domain::subscription::{HeldSubscription, SubscriptionStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::subscription;

/// The wire form.
pub fn view(row: &subscription::Model) -> ServiceResult<Subscription> {
    let facts = held(row.clone())?;
    Ok(Subscription {
        id: row.id,
        account_id: row.account_id,
        product: row.product_code.clone(),
        cycle: facts.cycle,
        quantity: facts.quantity,
        status: facts.status,
        trial: row.trial,
        auto_renew: row.auto_renew,
        current_period_start: row.current_period_start,
        current_period_end: row.current_period_end,
        payment_method: row.payment_method,
    })
}

/// Inserts the subscription of `grant` for `account_id`, paid by `order_id` with `method`.
pub async fn insert_grant(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    grant: &SubscriptionGrant,
    order_id: Uuid,
    method: Option<PaymentMethod>,
    now: DateTime<Utc>,
) -> ServiceResult<subscription::Model> {
    let quantity = i32::try_from(grant.quantity)
        .map_err(|_| ServiceError::Invalid("quantity is too large".to_owned()))?;
    Ok(subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        product_code: Set(grant.product.to_string()),
        cycle: Set(grant.cycle),
        quantity: Set(quantity),
        status: Set(SubscriptionStatus::Active),
        trial: Set(grant.trial),
        auto_renew: Set(grant.auto_renew),
        anchor_at: Set(grant.anchor),
        current_period_start: Set(grant.anchor),
        current_period_end: Set(grant.period_end),
        created_at: Set(now),
        updated_at: Set(now),
        payment_method: Set(method),
        order_id: Set(Some(order_id)),
        renewal_failures: Set(0),
        next_retry_at: Set(None),
        payment_token: Set(None),
    }
    .insert(db)
    .await?)
}

/// The domain's facts about a stored subscription.
pub fn held(row: subscription::Model) -> ServiceResult<HeldSubscription> {
    let corrupt = |what: &str, value: &str| ServiceError::Corrupt(format!("{what} {value:?}"));
    Ok(HeldSubscription {
        product: ProductCode::parse(&row.product_code)
            .map_err(|_| corrupt("product", &row.product_code))?,
        cycle: row.cycle,
        quantity: u32::try_from(row.quantity)
            .map_err(|_| corrupt("quantity", &row.quantity.to_string()))?,
        status: row.status,
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

/// Whether the account ever had a trial of one of `products`.
pub async fn trial_used(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    products: &[String],
) -> ServiceResult<bool> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .filter(subscription::Column::ProductCode.is_in(products.iter().cloned()))
        .filter(subscription::Column::Trial.eq(true))
        .one(db)
        .await?
        .is_some())
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
        .filter(subscription::Column::Status.ne(SubscriptionStatus::Expired))
        .filter(subscription::Column::CurrentPeriodEnd.gt(now))
        // A paid one before a trial: a trial never hides the subscription that refuses.
        .order_by_asc(subscription::Column::Trial)
        .one(db)
        .await?
        .map(held)
        .transpose()
}
