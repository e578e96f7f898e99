//! A quote: the server's price for a purchase, upgrade or seat addition, line by line, before
//! anything is created (DESIGN.md §3). Clients never send prices; orders are priced from a
//! quote.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::ProductCode;
use crate::money::{Currency, Money};
use crate::refusal::Refusal;

/// What a line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum LineKind {
    /// New units for one or more cycles, or one-time units.
    Purchase,
    /// Licenses every paid term grants at no charge (DR's failback licenses).
    Bonus,
    /// The price difference of an edition upgrade for the months left.
    Upgrade,
    /// New seats for the months left.
    Seats,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    pub kind: LineKind,
    pub product: ProductCode,
    pub quantity: u32,
    /// Per unit and per cycle, or per unit and per month for prorated lines.
    pub unit_price: Money,
    /// Cycles paid up front (purchases of term products).
    pub periods: Option<u32>,
    /// Months billed (prorated lines: upgrades and seats).
    pub months_billed: Option<u32>,
    /// Months left to the period's end, before the whole-year discount (prorated lines).
    pub months_left: Option<u32>,
    /// `unit_price × quantity × (periods or months billed)`, rounded once, here.
    pub total: Money,
}

impl QuoteLine {
    /// A line whose total is `unit_price × quantity × multiplier`, rounded to the minor unit.
    pub(crate) fn priced(
        kind: LineKind,
        product: ProductCode,
        quantity: u32,
        unit_price: Money,
        multiplier: u32,
    ) -> Result<QuoteLine, Refusal> {
        let total = unit_price
            .times(u64::from(quantity) * u64::from(multiplier))?
            .round_to_minor();
        Ok(QuoteLine {
            kind,
            product,
            quantity,
            unit_price,
            periods: None,
            months_billed: None,
            months_left: None,
            total,
        })
    }
}

/// The time a quote covers: for a term, from now to the end of the last period paid; for a
/// one-time product, its validity; for an upgrade or seats, now to the unchanged end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A priced answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub currency: Currency,
    pub lines: Vec<QuoteLine>,
    /// Always the sum of the lines' totals.
    pub total: Money,
    pub coverage: Coverage,
}

impl Quote {
    /// A quote whose total is the sum of `lines`, all in `currency`.
    pub(crate) fn from_lines(
        currency: Currency,
        lines: Vec<QuoteLine>,
        coverage: Coverage,
    ) -> Result<Quote, Refusal> {
        let total = lines
            .iter()
            .try_fold(Money::zero(currency), |sum, line| {
                sum.checked_add(line.total)
            })?
            .round_to_minor();
        Ok(Quote {
            currency,
            lines,
            total,
            coverage,
        })
    }
}
