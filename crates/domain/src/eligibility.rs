//! Who may buy what, how many, and how they pay (DESIGN.md §1–§3). Each check returns the
//! typed [`Refusal`] that the API reports with its stable code.

use crate::account::AccountKind;
use crate::calendar::Cycle;
use crate::catalog::{Product, ProductKind};
use crate::money::Currency;
use crate::refusal::Refusal;
use crate::region::{PaymentMethod, Region};

/// The account asking, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buyer {
    pub kind: AccountKind,
    pub region: Region,
}

/// At most three years' worth of cycles can be paid up front (DESIGN.md §3).
pub const MAX_YEARS_UP_FRONT: u32 = 3;

/// Why a product is not offered to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOffered {
    /// The product is off sale.
    Inactive,
    /// The product is sold only to accounts of this kind.
    OtherKind(AccountKind),
}

/// Whether an account of `kind` may buy a product that is `active` and sold only to
/// `account_kind` accounts (any, when `None`). [`check_product_for`] refuses by it and the
/// console offers by it (`ProductView::offered_to`): one rule, so the two cannot disagree.
pub fn offered(
    kind: AccountKind,
    active: bool,
    account_kind: Option<AccountKind>,
) -> Result<(), NotOffered> {
    if !active {
        return Err(NotOffered::Inactive);
    }
    match account_kind {
        Some(required) if required != kind => Err(NotOffered::OtherKind(required)),
        _ => Ok(()),
    }
}

/// The product is on sale and sold to this kind of account (Enterprise only to enterprise
/// accounts; the individual cloud editions only to individual accounts).
pub fn check_product_for(buyer: Buyer, product: &Product) -> Result<(), Refusal> {
    offered(buyer.kind, product.active, product.account_kind).map_err(|why| match why {
        NotOffered::Inactive => Refusal::ProductUnavailable {
            product: product.code.clone(),
        },
        NotOffered::OtherKind(required) => Refusal::AccountKindNotAllowed {
            product: product.code.clone(),
            required,
        },
    })
}

/// Term products need a cycle; one-time products must not have one.
pub fn check_cycle(product: &Product, cycle: Option<Cycle>) -> Result<(), Refusal> {
    match (product.kind, cycle) {
        (ProductKind::Term, None) => Err(Refusal::CycleRequired {
            product: product.code.clone(),
        }),
        (ProductKind::OneTime, Some(_)) => Err(Refusal::CycleNotAllowed {
            product: product.code.clone(),
        }),
        _ => Ok(()),
    }
}

/// A quantity is at least one and at most the product's per-order maximum.
pub fn check_quantity(product: &Product, quantity: u32) -> Result<(), Refusal> {
    if (1..=product.max_quantity).contains(&quantity) {
        Ok(())
    } else {
        Err(Refusal::QuantityOutOfRange {
            min: 1,
            max: product.max_quantity,
            got: quantity,
        })
    }
}

/// The most cycles that may be paid up front: three years' worth (36 months, 3 years); a
/// one-time product is bought once.
pub fn max_periods(cycle: Option<Cycle>) -> u32 {
    match cycle {
        Some(cycle) => MAX_YEARS_UP_FRONT * 12 / cycle.months(),
        None => 1,
    }
}

/// `periods` is between one and [`max_periods`].
pub fn check_periods(cycle: Option<Cycle>, periods: u32) -> Result<(), Refusal> {
    let max = max_periods(cycle);
    if (1..=max).contains(&periods) {
        Ok(())
    } else {
        Err(Refusal::PeriodsOutOfRange { max, got: periods })
    }
}

/// The region's methods that can be paid, in the region's order: those a payment provider
/// takes on this server (DESIGN.md §8: a region's method without a provider is not offered).
pub fn payable_methods(
    region: Region,
    provided: impl Fn(PaymentMethod) -> bool,
) -> Vec<PaymentMethod> {
    region
        .payment_methods()
        .iter()
        .copied()
        .filter(|method| provided(*method))
        .collect()
}

/// An order is charged in the region's currency with one of the region's methods
/// (DESIGN.md §2): anything else is refused, never converted. A method of the region that no
/// provider takes here (`payable`, from [`payable_methods`]) is refused too, with its own code.
pub fn check_payment(
    region: Region,
    currency: Currency,
    method: PaymentMethod,
    payable: &[PaymentMethod],
) -> Result<(), Refusal> {
    let expected = region.currency();
    if currency != expected {
        return Err(Refusal::CurrencyMismatch {
            region,
            expected,
            got: currency,
        });
    }
    if !region.offers(method) {
        return Err(Refusal::PaymentMethodNotOffered { region, method });
    }
    if !payable.contains(&method) {
        return Err(Refusal::PaymentMethodUnavailable {
            method,
            available: payable.to_vec(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ProblemCode;
    use crate::catalog::fixtures;

    #[test]
    fn enterprise_is_for_enterprise_accounts_only() {
        assert_eq!(
            check_product_for(fixtures::CN, &fixtures::enterprise()).map_err(|r| r.code()),
            Err(ProblemCode::AccountKindNotAllowed)
        );
        let enterprise = Buyer {
            kind: AccountKind::Enterprise,
            ..fixtures::CN
        };
        assert!(check_product_for(enterprise, &fixtures::enterprise()).is_ok());
    }

    #[test]
    fn an_inactive_product_cannot_be_bought() {
        let retired = Product {
            active: false,
            ..fixtures::dr()
        };
        assert_eq!(
            check_product_for(fixtures::CN, &retired).map_err(|r| r.code()),
            Err(ProblemCode::ProductUnavailable)
        );
    }

    #[test]
    fn a_product_is_offered_on_sale_to_the_kind_it_is_sold_to() {
        use AccountKind::{Enterprise, Individual};
        assert_eq!(offered(Individual, true, None), Ok(()));
        assert_eq!(offered(Enterprise, true, Some(Enterprise)), Ok(()));
        assert_eq!(
            offered(Individual, true, Some(Enterprise)),
            Err(NotOffered::OtherKind(Enterprise))
        );
        assert_eq!(
            offered(Enterprise, false, Some(Individual)),
            Err(NotOffered::Inactive),
            "off sale is said first"
        );
    }

    #[test]
    fn offered_means_on_sale_and_unrestricted_or_of_the_kind() {
        let kinds = [AccountKind::Individual, AccountKind::Enterprise];
        for (kind, active) in kinds.into_iter().flat_map(|k| [(k, true), (k, false)]) {
            for account_kind in [
                None,
                Some(AccountKind::Individual),
                Some(AccountKind::Enterprise),
            ] {
                let expected = active && account_kind.is_none_or(|required| required == kind);
                assert_eq!(
                    offered(kind, active, account_kind).is_ok(),
                    expected,
                    "{kind:?}, active {active}, sold to {account_kind:?}"
                );
            }
        }
    }

    #[test]
    fn quantity_must_be_within_range() {
        let dr = fixtures::dr();
        assert!(check_quantity(&dr, 1).is_ok());
        assert!(check_quantity(&dr, dr.max_quantity).is_ok());
        for bad in [0, dr.max_quantity + 1, u32::MAX] {
            assert_eq!(
                check_quantity(&dr, bad).map_err(|r| r.code()),
                Err(ProblemCode::QuantityOutOfRange)
            );
        }
    }

    #[test]
    fn up_to_three_years_can_be_paid_up_front() {
        assert!(check_periods(Some(Cycle::Month), 36).is_ok());
        assert!(check_periods(Some(Cycle::Month), 37).is_err());
        assert!(check_periods(Some(Cycle::Year), 3).is_ok());
        assert!(check_periods(Some(Cycle::Year), 4).is_err());
        assert!(check_periods(None, 1).is_ok());
        assert!(check_periods(None, 2).is_err());
        assert!(check_periods(Some(Cycle::Year), 0).is_err());
    }

    #[test]
    fn term_products_need_a_cycle_and_one_time_products_refuse_one() {
        assert_eq!(
            check_cycle(&fixtures::dr(), None).map_err(|r| r.code()),
            Err(ProblemCode::CycleRequired)
        );
        assert_eq!(
            check_cycle(&fixtures::failback(), Some(Cycle::Month)).map_err(|r| r.code()),
            Err(ProblemCode::CycleNotAllowed)
        );
    }

    #[test]
    fn a_cn_account_cannot_pay_in_usd_or_with_paypal() {
        let all = |region: Region| payable_methods(region, |_| true);
        assert_eq!(
            check_payment(
                Region::Cn,
                Currency::Usd,
                PaymentMethod::Alipay,
                &all(Region::Cn)
            )
            .map_err(|r| r.code()),
            Err(ProblemCode::CurrencyMismatch)
        );
        assert_eq!(
            check_payment(
                Region::Cn,
                Currency::Cny,
                PaymentMethod::Paypal,
                &all(Region::Cn)
            )
            .map_err(|r| r.code()),
            Err(ProblemCode::PaymentMethodNotAllowed)
        );
        assert!(
            check_payment(
                Region::Cn,
                Currency::Cny,
                PaymentMethod::WechatPay,
                &all(Region::Cn)
            )
            .is_ok()
        );
        assert!(
            check_payment(
                Region::Intl,
                Currency::Usd,
                PaymentMethod::Paypal,
                &all(Region::Intl)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_method_no_provider_takes_is_neither_offered_nor_accepted() {
        let payable = payable_methods(Region::Cn, |m| m == PaymentMethod::Alipay);
        assert_eq!(payable, vec![PaymentMethod::Alipay]);
        assert_eq!(
            check_payment(
                Region::Cn,
                Currency::Cny,
                PaymentMethod::WechatPay,
                &payable
            )
            .map_err(|r| r.code()),
            Err(ProblemCode::PaymentMethodUnavailable)
        );
        assert!(check_payment(Region::Cn, Currency::Cny, PaymentMethod::Alipay, &payable).is_ok());
        assert!(payable_methods(Region::Intl, |m| m == PaymentMethod::Alipay).is_empty());
    }
}
