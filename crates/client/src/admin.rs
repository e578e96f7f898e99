//! The admin's levers on time (DESIGN.md §2, §4): the jobs, run on demand, and the sandbox
//! clock.

use entitle_domain::api::{ClockAdvance, ClockView, JobList, JobRun};

use crate::{Client, ClientError};

impl Client {
    /// `GET /v1/admin/jobs` (admin).
    pub async fn list_jobs(&self) -> Result<JobList, ClientError> {
        self.get("/v1/admin/jobs").await
    }

    /// `POST /v1/admin/jobs/{job}/run` (admin).
    pub async fn run_job(&self, job: &str) -> Result<JobRun, ClientError> {
        self.post_action(&format!("/v1/admin/jobs/{job}/run")).await
    }

    /// `GET /v1/admin/clock` (admin, sandbox mode).
    pub async fn clock(&self) -> Result<ClockView, ClientError> {
        self.get("/v1/admin/clock").await
    }

    /// `POST /v1/admin/clock` (admin, sandbox mode): moves the clock by an ISO 8601 duration.
    pub async fn advance_clock(&self, duration: &str) -> Result<ClockView, ClientError> {
        let body = ClockAdvance {
            advance: duration.to_owned(),
        };
        self.post("/v1/admin/clock", &body).await
    }
}
