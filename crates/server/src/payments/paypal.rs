//! PayPal Orders v2, method `paypal` (providers.md §3). The protocol (the webhook signature's
//! message, the certificate check, the orders' shapes) is `entitle_providers::paypal`; this is
//! the server's side of it.
//!
//! - Checkout: an order with intent `CAPTURE` for the total in USD, our checkout session as
//!   `reference_id` (and `invoice_id`), the order as `custom_id`, the return route in
//!   `experience_context`, `PayPal-Request-Id` for idempotency; the checkout URL is PayPal's
//!   `payer-action` link.
//! - Return and reconciliation ([`PaymentProvider::query`]): an approved order is captured,
//!   and fulfilled when the *capture* is `COMPLETED`; a `PENDING` capture waits for its
//!   webhook.
//! - Webhooks: `CHECKOUT.ORDER.APPROVED` captures (the backstop for a buyer who closed the
//!   window after approving), `PAYMENT.CAPTURE.COMPLETED` fulfils, `PAYMENT.CAPTURE.DENIED`
//!   declines. Each is verified by PayPal's self-verification (the certificate fetched only
//!   from an allowed prefix, cached by URL) or by the `verify-webhook-signature` postback.
//!   PayPal documents no freshness window and retries for three days, so none is applied:
//!   a replay is recorded once under its capture id.
//! - Renewals: only with vaulting on (`ENTITLE_PAYPAL_VAULT`; the merchant's account must be
//!   approved for it): an order charged to the vault id. Otherwise pay to renew.

mod calls;

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use entitle_domain::{Currency, Money, PaymentMethod};
use entitle_providers::paypal as protocol;
use poem::http::{HeaderMap, StatusCode};
use poem::web::Json;
use poem::{IntoResponse, Response};
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, SavedCharge, SavedMethodCharge,
    SessionRef, out_trade_no,
};
use calls::{Api, Captured};

pub use entitle_providers::paypal::DEFAULT_CERT_URL_PREFIXES;

/// The provider's name.
pub const NAME: &str = "paypal";

/// How webhooks are verified (`ENTITLE_PAYPAL_VERIFY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaypalVerify {
    /// `self`: the signature checked here against PayPal's certificate (PayPal's preference).
    SelfCheck,
    /// `postback`: PayPal is asked (`/v1/notifications/verify-webhook-signature`).
    Postback,
}

/// PayPal's settings (`entitle serve --help`); `Debug` shows no secret.
#[derive(Clone)]
pub struct PaypalSettings {
    pub client_id: String,
    pub client_secret: String,
    /// The webhook's id in the PayPal app, part of what PayPal signs.
    pub webhook_id: String,
    /// The API's base URL: live, PayPal's sandbox, or a fake's.
    pub api_base: String,
    /// Where PayPal's signing certificates may come from; a webhook naming another URL is
    /// refused without fetching it.
    pub cert_url_prefixes: Vec<String>,
    pub verify: PaypalVerify,
    /// Saved PayPal payments for renewals (off by default: the merchant needs PayPal's
    /// approval for vaulting).
    pub vault: bool,
}

impl std::fmt::Debug for PaypalSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaypalSettings")
            .field("client_id", &self.client_id)
            .field("webhook_id", &self.webhook_id)
            .field("api_base", &self.api_base)
            .field("cert_url_prefixes", &self.cert_url_prefixes)
            .field("verify", &self.verify)
            .field("vault", &self.vault)
            .finish_non_exhaustive()
    }
}

/// The API base a setting names: `live` (the default), `sandbox`, or any URL.
pub fn api_base_of(setting: &str) -> String {
    match setting {
        "" | "live" => protocol::LIVE_API_BASE.to_owned(),
        "sandbox" => protocol::SANDBOX_API_BASE.to_owned(),
        url => url.trim_end_matches('/').to_owned(),
    }
}

/// The PayPal provider.
#[derive(Debug)]
pub struct PaypalProvider {
    api: Api,
    webhook_id: String,
    cert_url_prefixes: Vec<String>,
    verify: PaypalVerify,
    vault: bool,
    public_url: String,
    /// Signing certificates by URL: fetched once each.
    certificates: Mutex<HashMap<String, protocol::Certificate>>,
}

fn mismatch(why: impl Into<String>) -> CallbackRejection {
    CallbackRejection::Mismatch(why.into())
}

/// The amount of a PayPal `amount` object, in USD (region `intl`).
fn money_of(amount: &protocol::Amount) -> Result<Money, CallbackRejection> {
    if amount.currency_code != "USD" {
        return Err(mismatch(format!("currency {}", amount.currency_code)));
    }
    protocol::minor_of(&amount.value)
        .map(|minor| Money::from_minor(minor, Currency::Usd))
        .ok_or_else(|| CallbackRejection::Malformed(format!("amount {:?}", amount.value)))
}

fn time_of(text: Option<&str>) -> DateTime<Utc> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

impl PaypalProvider {
    /// PayPal as `settings` say, with its return route below `public_url`.
    pub fn new(settings: &PaypalSettings, public_url: &str) -> Result<Self, String> {
        if settings.client_id.is_empty() || settings.client_secret.is_empty() {
            return Err("PayPal needs its client id and secret".to_owned());
        }
        if settings.webhook_id.is_empty() {
            return Err("PayPal needs the webhook id its events are signed for".to_owned());
        }
        Ok(PaypalProvider {
            api: Api::new(settings)?,
            webhook_id: settings.webhook_id.clone(),
            cert_url_prefixes: settings.cert_url_prefixes.clone(),
            verify: settings.verify,
            vault: settings.vault,
            public_url: public_url.trim_end_matches('/').to_owned(),
            certificates: Mutex::new(HashMap::new()),
        })
    }

    fn return_url(&self, session_id: Uuid) -> String {
        format!(
            "{}/v1/payments/{NAME}/return?checkout={session_id}",
            self.public_url
        )
    }

    /// The certificate at `url`, from the cache or fetched — only from an allowed prefix.
    async fn certificate(&self, url: &str) -> Result<protocol::Certificate, CallbackRejection> {
        if !protocol::cert_url_allowed(url, &self.cert_url_prefixes) {
            tracing::warn!(
                cert_url = url,
                "a PayPal webhook names a certificate outside the allowed prefixes"
            );
            return Err(CallbackRejection::BadSignature);
        }
        let cached = self
            .certificates
            .lock()
            .ok()
            .and_then(|certs| certs.get(url).cloned());
        if let Some(cert) = cached {
            return Ok(cert);
        }
        let pem = self
            .api
            .fetch_text(url)
            .await
            .map_err(|e| CallbackRejection::Unconfirmed(e.to_string()))?;
        let cert =
            protocol::Certificate::from_pem(&pem).map_err(|_| CallbackRejection::BadSignature)?;
        if let Ok(mut certs) = self.certificates.lock() {
            certs.insert(url.to_owned(), cert.clone());
        }
        Ok(cert)
    }

    /// Verifies a webhook's transmission by the configured way.
    async fn verify_transmission(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), CallbackRejection> {
        let transmission = protocol::Transmission::from_headers(|name| {
            headers.get(name).and_then(|v| v.to_str().ok())
        })
        .map_err(|e| match e {
            protocol::WebhookError::MissingHeader(_) => CallbackRejection::MissingSignature,
            _ => CallbackRejection::BadSignature,
        })?;
        match self.verify {
            PaypalVerify::SelfCheck => {
                let cert = self.certificate(&transmission.cert_url).await?;
                cert.verify(
                    transmission.message(&self.webhook_id, body).as_bytes(),
                    &transmission.sig,
                )
                .map_err(|_| CallbackRejection::BadSignature)
            }
            PaypalVerify::Postback => {
                let event: serde_json::Value = serde_json::from_slice(body)
                    .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
                let verified = self
                    .api
                    .verify_webhook(&protocol::VerifyWebhookSignature {
                        auth_algo: transmission.auth_algo,
                        cert_url: transmission.cert_url,
                        transmission_id: transmission.id,
                        transmission_sig: transmission.sig,
                        transmission_time: transmission.time,
                        webhook_id: self.webhook_id.clone(),
                        webhook_event: event,
                    })
                    .await
                    .map_err(|e| CallbackRejection::Unconfirmed(e.to_string()))?;
                if verified {
                    Ok(())
                } else {
                    Err(CallbackRejection::BadSignature)
                }
            }
        }
    }

    /// What a capture says, as a payment notice; `None` while it is pending.
    fn notice(
        &self,
        capture: &protocol::Capture,
        session_id: Option<Uuid>,
        saved_method: Option<String>,
    ) -> Result<Option<PaymentNotice>, CallbackRejection> {
        let outcome = match capture.status.as_str() {
            "COMPLETED" => PaymentOutcome::Succeeded,
            "DECLINED" | "FAILED" => PaymentOutcome::Declined,
            _ => return Ok(None),
        };
        let order_id = capture
            .custom_id
            .as_deref()
            .map(|id| Uuid::try_parse(id).map_err(|_| mismatch("custom_id is not an order")))
            .transpose()?;
        if session_id.is_none() && order_id.is_none() {
            return Err(mismatch("the capture names no order of ours"));
        }
        Ok(Some(PaymentNotice {
            payment_id: capture.id.clone(),
            outcome,
            session_id,
            order_id,
            amount: money_of(&capture.amount)?,
            occurred_at: time_of(capture.create_time.as_deref()),
            saved_method: saved_method.filter(|_| self.vault),
        }))
    }

    /// Captures the approved (or already captured) PayPal order `order`, and what that says.
    async fn settle(
        &self,
        order: &protocol::Order,
    ) -> Result<Option<PaymentNotice>, ProviderError> {
        let session_id = order.reference_id().and_then(|r| Uuid::try_parse(r).ok());
        let captured = match order.status.as_str() {
            "APPROVED" => self.api.capture(&order.id).await?,
            "COMPLETED" => Captured::Order(order.clone()),
            _ => return Ok(None),
        };
        let order = match captured {
            Captured::Order(order) => order,
            Captured::Declined => return Ok(None),
        };
        let Some(capture) = order.capture() else {
            return Ok(None);
        };
        self.notice(capture, session_id, order.vault_id().map(str::to_owned))
            .map_err(|e| ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            })
    }
}

#[async_trait::async_trait]
impl PaymentProvider for PaypalProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn methods(&self) -> &'static [PaymentMethod] {
        &[PaymentMethod::Paypal]
    }

    fn charges_saved(&self, method: PaymentMethod) -> bool {
        self.vault && method == PaymentMethod::Paypal
    }

    fn needs_payment_token(&self) -> bool {
        true
    }

    async fn start_checkout(
        &self,
        request: &CheckoutRequest<'_>,
    ) -> Result<CheckoutStart, ProviderError> {
        let value = dollars(request.amount)?;
        let reference = out_trade_no(request.session_id);
        let order_id = request.order_id.to_string();
        let return_url = self.return_url(request.session_id);
        let description: String = request.subject.chars().take(127).collect();
        let body = protocol::CheckoutOrder {
            reference_id: &reference,
            custom_id: &order_id,
            invoice_id: &reference,
            currency_code: "USD",
            value: &value,
            description: &description,
            return_url: &return_url,
            cancel_url: &return_url,
            brand_name: "Entitle",
            vault: self.vault && request.saves_method,
        }
        .to_json();
        let order = self
            .api
            .create_order(&body, &format!("checkout-{reference}"))
            .await?
            .map_err(|detail| ProviderError::Refused {
                provider: NAME,
                detail,
            })?;
        let url = order
            .payer_action_url()
            .ok_or_else(|| ProviderError::Unreachable {
                provider: NAME,
                detail: "the order has no payer-action link".to_owned(),
            })?
            .to_owned();
        Ok(CheckoutStart {
            url,
            qr_code: None,
            provider_ref: Some(order.id),
        })
    }

    async fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection> {
        self.verify_transmission(headers, body).await?;
        let event: protocol::WebhookEvent = serde_json::from_slice(body)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        let malformed = |e: serde_json::Error| CallbackRejection::Malformed(e.to_string());
        let notice = match event.event_type.as_str() {
            "CHECKOUT.ORDER.APPROVED" => {
                let order: protocol::Order =
                    serde_json::from_value(event.resource).map_err(malformed)?;
                self.settle(&order)
                    .await
                    .map_err(|e| CallbackRejection::Unconfirmed(e.to_string()))?
            }
            "PAYMENT.CAPTURE.COMPLETED" | "PAYMENT.CAPTURE.DENIED" => {
                let capture: protocol::Capture =
                    serde_json::from_value(event.resource).map_err(malformed)?;
                let saved_method = match capture.order_id() {
                    Some(order) if self.vault => self.api.vault_id(order).await,
                    _ => None,
                };
                self.notice(&capture, None, saved_method)?
            }
            _ => None,
        };
        Ok(match notice {
            Some(notice) => CallbackOutcome::Payment(notice),
            None => CallbackOutcome::Ignored("nothing was paid or declined"),
        })
    }

    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response {
        match result {
            Ok(_) => StatusCode::OK.into_response(),
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
        match self.api.order(id).await? {
            Some(order) => self.settle(&order).await,
            None => Ok(None),
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
        let Some(vault_id) = charge.token.filter(|_| self.vault) else {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: "no PayPal payment is saved for this subscription".to_owned(),
            });
        };
        let value = dollars(charge.amount)?;
        let reference = charge.order_id.simple().to_string();
        let order_id = charge.order_id.to_string();
        let body = protocol::VaultedOrder {
            reference_id: &reference,
            custom_id: &order_id,
            invoice_id: &format!("renew-{reference}"),
            currency_code: "USD",
            value: &value,
            vault_id,
        }
        .to_json();
        let declined = || SavedCharge {
            payment_id: format!("declined-{order_id}"),
            outcome: PaymentOutcome::Declined,
            occurred_at: Utc::now(),
        };
        let order = match self
            .api
            .create_order(&body, &format!("renew-{reference}"))
            .await?
        {
            Ok(order) => order,
            Err(_) => return Ok(declined()),
        };
        if order.status == "PAYER_ACTION_REQUIRED" {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: format!("order {} needs the payer", order.id),
            });
        }
        let order = match order.status.as_str() {
            "COMPLETED" => order,
            _ => match self.api.capture(&order.id).await? {
                Captured::Order(order) => order,
                Captured::Declined => return Ok(declined()),
            },
        };
        match order.capture() {
            Some(capture) if capture.status == "COMPLETED" => Ok(SavedCharge {
                payment_id: capture.id.clone(),
                outcome: PaymentOutcome::Succeeded,
                occurred_at: time_of(capture.create_time.as_deref()),
            }),
            // Neither taken nor declined yet: the renewal is resumed later (the same request
            // id finds the same order), or fulfilled by the capture's webhook.
            Some(capture) if capture.status == "PENDING" => Err(ProviderError::Unreachable {
                provider: NAME,
                detail: format!("capture {} is pending", capture.id),
            }),
            _ => Ok(declined()),
        }
    }
}

/// The USD amount as PayPal writes it.
fn dollars(amount: Money) -> Result<String, ProviderError> {
    let refused = |detail: String| ProviderError::Refused {
        provider: NAME,
        detail,
    };
    if amount.currency() != Currency::Usd {
        return Err(refused(format!(
            "PayPal is configured for USD, not {}",
            amount.currency()
        )));
    }
    let minor = amount.to_minor().map_err(|e| refused(e.to_string()))?;
    protocol::amount_value(minor).ok_or_else(|| refused("a negative amount".to_owned()))
}
