//! Alipay's open-platform gateway protocol ("v2"), RSA2 only (providers.md §1).
//!
//! Requests are a flat set of parameters signed with our app key; `alipay.trade.page.pay` is a
//! signed GET URL the browser is sent to, `alipay.trade.query` a signed form POST. Alipay signs
//! its async notifies (form parameters) and its synchronous responses (an exact JSON
//! substring) with the Alipay public key.

mod response;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

use crate::keys::{SigningKey, VerifyingKey};

pub use response::{TradeQuery, read_trade_query, verify_response};

/// The live gateway.
pub const LIVE_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// The new sandbox gateway (the old `openapi.alipaydev.com` is deprecated).
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// The only signature type this crate speaks: SHA256withRSA.
pub const SIGN_TYPE: &str = "RSA2";
/// `product_code` of `alipay.trade.page.pay` (PC website payment).
pub const PAGE_PAY_PRODUCT_CODE: &str = "FAST_INSTANT_TRADE_PAY";
/// The exact body Alipay wants in answer to a notify it may stop redelivering.
pub const NOTIFY_ACK: &str = "success";

/// Request or notify parameters. A `BTreeMap` keeps them sorted by key in byte (ASCII) order,
/// which is the order Alipay's string-to-sign uses.
pub type Params = BTreeMap<String, String>;

/// Why an Alipay message was refused.
#[derive(Debug, thiserror::Error)]
pub enum AlipayError {
    /// No `sign` (or an empty one): unsigned messages are never trusted.
    #[error("message has no sign")]
    MissingSign,
    /// `sign_type` is absent or not `RSA2` (RSA1/SHA1 is not accepted).
    #[error("unsupported sign_type {0:?}")]
    UnsupportedSignType(String),
    /// The signature does not verify with the Alipay public key.
    #[error("signature does not verify")]
    BadSignature,
    /// The synchronous response has no `<method>_response` object (e.g. only `error_response`).
    #[error("response has no {0} object")]
    MissingResponse(String),
    /// The body is not the JSON shape Alipay sends.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// Alipay answered with a business error (a `code` other than 10000).
    #[error("alipay error {code} {msg}: {sub_code:?} {sub_msg:?}")]
    Business {
        code: String,
        msg: String,
        sub_code: Option<String>,
        sub_msg: Option<String>,
    },
}

/// The string Alipay signs (`SignatureUtils.get_sign_content`, `AlipaySignature.getSignContent`):
/// every param except those in `exclude`, empty values dropped, sorted by key (ASCII), joined
/// `k=v` with `&`, with the raw (not URL-encoded) values.
pub fn sign_content(params: &Params, exclude: &[&str]) -> String {
    let mut content = String::new();
    for (key, value) in params {
        if value.is_empty() || exclude.contains(&key.as_str()) {
            continue;
        }
        if !content.is_empty() {
            content.push('&');
        }
        content.push_str(key);
        content.push('=');
        content.push_str(value);
    }
    content
}

/// Sets `sign` on a request: RSA2 over every param except `sign`. On requests `sign_type` IS
/// signed, unlike notifies.
pub fn sign_request(key: &SigningKey, params: &mut Params) {
    params.remove("sign");
    let signature = key.sign_base64(sign_content(params, &["sign"]).as_bytes());
    params.insert("sign".to_owned(), signature);
}

/// Verifies an async notify (or a return redirect's params) the way `rsaCheckV1` does: removes
/// `sign` AND `sign_type`, drops empty values, sorts, and RSA2-verifies the form-decoded values
/// with Alipay's public key. Refuses a missing `sign`, a `sign_type` other than `RSA2`, and a
/// signature that does not verify. The business checks (app_id, out_trade_no, total_amount,
/// seller_id) are the caller's.
pub fn verify_notify(key: &VerifyingKey, params: &Params) -> Result<(), AlipayError> {
    let sign = params
        .get("sign")
        .filter(|s| !s.is_empty())
        .ok_or(AlipayError::MissingSign)?;
    let sign_type = params
        .get("sign_type")
        .map(String::as_str)
        .unwrap_or_default();
    if sign_type != SIGN_TYPE {
        return Err(AlipayError::UnsupportedSignType(sign_type.to_owned()));
    }
    let content = sign_content(params, &["sign", "sign_type"]);
    if key.verify_base64(content.as_bytes(), sign) {
        Ok(())
    } else {
        Err(AlipayError::BadSignature)
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("UTC+8 is a valid offset"))
}

const BEIJING_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Beijing time (UTC+8, no daylight saving) as `yyyy-MM-dd HH:mm:ss`: the format of the
/// request `timestamp` and of `gmt_payment`, `send_pay_date`, `time_expire`. Alipay's SDKs use
/// the host's local clock; we convert explicitly so the server's time zone does not matter.
pub fn beijing_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing())
        .format(BEIJING_FORMAT)
        .to_string()
}

/// Reads a Beijing-time `yyyy-MM-dd HH:mm:ss` (e.g. `gmt_payment`) as UTC; None if malformed.
pub fn parse_beijing_time(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), BEIJING_FORMAT).ok()?;
    Some(
        naive
            .and_local_timezone(beijing())
            .single()?
            .with_timezone(&Utc),
    )
}

/// The common request params for `method` (`app_id`, `method`, `format=JSON`,
/// `charset=utf-8`, `sign_type=RSA2`, `timestamp` in Beijing time, `version=1.0`, and
/// `biz_content` = the given JSON text, signed exactly as sent), plus `notify_url` /
/// `return_url` when given, SIGNED.
pub fn request_params(
    key: &SigningKey,
    app_id: &str,
    method: &str,
    biz_content: &str,
    notify_url: Option<&str>,
    return_url: Option<&str>,
    now: DateTime<Utc>,
) -> Params {
    let mut params = Params::new();
    let mut set = |name: &str, value: &str| params.insert(name.to_owned(), value.to_owned());
    set("app_id", app_id);
    set("method", method);
    set("format", "JSON");
    set("charset", "utf-8");
    set("sign_type", SIGN_TYPE);
    set("timestamp", &beijing_time(now));
    set("version", "1.0");
    set("biz_content", biz_content);
    if let Some(url) = notify_url {
        set("notify_url", url);
    }
    if let Some(url) = return_url {
        set("return_url", url);
    }
    sign_request(key, &mut params);
    params
}

/// One `alipay.trade.page.pay` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePay<'a> {
    pub app_id: &'a str,
    /// ≤64 characters of letters, digits and `_` (a simple-form UUID fits).
    pub out_trade_no: &'a str,
    /// Yuan with 2 decimals, in [0.01, 100000000].
    pub total_amount: &'a str,
    /// ≤256 characters, no `/ = &`.
    pub subject: &'a str,
    pub notify_url: &'a str,
    pub return_url: &'a str,
    /// Sent as `time_expire` in Beijing time.
    pub time_expire: Option<DateTime<Utc>>,
}

/// The `biz_content` JSON of a page pay order (compact; signed exactly as sent).
pub fn page_pay_biz_content(order: &PagePay<'_>) -> String {
    let mut content = serde_json::json!({
        "out_trade_no": order.out_trade_no,
        "total_amount": order.total_amount,
        "subject": order.subject,
        "product_code": PAGE_PAY_PRODUCT_CODE,
    });
    if let (Some(at), Some(map)) = (order.time_expire, content.as_object_mut()) {
        map.insert("time_expire".to_owned(), beijing_time(at).into());
    }
    content.to_string()
}

/// The signed GET URL of `alipay.trade.page.pay` (product_code `FAST_INSTANT_TRADE_PAY`), as
/// `page_execute(request, "GET")` builds it: gateway + `?` + the URL-encoded signed params.
/// No server-to-server call is involved; the browser is redirected here.
pub fn page_pay_url(
    gateway: &str,
    key: &SigningKey,
    order: &PagePay<'_>,
    now: DateTime<Utc>,
) -> String {
    let biz_content = page_pay_biz_content(order);
    let params = request_params(
        key,
        order.app_id,
        "alipay.trade.page.pay",
        &biz_content,
        Some(order.notify_url),
        Some(order.return_url),
        now,
    );
    let separator = if gateway.contains('?') { '&' } else { '?' };
    format!("{gateway}{separator}{}", encode_form(&params))
}

/// The form body (`application/x-www-form-urlencoded`) of `alipay.trade.query` for
/// `out_trade_no`, POSTed to the gateway; read the answer with [`verify_response`] and
/// [`read_trade_query`].
pub fn query_form(
    key: &SigningKey,
    app_id: &str,
    out_trade_no: &str,
    now: DateTime<Utc>,
) -> String {
    let biz_content = serde_json::json!({ "out_trade_no": out_trade_no }).to_string();
    let params = request_params(
        key,
        app_id,
        "alipay.trade.query",
        &biz_content,
        None,
        None,
        now,
    );
    encode_form(&params)
}

/// `application/x-www-form-urlencoded` encoding of params (space as `+`, as `quote_plus`).
pub fn encode_form(params: &Params) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

/// Form-decodes a notify body (or a query string) into Params. A repeated key keeps its last
/// value; the signature is then checked over exactly what was kept.
pub fn parse_form(body: &[u8]) -> Params {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Only `TRADE_SUCCESS` and `TRADE_FINISHED` mean paid; `WAIT_BUYER_PAY` is pending and
/// `TRADE_CLOSED` is a timeout or full refund.
pub fn is_paid(trade_status: &str) -> bool {
    matches!(trade_status, "TRADE_SUCCESS" | "TRADE_FINISHED")
}

#[cfg(test)]
mod tests;
