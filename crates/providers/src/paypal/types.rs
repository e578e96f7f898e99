//! The JSON shapes of Orders v2, OAuth and webhooks, with field names as PayPal sends them
//! (`checkout_orders_v2.json`, `notifications_webhooks_v1.json`). Only the fields Entitle reads
//! are modelled: unknown fields are ignored on reading, and optional ones are omitted rather
//! than written as `null`, so a fake can answer with these same types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The answer to `POST /v1/oauth2/token`. `Debug` shows no token.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
pub struct Token {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds the token lives; cache it until shortly before.
    pub expires_in: i64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// A HATEOAS link of an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Link {
    pub href: String,
    /// `self`, `payer-action`, `approve`, `capture`, …
    pub rel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// A money amount: currency and decimal string (see `amount_value` / `minor_of`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Amount {
    /// ISO 4217, e.g. `USD`.
    pub currency_code: String,
    /// e.g. `"10.00"`.
    pub value: String,
}

/// An order, as created, fetched or captured.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Order {
    pub id: String,
    /// CREATED, SAVED, APPROVED, VOIDED, COMPLETED or PAYER_ACTION_REQUIRED. COMPLETED does
    /// not mean paid: check the capture's status ([`Order::capture`]).
    pub status: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub purchase_units: Vec<PurchaseUnit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_source: Option<PaymentSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

impl Order {
    /// The link the buyer is sent to: rel `payer-action` (orders created with
    /// `payment_source.paypal.experience_context`), else `approve` (the deprecated
    /// `application_context`).
    pub fn payer_action_url(&self) -> Option<&str> {
        let by_rel = |rel: &str| self.links.iter().find(|link| link.rel == rel);
        by_rel("payer-action")
            .or_else(|| by_rel("approve"))
            .map(|link| link.href.as_str())
    }

    /// The first capture of the first purchase unit: Entitle's orders have one unit, captured
    /// once.
    pub fn capture(&self) -> Option<&Capture> {
        self.purchase_units
            .first()?
            .payments
            .as_ref()?
            .captures
            .first()
    }

    /// The first purchase unit's `reference_id` (our checkout session).
    pub fn reference_id(&self) -> Option<&str> {
        self.purchase_units.first()?.reference_id.as_deref()
    }

    /// The first purchase unit's `custom_id` (our order id).
    pub fn custom_id(&self) -> Option<&str> {
        self.purchase_units.first()?.custom_id.as_deref()
    }

    /// `payment_source.paypal.attributes.vault.id`, once PayPal vaulted the method (after the
    /// capture of an order created with `store_in_vault: ON_SUCCESS`).
    pub fn vault_id(&self) -> Option<&str> {
        self.payment_source
            .as_ref()?
            .paypal
            .as_ref()?
            .attributes
            .as_ref()?
            .vault
            .as_ref()?
            .id
            .as_deref()
    }
}

/// One purchase unit of an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PurchaseUnit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Present once the order has been captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payments: Option<Payments>,
}

/// A purchase unit's payments.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Payments {
    #[serde(default)]
    pub captures: Vec<Capture>,
}

/// A capture: in a captured order, or the resource of a `PAYMENT.CAPTURE.*` webhook.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Capture {
    pub id: String,
    /// COMPLETED, PENDING, DECLINED or FAILED (also REFUNDED, PARTIALLY_REFUNDED later); only
    /// COMPLETED means the money arrived.
    pub status: String,
    pub amount: Amount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplementary_data: Option<SupplementaryData>,
}

impl Capture {
    /// `supplementary_data.related_ids.order_id`: how a `PAYMENT.CAPTURE.*` webhook names the
    /// order, whose resource is the capture alone.
    pub fn order_id(&self) -> Option<&str> {
        self.supplementary_data
            .as_ref()?
            .related_ids
            .as_ref()?
            .order_id
            .as_deref()
    }
}

/// A capture's `supplementary_data`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SupplementaryData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_ids: Option<RelatedIds>,
}

/// The ids a capture is related to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RelatedIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// An order's `payment_source`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PaymentSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paypal: Option<PaypalSource>,
}

/// `payment_source.paypal` of an answer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PaypalSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// `payment_source.paypal.attributes` of an answer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Attributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<Vault>,
}

/// A vaulted payment method, as an order's answer reports it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Vault {
    /// The payment token id to charge renewals to ([`VaultedOrder`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `VAULTED` once stored (`APPROVED`, `CREATED` before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A webhook delivery's envelope; `resource` is an order or a capture, by `event_type`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct WebhookEvent {
    /// `WH-…`: deduplicate on it, as PayPal retries a delivery up to 25 times.
    pub id: String,
    /// e.g. `CHECKOUT.ORDER.APPROVED`, `PAYMENT.CAPTURE.COMPLETED`.
    pub event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    pub resource: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// The body of `POST /v1/notifications/verify-webhook-signature`, the postback alternative to
/// self-verification: the transmission headers, our webhook id and the event as received —
/// its bytes unchanged (a re-serialised event, its keys reordered, may not verify).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VerifyWebhookSignature {
    pub auth_algo: String,
    pub cert_url: String,
    pub transmission_id: String,
    pub transmission_sig: String,
    pub transmission_time: String,
    pub webhook_id: String,
    pub webhook_event: Box<serde_json::value::RawValue>,
}

/// The answer to a verify-webhook-signature postback.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VerifyWebhookSignatureResponse {
    /// `SUCCESS` or `FAILURE`.
    pub verification_status: String,
}

/// A REST API error answer (4xx/5xx of the Orders API).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ErrorBody {
    /// e.g. `UNPROCESSABLE_ENTITY`, `RESOURCE_NOT_FOUND`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

/// One detail of an error answer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ErrorDetail {
    /// e.g. `INSTRUMENT_DECLINED`, `ORDER_ALREADY_CAPTURED`.
    pub issue: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body of `POST /v2/checkout/orders` for a buyer's checkout: intent CAPTURE, one purchase
/// unit, and `payment_source.paypal.experience_context` (so the answer is
/// PAYER_ACTION_REQUIRED with a `payer-action` link) with PAY_NOW and no shipping, as a
/// license needs no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutOrder<'a> {
    /// Our checkout session (≤256 characters).
    pub reference_id: &'a str,
    /// Our order id (≤127 characters), echoed on the capture.
    pub custom_id: &'a str,
    /// Unique per payment (≤127 characters): PayPal refuses a reused invoice id.
    pub invoice_id: &'a str,
    pub currency_code: &'a str,
    /// See `amount_value`.
    pub value: &'a str,
    /// ≤127 characters; omitted when empty, as PayPal refuses an empty one.
    pub description: &'a str,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
    /// ≤127 characters; omitted when empty, as PayPal refuses an empty one.
    pub brand_name: &'a str,
    /// Ask PayPal to vault the method on a successful capture, for off-session renewals.
    pub vault: bool,
}

impl CheckoutOrder<'_> {
    /// The JSON body.
    pub fn to_json(&self) -> Value {
        let mut unit = purchase_unit(
            self.reference_id,
            self.custom_id,
            self.invoice_id,
            self.currency_code,
            self.value,
        );
        if !self.description.is_empty() {
            unit.insert("description".to_owned(), json!(self.description));
        }
        let mut context = Map::new();
        context.insert("return_url".to_owned(), json!(self.return_url));
        context.insert("cancel_url".to_owned(), json!(self.cancel_url));
        context.insert("user_action".to_owned(), json!("PAY_NOW"));
        context.insert("shipping_preference".to_owned(), json!("NO_SHIPPING"));
        if !self.brand_name.is_empty() {
            context.insert("brand_name".to_owned(), json!(self.brand_name));
        }
        let mut paypal = Map::new();
        paypal.insert("experience_context".to_owned(), Value::Object(context));
        if self.vault {
            paypal.insert(
                "attributes".to_owned(),
                json!({"vault": {
                    "store_in_vault": "ON_SUCCESS",
                    "usage_type": "MERCHANT",
                    "customer_type": "CONSUMER",
                }}),
            );
        }
        json!({
            "intent": "CAPTURE",
            "purchase_units": [Value::Object(unit)],
            "payment_source": {"paypal": Value::Object(paypal)},
        })
    }
}

/// The body of an off-session order charged to a vaulted method (renewals):
/// `payment_source.paypal.vault_id` instead of an experience context, as no buyer is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultedOrder<'a> {
    pub reference_id: &'a str,
    pub custom_id: &'a str,
    pub invoice_id: &'a str,
    pub currency_code: &'a str,
    pub value: &'a str,
    /// [`Order::vault_id`] of the first purchase.
    pub vault_id: &'a str,
}

impl VaultedOrder<'_> {
    /// The JSON body.
    pub fn to_json(&self) -> Value {
        let unit = purchase_unit(
            self.reference_id,
            self.custom_id,
            self.invoice_id,
            self.currency_code,
            self.value,
        );
        json!({
            "intent": "CAPTURE",
            "purchase_units": [Value::Object(unit)],
            "payment_source": {"paypal": {"vault_id": self.vault_id}},
        })
    }
}

/// The purchase unit both order bodies share.
fn purchase_unit(
    reference_id: &str,
    custom_id: &str,
    invoice_id: &str,
    currency_code: &str,
    value: &str,
) -> Map<String, Value> {
    let mut unit = Map::new();
    unit.insert("reference_id".to_owned(), json!(reference_id));
    unit.insert("custom_id".to_owned(), json!(custom_id));
    unit.insert("invoice_id".to_owned(), json!(invoice_id));
    unit.insert(
        "amount".to_owned(),
        json!({"currency_code": currency_code, "value": value}),
    );
    unit
}
