//! Stripe Checkout, method `card` (providers.md §4). The protocol (the `Stripe-Signature`
//! scheme, the bracketed form parameters, the answers' shapes) is `entitle_providers::stripe`;
//! this is the server's side of it.
//!
//! - Checkout: a Checkout Session in `payment` mode for the order's total in cents, our
//!   checkout session as `client_reference_id`, the order in `metadata[order_id]`, the return
//!   route as `success_url` and `cancel_url`; an auto-renewing subscription's first payment
//!   saves the card (`setup_future_usage=off_session`, a customer created). The order's
//!   checkout URL is the session's `url`.
//! - Callback: `checkout.session.completed` (and `async_payment_succeeded`) with
//!   `payment_status = paid` fulfils, `async_payment_failed` declines, every other event is
//!   acknowledged and changes nothing; the signature is checked on the system clock with
//!   Stripe's 300 s tolerance.
//! - Query: the session, its PaymentIntent expanded (the saved card is read from it).
//! - Renewals: a PaymentIntent `off_session=true, confirm=true` on the saved customer and
//!   payment method, `Idempotency-Key: renew-{order}` (each attempt of a renewal is an order of
//!   its own, so a retry after a decline is a new charge and a resumed one is not).
//!   `authentication_required` hands the renewal to the customer (pay to renew).
//!
//! Decision: one line item for the order's total, not one per quote line: an upgrade's or a
//! seat addition's lines carry prorations and credits, which Stripe's line items (positive
//! unit amounts) cannot express, and the total is what the customer agreed to pay.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use entitle_domain::{Money, PaymentMethod};
use entitle_providers::stripe as protocol;
use poem::Response;
use poem::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart, Identity,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, ProviderResult, SavedCharge,
    SavedMethodCharge, SessionRef, checkout_param, json_acknowledgement, usd_minor,
};

mod renewal;
mod sessions;

pub use entitle_providers::stripe::LIVE_API_BASE;

/// The provider's name.
pub const NAME: &str = "stripe";

/// Stripe keeps a Checkout Session open at least 30 minutes and at most 24 hours after its
/// creation; Entitle's checkouts are clamped into that window (with a minute's margin on
/// each side for the clocks). A session open longer than its order is closed when the order
/// expires, and a late payment is reconciled like any other.
const SHORTEST_SESSION: chrono::Duration = chrono::Duration::minutes(31);
const LONGEST_SESSION: chrono::Duration = chrono::Duration::minutes(23 * 60 + 59);

/// Stripe's settings (`entitle serve --help`); `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct StripeSettings {
    /// The secret API key (`sk_live_…`, `sk_test_…`).
    pub secret_key: SecretString,
    /// The webhook endpoint's signing secret (`whsec_…`).
    pub webhook_secret: SecretString,
    /// The API's base URL: Stripe's, or a fake's.
    pub api_base: String,
}

/// The Stripe provider.
#[derive(Debug)]
pub struct StripeProvider {
    settings: StripeSettings,
    public_url: String,
    http: reqwest::Client,
}

/// The saved card, as the subscription keeps it: `{customer}/{payment_method}`.
fn saved_card(customer: &str, payment_method: &str) -> String {
    format!("{customer}/{payment_method}")
}

fn unreachable(detail: impl ToString) -> ProviderError {
    ProviderError::Unreachable {
        provider: NAME,
        detail: detail.to_string(),
    }
}

/// Stripe's refusal, as the log keeps it: its type and code, never the whole body (an error
/// can carry the payment method's billing details).
fn refused(status: StatusCode, body: &str) -> ProviderError {
    let detail = match serde_json::from_str::<protocol::ErrorBody>(body) {
        Ok(body) => format!(
            "{status}: {} {}",
            body.error.kind,
            body.error.code.as_deref().unwrap_or_default()
        ),
        Err(_) => status.to_string(),
    };
    ProviderError::Refused {
        provider: NAME,
        detail,
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().unwrap_or_else(Utc::now)
}

impl StripeProvider {
    /// Stripe as `settings` say, with its return route below `public_url`.
    pub fn new(settings: &StripeSettings, public_url: &str) -> Result<Self, String> {
        if settings.secret_key.expose_secret().trim().is_empty()
            || settings.webhook_secret.expose_secret().trim().is_empty()
        {
            return Err("Stripe needs its secret key and its webhook signing secret".to_owned());
        }
        Ok(StripeProvider {
            settings: settings.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.api_base.trim_end_matches('/'))
    }

    /// Posts `form` to `path` with `idempotency_key`; the status and body of the answer.
    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> ProviderResult<(StatusCode, String)> {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(self.settings.secret_key.expose_secret())
            .header("idempotency-key", idempotency_key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(protocol::encode_form(form))
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        Ok((status, response.text().await.map_err(unreachable)?))
    }

    /// Reads `path`; `None` for a 404.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> ProviderResult<Option<T>> {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(self.settings.secret_key.expose_secret())
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.text().await.map_err(unreachable)?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => serde_json::from_str(&body).map(Some).map_err(unreachable),
            s => Err(refused(s, &body)),
        }
    }

    fn return_url(&self, session_id: Uuid) -> String {
        format!(
            "{}/v1/payments/{NAME}/return?checkout={session_id}",
            self.public_url
        )
    }
}

/// The cents of `amount` (USD only, [`usd_minor`]).
fn cents(amount: Money) -> ProviderResult<i64> {
    usd_minor(amount, NAME)
}

#[async_trait::async_trait]
impl PaymentProvider for StripeProvider {
    fn identity(&self) -> &'static Identity {
        &Identity {
            name: NAME,
            methods: &[PaymentMethod::Card],
        }
    }

    fn charges_saved(&self, method: PaymentMethod) -> bool {
        method == PaymentMethod::Card
    }

    fn needs_payment_token(&self) -> bool {
        true
    }

    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart> {
        let now = Utc::now();
        let expires_at = request
            .expires_at
            .clamp(now + SHORTEST_SESSION, now + LONGEST_SESSION);
        let line = protocol::LineItem {
            name: request.subject.to_owned(),
            unit_amount: cents(request.amount)?,
            quantity: 1,
        };
        let reference = request.session_id.to_string();
        let order_id = request.order_id.to_string();
        let return_url = self.return_url(request.session_id);
        let form = protocol::CheckoutSessionParams {
            currency: "usd",
            line_items: std::slice::from_ref(&line),
            client_reference_id: &reference,
            order_id: &order_id,
            success_url: &return_url,
            cancel_url: &return_url,
            expires_at: expires_at.timestamp(),
            save_for_off_session: request.saves_method,
        }
        .to_form();
        let (status, body) = self
            .post(
                "/v1/checkout/sessions",
                &form,
                &format!("checkout-{reference}"),
            )
            .await?;
        if !status.is_success() {
            return Err(refused(status, &body));
        }
        let session: protocol::CheckoutSession =
            serde_json::from_str(&body).map_err(unreachable)?;
        let url = session
            .url
            .clone()
            .ok_or_else(|| unreachable("the session has no url"))?;
        Ok(CheckoutStart {
            url,
            qr_code: None,
            provider_ref: Some(session.id),
        })
    }

    async fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection> {
        let header = headers
            .get(protocol::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(CallbackRejection::MissingSignature)?;
        protocol::verify_signature(
            self.settings.webhook_secret.expose_secret(),
            header,
            body,
            now.timestamp(),
            protocol::TOLERANCE_SECS,
        )
        .map_err(|e| match e {
            protocol::SignatureError::Malformed | protocol::SignatureError::NoSignature => {
                CallbackRejection::MissingSignature
            }
            protocol::SignatureError::Mismatch => CallbackRejection::BadSignature,
            protocol::SignatureError::Stale => CallbackRejection::Stale,
        })?;
        let event: protocol::Event = serde_json::from_slice(body)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        let outcome = match event.kind.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                PaymentOutcome::Succeeded
            }
            "checkout.session.async_payment_failed" => PaymentOutcome::Declined,
            "payment_intent.succeeded" => {
                return renewal::intent_succeeded(event.data.object, event.created);
            }
            _ => return Ok(CallbackOutcome::Ignored("an event Entitle does not act on")),
        };
        let session: protocol::CheckoutSession = serde_json::from_value(event.data.object)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        if session.client_reference_id.is_none() {
            // Another system's session on the same Stripe account: acknowledged, so that
            // Stripe does not retry it for days (and disable the endpoint).
            return Ok(CallbackOutcome::Ignored("a session that is not Entitle's"));
        }
        if outcome == PaymentOutcome::Succeeded && !session.is_paid() {
            // A delayed method (a bank debit) completes the session before the money moves;
            // `async_payment_succeeded` follows.
            return Ok(CallbackOutcome::Ignored("the session is not paid yet"));
        }
        Ok(CallbackOutcome::Payment(
            self.notice(&session, outcome, at(event.created)).await?,
        ))
    }

    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response {
        json_acknowledgement(result, serde_json::json!({ "received": true }))
    }

    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>> {
        let Some(id) = session.provider_ref else {
            return Ok(None);
        };
        let Some(found) = self.session(id).await? else {
            return Ok(None);
        };
        if !found.is_paid() {
            // Complete but unpaid: a delayed method the customer chose is still moving.
            return match found.status.as_deref() {
                Some("complete") => Err(ProviderError::Pending {
                    provider: NAME,
                    detail: format!("session {} is complete, its payment pending", found.id),
                }),
                _ => Ok(None),
            };
        }
        let paid_at = match found.payment_intent.as_ref().and_then(|i| i.object()) {
            Some(intent) => at(intent.created),
            None => Utc::now(),
        };
        self.notice(&found, PaymentOutcome::Succeeded, paid_at)
            .await
            .map(Some)
            .map_err(|e| ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            })
    }

    async fn close(&self, session: &SessionRef<'_>) -> ProviderResult<()> {
        let Some(id) = session.provider_ref else {
            return Ok(());
        };
        let (status, body) = self
            .post(
                &format!("/v1/checkout/sessions/{id}/expire"),
                &[],
                &format!("expire-{}", session.id),
            )
            .await?;
        // A session already complete or expired cannot be expired: nothing to close.
        if status.is_success() || status == StatusCode::BAD_REQUEST {
            Ok(())
        } else {
            Err(refused(status, &body))
        }
    }

    fn returned_session(&self, query: &[(String, String)]) -> Option<Uuid> {
        checkout_param(query)
    }

    async fn charge_saved(&self, charge: &SavedMethodCharge<'_>) -> ProviderResult<SavedCharge> {
        self.charge_off_session(charge).await
    }
}
