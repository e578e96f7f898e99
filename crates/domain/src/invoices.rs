//! Invoices (DESIGN.md §6): what a buyer must give for each type of invoice in each region,
//! the VAT broken out of a tax-inclusive total, numbering, and when the weekly batch is due.
//!
//! Region `cn` issues VAT invoices: an ordinary one needs a title and, for a company, the
//! taxpayer ID; a special one needs the company's name, taxpayer ID, registered address and
//! phone, bank and account number. Region `intl` issues a standard invoice, which needs the
//! buyer's name. Invoices are issued in a weekly batch (default Monday 10:00, UTC+8); an
//! issued invoice has a number sequential and without gaps per year and series, and never
//! changes.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, TimeZone, Utc, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::money::{Money, MoneyError};
use crate::orders::OrderStatus;
use crate::region::Region;
use crate::text::TextRefusal;

/// The kinds of invoice.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "sea-orm", sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum InvoiceType {
    /// 增值税普通发票 (region `cn`).
    VatOrdinary,
    /// 增值税专用发票 (region `cn`).
    VatSpecial,
    /// A standard invoice (region `intl`).
    Standard,
}

/// Where an invoice stands: requested by the buyer, then issued by the weekly batch (an issued
/// invoice never changes).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "sea-orm", sea_orm(value_type = "String"))]
pub enum InvoiceStatus {
    Requested,
    Issued,
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
    pub fn code(&self) -> &'static str {
        match self {
            InvoiceRefusal::TypeNotOffered { .. } => "invoice_type_not_allowed",
            InvoiceRefusal::MissingFields { .. } | InvoiceRefusal::TaxpayerId(_) => {
                "invoice_details_invalid"
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
    pub fn code(&self) -> &'static str {
        match self {
            InvoicingConflict::OrderNotPaid => "order_not_paid",
            InvoicingConflict::NothingToInvoice => "nothing_to_invoice",
            InvoicingConflict::Issued { .. } => "invoice_issued",
            InvoicingConflict::NotIssued => "invoice_not_issued",
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

/// When the weekly batch runs: a weekday and a time at a fixed UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSchedule {
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub offset: FixedOffset,
}

/// China's time: UTC+8 all year (no daylight saving).
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Ten in the morning.
const TEN: NaiveTime = match NaiveTime::from_hms_opt(10, 0, 0) {
    Some(time) => time,
    None => panic!("10:00 is a valid time"),
};

impl Default for BatchSchedule {
    /// Monday 10:00 Asia/Shanghai.
    fn default() -> Self {
        BatchSchedule {
            weekday: Weekday::Mon,
            time: TEN,
            offset: CHINA,
        }
    }
}

/// Why a batch schedule did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not a schedule like \"MON 10:00 +08:00\" (weekday, time, UTC offset)")]
pub struct InvalidSchedule(pub String);

impl std::str::FromStr for BatchSchedule {
    type Err = InvalidSchedule;

    /// Parses `"MON 10:00 +08:00"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidSchedule(s.to_owned());
        let mut parts = s.split_whitespace();
        let weekday: Weekday = parts
            .next()
            .ok_or_else(invalid)?
            .parse()
            .map_err(|_| invalid())?;
        let time = NaiveTime::parse_from_str(parts.next().ok_or_else(invalid)?, "%H:%M")
            .map_err(|_| invalid())?;
        let offset: FixedOffset = parts
            .next()
            .ok_or_else(invalid)?
            .parse()
            .map_err(|_| invalid())?;
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(BatchSchedule {
            weekday,
            time,
            offset,
        })
    }
}

impl BatchSchedule {
    /// The latest scheduled batch time at or before `now`: the batch that is due. A server
    /// that was down over it runs it once when it returns, because the batch is claimed by
    /// this instant.
    pub fn last_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.offset);
        let back =
            (7 + local.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7;
        let day = local.date_naive() - Duration::days(i64::from(back));
        let candidate = self
            .offset
            .from_local_datetime(&day.and_time(self.time))
            .single()?
            .with_timezone(&Utc);
        Some(if candidate > now {
            candidate - Duration::days(7)
        } else {
            candidate
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::money::Currency;

    #[test]
    fn only_a_paid_order_that_cost_something_is_invoiced() {
        let paid = Money::new(dec!(199.00), Currency::Cny);
        let free = Money::new(dec!(0), Currency::Cny);
        assert_eq!(check_invoiceable(OrderStatus::Paid, paid), Ok(()));
        assert_eq!(
            check_invoiceable(OrderStatus::Paid, free).map_err(|c| c.code()),
            Err("nothing_to_invoice")
        );
        for unpaid in [
            OrderStatus::PendingPayment,
            OrderStatus::Expired,
            OrderStatus::Canceled,
            OrderStatus::Failed,
        ] {
            assert_eq!(
                check_invoiceable(unpaid, paid).map_err(|c| c.code()),
                Err("order_not_paid")
            );
        }
    }

    #[test]
    fn an_issued_invoice_never_changes_and_only_an_issued_one_prints() {
        assert_eq!(check_changeable(InvoiceStatus::Requested, None), Ok(()));
        let refused =
            check_changeable(InvoiceStatus::Issued, Some("CN-VO-2026-000001")).expect_err("issued");
        assert_eq!(refused.code(), "invoice_issued");
        assert!(refused.to_string().contains("CN-VO-2026-000001"));
        assert_eq!(check_printable(InvoiceStatus::Issued), Ok(()));
        assert_eq!(
            check_printable(InvoiceStatus::Requested).map_err(|c| c.code()),
            Err("invoice_not_issued")
        );
    }

    fn special() -> BuyerDetails {
        BuyerDetails {
            title: Some("上海示例科技有限公司".to_owned()),
            company: true,
            taxpayer_id: Some("91310000MA1FL8XQ3R".to_owned()),
            address: Some("上海市浦东新区 1 号".to_owned()),
            phone: Some("021-12345678".to_owned()),
            bank: Some("招商银行上海分行".to_owned()),
            account_number: Some("6225880212345678".to_owned()),
        }
    }

    #[test]
    fn a_special_vat_invoice_needs_every_company_detail() {
        assert_eq!(
            check_request(Region::Cn, InvoiceType::VatSpecial, &special()),
            Ok(())
        );
        let without_bank = BuyerDetails {
            bank: None,
            account_number: Some(" ".to_owned()),
            ..special()
        };
        let refused = check_request(Region::Cn, InvoiceType::VatSpecial, &without_bank);
        assert_eq!(
            refused,
            Err(InvoiceRefusal::MissingFields {
                kind: InvoiceType::VatSpecial,
                missing: vec!["bank", "account_number"]
            })
        );
    }

    #[test]
    fn an_ordinary_vat_invoice_needs_a_title_and_for_a_company_the_taxpayer_id() {
        let person = BuyerDetails {
            title: Some("张三".to_owned()),
            ..BuyerDetails::default()
        };
        assert_eq!(
            check_request(Region::Cn, InvoiceType::VatOrdinary, &person),
            Ok(())
        );
        let company = BuyerDetails {
            company: true,
            ..person.clone()
        };
        assert_eq!(
            check_request(Region::Cn, InvoiceType::VatOrdinary, &company).map_err(|r| r.code()),
            Err("invoice_details_invalid")
        );
        assert_eq!(
            check_request(
                Region::Cn,
                InvoiceType::VatOrdinary,
                &BuyerDetails::default()
            )
            .map_err(|r| r.code()),
            Err("invoice_details_invalid")
        );
    }

    #[test]
    fn each_region_issues_its_own_types() {
        let named = BuyerDetails {
            title: Some("Acme GmbH".to_owned()),
            ..BuyerDetails::default()
        };
        assert_eq!(
            check_request(Region::Intl, InvoiceType::Standard, &named),
            Ok(())
        );
        assert_eq!(
            check_request(Region::Intl, InvoiceType::VatSpecial, &special()).map_err(|r| r.code()),
            Err("invoice_type_not_allowed")
        );
        assert_eq!(
            check_request(Region::Cn, InvoiceType::Standard, &named).map_err(|r| r.code()),
            Err("invoice_type_not_allowed")
        );
    }

    #[test]
    fn a_malformed_taxpayer_id_is_refused() {
        let bad = BuyerDetails {
            taxpayer_id: Some("123".to_owned()),
            ..special()
        };
        assert!(matches!(
            check_request(Region::Cn, InvoiceType::VatSpecial, &bad),
            Err(InvoiceRefusal::TaxpayerId(_))
        ));
    }

    #[test]
    fn a_control_character_in_a_detail_is_bad_input() {
        let bad = BuyerDetails {
            bank: Some("Bank\0".to_owned()),
            ..special()
        };
        let refusal = check_request(Region::Cn, InvoiceType::VatSpecial, &bad);
        assert_eq!(refusal.map_err(|e| e.code()), Err("validation_failed"));
        let two_lines = BuyerDetails {
            address: Some("Line 1\nLine 2".to_owned()),
            ..special()
        };
        assert_eq!(
            check_request(Region::Cn, InvoiceType::VatSpecial, &two_lines),
            Ok(())
        );
    }

    #[test]
    fn vat_is_broken_out_of_the_inclusive_total() {
        let (net, tax) =
            vat_breakdown(Money::new(dec!(5970.00), Currency::Cny), dec!(0.06)).expect("breakdown");
        assert_eq!(net.amount(), dec!(5632.08));
        assert_eq!(tax.amount(), dec!(337.92));
        let (net, tax) =
            vat_breakdown(Money::new(dec!(100.00), Currency::Usd), dec!(0)).expect("breakdown");
        assert_eq!((net.amount(), tax.amount()), (dec!(100.00), dec!(0.00)));
    }

    #[test]
    fn numbers_are_per_series_and_year() {
        assert_eq!(
            invoice_number(InvoiceType::VatSpecial, 2026, 42),
            "CN-VS-2026-000042"
        );
    }

    #[test]
    fn schedules_parse_from_weekday_time_and_offset() {
        assert_eq!("MON 10:00 +08:00".parse(), Ok(BatchSchedule::default()));
        let friday: BatchSchedule = "fri 17:30 -05:00".parse().expect("valid");
        assert_eq!(friday.weekday, Weekday::Fri);
        assert!("MON 25:00 +08:00".parse::<BatchSchedule>().is_err());
        assert!("MON 10:00".parse::<BatchSchedule>().is_err());
    }

    #[test]
    fn the_batch_due_is_the_last_monday_ten_oclock_in_china() {
        let schedule = BatchSchedule::default();
        // Tuesday 2026-11-24 10:00 UTC is Tuesday 18:00 in China: Monday's batch is due.
        let tuesday = Utc
            .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
            .single()
            .expect("valid");
        let monday_ten_cn = Utc
            .with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(schedule.last_due(tuesday), Some(monday_ten_cn));
        // Monday 09:59 in China: last week's batch.
        let just_before = monday_ten_cn - Duration::minutes(1);
        assert_eq!(
            schedule.last_due(just_before),
            Some(monday_ten_cn - Duration::days(7))
        );
        assert_eq!(schedule.last_due(monday_ten_cn), Some(monday_ten_cn));
    }

    proptest::proptest! {
        /// Net plus tax is always the total, and the tax is never negative.
        #[test]
        fn net_plus_tax_is_the_total(cents in 0i64..100_000_000_000, rate_bp in 0i64..3000) {
            let total = Money::from_minor(cents, Currency::Cny);
            let (net, tax) = vat_breakdown(total, Decimal::new(rate_bp, 4)).expect("breakdown");
            proptest::prop_assert_eq!(net.checked_add(tax).expect("same currency"), total);
            proptest::prop_assert!(!tax.amount().is_sign_negative());
        }
    }
}
