//! `/v1/admin/jobs` and, in test mode, `/v1/admin/clock`.

use chrono::{DateTime, Duration, Utc};
use entitle_domain::add_months;
use entitle_domain::api::{ClockAdvance, ClockView, JobList, JobRun};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};

use crate::app::AppState;
use crate::auth::ApiKey;
use crate::error::{ServiceError, ServiceResult};

/// Why the clock is not there in live mode (DESIGN.md §8): real payments happen in real time.
const LIVE_CLOCK: ServiceError = ServiceError::TestModeOnly(
    "the clock moves only in test mode (entitle serve --sandbox); this server runs in live \
     mode, on the system clock",
);
use crate::problem::ApiError;

#[derive(Tags)]
enum AdminTags {
    /// The vendor's operations: background jobs and the sandbox clock.
    Admin,
}

/// Where `now` lands after an ISO 8601 `duration`: years and months by the calendar (with
/// end-of-month clamping, DESIGN.md §2), the rest by the clock.
pub fn advanced(now: DateTime<Utc>, duration: &str) -> ServiceResult<DateTime<Utc>> {
    let invalid = || {
        ServiceError::Invalid(format!(
            "{duration:?} is not an ISO 8601 duration such as P30D, PT12H, P1M or P1W"
        ))
    };
    if !duration.starts_with('P') {
        return Err(invalid());
    }
    let target = match iso8601::duration(duration).map_err(|_| invalid())? {
        iso8601::Duration::Weeks(weeks) => now + Duration::weeks(i64::from(weeks)),
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => {
            let months = year.checked_mul(12).and_then(|m| m.checked_add(month));
            add_months(now, months.ok_or_else(invalid)?).ok_or_else(invalid)?
                + Duration::days(i64::from(day))
                + Duration::hours(i64::from(hour))
                + Duration::minutes(i64::from(minute))
                + Duration::seconds(i64::from(second))
                + Duration::milliseconds(i64::from(millisecond))
        }
    };
    Ok(target)
}

pub struct AdminApi;

#[OpenApi(tag = "AdminTags::Admin")]
impl AdminApi {
    /// Each background job's last run, outcome and next run (admin).
    #[oai(path = "/v1/admin/jobs", method = "get", operation_id = "list_jobs")]
    async fn jobs(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<JobList>, ApiError> {
        principal.require_admin()?;
        Ok(Json(JobList {
            items: super::statuses(&state).await?,
        }))
    }

    /// Run a job now (admin): `order_expiry`, `renewals`, `expiry`, `reminders`, `invoices`
    /// (issues every requested invoice now), `webhooks`.
    #[oai(
        path = "/v1/admin/jobs/:job/run",
        method = "post",
        operation_id = "run_job"
    )]
    async fn run(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        job: Path<String>,
    ) -> Result<Json<JobRun>, ApiError> {
        principal.require_admin()?;
        let job = super::named(&job.0)?;
        Ok(Json(super::run(&state, job, super::Trigger::Admin).await?))
    }

    /// The server's clock (admin, test mode only).
    #[oai(path = "/v1/admin/clock", method = "get", operation_id = "get_clock")]
    async fn clock(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<ClockView>, ApiError> {
        principal.require_admin()?;
        let clock = state.movable_clock.as_ref().ok_or(LIVE_CLOCK)?;
        Ok(Json(ClockView {
            now: state.clock.now(),
            offset_seconds: clock.offset().num_seconds(),
        }))
    }

    /// Move the sandbox clock forward by an ISO 8601 duration (admin, test mode only), to
    /// watch renewals and expiry happen. Time never goes back.
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
    ) -> Result<Json<ClockView>, ApiError> {
        principal.require_admin()?;
        let clock = state.movable_clock.as_ref().ok_or(LIVE_CLOCK)?;
        let now = state.clock.now();
        let target = advanced(now, &body.0.advance)?;
        clock.advance(target - now);
        Ok(Json(ClockView {
            now: state.clock.now(),
            offset_seconds: clock.offset().num_seconds(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn jan_31() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn durations_move_the_clock_by_the_calendar() {
        assert_eq!(
            advanced(jan_31(), "P30D").ok(),
            Some(jan_31() + Duration::days(30))
        );
        assert_eq!(
            advanced(jan_31(), "P1M").ok(),
            Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).single()
        );
        assert_eq!(
            advanced(jan_31(), "PT12H").ok(),
            Some(jan_31() + Duration::hours(12))
        );
        assert_eq!(
            advanced(jan_31(), "P1W").ok(),
            Some(jan_31() + Duration::weeks(1))
        );
        assert!(advanced(jan_31(), "30 days").is_err());
        assert!(advanced(jan_31(), "").is_err());
    }
}
