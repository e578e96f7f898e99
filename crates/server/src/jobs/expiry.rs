//! Expiry (DESIGN.md §4): licenses past `valid_until` become `expired` (a consumed one stays
//! `consumed`), and so do subscriptions that end without renewing. Which ones is the domain's
//! call (`subscription::renews_itself`, `licenses::waits_for_renewal`); the queries only
//! narrow the rows to what it could pick. Auto-renewing subscriptions are left to the renewal
//! job, which expires them when their retries run out.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::licenses::{LicenseStatus, Owner, waits_for_renewal};
use entitle_domain::subscription::{SubscriptionStatus, renews_itself};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{Actor, Change};
use crate::error::ServiceResult;
use crate::events;
use crate::licenses::store as licenses;
use crate::store::entity::{license, subscription};
use crate::subscriptions::store as subscriptions;

/// How many of each are expired per run; the next run continues.
const BATCH: u64 = 500;

pub async fn run(db: &DatabaseConnection, clock: &dyn Clock) -> ServiceResult<u64> {
    let now = clock.now();
    Ok(expire_subscriptions(db, now).await? + expire_licenses(db, now).await?)
}

async fn expire_subscriptions(db: &DatabaseConnection, now: DateTime<Utc>) -> ServiceResult<u64> {
    let due = subscription::Entity::find()
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
        .filter(subscription::Column::CurrentPeriodEnd.lte(now))
        .filter(
            Condition::any()
                .add(subscription::Column::AutoRenew.eq(false))
                .add(subscription::Column::Trial.eq(true)),
        )
        .order_by_asc(subscription::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut expired = 0;
    for sub in due {
        if renews_itself(sub.auto_renew, sub.trial) {
            continue;
        }
        let txn = db.begin().await?;
        let claimed = subscription::Entity::update_many()
            .col_expr(
                subscription::Column::Status,
                Expr::value(SubscriptionStatus::Expired),
            )
            .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
            .filter(subscription::Column::Id.eq(sub.id))
            .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        let before = subscriptions::view(&sub)?;
        let after = subscriptions::view(&subscription::Model {
            status: SubscriptionStatus::Expired,
            updated_at: now,
            ..sub.clone()
        })?;
        events::emit(
            &txn,
            events::SUBSCRIPTION_EXPIRED,
            Some(sub.account_id),
            json!({ "subscription": after }),
            now,
        )
        .await?;
        Change::new(
            Actor::System,
            "subscription.expired",
            "subscription",
            sub.id,
        )
        .account(sub.account_id)
        .states(&before, &after)
        .record(&txn, now)
        .await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}

/// The subscriptions of licenses due to expire, by id: whether each license waits for its
/// renewal is `licenses::waits_for_renewal`'s to say.
async fn owners(
    db: &DatabaseConnection,
    ids: Vec<Uuid>,
) -> ServiceResult<HashMap<Uuid, subscription::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(subscription::Entity::find()
        .filter(subscription::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

async fn expire_licenses(db: &DatabaseConnection, now: DateTime<Utc>) -> ServiceResult<u64> {
    let due = license::Entity::find()
        .filter(license::Column::Status.eq(LicenseStatus::Active))
        .filter(license::Column::ValidUntil.lte(now))
        .order_by_asc(license::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let owners = owners(db, due.iter().filter_map(|l| l.subscription_id).collect()).await?;
    let mut expired = 0;
    for row in due {
        let owner = row
            .subscription_id
            .and_then(|s| owners.get(&s))
            .map(|s| Owner {
                product: &s.product_code,
                status: s.status,
                auto_renew: s.auto_renew,
                trial: s.trial,
            });
        if waits_for_renewal(&row.product_code, owner) {
            continue;
        }
        let txn = db.begin().await?;
        let claimed = licenses::expire_active(
            &txn,
            Condition::all().add(license::Column::Id.eq(row.id)),
            now,
        )
        .await?;
        if claimed == 0 {
            continue;
        }
        let view = licenses::view(
            license::Model {
                status: LicenseStatus::Expired,
                ..row.clone()
            },
            now,
        );
        events::emit(
            &txn,
            events::LICENSE_EXPIRED,
            Some(row.account_id),
            json!({ "license": view }),
            now,
        )
        .await?;
        Change::new(Actor::System, "license.expired", "license", row.id)
            .account(row.account_id)
            .states(&json!({ "status": LicenseStatus::Active }), &view)
            .record(&txn, now)
            .await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}
