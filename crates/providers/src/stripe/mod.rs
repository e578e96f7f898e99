//! Stripe Checkout (providers.md §4).
//!
//! Payments start as a Checkout Session (`POST /v1/checkout/sessions`, form-encoded), whose
//! `url` the customer is sent to; renewals are off-session PaymentIntents
//! (`POST /v1/payment_intents` with `off_session=true&confirm=true`) against the payment
//! method saved by the first session. Webhooks carry a `Stripe-Signature` header: HMAC-SHA256
//! with the endpoint's `whsec_…` secret. Stripe's API takes bracketed form keys
//! (`line_items[0][price_data][currency]`) that `serde_urlencoded` cannot express from
//! structs, so requests are built as ordered `(key, value)` pairs here and encoded with
//! [`encode_form`].

pub mod types;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use types::*;

type HmacSha256 = Hmac<Sha256>;

/// The API host; requests authenticate with `Authorization: Bearer sk_…`.
pub const LIVE_API_BASE: &str = "https://api.stripe.com";
/// The webhook signature header, lowercase (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "stripe-signature";
/// How far a webhook's signed timestamp may be from our clock, in seconds
/// (stripe-python `Webhook.DEFAULT_TOLERANCE`).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a `Stripe-Signature` header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `t=` entry, more than one, a `t=` that is not whole seconds, or an entry that is not
    /// `scheme=value`.
    #[error("malformed Stripe-Signature header")]
    Malformed,
    /// No `v1` entry: nothing we accept signed it (`v0` is a test-mode scheme we ignore).
    #[error("no v1 signature in the Stripe-Signature header")]
    NoSignature,
    /// No `v1` entry is HMAC-SHA256 of `{t}.{payload}` under our secret: a wrong secret, a
    /// changed body, or a changed timestamp.
    #[error("no v1 signature matches")]
    Mismatch,
    /// Validly signed, but the timestamp is further than the tolerance from our clock: a
    /// replay, or a badly skewed clock.
    #[error("the signed timestamp is outside the tolerance")]
    Stale,
}

/// The MAC over Stripe's signed payload `"{t}.{payload}"`, keyed with the whole secret as
/// UTF-8 bytes, `whsec_` prefix included (as stripe-python keys it). `t` is written as a
/// plain integer, so a header's `t=` is re-formatted rather than used verbatim (as the
/// official libraries do after parsing it).
fn signed_payload_mac(secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// A `Stripe-Signature` header value as Stripe sends it: `t={timestamp},v1={hex}` with the
/// hex (lowercase) of HMAC-SHA256(secret, `"{t}.{payload}"`). For the local fake and tests.
pub fn signature_header(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let tag = signed_payload_mac(secret, timestamp, payload)
        .finalize()
        .into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// A header's signed timestamp and its `v1` signatures (still hex).
struct ParsedHeader<'a> {
    timestamp: i64,
    v1: Vec<&'a str>,
}

/// Splits `t=…,v1=…[,v1=…][,v0=…]` into its entries. Every non-empty entry must be
/// `scheme=value` (stripe-go refuses the header otherwise); exactly one `t` is allowed, since
/// a repeated one would leave open which time was signed; schemes other than `t` and `v1`
/// are ignored, so Stripe may add schemes without breaking us.
fn parse_header(header: &str) -> Result<ParsedHeader<'_>, SignatureError> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for entry in header.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (scheme, value) = entry.split_once('=').ok_or(SignatureError::Malformed)?;
        match scheme.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed);
                }
                let seconds = value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed)?;
                timestamp = Some(seconds);
            }
            "v1" => v1.push(value.trim()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    Ok(ParsedHeader { timestamp, v1 })
}

/// Verifies a webhook's `Stripe-Signature` header against the raw request body and returns
/// the header's timestamp.
///
/// The rules, in Stripe's libraries' order: the header must parse (else
/// [`SignatureError::Malformed`]) and carry at least one `v1` entry (else
/// [`SignatureError::NoSignature`]); **any** `v1` entry may match, since Stripe sends one per
/// active secret while a secret is being rolled, and each is compared in constant time
/// (`hmac`'s `verify_slice` on the hex-decoded bytes; an entry that is not hex simply does not
/// match); with none matching, [`SignatureError::Mismatch`]. Only then is the time checked,
/// so [`SignatureError::Stale`] always means a genuine but old (or future) message.
///
/// Freshness is `|now - t| <= tolerance`, a deliberate departure from stripe-python, which
/// rejects only timestamps older than `now - tolerance`: a timestamp far in the future is as
/// much a sign of a skewed clock or a forged replay window as an old one, and accepting it
/// would let a captured message stay replayable for longer than the tolerance. A negative
/// `tolerance` accepts only `t == now`; there is no "0 disables the check" as in
/// stripe-python. `now` is unix seconds from the SYSTEM clock (freshness is about real
/// elapsed time, not a simulated one).
pub fn verify_signature(
    secret: &str,
    header: &str,
    payload: &[u8],
    now: i64,
    tolerance: i64,
) -> Result<i64, SignatureError> {
    let parsed = parse_header(header)?;
    if parsed.v1.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    let mac = signed_payload_mac(secret, parsed.timestamp, payload);
    let matches = parsed.v1.iter().any(|signature| {
        hex::decode(signature).is_ok_and(|tag| mac.clone().verify_slice(&tag).is_ok())
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    let tolerance = u64::try_from(tolerance).unwrap_or(0);
    if now.abs_diff(parsed.timestamp) > tolerance {
        return Err(SignatureError::Stale);
    }
    Ok(parsed.timestamp)
}

/// One line of a Checkout Session, priced inline (`price_data`) rather than through a Stripe
/// Price object, so our catalogue stays the only source of prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// The product name the customer sees on the Checkout page.
    pub name: String,
    /// The price of one unit in the currency's minor units (cents); Stripe refuses negatives.
    pub unit_amount: i64,
    pub quantity: u32,
}

/// The parameters of `POST /v1/checkout/sessions` in `mode=payment`.
#[derive(Debug, Clone)]
pub struct CheckoutSessionParams<'a> {
    /// ISO 4217 code in any case; Stripe wants it lowercase, so it is sent lowercase.
    pub currency: &'a str,
    pub line_items: &'a [LineItem],
    /// Our checkout session's id, echoed back on the session and its webhooks.
    pub client_reference_id: &'a str,
    /// Sent as `metadata[order_id]` on the session and as
    /// `payment_intent_data[metadata][order_id]` on its PaymentIntent, so both kinds of webhook
    /// (`checkout.session.*` and `payment_intent.*`) name the order.
    pub order_id: &'a str,
    /// Where Stripe sends the customer after paying; may contain `{CHECKOUT_SESSION_ID}`,
    /// which Stripe replaces with the session's id.
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// Unix seconds; Stripe requires 30 minutes to 24 hours after the session is created.
    pub expires_at: i64,
    /// Save the card for renewals: `customer_creation=always` (an off-session charge needs a
    /// Customer) and `payment_intent_data[setup_future_usage]=off_session` (so the card is set
    /// up for charges without the customer present, with SCA done now).
    pub save_for_off_session: bool,
}

impl CheckoutSessionParams<'_> {
    /// The form pairs, in a fixed order: `mode=payment` for cards, the line items indexed from 0, then
    /// the references, URLs and expiry, then the saving keys when asked for.
    pub fn to_form(&self) -> Vec<(String, String)> {
        let currency = self.currency.to_ascii_lowercase();
        // Cards only: method `card` is what the customer chose, and only a card is saved and
        // charged off-session (the dashboard may enable other methods, such as bank debits).
        let mut form = vec![
            pair("mode", "payment"),
            pair("payment_method_types[0]", "card"),
        ];
        for (index, item) in self.line_items.iter().enumerate() {
            let key = |field: &str| format!("line_items[{index}]{field}");
            form.push((key("[price_data][currency]"), currency.clone()));
            form.push((
                key("[price_data][unit_amount]"),
                item.unit_amount.to_string(),
            ));
            form.push((key("[price_data][product_data][name]"), item.name.clone()));
            form.push((key("[quantity]"), item.quantity.to_string()));
        }
        form.push(pair("client_reference_id", self.client_reference_id));
        form.push(pair("metadata[order_id]", self.order_id));
        form.push(pair(
            "payment_intent_data[metadata][order_id]",
            self.order_id,
        ));
        form.push(pair("success_url", self.success_url));
        form.push(pair("cancel_url", self.cancel_url));
        form.push(("expires_at".to_owned(), self.expires_at.to_string()));
        if self.save_for_off_session {
            form.push(pair("customer_creation", "always"));
            form.push(pair(
                "payment_intent_data[setup_future_usage]",
                "off_session",
            ));
        }
        form
    }
}

/// The parameters of an off-session renewal charge, `POST /v1/payment_intents`, confirmed in
/// the same call. Send it with the header `Idempotency-Key: {renewal_idempotency_key}`.
#[derive(Debug, Clone)]
pub struct OffSessionPaymentParams<'a> {
    /// Minor units (cents).
    pub amount: i64,
    /// ISO 4217 code in any case; sent lowercase.
    pub currency: &'a str,
    /// The `cus_…` the first Checkout Session created.
    pub customer: &'a str,
    /// The `pm_…` saved by the first payment (its PaymentIntent's `payment_method`).
    pub payment_method: &'a str,
    /// Sent as `metadata[order_id]`, so the `payment_intent.*` webhooks name the order.
    pub order_id: &'a str,
}

impl OffSessionPaymentParams<'_> {
    /// The form pairs: amount, currency, customer, payment method, `off_session=true`,
    /// `confirm=true` and `metadata[order_id]`.
    pub fn to_form(&self) -> Vec<(String, String)> {
        vec![
            ("amount".to_owned(), self.amount.to_string()),
            ("currency".to_owned(), self.currency.to_ascii_lowercase()),
            pair("customer", self.customer),
            pair("payment_method", self.payment_method),
            pair("off_session", "true"),
            pair("confirm", "true"),
            pair("metadata[order_id]", self.order_id),
            // Marks the PaymentIntent as a renewal's, so its `payment_intent.succeeded` event is
            // told apart from a Checkout's (whose session event carries the saved card).
            pair("metadata[charge]", "renewal"),
        ]
    }
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

/// The `application/x-www-form-urlencoded` body of `pairs`, in order (space as `+`, brackets
/// as `%5B`/`%5D`, which Stripe decodes back to its nested keys).
pub fn encode_form(pairs: &[(String, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// The `Idempotency-Key` of an order's off-session renewal charge, `renew-{order_id}`: one key
/// per order, so a retried request (timeout, crash between sending and recording) can never
/// charge twice; Stripe answers a repeat with the first outcome.
pub fn renewal_idempotency_key(order_id: &str) -> String {
    format!("renew-{order_id}")
}

#[cfg(test)]
mod tests;
