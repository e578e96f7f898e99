//! Reading subscriptions and turning auto-renew on or off.

use entitle_domain::Clock;
use entitle_domain::Refusal;
use entitle_domain::api::{Subscription, SubscriptionPage};
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::store;
use crate::accounts::service as accounts;
use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::catalog::service as catalog;
use crate::error::ServiceResult;
use crate::pagination::PageRequest;
use crate::store::entity::subscription;

/// One page of an account's subscriptions, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
    page: PageRequest,
) -> ServiceResult<SubscriptionPage> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let query = subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .order_by_asc(subscription::Column::Id);
    let (rows, next_cursor) = page
        .load(db, query, subscription::Column::Id, |row| row.id)
        .await?;
    Ok(SubscriptionPage {
        items: rows.iter().map(store::view).collect::<ServiceResult<_>>()?,
        next_cursor: next_cursor.into(),
    })
}

async fn load(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<subscription::Model> {
    crate::auth::owned::find::<subscription::Entity>(db, principal, id).await
}

/// One subscription.
pub async fn get(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Subscription> {
    store::view(&load(db, principal, id).await?)
}

/// Turns auto-renew on or off. Off is not a cancellation: the subscription runs to its
/// period's end. Products that never renew, trials and ended subscriptions refuse `true`.
pub async fn set_auto_renew(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
    auto_renew: bool,
) -> ServiceResult<Subscription> {
    let row = load(db, principal, id).await?;
    if row.auto_renew == auto_renew {
        return store::view(&row);
    }
    if auto_renew {
        let product = catalog::named(db, &row.product_code).await?;
        if !product.auto_renewable || row.trial {
            return Err(Refusal::AutoRenewNotAllowed {
                product: product.code,
            }
            .into());
        }
        if row.status == SubscriptionStatus::Expired {
            return Err(Refusal::SubscriptionNotActive.into());
        }
    }
    let now = clock.now();
    let before = store::view(&row)?;
    let txn = db.begin().await?;
    let mut model = row.clone().into_active_model();
    model.auto_renew = Set(auto_renew);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let after = store::view(&updated)?;
    Change::new(
        Actor::from(principal),
        "subscription.changed",
        "subscription",
        row.id,
    )
    .account(row.account_id)
    .states(&before, &after)
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(after)
}
