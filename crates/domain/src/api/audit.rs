//! The audit log on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One state change: who, what, when, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AuditEvent {
    /// The event's id.
    pub id: Uuid,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// `admin`, `account:<id>`, `provider:<name>` or `system`.
    pub actor: String,
    /// The stored API key that made the change; null for the bootstrap admin key (see
    /// `actor_key_prefix`), a payment provider or the server itself.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub actor_key_id: Option<Uuid>,
    /// The visible prefix of the key that made the change, `bootstrap` for the bootstrap admin
    /// key; null when no key acted (a payment provider, the server itself).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub actor_key_prefix: Option<String>,
    /// The account the change concerns; `null` for the catalog, the clock, a job.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub account_id: Option<Uuid>,
    /// `order.created`, `order.paid`, `license.granted`, `license.consumed`, …
    pub action: String,
    /// `order`, `license`, `subscription`, `api_key`.
    pub entity: String,
    /// The changed thing's id (for a product, job or the clock, a UUID derived from its name).
    pub entity_id: Uuid,
    /// The thing as JSON before the change (or just what changed); `null` for a creation.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub before: Option<serde_json::Value>,
    /// The thing as JSON after the change (or just what changed).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub after: Option<serde_json::Value>,
}

/// One page of audit events, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AuditPage {
    /// This page's audit events, oldest first.
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}
