//! The catalog: products as data, not code (DESIGN.md §1).
//!
//! The default catalog (DR, failback, the cloud editions) is seeded by a migration and edited
//! by an admin through the API; the rules below read only what a [`Product`] says about itself.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::AccountKind;
use crate::calendar::Cycle;
use crate::machines::Licensing;
use crate::money::{Currency, Money};
use crate::stored::stored_enum;

/// A product's stable identifier (`dr`, `premium_plus`): lowercase letters, digits and
/// underscores, starting with a letter, at most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductCode(String);

/// Why a product code was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "product code {0:?} must be 1-32 lowercase letters, digits or underscores, starting with a letter"
)]
pub struct InvalidProductCode(pub String);

impl ProductCode {
    /// Parses a code, refusing anything but `[a-z][a-z0-9_]{0,31}`.
    pub fn parse(code: &str) -> Result<Self, InvalidProductCode> {
        let mut chars = code.chars();
        let well_formed = code.len() <= 32
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if well_formed {
            Ok(ProductCode(code.to_owned()))
        } else {
            Err(InvalidProductCode(code.to_owned()))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProductCode {
    type Error = InvalidProductCode;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        ProductCode::parse(&code)
    }
}

impl From<ProductCode> for String {
    fn from(code: ProductCode) -> String {
        code.0
    }
}

impl fmt::Display for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

stored_enum! {
    "snake_case";
    /// How a product is sold.
    pub enum ProductKind {
        /// Sold by the cycle (month or year), may auto-renew.
        Term,
        /// Bought once by quantity, no cycle, never renews, valid for a fixed number of months.
        OneTime,
    }
}

/// One price of a product: per cycle (`None` for one-time products) and per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub cycle: Option<Cycle>,
    pub amount: Money,
}

/// What every paid term of a product grants on top (DESIGN.md §3: each DR unit brings one
/// failback license that ends with the term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BonusGrant {
    pub product: ProductCode,
    pub per_unit: u32,
}

/// A product as the catalog defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub code: ProductCode,
    pub name: String,
    pub kind: ProductKind,
    /// Products of one family are editions of one thing: an account holds at most one of
    /// them when `one_per_account`, and upgrades move up the family's tiers.
    pub family: String,
    /// The edition's rank inside its family (Premium 1, Premium Plus 2); `None` for products
    /// that are not editions.
    pub tier: Option<u32>,
    /// Quantity means seats, and seats can be added mid-term (Enterprise).
    pub seat_based: bool,
    /// Whether a subscription to it may renew itself at its period's end.
    pub auto_renewable: bool,
    /// Length of the free trial in days, when the product has one.
    pub trial_days: Option<u32>,
    /// For one-time products: months a unit stays valid after payment.
    pub validity_months: Option<u32>,
    /// What every paid term grants on top.
    pub bonus: Option<BonusGrant>,
    /// The only kind of account that may buy it, when restricted.
    pub account_kind: Option<AccountKind>,
    /// An account holds at most one live subscription in this product's family.
    pub one_per_account: bool,
    /// How its licenses bind to machines, their grace, heartbeats and moves (issue 22).
    pub licensing: Licensing,
    /// The most units one order may buy.
    pub max_quantity: u32,
    /// Inactive products stay in the catalog for the licenses already sold but cannot be bought.
    pub active: bool,
    pub prices: Vec<Price>,
}

impl Product {
    /// The price of one unit for one `cycle` (`None` for one-time products) in `currency`.
    pub fn price(&self, cycle: Option<Cycle>, currency: Currency) -> Option<Money> {
        self.prices
            .iter()
            .find(|p| p.cycle == cycle && p.amount.currency() == currency)
            .map(|p| p.amount)
    }

    /// The monthly price in `currency`, the unit of every proration (DESIGN.md §5).
    pub fn monthly_price(&self, currency: Currency) -> Option<Money> {
        self.price(Some(Cycle::Month), currency)
    }

    /// Whether `other` is an edition of the same family with a rank.
    pub fn same_family(&self, other: &Product) -> bool {
        self.family == other.family
    }
}

/// The annual price when the catalog does not set one: "buy a year, pay ten months"
/// (DESIGN.md §1).
pub fn default_annual_price(monthly: Money) -> Option<Money> {
    monthly.times(10).ok()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn product_codes_are_lowercase_identifiers() {
        assert!(ProductCode::parse("premium_plus").is_ok());
        assert!(ProductCode::parse("dr").is_ok());
        for bad in [
            "",
            "Premium",
            "9lives",
            "has space",
            "dash-ed",
            &"x".repeat(33),
        ] {
            assert!(ProductCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_year_defaults_to_ten_months() {
        let monthly = Money::new(dec!(19.90), Currency::Usd);
        assert_eq!(
            default_annual_price(monthly),
            Some(Money::new(dec!(199.00), Currency::Usd))
        );
    }

    #[test]
    fn prices_are_per_cycle_and_per_currency() {
        let product = crate::catalog::fixtures::dr();
        assert_eq!(
            product
                .price(Some(Cycle::Year), Currency::Cny)
                .map(Money::amount),
            Some(dec!(1990.00))
        );
        assert_eq!(product.price(None, Currency::Cny), None);
    }
}

/// The default catalog's products, for the domain's own tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::account::AccountKind;
    use crate::eligibility::Buyer;
    use crate::region::Region;

    /// An individual in China.
    pub const CN: Buyer = Buyer {
        kind: AccountKind::Individual,
        region: Region::Cn,
    };
    /// An individual elsewhere.
    pub const INTL: Buyer = Buyer {
        kind: AccountKind::Individual,
        region: Region::Intl,
    };
    /// An enterprise elsewhere.
    pub const ENTERPRISE_INTL: Buyer = Buyer {
        kind: AccountKind::Enterprise,
        region: Region::Intl,
    };

    fn prices(monthly_cny: Decimal, monthly_usd: Decimal) -> Vec<Price> {
        let mut prices = Vec::new();
        for (currency, monthly) in [(Currency::Cny, monthly_cny), (Currency::Usd, monthly_usd)] {
            let monthly = Money::new(monthly, currency);
            prices.push(Price {
                cycle: Some(Cycle::Month),
                amount: monthly,
            });
            prices.push(Price {
                cycle: Some(Cycle::Year),
                amount: default_annual_price(monthly).expect("small price"),
            });
        }
        prices
    }

    fn code(s: &str) -> ProductCode {
        ProductCode::parse(s).expect("valid code")
    }

    fn term(code_: &str, family: &str) -> Product {
        Product {
            code: code(code_),
            name: code_.to_owned(),
            kind: ProductKind::Term,
            family: family.to_owned(),
            tier: None,
            seat_based: false,
            auto_renewable: true,
            trial_days: None,
            validity_months: None,
            bonus: None,
            account_kind: None,
            one_per_account: false,
            licensing: Licensing::defaults(false),
            max_quantity: 1000,
            active: true,
            prices: Vec::new(),
        }
    }

    pub fn dr() -> Product {
        Product {
            bonus: Some(BonusGrant {
                product: code("failback"),
                per_unit: 1,
            }),
            licensing: Licensing {
                grace_days: 7,
                ..Licensing::defaults(true)
            },
            prices: prices(dec!(199.00), dec!(29.00)),
            ..term("dr", "dr")
        }
    }

    pub fn failback() -> Product {
        Product {
            kind: ProductKind::OneTime,
            auto_renewable: false,
            validity_months: Some(3),
            licensing: Licensing::defaults(true),
            prices: vec![
                Price {
                    cycle: None,
                    amount: Money::new(dec!(99.00), Currency::Cny),
                },
                Price {
                    cycle: None,
                    amount: Money::new(dec!(15.00), Currency::Usd),
                },
            ],
            ..term("failback", "failback")
        }
    }

    pub fn premium() -> Product {
        Product {
            tier: Some(1),
            trial_days: Some(14),
            account_kind: Some(AccountKind::Individual),
            one_per_account: true,
            max_quantity: 1,
            prices: prices(dec!(68.00), dec!(9.90)),
            ..term("premium", "cloud")
        }
    }

    pub fn premium_plus() -> Product {
        Product {
            tier: Some(2),
            account_kind: Some(AccountKind::Individual),
            one_per_account: true,
            max_quantity: 1,
            prices: prices(dec!(128.00), dec!(19.90)),
            ..term("premium_plus", "cloud")
        }
    }

    pub fn enterprise() -> Product {
        Product {
            tier: Some(1),
            seat_based: true,
            account_kind: Some(AccountKind::Enterprise),
            one_per_account: true,
            prices: prices(dec!(98.00), dec!(14.90)),
            ..term("enterprise", "enterprise")
        }
    }
}
