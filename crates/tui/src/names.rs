//! Products by the names customers know (`DR License`), not their codes (`dr`), wherever the
//! console shows one (issue 23). The catalog is the only source of a product's name; while it
//! is not loaded, or when it no longer lists a product, the code is shown: a row is never
//! left blank for want of a name.
//!
//! Payment methods have their names in the domain (`PaymentMethod::label`: `WeChat Pay`), as
//! they are fixed by the region and not data; an order's and a license's status are named
//! here, in the words every view uses.

use entitle_domain::api::{License, ProductView};
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::orders::OrderStatus;

/// The name of the product `code` in `catalog`, or the code itself when the catalog is not
/// loaded or does not list it.
pub fn product<'a>(catalog: Option<&'a [ProductView]>, code: &'a str) -> &'a str {
    catalog
        .and_then(|products| products.iter().find(|p| p.code == code))
        .map_or(code, |p| p.name.as_str())
}

/// The catalog's names by code, kept where the catalog cannot be reached: the licenses
/// table filters and sorts by them without the model at hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductNames {
    /// Code, name, and the name in lower case (what the filter compares).
    entries: Vec<(String, String, String)>,
}

impl ProductNames {
    /// The names `catalog` gives.
    pub fn of(catalog: &[ProductView]) -> Self {
        ProductNames {
            entries: catalog
                .iter()
                .map(|p| (p.code.clone(), p.name.clone(), p.name.to_lowercase()))
                .collect(),
        }
    }

    /// The name of `code`, or the code when it has none.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.entries
            .iter()
            .find(|(c, _, _)| c == code)
            .map_or(code, |(_, name, _)| name.as_str())
    }

    /// Whether the product `code` matches `needle` (already in lower case) by its code or by
    /// its name.
    pub fn matches(&self, code: &str, needle: &str) -> bool {
        code.contains(needle)
            || self
                .entries
                .iter()
                .find(|(c, _, _)| c == code)
                .is_some_and(|(_, _, lower)| lower.contains(needle))
    }
}

/// An order status in words.
pub fn order_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "waiting for payment",
        OrderStatus::Paid => "paid",
        OrderStatus::Expired => "expired",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Failed => "declined",
    }
}

/// A license's status as a word.
pub fn license_status(license: &License) -> &'static str {
    match license.status {
        LicenseStatus::Active => "active",
        LicenseStatus::Expired => "expired",
        LicenseStatus::Consumed => "consumed",
    }
}

#[cfg(test)]
mod tests {
    use entitle_domain::api::{PriceEntry, ProductInput, ProductView};

    use entitle_domain::{Currency, Cycle, ProductKind};

    use super::*;

    fn dr() -> ProductView {
        let price = PriceEntry {
            cycle: Some(Cycle::Month),
            currency: Currency::Cny,
            amount: "199.00".parse().expect("amount"),
        };
        let input = ProductInput::new("dr", "DR License", ProductKind::Term, vec![price]);
        ProductView::from(&input.to_product().expect("a valid product"))
    }

    #[test]
    fn a_product_is_named_by_the_catalog_and_by_its_code_without_one() {
        let catalog = vec![dr()];
        assert_eq!(product(Some(catalog.as_slice()), "dr"), "DR License");
        assert_eq!(product(Some(catalog.as_slice()), "failback"), "failback");
        assert_eq!(product(None, "dr"), "dr");
    }

    #[test]
    fn the_filter_matches_a_code_or_a_name() {
        let names = ProductNames::of(&[dr()]);
        assert_eq!(names.name("dr"), "DR License");
        assert_eq!(names.name("premium"), "premium");
        assert!(names.matches("dr", "license"));
        assert!(names.matches("dr", "dr"));
        assert!(!names.matches("dr", "fail"));
        assert!(ProductNames::default().matches("failback", "fail"));
    }
}
