//! Invoices on the wire.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::amount::Amount;
use crate::invoices::{BuyerDetails, InvoiceStatus, InvoiceType};
use crate::money::Currency;

/// Asks for an invoice for a paid order, or changes the request until it is issued. `type`
/// is `vat_ordinary` or `vat_special` in region `cn`, `standard` in region `intl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct InvoiceRequest {
    /// `vat_ordinary` or `vat_special` in region `cn`; `standard` in region `intl`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub kind: InvoiceType,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", oai(flatten))]
    pub buyer: BuyerDetails,
}

/// An invoice: requested, then issued by the weekly batch with its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Invoice {
    /// The invoice's id.
    pub id: Uuid,
    /// The paid order it invoices.
    pub order_id: Uuid,
    /// The account that ordered.
    pub account_id: Uuid,
    /// `vat_ordinary`, `vat_special` (region `cn`) or `standard` (region `intl`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub kind: InvoiceType,
    /// `requested` (changeable) or `issued` (final).
    pub status: InvoiceStatus,
    /// Sequential and without gaps per year and series (`CN-VS-2026-000042`), once issued.
    pub number: Nullable<String>,
    /// The buyer's details, as last requested.
    pub buyer: BuyerDetails,
    /// The currency of `total`, `net` and `tax`: the order's.
    pub currency: Currency,
    /// The tax-inclusive total of the order.
    pub total: Amount,
    /// The total without VAT, once issued.
    pub net: Nullable<Amount>,
    /// The VAT in the total, once issued.
    pub tax: Nullable<Amount>,
    /// The VAT rate applied (`0.06`), once issued.
    pub vat_rate: Nullable<String>,
    /// When it was first requested (a change to the request keeps it).
    pub requested_at: DateTime<Utc>,
    /// When the weekly batch issued it; `null` until then.
    pub issued_at: Nullable<DateTime<Utc>>,
}

/// One page of invoices, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct InvoicePage {
    /// This page's invoices, oldest first.
    pub items: Vec<Invoice>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}
