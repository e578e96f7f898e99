//! Outbound webhooks: admins register endpoints; events are delivered signed, at least once,
//! retried with exponential backoff, every attempt recorded (DESIGN.md §4).

pub mod api;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entitle_domain::Clock;
use entitle_domain::api::{
    WebhookAttempt, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointInput,
};
use entitle_domain::webhooks::{DeliveryStatus, after_attempt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::pagination::PageRequest;
use crate::signature;
use crate::store::entity::{event, webhook_attempt, webhook_delivery, webhook_endpoint};

/// The header carrying a delivery's signature.
pub const SIGNATURE_HEADER: &str = "Entitle-Signature";
/// How long one server holds a delivery it is attempting.
const CLAIM: Duration = Duration::seconds(60);

fn endpoint_view(row: webhook_endpoint::Model) -> WebhookEndpoint {
    WebhookEndpoint {
        id: row.id,
        url: row.url,
        events: row.events.split(',').map(|e| e.trim().to_owned()).collect(),
        active: row.active,
        created_at: row.created_at,
    }
}

/// Registers an endpoint (admin).
pub async fn register(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    input: WebhookEndpointInput,
) -> ServiceResult<WebhookEndpoint> {
    principal.require_admin()?;
    input.check_text()?;
    let url = input.url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ServiceError::Invalid(
            "url must be an http:// or https:// URL".to_owned(),
        ));
    }
    if input.events.is_empty() {
        return Err(ServiceError::Invalid(
            "events must name at least one event type, or \"*\"".to_owned(),
        ));
    }
    if let Some(unknown) = input
        .events
        .iter()
        .find(|e| *e != "*" && !events::ALL.contains(&e.as_str()))
    {
        return Err(ServiceError::Invalid(format!(
            "unknown event type {unknown:?}: use one of {}, or \"*\"",
            events::ALL.join(", ")
        )));
    }
    let now = clock.now();
    let txn = db.begin().await?;
    let row = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url.to_owned()),
        events: Set(input.events.join(",")),
        secret: Set(input.secret),
        active: Set(true),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let endpoint = endpoint_view(row);
    // In the insert's transaction (DESIGN.md §7); the view carries no signing secret.
    Change::new(
        Actor::from(principal),
        "webhook_endpoint.created",
        "webhook_endpoint",
        endpoint.id,
    )
    .after(&endpoint)
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(endpoint)
}

/// Every endpoint (admin).
pub async fn endpoints(
    db: &DatabaseConnection,
    principal: Principal,
) -> ServiceResult<Vec<WebhookEndpoint>> {
    principal.require_admin()?;
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(endpoint_view)
        .collect())
}

/// One page of deliveries with their attempts (admin).
pub async fn deliveries(
    db: &DatabaseConnection,
    principal: Principal,
    page: PageRequest,
) -> ServiceResult<WebhookDeliveryPage> {
    principal.require_admin()?;
    let query = webhook_delivery::Entity::find().order_by_asc(webhook_delivery::Column::Id);
    let (rows, next_cursor) = page
        .load(db, query, webhook_delivery::Column::Id, |row| row.id)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let kind = event::Entity::find_by_id(row.event_id)
            .one(db)
            .await?
            .map(|e| e.kind)
            .unwrap_or_default();
        let attempts = webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.eq(row.id))
            .order_by_asc(webhook_attempt::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|a| WebhookAttempt {
                attempted_at: a.attempted_at,
                status_code: (a.status_code.and_then(|c| u16::try_from(c).ok())).into(),
                error: a.error.into(),
            })
            .collect();
        items.push(WebhookDelivery {
            id: row.id,
            event_id: row.event_id,
            event_type: kind,
            endpoint_id: row.endpoint_id,
            next_attempt_at: ((row.status == DeliveryStatus::Pending)
                .then_some(row.next_attempt_at))
            .into(),
            status: row.status,
            delivered_at: row.delivered_at.into(),
            attempts,
        });
    }
    Ok(WebhookDeliveryPage {
        items,
        next_cursor: next_cursor.into(),
    })
}

/// Attempts every delivery that is due; returns how many were delivered now. Each is claimed
/// with a conditional update first, so several servers never send one attempt twice.
pub async fn deliver_due(db: &DatabaseConnection, clock: &dyn Clock) -> ServiceResult<u64> {
    let now = clock.now();
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let http = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(10))
        .build()
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let mut delivered = 0;
    for delivery in due {
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::ClaimedUntil,
                Expr::value(now + CLAIM),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(
                Condition::any()
                    .add(webhook_delivery::Column::ClaimedUntil.is_null())
                    .add(webhook_delivery::Column::ClaimedUntil.lt(now)),
            )
            .exec(db)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        if attempt(db, &http, &delivery, now).await? {
            delivered += 1;
        }
    }
    Ok(delivered)
}

async fn attempt(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    delivery: &webhook_delivery::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let (Some(endpoint), Some(event)) = (
        webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(db)
            .await?,
        event::Entity::find_by_id(delivery.event_id).one(db).await?,
    ) else {
        return Ok(false);
    };
    let body = event.payload.into_bytes();
    let header = signature::sign(endpoint.secret.as_bytes(), now.timestamp(), &body);
    let response = http
        .post(&endpoint.url)
        .header(SIGNATURE_HEADER, header)
        .header("Entitle-Event-Id", event.id.to_string())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let (status_code, error) = match &response {
        Ok(r) => (Some(i32::from(r.status().as_u16())), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let ok = response.as_ref().is_ok_and(|r| r.status().is_success());
    webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(delivery.id),
        attempted_at: Set(now),
        status_code: Set(status_code),
        error: Set(error),
    }
    .insert(db)
    .await?;
    let attempts = delivery.attempts + 1;
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(
            webhook_delivery::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id));
    let (status, next_attempt_at) =
        after_attempt(ok, u32::try_from(attempts).unwrap_or(u32::MAX), now);
    update = update.col_expr(webhook_delivery::Column::Status, Expr::value(status));
    if let Some(at) = next_attempt_at {
        update = update.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(at));
    }
    if ok {
        update = update.col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(now));
    }
    update.exec(db).await?;
    Ok(ok)
}
