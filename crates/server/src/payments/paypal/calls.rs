//! PayPal's REST calls: the OAuth token (cached until shortly before it expires), orders,
//! captures, the webhook postback and the signing certificate. Every answer that is not a
//! success is told apart here: PayPal unreachable (asked again later) or a refusal (its words
//! for the log).

use secrecy::ExposeSecret;
use std::time::{Duration, Instant};

use entitle_providers::paypal as protocol;
use poem::http::StatusCode;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::{NAME, PaypalSettings};
use crate::payments::{ProviderError, ProviderResult};

/// A token is renewed this long before PayPal says it expires (or at half its life, for a
/// short-lived one), so that no call is made with a token about to lapse.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

/// What capturing an order came to.
pub(super) enum Captured {
    /// The order as it stands after the capture (its capture's status says how it went).
    Order(protocol::Order),
    /// PayPal refused to capture it (the buyer's funding was declined): nothing was paid.
    Declined,
}

/// PayPal's API, with the app's credentials. `Debug` shows neither them nor the token.
pub(super) struct Api {
    base: String,
    authorization: String,
    http: reqwest::Client,
    /// For certificates: follows no redirect, so that only the URL the allow-list admitted is
    /// ever fetched.
    certs: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
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

/// Whether PayPal's error `body` names `issue`.
fn names_issue(body: &str, issue: &str) -> bool {
    serde_json::from_str::<protocol::ErrorBody>(body)
        .is_ok_and(|error| error.details.iter().any(|d| d.issue == issue))
}

impl Api {
    pub(super) fn new(settings: &PaypalSettings) -> Result<Api, String> {
        Ok(Api {
            base: settings.api_base.trim_end_matches('/').to_owned(),
            authorization: protocol::basic_auth(
                &settings.client_id,
                settings.client_secret.expose_secret(),
            ),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .map_err(|e| e.to_string())?,
            certs: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?,
            token: Mutex::new(None),
        })
    }

    /// A bearer token: the cached one while it is good, else a fresh grant.
    async fn token(&self) -> ProviderResult<String> {
        let mut cached = self.token.lock().await;
        if let Some((token, good_until)) = cached.as_ref()
            && Instant::now() < *good_until
        {
            return Ok(token.clone());
        }
        let response = self
            .http
            .post(format!("{}/v1/oauth2/token", self.base))
            .header("authorization", &self.authorization)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.text().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(refused(status, &body));
        }
        let grant: protocol::Token = serde_json::from_str(&body).map_err(unreachable)?;
        let lifetime = Duration::from_secs(u64::try_from(grant.expires_in).unwrap_or(0));
        let good_until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN.min(lifetime / 2));
        *cached = Some((grant.access_token.clone(), good_until));
        Ok(grant.access_token)
    }

    /// Sends `request` with a bearer token; the status and body of the answer. A token PayPal
    /// no longer honours (revoked, or expired early) is dropped and the request sent once more
    /// with a fresh one.
    async fn send(&self, request: reqwest::RequestBuilder) -> ProviderResult<(StatusCode, String)> {
        let again = request.try_clone();
        let answer = self.send_once(request).await?;
        match again {
            Some(again) if answer.0 == StatusCode::UNAUTHORIZED => {
                *self.token.lock().await = None;
                self.send_once(again).await
            }
            _ => Ok(answer),
        }
    }

    async fn send_once(
        &self,
        request: reqwest::RequestBuilder,
    ) -> ProviderResult<(StatusCode, String)> {
        let response = request
            .bearer_auth(self.token().await?)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        Ok((status, response.text().await.map_err(unreachable)?))
    }

    fn parse<T: DeserializeOwned>(body: &str) -> ProviderResult<T> {
        serde_json::from_str(body).map_err(unreachable)
    }

    /// Creates an order (`PayPal-Request-Id: request_id`): the order, or PayPal's refusal
    /// (a client error, such as a declined vaulted method) in its words.
    pub(super) async fn create_order(
        &self,
        body: &serde_json::Value,
        request_id: &str,
    ) -> ProviderResult<Result<protocol::Order, String>> {
        let (status, text) = self
            .send(
                self.http
                    .post(format!("{}/v2/checkout/orders", self.base))
                    .header("paypal-request-id", request_id)
                    .header("prefer", "return=representation")
                    .json(body),
            )
            .await?;
        match status {
            s if s.is_success() => Ok(Ok(Self::parse(&text)?)),
            s if s.is_client_error() && s != StatusCode::UNAUTHORIZED => {
                Ok(Err(format!("{s}: {text}")))
            }
            s => Err(refused(s, &text)),
        }
    }

    /// Captures the approved order `id`, idempotently: captured before, it reads the order.
    pub(super) async fn capture(&self, id: &str) -> ProviderResult<Captured> {
        let (status, text) = self
            .send(
                self.http
                    .post(format!("{}/v2/checkout/orders/{id}/capture", self.base))
                    .header("paypal-request-id", format!("capture-{id}"))
                    .header("prefer", "return=representation")
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await?;
        if status.is_success() {
            return Ok(Captured::Order(Self::parse(&text)?));
        }
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            if names_issue(&text, "ORDER_ALREADY_CAPTURED") {
                return self
                    .order(id)
                    .await?
                    .map(Captured::Order)
                    .ok_or_else(|| unreachable("a captured order vanished"));
            }
            if names_issue(&text, "INSTRUMENT_DECLINED") {
                return Ok(Captured::Declined);
            }
        }
        Err(refused(status, &text))
    }

    /// The order `id`; `None` when PayPal does not know it.
    pub(super) async fn order(&self, id: &str) -> ProviderResult<Option<protocol::Order>> {
        let (status, text) = self
            .send(
                self.http
                    .get(format!("{}/v2/checkout/orders/{id}", self.base)),
            )
            .await?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(Self::parse(&text)?)),
            s => Err(refused(s, &text)),
        }
    }

    /// The vault id the order `id` saved, if it can be read now; a failure is logged and the
    /// subscription pays to renew.
    pub(super) async fn vault_id(&self, id: &str) -> Option<String> {
        match self.order(id).await {
            Ok(order) => order.and_then(|o| o.vault_id().map(str::to_owned)),
            Err(err) => {
                tracing::warn!(error = %err, "the PayPal vault id could not be read");
                None
            }
        }
    }

    /// Asks PayPal whether a webhook is genuine (the postback).
    pub(super) async fn verify_webhook(
        &self,
        request: &protocol::VerifyWebhookSignature,
    ) -> ProviderResult<bool> {
        let (status, text) = self
            .send(
                self.http
                    .post(format!(
                        "{}/v1/notifications/verify-webhook-signature",
                        self.base
                    ))
                    .json(request),
            )
            .await?;
        if !status.is_success() {
            return Err(refused(status, &text));
        }
        let answer: protocol::VerifyWebhookSignatureResponse = Self::parse(&text)?;
        Ok(answer.verification_status == "SUCCESS")
    }

    /// The text at `url` (a signing certificate), without credentials.
    pub(super) async fn fetch_text(&self, url: &str) -> ProviderResult<String> {
        let response = self.certs.get(url).send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(refused(status, &text))
        }
    }
}
