//! Liveness and readiness probes, open to all.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use crate::problem::{ApiError, Refused, can};
use crate::state::AppState;
use crate::store;

#[derive(Tags)]
enum HealthTags {
    /// Probes for load balancers and orchestrators.
    Health,
}

/// A probe's answer.
#[derive(Object)]
struct Health {
    /// `ok`.
    status: String,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// Up.
    #[oai(status = 200)]
    Ok(Json<Health>),
}

pub struct HealthApi;

#[OpenApi(
    tag = "HealthTags::Health",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl HealthApi {
    /// Liveness: the process answers.
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> Result<HealthResponse, Refused<{ can::TOO_MANY_REQUESTS }>> {
        Ok(HealthResponse::Ok(Json(Health {
            status: "ok".to_owned(),
        })))
    }

    /// Readiness: the database answers too.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(
        &self,
        state: poem::web::Data<&AppState>,
    ) -> Result<HealthResponse, Refused<{ can::TOO_MANY_REQUESTS | can::UNAVAILABLE }>> {
        if store::ping(&state.db).await {
            Ok(HealthResponse::Ok(Json(Health {
                status: "ok".to_owned(),
            })))
        } else {
            Err(Refused(ApiError::unavailable(
                "the database does not answer",
            )))
        }
    }
}
