//! The audit log on the wire.

use super::nullable::Nullable;
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
    pub actor_key_id: Nullable<Uuid>,
    /// The visible prefix of the key that made the change, `bootstrap` for the bootstrap admin
    /// key; null when no key acted (a payment provider, the server itself).
    pub actor_key_prefix: Nullable<String>,
    /// The account the change concerns; `null` for the catalog, the clock, a job.
    pub account_id: Nullable<Uuid>,
    /// `order.created`, `order.paid`, `license.granted`, `license.consumed`, …
    pub action: String,
    /// `order`, `license`, `subscription`, `api_key`.
    pub entity: String,
    /// The changed thing's id (for a product, job or the clock, a UUID derived from its name).
    pub entity_id: Uuid,
    /// The thing as JSON before the change (or just what changed); `null` for a creation.
    pub before: Nullable<serde_json::Value>,
    /// The thing as JSON after the change (or just what changed).
    pub after: Nullable<serde_json::Value>,
}

/// One page of audit events, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AuditPage {
    /// This page's audit events, oldest first.
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}
