//! WeChat Pay API v3, Native (QR): providers.md §2. The protocol (request signatures, the
//! `Wechatpay-*` verification, AEAD_AES_256_GCM) is `entitle_providers::wechat_pay`; this is
//! the server's side of it, in WeChat Pay public-key mode (`PUB_KEY_ID_…` serials), which new
//! merchants get; platform certificates are not used.
//!
//! - Checkout: `POST /v3/pay/transactions/native`, signed with the merchant key; the answer's
//!   signature is verified before its `code_url` is believed. The order's `url` is Entitle's
//!   `/pay/{session}` page showing that code; `qr_code` is the code's text.
//! - Callback: verified (signature over `timestamp\nnonce\nbody\n`, 300 s on the system
//!   clock), the resource decrypted with the APIv3 key, `mchid`, `appid`, `out_trade_no`,
//!   `amount.total` (fen) and `trade_state = SUCCESS` checked, answered 204 only after the
//!   commit.
//! - Query: `GET /v3/pay/transactions/out-trade-no/{no}?mchid=…`, verified the same way.
//! - Renewals: papay needs an approved deduction template, so pay to renew.
//!
//! A little over 400 lines: one provider's whole conversation (checkout, callback, query,
//! close), read top to bottom; the signatures themselves are in `entitle-providers`.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entitle_domain::{Currency, Money, PaymentMethod};
use entitle_providers::wechat_pay as protocol;
use entitle_providers::{SigningKey, VerifyingKey};
use poem::http::{HeaderMap, StatusCode};
use poem::web::Json;
use poem::{IntoResponse, Response};
use rand::Rng;
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart, Identity,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, ProviderResult, SessionRef,
    out_trade_no, session_of_trade_no,
};

/// The provider's name.
pub const NAME: &str = "wechat_pay";

/// WeChat Pay's settings (`entitle serve --help`); `Debug` shows no key.
#[derive(Clone, Debug)]
pub struct WechatPaySettings {
    pub appid: String,
    pub mchid: String,
    /// The merchant API private key (PKCS#8 or PKCS#1).
    pub private_key: SecretString,
    /// The merchant API certificate's serial number, hex.
    pub serial_no: String,
    /// The APIv3 key: 32 ASCII characters.
    pub apiv3_key: SecretString,
    /// WeChat Pay's public key (`pub_key.pem` from the merchant portal).
    pub public_key: String,
    /// Its id, `PUB_KEY_ID_…`.
    pub public_key_id: String,
    /// `https://api.mch.weixin.qq.com`, or a fake's base URL.
    pub api_base: String,
}

/// The WeChat Pay provider.
pub struct WechatPayProvider {
    settings: WechatPaySettings,
    key: SigningKey,
    wechat_key: VerifyingKey,
    public_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for WechatPayProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPayProvider")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn signed_headers(headers: &HeaderMap) -> protocol::SignedHeaders<'_> {
    protocol::SignedHeaders {
        timestamp: header(headers, "Wechatpay-Timestamp"),
        nonce: header(headers, "Wechatpay-Nonce"),
        signature: header(headers, "Wechatpay-Signature"),
        serial: header(headers, "Wechatpay-Serial"),
        signature_type: headers
            .get("Wechatpay-Signature-Type")
            .and_then(|v| v.to_str().ok()),
    }
}

impl WechatPayProvider {
    /// WeChat Pay as `settings` say, with its routes below `public_url`; a key that does not
    /// parse stops the start.
    pub fn new(settings: &WechatPaySettings, public_url: &str) -> Result<Self, String> {
        if settings.apiv3_key.expose_secret().len() != 32 {
            return Err("the APIv3 key must be 32 characters".to_owned());
        }
        Ok(WechatPayProvider {
            key: SigningKey::parse(settings.private_key.expose_secret())
                .map_err(|e| format!("the merchant private key: {e}"))?,
            wechat_key: VerifyingKey::parse(&settings.public_key)
                .map_err(|e| format!("the WeChat Pay public key: {e}"))?,
            settings: WechatPaySettings {
                api_base: settings.api_base.trim_end_matches('/').to_owned(),
                ..settings.clone()
            },
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

    /// Sends a signed request: the status and the body, whose signature is verified when the
    /// answer is a success (what is believed: a `code_url`, a paid transaction). An error
    /// answer is read unverified, as WeChat Pay's SDKs read it: it is never taken for a
    /// payment, only for "not found" or a refusal.
    async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<String>,
    ) -> ProviderResult<(StatusCode, Vec<u8>)> {
        let nonce: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let authorization = protocol::authorization(
            &self.key,
            &self.settings.mchid,
            &self.settings.serial_no,
            method.as_str(),
            path_and_query,
            body.as_deref().unwrap_or_default(),
            Utc::now().timestamp(),
            &nonce,
        );
        let mut request = self
            .http
            .request(
                method,
                format!("{}{path_and_query}", self.settings.api_base),
            )
            .header("Authorization", authorization)
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send().await.map_err(Self::unreachable)?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(Self::unreachable)?.to_vec();
        if !status.is_success() {
            return Ok((status, bytes));
        }
        let pairs = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (timestamp, nonce, signature, serial) = (
            pairs("Wechatpay-Timestamp"),
            pairs("Wechatpay-Nonce"),
            pairs("Wechatpay-Signature"),
            pairs("Wechatpay-Serial"),
        );
        let kind = headers
            .get("Wechatpay-Signature-Type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        protocol::verify_signed(
            &self.wechat_key,
            &self.settings.public_key_id,
            &protocol::SignedHeaders {
                timestamp: &timestamp,
                nonce: &nonce,
                signature: &signature,
                serial: &serial,
                signature_type: kind.as_deref(),
            },
            &bytes,
            Utc::now(),
        )
        .map_err(|_| ProviderError::Unverified { provider: NAME })?;
        Ok((status, bytes))
    }

    /// The payment a verified transaction describes, checked to be this merchant's and ours.
    fn notice(&self, tx: &protocol::Transaction) -> Result<PaymentNotice, CallbackRejection> {
        if tx.mchid != self.settings.mchid || tx.appid != self.settings.appid {
            return Err(CallbackRejection::Mismatch(
                "the transaction is another merchant's".to_owned(),
            ));
        }
        let session_id = session_of_trade_no(&tx.out_trade_no).ok_or_else(|| {
            CallbackRejection::Mismatch(format!("out_trade_no {:?} is not ours", tx.out_trade_no))
        })?;
        let amount = tx
            .amount
            .as_ref()
            .ok_or_else(|| CallbackRejection::Malformed("no amount".to_owned()))?;
        if amount.currency != "CNY" {
            return Err(CallbackRejection::Mismatch(format!(
                "currency {}",
                amount.currency
            )));
        }
        let payment_id = tx
            .transaction_id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| CallbackRejection::Malformed("no transaction_id".to_owned()))?;
        let occurred_at = tx
            .success_time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        Ok(PaymentNotice {
            payment_id,
            outcome: PaymentOutcome::Succeeded,
            session_id: Some(session_id),
            order_id: None,
            amount: Money::from_minor(amount.total, Currency::Cny),
            occurred_at,
            saved_method: None,
        })
    }
}

#[async_trait::async_trait]
impl PaymentProvider for WechatPayProvider {
    fn identity(&self) -> &'static Identity {
        &Identity {
            name: NAME,
            methods: &[PaymentMethod::WechatPay],
        }
    }

    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart> {
        let total = request
            .amount
            .to_minor()
            .map_err(|e| ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            })?;
        let order = protocol::NativeOrder {
            appid: self.settings.appid.clone(),
            mchid: self.settings.mchid.clone(),
            description: request.subject.chars().take(127).collect(),
            out_trade_no: out_trade_no(request.session_id),
            time_expire: Some(
                request
                    .expires_at
                    .with_timezone(
                        &chrono::FixedOffset::east_opt(8 * 3600)
                            .unwrap_or_else(|| unreachable!("UTC+8 is a valid offset")),
                    )
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ),
            notify_url: format!("{}/v1/payments/{NAME}/callback", self.public_url),
            amount: protocol::OrderAmount {
                total,
                currency: "CNY".to_owned(),
            },
        };
        let body = serde_json::to_string(&order).map_err(Self::unreachable)?;
        let (status, bytes) = self
            .call(
                reqwest::Method::POST,
                "/v3/pay/transactions/native",
                Some(body),
            )
            .await?;
        if !status.is_success() {
            return Err(ProviderError::Refused {
                provider: NAME,
                detail: format!("{status}: {}", String::from_utf8_lossy(&bytes)),
            });
        }
        let answer: protocol::NativeOrderResponse =
            serde_json::from_slice(&bytes).map_err(Self::unreachable)?;
        Ok(CheckoutStart {
            url: format!("{}/pay/{}", self.public_url, request.session_id),
            qr_code: Some(answer.code_url),
            provider_ref: None,
        })
    }

    async fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection> {
        protocol::verify_signed(
            &self.wechat_key,
            &self.settings.public_key_id,
            &signed_headers(headers),
            body,
            now,
        )
        .map_err(|e| match e {
            protocol::WechatError::MissingHeader(_) => CallbackRejection::MissingSignature,
            protocol::WechatError::Stale { .. } => CallbackRejection::Stale,
            _ => CallbackRejection::BadSignature,
        })?;
        let notification: protocol::Notification = serde_json::from_slice(body)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        if notification.event_type != "TRANSACTION.SUCCESS" {
            return Ok(CallbackOutcome::Ignored("not a successful transaction"));
        }
        let plain = protocol::decrypt_resource(
            self.settings.apiv3_key.expose_secret(),
            &notification.resource,
        )
        .map_err(|e| CallbackRejection::Malformed(format!("resource: {e}")))?;
        let tx: protocol::Transaction = serde_json::from_slice(&plain)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        if !protocol::is_paid(&tx.trade_state) {
            return Ok(CallbackOutcome::Ignored("the transaction is not paid"));
        }
        self.notice(&tx).map(CallbackOutcome::Payment)
    }

    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response {
        match result {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(failure) => Json(serde_json::json!({ "code": "FAIL", "message": failure.detail }))
                .with_status(failure.status)
                .into_response(),
        }
    }

    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            out_trade_no(session.id),
            self.settings.mchid
        );
        let (status, bytes) = self.call(reqwest::Method::GET, &path, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(ProviderError::Refused {
                provider: NAME,
                detail: format!("{status}: {}", String::from_utf8_lossy(&bytes)),
            });
        }
        let tx: protocol::Transaction =
            serde_json::from_slice(&bytes).map_err(Self::unreachable)?;
        if tx.out_trade_no != out_trade_no(session.id) {
            return Err(ProviderError::Refused {
                provider: NAME,
                detail: "the answer is about another trade".to_owned(),
            });
        }
        if !protocol::is_paid(&tx.trade_state) {
            return Ok(None);
        }
        self.notice(&tx)
            .map(Some)
            .map_err(|e| ProviderError::Refused {
                provider: NAME,
                detail: e.to_string(),
            })
    }

    async fn close(&self, session: &SessionRef<'_>) -> ProviderResult<()> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            out_trade_no(session.id)
        );
        let body = serde_json::json!({ "mchid": self.settings.mchid }).to_string();
        let (status, bytes) = self.call(reqwest::Method::POST, &path, Some(body)).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(ProviderError::Refused {
                provider: NAME,
                detail: format!("close: {status}: {}", String::from_utf8_lossy(&bytes)),
            })
        }
    }

    fn returned_session(&self, _query: &[(String, String)]) -> Option<Uuid> {
        None
    }
}
