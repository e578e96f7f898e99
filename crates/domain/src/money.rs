//! Money: a `Decimal` amount with its currency, never a float (DESIGN.md §2).
//!
//! Amounts are exact while they are computed and rounded to the currency's minor unit once, at
//! the line total, half away from zero ([`Money::round_to_minor`]). Two amounts in different
//! currencies never add up: [`Money::checked_add`] refuses.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use thiserror::Error;

use crate::stored::stored_enum;

stored_enum! {
    "UPPERCASE";
    /// The ISO 4217 currencies Entitle charges in. The account's region fixes which one applies.
    #[derive(PartialOrd, Ord)]
    pub enum Currency {
        /// Chinese yuan (region `cn`).
        Cny,
        /// US dollar (region `intl`).
        Usd,
    }
}

impl Currency {
    /// Every currency Entitle knows, in a stable order.
    pub const ALL: [Currency; 2] = [Currency::Cny, Currency::Usd];

    /// The ISO 4217 code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Digits after the decimal point in the currency's minor unit (fen, cent).
    pub fn minor_digits(self) -> u32 {
        2
    }
}

/// A currency is stored as its code; SeaORM asks every primary-key part to convert from a
/// row id, which a code never is (the product price table keys on one).
#[cfg(feature = "sea-orm")]
impl sea_orm::TryFromU64 for Currency {
    fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
        Err(sea_orm::DbErr::ConvertFromU64(
            "a currency is a code, never a number",
        ))
    }
}

/// Why an arithmetic step on money was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}: amounts are never converted")]
    CurrencyMismatch { left: Currency, right: Currency },
    /// The amount does not fit the arithmetic or the storage's integer minor units.
    #[error("amount out of range")]
    Overflow,
    /// The amount has more fractional digits than the currency's minor unit.
    #[error("{amount} has more than {digits} decimal places")]
    TooPrecise { amount: Decimal, digits: u32 },
}

/// An amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount as given, not rounded; use [`Money::round_to_minor`] at the line total.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in `currency`, the start of every sum.
    pub fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// An amount from integer minor units (fen, cents), the way the store keeps money.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money::new(Decimal::new(minor, currency.minor_digits()), currency)
    }

    /// The amount in integer minor units; refused when the amount has sub-minor digits (it was
    /// never rounded) or does not fit an `i64`.
    pub fn to_minor(self) -> Result<i64, MoneyError> {
        let digits = self.currency.minor_digits();
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(digits)))
            .ok_or(MoneyError::Overflow)?;
        if !scaled.fract().is_zero() {
            return Err(MoneyError::TooPrecise {
                amount: self.amount,
                digits,
            });
        }
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow)
    }

    /// The decimal amount.
    pub fn amount(self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The sum of two amounts in the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.combine(other, Decimal::checked_add)
    }

    /// The difference of two amounts in the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.combine(other, Decimal::checked_sub)
    }

    /// `op` on two amounts, refused when their currencies differ (amounts are never
    /// converted) or the result overflows.
    fn combine(
        self,
        other: Money,
        op: fn(Decimal, Decimal) -> Option<Decimal>,
    ) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        let amount = op(self.amount, other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The amount times a whole factor (a quantity, a number of months), not rounded.
    pub fn times(self, factor: u64) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(factor))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Rounded to the currency's minor unit, half away from zero: done once, at the line total.
    pub fn round_to_minor(self) -> Money {
        let mut amount = self.amount.round_dp_with_strategy(
            self.currency.minor_digits(),
            RoundingStrategy::MidpointAwayFromZero,
        );
        amount.rescale(self.currency.minor_digits());
        Money::new(amount, self.currency)
    }

    /// Whether the amount is exact to the currency's minor unit (catalog prices must be).
    pub fn is_minor_exact(self) -> bool {
        self.amount.normalize().scale() <= self.currency.minor_digits()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.round_to_minor().amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn line_totals_round_half_away_from_zero() {
        let up = Money::new(dec!(0.125), Currency::Usd).round_to_minor();
        assert_eq!(up.amount().to_string(), "0.13");
        let down = Money::new(dec!(-0.125), Currency::Usd).round_to_minor();
        assert_eq!(down.amount().to_string(), "-0.13");
        let below = Money::new(dec!(2.124999), Currency::Cny).round_to_minor();
        assert_eq!(below.amount().to_string(), "2.12");
    }

    #[test]
    fn rounded_amounts_always_carry_two_digits() {
        let whole = Money::new(dec!(199), Currency::Cny).round_to_minor();
        assert_eq!(whole.amount().to_string(), "199.00");
    }

    #[test]
    fn currencies_never_mix() {
        let yuan = Money::new(dec!(1), Currency::Cny);
        let dollar = Money::new(dec!(1), Currency::Usd);
        assert_eq!(
            yuan.checked_add(dollar),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::Cny,
                right: Currency::Usd
            })
        );
    }

    #[test]
    fn unrounded_amounts_do_not_become_minor_units() {
        let third = Money::new(dec!(0.333), Currency::Usd);
        assert!(matches!(
            third.to_minor(),
            Err(MoneyError::TooPrecise { .. })
        ));
    }

    #[test]
    fn large_amounts_with_cents_keep_every_digit() {
        let big = Money::new(dec!(92233720368547758.07), Currency::Cny);
        assert_eq!(big.to_minor(), Ok(i64::MAX));
        assert_eq!(Money::from_minor(i64::MAX, Currency::Cny), big);
    }

    proptest! {
        /// Minor units and decimal amounts are two spellings of the same value.
        #[test]
        fn minor_units_round_trip(minor in any::<i64>()) {
            let money = Money::from_minor(minor, Currency::Usd);
            prop_assert_eq!(money.to_minor(), Ok(minor));
        }

        /// Rounding moves an amount by at most half a minor unit, and rounding twice changes
        /// nothing.
        #[test]
        fn rounding_is_close_and_idempotent(mills in -1_000_000_000_i64..1_000_000_000) {
            let exact = Money::new(Decimal::new(mills, 3), Currency::Cny);
            let rounded = exact.round_to_minor();
            prop_assert!((rounded.amount() - exact.amount()).abs() <= dec!(0.005));
            prop_assert_eq!(rounded.round_to_minor(), rounded);
        }
    }
}
