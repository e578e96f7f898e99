//! Typed refusals: every "no" the rules can say, each with a stable `code` that the API puts
//! in its problem+json answers, and a message that says what to do instead.

use crate::api::ProblemCode;
use thiserror::Error;

use crate::account::AccountKind;
use crate::calendar::Cycle;
use crate::catalog::ProductCode;
use crate::money::{Currency, MoneyError};
use crate::region::{PaymentMethod, Region};

/// Why an upgrade is refused (DESIGN.md §5). All share the code `upgrade_not_allowed`; the
/// [`UpgradeRefusal::reason`] tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpgradeRefusal {
    #[error("a trial cannot be upgraded, running or ended: buy {current} first, then upgrade")]
    Trial { current: ProductCode },
    #[error("{from} cannot go back to {to}: downgrades are not supported")]
    Downgrade { from: ProductCode, to: ProductCode },
    #[error("the subscription is already {current}")]
    SameEdition { current: ProductCode },
    #[error(
        "{from} cannot be upgraded to {to}: {to} is sold to enterprise accounts, register an enterprise account instead"
    )]
    ToEnterprise { from: ProductCode, to: ProductCode },
    #[error("{from} and {to} are not editions of one family: buy {to} as a new purchase")]
    OtherFamily { from: ProductCode, to: ProductCode },
    #[error(
        "only a paid subscription with time left can be upgraded: renew or buy {current} first"
    )]
    NotActive { current: ProductCode },
    #[error(
        "an upgrade of this subscription is already waiting for payment: pay or cancel that order"
    )]
    Pending,
}

impl UpgradeRefusal {
    /// A stable word for the kind of refusal, carried as `reason` next to the code.
    pub fn reason(&self) -> &'static str {
        match self {
            UpgradeRefusal::Trial { .. } => "trial",
            UpgradeRefusal::Downgrade { .. } => "downgrade",
            UpgradeRefusal::SameEdition { .. } => "same_edition",
            UpgradeRefusal::ToEnterprise { .. } => "enterprise_requires_new_account",
            UpgradeRefusal::OtherFamily { .. } => "other_family",
            UpgradeRefusal::NotActive { .. } => "not_active",
            UpgradeRefusal::Pending => "upgrade_pending",
        }
    }
}

/// A purchase, upgrade or seat addition the rules refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("{product} is not on sale")]
    ProductUnavailable { product: ProductCode },
    #[error("{product} is sold to {} accounts only", required)]
    AccountKindNotAllowed {
        product: ProductCode,
        required: AccountKind,
    },
    #[error("{product} is sold by the month or the year: choose a cycle")]
    CycleRequired { product: ProductCode },
    #[error("{product} is bought once and has no cycle: leave the cycle out")]
    CycleNotAllowed { product: ProductCode },
    #[error("{product} has no {} price in {currency}", cycle.map_or_else(|| "one-time".to_owned(), |c| c.to_string()))]
    PriceNotSet {
        product: ProductCode,
        cycle: Option<Cycle>,
        currency: Currency,
    },
    #[error("quantity must be between {min} and {max}, not {got}")]
    QuantityOutOfRange { min: u32, max: u32, got: u32 },
    #[error("periods paid up front must be between 1 and {max}, not {got}")]
    PeriodsOutOfRange { max: u32, got: u32 },
    #[error("region {} is charged in {expected}, not {got}", region)]
    CurrencyMismatch {
        region: Region,
        expected: Currency,
        got: Currency,
    },
    #[error("region {} does not offer {}: use one of {}", region, method,
        region.payment_methods().iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "))]
    PaymentMethodNotOffered {
        region: Region,
        method: PaymentMethod,
    },
    #[error("{} cannot be paid on this server now (no payment provider takes it): use one of {}",
        method, if available.is_empty() { "none".to_owned() } else {
            available.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ") })]
    PaymentMethodUnavailable {
        method: PaymentMethod,
        available: Vec<PaymentMethod>,
    },
    #[error(
        "the account already holds a subscription in the {family} family: upgrade it or add seats instead"
    )]
    AlreadySubscribed { family: String },
    #[error(transparent)]
    Upgrade(#[from] UpgradeRefusal),
    #[error(
        "{product} is not sold by the seat: seats can only be added to enterprise subscriptions"
    )]
    SeatsNotAllowed { product: ProductCode },
    #[error("only a paid subscription with time left can be given more seats: renew it first")]
    SubscriptionNotActive,
    #[error("the amount is out of range")]
    AmountOutOfRange,
    #[error("{product} never renews: leave auto_renew off")]
    AutoRenewNotAllowed { product: ProductCode },
    #[error("{product} has no free trial: buy it instead")]
    TrialNotOffered { product: ProductCode },
    #[error("this account has had its free trial: buy the edition instead")]
    TrialAlreadyUsed,
}

impl Refusal {
    /// The stable code the API answers with; integrations match on it, so it never changes.
    pub fn code(&self) -> ProblemCode {
        match self {
            Refusal::ProductUnavailable { .. } => ProblemCode::ProductUnavailable,
            Refusal::AccountKindNotAllowed { .. } => ProblemCode::AccountKindNotAllowed,
            Refusal::CycleRequired { .. } => ProblemCode::CycleRequired,
            Refusal::CycleNotAllowed { .. } => ProblemCode::CycleNotAllowed,
            Refusal::PriceNotSet { .. } => ProblemCode::PriceNotSet,
            Refusal::QuantityOutOfRange { .. } => ProblemCode::QuantityOutOfRange,
            Refusal::PeriodsOutOfRange { .. } => ProblemCode::PeriodsOutOfRange,
            Refusal::CurrencyMismatch { .. } => ProblemCode::CurrencyMismatch,
            Refusal::PaymentMethodNotOffered { .. } => ProblemCode::PaymentMethodNotAllowed,
            Refusal::PaymentMethodUnavailable { .. } => ProblemCode::PaymentMethodUnavailable,
            Refusal::AlreadySubscribed { .. } => ProblemCode::AlreadySubscribed,
            Refusal::Upgrade(_) => ProblemCode::UpgradeNotAllowed,
            Refusal::SeatsNotAllowed { .. } => ProblemCode::SeatsNotAllowed,
            Refusal::SubscriptionNotActive => ProblemCode::SubscriptionNotActive,
            Refusal::AmountOutOfRange => ProblemCode::AmountOutOfRange,
            Refusal::AutoRenewNotAllowed { .. } => ProblemCode::AutoRenewNotAllowed,
            Refusal::TrialNotOffered { .. } => ProblemCode::TrialNotOffered,
            Refusal::TrialAlreadyUsed => ProblemCode::TrialAlreadyUsed,
        }
    }

    /// Whether the refusal is a conflict with what the account holds (409), not a request the
    /// rules reject as such (422): buying an edition already held.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Refusal::AlreadySubscribed { .. })
    }

    /// The finer reason, for refusals that share a code.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Refusal::Upgrade(upgrade) => Some(upgrade.reason()),
            _ => None,
        }
    }
}

impl From<MoneyError> for Refusal {
    fn from(_: MoneyError) -> Self {
        Refusal::AmountOutOfRange
    }
}
