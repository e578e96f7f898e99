//! The orders and captures the fake keeps, the switches that steer it, and how orders and
//! captures read as JSON.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::time;

const MERCHANT_ID: &str = "7KNGBPH2U58GQ";
const MERCHANT_EMAIL: &str = "merchant@entitle.example";
const BUYER_EMAIL: &str = "buyer@entitle.example";

/// Where an order stands at PayPal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Created for a buyer checkout: waiting for the buyer at the `payer-action` link.
    PayerActionRequired,
    /// The buyer approved it: it can be captured.
    Approved,
    /// Captured (or charged at once against a vault id).
    Completed,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PayerActionRequired => "PAYER_ACTION_REQUIRED",
            OrderStatus::Approved => "APPROVED",
            OrderStatus::Completed => "COMPLETED",
        }
    }
}

/// What the next capture of an approved order comes out as
/// ([`PaypalFake::set_capture`](super::PaypalFake::set_capture)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureOutcome {
    Completed,
    /// Held for review, until
    /// [`PaypalFake::complete_pending`](super::PaypalFake::complete_pending) completes it.
    Pending,
    Declined,
}

impl CaptureOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureOutcome::Completed => "COMPLETED",
            CaptureOutcome::Pending => "PENDING",
            CaptureOutcome::Declined => "DECLINED",
        }
    }
}

/// How the fake answers an order charged against a vault id
/// ([`PaypalFake::set_vaulted`](super::PaypalFake::set_vaulted)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultedCharge {
    /// `COMPLETED` at once, with a `COMPLETED` capture (as PayPal does for vaulted orders).
    Complete,
    /// 422 `INSTRUMENT_DECLINED`; no order is opened.
    Decline,
}

/// How a webhook the fake sends differs from an honest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaypalForgery {
    /// What PayPal would send.
    Honest,
    /// Signed by PayPal, then the body changed (its `summary`).
    BadSignature,
    /// Signed with the intruder's key; the cert URL is still the fake's (whose key differs).
    WrongKey,
    /// Signed honestly, but `PAYPAL-CERT-URL` is
    /// [`PaypalFake::foreign_cert_url`](super::PaypalFake::foreign_cert_url), outside the
    /// allowed prefix (the same fake serves the same certificate there).
    ForeignCertUrl,
    /// Signed by PayPal, then the amount changed (to 0.01, or 0.02 if it was 0.01).
    TamperedAmount,
    /// Signed by PayPal, but for [`OTHER_WEBHOOK_ID`](super::OTHER_WEBHOOK_ID) rather than
    /// [`WEBHOOK_ID`](super::WEBHOOK_ID).
    OtherWebhookId,
}

/// The capture of an order.
#[derive(Debug, Clone)]
pub struct Capture {
    /// 17 uppercase letters and digits.
    pub id: String,
    pub status: CaptureOutcome,
    /// The `PayPal-Request-Id` of the capture call; `None` for a vaulted charge.
    pub request_id: Option<String>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

/// An order the fake opened, with what Entitle sent to open it.
#[derive(Debug, Clone)]
pub struct Order {
    /// 17 uppercase letters and digits.
    pub id: String,
    /// The `PayPal-Request-Id` of the create call.
    pub request_id: String,
    /// The create call's body, as Entitle sent it.
    pub body: Value,
    pub reference_id: String,
    pub custom_id: String,
    pub invoice_id: Option<String>,
    /// `amount.value`, USD with two decimals.
    pub value: String,
    /// `experience_context.return_url` of a buyer checkout.
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    /// A buyer checkout asking `attributes.vault.store_in_vault: "ON_SUCCESS"`.
    pub vault: bool,
    /// Issued at the capture of a `vault` checkout (unless declined), or charged by a renewal.
    pub vault_id: Option<String>,
    pub customer_id: Option<String>,
    /// Charged against a vault id rather than approved by a buyer.
    pub renewal: bool,
    pub status: OrderStatus,
    /// Set when the buyer approves (or at once for a renewal).
    pub payer_id: Option<String>,
    pub capture: Option<Capture>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

/// The order as PayPal shows it (`Prefer: return=representation`).
pub(super) fn order_json(order: &Order, base: &str) -> Value {
    let href = format!("{base}/v2/checkout/orders/{}", order.id);
    let mut links = vec![json!({ "href": href, "rel": "self", "method": "GET" })];
    match order.status {
        OrderStatus::PayerActionRequired => links.push(json!({
            "href": format!("{base}/checkoutnow?token={}", order.id),
            "rel": "payer-action", "method": "GET",
        })),
        OrderStatus::Approved => links.push(json!({
            "href": format!("{href}/capture"), "rel": "capture", "method": "POST",
        })),
        OrderStatus::Completed => {}
    }
    let mut unit = json!({
        "reference_id": order.reference_id,
        "custom_id": order.custom_id,
        "amount": { "currency_code": "USD", "value": order.value },
        "payee": { "email_address": MERCHANT_EMAIL, "merchant_id": MERCHANT_ID },
    });
    if let Some(invoice_id) = &order.invoice_id {
        unit["invoice_id"] = json!(invoice_id);
    }
    if let Some(taken) = &order.capture {
        unit["payments"] = json!({ "captures": [capture_json(order, taken, base)] });
    }
    let mut paypal = json!({});
    if let Some(payer_id) = &order.payer_id {
        paypal = json!({
            "email_address": BUYER_EMAIL, "account_id": payer_id, "account_status": "VERIFIED",
            "name": { "given_name": "Pat", "surname": "Buyer" },
            "address": { "country_code": "US" },
        });
    }
    if let (Some(vault_id), Some(customer)) = (&order.vault_id, &order.customer_id) {
        paypal["attributes"] = json!({ "vault": {
            "id": vault_id, "status": "VAULTED", "customer": { "id": customer },
            "links": [{ "href": format!("{base}/v3/vault/payment-tokens/{vault_id}"),
                "rel": "self", "method": "GET" }],
        } });
    }
    let mut shown = json!({
        "id": order.id,
        "intent": "CAPTURE",
        "status": order.status.as_str(),
        "payment_source": { "paypal": paypal },
        "purchase_units": [unit],
        "create_time": time(order.create_time),
        "links": links,
    });
    if let Some(payer_id) = &order.payer_id {
        shown["payer"] = json!({
            "name": { "given_name": "Pat", "surname": "Buyer" },
            "email_address": BUYER_EMAIL, "payer_id": payer_id,
            "address": { "country_code": "US" },
        });
    }
    if order.status != OrderStatus::PayerActionRequired {
        shown["update_time"] = json!(time(order.update_time));
    }
    shown
}

/// A capture as PayPal shows it: in an order's `payments`, or as a webhook's resource.
pub(super) fn capture_json(order: &Order, taken: &Capture, base: &str) -> Value {
    let mut shown = json!({
        "id": taken.id,
        "status": taken.status.as_str(),
        "amount": { "currency_code": "USD", "value": order.value },
        "final_capture": true,
        "custom_id": order.custom_id,
        "seller_protection": { "status": "ELIGIBLE",
            "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"] },
        "supplementary_data": { "related_ids": { "order_id": order.id } },
        "create_time": time(taken.create_time),
        "update_time": time(taken.update_time),
        "links": [
            { "href": format!("{base}/v2/payments/captures/{}", taken.id),
              "rel": "self", "method": "GET" },
            { "href": format!("{base}/v2/checkout/orders/{}", order.id),
              "rel": "up", "method": "GET" },
        ],
    });
    if let Some(invoice_id) = &order.invoice_id {
        shown["invoice_id"] = json!(invoice_id);
    }
    if taken.status == CaptureOutcome::Pending {
        shown["status_details"] = json!({ "reason": "PENDING_REVIEW" });
    }
    shown
}
