//! Quotes on the wire: what the customer asks to be priced, and the priced answer.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::amount::Amount;
use crate::calendar::Cycle;
use crate::money::Currency;
use crate::quote::{LineKind, Quote, QuoteLine};
use crate::region::PaymentMethod;

fn one() -> u32 {
    1
}

/// A new purchase: a product, a `cycle` (required for term products, absent for one-time
/// products), a quantity, and how many cycles to pay up front.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PurchaseRequest {
    /// The product's code (`dr`, `failback`, `premium`, …).
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 32)))]
    pub product: String,
    /// `month` or `year` for a term product; omit for a one-time product.
    #[serde(default)]
    pub cycle: Option<Cycle>,
    /// Units to buy (seats for Enterprise).
    pub quantity: u32,
    /// Cycles paid up front: at most three years' worth (36 months, 3 years).
    #[serde(default = "one")]
    #[cfg_attr(feature = "openapi", oai(default = "one"))]
    pub periods: u32,
}

/// An edition upgrade of a held subscription (Premium → Premium Plus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct UpgradeRequest {
    /// The held subscription to upgrade (its product is the current edition).
    pub subscription_id: Uuid,
    /// The edition to move to.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 32)))]
    pub target_product: String,
}

/// More seats on a seat-based subscription (Enterprise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AddSeatsRequest {
    /// The seat-based subscription to add seats to.
    pub subscription_id: Uuid,
    /// Seats to add.
    pub seats: u32,
}

/// What to price, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Union))]
#[cfg_attr(feature = "openapi", oai(discriminator_name = "type", one_of))]
pub enum QuoteRequest {
    #[cfg_attr(feature = "openapi", oai(mapping = "purchase"))]
    Purchase(PurchaseRequest),
    #[cfg_attr(feature = "openapi", oai(mapping = "upgrade"))]
    Upgrade(UpgradeRequest),
    #[cfg_attr(feature = "openapi", oai(mapping = "add_seats"))]
    AddSeats(AddSeatsRequest),
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct QuoteLineView {
    /// What the line is for: `purchase`, `bonus`, `upgrade` or `seats`.
    pub kind: LineKind,
    /// The product's code: the one bought, granted, or upgraded to.
    pub product: String,
    /// Units priced (seats, on a seats line).
    pub quantity: u32,
    /// Per unit and cycle, or per unit and month on prorated lines.
    pub unit_price: Amount,
    /// Cycles paid up front (term purchases).
    pub periods: Nullable<u32>,
    /// Months left to the period's end (prorated lines).
    pub months_left: Nullable<u32>,
    /// Months billed for them: a whole year costs ten (prorated lines).
    pub months_billed: Nullable<u32>,
    pub total: Amount,
}

/// A stretch of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Period {
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
}

/// The server's price, before anything is created. `period` is what it covers if paid now:
/// a term's periods, a one-time license's validity, or the rest of the current period for an
/// upgrade or seats (whose end does not move).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct QuoteView {
    /// The currency of every amount in it: the account's region's.
    pub currency: Currency,
    /// The priced lines: what is bought first, then any bonus granted with it.
    pub lines: Vec<QuoteLineView>,
    /// The sum of the lines' totals.
    pub total: Amount,
    /// The methods the account's region offers for paying it.
    pub payment_methods: Vec<PaymentMethod>,
    /// The time it covers if paid now.
    pub period: Period,
}

impl From<&QuoteLine> for QuoteLineView {
    fn from(line: &QuoteLine) -> Self {
        QuoteLineView {
            kind: line.kind,
            product: line.product.to_string(),
            quantity: line.quantity,
            unit_price: Amount::of(line.unit_price),
            periods: line.periods.into(),
            months_left: line.months_left.into(),
            months_billed: line.months_billed.into(),
            total: Amount::of(line.total),
        }
    }
}

impl QuoteView {
    /// The wire form of `quote`, payable with `payment_methods`.
    pub fn new(quote: &Quote, payment_methods: &[PaymentMethod]) -> Self {
        QuoteView {
            currency: quote.currency,
            lines: quote.lines.iter().map(QuoteLineView::from).collect(),
            total: Amount::of(quote.total),
            payment_methods: payment_methods.to_vec(),
            period: Period {
                start: quote.coverage.start,
                end: quote.coverage.end,
            },
        }
    }
}
