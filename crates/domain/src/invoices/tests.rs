use crate::api::ProblemCode;
use chrono::{Duration, Weekday};
use rust_decimal_macros::dec;

use super::*;
use crate::calendar::utc;
use crate::money::Currency;

#[test]
fn only_a_paid_order_that_cost_something_is_invoiced() {
    let paid = Money::new(dec!(199.00), Currency::Cny);
    let free = Money::new(dec!(0), Currency::Cny);
    assert_eq!(check_invoiceable(OrderStatus::Paid, paid), Ok(()));
    assert_eq!(
        check_invoiceable(OrderStatus::Paid, free).map_err(|c| c.code()),
        Err(ProblemCode::NothingToInvoice)
    );
    for unpaid in [
        OrderStatus::PendingPayment,
        OrderStatus::Expired,
        OrderStatus::Canceled,
        OrderStatus::Failed,
    ] {
        assert_eq!(
            check_invoiceable(unpaid, paid).map_err(|c| c.code()),
            Err(ProblemCode::OrderNotPaid)
        );
    }
}

#[test]
fn an_issued_invoice_never_changes_and_only_an_issued_one_prints() {
    assert_eq!(check_changeable(InvoiceStatus::Requested, None), Ok(()));
    let refused =
        check_changeable(InvoiceStatus::Issued, Some("CN-VO-2026-000001")).expect_err("issued");
    assert_eq!(refused.code(), ProblemCode::InvoiceIssued);
    assert!(refused.to_string().contains("CN-VO-2026-000001"));
    assert_eq!(check_printable(InvoiceStatus::Issued), Ok(()));
    assert_eq!(
        check_printable(InvoiceStatus::Requested).map_err(|c| c.code()),
        Err(ProblemCode::InvoiceNotIssued)
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
        Err(ProblemCode::InvoiceDetailsInvalid)
    );
    assert_eq!(
        check_request(
            Region::Cn,
            InvoiceType::VatOrdinary,
            &BuyerDetails::default()
        )
        .map_err(|r| r.code()),
        Err(ProblemCode::InvoiceDetailsInvalid)
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
        Err(ProblemCode::InvoiceTypeNotAllowed)
    );
    assert_eq!(
        check_request(Region::Cn, InvoiceType::Standard, &named).map_err(|r| r.code()),
        Err(ProblemCode::InvoiceTypeNotAllowed)
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
    assert_eq!(
        refusal.map_err(|e| e.code()),
        Err(ProblemCode::ValidationFailed)
    );
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
    let tuesday = utc(2026, 11, 24, 10, 0);
    let monday_ten_cn = utc(2026, 11, 23, 2, 0);
    assert_eq!(schedule.last_due(tuesday), Some(monday_ten_cn));
    // Monday 09:59 in China: last week's batch.
    let just_before = monday_ten_cn - Duration::minutes(1);
    assert_eq!(
        schedule.last_due(just_before),
        Some(monday_ten_cn - Duration::days(7))
    );
    assert_eq!(schedule.last_due(monday_ten_cn), Some(monday_ten_cn));
    assert_eq!(
        schedule.next_after(tuesday),
        Some(monday_ten_cn + Duration::days(7))
    );
    assert_eq!(schedule.next_after(just_before), Some(monday_ten_cn));
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
