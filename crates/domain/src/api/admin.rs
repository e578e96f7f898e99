//! The vendor's operations on the wire: jobs, the sandbox clock, outbound webhooks.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::Job;
use crate::webhooks::DeliveryStatus;

/// A background job's last run and next run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobStatus {
    /// The job.
    pub job: Job,
    /// When its last run started; `null` if it never ran.
    pub last_started_at: Nullable<DateTime<Utc>>,
    /// When its last run finished (a run under way keeps the previous one's); `null` if none has.
    pub last_finished_at: Nullable<DateTime<Utc>>,
    /// How its last run ended, `ok` or `failed`; `null` if none has. A string, not the
    /// `JobOutcome` enum: a nullable reference to an enum trips openapi-python-client.
    pub last_outcome: Nullable<String>,
    /// What the last run did, or why it failed.
    pub last_detail: Nullable<String>,
    /// How many runs have finished, failed ones included, on every server together.
    pub runs: u64,
    /// When the scheduler runs it next (absent when the scheduler is off).
    pub next_run_at: Nullable<DateTime<Utc>>,
}

/// Every job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobList {
    /// One status per job, in the order the scheduler runs them.
    pub items: Vec<JobStatus>,
}

/// What one run of a job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobRun {
    /// The job, as in the request's path.
    pub job: Job,
    /// Pieces of work done (orders expired, subscriptions renewed, …).
    pub processed: u64,
    /// What the run did, in one line (`3 orders expired`).
    pub detail: String,
}

/// The server's clock (sandbox mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ClockView {
    /// What the server takes as now: the machine's clock plus the offset.
    pub now: DateTime<Utc>,
    /// How far it runs ahead of the machine's clock, in seconds.
    pub offset_seconds: i64,
}

/// Moves the sandbox clock forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ClockAdvance {
    /// An ISO 8601 duration: `P30D`, `PT12H`, `P1W`, `P1DT2H30M`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 64)))]
    pub advance: String,
}

/// Registers an endpoint for outbound webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookEndpointInput {
    /// Where events are POSTed.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 2000)))]
    pub url: String,
    /// Event types to send (`order.paid`, `subscription.renewed`, …), or `["*"]` for all.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_items = 100, min_length = 1, max_length = 100))
    )]
    pub events: Vec<String>,
    /// Signs each delivery: `Entitle-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 16, max_length = 200)))]
    pub secret: String,
}

/// A registered endpoint (its secret is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookEndpoint {
    /// The endpoint's id; deliveries name it as `endpoint_id`.
    pub id: Uuid,
    /// Where events are POSTed.
    pub url: String,
    /// The event types sent to it; `["*"]` means all.
    pub events: Vec<String>,
    /// Whether new events are queued for it.
    pub active: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// Every endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookEndpointList {
    /// Every registered endpoint, oldest first.
    pub items: Vec<WebhookEndpoint>,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookAttempt {
    /// When the request was sent.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Nullable<u16>,
    /// Why no HTTP answer came (refused, timed out, …); `null` when the endpoint answered.
    pub error: Nullable<String>,
}

/// One event on its way to one endpoint, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookDelivery {
    /// The delivery's id.
    pub id: Uuid,
    /// The event sent, also in each request's `Entitle-Event-Id` header: deduplicate on it.
    pub event_id: Uuid,
    /// The event's type (`order.paid`, `subscription.renewed`, …).
    pub event_type: String,
    /// The endpoint it is sent to.
    pub endpoint_id: Uuid,
    /// `pending`, `delivered`, or `failed` once the retries are used up.
    pub status: DeliveryStatus,
    /// When the next attempt is due; `null` once `delivered` or `failed`.
    pub next_attempt_at: Nullable<DateTime<Utc>>,
    /// When an attempt got a 2xx answer; `null` until one has.
    pub delivered_at: Nullable<DateTime<Utc>>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// One page of deliveries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookDeliveryPage {
    /// This page's deliveries, oldest first.
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}
