//! KQL habits for hunters porting Sentinel queries: `ago`, `datetime_diff`, `bin`.
//!
//! Timespans are written the KQL way: a number and a unit (`7d`, `1.5h`, `30m`, `45s`,
//! `100ms`, `10us`, `2w`), with spelled-out units (`30 minutes`, `2 hours`, `1 day`) or as
//! a clock (`01:30:00`, `1.00:00:00` = 1 day). Calendar arithmetic is in UTC.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, PrimitiveArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, IntervalUnit, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::args::{
    F64Arg, I64Arg, StrArg, TsArg, check_arity, coerce_string, coerce_timestamp, utc_micros,
};

const US_PER_SEC: i64 = 1_000_000;
const US_PER_DAY: i64 = 86_400 * US_PER_SEC;

/// Parses a KQL-style timespan into microseconds (may be negative). `None` if unparsable.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let us = if body.contains(':') {
        parse_clock(body)?
    } else {
        let split = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (num, unit) = body.split_at(split);
        let value: f64 = num.parse().ok()?;
        let unit_us = unit_micros(unit.trim())?;
        let v = value * unit_us as f64;
        if !v.is_finite() || v.abs() > i64::MAX as f64 / 2.0 {
            return None;
        }
        v.round() as i64
    };
    Some(if neg { -us } else { us })
}

fn unit_micros(unit: &str) -> Option<i64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "w" | "week" | "weeks" => 7 * US_PER_DAY,
        "d" | "day" | "days" => US_PER_DAY,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600 * US_PER_SEC,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * US_PER_SEC,
        "s" | "sec" | "secs" | "second" | "seconds" => US_PER_SEC,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000,
        "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1,
        _ => return None,
    })
}

/// `[d.]hh:mm[:ss[.fff]]`.
fn parse_clock(s: &str) -> Option<i64> {
    let (days, clock) = match s.split_once('.') {
        Some((d, rest)) if rest.contains(':') && !d.contains(':') => (d.parse::<i64>().ok()?, rest),
        _ => (0, s),
    };
    let mut parts = clock.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().map_or(Some(0.0), |p| p.parse().ok())?;
    if parts.next().is_some() || !(0..60).contains(&m) || !(0.0..60.0).contains(&sec) {
        return None;
    }
    // Checked: a timespan string is user input and must not overflow.
    days.checked_mul(US_PER_DAY)?
        .checked_add(h.checked_mul(3_600 * US_PER_SEC)?)?
        .checked_add(m * 60 * US_PER_SEC)?
        .checked_add((sec * 1e6).round() as i64)
}

/// `ago(timespan)` → Timestamp(µs, UTC): the query's start time minus the timespan.
///
/// The start time comes from DataFusion's per-query execution props (the same instant
/// `now()` uses), applied during expression simplification, so every `ago()` in a query
/// agrees and nothing reads a process-wide clock. A second, optional argument gives the
/// reference time explicitly (`ago('1h', TIMESTAMP '2024-05-01 12:00:00')`).
///
/// ```sql
/// SELECT ago('7d') < now()
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Ago {
    signature: Signature,
}

impl Ago {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Stable),
        }
    }
}

impl Default for Ago {
    fn default() -> Self {
        Self::new()
    }
}

fn literal_ts(v: Option<i64>) -> Expr {
    Expr::Literal(
        ScalarValue::TimestampMicrosecond(v, Some("UTC".into())),
        None,
    )
}

impl ScalarUDFImpl for Ago {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "ago"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 2)?;
        let mut out = vec![coerce_string(self.name(), 0, &t[0])?];
        if t.len() == 2 {
            out.push(coerce_timestamp(self.name(), 1, &t[1])?);
        }
        Ok(out)
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(utc_micros())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        // A valid literal timespan folds to a non-null literal; say so, so the simplified
        // plan has the same schema as the original.
        let nullable = !(args.scalar_arguments.len() == 1
            && matches!(
                args.scalar_arguments[0],
                Some(ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)))
                    if parse_timespan(s).is_some()
            ));
        Ok(Arc::new(Field::new(self.name(), utc_micros(), nullable)))
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let Some(now) = info.query_execution_start_time() else {
            return Ok(ExprSimplifyResult::Original(args));
        };
        if args.len() != 1 {
            return Ok(ExprSimplifyResult::Original(args));
        }
        let now_us = now.timestamp_micros();
        match &args[0] {
            Expr::Literal(
                ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v),
                _,
            ) => {
                let ts = v
                    .as_deref()
                    .and_then(parse_timespan)
                    .and_then(|span| now_us.checked_sub(span));
                Ok(ExprSimplifyResult::Simplified(literal_ts(ts)))
            }
            // A column of timespans: pin the reference time so all rows and all calls in
            // the query agree.
            _ => {
                let mut args = args;
                args.push(literal_ts(Some(now_us)));
                Ok(ExprSimplifyResult::Original(args))
            }
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let spans = StrArg::new(&args.args[0])?;
        // Like `now()`, the one-argument form is always rewritten during simplification
        // (which knows the query's start time). Failing here, instead of reading the clock,
        // also stops the constant folder from folding it with a different instant.
        let Some(now) = args.args.get(1) else {
            return exec_err!(
                "ago(): the query start time is unknown (expression simplification did not run)"
            );
        };
        let now = TsArg::new(now)?;
        let out: TimestampMicrosecondArray = (0..n)
            .map(|i| now.get(i)?.checked_sub(parse_timespan(spans.get(i)?)?))
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// Units accepted by `datetime_diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variant names are the documentation
pub enum DiffUnit {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl DiffUnit {
    /// Parses a unit name, singular or plural, case-insensitive.
    pub fn parse(s: &str) -> Option<DiffUnit> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "year" | "years" => DiffUnit::Year,
            "quarter" | "quarters" => DiffUnit::Quarter,
            "month" | "months" => DiffUnit::Month,
            "week" | "weeks" => DiffUnit::Week,
            "day" | "days" => DiffUnit::Day,
            "hour" | "hours" => DiffUnit::Hour,
            "minute" | "minutes" => DiffUnit::Minute,
            "second" | "seconds" => DiffUnit::Second,
            "millisecond" | "milliseconds" => DiffUnit::Millisecond,
            "microsecond" | "microseconds" => DiffUnit::Microsecond,
            "nanosecond" | "nanoseconds" => DiffUnit::Nanosecond,
            _ => return None,
        })
    }
}

/// `a - b` counted in unit boundaries crossed, as KQL does: calendar units compare
/// (year, quarter, month) indices; weeks start on Sunday; fixed units floor each instant to
/// the unit first, so 23:59:59 → 01:00 the next day is 2 hours. UTC throughout.
pub fn datetime_diff(unit: DiffUnit, a_us: i64, b_us: i64) -> Option<i64> {
    let floor = |v: i64, step: i64| v.div_euclid(step);
    let fixed = |step: i64| Some(floor(a_us, step) - floor(b_us, step));
    match unit {
        DiffUnit::Nanosecond => a_us.checked_sub(b_us)?.checked_mul(1000),
        DiffUnit::Microsecond => a_us.checked_sub(b_us),
        DiffUnit::Millisecond => fixed(1_000),
        DiffUnit::Second => fixed(US_PER_SEC),
        DiffUnit::Minute => fixed(60 * US_PER_SEC),
        DiffUnit::Hour => fixed(3_600 * US_PER_SEC),
        DiffUnit::Day => fixed(US_PER_DAY),
        // 1970-01-01 was a Thursday; shifting by 4 days puts week boundaries on Sundays.
        DiffUnit::Week => {
            Some(floor(floor(a_us, US_PER_DAY) + 4, 7) - floor(floor(b_us, US_PER_DAY) + 4, 7))
        }
        DiffUnit::Year | DiffUnit::Quarter | DiffUnit::Month => {
            let a = DateTime::<Utc>::from_timestamp_micros(a_us)?;
            let b = DateTime::<Utc>::from_timestamp_micros(b_us)?;
            let months = |d: &DateTime<Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
            Some(match unit {
                DiffUnit::Year => i64::from(a.year()) - i64::from(b.year()),
                DiffUnit::Quarter => months(&a).div_euclid(3) - months(&b).div_euclid(3),
                _ => months(&a) - months(&b),
            })
        }
    }
}

/// `datetime_diff(unit, a, b)` → Int64: `a - b` in whole `unit`s (KQL semantics).
///
/// ```sql
/// SELECT datetime_diff('minute', TIMESTAMP '2024-05-01 10:30:00', TIMESTAMP '2024-05-01 10:00:00')  -- 30
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DatetimeDiff {
    signature: Signature,
}

impl DatetimeDiff {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for DatetimeDiff {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for DatetimeDiff {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "datetime_diff"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 3, 3)?;
        Ok(vec![
            coerce_string(self.name(), 0, &t[0])?,
            coerce_timestamp(self.name(), 1, &t[1])?,
            coerce_timestamp(self.name(), 2, &t[2])?,
        ])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let units = StrArg::new(&args.args[0])?;
        let (a, b) = (TsArg::new(&args.args[1])?, TsArg::new(&args.args[2])?);
        // A literal unit is parsed once; a bad literal unit is a user error worth reporting.
        let fixed_unit = match &units {
            StrArg::Scalar(Some(u)) => match DiffUnit::parse(u) {
                Some(u) => Some(u),
                None => {
                    return exec_err!(
                        "datetime_diff: unknown unit '{u}' (year, quarter, month, week, day, hour, minute, second, millisecond, microsecond, nanosecond)"
                    );
                }
            },
            _ => None,
        };
        let out: Int64Array = (0..n)
            .map(|i| {
                let unit = match fixed_unit {
                    Some(u) => u,
                    None => DiffUnit::parse(units.get(i)?)?,
                };
                datetime_diff(unit, a.get(i)?, b.get(i)?)
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `bin(value, size)`: rounds down to a multiple of `size`. For timestamps the size is a
/// timespan string (`'1h'`, `'15m'`, `'1d'`) or an interval without months, and the result
/// keeps the timestamp type; for numbers it is `floor(value / size) * size`
/// (Int64 for integer inputs, Float64 otherwise). A zero, negative or unparsable size gives
/// NULL.
///
/// ```sql
/// SELECT bin(TIMESTAMP '2024-05-01 10:47:12', '1h')  -- 2024-05-01T10:00:00
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Bin {
    signature: Signature,
}

impl Bin {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for Bin {
    fn default() -> Self {
        Self::new()
    }
}

fn interval_micros(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::IntervalMonthDayNano(Some(i)) if i.months == 0 => {
            Some(i64::from(i.days) * US_PER_DAY + i.nanoseconds / 1_000)
        }
        ScalarValue::IntervalDayTime(Some(i)) => {
            Some(i64::from(i.days) * US_PER_DAY + i64::from(i.milliseconds) * 1_000)
        }
        _ => None,
    }
}

impl ScalarUDFImpl for Bin {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "bin"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 2, 2)?;
        // A NULL value with a timespan or interval size is a NULL timestamp.
        let is_time = matches!(
            t[0],
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
        ) || (t[0] == DataType::Null
            && matches!(
                t[1],
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Interval(_)
            ));
        if is_time {
            let size = match &t[1] {
                DataType::Interval(IntervalUnit::MonthDayNano | IntervalUnit::DayTime) => {
                    t[1].clone()
                }
                other => coerce_string(self.name(), 1, other)?,
            };
            return Ok(vec![coerce_timestamp(self.name(), 0, &t[0])?, size]);
        }
        if t[0].is_numeric() || t[0] == DataType::Null {
            if !(t[1].is_numeric() || t[1] == DataType::Null) {
                return plan_err!(
                    "bin: the bin size of a number must be a number, got {}",
                    t[1]
                );
            }
            let int = (t[0].is_integer() || t[0] == DataType::Null) && t[1].is_integer();
            let common = if int {
                DataType::Int64
            } else {
                DataType::Float64
            };
            return Ok(vec![common.clone(), common]);
        }
        plan_err!(
            "bin: first argument must be a timestamp or a number, got {}",
            t[0]
        )
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        Ok(match &t[0] {
            DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
            DataType::Int64 => DataType::Int64,
            _ => DataType::Float64,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let out: ArrayRef = match args.return_field.data_type() {
            DataType::Timestamp(_, tz) => {
                let ts = TsArg::new(&args.args[0])?;
                let fixed = match &args.args[1] {
                    ColumnarValue::Scalar(v) => Some(match v {
                        ScalarValue::Utf8(s)
                        | ScalarValue::LargeUtf8(s)
                        | ScalarValue::Utf8View(s) => s.as_deref().and_then(parse_timespan),
                        other => interval_micros(other),
                    }),
                    ColumnarValue::Array(_) => None,
                };
                let sizes = match fixed {
                    Some(_) => None,
                    None => Some(StrArg::new(&args.args[1]).map_err(|_| {
                        datafusion::common::DataFusionError::Execution(
                            "bin: a per-row bin size must be a timespan string".into(),
                        )
                    })?),
                };
                let out: PrimitiveArray<_> = (0..n)
                    .map(|i| {
                        let size = match (fixed, &sizes) {
                            (Some(f), _) => f?,
                            (None, Some(s)) => parse_timespan(s.get(i)?)?,
                            (None, None) => return None,
                        };
                        if size <= 0 {
                            return None;
                        }
                        ts.get(i)?.div_euclid(size).checked_mul(size)
                    })
                    .collect::<TimestampMicrosecondArray>();
                Arc::new(out.with_timezone_opt(tz.clone()))
            }
            DataType::Int64 => {
                let (v, s) = (I64Arg::new(&args.args[0])?, I64Arg::new(&args.args[1])?);
                let out: Int64Array = (0..n)
                    .map(|i| {
                        let size = s.get(i).filter(|s| *s > 0)?;
                        v.get(i)?.div_euclid(size).checked_mul(size)
                    })
                    .collect();
                Arc::new(out)
            }
            _ => {
                let (v, s) = (F64Arg::new(&args.args[0])?, F64Arg::new(&args.args[1])?);
                let out: Float64Array = (0..n)
                    .map(|i| {
                        let size = s.get(i).filter(|s| *s > 0.0)?;
                        Some((v.get(i)? / size).floor() * size)
                    })
                    .collect();
                Arc::new(out)
            }
        };
        debug_assert_eq!(out.len(), n);
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("7d"), Some(7 * US_PER_DAY));
        assert_eq!(parse_timespan("1.5h"), Some(5_400 * US_PER_SEC));
        assert_eq!(parse_timespan("30m"), Some(1_800 * US_PER_SEC));
        assert_eq!(parse_timespan("45s"), Some(45 * US_PER_SEC));
        assert_eq!(parse_timespan("2w"), Some(14 * US_PER_DAY));
        assert_eq!(parse_timespan("100ms"), Some(100_000));
        assert_eq!(parse_timespan("30 minutes"), Some(1_800 * US_PER_SEC));
        assert_eq!(parse_timespan("2 Hours"), Some(7_200 * US_PER_SEC));
        assert_eq!(parse_timespan("1 day"), Some(US_PER_DAY));
        assert_eq!(parse_timespan("-1d"), Some(-US_PER_DAY));
        assert_eq!(parse_timespan("01:30:00"), Some(5_400 * US_PER_SEC));
        assert_eq!(parse_timespan("1.00:00:00"), Some(US_PER_DAY));
        for bad in [
            "",
            "7",
            "d",
            "7 parsecs",
            "1e400d",
            "abc",
            "1:99",
            "99999999999999:00",
            "106751991167.00:00:00",
            "9223372036854775807d",
            "-",
            "..d",
            "1.2.3h",
        ] {
            assert_eq!(parse_timespan(bad), None, "{bad}");
        }
    }

    #[test]
    fn kql_datetime_diff_examples() {
        // Examples from the KQL documentation of datetime_diff.
        let d = |u: &str, a: &str, b: &str| {
            datetime_diff(DiffUnit::parse(u).unwrap(), ts(a), ts(b)).unwrap()
        };
        assert_eq!(
            d("year", "2017-01-01T00:00:00Z", "2000-12-31T00:00:00Z"),
            17
        );
        assert_eq!(
            d("quarter", "2017-07-01T00:00:00Z", "2017-03-30T00:00:00Z"),
            2
        );
        assert_eq!(
            d("month", "2017-01-01T00:00:00Z", "2015-12-30T00:00:00Z"),
            13
        );
        assert_eq!(d("week", "2017-10-29T00:00:00Z", "2017-09-30T00:00:00Z"), 5);
        assert_eq!(d("day", "2017-10-29T00:00:00Z", "2017-09-30T00:00:00Z"), 29);
        assert_eq!(d("hour", "2017-10-31T01:00:00Z", "2017-10-30T23:59:59Z"), 2);
        assert_eq!(
            d("minute", "2017-10-30T23:05:01Z", "2017-10-30T23:00:59Z"),
            5
        );
        assert_eq!(
            d(
                "second",
                "2017-10-30T23:00:10.100Z",
                "2017-10-30T23:00:00.900Z"
            ),
            10
        );
        assert_eq!(
            d(
                "millisecond",
                "2017-10-30T23:00:00.200100Z",
                "2017-10-30T23:00:00.100900Z"
            ),
            100
        );
        assert_eq!(
            d(
                "microsecond",
                "2017-10-30T23:00:00.1009001Z",
                "2017-10-30T23:00:00.1008009Z"
            ),
            100
        );
        // Negative results when a < b.
        assert_eq!(
            d("minute", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"),
            -60
        );
        assert_eq!(DiffUnit::parse("fortnight"), None);
    }
}
