//! Payment providers (DESIGN.md §8). A provider turns an order into a hosted checkout page,
//! later confirms payment with a signed callback, and charges a saved method for renewals.
//! The built-in [`sandbox::SandboxProvider`] is the default; real providers (Stripe Checkout,
//! PayPal, Alipay, WeChat Pay) plug in behind [`PaymentProvider`] with their own signature
//! schemes.

pub mod callback;
pub mod sandbox;
pub mod service;

use std::fmt::Debug;

use chrono::{DateTime, Utc};
use entitle_domain::{Money, PaymentMethod};
use poem::http::HeaderMap;
use thiserror::Error;
use uuid::Uuid;

/// What a provider reports about one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    Succeeded,
    Declined,
}

/// A verified callback: the provider says this payment happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentNotice {
    /// The provider's id for the payment; the same payment delivered twice has the same id.
    pub event_id: Uuid,
    pub outcome: PaymentOutcome,
    /// The checkout session paid; `None` for a saved-method charge.
    pub session_id: Option<Uuid>,
    pub order_id: Uuid,
    pub amount: Money,
    /// When the provider took (or declined) the money: licenses start then.
    pub occurred_at: DateTime<Utc>,
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
}

impl CallbackRejection {
    /// The stable code the callback endpoint answers with.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackRejection::MissingSignature | CallbackRejection::BadSignature => {
                "invalid_signature"
            }
            CallbackRejection::Stale => "stale_callback",
            CallbackRejection::Malformed(_) => "malformed_callback",
            CallbackRejection::Mismatch(_) => "callback_mismatch",
        }
    }
}

/// The result of charging a saved method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCharge {
    pub event_id: Uuid,
    pub outcome: PaymentOutcome,
    pub occurred_at: DateTime<Utc>,
}

/// A payment provider.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + Debug {
    /// The provider's name, as orders and checkouts report it.
    fn name(&self) -> &'static str;

    /// The hosted page where the customer pays checkout session `session_id`.
    fn checkout_url(&self, session_id: Uuid) -> String;

    /// Checks a callback's signature and freshness at `now` and reads the payment it reports.
    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PaymentNotice, CallbackRejection>;

    /// Charges the customer's saved `method` for `order_id` (renewals), off-session.
    async fn charge_saved(
        &self,
        order_id: Uuid,
        amount: Money,
        method: PaymentMethod,
    ) -> Result<SavedCharge, sea_orm::DbErr>;
}
