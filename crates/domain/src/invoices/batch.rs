//! When the weekly invoice batch runs (DESIGN.md §6: weekly, default Monday 10:00 UTC+8), and
//! which run is due after downtime.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, TimeZone, Utc, Weekday};
use thiserror::Error;

/// When the weekly batch runs: a weekday and a time at a fixed UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSchedule {
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub offset: FixedOffset,
}

/// China's time: UTC+8 all year (no daylight saving).
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Ten in the morning.
const TEN: NaiveTime = match NaiveTime::from_hms_opt(10, 0, 0) {
    Some(time) => time,
    None => panic!("10:00 is a valid time"),
};

impl Default for BatchSchedule {
    /// Monday 10:00 Asia/Shanghai.
    fn default() -> Self {
        BatchSchedule {
            weekday: Weekday::Mon,
            time: TEN,
            offset: CHINA,
        }
    }
}

/// Why a batch schedule did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not a schedule like \"MON 10:00 +08:00\" (weekday, time, UTC offset)")]
pub struct InvalidSchedule(pub String);

impl std::str::FromStr for BatchSchedule {
    type Err = InvalidSchedule;

    /// Parses `"MON 10:00 +08:00"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidSchedule(s.to_owned());
        let mut parts = s.split_whitespace();
        let weekday: Weekday = parts
            .next()
            .ok_or_else(invalid)?
            .parse()
            .map_err(|_| invalid())?;
        let time = NaiveTime::parse_from_str(parts.next().ok_or_else(invalid)?, "%H:%M")
            .map_err(|_| invalid())?;
        let offset: FixedOffset = parts
            .next()
            .ok_or_else(invalid)?
            .parse()
            .map_err(|_| invalid())?;
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(BatchSchedule {
            weekday,
            time,
            offset,
        })
    }
}

impl BatchSchedule {
    /// The latest scheduled batch time at or before `now`: the batch that is due. A server
    /// that was down over it runs it once when it returns, because the batch is claimed by
    /// this instant.
    pub fn last_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.offset);
        let back =
            (7 + local.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7;
        let day = local.date_naive() - Duration::days(i64::from(back));
        let candidate = self
            .offset
            .from_local_datetime(&day.and_time(self.time))
            .single()?
            .with_timezone(&Utc);
        Some(if candidate > now {
            candidate - Duration::days(7)
        } else {
            candidate
        })
    }

    /// The first scheduled batch time after `now`: when the requested invoices are issued
    /// next (the operators' queue says so).
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.last_due(now).map(|due| due + Duration::days(7))
    }
}
