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

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use entitle_domain::{Currency, Money, PaymentMethod};
use entitle_providers::stripe as protocol;
use poem::http::{HeaderMap, StatusCode};
use poem::web::Json;
use poem::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, SavedCharge, SavedMethodCharge,
    SessionRef,
};

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
#[derive(Clone)]
pub struct StripeSettings {
    /// The secret API key (`sk_live_…`, `sk_test_…`).
    pub secret_key: String,
    /// The webhook endpoint's signing secret (`whsec_…`).
    pub webhook_secret: String,
    /// The API's base URL: Stripe's, or a fake's.
    pub api_base: String,
}

impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeSettings")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
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

fn refused(status: StatusCode, body: &str) -> ProviderError {
    ProviderError::Refused {
        provider: NAME,
        detail: format!("{status}: {body}"),
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().unwrap_or_else(Utc::now)
}

impl StripeProvider {
    /// Stripe as `settings` say, with its return route below `public_url`.
    pub fn new(settings: &StripeSettings, public_url: &str) -> Result<Self, String> {
        if settings.secret_key.trim().is_empty() || settings.webhook_secret.trim().is_empty() {
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
    ) -> Result<(StatusCode, String), ProviderError> {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.settings.secret_key)
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
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, ProviderError> {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.settings.secret_key)
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

    /// The session `id` with its PaymentIntent expanded.
    async fn session(&self, id: &str) -> Result<Option<protocol::CheckoutSession>, ProviderError> {
        self.get(&format!(
            "/v1/checkout/sessions/{id}?expand%5B%5D=payment_intent"
        ))
        .await
    }

    /// The card a paid `session` saved, read from its PaymentIntent (fetched when the session
    /// names it only by id, as webhooks do). `None` when it saved none; a PaymentIntent that
    /// cannot be read leaves the subscription to pay to renew, and says so in the log.
    async fn saved_method(&self, session: &protocol::CheckoutSession) -> Option<String> {
        let customer = session.customer.as_deref()?;
        let intent = match session.payment_intent.as_ref()? {
            protocol::Expandable::Object(intent) => Some((**intent).clone()),
            protocol::Expandable::Id(id) => self
                .get::<protocol::PaymentIntent>(&format!("/v1/payment_intents/{id}"))
                .await
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "the saved card could not be read; pay to renew")
                })
                .ok()
                .flatten(),
        }?;
        Some(saved_card(customer, intent.payment_method.as_deref()?))
    }

    /// What a paid (or failed) `session` says, as a payment notice.
    async fn notice(
        &self,
        session: &protocol::CheckoutSession,
        outcome: PaymentOutcome,
        occurred_at: DateTime<Utc>,
    ) -> Result<PaymentNotice, CallbackRejection> {
        let session_id = session
            .client_reference_id
            .as_deref()
            .and_then(|id| Uuid::try_parse(id).ok())
            .ok_or_else(|| CallbackRejection::Mismatch("the session is not one of ours".into()))?;
        let order_id = session
            .metadata
            .get("order_id")
            .and_then(|id| Uuid::try_parse(id).ok());
        if !session
            .currency
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("usd"))
        {
            return Err(CallbackRejection::Mismatch(
                "the session is not in USD".into(),
            ));
        }
        let amount = session
            .amount_total
            .ok_or_else(|| CallbackRejection::Malformed("no amount_total".into()))?;
        let payment_id = session
            .payment_intent
            .as_ref()
            .map_or_else(|| session.id.clone(), |intent| intent.id().to_owned());
        let saved_method = match outcome {
            PaymentOutcome::Succeeded => self.saved_method(session).await,
            PaymentOutcome::Declined => None,
        };
        Ok(PaymentNotice {
            payment_id,
            outcome,
            session_id: Some(session_id),
            order_id,
            amount: Money::from_minor(amount, Currency::Usd),
            occurred_at,
            saved_method,
        })
    }

    fn return_url(&self, session_id: Uuid) -> String {
        format!(
            "{}/v1/payments/{NAME}/return?checkout={session_id}",
            self.public_url
        )
    }
}

/// The cents of `amount`, which Stripe here takes in USD only (region `intl`).
fn cents(amount: Money) -> Result<i64, ProviderError> {
    if amount.currency() != Currency::Usd {
        return Err(ProviderError::Refused {
            provider: NAME,
            detail: format!("Stripe is configured for USD, not {}", amount.currency()),
        });
    }
    amount.to_minor().map_err(|e| ProviderError::Refused {
        provider: NAME,
        detail: e.to_string(),
    })
}

#[async_trait::async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn methods(&self) -> &'static [PaymentMethod] {
        &[PaymentMethod::Card]
    }

    fn charges_saved(&self, method: PaymentMethod) -> bool {
        method == PaymentMethod::Card
    }

    fn needs_payment_token(&self) -> bool {
        true
    }

    async fn start_checkout(
        &self,
        request: &CheckoutRequest<'_>,
    ) -> Result<CheckoutStart, ProviderError> {
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
            &self.settings.webhook_secret,
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
            _ => return Ok(CallbackOutcome::Ignored("an event Entitle does not act on")),
        };
        let session: protocol::CheckoutSession = serde_json::from_value(event.data.object)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
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
        match result {
            Ok(_) => Json(serde_json::json!({ "received": true })).into_response(),
            Err(failure) => Json(serde_json::json!({
                "code": failure.code,
                "detail": failure.detail,
            }))
            .with_status(failure.status)
            .into_response(),
        }
    }

    async fn query(
        &self,
        session: &SessionRef<'_>,
    ) -> Result<Option<PaymentNotice>, ProviderError> {
        let Some(id) = session.provider_ref else {
            return Ok(None);
        };
        let Some(found) = self.session(id).await? else {
            return Ok(None);
        };
        if !found.is_paid() {
            return Ok(None);
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

    async fn close(&self, session: &SessionRef<'_>) -> Result<(), ProviderError> {
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
        query
            .iter()
            .find(|(k, _)| k == "checkout")
            .and_then(|(_, v)| Uuid::try_parse(v).ok())
    }

    async fn charge_saved(
        &self,
        charge: &SavedMethodCharge<'_>,
    ) -> Result<SavedCharge, ProviderError> {
        let Some((customer, payment_method)) = charge.token.and_then(|t| t.split_once('/')) else {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: "no card is saved for this subscription".to_owned(),
            });
        };
        let order_id = charge.order_id.to_string();
        let form = protocol::OffSessionPaymentParams {
            amount: cents(charge.amount)?,
            currency: "usd",
            customer,
            payment_method,
            order_id: &order_id,
        }
        .to_form();
        let (status, body) = self
            .post(
                "/v1/payment_intents",
                &form,
                &protocol::renewal_idempotency_key(&order_id),
            )
            .await?;
        if status.is_success() {
            let intent: protocol::PaymentIntent =
                serde_json::from_str(&body).map_err(unreachable)?;
            return match intent.status.as_str() {
                "succeeded" => Ok(SavedCharge {
                    payment_id: intent.id,
                    outcome: PaymentOutcome::Succeeded,
                    occurred_at: at(intent.created),
                }),
                "requires_action" => Err(ProviderError::NeedsCustomer {
                    provider: NAME,
                    detail: format!("PaymentIntent {} requires action", intent.id),
                }),
                _ => Ok(SavedCharge {
                    payment_id: intent.id,
                    outcome: PaymentOutcome::Declined,
                    occurred_at: Utc::now(),
                }),
            };
        }
        let error = serde_json::from_str::<protocol::ErrorBody>(&body)
            .map_err(|_| refused(status, &body))?
            .error;
        if error.needs_customer() {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: error.message.unwrap_or_default(),
            });
        }
        if error.is_decline() {
            let payment_id = error
                .payment_intent
                .map_or_else(|| format!("declined-{order_id}"), |intent| intent.id);
            return Ok(SavedCharge {
                payment_id,
                outcome: PaymentOutcome::Declined,
                occurred_at: Utc::now(),
            });
        }
        Err(refused(status, &body))
    }
}
