//! `/v1/admin/jobs` and, in test mode, `/v1/admin/clock`.

use entitle_domain::api::{ClockAdvance, ClockView, JobList, JobRun};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};

use crate::auth::ApiKey;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum AdminTags {
    /// The vendor's operations: background jobs and the sandbox clock.
    Admin,
}

pub struct AdminApi;

#[OpenApi(
    tag = "AdminTags::Admin",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl AdminApi {
    /// List the background jobs (admin).
    ///
    /// Each job's last run, outcome and next run.
    #[oai(path = "/v1/admin/jobs", method = "get", operation_id = "list_jobs")]
    async fn jobs(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<JobList>, Refused<{ can::ADMIN }>> {
        principal.require_admin()?;
        Ok(Json(JobList {
            items: super::statuses(&state.db, state.clock.as_ref(), &state.config).await?,
        }))
    }

    /// Run a job now (admin).
    ///
    /// `order_expiry`, `renewals`, `expiry`, `reminders`, `invoices` (issues every requested
    /// invoice now), `webhooks`.
    #[oai(
        path = "/v1/admin/jobs/:job/run",
        method = "post",
        operation_id = "run_job"
    )]
    async fn run(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The job: `order_expiry`, `renewals`, `expiry`, `reminders`, `invoices` or `webhooks`.
        job: Path<String>,
    ) -> Result<Json<JobRun>, Refused<{ can::ADMIN | can::NOT_FOUND }>> {
        principal.require_admin()?;
        let job = super::named(&job.0)?;
        let trigger = super::Trigger::Admin(principal.into());
        Ok(Json(super::run(&state, job, trigger).await?))
    }

    /// The server's clock (admin).
    ///
    /// Test mode only.
    #[oai(path = "/v1/admin/clock", method = "get", operation_id = "get_clock")]
    async fn clock(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<ClockView>, Refused<{ can::ADMIN | can::NOT_FOUND }>> {
        principal.require_admin()?;
        Ok(Json(super::clock::view(state.movable_clock.as_ref())?))
    }

    /// Move the sandbox clock forward (admin).
    ///
    /// By an ISO 8601 duration, in test mode only, to watch renewals and expiry happen. Time
    /// never goes back.
    #[oai(
        path = "/v1/admin/clock",
        method = "post",
        operation_id = "advance_clock"
    )]
    async fn advance(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        body: Json<ClockAdvance>,
    ) -> Result<Json<ClockView>, Refused<{ can::ADMIN | can::BODY | can::NOT_FOUND }>> {
        Ok(Json(
            super::clock::advance(
                &state.db,
                state.movable_clock.as_ref(),
                principal,
                &body.0.advance,
            )
            .await?,
        ))
    }
}
