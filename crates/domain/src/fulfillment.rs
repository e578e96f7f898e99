//! What a paid order grants (DESIGN.md §3): decided here, written by the server in the same
//! transaction that marks the order paid.
//!
//! A term purchase becomes a subscription whose period starts at the moment of payment and
//! ends `cycles × periods` later, with one license per unit (per seat for Enterprise). A paid
//! DR term also grants its bonus failback licenses, ending with the term; the cycles paid up
//! front by one order count as one term. A one-time purchase grants licenses valid for the
//! product's validity. A trial is a subscription of the trial's length, never auto-renewing.

use chrono::{DateTime, Duration, Utc};

use crate::calendar::{Cycle, add_months, period_end};
use crate::catalog::{Product, ProductCode, ProductKind};
use crate::eligibility::{Buyer, check_product_for};
use crate::licenses::LicenseSource;
use crate::refusal::Refusal;
use crate::subscription::HeldSubscription;

/// Licenses to create: `count` of `product`, valid from `valid_from` to `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseGrant {
    pub product: ProductCode,
    pub count: u32,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub source: LicenseSource,
}

/// A subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionGrant {
    pub product: ProductCode,
    pub cycle: Cycle,
    pub quantity: u32,
    pub trial: bool,
    pub auto_renew: bool,
    /// Where the first period starts: every later period ends k cycles after it.
    pub anchor: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
}

/// Everything a paid purchase (or a started trial) creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub subscription: Option<SubscriptionGrant>,
    pub licenses: Vec<LicenseGrant>,
}

/// Whether a term purchase renews itself: what the customer chose, or by default what the
/// product allows; a product that never renews refuses `true`.
pub fn auto_renew_choice(product: &Product, requested: Option<bool>) -> Result<bool, Refusal> {
    match requested {
        Some(true) if !product.auto_renewable => Err(Refusal::AutoRenewNotAllowed {
            product: product.code.clone(),
        }),
        Some(choice) => Ok(choice),
        None => Ok(product.auto_renewable),
    }
}

/// The grant of a paid purchase of `quantity` × `product` for `periods` cycles, paid at
/// `paid_at`.
pub fn grant_purchase(
    product: &Product,
    cycle: Option<Cycle>,
    quantity: u32,
    periods: u32,
    auto_renew: bool,
    paid_at: DateTime<Utc>,
) -> Result<Grant, Refusal> {
    match (product.kind, cycle) {
        (ProductKind::Term, Some(cycle)) => {
            let end = period_end(paid_at, cycle, periods).ok_or(Refusal::AmountOutOfRange)?;
            let mut licenses = vec![LicenseGrant {
                product: product.code.clone(),
                count: quantity,
                valid_from: paid_at,
                valid_until: end,
                source: LicenseSource::Order,
            }];
            if let Some(bonus) = &product.bonus {
                licenses.push(LicenseGrant {
                    product: bonus.product.clone(),
                    count: quantity * bonus.per_unit,
                    valid_from: paid_at,
                    valid_until: end,
                    source: LicenseSource::Bonus,
                });
            }
            Ok(Grant {
                subscription: Some(SubscriptionGrant {
                    product: product.code.clone(),
                    cycle,
                    quantity,
                    trial: false,
                    auto_renew,
                    anchor: paid_at,
                    period_end: end,
                }),
                licenses,
            })
        }
        (ProductKind::OneTime, None) => {
            let months = product.validity_months.unwrap_or(0);
            let end = add_months(paid_at, months).ok_or(Refusal::AmountOutOfRange)?;
            Ok(Grant {
                subscription: None,
                licenses: vec![LicenseGrant {
                    product: product.code.clone(),
                    count: quantity,
                    valid_from: paid_at,
                    valid_until: end,
                    source: LicenseSource::Order,
                }],
            })
        }
        (ProductKind::Term, None) => Err(Refusal::CycleRequired {
            product: product.code.clone(),
        }),
        (ProductKind::OneTime, Some(_)) => Err(Refusal::CycleNotAllowed {
            product: product.code.clone(),
        }),
    }
}

/// The bonus licenses of a renewed term from `start` to `end` (DR's failback licenses: every
/// paid term grants them anew; the term's own licenses are extended, not granted again).
pub fn grant_renewal_bonus(
    product: &Product,
    quantity: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Option<LicenseGrant> {
    product.bonus.as_ref().map(|bonus| LicenseGrant {
        product: bonus.product.clone(),
        count: quantity * bonus.per_unit,
        valid_from: start,
        valid_until: end,
        source: LicenseSource::Bonus,
    })
}

/// Whether `buyer` may start a trial of `product`: the product offers one, the account has
/// never had one, and holds no paid subscription in the family.
pub fn check_trial(
    buyer: Buyer,
    product: &Product,
    trial_used: bool,
    held_in_family: Option<&HeldSubscription>,
) -> Result<(), Refusal> {
    check_product_for(buyer, product)?;
    if product.trial_days.is_none() {
        return Err(Refusal::TrialNotOffered {
            product: product.code.clone(),
        });
    }
    if trial_used {
        return Err(Refusal::TrialAlreadyUsed);
    }
    if held_in_family.is_some() {
        return Err(Refusal::AlreadySubscribed {
            family: product.family.clone(),
        });
    }
    Ok(())
}

/// The grant of a trial of `product` started at `now`: one license for the trial's days, a
/// monthly subscription marked trial that never renews.
pub fn grant_trial(product: &Product, now: DateTime<Utc>) -> Result<Grant, Refusal> {
    let days = product.trial_days.ok_or_else(|| Refusal::TrialNotOffered {
        product: product.code.clone(),
    })?;
    let end = now + Duration::days(i64::from(days));
    Ok(Grant {
        subscription: Some(SubscriptionGrant {
            product: product.code.clone(),
            cycle: Cycle::Month,
            quantity: 1,
            trial: true,
            auto_renew: false,
            anchor: now,
            period_end: end,
        }),
        licenses: vec![LicenseGrant {
            product: product.code.clone(),
            count: 1,
            valid_from: now,
            valid_until: end,
            source: LicenseSource::Trial,
        }],
    })
}

/// The licenses of `seats` new seats on `held`, paid at `paid_at`: all seats end together
/// with the subscription (DESIGN.md §5).
pub fn grant_seats(held: &HeldSubscription, seats: u32, paid_at: DateTime<Utc>) -> LicenseGrant {
    LicenseGrant {
        product: held.product.clone(),
        count: seats,
        valid_from: paid_at,
        valid_until: held.current_period_end,
        source: LicenseSource::Order,
    }
}

#[cfg(test)]
mod tests {
    use crate::api::ProblemCode;
    use crate::calendar::utc;

    use super::*;
    use crate::catalog::fixtures;

    fn paid_at() -> DateTime<Utc> {
        utc(2026, 1, 31, 10, 0)
    }

    #[test]
    fn three_annual_dr_licenses_bring_three_failbacks_ending_with_the_term() {
        let grant = grant_purchase(&fixtures::dr(), Some(Cycle::Year), 3, 1, true, paid_at())
            .expect("granted");
        let year_later = utc(2027, 1, 31, 10, 0);
        let subscription = grant.subscription.expect("a subscription");
        assert_eq!(subscription.period_end, year_later);
        assert_eq!(subscription.anchor, paid_at());
        assert!(subscription.auto_renew);
        assert_eq!(grant.licenses.len(), 2);
        assert_eq!(grant.licenses[0].product.as_str(), "dr");
        assert_eq!(grant.licenses[0].count, 3);
        assert_eq!(grant.licenses[1].product.as_str(), "failback");
        assert_eq!(grant.licenses[1].source, LicenseSource::Bonus);
        assert_eq!(grant.licenses[1].count, 3);
        assert_eq!(grant.licenses[1].valid_until, year_later);
    }

    #[test]
    fn failback_bought_alone_is_valid_three_months_from_payment() {
        let grant =
            grant_purchase(&fixtures::failback(), None, 2, 1, false, paid_at()).expect("granted");
        assert_eq!(grant.subscription, None);
        assert_eq!(grant.licenses[0].count, 2);
        assert_eq!(grant.licenses[0].valid_until, utc(2026, 4, 30, 10, 0));
    }

    #[test]
    fn one_time_products_refuse_auto_renew_and_term_products_default_to_it() {
        assert_eq!(
            auto_renew_choice(&fixtures::failback(), Some(true)).map_err(|r| r.code()),
            Err(ProblemCode::AutoRenewNotAllowed)
        );
        assert_eq!(auto_renew_choice(&fixtures::failback(), None), Ok(false));
        assert_eq!(auto_renew_choice(&fixtures::dr(), None), Ok(true));
        assert_eq!(auto_renew_choice(&fixtures::dr(), Some(false)), Ok(false));
    }

    #[test]
    fn a_trial_is_once_per_account_and_only_where_offered() {
        let buyer = fixtures::CN;
        assert!(check_trial(buyer, &fixtures::premium(), false, None).is_ok());
        assert_eq!(
            check_trial(buyer, &fixtures::premium(), true, None).map_err(|r| r.code()),
            Err(ProblemCode::TrialAlreadyUsed)
        );
        assert_eq!(
            check_trial(buyer, &fixtures::premium_plus(), false, None).map_err(|r| r.code()),
            Err(ProblemCode::TrialNotOffered)
        );
        let grant = grant_trial(&fixtures::premium(), paid_at()).expect("trial");
        let subscription = grant.subscription.expect("subscription");
        assert!(subscription.trial);
        assert!(!subscription.auto_renew);
        assert_eq!(subscription.period_end, paid_at() + Duration::days(14));
    }
}
