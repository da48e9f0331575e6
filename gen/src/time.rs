//! Time as 100-nanosecond ticks since the Unix epoch (Entra writes 7 fractional digits).

/// 100-ns ticks since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ticks(pub i64);

/// Ticks per second.
pub const SECOND: i64 = 10_000_000;
/// Ticks per minute.
pub const MINUTE: i64 = 60 * SECOND;
/// Ticks per hour.
pub const HOUR: i64 = 60 * MINUTE;
/// Ticks per day.
pub const DAY: i64 = 24 * HOUR;

impl Ticks {
    /// Midnight UTC of a calendar date.
    pub fn from_date(date: chrono::NaiveDate) -> Ticks {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        Ticks((date - epoch).num_days() * DAY)
    }

    /// Seconds since the epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(SECOND)
    }

    /// This instant plus `d` ticks.
    pub fn plus(self, d: i64) -> Ticks {
        Ticks(self.0 + d)
    }

    /// As a chrono UTC time (whole microseconds).
    pub fn to_chrono(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_micros(self.0.div_euclid(10)).unwrap_or_default()
    }

    /// From a chrono UTC time.
    pub fn from_chrono(t: chrono::DateTime<chrono::Utc>) -> Ticks {
        Ticks(t.timestamp_micros() * 10)
    }
}
