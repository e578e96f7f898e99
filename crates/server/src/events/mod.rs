//! Events integrations are told about, through outbound webhooks (DESIGN.md §4, §7).
//!
//! An event is written in the same transaction as the change it reports, with one delivery
//! per subscribed endpoint; the webhook job sends them afterwards, at least once. So an event
//! is never announced for a change that rolled back, nor lost for one that committed.

use chrono::{DateTime, Utc};
use entitle_domain::webhooks::DeliveryStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::store::entity::{event, webhook_delivery, webhook_endpoint};

pub const ORDER_PAID: &str = "order.paid";
pub const ORDER_EXPIRED: &str = "order.expired";
pub const LICENSE_EXPIRING: &str = "license.expiring";
pub const LICENSE_EXPIRED: &str = "license.expired";
pub const LICENSE_CONSUMED: &str = "license.consumed";
pub const SUBSCRIPTION_RENEWED: &str = "subscription.renewed";
pub const SUBSCRIPTION_PAST_DUE: &str = "subscription.past_due";
pub const SUBSCRIPTION_EXPIRED: &str = "subscription.expired";
/// A renewal the customer pays themselves (pay to renew) is open, with its checkout.
pub const SUBSCRIPTION_RENEWAL_DUE: &str = "subscription.renewal_due";

/// Every event type, for endpoint registration.
pub const ALL: [&str; 9] = [
    ORDER_PAID,
    ORDER_EXPIRED,
    LICENSE_EXPIRING,
    LICENSE_EXPIRED,
    LICENSE_CONSUMED,
    SUBSCRIPTION_RENEWED,
    SUBSCRIPTION_PAST_DUE,
    SUBSCRIPTION_EXPIRED,
    SUBSCRIPTION_RENEWAL_DUE,
];

/// Whether an endpoint subscribed to `events` (comma-separated, or `*`) wants `kind`.
pub fn wants(events: &str, kind: &str) -> bool {
    events
        .split(',')
        .map(str::trim)
        .any(|e| e == "*" || e == kind)
}

/// Records event `kind` about `account_id` with `data`, and queues a delivery to every active
/// endpoint that wants it, on `db` (the transaction of the change).
pub async fn emit(
    db: &impl ConnectionTrait,
    kind: &str,
    account_id: Option<Uuid>,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    emit_many(db, kind, vec![(account_id, data)], now).await
}

/// Records one event `kind` per `(account, data)` in `items`, with their deliveries, in as
/// many statements as one event takes: a batch job (the renewal run) reports each of its
/// changes without a round trip per change.
pub async fn emit_many(
    db: &impl ConnectionTrait,
    kind: &str,
    items: Vec<(Option<Uuid>, serde_json::Value)>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = items.iter().map(|_| Uuid::now_v7()).collect();
    // The messages these events send are written with them (issue 21).
    let news: Vec<(Uuid, &str, Option<Uuid>, &serde_json::Value)> = ids
        .iter()
        .zip(&items)
        .map(|(id, (account_id, data))| (*id, kind, *account_id, data))
        .collect();
    crate::mail::outbox::for_events(db, &news, now).await?;
    let events: Vec<event::ActiveModel> = ids
        .iter()
        .zip(items)
        .map(|(&id, (account_id, data))| {
            let payload = json!({
                "id": id,
                "type": kind,
                "created_at": now,
                "account_id": account_id,
                "data": data,
            });
            event::ActiveModel {
                id: Set(id),
                kind: Set(kind.to_owned()),
                account_id: Set(account_id),
                payload: Set(payload.to_string()),
                created_at: Set(now),
            }
        })
        .collect();
    for chunk in events.chunks(CHUNK) {
        event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .all(db)
        .await?;
    let deliveries: Vec<_> = endpoints
        .iter()
        .filter(|endpoint| wants(&endpoint.events, kind))
        .flat_map(|endpoint| {
            ids.iter().map(|&event_id| webhook_delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(event_id),
                endpoint_id: Set(endpoint.id),
                status: Set(DeliveryStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                claimed_until: Set(None),
                delivered_at: Set(None),
                created_at: Set(now),
            })
        })
        .collect();
    for chunk in deliveries.chunks(CHUNK) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Rows per multi-row insert: well inside both databases' limits on bound parameters.
const CHUNK: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_get_the_events_they_asked_for() {
        assert!(wants("*", ORDER_PAID));
        assert!(wants(
            "order.paid, subscription.renewed",
            SUBSCRIPTION_RENEWED
        ));
        assert!(!wants("order.paid", SUBSCRIPTION_RENEWED));
    }
}
