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

/// The longest duration any option takes: timestamps end in 1677 going back
/// (nanoseconds in an i64), so a longer look-back is a typo.
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(200 * 365 * 86_400);

/// Seconds in one of a duration's units (short and long names).
fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "ms" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        _ => return None,
    })
}

/// A number and a unit (`1.5h`), when the text has that shape: `None` for anything
/// else (a time, a bare number, an unknown unit), so callers can try a timestamp.
fn number_and_unit(text: &str) -> Option<(f64, f64)> {
    let at = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(at);
    Some((number.parse().ok()?, unit_seconds(unit.trim())?))
}

fn checked(text: &str, seconds: f64) -> std::result::Result<std::time::Duration, String> {
    if !seconds.is_finite() || seconds < 0.0 || seconds > MAX_DURATION.as_secs_f64() {
        return Err(format!("{text:?} is out of range (at most 200 years)"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// The one duration grammar of every option (`--window`, `--every`, `--grace`,
/// `--lease-wait`, ...), `--since`/`--until` and the prompt's `.set`: a number,
/// fractions allowed, and a unit — `ms`, `s`, `m`/`min`, `h`, `d`, `w` or their long
/// names — such as `250ms`, `90m`, `1.5h`, `7d`, `2w`; a bare number is seconds.
///
/// ```
/// use std::time::Duration;
/// use tokenhunt_engine::timerange::parse_duration;
/// assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
/// assert!(parse_duration("5 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> std::result::Result<std::time::Duration, String> {
    let trimmed = text.trim();
    if let Some((value, unit)) = number_and_unit(trimmed) {
        return checked(trimmed, value * unit);
    }
    match trimmed.parse::<f64>() {
        Ok(seconds) => checked(trimmed, seconds),
        Err(_) => Err(format!(
            "{trimmed:?} is not a duration (use 250ms, 30s, 5m, 12h, 7d, 2w)"
        )),
    }
}

/// A look-back such as `7d` as a duration, or `None` when the text is not one (a time,
/// to be parsed as such); `Some(Err)` when it is one beyond [`MAX_DURATION`].
pub fn parse_look_back(text: &str) -> Option<std::result::Result<std::time::Duration, String>> {
    let trimmed = text.trim();
    let (value, unit) = number_and_unit(trimmed)?;
    Some(checked(trimmed, value * unit).map_err(|_| {
        format!(
            "{trimmed:?} reaches back more than 200 years (leave it out to cover the whole lake)"
        )
    }))
}

/// Parses one bound relative to `now_micros`: a look-back ([`parse_look_back`]) or a
/// time (RFC 3339, `2024-05-01T10:00:00` in UTC, a date at midnight UTC).
pub fn parse_bound(text: &str, now_micros: i64) -> Result<i64> {
    let trimmed = text.trim();
    if let Some(look_back) = parse_look_back(trimmed) {
        let look_back = look_back.map_err(EngineError::Invalid)?;
        return Ok(now_micros.saturating_sub(look_back.as_micros() as i64));
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
        assert!(parse_bound("99999999d", now).is_err());
    }

    #[test]
    fn one_duration_grammar() {
        use std::time::Duration;
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(
            parse_duration("2 weeks").unwrap(),
            Duration::from_secs(1_209_600)
        );
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert_eq!(
            parse_look_back("30d").unwrap().unwrap(),
            Duration::from_secs(30 * 86_400)
        );
        assert!(parse_look_back("2024-05-01").is_none());
        assert!(parse_look_back("90").is_none());
        assert!(parse_look_back("99999999d").unwrap().is_err());
    }
}
