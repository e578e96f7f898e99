//! One thing, paid once (DESIGN.md §3, §5): an order's [`OrderClaim`] is stored with it, and the
//! store keeps one waiting order per account and claim (and one trial per family, ever) by
//! unique indexes (`m20261202_000009_order_claims`). Two requests at once are decided by the
//! database; what is here only names the winner to the loser, clears a claim whose order
//! outlived its checkout, and checks, after the insert, that no live subscription holds the
//! edition already.

use chrono::{DateTime, Utc};
use entitle_domain::api::ProblemCode;
use entitle_domain::catalog::Product;
use entitle_domain::orders::{OrderClaim, OrderStatus};
use entitle_domain::{Clock, Refusal, UpgradeRefusal, pricing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::transitions;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::order;
use crate::subscriptions::store as subscriptions;

/// The order waiting for payment that holds `claim` for `account_id`, if any.
async fn holder(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    claim: &OrderClaim,
) -> ServiceResult<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::Claim.eq(claim.key()))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .one(db)
        .await?)
}

/// Frees `claim` from an order that outlived its checkout but was not expired yet (the expiry
/// job runs every few seconds; a customer retrying should not wait for it).
pub(super) async fn clear_stale(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    account_id: Uuid,
    claim: Option<&OrderClaim>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let Some(claim) = claim else {
        return Ok(());
    };
    if let Some(stale) = holder(db, account_id, claim)
        .await?
        .filter(|row| row.expires_at.is_some_and(|at| at <= now))
    {
        transitions::expire(db, clock, stale.id).await?;
    }
    Ok(())
}

/// Inserts the new order `row` on `txn` (which a refusal leaves to be rolled back), answering a
/// unique index's refusal as [`refused`] reads it.
pub(super) async fn insert(
    db: &DatabaseConnection,
    txn: &DatabaseTransaction,
    row: order::ActiveModel,
    stored_key: &str,
    claim: Option<&OrderClaim>,
) -> ServiceResult<()> {
    let account_id = match &row.account_id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => {
            return Err(ServiceError::Corrupt(
                "an order without its account".to_owned(),
            ));
        }
    };
    match row.insert(txn).await {
        Ok(_) => Ok(()),
        Err(err) => Err(refused(db, account_id, stored_key, claim, err).await),
    }
}

/// What an insert refused by a unique index means. `err` unchanged when it was the
/// `Idempotency-Key` (the caller answers as a repeat of the first request), or not a unique
/// violation at all; otherwise the refusal of the claim, naming the order that holds it.
async fn refused(
    db: &DatabaseConnection,
    account_id: Uuid,
    stored_key: &str,
    claim: Option<&OrderClaim>,
    err: DbErr,
) -> ServiceError {
    let unique = crate::store::is_unique_violation(&err);
    let (true, Some(claim)) = (unique, claim) else {
        return ServiceError::Store(err);
    };
    let same_key = order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::IdempotencyKey.eq(stored_key))
        .one(db)
        .await;
    match same_key {
        Ok(Some(_)) => return ServiceError::Store(err),
        Ok(None) => {}
        Err(read) => return ServiceError::Store(read),
    }
    match claim {
        OrderClaim::Trial { .. } => Refusal::TrialAlreadyUsed.into(),
        OrderClaim::Upgrade { .. } => Refusal::Upgrade(UpgradeRefusal::Pending).into(),
        OrderClaim::Edition { .. } | OrderClaim::Seats { .. } => {
            match holder(db, account_id, claim).await {
                Ok(Some(waiting)) => pending(&waiting),
                Ok(None) => ServiceError::Store(err),
                Err(read) => read,
            }
        }
    }
}

/// 409 `order_pending`, naming the order waiting for payment.
fn pending(waiting: &order::Model) -> ServiceError {
    ServiceError::Conflict {
        code: ProblemCode::OrderPending,
        detail: format!(
            "order {} ({} {}) is waiting for payment: pay it (POST /v1/orders/{}/checkout) or \
             cancel it before ordering again",
            waiting.id, waiting.kind, waiting.product_code, waiting.id
        ),
    }
}

/// Refuses an edition while the account holds a live paid subscription in its family
/// (`pricing::check_not_held`), read inside the transaction that inserted the order (after the
/// insert: an order paid a moment ago is seen, its fulfilment having released the claim this
/// insert waited for).
pub(super) async fn check_not_held(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    product: &Product,
    claim: Option<&OrderClaim>,
    family_products: &[String],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if !matches!(claim, Some(OrderClaim::Edition { .. })) {
        return Ok(());
    }
    let held = subscriptions::live_among(db, account_id, family_products, now).await?;
    Ok(pricing::check_not_held(product, held.as_ref())?)
}

/// Refuses an upgrade or seats while the subscription's renewal waits for its customer's
/// payment (pay to renew): that renewal was priced for the subscription as it was, and paid it
/// renews the subscription as it is, so it is paid first (409 `renewal_pending`, naming it).
pub(super) async fn check_no_waiting_renewal(
    db: &impl ConnectionTrait,
    claim: Option<&OrderClaim>,
) -> ServiceResult<()> {
    let subscription = match claim {
        Some(OrderClaim::Upgrade { subscription } | OrderClaim::Seats { subscription }) => {
            *subscription
        }
        _ => return Ok(()),
    };
    let waiting = order::Entity::find()
        .filter(order::Column::SubscriptionId.eq(subscription))
        .filter(order::Column::Kind.eq(entitle_domain::orders::OrderType::Renewal))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .one(db)
        .await?;
    match waiting {
        Some(renewal) => Err(ServiceError::Conflict {
            code: ProblemCode::RenewalPending,
            detail: format!(
                "the renewal order {} waits for payment: pay it first (POST /v1/orders/{}/checkout), \
                 then upgrade or add seats",
                renewal.id, renewal.id
            ),
        }),
        None => Ok(()),
    }
}
