//! The API edge's one mapping from errors to `application/problem+json` (RFC 9457) with a
//! stable `code`. Service errors become [`ApiError`]; everything poem itself refuses (bad JSON,
//! wrong types, unknown routes, a missing key) is rewritten by [`problem_for_error`], so no
//! answer is ever plain text and none is a 500 for bad input.

use entitle_domain::api::Problem;
use entitle_domain::api::ProblemCode;
use poem::http::StatusCode;
use poem::{Error, IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaResponses, Registry};

use crate::error::ServiceError;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Builds a problem report.
pub fn problem(status: StatusCode, code: ProblemCode, detail: impl Into<String>) -> Problem {
    Problem {
        kind: format!("urn:entitle:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        code,
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
    /// It existed and is gone for good (a floating seat released after its heartbeats
    /// stopped).
    #[oai(status = 410, content_type = "application/problem+json")]
    Gone(Json<Problem>),
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// Well-formed but refused by the rules; `code` says which.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this key or address, or too many moves of a license: retry
    /// after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u64,
    ),
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

/// The problem statuses an operation can answer, as bits of a set. An operation returns
/// [`Refused`] with its set, and its spec lists those error responses alone (issue 19: every
/// operation listed all twelve, 413 and 415 on GETs, 401 on `/readyz`). The edge's refusals
/// count too: a rate limit anywhere, a parameter or a body that does not fit the spec.
pub mod can {
    pub const BAD_REQUEST: u32 = 1 << 0;
    pub const UNAUTHORIZED: u32 = 1 << 1;
    pub const FORBIDDEN: u32 = 1 << 2;
    pub const NOT_FOUND: u32 = 1 << 3;
    pub const GONE: u32 = 1 << 12;
    pub const CONFLICT: u32 = 1 << 4;
    pub const PAYLOAD_TOO_LARGE: u32 = 1 << 5;
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 1 << 6;
    pub const UNPROCESSABLE: u32 = 1 << 7;
    pub const TOO_MANY_REQUESTS: u32 = 1 << 8;
    pub const INTERNAL: u32 = 1 << 9;
    pub const BAD_GATEWAY: u32 = 1 << 10;
    pub const UNAVAILABLE: u32 = 1 << 11;

    /// An operation behind an API key: none or a bad one, too many requests, a failure.
    pub const KEYED: u32 = UNAUTHORIZED | TOO_MANY_REQUESTS | INTERNAL;
    /// An admin's operation: [`KEYED`], and an account's key refused.
    pub const ADMIN: u32 = KEYED | FORBIDDEN;
    /// One thing named in the path: [`KEYED`], a malformed id, not found or not visible.
    pub const ONE: u32 = KEYED | BAD_REQUEST | NOT_FOUND;
    /// A list: [`KEYED`], a malformed query.
    pub const LIST: u32 = KEYED | BAD_REQUEST;
    /// A JSON body: malformed, too large, not JSON, with an unknown field or refused by a rule.
    pub const BODY: u32 = BAD_REQUEST | PAYLOAD_TOO_LARGE | UNSUPPORTED_MEDIA_TYPE | UNPROCESSABLE;

    /// The bit of `status`; none for a status no operation answers.
    pub fn bit(status: u16) -> u32 {
        match status {
            400 => BAD_REQUEST,
            401 => UNAUTHORIZED,
            403 => FORBIDDEN,
            404 => NOT_FOUND,
            410 => GONE,
            409 => CONFLICT,
            413 => PAYLOAD_TOO_LARGE,
            415 => UNSUPPORTED_MEDIA_TYPE,
            422 => UNPROCESSABLE,
            429 => TOO_MANY_REQUESTS,
            500 => INTERNAL,
            502 => BAD_GATEWAY,
            503 => UNAVAILABLE,
            _ => 0,
        }
    }
}

/// An operation's refusal: an [`ApiError`] whose spec lists only the statuses of `CAN`
/// (a set of [`can`] bits); its 429 carries `Retry-After`.
#[derive(Debug)]
pub struct Refused<const CAN: u32>(pub ApiError);

impl<const CAN: u32> ApiResponse for Refused<CAN> {
    fn meta() -> MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses
            .retain(|response| response.status.is_some_and(|s| CAN & can::bit(s) != 0));
        meta
    }

    fn register(registry: &mut Registry) {
        ApiError::register(registry);
    }
}

impl<const CAN: u32> IntoResponse for Refused<CAN> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<const CAN: u32> From<Refused<CAN>> for Error {
    fn from(refused: Refused<CAN>) -> Self {
        refused.0.into()
    }
}

impl<const CAN: u32> From<ServiceError> for Refused<CAN> {
    fn from(err: ServiceError) -> Self {
        Refused(ApiError::from(err))
    }
}

impl<const CAN: u32> From<ApiError> for Refused<CAN> {
    fn from(err: ApiError) -> Self {
        Refused(err)
    }
}

impl ApiError {
    /// A 503 `unavailable` with `detail`.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError::Unavailable(Json(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemCode::Unavailable,
            detail,
        )))
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let detail = err.to_string();
        match err {
            ServiceError::NotFound(_) => ApiError::NotFound(Json(problem(
                StatusCode::NOT_FOUND,
                ProblemCode::NotFound,
                detail,
            ))),
            ServiceError::Forbidden(_) => ApiError::Forbidden(Json(problem(
                StatusCode::FORBIDDEN,
                ProblemCode::Forbidden,
                detail,
            ))),
            ServiceError::Invalid(_) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                ProblemCode::ValidationFailed,
                detail,
            ))),
            ServiceError::UnknownProduct(_) => ApiError::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                ProblemCode::UnknownProduct,
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
            ServiceError::Absent { code, .. } => {
                ApiError::NotFound(Json(problem(StatusCode::NOT_FOUND, code, detail)))
            }
            ServiceError::Gone { code, .. } => {
                ApiError::Gone(Json(problem(StatusCode::GONE, code, detail)))
            }
            ServiceError::Throttled {
                code,
                retry_after_seconds,
                ..
            } => ApiError::TooManyRequests(
                Json(problem(StatusCode::TOO_MANY_REQUESTS, code, detail)),
                retry_after_seconds,
            ),
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
                ProblemCode::IdempotencyKeyReused,
                detail,
            ))),
            ServiceError::Callback(rejection) => {
                tracing::warn!(code = %rejection.code(), %detail, "payment callback rejected");
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
                    ProblemCode::ProviderUnavailable,
                    detail,
                )))
            }
            ServiceError::TestModeOnly(_) => ApiError::NotFound(Json(problem(
                StatusCode::NOT_FOUND,
                ProblemCode::NotFound,
                detail,
            ))),
            ServiceError::Store(_) | ServiceError::Corrupt(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %detail, "request failed in the store");
                ApiError::Internal(Json(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ProblemCode::InternalError,
                    "the server failed to complete the request; nothing was changed",
                )))
            }
        }
    }
}

/// The problem code for a status that poem or poem-openapi refused on their own.
fn code_for_status(status: StatusCode) -> ProblemCode {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => ProblemCode::ValidationFailed,
        StatusCode::UNAUTHORIZED => ProblemCode::Unauthorized,
        StatusCode::FORBIDDEN => ProblemCode::Forbidden,
        StatusCode::NOT_FOUND => ProblemCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
        StatusCode::LENGTH_REQUIRED => ProblemCode::LengthRequired,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemCode::UnsupportedMediaType,
        StatusCode::TOO_MANY_REQUESTS => ProblemCode::RateLimited,
        s if s.is_server_error() => ProblemCode::InternalError,
        _ => ProblemCode::RequestFailed,
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
pub fn refusal(status: StatusCode, code: ProblemCode, detail: &str) -> Response {
    poem::web::Json(problem(status, code, detail))
        .with_content_type(PROBLEM_JSON)
        .with_status(status)
        .into_response()
}

/// A 429 `rate_limited` answer with `Retry-After: seconds`, for the limits the edge and the
/// key checks enforce before any handler runs.
pub fn too_many_requests(seconds: u64, detail: &str) -> Response {
    let mut response = refusal(
        StatusCode::TOO_MANY_REQUESTS,
        ProblemCode::RateLimited,
        detail,
    );
    if let Ok(value) = poem::http::HeaderValue::from_str(&seconds.to_string()) {
        response
            .headers_mut()
            .insert(poem::http::header::RETRY_AFTER, value);
    }
    response
}
