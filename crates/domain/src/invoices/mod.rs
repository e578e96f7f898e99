//! Invoices (DESIGN.md §6): what a buyer must give for each type of invoice in each region,
//! the VAT broken out of a tax-inclusive total, numbering, and when the weekly batch is due.
//!
//! Region `cn` issues VAT invoices: an ordinary one needs a title and, for a company, the
//! taxpayer ID; a special one needs the company's name, taxpayer ID, registered address and
//! phone, bank and account number. Region `intl` issues a standard invoice, which needs the
//! buyer's name. Invoices are issued in a weekly batch (default Monday 10:00, UTC+8); an
//! issued invoice has a number sequential and without gaps per year and series, and never
//! changes.

mod batch;

pub use batch::{BatchSchedule, InvalidSchedule};

use crate::api::ProblemCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::money::{Money, MoneyError};
use crate::orders::OrderStatus;
use crate::region::Region;
use crate::stored::stored_enum;
use crate::text::TextRefusal;

stored_enum! {
    "snake_case";
    /// The kinds of invoice.
    pub enum InvoiceType {
        /// 增值税普通发票 (region `cn`).
        VatOrdinary,
        /// 增值税专用发票 (region `cn`).
        VatSpecial,
        /// A standard invoice (region `intl`).
        Standard,
    }
}

stored_enum! {
    "snake_case";
    /// Where an invoice stands: requested by the buyer, then issued by the weekly batch (an issued
    /// invoice never changes).
    pub enum InvoiceStatus {
        Requested,
        Issued,
    }
}

impl InvoiceType {
    /// The numbering series: each type counts on its own.
    pub fn series(self) -> &'static str {
        match self {
            InvoiceType::VatOrdinary => "CN-VO",
            InvoiceType::VatSpecial => "CN-VS",
            InvoiceType::Standard => "INTL",
        }
    }

    /// Whether `region` issues this type.
    pub fn offered_in(self, region: Region) -> bool {
        match region {
            Region::Cn => matches!(self, InvoiceType::VatOrdinary | InvoiceType::VatSpecial),
            Region::Intl => self == InvoiceType::Standard,
        }
    }
}

/// What the buyer gives for an invoice. Which fields are required depends on the type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct BuyerDetails {
    /// The invoice's title (抬头): a person's or a company's name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 200)))]
    pub title: Option<String>,
    /// Whether the buyer is a company (then an ordinary VAT invoice needs its taxpayer ID).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub company: bool,
    /// The unified social credit code / taxpayer ID (纳税人识别号).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 64)))]
    pub taxpayer_id: Option<String>,
    /// Registered address (注册地址); the one detail that may run over several lines.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 500)))]
    pub address: Option<String>,
    /// Registered phone (注册电话).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 64)))]
    pub phone: Option<String>,
    /// Bank (开户银行).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 200)))]
    pub bank: Option<String>,
    /// Bank account number (银行账号).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 64)))]
    pub account_number: Option<String>,
}

/// Why an invoice request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvoiceRefusal {
    #[error("region {} does not issue {} invoices: use {}", region, kind,
        if *region == Region::Cn { "vat_ordinary or vat_special" } else { "standard" })]
    TypeNotOffered { kind: InvoiceType, region: Region },
    #[error("a {} invoice needs: {}", kind, missing.join(", "))]
    MissingFields {
        kind: InvoiceType,
        missing: Vec<&'static str>,
    },
    #[error("taxpayer ID {0:?} is not 15 to 20 letters and digits")]
    TaxpayerId(String),
    #[error(transparent)]
    Text(#[from] TextRefusal),
}

impl InvoiceRefusal {
    /// The stable code the API answers with.
    pub fn code(&self) -> ProblemCode {
        match self {
            InvoiceRefusal::TypeNotOffered { .. } => ProblemCode::InvoiceTypeNotAllowed,
            InvoiceRefusal::MissingFields { .. } | InvoiceRefusal::TaxpayerId(_) => {
                ProblemCode::InvoiceDetailsInvalid
            }
            InvoiceRefusal::Text(refusal) => refusal.code(),
        }
    }
}

/// Why an order cannot be invoiced, or an invoice changed or printed, as it stands: each is a
/// conflict with the thing's state, not a fault in the request (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvoicingConflict {
    #[error("only a paid order is invoiced: pay it first")]
    OrderNotPaid,
    #[error("this order was free (a trial): there is nothing to invoice")]
    NothingToInvoice,
    #[error("invoice {number} is issued and can no longer change")]
    Issued { number: String },
    #[error("the invoice is issued by the weekly batch; its PDF exists from then")]
    NotIssued,
}

impl InvoicingConflict {
    /// The stable code the API answers with.
    pub fn code(&self) -> ProblemCode {
        match self {
            InvoicingConflict::OrderNotPaid => ProblemCode::OrderNotPaid,
            InvoicingConflict::NothingToInvoice => ProblemCode::NothingToInvoice,
            InvoicingConflict::Issued { .. } => ProblemCode::InvoiceIssued,
            InvoicingConflict::NotIssued => ProblemCode::InvoiceNotIssued,
        }
    }
}

/// Whether an order in `status` that cost `total` can be invoiced (DESIGN.md §6): only a paid
/// order, and only one that cost something (a trial is free).
pub fn check_invoiceable(status: OrderStatus, total: Money) -> Result<(), InvoicingConflict> {
    if status != OrderStatus::Paid {
        return Err(InvoicingConflict::OrderNotPaid);
    }
    if total.amount().is_zero() {
        return Err(InvoicingConflict::NothingToInvoice);
    }
    Ok(())
}

/// Whether a buyer may still change an invoice request: only until the batch issues it (an
/// issued invoice never changes). The store's conditional update decides between a change and
/// the batch; this names the refusal.
pub fn check_changeable(
    status: InvoiceStatus,
    number: Option<&str>,
) -> Result<(), InvoicingConflict> {
    match status {
        InvoiceStatus::Requested => Ok(()),
        InvoiceStatus::Issued => Err(InvoicingConflict::Issued {
            number: number.unwrap_or_default().to_owned(),
        }),
    }
}

/// Whether an invoice has a PDF: from its issue on.
pub fn check_printable(status: InvoiceStatus) -> Result<(), InvoicingConflict> {
    match status {
        InvoiceStatus::Issued => Ok(()),
        InvoiceStatus::Requested => Err(InvoicingConflict::NotIssued),
    }
}

fn present(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Checks that `details` are enough for a `kind` invoice in `region`.
pub fn check_request(
    region: Region,
    kind: InvoiceType,
    details: &BuyerDetails,
) -> Result<(), InvoiceRefusal> {
    if !kind.offered_in(region) {
        return Err(InvoiceRefusal::TypeNotOffered { kind, region });
    }
    details.check_text()?;
    let needed: &[(&'static str, &Option<String>)] = match kind {
        InvoiceType::VatOrdinary if details.company => &[
            ("title", &details.title),
            ("taxpayer_id", &details.taxpayer_id),
        ],
        InvoiceType::VatOrdinary | InvoiceType::Standard => &[("title", &details.title)],
        InvoiceType::VatSpecial => &[
            ("title", &details.title),
            ("taxpayer_id", &details.taxpayer_id),
            ("address", &details.address),
            ("phone", &details.phone),
            ("bank", &details.bank),
            ("account_number", &details.account_number),
        ],
    };
    let missing: Vec<&'static str> = needed
        .iter()
        .filter(|(_, value)| !present(value))
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(InvoiceRefusal::MissingFields { kind, missing });
    }
    if let Some(id) = details
        .taxpayer_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        let well_formed =
            (15..=20).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !well_formed {
            return Err(InvoiceRefusal::TaxpayerId(id.to_owned()));
        }
    }
    Ok(())
}

/// The net amount and the tax in a tax-inclusive `total` at `rate` (0.06 for 6 %): the tax is
/// `total − round(total / (1 + rate))`, so net + tax is the total to the cent.
pub fn vat_breakdown(total: Money, rate: Decimal) -> Result<(Money, Money), MoneyError> {
    let divisor = Decimal::ONE + rate;
    let net_amount = total
        .amount()
        .checked_div(divisor)
        .ok_or(MoneyError::Overflow)?;
    let net = Money::new(net_amount, total.currency()).round_to_minor();
    let tax = total.checked_sub(net)?.round_to_minor();
    Ok((net, tax))
}

/// An invoice number: series, year, and a six-digit sequence (`CN-VS-2026-000042`).
pub fn invoice_number(kind: InvoiceType, year: i32, sequence: u64) -> String {
    format!("{}-{year}-{sequence:06}", kind.series())
}

#[cfg(test)]
mod tests;
