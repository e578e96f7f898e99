//! The API edge's one mapping from errors to `application/problem+json` (RFC 9457) with a
//! stable `code`. Service errors become [`ApiError`]; everything poem itself refuses (bad JSON,
//! wrong types, unknown routes, a missing key) is rewritten by [`problem_for_error`], so no
//! answer is ever plain text and none is a 500 for bad input.

use entitle_domain::api::Problem;
use poem::http::StatusCode;
use poem::{Error, IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

use crate::error::ServiceError;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Builds a problem report.
pub fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
    Problem {
        kind: format!("urn:entitle:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        code: code.to_owned(),
        reason: None,
    }
}

/// Every error an operation can answer with.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The request is malformed: bad JSON, a wrong type, an unknown enum value.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No API key, or one that is unknown or revoked.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The key is valid but may not do this (an account key on an admin operation).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Not found, or not visible to this key.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The body is not JSON (`Content-Type: application/json` expected).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Conflicts with the current state (a product code taken, …).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// Well-formed but refused by the rules; `code` says which.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this key or address: retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// A payment provider could not be reached or its answer did not verify; nothing was
    /// created.
    #[oai(status = 502, content_type = "application/problem+json")]
    BadGateway(Json<Problem>),
    /// The server failed; nothing was changed by half.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A dependency (the database) is unavailable.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiError {
    /// A 503 `unavailable` with `detail`.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError::Unavailable(Json(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            detail,
        )))
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let detail = err.to_string();
        match err {
            ServiceError::NotFound(_) => {
                ApiError::NotFound(Json(problem(StatusCode::NOT_FOUND, "not_found", detail)))
            }
            ServiceError::Forbidden(_) => {
                ApiError::Forbidden(Json(problem(StatusCode::FORBIDDEN, "forbidden", detail)))
            }
            ServiceError::Invalid(_) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            ))),
            ServiceError::UnknownProduct(_) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_product",
                detail,
            ))),
            ServiceError::Rule { code, .. } => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                detail,
            ))),
            ServiceError::Conflict { code, .. } => {
                ApiError::Conflict(Json(problem(StatusCode::CONFLICT, code, detail)))
            }
            ServiceError::Refused(refusal) if refusal.is_conflict() => {
                ApiError::Conflict(Json(problem(StatusCode::CONFLICT, refusal.code(), detail)))
            }
            ServiceError::Refused(refusal) => {
                let mut report = problem(StatusCode::UNPROCESSABLE_ENTITY, refusal.code(), detail);
                report.reason = refusal.reason().map(str::to_owned);
                ApiError::Unprocessable(Json(report))
            }
            ServiceError::ReturnUrl(refusal) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.code(),
                detail,
            ))),
            ServiceError::Text(refusal) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.code(),
                detail,
            ))),
            ServiceError::IdempotencyKeyReused => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                detail,
            ))),
            ServiceError::Callback(rejection) => {
                tracing::warn!(code = rejection.code(), %detail, "payment callback rejected");
                ApiError::BadRequest(Json(problem(
                    StatusCode::BAD_REQUEST,
                    rejection.code(),
                    detail,
                )))
            }
            ServiceError::Order(refusal) => {
                ApiError::Conflict(Json(problem(StatusCode::CONFLICT, refusal.code(), detail)))
            }
            ServiceError::License(refusal) if refusal.is_conflict() => {
                ApiError::Conflict(Json(problem(StatusCode::CONFLICT, refusal.code(), detail)))
            }
            ServiceError::License(refusal) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.code(),
                detail,
            ))),
            ServiceError::ProviderUnavailable(_) => {
                tracing::warn!(error = %detail, "payment provider unavailable");
                ApiError::BadGateway(Json(problem(
                    StatusCode::BAD_GATEWAY,
                    "provider_unavailable",
                    detail,
                )))
            }
            ServiceError::TestModeOnly(_) => {
                ApiError::NotFound(Json(problem(StatusCode::NOT_FOUND, "not_found", detail)))
            }
            ServiceError::Store(_) | ServiceError::Corrupt(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %detail, "request failed in the store");
                ApiError::Internal(Json(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "the server failed to complete the request; nothing was changed",
                )))
            }
        }
    }
}

/// The problem code for a status that poem or poem-openapi refused on their own.
fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal_error",
        _ => "request_failed",
    }
}

/// Rewrites any error that reached the edge as problem+json, keeping answers that already are.
pub async fn problem_for_error(err: Error) -> Response {
    let status = err.status();
    let message = err.to_string();
    let response = err.into_response();
    let already_problem = response
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already_problem {
        return response;
    }
    let detail = match status {
        StatusCode::UNAUTHORIZED => {
            "send a valid API key as `Authorization: Bearer <key>`".to_owned()
        }
        StatusCode::NOT_FOUND => "no such resource".to_owned(),
        s if s.is_server_error() => {
            tracing::error!(error = %message, "request failed");
            "the server failed to complete the request".to_owned()
        }
        _ => message,
    };
    let body = problem(status, code_for_status(status), detail);
    poem::web::Json(body)
        .with_content_type(PROBLEM_JSON)
        .with_status(status)
        .into_response()
}

/// A problem answer for refusals made before a handler runs (the edge, authentication).
pub fn refusal(status: StatusCode, code: &str, detail: &str) -> Response {
    poem::web::Json(problem(status, code, detail))
        .with_content_type(PROBLEM_JSON)
        .with_status(status)
        .into_response()
}
