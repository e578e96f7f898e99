//! The injectable source of "now" (DESIGN.md §2): every rule takes the time as an argument,
//! and the server reads it from a [`Clock`], so tests and the demo's sandbox can move time the
//! way a billing "test clock" does.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, DurationRound, Utc};

/// Where the current time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, in UTC, to the microsecond: the precision PostgreSQL keeps, so a
    /// time read back from the store equals the time that was written.
    fn now(&self) -> DateTime<Utc>;
}

/// `t` cut to whole microseconds.
fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock that runs with the machine's but can be moved forward: `now` is the system time
/// plus an offset that only grows, so time never runs backwards for the server.
#[derive(Debug, Default, Clone)]
pub struct OffsetClock {
    offset: Arc<Mutex<Duration>>,
}

impl OffsetClock {
    /// How far the clock runs ahead of the machine's.
    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward by `by` (negative durations are ignored: time never goes back).
    pub fn advance(&self, by: Duration) {
        if by > Duration::zero() {
            let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
            *offset += by;
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        to_micros(Utc::now() + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_moves_forward_and_never_back() {
        let clock = OffsetClock::default();
        clock.advance(Duration::days(30));
        clock.advance(Duration::days(-400));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > Duration::days(29) && ahead <= Duration::days(30));
    }

    #[test]
    fn readings_are_whole_microseconds() {
        use chrono::Timelike;
        assert_eq!(SystemClock.now().nanosecond() % 1000, 0);
        assert_eq!(OffsetClock::default().now().nanosecond() % 1000, 0);
    }
}
