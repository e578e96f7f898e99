//! The JSON shapes of Stripe's answers and webhooks, as much of them as we read
//! (docs.stripe.com/api). Unknown fields are ignored on reading, so a newer API version's
//! additions do not break us; a field Stripe may leave out or send as `null` is an `Option`
//! (or an empty map) with `#[serde(default)]`. Written back out (by the local fake), `None`
//! becomes `null`, as Stripe itself sends it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A reference Stripe sends as an id (`"pi_…"`) unless the request asked for it with
/// `expand[]=…`, then as the whole object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expandable<T> {
    Id(String),
    Object(Box<T>),
}

impl<T> Expandable<T> {
    /// The object, if it was expanded.
    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Id(_) => None,
            Self::Object(object) => Some(object.as_ref()),
        }
    }
}

impl Expandable<PaymentIntent> {
    /// The PaymentIntent's `pi_…` id, whichever form it came in.
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) => id.as_str(),
            Self::Object(intent) => intent.id.as_str(),
        }
    }
}

/// A Checkout Session: the answer to creating or retrieving one, and the `data.object` of the
/// `checkout.session.*` webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    /// `cs_…`.
    pub id: String,
    /// The page to send the customer to; `null` once the session is complete or expired.
    #[serde(default)]
    pub url: Option<String>,
    /// `open`, `complete` or `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`. A `complete` session can still be `unpaid`
    /// (a delayed payment method), which is why only [`CheckoutSession::is_paid`] means paid.
    pub payment_status: String,
    /// Our checkout session's id, as sent.
    #[serde(default)]
    pub client_reference_id: Option<String>,
    /// `order_id`, as sent.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Minor units, after discounts and taxes.
    #[serde(default)]
    pub amount_total: Option<i64>,
    /// Lowercase ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// `null` until the customer confirms (in recent API versions); an id unless retrieved
    /// with `expand[]=payment_intent`.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The `cus_…` (created with `customer_creation=always`); read as an id, so do not expand
    /// `customer`.
    #[serde(default)]
    pub customer: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

impl CheckoutSession {
    /// Only `payment_status == "paid"` means the money is there: `checkout.session.completed`
    /// also fires for a delayed payment that has not settled (providers.md §4).
    pub fn is_paid(&self) -> bool {
        self.payment_status == "paid"
    }
}

/// A PaymentIntent: a session's payment, or an off-session renewal charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// `pi_…`.
    pub id: String,
    /// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`, `canceled` or `succeeded`.
    pub status: String,
    /// Minor units.
    pub amount: i64,
    /// Lowercase ISO 4217.
    pub currency: String,
    /// `cus_…`.
    #[serde(default)]
    pub customer: Option<String>,
    /// The `pm_…` to charge off-session later; read as an id, so do not expand it.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// `order_id`, as sent.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

impl PaymentIntent {
    /// Only `succeeded` means charged; `processing` may still fail, and `requires_action` or
    /// `requires_payment_method` after an off-session attempt means it did not go through.
    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }
}

/// A webhook event. `data.object` stays raw JSON: its shape depends on `type`
/// (`checkout.session.*` carries a [`CheckoutSession`], `payment_intent.*` a
/// [`PaymentIntent`]), so read it with `serde_json::from_value` once the type is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_…`: the key to deduplicate deliveries by, since Stripe retries.
    pub id: String,
    /// e.g. `checkout.session.completed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    pub data: EventData,
}

/// An event's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The object the event is about, as it was when the event happened.
    pub object: serde_json::Value,
}

/// The body of a non-2xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

/// Stripe's error object (docs.stripe.com/api/errors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// `card_error`, `invalid_request_error`, `idempotency_error` or `api_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// e.g. `card_declined`, `authentication_required`, `resource_missing`.
    #[serde(default)]
    pub code: Option<String>,
    /// The issuer's reason for a card decline, e.g. `insufficient_funds`.
    #[serde(default)]
    pub decline_code: Option<String>,
    /// For people, not for matching.
    #[serde(default)]
    pub message: Option<String>,
    /// The PaymentIntent the failed request created or confirmed, if any.
    #[serde(default)]
    pub payment_intent: Option<PaymentIntent>,
}

impl ApiError {
    /// Stripe asks for the customer (SCA): `code` or `decline_code` is
    /// `authentication_required`. The charge cannot succeed off-session; send the customer a
    /// new Checkout link instead (docs.stripe.com/declines/codes). Such an error is also a
    /// [`ApiError::is_decline`], so check this first.
    pub fn needs_customer(&self) -> bool {
        const AUTHENTICATION_REQUIRED: &str = "authentication_required";
        self.code.as_deref() == Some(AUTHENTICATION_REQUIRED)
            || self.decline_code.as_deref() == Some(AUTHENTICATION_REQUIRED)
    }

    /// A card decline (`type` `card_error`): the customer's card said no, as opposed to an
    /// invalid request or an API error, which are ours or Stripe's to fix and may be retried.
    pub fn is_decline(&self) -> bool {
        self.kind == "card_error"
    }
}
