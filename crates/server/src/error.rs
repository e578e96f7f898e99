//! The service layer's errors: what went wrong, in the domain's words. The API edge maps each
//! to an HTTP status and a stable problem code once, in [`crate::problem`].

use entitle_domain::Refusal;
use entitle_domain::api::ProblemCode;
use entitle_domain::licenses::LicenseRefusal;
use entitle_domain::orders::OrderRefusal;
use sea_orm::DbErr;
use thiserror::Error;

/// Why a service call did not do what was asked.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The thing does not exist, or the caller may not see it (an account key reaching
    /// another account gets this too, never the other account's data).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's key may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request is well-formed but says something impossible.
    #[error("{0}")]
    Invalid(String),
    /// A product, cycle or other catalog entry named in the request does not exist.
    #[error("{0}")]
    UnknownProduct(String),
    /// An `Idempotency-Key` was sent again with another body.
    #[error(
        "this Idempotency-Key was used with another request body: use a new key for a new order"
    )]
    IdempotencyKeyReused,
    /// A payment provider's callback was not believed; nothing changed.
    #[error(transparent)]
    Callback(#[from] crate::payments::CallbackRejection),
    /// A rule refused the request, with its stable code.
    #[error("{detail}")]
    Rule { code: ProblemCode, detail: String },
    /// The request conflicts with what is stored.
    #[error("{detail}")]
    Conflict { code: ProblemCode, detail: String },
    /// The thing asked for is not there, with a code more precise than `not_found`
    /// (`machine_not_found`).
    #[error("{detail}")]
    Absent { code: ProblemCode, detail: String },
    /// The thing existed and is gone for good (`machine_dead`): 410.
    #[error("{detail}")]
    Gone { code: ProblemCode, detail: String },
    /// Allowed again later (`machine_transfer_limit`): 429 with `Retry-After`.
    #[error("{detail}")]
    Throttled {
        code: ProblemCode,
        detail: String,
        retry_after_seconds: u64,
    },
    /// A rule of the domain refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The browser would be sent somewhere the vendor does not allow (no open redirect).
    #[error(transparent)]
    ReturnUrl(#[from] entitle_domain::return_url::ReturnUrlRefusal),
    /// Free text the client sent is too long or holds a control character (a NUL would reach
    /// PostgreSQL, which refuses it): bad input, never a 500.
    #[error(transparent)]
    Text(#[from] entitle_domain::text::TextRefusal),
    /// The order's state does not allow it (a paid order is final).
    #[error(transparent)]
    Order(#[from] OrderRefusal),
    /// The license's state or product does not allow it.
    #[error(transparent)]
    License(LicenseRefusal),
    /// A payment provider could not be reached, or answered with a signature that does not
    /// verify: it is never believed, and nothing payable was left behind.
    #[error("the payment provider is unavailable: {0}")]
    ProviderUnavailable(String),
    /// Admin time travel in live mode: the clock moves only in test mode.
    #[error("{0}")]
    TestModeOnly(&'static str),
    /// The database failed; the caller sees a 500 and the log has the cause.
    #[error("database error: {0}")]
    Store(#[from] DbErr),
    /// Something inside the server failed (a background task died).
    #[error("internal failure: {0}")]
    Internal(String),
    /// Stored data no longer parses as the domain expects.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Results of service calls.
pub type ServiceResult<T> = Result<T, ServiceError>;
