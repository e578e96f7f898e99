//! The vendor's operations on the wire: jobs, the sandbox clock, outbound webhooks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A background job's last run and next run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobStatus {
    /// `order_expiry`, `renewals`, `expiry`, `reminders`, `webhooks`.
    pub job: String,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub last_started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub last_finished_at: Option<DateTime<Utc>>,
    /// `ok` or `failed`.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub last_outcome: Option<String>,
    /// What the last run did, or why it failed.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub last_detail: Option<String>,
    pub runs: u64,
    /// When the scheduler runs it next (absent when the scheduler is off).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_run_at: Option<DateTime<Utc>>,
}

/// Every job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobList {
    pub items: Vec<JobStatus>,
}

/// What one run of a job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct JobRun {
    pub job: String,
    /// Pieces of work done (orders expired, subscriptions renewed, …).
    pub processed: u64,
    pub detail: String,
}

/// The server's clock (sandbox mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ClockView {
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
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Every endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookEndpointList {
    pub items: Vec<WebhookEndpoint>,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub status_code: Option<u16>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub error: Option<String>,
}

/// One event on its way to one endpoint, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub endpoint_id: Uuid,
    /// `pending`, `delivered`, or `failed` once the retries are used up.
    pub status: String,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: Vec<WebhookAttempt>,
}

/// One page of deliveries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}
