//! The audit log on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One state change: who, what, when, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AuditEvent {
    pub id: Uuid,
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
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub account_id: Option<Uuid>,
    /// `order.created`, `order.paid`, `license.granted`, `license.consumed`, …
    pub action: String,
    /// `order`, `license`, `subscription`, `api_key`.
    pub entity: String,
    pub entity_id: Uuid,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub after: Option<serde_json::Value>,
}

/// One page of audit events, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}
