//! `/v1/licenses` and `/v1/accounts/{id}/licenses`: HTTP in, service call, HTTP out.
//! Licenses go out through [`SerdeJson`]: the account's license list is the hot read path.

use chrono::{DateTime, Utc};
use entitle_domain::api::{ActivateLicense, ConsumeLicense, License, LicensePage};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use super::service::{self, LicenseFilter};
use crate::auth::ApiKey;
use crate::edge::json::SerdeJson;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum LicenseTags {
    /// What customers hold: keys, validity, hosts, one-time use.
    Licenses,
}

pub struct LicensesApi;

#[OpenApi(
    tag = "LicenseTags::Licenses",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl LicensesApi {
    /// List an account's licenses.
    ///
    /// Oldest first.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/v1/accounts/:id/licenses",
        method = "get",
        operation_id = "list_licenses"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Only this product's licenses.
        #[oai(validator(max_length = 32))]
        product: Query<Option<String>>,
        /// Only licenses in this status (a license past its end counts as expired).
        status: Query<Option<LicenseStatus>>,
        /// Only licenses from this source.
        source: Query<Option<LicenseSource>>,
        /// Only licenses whose validity ends before this time (RFC 3339).
        expiring_before: Query<Option<DateTime<Utc>>>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<SerdeJson<LicensePage>, Refused<{ can::ONE | can::LIST | can::UNPROCESSABLE }>>
    {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        let filter = LicenseFilter {
            product: product.0,
            status: status.0,
            source: source.0,
            expiring_before: expiring_before.0,
        };
        Ok(SerdeJson(
            service::list(
                &state.db,
                state.clock.as_ref(),
                principal,
                id.0,
                filter,
                page,
            )
            .await?,
        ))
    }

    /// Get a license.
    ///
    /// Key, product, status, validity, source order, host.
    #[oai(
        path = "/v1/licenses/:id",
        method = "get",
        operation_id = "get_license"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
    ) -> Result<SerdeJson<License>, Refused<{ can::ONE }>> {
        Ok(SerdeJson(
            service::get(&state.db, state.clock.as_ref(), principal, id.0).await?,
        ))
    }

    /// Activate a license on a host.
    ///
    /// Host-bound licenses only, one host at a time.
    #[oai(
        path = "/v1/licenses/:id/activate",
        method = "post",
        operation_id = "activate_license"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
        body: Json<ActivateLicense>,
    ) -> Result<SerdeJson<License>, Refused<{ can::ONE | can::BODY | can::CONFLICT }>> {
        Ok(SerdeJson(
            service::set_host(
                &state.db,
                principal,
                id.0,
                Some(&body.0.host),
                body.0.fingerprint.as_deref(),
                state.clock.now(),
            )
            .await?,
        ))
    }

    /// Deactivate a license.
    ///
    /// Frees a host-bound license for another host.
    #[oai(
        path = "/v1/licenses/:id/deactivate",
        method = "post",
        operation_id = "deactivate_license"
    )]
    async fn deactivate(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
    ) -> Result<SerdeJson<License>, Refused<{ can::ONE | can::CONFLICT | can::UNPROCESSABLE }>>
    {
        Ok(SerdeJson(
            service::set_host(&state.db, principal, id.0, None, None, state.clock.now()).await?,
        ))
    }

    /// Consume a one-time license.
    ///
    /// For one run. A second time answers 409 `license_already_consumed`; an expired one 409
    /// `license_expired`.
    #[oai(
        path = "/v1/licenses/:id/consume",
        method = "post",
        operation_id = "consume_license"
    )]
    async fn consume(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
        body: Json<ConsumeLicense>,
    ) -> Result<SerdeJson<License>, Refused<{ can::ONE | can::BODY | can::CONFLICT }>> {
        Ok(SerdeJson(
            service::consume(
                &state.db,
                state.clock.as_ref(),
                principal,
                id.0,
                &body.0.reference,
            )
            .await?,
        ))
    }
}
