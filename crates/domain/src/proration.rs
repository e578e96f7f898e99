//! Prorated charges for the time left in a period (DESIGN.md §5): edition upgrades and
//! enterprise seat additions. Both bill a monthly price for [`billable_months`] of the
//! [`months_left`] to the period's end, which never moves.

use chrono::{DateTime, Utc};

use crate::calendar::months_left;
use crate::catalog::Product;
use crate::eligibility::{Buyer, check_product_for};
use crate::money::Money;
use crate::quote::{Coverage, LineKind, Quote, QuoteLine};
use crate::refusal::{Refusal, UpgradeRefusal};
use crate::subscription::HeldSubscription;

/// Billable months for `n` months left: every whole year costs ten months ("buy a year, pay
/// ten"), and the months beyond the last whole year cost one each but never more than ten:
/// `10 × (n div 12) + min(n mod 12, 10)`. 13 months bill 11, 12 bill 10, 11 bill 10.
pub fn billable_months(n: u32) -> u32 {
    10 * (n / 12) + (n % 12).min(10)
}

/// The monthly price of `product` in the buyer's currency, or the refusal that says it is
/// missing.
fn monthly_price(product: &Product, buyer: Buyer) -> Result<Money, Refusal> {
    let currency = buyer.region.currency();
    product
        .monthly_price(currency)
        .ok_or_else(|| Refusal::PriceNotSet {
            product: product.code.clone(),
            cycle: Some(crate::calendar::Cycle::Month),
            currency,
        })
}

/// Which upgrade, if any, the rules allow from `current` to `target` for `held` at `now`.
///
/// Only a paid, live subscription moves up its own family's tiers: a trial (running or ended)
/// buys first, an edition never goes back down, and an individual edition never becomes
/// Enterprise (an enterprise account registers anew).
pub fn check_upgrade(
    held: &HeldSubscription,
    current: &Product,
    target: &Product,
    now: DateTime<Utc>,
) -> Result<(), UpgradeRefusal> {
    let (from, to) = (current.code.clone(), target.code.clone());
    if held.trial {
        return Err(UpgradeRefusal::Trial { current: from });
    }
    if !held.is_live_at(now) {
        return Err(UpgradeRefusal::NotActive { current: from });
    }
    if from == to {
        return Err(UpgradeRefusal::SameEdition { current: from });
    }
    if !current.same_family(target) {
        return Err(if target.seat_based || target.family == "enterprise" {
            UpgradeRefusal::ToEnterprise { from, to }
        } else {
            UpgradeRefusal::OtherFamily { from, to }
        });
    }
    match (current.tier, target.tier) {
        (Some(from_tier), Some(to_tier)) if to_tier > from_tier => Ok(()),
        (Some(_), Some(_)) => Err(UpgradeRefusal::Downgrade { from, to }),
        _ => Err(UpgradeRefusal::OtherFamily { from, to }),
    }
}

/// Prices the upgrade of `held` (an edition `current`) to `target` at `now`: billable months
/// left × (target's monthly price − current's monthly price) per unit. The period's end does
/// not change (DESIGN.md §5).
pub fn quote_upgrade(
    buyer: Buyer,
    held: &HeldSubscription,
    current: &Product,
    target: &Product,
    now: DateTime<Utc>,
) -> Result<Quote, Refusal> {
    check_upgrade(held, current, target, now)?;
    check_product_for(buyer, target)?;
    let difference = monthly_price(target, buyer)?.checked_sub(monthly_price(current, buyer)?)?;
    let left = months_left(now, held.current_period_end);
    let billed = billable_months(left);
    let mut line = QuoteLine::priced(
        LineKind::Upgrade,
        target.code.clone(),
        held.quantity,
        difference,
        billed,
    )?;
    line.months_billed = Some(billed);
    line.months_left = Some(left);
    Quote::from_lines(
        difference.currency(),
        vec![line],
        Coverage {
            start: now,
            end: held.current_period_end,
        },
    )
}

/// Prices `seats` new seats on the seat-based subscription `held` at `now`: per seat, the
/// monthly price × billable months left; all seats end together with the subscription.
pub fn quote_add_seats(
    buyer: Buyer,
    held: &HeldSubscription,
    product: &Product,
    seats: u32,
    now: DateTime<Utc>,
) -> Result<Quote, Refusal> {
    if !product.seat_based {
        return Err(Refusal::SeatsNotAllowed {
            product: product.code.clone(),
        });
    }
    check_product_for(buyer, product)?;
    if held.trial || !held.is_live_at(now) {
        return Err(Refusal::SubscriptionNotActive);
    }
    let room = product.max_quantity.saturating_sub(held.quantity);
    if !(1..=room).contains(&seats) {
        return Err(Refusal::QuantityOutOfRange {
            min: 1,
            max: room,
            got: seats,
        });
    }
    let unit = monthly_price(product, buyer)?;
    let left = months_left(now, held.current_period_end);
    let billed = billable_months(left);
    let mut line = QuoteLine::priced(LineKind::Seats, product.code.clone(), seats, unit, billed)?;
    line.months_billed = Some(billed);
    line.months_left = Some(left);
    Quote::from_lines(
        unit.currency(),
        vec![line],
        Coverage {
            start: now,
            end: held.current_period_end,
        },
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::account::AccountKind;
    use crate::calendar::{Cycle, add_months};
    use crate::catalog::fixtures;
    use crate::region::Region;
    use crate::subscription::SubscriptionStatus;

    const CN: Buyer = Buyer {
        kind: AccountKind::Individual,
        region: Region::Cn,
    };
    const ENTERPRISE_INTL: Buyer = Buyer {
        kind: AccountKind::Enterprise,
        region: Region::Intl,
    };

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 8, 0, 0)
            .single()
            .expect("valid")
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
                Some("upgrade_not_allowed")
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
        let quote =
            quote_add_seats(ENTERPRISE_INTL, &held, &enterprise, 5, now()).expect("allowed");
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
            Err("seats_not_allowed")
        );
        let enterprise = fixtures::enterprise();
        let ended = paid(&enterprise, now() - Duration::days(1));
        assert_eq!(
            quote_add_seats(ENTERPRISE_INTL, &ended, &enterprise, 1, now()).map_err(|r| r.code()),
            Err("subscription_not_active")
        );
        let live = paid(&enterprise, now() + Duration::days(30));
        assert_eq!(
            quote_add_seats(ENTERPRISE_INTL, &live, &enterprise, 0, now()).map_err(|r| r.code()),
            Err("quantity_out_of_range")
        );
    }

    proptest! {
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
}
