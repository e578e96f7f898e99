//! Alipay, gateway protocol (`alipay.trade.page.pay`, product `FAST_INSTANT_TRADE_PAY`):
//! providers.md §1. The protocol itself (RSA2 signatures, the signed strings, Beijing time)
//! is `entitle_providers::alipay`; this is the server's side of it.
//!
//! - Checkout: the order's `url` is Entitle's `/pay/{session}`, which redirects (a GET) to the
//!   gateway URL signed at that moment ([`PaymentProvider::pay_redirect`]): the customer may open
//!   it minutes after the order was made, and the signature carries a timestamp.
//! - Callback: the async notify, verified with Alipay's public key (`sign` and `sign_type`
//!   removed), its `app_id`, `out_trade_no` and `total_amount` checked against the order, only
//!   `TRADE_SUCCESS` / `TRADE_FINISHED` treated as paid, answered `success` only after the
//!   commit. Alipay documents no freshness window, so none is applied: the signature and the
//!   ledger's one row per `trade_no` stand instead.
//! - Query: `alipay.trade.query`, its answer verified over the exact
//!   `alipay_trade_query_response` text.
//! - Renewals: Alipay's cycle deduct needs a product approval most vendors lack, so a
//!   subscription paid with Alipay renews by pay to renew.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entitle_domain::{Currency, Money, PaymentMethod};
use entitle_providers::alipay as protocol;
use entitle_providers::{SigningKey, VerifyingKey};
use poem::http::{HeaderMap, StatusCode};
use poem::{IntoResponse, Response};
use rust_decimal::Decimal;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart, Identity,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, ProviderResult, SessionRef,
    out_trade_no, session_of_trade_no,
};

/// The provider's name.
pub const NAME: &str = "alipay";

/// Alipay's settings (`entitle serve --help`). Keys are PEM text or bare base64; `Debug` shows
/// no key.
#[derive(Clone, Debug)]
pub struct AlipaySettings {
    pub app_id: String,
    /// The app's private key, PKCS#1 or PKCS#8.
    pub private_key: SecretString,
    /// Alipay's public key, SPKI.
    pub alipay_public_key: String,
    /// The gateway URL (live, Alipay's sandbox, or a fake's).
    pub gateway: String,
}

/// The gateway a setting names: `live` (the default), `sandbox`, or any URL.
pub fn gateway_of(setting: &str) -> String {
    match setting {
        "" | "live" => protocol::LIVE_GATEWAY.to_owned(),
        "sandbox" => protocol::SANDBOX_GATEWAY.to_owned(),
        url => url.to_owned(),
    }
}

/// The Alipay provider.
#[derive(Debug)]
pub struct AlipayProvider {
    app_id: String,
    key: SigningKey,
    alipay_key: VerifyingKey,
    gateway: String,
    public_url: String,
    http: reqwest::Client,
}

impl AlipayProvider {
    /// Alipay as `settings` say, with its routes below `public_url`; a key that does not parse
    /// stops the start.
    pub fn new(settings: &AlipaySettings, public_url: &str) -> Result<Self, String> {
        Ok(AlipayProvider {
            app_id: settings.app_id.clone(),
            key: SigningKey::parse(settings.private_key.expose_secret())
                .map_err(|e| format!("the app private key: {e}"))?,
            alipay_key: VerifyingKey::parse(&settings.alipay_public_key)
                .map_err(|e| format!("the Alipay public key: {e}"))?,
            gateway: settings.gateway.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    fn unreachable(detail: impl ToString) -> ProviderError {
        ProviderError::Unreachable {
            provider: NAME,
            detail: detail.to_string(),
        }
    }

    /// Posts the signed `form` of `method` to the gateway and returns Alipay's answer once its
    /// signature verifies: an answer that does not verify is never believed.
    async fn call(&self, method: &str, form: String) -> ProviderResult<serde_json::Value> {
        let body = self
            .http
            .post(&self.gateway)
            .header(
                "content-type",
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(form)
            .send()
            .await
            .map_err(Self::unreachable)?
            .text()
            .await
            .map_err(Self::unreachable)?;
        protocol::verify_response(&self.alipay_key, method, &body).map_err(|e| match e {
            protocol::AlipayError::BadSignature | protocol::AlipayError::MissingSign => {
                ProviderError::Unverified { provider: NAME }
            }
            other => Self::unreachable(other),
        })
    }

    /// A payment Alipay vouches for, read from a notify's or a query's fields.
    fn notice(
        &self,
        out_trade_no: &str,
        trade_no: &str,
        total_amount: &str,
        paid_at: Option<DateTime<Utc>>,
    ) -> Result<PaymentNotice, CallbackRejection> {
        let session_id = session_of_trade_no(out_trade_no).ok_or_else(|| {
            CallbackRejection::Mismatch(format!("out_trade_no {out_trade_no:?} is not ours"))
        })?;
        let amount: Decimal = total_amount
            .parse()
            .map_err(|_| CallbackRejection::Malformed(format!("total_amount {total_amount:?}")))?;
        if trade_no.is_empty() {
            return Err(CallbackRejection::Malformed("no trade_no".to_owned()));
        }
        Ok(PaymentNotice {
            payment_id: trade_no.to_owned(),
            outcome: PaymentOutcome::Succeeded,
            session_id: Some(session_id),
            order_id: None,
            amount: Money::new(amount, Currency::Cny),
            occurred_at: paid_at.unwrap_or_else(Utc::now),
            saved_method: None,
        })
    }

    fn page_pay(&self, session: &SessionRef<'_>, expires_at: DateTime<Utc>) -> String {
        let trade_no = out_trade_no(session.id);
        let subject = format!("Entitle order {}", session.order_id.simple());
        let total = format!("{:.2}", session.amount.amount());
        let notify = format!("{}/v1/payments/{NAME}/callback", self.public_url);
        let back = format!("{}/v1/payments/{NAME}/return", self.public_url);
        protocol::page_pay_url(
            &self.gateway,
            &self.key,
            &protocol::PagePay {
                app_id: &self.app_id,
                out_trade_no: &trade_no,
                total_amount: &total,
                subject: &subject,
                notify_url: &notify,
                return_url: &back,
                time_expire: Some(expires_at),
            },
            Utc::now(),
        )
    }
}

#[async_trait::async_trait]
impl PaymentProvider for AlipayProvider {
    fn identity(&self) -> &'static Identity {
        &Identity {
            name: NAME,
            methods: &[PaymentMethod::Alipay],
        }
    }

    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart> {
        Ok(CheckoutStart {
            url: format!("{}/pay/{}", self.public_url, request.session_id),
            qr_code: None,
            provider_ref: None,
        })
    }

    fn pay_redirect(&self, session: &SessionRef<'_>, expires_at: DateTime<Utc>) -> Option<String> {
        Some(self.page_pay(session, expires_at))
    }

    async fn verify_callback(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection> {
        let params = protocol::parse_form(body);
        if !params.contains_key("sign") {
            return Err(CallbackRejection::MissingSignature);
        }
        protocol::verify_notify(&self.alipay_key, &params)
            .map_err(|_| CallbackRejection::BadSignature)?;
        let field = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if field("app_id") != self.app_id {
            return Err(CallbackRejection::Mismatch(format!(
                "app_id {:?} is not this merchant's",
                field("app_id")
            )));
        }
        if !protocol::is_paid(field("trade_status")) {
            return Ok(CallbackOutcome::Ignored("the trade is not paid"));
        }
        let paid_at = protocol::parse_beijing_time(field("gmt_payment"));
        self.notice(
            field("out_trade_no"),
            field("trade_no"),
            field("total_amount"),
            paid_at,
        )
        .map(CallbackOutcome::Payment)
    }

    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response {
        match result {
            Ok(_) => protocol::NOTIFY_ACK
                .with_content_type("text/plain")
                .with_status(StatusCode::OK)
                .into_response(),
            Err(failure) => format!("fail: {}", failure.code)
                .with_content_type("text/plain")
                .with_status(failure.status)
                .into_response(),
        }
    }

    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>> {
        let form = protocol::query_form(
            &self.key,
            &self.app_id,
            &out_trade_no(session.id),
            Utc::now(),
        );
        let response = self.call("alipay.trade.query", form).await?;
        let Some(trade) =
            protocol::read_trade_query(&response).map_err(|e| ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            })?
        else {
            return Ok(None);
        };
        if !protocol::is_paid(&trade.trade_status) {
            return Ok(None);
        }
        if trade.out_trade_no != out_trade_no(session.id) {
            return Err(ProviderError::Refused {
                provider: NAME,
                detail: "the answer is about another trade".to_owned(),
            });
        }
        self.notice(
            &trade.out_trade_no,
            &trade.trade_no,
            &trade.total_amount,
            trade.send_pay_date,
        )
        .map(Some)
        .map_err(|e| ProviderError::Refused {
            provider: NAME,
            detail: e.to_string(),
        })
    }

    /// `alipay.trade.close`. A trade Alipay never created (the buyer never opened the page)
    /// has nothing to close.
    async fn close(&self, session: &SessionRef<'_>) -> ProviderResult<()> {
        let biz = serde_json::json!({ "out_trade_no": out_trade_no(session.id) }).to_string();
        let params = protocol::request_params(
            &self.key,
            &self.app_id,
            "alipay.trade.close",
            &biz,
            None,
            None,
            Utc::now(),
        );
        let response = self
            .call("alipay.trade.close", protocol::encode_form(&params))
            .await?;
        let code = response["code"].as_str().unwrap_or_default();
        let sub_code = response["sub_code"].as_str().unwrap_or_default();
        if code == "10000" || sub_code == "ACQ.TRADE_NOT_EXIST" {
            Ok(())
        } else {
            Err(ProviderError::Refused {
                provider: NAME,
                detail: format!("close: {code} {sub_code}"),
            })
        }
    }

    fn returned_session(&self, query: &[(String, String)]) -> Option<uuid::Uuid> {
        query
            .iter()
            .find(|(k, _)| k == "out_trade_no")
            .and_then(|(_, v)| session_of_trade_no(v))
    }
}
