//! Calendar arithmetic (DESIGN.md §2 and §5).
//!
//! "n months after t" is computed from `t` itself with end-of-month clamping: Jan 31 + 1 month
//! is Feb 28 (or 29), Jan 31 + 2 months is Mar 31 — never Mar 28 by chaining one month at a
//! time. Periods therefore keep their anchor: the k-th period ends k cycles after the anchor.

use chrono::{DateTime, Months, Utc};

use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// How often a term product bills.
    pub enum Cycle {
        Month,
        Year,
    }
}

impl Cycle {
    /// Calendar months in one cycle.
    pub fn months(self) -> u32 {
        match self {
            Cycle::Month => 1,
            Cycle::Year => 12,
        }
    }
}

/// `t` plus `n` calendar months, clamped to the end of the target month. `None` only past the
/// end of chrono's calendar (year 262143), which no license reaches.
pub fn add_months(t: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
    t.checked_add_months(Months::new(n))
}

/// Where the `k`-th period of a subscription anchored at `anchor` ends: `k` cycles after the
/// anchor itself, so a monthly subscription bought Jan 31 ends Feb 28, Mar 31, Apr 30.
pub fn period_end(anchor: DateTime<Utc>, cycle: Cycle, k: u32) -> Option<DateTime<Utc>> {
    add_months(anchor, k.checked_mul(cycle.months())?)
}

/// Months left from `now` to `end`, any part of a month counting as a whole one (DESIGN.md §5):
/// the smallest `n` for which `now + n months` reaches `end`. 100 days left is 4 months; an
/// `end` that has passed leaves 0.
pub fn months_left(now: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    if end <= now {
        return 0;
    }
    use chrono::Datelike;
    let rough = (end.year() - now.year()) * 12 + end.month() as i32 - now.month() as i32;
    // `rough` is within one of the answer; walk to the smallest n that reaches the end.
    let mut n = u32::try_from(rough.max(0)).unwrap_or(0);
    while add_months(now, n).is_some_and(|t| t < end) {
        n += 1;
    }
    while n > 0 && add_months(now, n - 1).is_some_and(|t| t >= end) {
        n -= 1;
    }
    n
}

/// A UTC instant of the wall clock, for the domain's tests: `utc(2026, 1, 31, 9, 30)`.
#[cfg(test)]
pub(crate) fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid test date")
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        utc(y, m, d, 12, 0)
    }

    #[test]
    fn jan_31_plus_one_month_is_the_end_of_february() {
        assert_eq!(add_months(at(2026, 1, 31), 1), Some(at(2026, 2, 28)));
        assert_eq!(add_months(at(2028, 1, 31), 1), Some(at(2028, 2, 29)));
    }

    #[test]
    fn jan_31_plus_two_months_is_march_31_not_chained() {
        assert_eq!(add_months(at(2026, 1, 31), 2), Some(at(2026, 3, 31)));
    }

    #[test]
    fn monthly_periods_keep_their_anchor() {
        let anchor = at(2026, 1, 31);
        let ends: Vec<_> = (1..=3)
            .map(|k| period_end(anchor, Cycle::Month, k))
            .collect();
        assert_eq!(
            ends,
            vec![
                Some(at(2026, 2, 28)),
                Some(at(2026, 3, 31)),
                Some(at(2026, 4, 30))
            ]
        );
    }

    #[test]
    fn a_hundred_days_left_is_four_months() {
        let now = at(2026, 3, 10);
        assert_eq!(months_left(now, now + Duration::days(100)), 4);
    }

    #[test]
    fn exactly_n_months_left_is_n_and_one_second_more_is_n_plus_one() {
        let now = at(2026, 5, 15);
        let end = add_months(now, 13).expect("in range");
        assert_eq!(months_left(now, end), 13);
        assert_eq!(months_left(now, end + Duration::seconds(1)), 14);
        assert_eq!(months_left(now, now + Duration::seconds(1)), 1);
    }

    #[test]
    fn a_passed_end_leaves_no_months() {
        let now = at(2026, 5, 15);
        assert_eq!(months_left(now, now), 0);
        assert_eq!(months_left(now, at(2026, 1, 1)), 0);
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2000-01-01 .. 2100-01-01
        (946_684_800_i64..4_102_444_800)
            .prop_map(|s| DateTime::from_timestamp(s, 0).expect("in chrono's range"))
    }

    proptest! {
        /// Month addition never lands past the end of a month: the day of the month is the
        /// start's day, or the last day of a shorter month.
        #[test]
        fn adding_months_clamps_to_the_end_of_the_month(t in any_instant(), n in 0u32..600) {
            use chrono::Datelike;
            let later = add_months(t, n).expect("in range");
            let last_day = (28..=31)
                .rev()
                .find(|d| later.date_naive().with_day(*d).is_some())
                .expect("every month has 28 days");
            prop_assert!(later.day() == t.day() || (later.day() == last_day && t.day() > last_day));
            prop_assert_eq!(later.time(), t.time());
        }

        /// Months left is the smallest n whose n-th month reaches the end.
        #[test]
        fn months_left_is_the_smallest_reaching_n(now in any_instant(), secs in 1i64..200_000_000) {
            let end = now + Duration::seconds(secs);
            let n = months_left(now, end);
            prop_assert!(n >= 1);
            prop_assert!(add_months(now, n).expect("in range") >= end);
            prop_assert!(add_months(now, n - 1).expect("in range") < end);
        }

        /// Months left never grows as time passes.
        #[test]
        fn months_left_never_grows_as_time_passes(
            now in any_instant(), secs in 1i64..200_000_000, step in 0i64..50_000_000
        ) {
            let end = now + Duration::seconds(secs);
            prop_assert!(months_left(now + Duration::seconds(step), end) <= months_left(now, end));
        }
    }
}
