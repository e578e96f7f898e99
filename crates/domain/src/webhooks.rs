//! Outbound webhooks (DESIGN.md §4): each event is delivered to every endpoint that listens,
//! signed, and retried until it is delivered or its attempts run out.

use chrono::{DateTime, Duration, Utc};

use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// Where one delivery of an event to one endpoint stands.
    pub enum DeliveryStatus {
        /// Not delivered yet: its next attempt is due at its `next_attempt_at`.
        Pending,
        /// The endpoint answered 2xx.
        Delivered,
        /// Every attempt failed; it is not retried again.
        Failed,
    }
}

/// Attempts before a delivery is given up as `failed`.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait after `attempts` failed attempts: 10 s, 20 s, 40 s, … at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.clamp(1, 12) - 1;
    Duration::seconds((10_i64 << exponent).min(3600))
}

/// What an attempt's outcome makes of a delivery after `attempts` attempts at `now`: delivered,
/// retried after its backoff (`Pending` with the time of the next attempt), or failed for good.
pub fn after_attempt(
    delivered: bool,
    attempts: u32,
    now: DateTime<Utc>,
) -> (DeliveryStatus, Option<DateTime<Utc>>) {
    if delivered {
        (DeliveryStatus::Delivered, None)
    } else if attempts >= MAX_ATTEMPTS {
        (DeliveryStatus::Failed, None)
    } else {
        (DeliveryStatus::Pending, Some(now + backoff(attempts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(3), Duration::seconds(40));
        assert_eq!(backoff(12), Duration::seconds(3600));
    }

    #[test]
    fn a_failed_attempt_is_retried_until_the_last_then_fails() {
        let now = DateTime::UNIX_EPOCH;
        assert_eq!(
            after_attempt(true, 3, now),
            (DeliveryStatus::Delivered, None)
        );
        assert_eq!(
            after_attempt(false, 1, now),
            (DeliveryStatus::Pending, Some(now + Duration::seconds(10)))
        );
        assert_eq!(
            after_attempt(false, MAX_ATTEMPTS - 1, now).0,
            DeliveryStatus::Pending
        );
        assert_eq!(
            after_attempt(false, MAX_ATTEMPTS, now),
            (DeliveryStatus::Failed, None)
        );
    }
}
