//! `/v1/audit-events`: HTTP in, service call, HTTP out.

use entitle_domain::api::AuditPage;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use crate::auth::ApiKey;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum AuditTags {
    /// Every state change: who, what, when, before and after.
    Audit,
}

pub struct AuditApi;

#[OpenApi(
    tag = "AuditTags::Audit",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl AuditApi {
    /// List audit events.
    ///
    /// Oldest first (`newest_first=true` for the other way). An admin sees all, or one
    /// account's; an account key, its own. `actor` and `action` narrow it.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/v1/audit-events",
        method = "get",
        operation_id = "list_audit_events"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// Only this account's events.
        account_id: Query<Option<Uuid>>,
        /// Only changes by this actor, as the events name it (`admin`, `account:<id>`,
        /// `license:<id>`, `provider:<name>`, `system`).
        #[oai(validator(max_length = 64))]
        actor: Query<Option<String>>,
        /// Only this action (`order.created`, `machine.activated`, …).
        #[oai(validator(max_length = 64))]
        action: Query<Option<String>>,
        /// Newest first; the cursor then pages back in time.
        newest_first: Query<Option<bool>>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<AuditPage>, Refused<{ can::LIST | can::NOT_FOUND | can::UNPROCESSABLE }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(
            super::list(
                &state.db,
                principal,
                super::AuditFilter {
                    account_id: account_id.0,
                    actor: actor.0,
                    action: action.0,
                    newest_first: newest_first.0.unwrap_or(false),
                },
                page,
            )
            .await?,
        ))
    }
}
