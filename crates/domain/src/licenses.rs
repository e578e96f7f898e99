//! Licenses: what a customer holds after paying (DESIGN.md §3). Each carries its validity,
//! always visible; a one-time license is consumed once; a host-bound license is activated on
//! one host at a time.

use crate::api::ProblemCode;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::stored::stored_enum;
use crate::subscription::{SubscriptionStatus, renews_itself};

stored_enum! {
    "snake_case";
    /// Where a license stands.
    pub enum LicenseStatus {
        /// Usable (a one-time license: available, not yet consumed).
        Active,
        /// Its validity ended.
        Expired,
        /// A one-time license used by one run.
        Consumed,
    }
}

stored_enum! {
    "snake_case";
    /// How a license came to be.
    pub enum LicenseSource {
        /// Bought.
        Order,
        /// Extended or granted by a renewal.
        Renewal,
        /// Granted free with a paid term (DR's failback licenses).
        Bonus,
        /// A free trial.
        Trial,
    }
}

/// Why a license cannot do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LicenseRefusal {
    #[error("this license was consumed already; buy or use another failback license")]
    AlreadyConsumed,
    #[error("this license expired on {0}; renew or buy a new one")]
    Expired(DateTime<Utc>),
    #[error("only one-time licenses are consumed; this one is used for its whole term")]
    NotConsumable,
    #[error("this product is not activated on hosts")]
    NotHostBound,
    #[error("this license is active on host {0}: deactivate it there first")]
    ActiveElsewhere(String),
    #[error("this license was consumed by run {0}")]
    ConsumedByAnotherRun(String),
    #[error("a consumed license cannot be moved to a host")]
    Consumed,
}

impl LicenseRefusal {
    /// The stable code the API answers with.
    pub fn code(&self) -> ProblemCode {
        match self {
            LicenseRefusal::AlreadyConsumed | LicenseRefusal::ConsumedByAnotherRun(_) => {
                ProblemCode::LicenseAlreadyConsumed
            }
            LicenseRefusal::Expired(_) => ProblemCode::LicenseExpired,
            LicenseRefusal::NotConsumable => ProblemCode::LicenseNotConsumable,
            LicenseRefusal::NotHostBound => ProblemCode::LicenseNotHostBound,
            LicenseRefusal::ActiveElsewhere(_) => ProblemCode::LicenseActiveElsewhere,
            LicenseRefusal::Consumed => ProblemCode::LicenseConsumed,
        }
    }

    /// Whether the refusal is a conflict with the license's state (409) rather than a request
    /// that could never apply to it (422).
    pub fn is_conflict(&self) -> bool {
        !matches!(
            self,
            LicenseRefusal::NotConsumable | LicenseRefusal::NotHostBound
        )
    }
}

/// A license's facts as the rules need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseState {
    /// The stored status: `active` or `consumed`, or `expired` once the expiry job has run.
    pub stored: LicenseStatus,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

impl LicenseState {
    /// The status at `now`: a license past its end is expired even before the expiry job
    /// records it; a consumed one stays consumed.
    pub fn status_at(&self, now: DateTime<Utc>) -> LicenseStatus {
        match self.stored {
            LicenseStatus::Active if now >= self.valid_until => LicenseStatus::Expired,
            other => other,
        }
    }

    /// A one-time license is consumed once, while valid.
    pub fn check_consume(&self, one_time: bool, now: DateTime<Utc>) -> Result<(), LicenseRefusal> {
        if !one_time {
            return Err(LicenseRefusal::NotConsumable);
        }
        match self.status_at(now) {
            LicenseStatus::Consumed => Err(LicenseRefusal::AlreadyConsumed),
            LicenseStatus::Expired => Err(LicenseRefusal::Expired(self.valid_until)),
            LicenseStatus::Active => Ok(()),
        }
    }

    /// A license that binds to machines is activated while valid (DESIGN.md §3); which
    /// machine may hold it is [`crate::machines::placement`]'s rule.
    pub fn check_activate(&self, binds: bool, now: DateTime<Utc>) -> Result<(), LicenseRefusal> {
        if !binds {
            return Err(LicenseRefusal::NotHostBound);
        }
        match self.status_at(now) {
            LicenseStatus::Consumed => Err(LicenseRefusal::Consumed),
            LicenseStatus::Expired => Err(LicenseRefusal::Expired(self.valid_until)),
            LicenseStatus::Active => Ok(()),
        }
    }

    /// A license file is issued while the license keeps the software running: not once it is
    /// consumed, and not past its grace (`grace_until`), so no fresh file outlives it.
    pub fn check_file(
        &self,
        grace_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), LicenseRefusal> {
        match self.stored {
            LicenseStatus::Consumed => Err(LicenseRefusal::Consumed),
            _ if now >= grace_until => Err(LicenseRefusal::Expired(self.valid_until)),
            _ => Ok(()),
        }
    }
}

/// A consume for run `run` that found the license consumed already (by `consumed_by`, when a
/// run did): the same run asking again is answered as the first time was, the way a client
/// token makes a retry safe; any other is refused, naming the run that consumed it.
pub fn consumed_again(consumed_by: Option<&str>, run: Option<&str>) -> Result<(), LicenseRefusal> {
    match (consumed_by, run) {
        (Some(by), Some(run)) if by == run => Ok(()),
        (Some(by), Some(_)) => Err(LicenseRefusal::ConsumedByAnotherRun(by.to_owned())),
        _ => Err(LicenseRefusal::AlreadyConsumed),
    }
}

/// A host name as a license records it: 1–253 characters of letters, digits, `.`, `-`, `_`
/// and `:` (names, IPv4 and IPv6 addresses).
pub fn valid_host(host: &str) -> bool {
    (1..=253).contains(&host.len())
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
}

/// The subscription a license belongs to, as far as its expiry is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub product: &'a str,
    pub status: SubscriptionStatus,
    pub auto_renew: bool,
    pub trial: bool,
}

/// Whether a license of `product` past its `valid_until` waits for its subscription's renewal
/// instead of expiring (DESIGN.md §4): it does when the subscription may still renew itself
/// and the license is the subscription's own product. A bonus license (DR's failback) ends
/// with its term; a license of an expired or non-renewing subscription expires.
pub fn waits_for_renewal(product: &str, owner: Option<Owner<'_>>) -> bool {
    owner.is_some_and(|owner| {
        owner.status != SubscriptionStatus::Expired
            && renews_itself(owner.auto_renew, owner.trial)
            && owner.product == product
    })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn a_renewing_subscriptions_own_licenses_wait_and_its_bonus_ones_expire() {
        let dr = Owner {
            product: "dr",
            status: SubscriptionStatus::PastDue,
            auto_renew: true,
            trial: false,
        };
        assert!(waits_for_renewal("dr", Some(dr)));
        assert!(!waits_for_renewal("failback", Some(dr)));
        assert!(!waits_for_renewal("dr", None));
        for ends in [
            Owner {
                auto_renew: false,
                ..dr
            },
            Owner { trial: true, ..dr },
            Owner {
                status: SubscriptionStatus::Expired,
                ..dr
            },
        ] {
            assert!(!waits_for_renewal("dr", Some(ends)), "{ends:?}");
        }
    }

    fn license(stored: LicenseStatus, ends_in_days: i64) -> LicenseState {
        LicenseState {
            stored,
            valid_from: Utc::now() - Duration::days(1),
            valid_until: Utc::now() + Duration::days(ends_in_days),
        }
    }

    #[test]
    fn a_one_time_license_is_consumed_once() {
        let now = Utc::now();
        assert!(
            license(LicenseStatus::Active, 30)
                .check_consume(true, now)
                .is_ok()
        );
        assert_eq!(
            license(LicenseStatus::Consumed, 30)
                .check_consume(true, now)
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseAlreadyConsumed)
        );
    }

    #[test]
    fn files_are_issued_until_the_grace_ends_and_never_once_consumed() {
        let now = Utc::now();
        let ended = license(LicenseStatus::Expired, -1);
        assert!(ended.check_file(now + Duration::days(6), now).is_ok());
        assert_eq!(
            ended.check_file(now, now).map_err(|r| r.code()),
            Err(ProblemCode::LicenseExpired)
        );
        assert_eq!(
            license(LicenseStatus::Consumed, 30)
                .check_file(now + Duration::days(30), now)
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseConsumed)
        );
    }

    #[test]
    fn the_run_that_consumed_a_license_may_ask_again() {
        assert_eq!(consumed_again(Some("run-1"), Some("run-1")), Ok(()));
        assert_eq!(
            consumed_again(Some("run-1"), Some("run-2")),
            Err(LicenseRefusal::ConsumedByAnotherRun("run-1".to_owned()))
        );
        assert_eq!(
            consumed_again(None, Some("run-2")),
            Err(LicenseRefusal::AlreadyConsumed)
        );
        assert_eq!(
            consumed_again(Some("run-1"), None),
            Err(LicenseRefusal::AlreadyConsumed)
        );
    }

    #[test]
    fn an_expired_license_cannot_be_consumed_even_before_the_job_marks_it() {
        let stale = license(LicenseStatus::Active, -1);
        assert_eq!(stale.status_at(Utc::now()), LicenseStatus::Expired);
        assert_eq!(
            stale.check_consume(true, Utc::now()).map_err(|r| r.code()),
            Err(ProblemCode::LicenseExpired)
        );
    }

    #[test]
    fn term_licenses_are_not_consumed() {
        assert_eq!(
            license(LicenseStatus::Active, 30)
                .check_consume(false, Utc::now())
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseNotConsumable)
        );
    }

    #[test]
    fn a_bound_license_is_activated_while_valid() {
        let now = Utc::now();
        assert!(
            license(LicenseStatus::Active, 30)
                .check_activate(true, now)
                .is_ok()
        );
        assert_eq!(
            license(LicenseStatus::Active, 30)
                .check_activate(false, now)
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseNotHostBound)
        );
        assert_eq!(
            license(LicenseStatus::Active, -1)
                .check_activate(true, now)
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseExpired)
        );
        assert_eq!(
            license(LicenseStatus::Consumed, 30)
                .check_activate(true, now)
                .map_err(|r| r.code()),
            Err(ProblemCode::LicenseConsumed)
        );
    }

    #[test]
    fn host_names_are_checked() {
        assert!(valid_host("db-1.example.com"));
        assert!(valid_host("10.0.0.7"));
        assert!(valid_host("fe80::1"));
        assert!(!valid_host(""));
        assert!(!valid_host("has space"));
        assert!(!valid_host(&"h".repeat(254)));
    }
}
