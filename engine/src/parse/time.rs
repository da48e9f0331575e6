//! Timestamps in every spelling the identity exports use, to microseconds since the
//! epoch (UTC).
//!
//! Accepted (see the fixtures' PROVENANCE.md):
//! - ISO 8601 / RFC 3339 with a `T` or a space, 0–9 fractional digits, `Z`, `±hh:mm`,
//!   `±hhmm` or no zone: `2022-01-24T05:10:08.6816663Z`, `2025-01-15 09:35:20.456`;
//! - US spellings `M/D/YYYY h:mm:ss[.fff] [AM|PM] [±hh:mm]`, with an optional comma
//!   after the date as the Log Analytics portal's CSV export writes it
//!   (`4/28/2021, 2:08:45.221 PM`).
//!
//! A value without a zone is taken as UTC: every exporter we know writes UTC, and the
//! Log Analytics CSV labels its columns `[UTC]`. Impossible dates (`2017-09-31`) and
//! other text are errors, never a guess.

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError(pub String);

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A small cursor over ASCII bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` decimal digits; returns the value and digit count.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let mut value: i64 = 0;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(byte @ b'0'..=b'9') => {
                    value = value * 10 + i64::from(byte - b'0');
                    count += 1;
                    self.at += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some((value, count))
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: i64,
    offset_seconds: i64,
}

/// Fractional seconds after the dot, any number of digits, truncated to microseconds.
fn fraction(cursor: &mut Cursor<'_>) -> i64 {
    if !(cursor.eat(b'.') || cursor.eat(b',')) {
        return 0;
    }
    let mut micros = 0;
    let mut digits = 0;
    while let Some(byte @ b'0'..=b'9') = cursor.peek() {
        if digits < 6 {
            micros = micros * 10 + i64::from(byte - b'0');
        }
        digits += 1;
        cursor.at += 1;
    }
    for _ in digits..6 {
        micros *= 10;
    }
    micros
}

/// `Z`, `UTC`, `±hh:mm`, `±hhmm`, `±hh` or nothing.
fn zone(cursor: &mut Cursor<'_>) -> Option<i64> {
    cursor.skip_spaces();
    if cursor.done() {
        return Some(0);
    }
    if cursor.eat(b'Z') || cursor.eat(b'z') {
        return Some(0);
    }
    if cursor.bytes[cursor.at..].eq_ignore_ascii_case(b"UTC")
        || cursor.bytes[cursor.at..].eq_ignore_ascii_case(b"GMT")
    {
        cursor.at = cursor.bytes.len();
        return Some(0);
    }
    let sign = if cursor.eat(b'+') {
        1
    } else if cursor.eat(b'-') {
        -1
    } else {
        return None;
    };
    let (hours, _) = cursor.digits(2, 2)?;
    cursor.eat(b':');
    let minutes = cursor.digits(2, 2).map(|(m, _)| m).unwrap_or(0);
    if hours > 18 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

fn iso(bytes: &[u8]) -> Option<Parts> {
    let mut cursor = Cursor { bytes, at: 0 };
    let (year, _) = cursor.digits(4, 4)?;
    cursor.eat(b'-').then_some(())?;
    let (month, _) = cursor.digits(2, 2)?;
    cursor.eat(b'-').then_some(())?;
    let (day, _) = cursor.digits(2, 2)?;
    let (hour, minute, second, micros) = if cursor.done() {
        (0, 0, 0, 0)
    } else {
        (cursor.eat(b'T') || cursor.eat(b't') || cursor.eat(b' ')).then_some(())?;
        let (hour, _) = cursor.digits(2, 2)?;
        cursor.eat(b':').then_some(())?;
        let (minute, _) = cursor.digits(2, 2)?;
        let second = if cursor.eat(b':') {
            cursor.digits(2, 2)?.0
        } else {
            0
        };
        (hour, minute, second, fraction(&mut cursor))
    };
    let offset_seconds = zone(&mut cursor)?;
    cursor.done().then_some(())?;
    Some(Parts {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        micros,
        offset_seconds,
    })
}

fn us(bytes: &[u8]) -> Option<Parts> {
    let mut cursor = Cursor { bytes, at: 0 };
    let (month, _) = cursor.digits(1, 2)?;
    cursor.eat(b'/').then_some(())?;
    let (day, _) = cursor.digits(1, 2)?;
    cursor.eat(b'/').then_some(())?;
    let (year, _) = cursor.digits(4, 4)?;
    cursor.eat(b',');
    cursor.skip_spaces();
    let (mut hour, _) = cursor.digits(1, 2)?;
    cursor.eat(b':').then_some(())?;
    let (minute, _) = cursor.digits(2, 2)?;
    let second = if cursor.eat(b':') {
        cursor.digits(2, 2)?.0
    } else {
        0
    };
    let micros = fraction(&mut cursor);
    cursor.skip_spaces();
    let rest = &cursor.bytes[cursor.at..];
    if rest.len() >= 2
        && (rest[..2].eq_ignore_ascii_case(b"AM") || rest[..2].eq_ignore_ascii_case(b"PM"))
    {
        if !(1..=12).contains(&hour) {
            return None;
        }
        let pm = rest[..2].eq_ignore_ascii_case(b"PM");
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        cursor.at += 2;
    }
    let offset_seconds = zone(&mut cursor)?;
    cursor.done().then_some(())?;
    Some(Parts {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        micros,
        offset_seconds,
    })
}

/// Parses a timestamp in any supported spelling to microseconds since the epoch, UTC.
pub fn parse_timestamp_micros(text: &str) -> Result<i64, TimeError> {
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let parts = match bytes.get(4) {
        Some(b'-') => iso(bytes),
        _ => us(bytes),
    }
    .ok_or_else(|| TimeError(format!("unrecognised timestamp {trimmed:?}")))?;
    if !(1..=12).contains(&parts.month)
        || parts.day == 0
        || parts.day > days_in_month(parts.year, parts.month)
    {
        return Err(TimeError(format!("impossible date in {trimmed:?}")));
    }
    // 60 is a leap second; it folds into the next minute like most parsers do.
    if parts.hour > 23 || parts.minute > 59 || parts.second > 60 {
        return Err(TimeError(format!("impossible time of day in {trimmed:?}")));
    }
    let days = days_from_civil(parts.year, parts.month, parts.day);
    let seconds = days * 86_400
        + i64::from(parts.hour) * 3600
        + i64::from(parts.minute) * 60
        + i64::from(parts.second)
        - parts.offset_seconds;
    Ok(seconds * 1_000_000 + parts.micros)
}

/// The UTC calendar date (`YYYY-MM-DD`) of a microsecond timestamp: the lake's
/// `date=` partition.
pub fn date_of_micros(micros: i64) -> String {
    let days = micros.div_euclid(86_400_000_000);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The inverse of `days_from_civil`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: i64 = 1_168_335_660_000_000; // 2007-01-09T09:41:00Z

    #[test]
    fn every_spelling_of_the_fixture_corner_cases() {
        for text in [
            "01/09/2007 09:41:00",
            "1/9/2007 09:41:00",
            "1/9/2007 09:41:00 AM",
            "1/9/2007 9:41:00 AM",
            "1/9/2007 10:41:00 AM +01:00",
            "2007-01-09T09:41:00",
            "2007-01-09T09:41:00.00Z",
            "2007-01-09T09:41:00.0000000Z",
            "2007-01-09T09:41:00.000000000+00:00",
            "2007-01-09T11:41:00.0000000+02:00",
            "2007-01-09 09:41:00",
        ] {
            assert_eq!(parse_timestamp_micros(text), Ok(REFERENCE), "{text}");
        }
    }

    #[test]
    fn fractions_offsets_and_portal_csv() {
        assert_eq!(
            parse_timestamp_micros("2022-01-24T05:10:08.6816663Z").unwrap() % 1_000_000,
            681_666
        );
        assert_eq!(
            parse_timestamp_micros("2022-01-24T00:10:08-05:00"),
            parse_timestamp_micros("2022-01-24T05:10:08Z")
        );
        assert_eq!(
            parse_timestamp_micros("4/28/2021, 2:08:45.221 PM"),
            parse_timestamp_micros("2021-04-28T14:08:45.221Z")
        );
        assert_eq!(
            parse_timestamp_micros("12/12/2025 12:03:58 AM"),
            parse_timestamp_micros("2025-12-12T00:03:58Z")
        );
    }

    #[test]
    fn impossible_and_garbage_values_are_errors() {
        assert!(
            parse_timestamp_micros("2017-09-31T22:23:07.777Z")
                .unwrap_err()
                .0
                .contains("impossible date")
        );
        assert!(parse_timestamp_micros("redacted").is_err());
        assert!(parse_timestamp_micros("").is_err());
        assert!(parse_timestamp_micros("2020-02-30").is_err());
        assert!(parse_timestamp_micros("13/1/2020 10:00:00").is_err());
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(date_of_micros(REFERENCE), "2007-01-09");
        assert_eq!(date_of_micros(-1), "1969-12-31");
        assert_eq!(
            date_of_micros(parse_timestamp_micros("2024-02-29T23:59:59Z").unwrap()),
            "2024-02-29"
        );
    }
}
