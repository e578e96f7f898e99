//! WeChat Pay API v3, Native (QR) payments (providers.md §2).
//!
//! Our requests carry an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header signed with the
//! merchant API key; WeChat's responses and callbacks carry `Wechatpay-*` headers signed with
//! the WeChat Pay key (public-key mode, `PUB_KEY_ID_…`), and a callback's payload is
//! AES-256-GCM-encrypted with the APIv3 key. There is no v3 sandbox, so these functions are
//! also what the local fake is built from.

mod resource;
mod types;

use chrono::{DateTime, Utc};

use crate::keys::{SigningKey, VerifyingKey};

pub use resource::{ALGORITHM, decrypt_resource, encrypt_resource};
pub use types::{
    EncryptedResource, NativeOrder, NativeOrderResponse, Notification, OrderAmount, Transaction,
    TransactionAmount,
};

/// The API host (backup: `https://api2.mch.weixin.qq.com`).
pub const LIVE_API_BASE: &str = "https://api.mch.weixin.qq.com";
/// The only signature scheme of API v3: SHA256withRSA.
pub const SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";
/// How far a signed timestamp may be from our clock, in seconds (`consts.FiveMinute`).
pub const MAX_SKEW_SECONDS: u64 = 300;

/// Why a WeChat Pay message was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// A `Wechatpay-*` header is absent or empty.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `Wechatpay-Signature-Type` names a scheme other than WECHATPAY2-SHA256-RSA2048.
    #[error("unsupported signature type {0:?}")]
    UnsupportedSignatureType(String),
    /// `Wechatpay-Serial` names a key we do not hold (a rotated key, or a platform certificate).
    #[error("unknown Wechatpay-Serial {0:?}")]
    UnknownSerial(String),
    /// `Wechatpay-Timestamp` is not a number of seconds.
    #[error("malformed Wechatpay-Timestamp {0:?}")]
    MalformedTimestamp(String),
    /// The timestamp is 300 s or more away from our clock: a replay, or a badly skewed clock.
    #[error("stale Wechatpay-Timestamp {timestamp} (now {now})")]
    Stale { timestamp: i64, now: i64 },
    /// The signature does not verify with the WeChat Pay public key.
    #[error("signature does not verify")]
    BadSignature,
    /// A resource encrypted with anything but AEAD_AES_256_GCM.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The APIv3 key is not 32 bytes.
    #[error("the APIv3 key must be 32 bytes")]
    BadApiV3Key,
    /// The resource nonce is not 12 bytes.
    #[error("the resource nonce must be 12 bytes")]
    BadNonce,
    /// The ciphertext is not base64.
    #[error("ciphertext is not base64")]
    MalformedCiphertext,
    /// Authentication failed: wrong APIv3 key, or tampered ciphertext, nonce or associated data.
    #[error("resource does not decrypt")]
    Decrypt,
}

/// The message a request signature covers: `METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nBODY\n`,
/// with BODY empty for a GET and the final `\n` kept (`consts.SignatureMessageFormat`).
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The `Authorization` header value of a request:
/// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`,
/// signed with the merchant API key over [`request_message`]. `method` must be the upper-case
/// HTTP method sent and `path_and_query` the URL without scheme and host (`/v3/…?mchid=…`);
/// `serial_no` is the merchant certificate's serial in hex.
#[allow(clippy::too_many_arguments)] // the protocol's own inputs; a struct would only rename them
pub fn authorization(
    key: &SigningKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path_and_query: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    let message = request_message(method, path_and_query, timestamp, nonce, body);
    let signature = key.sign_base64(message.as_bytes());
    format!(
        r#"{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",serial_no="{serial_no}",signature="{signature}""#
    )
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub mchid: String,
    pub nonce_str: String,
    /// Seconds since the epoch, as sent.
    pub timestamp: String,
    pub serial_no: String,
    /// Standard base64.
    pub signature: String,
}

/// Parses an `Authorization` header back into its parts (for fakes and tests). None unless
/// the scheme is WECHATPAY2-SHA256-RSA2048 and all five quoted fields are present.
pub fn parse_authorization(header: &str) -> Option<Authorization> {
    let fields = header.trim().strip_prefix(SCHEMA)?.strip_prefix(' ')?;
    let (mut mchid, mut nonce_str, mut timestamp, mut serial_no, mut signature) =
        (None, None, None, None, None);
    for field in fields.split(',') {
        let (name, value) = field.trim().split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?.to_owned();
        let slot = match name {
            "mchid" => &mut mchid,
            "nonce_str" => &mut nonce_str,
            "timestamp" => &mut timestamp,
            "serial_no" => &mut serial_no,
            "signature" => &mut signature,
            _ => continue,
        };
        *slot = Some(value);
    }
    Some(Authorization {
        mchid: mchid?,
        nonce_str: nonce_str?,
        timestamp: timestamp?,
        serial_no: serial_no?,
        signature: signature?,
    })
}

/// The message WeChat Pay signs on responses and callbacks: `TIMESTAMP\nNONCE\nBODY\n`, over
/// the raw body bytes; an empty body still leaves the final `\n`.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

/// The `Wechatpay-*` headers of a response or callback, as received ("" for an absent one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    /// `Wechatpay-Timestamp`, seconds since the epoch.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`, standard base64.
    pub signature: &'a str,
    /// `Wechatpay-Serial`: which WeChat Pay key signed.
    pub serial: &'a str,
    /// `Wechatpay-Signature-Type`, if sent.
    pub signature_type: Option<&'a str>,
}

/// Verifies a response or callback (`wechat_pay_validator.go`): every header present, the
/// signature type (if sent) WECHATPAY2-SHA256-RSA2048, `Wechatpay-Serial` equal to `key_id`
/// (public-key mode, `PUB_KEY_ID_…`), the timestamp within 300 s of `now` (the SYSTEM clock:
/// freshness is about real elapsed time, not a simulated one), and the signature over
/// [`response_message`] valid for `key`.
pub fn verify_signed(
    key: &VerifyingKey,
    key_id: &str,
    headers: &SignedHeaders<'_>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WechatError> {
    let required = |value: &str, name: &'static str| {
        if value.trim().is_empty() {
            Err(WechatError::MissingHeader(name))
        } else {
            Ok(())
        }
    };
    required(headers.timestamp, "Wechatpay-Timestamp")?;
    required(headers.nonce, "Wechatpay-Nonce")?;
    required(headers.signature, "Wechatpay-Signature")?;
    required(headers.serial, "Wechatpay-Serial")?;
    if let Some(kind) = headers.signature_type.filter(|kind| *kind != SCHEMA) {
        return Err(WechatError::UnsupportedSignatureType(kind.to_owned()));
    }
    if headers.serial.trim() != key_id {
        return Err(WechatError::UnknownSerial(headers.serial.to_owned()));
    }
    let timestamp: i64 = headers
        .timestamp
        .trim()
        .parse()
        .map_err(|_| WechatError::MalformedTimestamp(headers.timestamp.to_owned()))?;
    if timestamp.abs_diff(now.timestamp()) >= MAX_SKEW_SECONDS {
        return Err(WechatError::Stale {
            timestamp,
            now: now.timestamp(),
        });
    }
    let message = response_message(headers.timestamp, headers.nonce, body);
    if key.verify_base64(&message, headers.signature) {
        Ok(())
    } else {
        Err(WechatError::BadSignature)
    }
}

/// Only `SUCCESS` means paid; NOTPAY, CLOSED, REFUND, USERPAYING, PAYERROR and REVOKED do not.
pub fn is_paid(trade_state: &str) -> bool {
    trade_state == "SUCCESS"
}

#[cfg(test)]
mod tests;
