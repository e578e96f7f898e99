//! A product's prices as the console writes them, in the account's currency (prices are set
//! per currency and never converted, DESIGN.md §1, §2).

use entitle_domain::api::{PriceEntry, ProductView};
use entitle_domain::{Currency, Cycle, ProductKind};

/// The price of `product` per `cycle` (`None` for a one-time product) in `currency`.
pub fn price(
    product: &ProductView,
    cycle: Option<Cycle>,
    currency: Currency,
) -> Option<&PriceEntry> {
    product
        .prices
        .iter()
        .find(|e| e.cycle == cycle && e.currency == currency)
}

/// Every price of `product` in `currency`: `199.00 CNY / month · 1990.00 CNY / year` for a
/// term product, `99.00 CNY once` for a one-time one, or that it has none in `currency`.
pub fn summary(product: &ProductView, currency: Currency) -> String {
    let prices: Vec<String> = match product.kind {
        ProductKind::Term => [Cycle::Month, Cycle::Year]
            .into_iter()
            .filter_map(|cycle| {
                price(product, Some(cycle), currency)
                    .map(|e| format!("{} {} / {cycle}", e.amount, e.currency))
            })
            .collect(),
        ProductKind::OneTime => price(product, None, currency)
            .map(|e| format!("{} {} once", e.amount, e.currency))
            .into_iter()
            .collect(),
    };
    if prices.is_empty() {
        format!("no price in {currency}")
    } else {
        prices.join(" · ")
    }
}
