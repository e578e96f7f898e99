//! Orders on the wire.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::amount::Amount;
use super::quotes::{
    AddSeatsRequest, PurchaseRequest, QuoteLineView, QuoteRequest, UpgradeRequest,
};
use crate::calendar::Cycle;
use crate::money::Currency;
use crate::orders::{OrderStatus, OrderType};
use crate::region::PaymentMethod;

/// How the customer will pay (one of the account's region's methods), and where the provider
/// sends the browser afterwards. `currency`, when given, must be the region's: a check, never
/// a conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PaymentChoice {
    /// How the customer pays: one of the methods the account's region offers.
    pub payment_method: PaymentMethod,
    /// The currency the client expects (`CNY` or `USD`); refused unless it is the region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub currency: Option<Currency>,
    /// Where the payment page sends the browser when done (default: a "payment complete"
    /// page of this server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        oai(skip_serializing_if_is_none, validator(max_length = 2000))
    )]
    pub return_url: Option<String>,
}

/// A new purchase to pay for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PurchaseOrder {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub item: PurchaseRequest,
    /// Renew at each period's end (term products). Default: on where the product renews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub auto_renew: Option<bool>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub payment: PaymentChoice,
}

/// An edition upgrade to pay for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct UpgradeOrder {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub item: UpgradeRequest,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub payment: PaymentChoice,
}

/// Seats to pay for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AddSeatsOrder {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub item: AddSeatsRequest,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub payment: PaymentChoice,
}

/// A free trial, started at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct TrialOrder {
    /// A product with a trial (`premium`).
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 32)))]
    pub product: String,
}

/// What to order, told apart by `type`: the bodies of quotes plus how to pay, or a trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Union))]
#[cfg_attr(feature = "openapi", oai(discriminator_name = "type", one_of))]
pub enum OrderRequest {
    #[cfg_attr(feature = "openapi", oai(mapping = "purchase"))]
    Purchase(PurchaseOrder),
    #[cfg_attr(feature = "openapi", oai(mapping = "upgrade"))]
    Upgrade(UpgradeOrder),
    #[cfg_attr(feature = "openapi", oai(mapping = "add_seats"))]
    AddSeats(AddSeatsOrder),
    #[cfg_attr(feature = "openapi", oai(mapping = "trial"))]
    Trial(TrialOrder),
}

impl OrderRequest {
    /// The quote this order is priced by; a trial is free and has none.
    pub fn quote_request(&self) -> Option<QuoteRequest> {
        match self {
            OrderRequest::Purchase(o) => Some(QuoteRequest::Purchase(o.item.clone())),
            OrderRequest::Upgrade(o) => Some(QuoteRequest::Upgrade(o.item.clone())),
            OrderRequest::AddSeats(o) => Some(QuoteRequest::AddSeats(o.item.clone())),
            OrderRequest::Trial(_) => None,
        }
    }

    /// How it will be paid; a trial is not paid.
    pub fn payment(&self) -> Option<&PaymentChoice> {
        match self {
            OrderRequest::Purchase(o) => Some(&o.payment),
            OrderRequest::Upgrade(o) => Some(&o.payment),
            OrderRequest::AddSeats(o) => Some(&o.payment),
            OrderRequest::Trial(_) => None,
        }
    }

    /// The order's type.
    pub fn order_type(&self) -> OrderType {
        match self {
            OrderRequest::Purchase(_) => OrderType::Purchase,
            OrderRequest::Upgrade(_) => OrderType::Upgrade,
            OrderRequest::AddSeats(_) => OrderType::AddSeats,
            OrderRequest::Trial(_) => OrderType::Trial,
        }
    }
}

/// Where the customer pays an order: a page to open, and for providers whose flow is a scan
/// (WeChat Pay Native) the text of the QR code to draw (DESIGN.md §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Checkout {
    /// `sandbox`, `alipay`, `wechat_pay`, `paypal` or `stripe`.
    pub provider: String,
    /// Always a page a browser can open: the provider's page, or Entitle's own page that shows
    /// the QR code and follows the order.
    pub url: String,
    /// The text to draw as a QR code when the provider's flow is a scan; `null` otherwise.
    pub qr_code: Nullable<String>,
    /// The page stops taking payment then, and the unpaid order expires.
    pub expires_at: DateTime<Utc>,
}

/// An order. `checkout` says where to pay (absent for trials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Order {
    /// The order's id.
    pub id: Uuid,
    /// The account it is for.
    pub account_id: Uuid,
    /// What it buys: `purchase`, `upgrade`, `add_seats`, `trial` or `renewal`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub kind: OrderType,
    /// `pending_payment`, then `paid` (final), `expired`, `canceled` or `failed`.
    pub status: OrderStatus,
    /// The product bought, or the edition upgraded to.
    pub product: String,
    /// The cycle of a term purchase or renewal; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub cycle: Option<Cycle>,
    /// Units ordered: licenses or seats bought, seats added, or the units upgraded.
    pub quantity: u32,
    /// The subscription an upgrade or seats apply to, or the one a purchase created.
    pub subscription_id: Nullable<Uuid>,
    /// Whether the subscription it buys renews itself; `null` where that does not apply.
    pub auto_renew: Nullable<bool>,
    /// The lines as quoted when the order was made: the price never changes afterwards.
    pub lines: Vec<QuoteLineView>,
    /// The currency of `total` and the lines: the account's region's.
    pub currency: Currency,
    pub total: Amount,
    /// The method it is paid with; absent for a trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub payment_method: Option<PaymentMethod>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When the order was paid; `null` until then.
    pub paid_at: Nullable<DateTime<Utc>>,
    /// When the customer canceled it; `null` unless canceled.
    pub canceled_at: Nullable<DateTime<Utc>>,
    /// When the order expires if still unpaid (a pay-to-renew renewal: the end of its grace);
    /// `null` for orders that never expire.
    pub expires_at: Nullable<DateTime<Utc>>,
    /// Where to pay; absent for a trial or a renewal charged to the saved method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub checkout: Option<Checkout>,
}

/// One page of orders, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct OrderPage {
    /// This page's orders, oldest first.
    pub items: Vec<Order>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}
