//! The catalog on the wire, and the admin's product definitions.
//!
//! A little over 400 lines with its tests: the product's wire form and its validation belong
//! together.

use super::nullable::Nullable;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::amount::Amount;
use super::machines::{InvalidLicensing, LicensingInput, LicensingView};
use crate::account::AccountKind;
use crate::calendar::Cycle;
use crate::catalog::{
    BonusGrant, InvalidProductCode, Price, Product, ProductCode, ProductKind, default_annual_price,
};
use crate::eligibility;
use crate::money::Currency;
use crate::proration::{self, Edition};
use crate::text::{self, TextRefusal, check_free_text, check_optional};

/// A price: per cycle (`null` for one-time products) and per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PriceEntry {
    /// `month` or `year`; absent for a one-time product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub cycle: Option<Cycle>,
    /// The currency of `amount`: `CNY` or `USD`.
    pub currency: Currency,
    pub amount: Amount,
}

/// What every paid term grants on top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Bonus {
    /// The product granted.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 32)))]
    pub product: String,
    /// Units granted per unit bought.
    pub per_unit: u32,
}

/// A product and its rules, with its prices in every currency. `account_kind`, when set, is
/// the only kind of account that may buy it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProductView {
    /// The product's stable code (`dr`, `premium_plus`), used in quotes and orders.
    pub code: String,
    /// Its display name.
    pub name: String,
    /// `term` (sold by the cycle) or `one_time` (bought once, valid for `validity_months`).
    pub kind: ProductKind,
    /// Editions of one family: held one per account when `one_per_account`, upgraded by tier.
    pub family: String,
    /// The edition's rank in its family (higher is more).
    pub tier: Nullable<u32>,
    /// Quantity means seats, and seats can be added mid-term.
    pub seat_based: bool,
    /// Whether a subscription to it may renew itself at its period's end.
    pub auto_renewable: bool,
    /// Days of free trial, when the product has one.
    pub trial_days: Nullable<u32>,
    /// One-time products: months each unit stays valid after payment.
    pub validity_months: Nullable<u32>,
    /// What every paid term grants on top; absent when nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub bonus: Option<Bonus>,
    /// The only kind of account that may buy it; absent when both may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub account_kind: Option<AccountKind>,
    /// An account holds at most one live subscription in its family.
    pub one_per_account: bool,
    /// Each unit is activated on one machine at a time (`licensing.binding` is not
    /// `unbound`).
    pub host_bound: bool,
    /// How its licenses bind to machines, their grace, heartbeats and moves.
    pub licensing: LicensingView,
    /// The most units one order may buy.
    pub max_quantity: u32,
    /// Whether it can be bought now.
    pub active: bool,
    /// Its prices, by cycle (one-time, month, year), then by currency.
    pub prices: Vec<PriceEntry>,
}

/// The catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProductList {
    /// Every product, inactive ones included, in code order.
    pub items: Vec<ProductView>,
}

/// What a client may ask of a product before the server is asked to price it, answered by the
/// domain's rules themselves so a client offers what the server would accept.
impl ProductView {
    /// Whether an account of `kind` may buy it: on sale, and sold to that kind
    /// ([`eligibility::offered`], the rule of every purchase).
    pub fn offered_to(&self, kind: AccountKind) -> bool {
        eligibility::offered(kind, self.active, self.account_kind).is_ok()
    }

    /// Whether it is an upgrade of `current`: a higher tier of the same family
    /// ([`proration::is_upgrade`], the rule of every upgrade).
    pub fn upgrades(&self, current: &ProductView) -> bool {
        proration::is_upgrade(current.into(), self.into())
    }
}

impl<'a> From<&'a ProductView> for Edition<'a> {
    fn from(product: &'a ProductView) -> Self {
        Edition {
            family: &product.family,
            tier: product.tier.0,
        }
    }
}

impl From<&Product> for ProductView {
    /// The wire form, prices in a stable order: by cycle (one-time, month, year), then
    /// currency.
    fn from(p: &Product) -> Self {
        let mut prices: Vec<PriceEntry> = p
            .prices
            .iter()
            .map(|price| PriceEntry {
                cycle: price.cycle,
                currency: price.amount.currency(),
                amount: Amount::of(price.amount),
            })
            .collect();
        prices.sort_by_key(|price| (price.cycle.map(Cycle::months), price.currency));
        ProductView {
            code: p.code.to_string(),
            name: p.name.clone(),
            kind: p.kind,
            family: p.family.clone(),
            tier: p.tier.into(),
            seat_based: p.seat_based,
            auto_renewable: p.auto_renewable,
            trial_days: p.trial_days.into(),
            validity_months: p.validity_months.into(),
            bonus: p.bonus.as_ref().map(|b| Bonus {
                product: b.product.to_string(),
                per_unit: b.per_unit,
            }),
            account_kind: p.account_kind,
            one_per_account: p.one_per_account,
            host_bound: p.licensing.binds(),
            licensing: p.licensing.into(),
            max_quantity: p.max_quantity,
            active: p.active,
            prices,
        }
    }
}

/// An admin's definition of a product, to create or replace it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProductInput {
    /// `[a-z][a-z0-9_]*`, at most 32 characters; never changes once created.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 32)))]
    pub code: String,
    /// The display name customers see.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: String,
    /// `term` or `one_time`; decides which other fields apply.
    pub kind: ProductKind,
    /// Defaults to the product's code (a family of its own).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 64)))]
    pub family: Option<String>,
    /// The edition's rank in its family, higher is more; omit when it is not an edition.
    #[serde(default)]
    pub tier: Option<u32>,
    /// Whether quantity counts seats, which can then be added mid-term.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub seat_based: bool,
    /// Defaults to true for term products; one-time products never renew.
    #[serde(default)]
    pub auto_renewable: Option<bool>,
    /// Days of free trial, term products only; omit for none.
    #[serde(default)]
    pub trial_days: Option<u32>,
    /// Required for one-time products.
    #[serde(default)]
    pub validity_months: Option<u32>,
    /// Granted on top of every paid term, term products only; omit for none.
    #[serde(default)]
    pub bonus: Option<Bonus>,
    /// Sell only to this kind of account; omit to sell to both.
    #[serde(default)]
    pub account_kind: Option<AccountKind>,
    /// Whether an account may hold only one live subscription in the family.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub one_per_account: bool,
    /// Whether each unit must be activated on one machine: the default of
    /// `licensing.binding` (`node_locked`, else `unbound`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub host_bound: bool,
    /// Binding, grace, heartbeats and moves; each omitted setting takes its default.
    #[serde(default)]
    pub licensing: Option<LicensingInput>,
    /// Defaults to 1000.
    #[serde(default)]
    pub max_quantity: Option<u32>,
    /// Defaults to true.
    #[serde(default)]
    pub active: Option<bool>,
    /// Term products: a `month` price per currency, and a `year` price that defaults to ten
    /// months. One-time products: one price per currency with `cycle` null.
    pub prices: Vec<PriceEntry>,
}

/// Why a product definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidProduct {
    #[error(transparent)]
    Code(#[from] InvalidProductCode),
    #[error("name must not be blank")]
    BlankName,
    #[error("a one-time product needs validity_months of at least 1")]
    ValidityRequired,
    #[error("only one-time products have validity_months")]
    ValidityOnTerm,
    #[error("a one-time product never renews and has no trial, seats or bonus")]
    OneTimeTermRules,
    #[error("{0}")]
    Price(String),
    #[error("max_quantity must be at least 1")]
    MaxQuantity,
    #[error("a bonus grants at least one unit per unit bought")]
    BonusPerUnit,
    #[error(transparent)]
    Text(#[from] TextRefusal),
    #[error(transparent)]
    Licensing(#[from] InvalidLicensing),
}

impl ProductInput {
    /// A definition with only what a product must have; every other setting is left out, so
    /// the server's defaults apply (as a client sending just the required fields).
    pub fn new(code: &str, name: &str, kind: ProductKind, prices: Vec<PriceEntry>) -> ProductInput {
        ProductInput {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            family: None,
            tier: None,
            seat_based: false,
            auto_renewable: None,
            trial_days: None,
            validity_months: None,
            bonus: None,
            account_kind: None,
            one_per_account: false,
            host_bound: false,
            licensing: None,
            max_quantity: None,
            active: None,
            prices,
        }
    }

    /// The product this definition describes, with its rules checked and the annual price
    /// defaulted to ten months ("buy a year, pay ten months", DESIGN.md §1).
    pub fn to_product(&self) -> Result<Product, InvalidProduct> {
        let code = ProductCode::parse(&self.code)?;
        check_free_text("name", &self.name, text::NAME_MAX)?;
        check_optional("family", self.family.as_deref(), text::FAMILY_MAX)?;
        if self.name.trim().is_empty() {
            return Err(InvalidProduct::BlankName);
        }
        let one_time = self.kind == ProductKind::OneTime;
        match (one_time, self.validity_months) {
            (true, None | Some(0)) => return Err(InvalidProduct::ValidityRequired),
            (false, Some(_)) => return Err(InvalidProduct::ValidityOnTerm),
            _ => {}
        }
        if one_time
            && (self.auto_renewable == Some(true)
                || self.trial_days.is_some()
                || self.seat_based
                || self.bonus.is_some())
        {
            return Err(InvalidProduct::OneTimeTermRules);
        }
        let max_quantity = self.max_quantity.unwrap_or(1000);
        if max_quantity == 0 {
            return Err(InvalidProduct::MaxQuantity);
        }
        let bonus = match &self.bonus {
            Some(b) if b.per_unit == 0 => return Err(InvalidProduct::BonusPerUnit),
            Some(b) => Some(BonusGrant {
                product: ProductCode::parse(&b.product)?,
                per_unit: b.per_unit,
            }),
            None => None,
        };
        Ok(Product {
            family: self.family.clone().unwrap_or_else(|| code.to_string()),
            code,
            name: self.name.trim().to_owned(),
            kind: self.kind,
            tier: self.tier,
            seat_based: self.seat_based,
            auto_renewable: !one_time && self.auto_renewable.unwrap_or(true),
            trial_days: self.trial_days,
            validity_months: self.validity_months,
            bonus,
            account_kind: self.account_kind,
            one_per_account: self.one_per_account,
            licensing: LicensingInput::settings(self.licensing.as_ref(), self.host_bound)?,
            max_quantity,
            active: self.active.unwrap_or(true),
            prices: self.checked_prices(one_time)?,
        })
    }

    fn checked_prices(&self, one_time: bool) -> Result<Vec<Price>, InvalidProduct> {
        let mut seen = HashSet::new();
        let mut prices = Vec::new();
        for entry in &self.prices {
            let amount = entry.amount.in_currency(entry.currency);
            if amount.amount().is_sign_negative() {
                return Err(InvalidProduct::Price(format!(
                    "{} {} is negative",
                    entry.amount, entry.currency
                )));
            }
            if one_time != entry.cycle.is_none() {
                return Err(InvalidProduct::Price(if one_time {
                    "a one-time product's prices have no cycle".to_owned()
                } else {
                    "a term product's prices each name a cycle, month or year".to_owned()
                }));
            }
            if !seen.insert((entry.cycle, entry.currency)) {
                return Err(InvalidProduct::Price(format!(
                    "two prices for the same cycle in {}",
                    entry.currency
                )));
            }
            prices.push(Price {
                cycle: entry.cycle,
                amount,
            });
        }
        for currency in Currency::ALL {
            let has = |cycle| seen.contains(&(cycle, currency));
            if one_time || has(Some(Cycle::Year)) || !has(Some(Cycle::Month)) {
                continue;
            }
            let monthly = prices
                .iter()
                .find(|p| p.cycle == Some(Cycle::Month) && p.amount.currency() == currency)
                .map(|p| p.amount);
            if let Some(annual) = monthly.and_then(default_annual_price) {
                prices.push(Price {
                    cycle: Some(Cycle::Year),
                    amount: annual,
                });
            }
        }
        if prices.is_empty() {
            return Err(InvalidProduct::Price(
                "a product needs at least one price".to_owned(),
            ));
        }
        Ok(prices)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn term_input() -> ProductInput {
        let price = PriceEntry {
            cycle: Some(Cycle::Month),
            currency: Currency::Usd,
            amount: "12.50".parse().expect("amount"),
        };
        ProductInput::new("backup", "Backup", ProductKind::Term, vec![price])
    }

    #[test]
    fn a_view_is_offered_and_upgraded_as_its_product_is() {
        let view = |input: ProductInput| ProductView::from(&input.to_product().expect("valid"));
        let edition = |code: &str, tier, account_kind| ProductInput {
            code: code.to_owned(),
            family: Some("cloud".to_owned()),
            tier: Some(tier),
            account_kind,
            ..term_input()
        };
        let premium = view(edition("premium", 1, Some(AccountKind::Individual)));
        let plus = view(edition("premium_plus", 2, Some(AccountKind::Individual)));
        assert!(premium.offered_to(AccountKind::Individual));
        assert!(!premium.offered_to(AccountKind::Enterprise));
        let retired = view(ProductInput {
            active: Some(false),
            ..term_input()
        });
        assert!(!retired.offered_to(AccountKind::Individual));
        assert!(plus.upgrades(&premium));
        assert!(!premium.upgrades(&plus));
        assert!(!premium.upgrades(&premium));
        assert!(!retired.upgrades(&premium), "another family");
    }

    #[test]
    fn names_and_families_are_one_printable_line() {
        let mut input = term_input();
        input.name = "Back\0up".to_owned();
        assert!(matches!(input.to_product(), Err(InvalidProduct::Text(_))));
        let mut input = term_input();
        input.family = Some("fam\nily".to_owned());
        assert!(matches!(input.to_product(), Err(InvalidProduct::Text(_))));
        let mut input = term_input();
        input.name = "n".repeat(text::NAME_MAX + 1);
        assert!(matches!(input.to_product(), Err(InvalidProduct::Text(_))));
    }

    #[test]
    fn an_annual_price_defaults_to_ten_months() {
        let product = term_input().to_product().expect("valid");
        assert_eq!(
            product
                .price(Some(Cycle::Year), Currency::Usd)
                .map(|m| m.amount()),
            Some(dec!(125.00))
        );
        assert_eq!(product.family, "backup");
        assert!(product.auto_renewable);
    }

    #[test]
    fn one_time_products_need_a_validity_and_cycle_less_prices() {
        let mut input = ProductInput {
            kind: ProductKind::OneTime,
            ..term_input()
        };
        assert_eq!(input.to_product(), Err(InvalidProduct::ValidityRequired));
        input.validity_months = Some(3);
        assert!(matches!(input.to_product(), Err(InvalidProduct::Price(_))));
        input.prices[0].cycle = None;
        let product = input.to_product().expect("valid");
        assert!(!product.auto_renewable);
    }

    #[test]
    fn negative_and_duplicate_prices_are_refused() {
        let mut input = term_input();
        input.prices[0].amount = "-1.00".parse().expect("amount");
        assert!(matches!(input.to_product(), Err(InvalidProduct::Price(_))));
        let mut input = term_input();
        input.prices.push(input.prices[0].clone());
        assert!(matches!(input.to_product(), Err(InvalidProduct::Price(_))));
    }
}
