//! The audit log (DESIGN.md §7): every state change, naming the key that acted.

use entitle_domain::api::AuditPage;
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

impl Client {
    /// `GET /v1/audit-events`, one page (optionally one account's).
    pub async fn list_audit_events(
        &self,
        account_id: Option<Uuid>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AuditPage, ClientError> {
        let mut query = page_query(limit, cursor);
        if let Some(account_id) = account_id {
            query.push(("account_id", account_id.to_string()));
        }
        self.get_page("/v1/audit-events", &query).await
    }
}
