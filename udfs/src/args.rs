//! Typed, allocation-free views over UDF arguments.
//!
//! Every function receives `ColumnarValue`s that are either a whole column or one literal.
//! These views let kernels read row `i` the same way in both cases, so a literal argument
//! (a CIDR, a unit, a tolerance) is never expanded into a full array. Type coercion helpers
//! live here too: functions declare `Signature::user_defined` and normalise their inputs to
//! one physical type per argument (strings stay in their own encoding, numbers become
//! Float64/Int64, timestamps become microseconds) so each kernel has exactly one code path.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, LargeStringArray, StringArray,
    StringViewArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

/// The timestamp type our tables use and our timestamp functions return.
pub(crate) fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// A string argument in any of Arrow's three string encodings, or a literal.
pub(crate) enum StrArg<'a> {
    Scalar(Option<&'a str>),
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> StrArg<'a> {
    pub(crate) fn new(value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Scalar(s) => match s {
                ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                    Ok(Self::Scalar(v.as_deref()))
                }
                ScalarValue::Null => Ok(Self::Scalar(None)),
                other => exec_err!("expected a string argument, got {}", other.data_type()),
            },
            ColumnarValue::Array(a) => Self::from_array(a),
        }
    }

    pub(crate) fn from_array(a: &'a ArrayRef) -> Result<Self> {
        match a.data_type() {
            DataType::Utf8 => Ok(Self::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Self::Large(a.as_string::<i64>())),
            DataType::Utf8View => Ok(Self::View(a.as_string_view())),
            DataType::Null => Ok(Self::Scalar(None)),
            other => exec_err!("expected a string column, got {other}"),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Self::Scalar(s) => *s,
            Self::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Self::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Self::View(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

/// A Float64 argument (column or literal).
pub(crate) enum F64Arg<'a> {
    Scalar(Option<f64>),
    Array(&'a Float64Array),
}

impl<'a> F64Arg<'a> {
    pub(crate) fn new(value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Scalar(ScalarValue::Float64(v)) => Ok(Self::Scalar(*v)),
            ColumnarValue::Scalar(ScalarValue::Null) => Ok(Self::Scalar(None)),
            ColumnarValue::Array(a) if a.data_type() == &DataType::Float64 => {
                Ok(Self::Array(a.as_primitive::<Float64Type>()))
            }
            ColumnarValue::Array(a) if a.data_type() == &DataType::Null => Ok(Self::Scalar(None)),
            other => exec_err!("expected a Float64 argument, got {}", other.data_type()),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<f64> {
        match self {
            Self::Scalar(v) => *v,
            Self::Array(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

/// An Int64 argument (column or literal).
pub(crate) enum I64Arg<'a> {
    Scalar(Option<i64>),
    Array(&'a Int64Array),
}

impl<'a> I64Arg<'a> {
    pub(crate) fn new(value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Scalar(ScalarValue::Int64(v)) => Ok(Self::Scalar(*v)),
            ColumnarValue::Scalar(ScalarValue::Null) => Ok(Self::Scalar(None)),
            ColumnarValue::Array(a) if a.data_type() == &DataType::Int64 => {
                Ok(Self::Array(a.as_primitive::<Int64Type>()))
            }
            ColumnarValue::Array(a) if a.data_type() == &DataType::Null => Ok(Self::Scalar(None)),
            other => exec_err!("expected an Int64 argument, got {}", other.data_type()),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<i64> {
        match self {
            Self::Scalar(v) => *v,
            Self::Array(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

/// A timestamp argument already coerced to microseconds (any time zone).
pub(crate) enum TsArg<'a> {
    Scalar(Option<i64>),
    Array(&'a TimestampMicrosecondArray),
}

impl<'a> TsArg<'a> {
    pub(crate) fn new(value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Scalar(ScalarValue::TimestampMicrosecond(v, _)) => Ok(Self::Scalar(*v)),
            ColumnarValue::Scalar(ScalarValue::Null) => Ok(Self::Scalar(None)),
            ColumnarValue::Array(a) => Self::from_array(a),
            other => exec_err!(
                "expected a microsecond timestamp argument, got {}",
                other.data_type()
            ),
        }
    }

    pub(crate) fn from_array(a: &'a ArrayRef) -> Result<Self> {
        match a.data_type() {
            DataType::Timestamp(TimeUnit::Microsecond, _) => Ok(Self::Array(
                a.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>(),
            )),
            DataType::Null => Ok(Self::Scalar(None)),
            other => exec_err!("expected a microsecond timestamp column, got {other}"),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<i64> {
        match self {
            Self::Scalar(v) => *v,
            Self::Array(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Coercion helpers used by `coerce_types`.
// ---------------------------------------------------------------------------------------

/// Strings keep their encoding (so Utf8View from Parquet is read in place); NULL literals
/// and dictionary-encoded strings become plain strings.
pub(crate) fn coerce_string(fname: &str, pos: usize, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(t.clone()),
        DataType::Null => Ok(DataType::Utf8),
        DataType::Dictionary(_, v)
            if matches!(
                v.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            Ok(v.as_ref().clone())
        }
        other => plan_err!(
            "{fname}: argument {} must be a string, got {other}",
            pos + 1
        ),
    }
}

pub(crate) fn coerce_f64(fname: &str, pos: usize, t: &DataType) -> Result<DataType> {
    if t.is_numeric() || t == &DataType::Null {
        Ok(DataType::Float64)
    } else {
        plan_err!("{fname}: argument {} must be numeric, got {t}", pos + 1)
    }
}

pub(crate) fn coerce_i64(fname: &str, pos: usize, t: &DataType) -> Result<DataType> {
    if t.is_integer() || t == &DataType::Null {
        Ok(DataType::Int64)
    } else {
        plan_err!("{fname}: argument {} must be an integer, got {t}", pos + 1)
    }
}

/// Timestamps of any unit become microseconds, keeping their time zone; dates and
/// timestamp strings (ISO 8601 / RFC 3339) are accepted as UTC.
pub(crate) fn coerce_timestamp(fname: &str, pos: usize, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Timestamp(_, tz) => Ok(DataType::Timestamp(TimeUnit::Microsecond, tz.clone())),
        DataType::Date32
        | DataType::Date64
        | DataType::Null
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => Ok(utc_micros()),
        other => plan_err!(
            "{fname}: argument {} must be a timestamp, got {other}",
            pos + 1
        ),
    }
}

/// Checks the argument count against an inclusive range, for user-defined signatures.
pub(crate) fn check_arity(fname: &str, got: usize, min: usize, max: usize) -> Result<()> {
    if got < min || got > max {
        if min == max {
            return plan_err!("{fname} expects {min} arguments, got {got}");
        }
        return plan_err!("{fname} expects {min} to {max} arguments, got {got}");
    }
    Ok(())
}

/// The literal string value of an argument, if it is a literal.
pub(crate) fn scalar_str(value: &ColumnarValue) -> Option<Option<&str>> {
    match value {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v),
        ) => Some(v.as_deref()),
        ColumnarValue::Scalar(ScalarValue::Null) => Some(None),
        _ => None,
    }
}
