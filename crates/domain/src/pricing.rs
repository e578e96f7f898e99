//! Pricing a new purchase (DESIGN.md §3): unit price for the chosen cycle in the region's
//! currency × quantity × cycles paid up front. A DR term adds a free line for its bonus
//! failback licenses.

use chrono::{DateTime, Utc};

use crate::calendar::{Cycle, add_months};
use crate::catalog::Product;
use crate::eligibility::{Buyer, check_cycle, check_periods, check_product_for, check_quantity};
use crate::money::Money;
use crate::quote::{Coverage, LineKind, Quote, QuoteLine};
use crate::refusal::Refusal;
use crate::subscription::HeldSubscription;

/// What the customer chose in the subscribe flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseChoice {
    /// The billing cycle, for term products.
    pub cycle: Option<Cycle>,
    pub quantity: u32,
    /// Cycles paid up front (1 for one-time products).
    pub periods: u32,
}

/// A product sold once per account cannot be bought again while a paid subscription in its
/// family is held (a trial can be replaced by buying). Checked when pricing, and again by the
/// store inside the transaction that inserts the order.
pub fn check_not_held(
    product: &Product,
    held_in_family: Option<&HeldSubscription>,
) -> Result<(), Refusal> {
    if product.one_per_account && held_in_family.is_some_and(|held| !held.trial) {
        return Err(Refusal::AlreadySubscribed {
            family: product.family.clone(),
        });
    }
    Ok(())
}

/// Prices a new purchase of `product` by `buyer` at `now`.
///
/// `held_in_family` is the account's live subscription in the product's family, if any: a
/// product sold one per account cannot be bought again while a paid one is held (a trial can
/// be replaced by buying).
pub fn quote_purchase(
    buyer: Buyer,
    product: &Product,
    choice: PurchaseChoice,
    held_in_family: Option<&HeldSubscription>,
    now: DateTime<Utc>,
) -> Result<Quote, Refusal> {
    check_product_for(buyer, product)?;
    check_cycle(product, choice.cycle)?;
    check_quantity(product, choice.quantity)?;
    check_periods(choice.cycle, choice.periods)?;
    check_not_held(product, held_in_family)?;

    let currency = buyer.region.currency();
    let unit_price = product
        .price(choice.cycle, currency)
        .ok_or_else(|| Refusal::PriceNotSet {
            product: product.code.clone(),
            cycle: choice.cycle,
            currency,
        })?;

    let months = match choice.cycle {
        Some(cycle) => cycle.months() * choice.periods,
        None => product.validity_months.unwrap_or(0),
    };
    let end = add_months(now, months).ok_or(Refusal::AmountOutOfRange)?;

    let mut line = QuoteLine::priced(
        LineKind::Purchase,
        product.code.clone(),
        choice.quantity,
        unit_price,
        choice.periods,
    )?;
    line.periods = choice.cycle.map(|_| choice.periods);
    let mut lines = vec![line];

    if let (Some(bonus), Some(_)) = (&product.bonus, choice.cycle) {
        lines.push(QuoteLine::priced(
            LineKind::Bonus,
            bonus.product.clone(),
            choice.quantity * bonus.per_unit,
            Money::zero(currency),
            1,
        )?);
    }

    Quote::from_lines(currency, lines, Coverage { start: now, end })
}

/// Prices the renewal of `quantity` × `product` for one more `cycle` from `start` to `end`
/// in `currency`. A renewal continues what was bought: it is priced at the catalog's current
/// price but not refused for a product since withdrawn from sale.
pub fn quote_renewal(
    product: &Product,
    cycle: Cycle,
    quantity: u32,
    currency: crate::money::Currency,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Quote, Refusal> {
    let unit_price = product
        .price(Some(cycle), currency)
        .ok_or_else(|| Refusal::PriceNotSet {
            product: product.code.clone(),
            cycle: Some(cycle),
            currency,
        })?;
    let mut line = QuoteLine::priced(
        LineKind::Purchase,
        product.code.clone(),
        quantity,
        unit_price,
        1,
    )?;
    line.periods = Some(1);
    let mut lines = vec![line];
    if let Some(bonus) = &product.bonus {
        lines.push(QuoteLine::priced(
            LineKind::Bonus,
            bonus.product.clone(),
            quantity * bonus.per_unit,
            Money::zero(currency),
            1,
        )?);
    }
    Quote::from_lines(currency, lines, Coverage { start, end })
}

#[cfg(test)]
mod tests {
    use crate::api::ProblemCode;
    use crate::calendar::utc;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::catalog::fixtures::{self, CN, INTL};
    use crate::money::Currency;
    use crate::subscription::SubscriptionStatus;

    fn now() -> DateTime<Utc> {
        utc(2026, 1, 31, 9, 30)
    }

    /// The quote of a first purchase (nothing held), at [`now`].
    fn first_quote(buyer: Buyer, product: &Product, choice: PurchaseChoice) -> Quote {
        quote_purchase(buyer, product, choice, None, now()).expect("priced")
    }

    fn choice(cycle: Option<Cycle>, quantity: u32, periods: u32) -> PurchaseChoice {
        PurchaseChoice {
            cycle,
            quantity,
            periods,
        }
    }

    #[test]
    fn three_annual_dr_licenses_in_cny_with_three_bonus_failbacks() {
        let quote = quote_purchase(
            CN,
            &fixtures::dr(),
            choice(Some(Cycle::Year), 3, 1),
            None,
            now(),
        )
        .expect("priced");
        assert_eq!(quote.currency, Currency::Cny);
        assert_eq!(quote.lines[0].unit_price.amount(), dec!(1990.00));
        assert_eq!(quote.lines[0].total.amount(), dec!(5970.00));
        assert_eq!(quote.lines[1].kind, LineKind::Bonus);
        assert_eq!(quote.lines[1].product.as_str(), "failback");
        assert_eq!(quote.lines[1].quantity, 3);
        assert_eq!(quote.total.amount(), dec!(5970.00));
        assert_eq!(quote.coverage.end, utc(2027, 1, 31, 9, 30));
    }

    #[test]
    fn monthly_periods_paid_up_front_multiply_and_extend() {
        let quote = quote_purchase(
            INTL,
            &fixtures::dr(),
            choice(Some(Cycle::Month), 2, 3),
            None,
            now(),
        )
        .expect("priced");
        assert_eq!(quote.total.amount(), dec!(174.00));
        assert_eq!(quote.lines[0].periods, Some(3));
        // Jan 31 + 3 months, from the anchor: Apr 30.
        assert_eq!(quote.coverage.end, utc(2026, 4, 30, 9, 30));
    }

    #[test]
    fn failback_is_bought_by_quantity_and_valid_three_months() {
        let quote = first_quote(CN, &fixtures::failback(), choice(None, 2, 1));
        assert_eq!(quote.lines.len(), 1);
        assert_eq!(quote.total.amount(), dec!(198.00));
        assert_eq!(quote.lines[0].periods, None);
        assert_eq!(quote.coverage.end, utc(2026, 4, 30, 9, 30));
    }

    #[test]
    fn a_second_paid_premium_is_refused_but_a_trial_can_be_replaced() {
        let held = HeldSubscription {
            product: fixtures::premium().code,
            cycle: Cycle::Month,
            quantity: 1,
            status: SubscriptionStatus::Active,
            trial: false,
            current_period_end: now(),
        };
        let premium = fixtures::premium();
        let pick = choice(Some(Cycle::Month), 1, 1);
        assert_eq!(
            quote_purchase(CN, &premium, pick, Some(&held), now()).map_err(|r| r.code()),
            Err(ProblemCode::AlreadySubscribed)
        );
        let trial = HeldSubscription {
            trial: true,
            ..held
        };
        assert!(quote_purchase(CN, &premium, pick, Some(&trial), now()).is_ok());
    }

    #[test]
    fn a_renewal_costs_one_cycle_at_the_current_price_even_off_sale() {
        let dr = Product {
            active: false,
            ..fixtures::dr()
        };
        let end = now() + chrono::Duration::days(28);
        let quote = quote_renewal(&dr, Cycle::Month, 3, Currency::Cny, now(), end).expect("priced");
        assert_eq!(quote.total.amount(), dec!(597.00));
        assert_eq!(
            quote.lines[1].quantity, 3,
            "bonus failback for the new term"
        );
        assert_eq!(quote.coverage.end, end);
    }

    #[test]
    fn a_missing_price_is_a_refusal_not_zero() {
        let mut dr = fixtures::dr();
        dr.prices.retain(|p| p.amount.currency() != Currency::Usd);
        assert_eq!(
            quote_purchase(INTL, &dr, choice(Some(Cycle::Year), 1, 1), None, now())
                .map_err(|r| r.code()),
            Err(ProblemCode::PriceNotSet)
        );
    }

    proptest! {
        /// A quote's total is the sum of its lines, each line is its unit price × quantity ×
        /// periods, and buying more never costs less.
        #[test]
        fn the_total_is_the_sum_of_the_lines(
            quantity in 1u32..1000, periods in 1u32..=3, annual in any::<bool>(), cn in any::<bool>()
        ) {
            let cycle = if annual { Cycle::Year } else { Cycle::Month };
            let buyer = if cn { CN } else { INTL };
            let quote = quote_purchase(buyer, &fixtures::dr(), choice(Some(cycle), quantity, periods), None, now())
                .expect("priced");
            let sum = quote.lines.iter().map(|l| l.total.amount()).sum::<rust_decimal::Decimal>();
            prop_assert_eq!(quote.total.amount(), sum);
            let line = &quote.lines[0];
            prop_assert_eq!(
                line.total.amount(),
                line.unit_price.amount() * rust_decimal::Decimal::from(quantity * periods)
            );
            let more = quote_purchase(buyer, &fixtures::dr(), choice(Some(cycle), quantity + 1, periods), None, now())
                .expect("priced");
            prop_assert!(more.total.amount() > quote.total.amount());
        }
    }
}
