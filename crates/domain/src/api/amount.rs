//! Money on the wire: a decimal string with exactly the currency's minor digits (`"199.00"`).
//!
//! poem-openapi's own `Decimal` normalizes on output (`12.50` becomes `"12.5"`) and a JSON
//! number would go through a float, so amounts have their own type (DESIGN.md §11): a string
//! with a pattern in the spec. The currency travels beside it.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::money::{Currency, Money};

/// The pattern every amount matches, in and out.
pub const AMOUNT_PATTERN: &str = r"^-?[0-9]+\.[0-9]{2}$";

/// A decimal amount with exactly two fractional digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount(Decimal);

/// Why a string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{0:?} is not an amount: write a decimal string with exactly two decimals, like \"199.00\""
)]
pub struct InvalidAmount(pub String);

impl Amount {
    /// The amount of `money`, rounded to its minor unit.
    pub fn of(money: Money) -> Amount {
        Amount(money.round_to_minor().amount())
    }

    /// The decimal value.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// This amount in `currency`.
    pub fn in_currency(self, currency: Currency) -> Money {
        Money::new(self.0, currency)
    }
}

impl From<Money> for Amount {
    fn from(money: Money) -> Amount {
        Amount::of(money)
    }
}

impl FromStr for Amount {
    type Err = InvalidAmount;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let well_formed = digits.split_once('.').is_some_and(|(whole, fraction)| {
            !whole.is_empty()
                && whole.len() <= 18
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.len() == 2
                && fraction.bytes().all(|b| b.is_ascii_digit())
        });
        if !well_formed {
            return Err(InvalidAmount(s.to_owned()));
        }
        Decimal::from_str(s)
            .map(Amount)
            .map_err(|_| InvalidAmount(s.to_owned()))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0.round_dp(2);
        value.rescale(2);
        write!(f, "{value}")
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
mod openapi {
    use std::borrow::Cow;

    use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
    use poem_openapi::types::Type;
    use serde_json::Value;

    use super::{AMOUNT_PATTERN, Amount};

    impl Type for Amount {
        const IS_REQUIRED: bool = true;
        type RawValueType = Self;
        type RawElementValueType = Self;

        fn name() -> Cow<'static, str> {
            "Amount".into()
        }

        fn schema_ref() -> MetaSchemaRef {
            // No `format`: generators map `decimal` to a float (Go's `float64` cannot decode
            // "597.00"), and a float is what money must never be (issue 19).
            let mut schema = MetaSchema::new("string");
            schema.pattern = Some(AMOUNT_PATTERN.to_owned());
            schema.description = Some(
                "A decimal string with exactly the currency's two minor digits, e.g. \"199.00\".",
            );
            schema.example = Some(Value::String("199.00".to_owned()));
            MetaSchemaRef::Inline(Box::new(schema))
        }

        wire_text!(raw);
    }

    wire_text!(impl Amount);
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn amounts_go_out_with_two_decimals() {
        let amount = Amount::of(Money::new(dec!(12.5), Currency::Usd));
        assert_eq!(serde_json::to_string(&amount).expect("json"), "\"12.50\"");
        let whole = Amount::of(Money::new(dec!(199), Currency::Cny));
        assert_eq!(whole.to_string(), "199.00");
    }

    #[test]
    fn only_two_decimal_strings_are_amounts() {
        assert_eq!(
            "199.00".parse::<Amount>().map(Amount::value),
            Ok(dec!(199.00))
        );
        assert_eq!(
            "-0.50".parse::<Amount>().map(Amount::value),
            Ok(dec!(-0.50))
        );
        for bad in [
            "199", "199.0", "199.000", "1e3", ".50", "abc", "", "1.5O", "+1.00",
        ] {
            assert!(bad.parse::<Amount>().is_err(), "{bad:?} accepted");
        }
        assert!(
            serde_json::from_str::<Amount>("199.00").is_err(),
            "a JSON number accepted"
        );
    }
}
