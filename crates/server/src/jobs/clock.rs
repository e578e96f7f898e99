//! The sandbox clock (DESIGN.md §2): an admin moves it forward in test mode, to watch renewals
//! and expiry happen. It lives in memory, so a move's audit entry is all that is stored: the
//! entry is written before the clock moves, and a move that cannot be audited does not happen
//! (DESIGN.md §7: clock moves included).

use chrono::{DateTime, Duration, Utc};
use entitle_domain::Clock;
use entitle_domain::add_months;
use entitle_domain::api::ClockView;
use entitle_domain::clock::OffsetClock;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};

/// Why the clock is not there in live mode (DESIGN.md §8): real payments happen in real time.
const LIVE_CLOCK: ServiceError = ServiceError::TestModeOnly(
    "the clock moves only in test mode (entitle serve --sandbox); this server runs in live \
     mode, on the system clock",
);

/// Where `now` lands after an ISO 8601 `duration`: years and months by the calendar (with
/// end-of-month clamping, DESIGN.md §2), the rest by the clock.
pub fn advanced(now: DateTime<Utc>, duration: &str) -> ServiceResult<DateTime<Utc>> {
    let invalid = || {
        ServiceError::Invalid(format!(
            "{duration:?} is not an ISO 8601 duration such as P30D, PT12H, P1M or P1W"
        ))
    };
    if !duration.starts_with('P') {
        return Err(invalid());
    }
    let target = match iso8601::duration(duration).map_err(|_| invalid())? {
        iso8601::Duration::Weeks(weeks) => now + Duration::weeks(i64::from(weeks)),
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => {
            let months = year.checked_mul(12).and_then(|m| m.checked_add(month));
            add_months(now, months.ok_or_else(invalid)?).ok_or_else(invalid)?
                + Duration::days(i64::from(day))
                + Duration::hours(i64::from(hour))
                + Duration::minutes(i64::from(minute))
                + Duration::seconds(i64::from(second))
                + Duration::milliseconds(i64::from(millisecond))
        }
    };
    Ok(target)
}

/// The clock now and how far it was moved (test mode only).
pub fn view(movable_clock: Option<&OffsetClock>) -> ServiceResult<ClockView> {
    let clock = movable_clock.ok_or(LIVE_CLOCK)?;
    Ok(ClockView {
        now: clock.now(),
        offset_seconds: clock.offset().num_seconds(),
    })
}

/// Moves the clock forward by `duration` (admin, test mode only), audited first.
pub async fn advance(
    db: &DatabaseConnection,
    movable_clock: Option<&OffsetClock>,
    principal: Principal,
    duration: &str,
) -> ServiceResult<ClockView> {
    principal.require_admin()?;
    let clock = movable_clock.ok_or(LIVE_CLOCK)?;
    let now = clock.now();
    let target = advanced(now, duration)?;
    let offset = clock.offset();
    Change::new(
        Actor::from(principal),
        "clock.advanced",
        "clock",
        audit::name_id("clock", "sandbox"),
    )
    .states(
        &json!({ "now": now, "offset_seconds": offset.num_seconds() }),
        &json!({
            "now": target,
            "offset_seconds": (offset + (target - now)).num_seconds(),
            "advance": duration,
        }),
    )
    .record(db, now)
    .await?;
    clock.advance(target - now);
    view(movable_clock)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn jan_31() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn durations_move_the_clock_by_the_calendar() {
        assert_eq!(
            advanced(jan_31(), "P30D").ok(),
            Some(jan_31() + Duration::days(30))
        );
        assert_eq!(
            advanced(jan_31(), "P1M").ok(),
            Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).single()
        );
        assert_eq!(
            advanced(jan_31(), "PT12H").ok(),
            Some(jan_31() + Duration::hours(12))
        );
        assert_eq!(
            advanced(jan_31(), "P1W").ok(),
            Some(jan_31() + Duration::weeks(1))
        );
        assert!(advanced(jan_31(), "30 days").is_err());
        assert!(advanced(jan_31(), "").is_err());
    }
}
