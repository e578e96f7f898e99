//! The audit log (DESIGN.md §7): every state change, naming the key that acted.

use entitle_domain::api::AuditPage;
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

/// Narrows `GET /v1/audit-events`.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub account_id: Option<Uuid>,
    /// `admin`, `account:<id>`, `license:<id>`, `provider:<name>`, `system`.
    pub actor: Option<String>,
    /// `order.created`, `machine.activated`, …
    pub action: Option<String>,
    pub newest_first: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl Client {
    /// `GET /v1/audit-events`, one page (optionally one account's).
    pub async fn list_audit_events(
        &self,
        account_id: Option<Uuid>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AuditPage, ClientError> {
        self.find_audit_events(&AuditQuery {
            account_id,
            limit,
            cursor: cursor.map(str::to_owned),
            ..AuditQuery::default()
        })
        .await
    }

    /// `GET /v1/audit-events` with every filter.
    pub async fn find_audit_events(&self, q: &AuditQuery) -> Result<AuditPage, ClientError> {
        let mut query = page_query(q.limit, q.cursor.as_deref());
        if let Some(account_id) = q.account_id {
            query.push(("account_id", account_id.to_string()));
        }
        if let Some(actor) = &q.actor {
            query.push(("actor", actor.clone()));
        }
        if let Some(action) = &q.action {
            query.push(("action", action.clone()));
        }
        if q.newest_first {
            query.push(("newest_first", "true".to_owned()));
        }
        self.get_page("/v1/audit-events", &query).await
    }
}
