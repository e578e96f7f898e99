//! The JSON shapes of Native payments, with field names as WeChat Pay sends them
//! (`services/payments/models.go`, `core/notify/notify_request.go`). Optional fields are
//! omitted rather than sent as `null`, and unknown fields are ignored on reading.

use serde::{Deserialize, Serialize};

/// The body of `POST /v3/pay/transactions/native`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeOrder {
    pub appid: String,
    pub mchid: String,
    /// ≤127 characters.
    pub description: String,
    /// 6–32 characters of `[0-9A-Za-z_-|*]`: a simple-form UUID fits, a hyphenated one does not.
    pub out_trade_no: String,
    /// RFC 3339, e.g. `2026-12-02T10:30:00+08:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
    /// HTTPS, no query string.
    pub notify_url: String,
    pub amount: OrderAmount,
}

/// An order's amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAmount {
    /// Fen (1/100 yuan).
    pub total: i64,
    /// `CNY`.
    pub currency: String,
}

/// The answer to a Native order: the `weixin://wxpay/bizpayurl?pr=…` URL to render as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeOrderResponse {
    pub code_url: String,
}

/// A callback's envelope; the payload is in `resource`, encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    /// `TRANSACTION.SUCCESS` for a payment.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    pub summary: String,
    pub resource: EncryptedResource,
}

/// An AEAD_AES_256_GCM-encrypted payload; see `decrypt_resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    /// base64(ciphertext ‖ tag).
    pub ciphertext: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_data: Option<String>,
    /// 12 characters.
    pub nonce: String,
    /// `transaction` for a payment callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_type: Option<String>,
}

/// A payment's state, from the query endpoints or a decrypted callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `NATIVE` for these payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// SUCCESS, NOTPAY, CLOSED, REFUND, USERPAYING, PAYERROR or REVOKED; see `is_paid`.
    pub trade_state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// RFC 3339 with `+08:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

/// A transaction's amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// Fen ordered.
    pub total: i64,
    /// Fen the payer paid (less coupons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}
