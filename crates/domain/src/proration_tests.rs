//! The proration rules' tests: billable months, upgrades and their refusals, seats.

use crate::api::ProblemCode;
use crate::calendar::utc;
use chrono::Duration;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::calendar::{Cycle, add_months};
use crate::catalog::ProductCode;
use crate::catalog::fixtures::{self, CN, ENTERPRISE_INTL};
use crate::subscription::SubscriptionStatus;

fn now() -> DateTime<Utc> {
    utc(2026, 3, 10, 8, 0)
}

fn paid(product: &Product, end: DateTime<Utc>) -> HeldSubscription {
    HeldSubscription {
        product: product.code.clone(),
        cycle: Cycle::Year,
        quantity: 1,
        status: SubscriptionStatus::Active,
        trial: false,
        current_period_end: end,
    }
}

fn refusal_reason(result: Result<Quote, Refusal>) -> Option<&'static str> {
    result.err().and_then(|r| r.reason())
}

#[test]
fn billable_months_follow_the_ten_months_a_year_rule() {
    let table = [
        (0, 0),
        (1, 1),
        (4, 4),
        (10, 10),
        (11, 10),
        (12, 10),
        (13, 11),
        (22, 20),
        (23, 20),
        (24, 20),
        (25, 21),
        (36, 30),
    ];
    for (left, billed) in table {
        assert_eq!(billable_months(left), billed, "{left} months left");
    }
}

#[test]
fn upgrade_with_100_days_left_bills_four_months_of_the_difference() {
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    let held = paid(&premium, now() + Duration::days(100));
    let quote = quote_upgrade(CN, &held, &premium, &plus, now()).expect("allowed");
    let line = &quote.lines[0];
    assert_eq!(line.months_left, Some(4));
    assert_eq!(line.months_billed, Some(4));
    // (128.00 - 68.00) × 4
    assert_eq!(line.unit_price.amount(), dec!(60.00));
    assert_eq!(quote.total.amount(), dec!(240.00));
    assert_eq!(quote.coverage.end, held.current_period_end);
}

#[test]
fn upgrade_with_13_months_left_bills_11() {
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    let held = paid(&premium, add_months(now(), 13).expect("in range"));
    let quote = quote_upgrade(CN, &held, &premium, &plus, now()).expect("allowed");
    assert_eq!(quote.lines[0].months_left, Some(13));
    assert_eq!(quote.lines[0].months_billed, Some(11));
    assert_eq!(quote.total.amount(), dec!(660.00));
}

#[test]
fn a_trial_cannot_be_upgraded_running_or_ended() {
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    let running = HeldSubscription {
        trial: true,
        ..paid(&premium, now() + Duration::days(10))
    };
    let ended = HeldSubscription {
        trial: true,
        status: SubscriptionStatus::Expired,
        ..paid(&premium, now() - Duration::days(10))
    };
    for held in [running, ended] {
        let result = quote_upgrade(CN, &held, &premium, &plus, now());
        assert_eq!(
            result.as_ref().map_err(Refusal::code).err(),
            Some(ProblemCode::UpgradeNotAllowed)
        );
        assert_eq!(refusal_reason(result), Some("trial"));
    }
}

#[test]
fn premium_plus_cannot_go_back_to_premium() {
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    let held = paid(&plus, now() + Duration::days(100));
    assert_eq!(
        refusal_reason(quote_upgrade(CN, &held, &plus, &premium, now())),
        Some("downgrade")
    );
}

#[test]
fn premium_cannot_become_enterprise() {
    let (premium, enterprise) = (fixtures::premium(), fixtures::enterprise());
    let held = paid(&premium, now() + Duration::days(100));
    let refusal = quote_upgrade(CN, &held, &premium, &enterprise, now()).expect_err("refused");
    assert_eq!(refusal.reason(), Some("enterprise_requires_new_account"));
    assert!(
        refusal
            .to_string()
            .contains("register an enterprise account")
    );
}

#[test]
fn an_edition_sold_to_enterprise_accounts_requires_a_new_account_whatever_its_family() {
    let premium = fixtures::premium();
    let held = paid(&premium, now() + Duration::days(100));
    let business = Product {
        code: ProductCode::parse("business").expect("valid code"),
        family: "business".to_owned(),
        seat_based: false,
        ..fixtures::enterprise()
    };
    let by_the_seat = Product {
        code: ProductCode::parse("team").expect("valid code"),
        family: "team".to_owned(),
        account_kind: None,
        ..fixtures::enterprise()
    };
    for target in [business, by_the_seat] {
        assert_eq!(
            check_upgrade(&held, &premium, &target, now()).map_err(|r| r.reason()),
            Err("enterprise_requires_new_account"),
            "{}",
            target.code
        );
    }
}

#[test]
fn another_family_for_any_account_is_a_new_purchase() {
    let (premium, dr) = (fixtures::premium(), fixtures::dr());
    let held = paid(&premium, now() + Duration::days(100));
    assert_eq!(
        check_upgrade(&held, &premium, &dr, now()).map_err(|r| r.reason()),
        Err("other_family")
    );
}

#[test]
fn an_upgrade_is_a_higher_tier_of_the_same_family() {
    let edition = |family, tier| Edition { family, tier };
    assert!(is_upgrade(
        edition("cloud", Some(1)),
        edition("cloud", Some(2))
    ));
    assert!(!is_upgrade(
        edition("cloud", Some(2)),
        edition("cloud", Some(1))
    ));
    assert!(!is_upgrade(
        edition("cloud", Some(1)),
        edition("cloud", Some(1))
    ));
    assert!(!is_upgrade(
        edition("cloud", Some(1)),
        edition("enterprise", Some(2))
    ));
    assert!(!is_upgrade(edition("dr", None), edition("dr", Some(1))));
    assert!(!is_upgrade(
        edition("cloud", Some(1)),
        edition("cloud", None)
    ));
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    assert!(is_upgrade((&premium).into(), (&plus).into()));
}

#[test]
fn an_expired_or_past_due_subscription_cannot_be_upgraded() {
    let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
    let ended = paid(&premium, now() - Duration::days(1));
    let past_due = HeldSubscription {
        status: SubscriptionStatus::PastDue,
        ..paid(&premium, now() + Duration::days(5))
    };
    for held in [ended, past_due] {
        assert_eq!(
            refusal_reason(quote_upgrade(CN, &held, &premium, &plus, now())),
            Some("not_active")
        );
    }
}

#[test]
fn upgrading_to_the_same_edition_is_refused() {
    let premium = fixtures::premium();
    let held = paid(&premium, now() + Duration::days(100));
    assert_eq!(
        refusal_reason(quote_upgrade(CN, &held, &premium, &premium, now())),
        Some("same_edition")
    );
}

#[test]
fn seats_bill_the_monthly_price_for_billable_months_left() {
    let enterprise = fixtures::enterprise();
    let held = HeldSubscription {
        quantity: 10,
        ..paid(
            &enterprise,
            add_months(now(), 5).expect("in range") + Duration::hours(1),
        )
    };
    let quote = quote_add_seats(ENTERPRISE_INTL, &held, &enterprise, 5, now()).expect("allowed");
    let line = &quote.lines[0];
    assert_eq!(line.months_left, Some(6));
    assert_eq!(line.months_billed, Some(6));
    // 14.90 × 5 seats × 6 months
    assert_eq!(quote.total.amount(), dec!(447.00));
    assert_eq!(quote.coverage.end, held.current_period_end);
}

#[test]
fn seats_are_only_for_seat_based_live_subscriptions() {
    let premium = fixtures::premium();
    let held = paid(&premium, now() + Duration::days(30));
    assert_eq!(
        quote_add_seats(CN, &held, &premium, 1, now()).map_err(|r| r.code()),
        Err(ProblemCode::SeatsNotAllowed)
    );
    let enterprise = fixtures::enterprise();
    let ended = paid(&enterprise, now() - Duration::days(1));
    assert_eq!(
        quote_add_seats(ENTERPRISE_INTL, &ended, &enterprise, 1, now()).map_err(|r| r.code()),
        Err(ProblemCode::SubscriptionNotActive)
    );
    let live = paid(&enterprise, now() + Duration::days(30));
    assert_eq!(
        quote_add_seats(ENTERPRISE_INTL, &live, &enterprise, 0, now()).map_err(|r| r.code()),
        Err(ProblemCode::QuantityOutOfRange)
    );
}

fn any_edition() -> impl Strategy<Value = (&'static str, Option<u32>)> {
    (
        prop_oneof![Just("cloud"), Just("dr")],
        proptest::option::of(0u32..4),
    )
}

proptest! {
    /// Upgrades only go up: never to itself, never both ways, and up twice is up.
    #[test]
    fn upgrades_are_a_strict_order_within_a_family(
        a in any_edition(), b in any_edition(), c in any_edition()
    ) {
        let [a, b, c] = [a, b, c].map(|(family, tier)| Edition { family, tier });
        prop_assert!(!is_upgrade(a, a));
        prop_assert!(!(is_upgrade(a, b) && is_upgrade(b, a)));
        if is_upgrade(a, b) && is_upgrade(b, c) {
            prop_assert!(is_upgrade(a, c));
        }
        if is_upgrade(a, b) {
            prop_assert_eq!(a.family, b.family);
        }
    }

    /// Billable months never decrease as months left grow, and never exceed them.
    #[test]
    fn billable_months_are_monotone_and_bounded(n in 0u32..10_000) {
        prop_assert!(billable_months(n + 1) >= billable_months(n));
        prop_assert!(billable_months(n) <= n);
    }

    /// A whole year more always bills exactly ten months more.
    #[test]
    fn each_whole_year_bills_ten_months(n in 0u32..10_000) {
        prop_assert_eq!(billable_months(n + 12), billable_months(n) + 10);
    }

    /// An upgrade costs the monthly difference for exactly the billable months left, and
    /// costs less (or the same) the later it is bought.
    #[test]
    fn upgrade_cost_is_the_rule_and_shrinks_over_time(
        days_left in 1i64..1100, days_later in 0i64..1100
    ) {
        let (premium, plus) = (fixtures::premium(), fixtures::premium_plus());
        let held = paid(&premium, now() + Duration::days(days_left));
        let quote = quote_upgrade(CN, &held, &premium, &plus, now()).expect("allowed");
        let billed = billable_months(months_left(now(), held.current_period_end));
        prop_assert_eq!(quote.total.amount(), dec!(60.00) * Decimal::from(billed));
        let later = now() + Duration::days(days_later);
        if let Ok(later_quote) = quote_upgrade(CN, &held, &premium, &plus, later) {
            prop_assert!(later_quote.total.amount() <= quote.total.amount());
        }
    }
}
