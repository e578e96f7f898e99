//! Renewal, retries, expiry and reminders over time (DESIGN.md §4).
//!
//! A renewal starts the new period exactly where the old one ended (no gap, no overlap), and
//! period ends keep the subscription's anchor: the k-th period ends k cycles after it. A
//! failed renewal charge leaves the subscription `past_due` and is retried 1, 3 and 5 days
//! after the period's end; when the last retry fails the subscription expires. Reminders go
//! out 30, 7 and 1 days before something expires without renewal, once each.

use chrono::{DateTime, Duration, Utc};

use crate::calendar::{Cycle, months_left, period_end};
use crate::subscription::SubscriptionStatus;

/// Days after the period's end at which a failed renewal is charged again.
pub const RETRY_DAYS: [i64; 3] = [1, 3, 5];

/// Days before an expiry at which a reminder goes out.
pub const REMINDER_DAYS: [i64; 3] = [30, 7, 1];

/// The period that follows the one ending at `current_end`, for a subscription anchored at
/// `anchor`: it starts at `current_end` and ends one cycle further along the anchor's grid.
pub fn next_period(
    anchor: DateTime<Utc>,
    cycle: Cycle,
    current_end: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    // Periods elapsed: the smallest k whose end reaches `current_end` (exact on the grid).
    let elapsed = months_left(anchor, current_end).div_ceil(cycle.months());
    let end = period_end(anchor, cycle, elapsed + 1)?;
    Some((current_end, end))
}

/// When a renewal that has failed `failures` times is charged again, or `None` when the
/// retries are used up and the subscription expires.
pub fn next_retry(period_end: DateTime<Utc>, failures: u32) -> Option<DateTime<Utc>> {
    let index = usize::try_from(failures).ok()?.checked_sub(1)?;
    RETRY_DAYS
        .get(index)
        .map(|days| period_end + Duration::days(*days))
}

/// What a failed renewal charge does to its subscription (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailedCharge {
    /// `past_due`, charged again at `retry_at`; its licenses keep running meanwhile.
    PastDue { retry_at: DateTime<Utc> },
    /// The retries are used up: the subscription expires, and its licenses with it.
    Expired,
}

impl AfterFailedCharge {
    /// The subscription's status after the failure.
    pub fn status(self) -> SubscriptionStatus {
        match self {
            AfterFailedCharge::PastDue { .. } => SubscriptionStatus::PastDue,
            AfterFailedCharge::Expired => SubscriptionStatus::Expired,
        }
    }

    /// When it is charged again, if it is.
    pub fn retry_at(self) -> Option<DateTime<Utc>> {
        match self {
            AfterFailedCharge::PastDue { retry_at } => Some(retry_at),
            AfterFailedCharge::Expired => None,
        }
    }
}

/// The outcome of the `failures`-th failed charge of the renewal of a period ending at
/// `period_end`: retried 1, 3 and 5 days after the period's end, expired after the last.
pub fn after_failed_charge(period_end: DateTime<Utc>, failures: u32) -> AfterFailedCharge {
    match next_retry(period_end, failures) {
        Some(retry_at) => AfterFailedCharge::PastDue { retry_at },
        None => AfterFailedCharge::Expired,
    }
}

/// The end of a renewal's grace: the day of the last retry after `period_end`. A renewal the
/// customer pays themselves (pay to renew, DESIGN.md §8) stays payable until then; unpaid
/// then, the subscription expires as a failed automatic renewal would.
pub fn grace_end(period_end: DateTime<Utc>) -> DateTime<Utc> {
    let last = RETRY_DAYS.last().copied().unwrap_or(0);
    period_end + Duration::days(last)
}

/// The latest period end whose pay-to-renew renewal opens by `now` (DESIGN.md §8: the renewal
/// is opened for the customer to pay `notice_days` before the period ends).
pub fn noticed_until(now: DateTime<Utc>, notice_days: u32) -> DateTime<Utc> {
    now + Duration::days(i64::from(notice_days))
}

/// Which reminders are due at `now` for something ending at `end`, given those already
/// recorded: the nearest threshold crossed is sent; thresholds crossed while the server was
/// down are recorded as passed without a message, so each goes out at most once and a late
/// server never sends a "30 days left" five days before the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPlan {
    /// The reminder to send now, in days before the end.
    pub send: Option<i64>,
    /// Every threshold to record as done (the one sent included).
    pub record: Vec<i64>,
}

/// Plans the reminders for `end` at `now`.
pub fn reminders_due(end: DateTime<Utc>, now: DateTime<Utc>, recorded: &[i64]) -> ReminderPlan {
    if now >= end {
        return ReminderPlan {
            send: None,
            record: Vec::new(),
        };
    }
    let crossed: Vec<i64> = REMINDER_DAYS
        .iter()
        .copied()
        .filter(|days| now >= end - Duration::days(*days) && !recorded.contains(days))
        .collect();
    ReminderPlan {
        send: crossed.iter().copied().min(),
        record: crossed,
    }
}

/// Whether a subscription renews by a payment its customer makes (pay to renew, DESIGN.md §8)
/// rather than by a charge to its saved method: the provider of its method cannot charge a
/// saved method (`charges_saved` false: Alipay, WeChat Pay, PayPal without vaulting), or
/// charges one only with the reference a first payment saved (`needs_token`: Stripe, PayPal)
/// and the subscription holds none (nothing was saved, or it was forgotten when the provider
/// asked for the customer).
pub fn pays_to_renew(charges_saved: bool, needs_token: bool, has_token: bool) -> bool {
    !charges_saved || (needs_token && !has_token)
}

#[cfg(test)]
mod paid_by_whom {
    use super::pays_to_renew;

    #[test]
    fn a_saved_method_renews_by_itself_only_where_the_provider_charges_it() {
        assert!(
            !pays_to_renew(true, false, false),
            "the sandbox needs no reference"
        );
        assert!(!pays_to_renew(true, true, true), "a saved card");
        assert!(
            pays_to_renew(true, true, false),
            "a card whose payment saved nothing"
        );
        assert!(pays_to_renew(false, false, false), "Alipay");
        assert!(
            pays_to_renew(false, true, true),
            "PayPal with vaulting off, a vault id or not"
        );
    }
}

#[cfg(test)]
mod failed_charges {
    use super::*;

    #[test]
    fn three_failures_are_retried_and_the_fourth_expires() {
        let end = DateTime::UNIX_EPOCH;
        for (failures, days) in [(1, 1), (2, 3), (3, 5)] {
            let after = after_failed_charge(end, failures);
            assert_eq!(after.status(), SubscriptionStatus::PastDue);
            assert_eq!(after.retry_at(), Some(end + Duration::days(days)));
        }
        let last = after_failed_charge(end, 4);
        assert_eq!(last, AfterFailedCharge::Expired);
        assert_eq!(last.status(), SubscriptionStatus::Expired);
        assert_eq!(last.retry_at(), None);
    }
}

#[cfg(test)]
mod tests {
    use crate::calendar::utc;
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::add_months;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        utc(y, m, d, 8, 0)
    }

    #[test]
    fn pay_to_renew_opens_a_week_before_and_stays_payable_through_the_last_retry() {
        let end = at(2026, 3, 31);
        // Opened on the 24th for a period ending on the 31st, not on the 23rd.
        assert_eq!(noticed_until(at(2026, 3, 24), 7), end);
        assert!(noticed_until(at(2026, 3, 23), 7) < end);
        assert_eq!(grace_end(end), at(2026, 4, 5));
        // The last retry's day is the grace's end: after it no retry is left.
        assert_eq!(next_retry(end, 3), Some(grace_end(end)));
        assert_eq!(next_retry(end, 4), None);
    }

    #[test]
    fn monthly_renewals_from_jan_31_keep_the_anchor() {
        let anchor = at(2026, 1, 31);
        let first_end = at(2026, 2, 28);
        let (start, second_end) = next_period(anchor, Cycle::Month, first_end).expect("next");
        assert_eq!(start, first_end);
        assert_eq!(second_end, at(2026, 3, 31));
        let (_, third_end) = next_period(anchor, Cycle::Month, second_end).expect("next");
        assert_eq!(third_end, at(2026, 4, 30));
    }

    #[test]
    fn a_year_paid_up_front_renews_for_one_more_cycle() {
        let anchor = at(2026, 3, 10);
        let paid_end = add_months(anchor, 36).expect("in range");
        let (_, end) = next_period(anchor, Cycle::Year, paid_end).expect("next");
        assert_eq!(end, at(2030, 3, 10));
    }

    #[test]
    fn failed_renewals_retry_after_one_three_and_five_days_then_stop() {
        let end = at(2026, 5, 1);
        assert_eq!(next_retry(end, 1), Some(at(2026, 5, 2)));
        assert_eq!(next_retry(end, 2), Some(at(2026, 5, 4)));
        assert_eq!(next_retry(end, 3), Some(at(2026, 5, 6)));
        assert_eq!(next_retry(end, 4), None);
        assert_eq!(next_retry(end, 0), None);
    }

    #[test]
    fn reminders_go_out_at_thirty_seven_and_one_days_once_each() {
        let end = at(2026, 6, 30);
        assert_eq!(reminders_due(end, end - Duration::days(31), &[]).send, None);
        let plan = reminders_due(end, end - Duration::days(30), &[]);
        assert_eq!(plan.send, Some(30));
        assert_eq!(
            reminders_due(end, end - Duration::days(29), &[30]).send,
            None
        );
        assert_eq!(
            reminders_due(end, end - Duration::days(7), &[30]).send,
            Some(7)
        );
        assert_eq!(
            reminders_due(end, end - Duration::hours(20), &[30, 7]).send,
            Some(1)
        );
        assert_eq!(reminders_due(end, end, &[]).send, None);
    }

    #[test]
    fn a_late_server_sends_only_the_nearest_reminder() {
        let end = at(2026, 6, 30);
        let plan = reminders_due(end, end - Duration::days(5), &[]);
        assert_eq!(plan.send, Some(7));
        assert_eq!(plan.record, vec![30, 7]);
    }

    proptest! {
        /// Renewed periods are contiguous and each is exactly one cycle along the anchor's
        /// grid: the k-th end is k cycles after the anchor.
        #[test]
        fn renewed_periods_are_contiguous_on_the_anchor_grid(
            start in 946_684_800_i64..4_000_000_000, annual in any::<bool>(), renewals in 1u32..30
        ) {
            let anchor = DateTime::from_timestamp(start, 0).expect("in range");
            let cycle = if annual { Cycle::Year } else { Cycle::Month };
            let mut end = period_end(anchor, cycle, 1).expect("in range");
            for k in 2..=renewals + 1 {
                let (next_start, next_end) = next_period(anchor, cycle, end).expect("next");
                prop_assert_eq!(next_start, end);
                prop_assert_eq!(Some(next_end), period_end(anchor, cycle, k));
                end = next_end;
            }
        }
    }
}
