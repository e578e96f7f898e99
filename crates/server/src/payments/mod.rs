//! Payment providers (DESIGN.md §8). A provider turns an order into a checkout the customer can
//! complete (a page to open, or a QR code to scan), later confirms payment with a signed
//! callback, answers what became of a checkout when asked (reconciliation), and, where it can,
//! charges a saved method for renewals.
//!
//! The server holds one [`PaymentProvider`] per configured provider ([`registry::Providers`]),
//! chosen per payment method: Alipay ([`alipay`]) and WeChat Pay ([`wechat_pay`]) for region
//! `cn`, PayPal ([`paypal`]) and Stripe ([`stripe`], method `card`) for region `intl`, and in
//! test mode the built-in [`sandbox`] for every method no real provider takes.
//! Whatever way a payment's news arrives — callback, the browser's return, reconciliation,
//! twice or at once — it goes through [`service::apply`], which records it once under the
//! provider's payment id and fulfils the order exactly once.

pub mod alipay;
pub mod callback;
pub mod pay_page;
pub mod paypal;
pub mod reconcile;
pub mod registry;
pub mod sandbox;
pub mod service;
pub mod stripe;
pub mod wechat_pay;

use entitle_domain::api::ProblemCode;
use std::fmt::Debug;

use chrono::{DateTime, Utc};
use entitle_domain::{Money, PaymentMethod};
use poem::Response;
use poem::http::{HeaderMap, StatusCode};
use thiserror::Error;
use uuid::Uuid;

pub use registry::Providers;

pub use entitle_domain::checkout::PaymentOutcome;

/// A payment the provider vouches for (a verified callback, or its answer to a query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentNotice {
    /// The provider's id for the payment (Alipay `trade_no`, WeChat Pay `transaction_id`):
    /// the same payment told twice has the same id, and is recorded once under it.
    pub payment_id: String,
    pub outcome: PaymentOutcome,
    /// The checkout session paid; `None` for a saved-method charge.
    pub session_id: Option<Uuid>,
    /// The order, when the provider names it; otherwise the session's order.
    pub order_id: Option<Uuid>,
    /// What the provider says was paid, checked against the order.
    pub amount: Money,
    /// When the provider took (or declined) the money: licenses start then.
    pub occurred_at: DateTime<Utc>,
    /// The provider's reference to a method this payment saved for renewals (Stripe's
    /// customer and payment method, a PayPal vault id): kept on the subscription, never card
    /// data.
    pub saved_method: Option<String>,
}

/// What a verified callback says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Money moved, or was declined.
    Payment(PaymentNotice),
    /// A notification that changes nothing here (a trade still waiting, a closed one): it is
    /// acknowledged, so the provider stops sending it.
    Ignored(&'static str),
    /// The checkout session can be taken now (PayPal's approval, to be captured): Entitle asks
    /// the provider about it as on the buyer's return, so that what is taken is decided by
    /// Entitle's own records (only an open checkout is captured), not by the notification.
    Settle(Uuid),
}

/// Why a callback was not believed. Nothing changes for a rejected callback.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallbackRejection {
    #[error("the callback has no valid signature header")]
    MissingSignature,
    #[error("the callback's signature does not match its body")]
    BadSignature,
    #[error("the callback is older than the tolerance (or from the future): replays are refused")]
    Stale,
    #[error("the callback body is malformed: {0}")]
    Malformed(String),
    #[error("the callback does not match the order: {0}")]
    Mismatch(String),
    /// Believed, but what it asks for could not be done now (PayPal's approval, whose capture
    /// failed to reach PayPal): the provider delivers it again.
    #[error("the callback could not be acted on yet: {0}")]
    Unconfirmed(String),
}

impl CallbackRejection {
    /// The stable code the callback endpoint answers with.
    pub fn code(&self) -> ProblemCode {
        match self {
            CallbackRejection::MissingSignature | CallbackRejection::BadSignature => {
                ProblemCode::InvalidSignature
            }
            CallbackRejection::Stale => ProblemCode::StaleCallback,
            CallbackRejection::Malformed(_) => ProblemCode::MalformedCallback,
            CallbackRejection::Mismatch(_) => ProblemCode::CallbackMismatch,
            CallbackRejection::Unconfirmed(_) => ProblemCode::ProviderUnavailable,
        }
    }
}

/// Why a provider could not be believed or reached. An order whose checkout could not be
/// started is not stored (502 `provider_unavailable`); a query that fails is asked again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProviderError {
    #[error("{provider} could not be reached: {detail}")]
    Unreachable {
        provider: &'static str,
        detail: String,
    },
    #[error("{provider} answered with a signature that does not verify")]
    Unverified { provider: &'static str },
    #[error("{provider} refused: {detail}")]
    Refused {
        provider: &'static str,
        detail: String,
    },
    #[error("{provider} cannot charge a saved payment method")]
    Unsupported { provider: &'static str },
    /// The provider holds a payment it has not finished (a PayPal capture `PENDING`, a Stripe
    /// payment `processing`): neither paid nor declined yet, so it is asked again later and its
    /// checkout is never closed meanwhile (the payment's webhook may be lost).
    #[error("{provider} has not finished the payment: {detail}")]
    Pending {
        provider: &'static str,
        detail: String,
    },
    /// The provider will not charge the saved method without the customer (Stripe's
    /// `authentication_required`): the renewal becomes pay to renew.
    #[error("{provider} needs the customer to authorise this charge: {detail}")]
    NeedsCustomer {
        provider: &'static str,
        detail: String,
    },
    #[error("the sandbox's ledger failed: {0}")]
    Ledger(String),
}

impl ProviderError {
    /// What the API's caller is told: which provider failed and how, never the provider's own
    /// words (they describe the merchant's configuration); the whole error goes to the log.
    pub fn for_caller(&self) -> String {
        match self {
            ProviderError::Unreachable { provider, .. } => {
                format!("{provider} could not be reached; try again shortly")
            }
            ProviderError::Unverified { provider } => {
                format!("{provider} answered with a signature that does not verify")
            }
            ProviderError::Refused { provider, .. } => {
                format!("{provider} did not accept the request (the server's log says why)")
            }
            ProviderError::Unsupported { provider } => {
                format!("{provider} cannot charge a saved payment method")
            }
            ProviderError::Pending { provider, .. } => {
                format!("{provider} has not finished the payment yet")
            }
            ProviderError::NeedsCustomer { provider, .. } => {
                format!("{provider} needs the customer to authorise the payment")
            }
            ProviderError::Ledger(_) => "the sandbox's ledger failed".to_owned(),
        }
    }
}

/// What the customer is shown to pay one checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutStart {
    /// A page a browser can open.
    pub url: String,
    /// The QR code's text, when the flow is a scan.
    pub qr_code: Option<String>,
    /// The provider's reference for the checkout, when it gives one.
    pub provider_ref: Option<String>,
}

/// A checkout to start at the provider.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    /// Our checkout session; its 32-hex simple form is the provider's order number
    /// (`out_trade_no`), which fits both Alipay (64) and WeChat Pay (6–32).
    pub session_id: Uuid,
    pub order_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    /// What the customer is buying, as the provider's page shows it.
    pub subject: &'a str,
    /// The provider stops taking payment then.
    pub expires_at: DateTime<Utc>,
    /// Whether the payment should save the method for renewals charged off-session (an
    /// auto-renewing subscription's); a provider that cannot, ignores it.
    pub saves_method: bool,
}

/// A checkout to ask the provider about.
#[derive(Debug, Clone, Copy)]
pub struct SessionRef<'a> {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount: Money,
    /// The provider's own id of the checkout (a Stripe session, a PayPal order), when it gave
    /// one.
    pub provider_ref: Option<&'a str>,
    /// Whether the checkout may still be paid (`open`): a superseded, canceled or expired one
    /// is asked about, but never taken (PayPal's approved orders are captured only while open).
    pub open: bool,
}

impl<'a> SessionRef<'a> {
    /// The checkout `session` as stored: it keeps the amount it was opened for.
    pub fn of(session: &'a crate::store::entity::checkout_session::Model) -> SessionRef<'a> {
        SessionRef {
            id: session.id,
            order_id: session.order_id,
            amount: Money::from_minor(session.amount_minor, session.currency),
            provider_ref: session.provider_ref.as_deref(),
            open: session.status == entitle_domain::checkout::CheckoutStatus::Open,
        }
    }
}

/// A renewal to charge to a saved method.
#[derive(Debug, Clone, Copy)]
pub struct SavedMethodCharge<'a> {
    /// The renewal order: the charge's idempotency key, so a renewal resumed after a crash is
    /// never charged twice.
    pub order_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    /// The subscription's saved-method reference, where the provider gave one.
    pub token: Option<&'a str>,
}

/// The result of charging a saved method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCharge {
    pub payment_id: String,
    pub outcome: PaymentOutcome,
    pub occurred_at: DateTime<Utc>,
}

/// A callback that failed: the status and problem code the provider is answered with (a
/// non-success answer, so it delivers again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackFailure {
    pub status: StatusCode,
    pub code: ProblemCode,
    pub detail: String,
}

/// The minor units of `amount` for `provider`, which takes USD only (region `intl`: PayPal and
/// Stripe); another currency or an amount out of range is refused before anything is sent.
pub fn usd_minor(amount: Money, provider: &'static str) -> ProviderResult<i64> {
    let refused = |detail: String| ProviderError::Refused { provider, detail };
    if amount.currency() != entitle_domain::Currency::Usd {
        return Err(refused(format!(
            "{provider} is configured for USD, not {}",
            amount.currency()
        )));
    }
    amount.to_minor().map_err(|e| refused(e.to_string()))
}

/// The checkout session a return route names as `?checkout={session}` (PayPal's and
/// Stripe's return URLs carry it; PayPal adds its own `token`).
pub fn checkout_param(query: &[(String, String)]) -> Option<Uuid> {
    query
        .iter()
        .find(|(k, _)| k == "checkout")
        .and_then(|(_, v)| Uuid::try_parse(v).ok())
}

/// A callback's answer as JSON: `ok` once applied, else the failure's status with its code
/// and detail (a non-success answer, so the provider delivers it again).
pub fn json_acknowledgement(
    result: Result<bool, CallbackFailure>,
    ok: serde_json::Value,
) -> Response {
    use poem::IntoResponse;
    match result {
        Ok(_) => poem::web::Json(ok).into_response(),
        Err(failure) => poem::web::Json(serde_json::json!({
            "code": failure.code,
            "detail": failure.detail,
        }))
        .with_status(failure.status)
        .into_response(),
    }
}

/// The order number a provider knows a checkout session by: its id in the simple form.
pub fn out_trade_no(session_id: Uuid) -> String {
    session_id.simple().to_string()
}

/// The session a provider's order number names, if it is one of ours.
pub fn session_of_trade_no(out_trade_no: &str) -> Option<Uuid> {
    (out_trade_no.len() == 32)
        .then(|| Uuid::try_parse(out_trade_no).ok())
        .flatten()
}

/// Who a provider is: the same for every instance of it, so each states it once as a constant.
#[derive(Debug)]
pub struct Identity {
    /// As orders, checkouts and its routes (`/v1/payments/{name}/…`) say.
    pub name: &'static str,
    /// The payment methods it takes.
    pub methods: &'static [PaymentMethod],
}

/// What a provider's calls answer.
pub type ProviderResult<T> = Result<T, ProviderError>;

/// A payment provider.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + Debug {
    /// Its name and methods.
    fn identity(&self) -> &'static Identity;

    /// The provider's name, as orders, checkouts and its routes (`/v1/payments/{name}/…`) say.
    fn name(&self) -> &'static str {
        self.identity().name
    }

    /// The payment methods it takes.
    fn methods(&self) -> &'static [PaymentMethod] {
        self.identity().methods
    }

    /// Whether its payments' times are on the server's clock (the sandbox, which lives on it)
    /// rather than real time (every real provider).
    fn reports_server_time(&self) -> bool {
        false
    }

    /// Whether it can charge a saved `method` off-session (renewals); where it cannot, a
    /// renewal is paid by the customer (pay to renew). Most providers cannot.
    fn charges_saved(&self, method: PaymentMethod) -> bool {
        let _ = method;
        false
    }

    /// Whether its saved-method charges need the reference the first payment saved
    /// ([`PaymentNotice::saved_method`]): a subscription without one pays to renew. The
    /// sandbox keeps no such thing.
    fn needs_payment_token(&self) -> bool {
        false
    }

    /// Starts a checkout at the provider: what the customer is shown to pay it.
    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart>;

    /// Where Entitle's `/pay/{session}` page sends the browser, for providers whose page is
    /// reached by a URL signed when it is opened (Alipay); `None` where the page shows a QR
    /// code itself.
    fn pay_redirect(&self, session: &SessionRef<'_>, expires_at: DateTime<Utc>) -> Option<String> {
        let _ = (session, expires_at);
        None
    }

    /// Verifies a callback by the provider's own scheme, its freshness judged at `now` (the
    /// system clock, never the sandbox's movable one), and reads what it says.
    async fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection>;

    /// The answer a callback gets, in the provider's own format: sent only after the change it
    /// reports is committed (`Ok`, saying whether it changed anything), or a non-success answer
    /// so that it is delivered again.
    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response;

    /// What became of the checkout `session`: `Some` once paid (or declined), `None` while
    /// the customer has not paid, [`ProviderError::Pending`] while the provider finishes a
    /// payment.
    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>>;

    /// Stops the provider taking payment for `session` (a fresh checkout superseded it, or its
    /// order was canceled), so that one order is not paid twice. Best effort: a checkout the
    /// provider still takes is reconciled like any other, and a second payment is recorded.
    async fn close(&self, session: &SessionRef<'_>) -> ProviderResult<()> {
        let _ = session;
        Ok(())
    }

    /// The checkout session the browser comes back from, read from the return URL's query.
    fn returned_session(&self, query: &[(String, String)]) -> Option<Uuid>;

    /// Charges the customer's saved method for a renewal off-session, idempotently per
    /// order. Only where [`PaymentProvider::charges_saved`] says it can.
    async fn charge_saved(&self, charge: &SavedMethodCharge<'_>) -> ProviderResult<SavedCharge> {
        let _ = charge;
        Err(ProviderError::Unsupported {
            provider: self.name(),
        })
    }
}
