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
mod renewal;
mod webhook;

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use entitle_domain::{Currency, Money, PaymentMethod};
use entitle_providers::paypal as protocol;
use poem::Response;
use poem::http::HeaderMap;
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart, Identity,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, ProviderResult, SavedCharge,
    SavedMethodCharge, SessionRef, checkout_param, json_acknowledgement, out_trade_no,
    session_of_trade_no, usd_minor,
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
#[derive(Clone, Debug)]
pub struct PaypalSettings {
    pub client_id: String,
    pub client_secret: SecretString,
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

/// Whether a certificate URL prefix names a host and ends with '/' (so that
/// `https://api.paypal.com` cannot admit `https://api.paypal.com.evil.example/`), over https
/// or plain http to the loopback (a local fake).
fn prefix_is_sound(prefix: &str) -> bool {
    let rest = prefix
        .strip_prefix("https://")
        .or_else(|| prefix.strip_prefix("http://127.0.0.1:"))
        .or_else(|| prefix.strip_prefix("http://localhost:"));
    rest.is_some_and(|rest| rest.find('/').is_some_and(|slash| slash > 0) && prefix.ends_with('/'))
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
        if settings.client_id.is_empty() || settings.client_secret.expose_secret().is_empty() {
            return Err("PayPal needs its client id and secret".to_owned());
        }
        if settings.webhook_id.is_empty() {
            return Err("PayPal needs the webhook id its events are signed for".to_owned());
        }
        if let Some(bad) = settings
            .cert_url_prefixes
            .iter()
            .find(|p| !prefix_is_sound(p))
        {
            return Err(format!(
                "the certificate URL prefix {bad:?} must be https://host/… and end with '/'"
            ));
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
            // Another system's payment on the same PayPal app: acknowledged, nothing changes.
            return Ok(None);
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

    /// What became of the PayPal order `order` of the checkout `session`: an approved order is
    /// captured only while the checkout is open (a superseded, canceled or expired one's
    /// approval lapses at PayPal uncaptured), a captured one is read.
    async fn settle(
        &self,
        order: &protocol::Order,
        session: &SessionRef<'_>,
    ) -> ProviderResult<Option<PaymentNotice>> {
        if order.reference_id() != Some(out_trade_no(session.id).as_str()) {
            return Err(ProviderError::Refused {
                provider: NAME,
                detail: format!("order {} is not the checkout {}'s", order.id, session.id),
            });
        }
        let session_id = Some(session.id);
        let captured = match order.status.as_str() {
            "APPROVED" if session.open => self.api.capture(&order.id).await?,
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
        match self.notice(capture, session_id, order.vault_id().map(str::to_owned)) {
            Ok(Some(notice)) => Ok(Some(notice)),
            Ok(None) => Err(ProviderError::Pending {
                provider: NAME,
                detail: format!("capture {} is {}", capture.id, capture.status),
            }),
            Err(e) => Err(ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            }),
        }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for PaypalProvider {
    fn identity(&self) -> &'static Identity {
        &Identity {
            name: NAME,
            methods: &[PaymentMethod::Paypal],
        }
    }

    fn charges_saved(&self, method: PaymentMethod) -> bool {
        self.vault && method == PaymentMethod::Paypal
    }

    fn needs_payment_token(&self) -> bool {
        true
    }

    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart> {
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
                return Ok(match order.reference_id().and_then(session_of_trade_no) {
                    Some(session) => CallbackOutcome::Settle(session),
                    None => CallbackOutcome::Ignored("an approval for another system's order"),
                });
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
        json_acknowledgement(result, serde_json::json!({}))
    }

    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>> {
        let Some(id) = session.provider_ref else {
            return Ok(None);
        };
        match self.api.order(id).await? {
            Some(order) => self.settle(&order, session).await,
            None => Ok(None),
        }
    }

    fn returned_session(&self, query: &[(String, String)]) -> Option<Uuid> {
        checkout_param(query)
    }

    async fn charge_saved(&self, charge: &SavedMethodCharge<'_>) -> ProviderResult<SavedCharge> {
        self.charge_vault(charge).await
    }
}

/// The USD amount as PayPal writes it.
fn dollars(amount: Money) -> ProviderResult<String> {
    protocol::amount_value(usd_minor(amount, NAME)?).ok_or_else(|| ProviderError::Refused {
        provider: NAME,
        detail: "a negative amount".to_owned(),
    })
}
