//! `--since` / `--until`: durations back from now (`7d`, `12h`, `90m`, `2w`), RFC 3339
//! times or dates.

use crate::error::{EngineError, Result};
use crate::parse::time::parse_timestamp_micros;

/// A half-open time range in microseconds since the epoch (UTC); `None` = unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// Earliest and latest instants DataFusion's nanosecond timestamps can hold, used
/// for open ends.
pub const OPEN_START: &str = "1970-01-01T00:00:00Z";
pub const OPEN_END: &str = "2200-01-01T00:00:00Z";

/// Parses one bound relative to `now_micros`.
pub fn parse_bound(text: &str, now_micros: i64) -> Result<i64> {
    let trimmed = text.trim();
    let unit_at = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.'));
    if let Some(at) = unit_at {
        let (number, unit) = trimmed.split_at(at);
        if let Ok(value) = number.parse::<f64>() {
            let seconds = match unit.trim() {
                "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
                "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                "h" | "hour" | "hours" => 3600.0,
                "d" | "day" | "days" => 86_400.0,
                "w" | "week" | "weeks" => 604_800.0,
                _ => f64::NAN,
            };
            if seconds.is_finite() {
                return Ok(now_micros - (value * seconds * 1e6) as i64);
            }
        }
    }
    parse_timestamp_micros(trimmed).map_err(|e| {
        EngineError::Invalid(format!(
            "time {trimmed:?}: {e} (use 7d, 12h, or an RFC 3339 time)"
        ))
    })
}

impl TimeRange {
    pub fn parse(since: Option<&str>, until: Option<&str>, now_micros: i64) -> Result<TimeRange> {
        let range = TimeRange {
            since: since.map(|s| parse_bound(s, now_micros)).transpose()?,
            until: until.map(|u| parse_bound(u, now_micros)).transpose()?,
        };
        if let (Some(since), Some(until)) = (range.since, range.until)
            && since >= until
        {
            return Err(EngineError::Invalid(
                "--since must be before --until".into(),
            ));
        }
        Ok(range)
    }

    /// SQL timestamp literal of the start (open ranges start at the epoch).
    pub fn since_literal(&self) -> String {
        literal(self.since, OPEN_START)
    }

    /// SQL timestamp literal of the end.
    pub fn until_literal(&self) -> String {
        literal(self.until, OPEN_END)
    }

    /// A literal `days` before the start (the baseline period before a hunt window).
    pub fn before_since_literal(&self, days: f64) -> String {
        literal(self.since.map(|s| s - (days * 86_400e6) as i64), OPEN_START)
    }
}

/// RFC 3339 text of a microsecond timestamp.
pub fn rfc3339(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    match chrono::DateTime::from_timestamp(seconds, (fraction * 1000) as u32) {
        Some(time) if fraction == 0 => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(time) => time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => OPEN_START.to_string(),
    }
}

fn literal(micros: Option<i64>, open: &str) -> String {
    format!(
        "TIMESTAMP '{}'",
        micros.map_or_else(|| open.to_string(), rfc3339)
    )
}

/// Now, in microseconds since the epoch.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        let now = 1_700_000_000_000_000;
        assert_eq!(parse_bound("7d", now).unwrap(), now - 7 * 86_400_000_000);
        assert_eq!(parse_bound("1.5h", now).unwrap(), now - 5_400_000_000);
        assert_eq!(
            parse_bound("2024-01-01", now).unwrap(),
            1_704_067_200_000_000
        );
        assert!(parse_bound("soon", now).is_err());
        let range = TimeRange::parse(Some("2024-01-01"), None, now).unwrap();
        assert_eq!(range.since_literal(), "TIMESTAMP '2024-01-01T00:00:00Z'");
        assert_eq!(range.until_literal(), format!("TIMESTAMP '{OPEN_END}'"));
        assert!(TimeRange::parse(Some("1d"), Some("2d"), now).is_err());
    }
}
