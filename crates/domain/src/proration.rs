//! Prorated charges for the time left in a period (DESIGN.md §5): edition upgrades and
//! enterprise seat additions. Both bill a monthly price for [`billable_months`] of the
//! [`months_left`] to the period's end, which never moves.

use chrono::{DateTime, Utc};

use crate::account::AccountKind;
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

/// Where a product stands among its family's editions: all that decides whether one upgrades
/// another, read alike from a [`Product`] and from the API's `ProductView`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edition<'a> {
    /// The family the edition belongs to (`cloud`).
    pub family: &'a str,
    /// The rank in the family; `None` for a product that is not an edition.
    pub tier: Option<u32>,
}

impl<'a> From<&'a Product> for Edition<'a> {
    fn from(product: &'a Product) -> Self {
        Edition {
            family: &product.family,
            tier: product.tier,
        }
    }
}

/// Whether `target` is an upgrade of `current`: the same family, both ranked, and `target`
/// higher. [`check_upgrade`] allows by it and the console offers by it
/// (`ProductView::upgrades`): one rule, so the two cannot disagree.
pub fn is_upgrade(current: Edition<'_>, target: Edition<'_>) -> bool {
    current.family == target.family
        && matches!((current.tier, target.tier), (Some(from), Some(to)) if to > from)
}

/// Which upgrade, if any, the rules allow from `current` to `target` for `held` at `now`.
///
/// Only a paid, live subscription moves up its own family's tiers ([`is_upgrade`]): a trial
/// (running or ended) buys first, and an edition never goes back down.
///
/// An individual edition never becomes Enterprise; an enterprise account registers anew
/// (DESIGN.md §2, §5). So a move to another family whose target is sold only to enterprise
/// accounts, or by the seat, is refused as [`UpgradeRefusal::ToEnterprise`], which says so:
/// decided by whom and how the target is sold, not by its family's name.
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
    if is_upgrade(current.into(), target.into()) {
        return Ok(());
    }
    if !current.same_family(target) {
        let enterprise = target.account_kind == Some(AccountKind::Enterprise) || target.seat_based;
        return Err(if enterprise {
            UpgradeRefusal::ToEnterprise { from, to }
        } else {
            UpgradeRefusal::OtherFamily { from, to }
        });
    }
    Err(if current.tier.is_some() && target.tier.is_some() {
        UpgradeRefusal::Downgrade { from, to }
    } else {
        UpgradeRefusal::OtherFamily { from, to }
    })
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
#[path = "proration_tests.rs"]
mod tests;
