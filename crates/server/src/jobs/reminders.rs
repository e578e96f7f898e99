//! Expiry reminders (DESIGN.md §4): 30, 7 and 1 days before a subscription or a batch of
//! licenses expires without renewal, a `license.expiring` event goes out, once each — the
//! reminder's row (subject, expiry, threshold) is its primary key, so a second server, or a
//! second run, finds it taken.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entitle_domain::Clock;
use entitle_domain::ProductKind;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::renewal::{REMINDER_DAYS, reminders_due};
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::catalog::store as catalog;
use crate::error::ServiceResult;
use crate::events;
use crate::store::entity::{license, reminder, subscription};

/// A license as the reminders read it: id, account, order, product, end.
type LicenseRow = (Uuid, Uuid, Option<Uuid>, String, DateTime<Utc>);

/// Something that expires: what, which, whose, when, and what to say about it.
struct Expiring {
    subject: &'static str,
    id: Uuid,
    account_id: Uuid,
    ends_at: DateTime<Utc>,
    data: serde_json::Value,
}

pub async fn run(db: &DatabaseConnection, clock: &dyn Clock) -> ServiceResult<u64> {
    let now = clock.now();
    let horizon = now + Duration::days(REMINDER_DAYS.iter().copied().max().unwrap_or(30));
    let mut expiring = Vec::new();

    for sub in subscription::Entity::find()
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
        .filter(subscription::Column::CurrentPeriodEnd.gt(now))
        .filter(subscription::Column::CurrentPeriodEnd.lte(horizon))
        .filter(
            Condition::any()
                .add(subscription::Column::AutoRenew.eq(false))
                .add(subscription::Column::Trial.eq(true)),
        )
        .all(db)
        .await?
    {
        expiring.push(Expiring {
            subject: "subscription",
            id: sub.id,
            account_id: sub.account_id,
            ends_at: sub.current_period_end,
            data: json!({ "subscription_id": sub.id, "product": sub.product_code }),
        });
    }

    // One-time licenses (bought, or granted as a bonus) never renew: each batch — one order's
    // licenses ending together — is reminded of once per threshold.
    let one_time: Vec<String> = catalog::all(db)
        .await?
        .into_iter()
        .filter(|p| p.kind == ProductKind::OneTime)
        .map(|p| p.code.to_string())
        .collect();
    let rows: Vec<LicenseRow> = license::Entity::find()
        .select_only()
        .column(license::Column::Id)
        .column(license::Column::AccountId)
        .column(license::Column::OrderId)
        .column(license::Column::ProductCode)
        .column(license::Column::ValidUntil)
        .filter(license::Column::Status.eq(LicenseStatus::Active))
        .filter(license::Column::ProductCode.is_in(one_time))
        .filter(license::Column::ValidUntil.gt(now))
        .filter(license::Column::ValidUntil.lte(horizon))
        .into_tuple()
        .all(db)
        .await?;
    let mut batches: BTreeMap<(Uuid, DateTime<Utc>), (Uuid, String, u64)> = BTreeMap::new();
    for (id, account_id, order_id, product, valid_until) in rows {
        let batch = batches
            .entry((order_id.unwrap_or(id), valid_until))
            .or_insert((account_id, product, 0));
        batch.2 += 1;
    }
    for ((batch_id, ends_at), (account_id, product, count)) in batches {
        expiring.push(Expiring {
            subject: "license_batch",
            id: batch_id,
            account_id,
            ends_at,
            data: json!({ "order_id": batch_id, "product": product, "licenses": count }),
        });
    }

    let mut sent = 0;
    for item in expiring {
        if remind(db, item, now).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

async fn remind(
    db: &DatabaseConnection,
    item: Expiring,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let recorded: Vec<i64> = reminder::Entity::find()
        .filter(reminder::Column::Subject.eq(item.subject))
        .filter(reminder::Column::SubjectId.eq(item.id))
        .filter(reminder::Column::EndsAt.eq(item.ends_at))
        .all(db)
        .await?
        .into_iter()
        .map(|r| i64::from(r.days_before))
        .collect();
    let plan = reminders_due(item.ends_at, now, &recorded);
    let Some(send) = plan.send else {
        return Ok(false);
    };
    let txn = db.begin().await?;
    for days in &plan.record {
        let inserted = reminder::Entity::insert(reminder::ActiveModel {
            subject: Set(item.subject.to_owned()),
            subject_id: Set(item.id),
            ends_at: Set(item.ends_at),
            days_before: Set(i32::try_from(*days).unwrap_or(i32::MAX)),
            sent_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await;
        match inserted {
            Ok(_) => {}
            // Another server sent it first: nothing to do.
            Err(err) if crate::store::is_unique_violation(&err) => {
                return Ok(false);
            }
            Err(err) => return Err(err.into()),
        }
    }
    let mut data = item.data;
    data["subject"] = json!(item.subject);
    data["ends_at"] = json!(item.ends_at);
    data["days_before"] = json!(send);
    events::emit(
        &txn,
        events::LICENSE_EXPIRING,
        Some(item.account_id),
        data,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
