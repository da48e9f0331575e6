//! Session stitching as a window function: the hop from the previous sign-in.
//!
//! `hop(time, lat, lon [, network [, tolerance_km]]) OVER (PARTITION BY … ORDER BY time)`
//! → Struct{distance_km, seconds, kmh, network_changed}, and the cheaper scalar variants
//! `hop_kmh`, `hop_km`, `hop_seconds` (Float64) and `hop_network_changed` (Boolean).
//!
//! Each value is relative to the previous row of the partition, in the window's ORDER BY
//! (order by time): distance/seconds/kmh against the previous row that had coordinates,
//! `network_changed` against the previous row that had a network. The first row of a
//! partition has no previous row, so its fields are NULL. Velocity uses
//! `geo_velocity_kmh`'s tolerance semantics (default [`DEFAULT_TOLERANCE_KM`] km).
//!
//! The evaluator is causal and keeps only the previous event, so DataFusion plans it as
//! `BoundedWindowAggExec`, which streams and never buffers a whole partition. Bounded
//! execution hands results back one `ScalarValue` per row (a DataFusion 55 interface
//! constraint). For the struct that means a one-row struct array per row, which DataFusion
//! then concatenates; the evaluator computes each buffer's hops in one vectorised pass and
//! hands out slices, but the struct variant still measured ~7x slower than `hop_kmh` (0.5 vs
//! 3.5 M rows/s per core). Prefer the Float64/Boolean variants on very large scans.

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, StructArray,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Fields, Float64Type, Int64Type, TimestampMicrosecondType,
};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
use xxhash_rust::xxh3::xxh3_64;

use crate::args::{check_arity, coerce_f64, coerce_string, coerce_timestamp};
use crate::geo::{DEFAULT_TOLERANCE_KM, haversine_km, velocity_kmh};

/// Which output a [`Hop`] window function produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HopOutput {
    /// `hop`: the full struct.
    Struct,
    /// `hop_kmh`: velocity only.
    Kmh,
    /// `hop_km`: distance only.
    Km,
    /// `hop_seconds`: elapsed seconds only.
    Seconds,
    /// `hop_network_changed`: network change flag only.
    NetworkChanged,
}

/// The struct fields of `hop`.
pub fn hop_fields() -> Fields {
    Fields::from(vec![
        Field::new("distance_km", DataType::Float64, true),
        Field::new("seconds", DataType::Float64, true),
        Field::new("kmh", DataType::Float64, true),
        Field::new("network_changed", DataType::Boolean, true),
    ])
}

/// The `hop` family of window functions.
///
/// ```sql
/// SELECT t, hop(t, lat, lon, ip_network(ip)) OVER (ORDER BY t) AS h
/// FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40, '203.0.113.5'),
///              (TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35, '198.51.100.7')) AS s(t, lat, lon, ip)
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Hop {
    signature: Signature,
    output: HopOutput,
}

impl Hop {
    /// Creates the function (register it with `register_all`).
    pub fn new(output: HopOutput) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            output,
        }
    }
}

impl WindowUDFImpl for Hop {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        match self.output {
            HopOutput::Struct => "hop",
            HopOutput::Kmh => "hop_kmh",
            HopOutput::Km => "hop_km",
            HopOutput::Seconds => "hop_seconds",
            HopOutput::NetworkChanged => "hop_network_changed",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        check_arity(name, t.len(), 3, 5)?;
        let mut out = vec![
            coerce_timestamp(name, 0, &t[0])?,
            coerce_f64(name, 1, &t[1])?,
            coerce_f64(name, 2, &t[2])?,
        ];
        if let Some(net) = t.get(3) {
            out.push(if net.is_integer() {
                DataType::Int64
            } else {
                coerce_string(name, 3, net)?
            });
        }
        if let Some(tol) = t.get(4) {
            out.push(coerce_f64(name, 4, tol)?);
        }
        Ok(out)
    }
    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(HopEvaluator {
            output: self.output,
            prev_geo: None,
            prev_net: None,
            pending: None,
        }))
    }
    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let dt = match self.output {
            HopOutput::Struct => DataType::Struct(hop_fields()),
            HopOutput::NetworkChanged => DataType::Boolean,
            _ => DataType::Float64,
        };
        Ok(Arc::new(Field::new(args.name(), dt, true)))
    }
}

/// One hop, relative to the previous event.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct HopValue {
    present: bool,
    distance_km: Option<f64>,
    seconds: Option<f64>,
    kmh: Option<f64>,
    network_changed: Option<bool>,
}

/// Streaming state: only the previous event matters.
#[derive(Debug)]
struct HopEvaluator {
    output: HopOutput,
    prev_geo: Option<(i64, f64, f64)>,
    prev_net: Option<u64>,
    /// Struct variant on the streaming path: the hops of the rest of the current buffer,
    /// computed in one vectorised pass on the first request, then handed out row by row
    /// as cheap slices (`.1` is the next row to hand out). Sound because the streaming
    /// executor asks for every row of a causal function, in order, before it appends input.
    pending: Option<(StructArray, usize)>,
}

/// Typed views of the argument columns of one evaluation call.
struct Columns<'a> {
    t: &'a datafusion::arrow::array::TimestampMicrosecondArray,
    lat: &'a datafusion::arrow::array::Float64Array,
    lon: &'a datafusion::arrow::array::Float64Array,
    net: Option<&'a ArrayRef>,
    tol: Option<&'a datafusion::arrow::array::Float64Array>,
}

impl<'a> Columns<'a> {
    fn new(values: &'a [ArrayRef]) -> Result<Self> {
        let (Some(t), Some(lat), Some(lon)) = (
            values
                .first()
                .and_then(|a| a.as_primitive_opt::<TimestampMicrosecondType>()),
            values
                .get(1)
                .and_then(|a| a.as_primitive_opt::<Float64Type>()),
            values
                .get(2)
                .and_then(|a| a.as_primitive_opt::<Float64Type>()),
        ) else {
            return exec_err!("hop: expected (timestamp, Float64, Float64) arguments");
        };
        Ok(Columns {
            t,
            lat,
            lon,
            net: values.get(3),
            tol: values
                .get(4)
                .and_then(|a| a.as_primitive_opt::<Float64Type>()),
        })
    }

    #[inline]
    fn net_key(&self, i: usize) -> Option<u64> {
        let a = self.net?;
        if a.is_null(i) {
            return None;
        }
        Some(match a.data_type() {
            DataType::Int64 => xxh3_64(&a.as_primitive::<Int64Type>().value(i).to_le_bytes()),
            DataType::Utf8 => xxh3_64(a.as_string::<i32>().value(i).as_bytes()),
            DataType::LargeUtf8 => xxh3_64(a.as_string::<i64>().value(i).as_bytes()),
            DataType::Utf8View => xxh3_64(a.as_string_view().value(i).as_bytes()),
            _ => return None,
        })
    }
}

impl HopEvaluator {
    /// Advances over row `i` and returns its hop.
    #[inline]
    fn step(&mut self, c: &Columns, i: usize) -> HopValue {
        if c.t.is_null(i) {
            return HopValue::default();
        }
        let t = c.t.value(i);
        let mut out = HopValue {
            present: true,
            ..HopValue::default()
        };
        let geo = (c.lat.is_valid(i) && c.lon.is_valid(i))
            .then(|| (c.lat.value(i), c.lon.value(i)))
            .filter(|(a, b)| a.is_finite() && b.is_finite());
        if let Some((lat, lon)) = geo {
            if let Some((pt, plat, plon)) = self.prev_geo {
                let d = haversine_km(plat, plon, lat, lon);
                let secs = (t as f64 - pt as f64) / 1e6;
                let tol = c
                    .tol
                    .and_then(|a| a.is_valid(i).then(|| a.value(i)))
                    .unwrap_or(DEFAULT_TOLERANCE_KM);
                out.distance_km = Some(d);
                out.seconds = Some(secs);
                out.kmh = Some(velocity_kmh(secs, d, tol));
            }
            self.prev_geo = Some((t, lat, lon));
        }
        if let Some(k) = c.net_key(i) {
            out.network_changed = self.prev_net.map(|p| p != k);
            self.prev_net = Some(k);
        }
        out.present = out.distance_km.is_some() || out.network_changed.is_some();
        out
    }

    fn to_scalar(&self, h: HopValue) -> Result<ScalarValue> {
        Ok(match self.output {
            HopOutput::Kmh => ScalarValue::Float64(h.kmh),
            HopOutput::Km => ScalarValue::Float64(h.distance_km),
            HopOutput::Seconds => ScalarValue::Float64(h.seconds),
            HopOutput::NetworkChanged => ScalarValue::Boolean(h.network_changed),
            HopOutput::Struct => ScalarValue::Struct(Arc::new(hops_to_struct(&[h])?)),
        })
    }
}

fn hops_to_struct(hops: &[HopValue]) -> Result<StructArray> {
    let n = hops.len();
    let mut d = Float64Builder::with_capacity(n);
    let mut s = Float64Builder::with_capacity(n);
    let mut k = Float64Builder::with_capacity(n);
    let mut c = BooleanBuilder::with_capacity(n);
    for h in hops {
        d.append_option(h.distance_km);
        s.append_option(h.seconds);
        k.append_option(h.kmh);
        c.append_option(h.network_changed);
    }
    Ok(StructArray::try_new(
        hop_fields(),
        vec![
            Arc::new(d.finish()),
            Arc::new(s.finish()),
            Arc::new(k.finish()),
            Arc::new(c.finish()),
        ],
        Some(NullBuffer::from_iter(hops.iter().map(|h| h.present))),
    )?)
}

impl PartitionEvaluator for HopEvaluator {
    fn supports_bounded_execution(&self) -> bool {
        true
    }
    fn uses_window_frame(&self) -> bool {
        false
    }
    fn is_causal(&self) -> bool {
        true
    }

    /// Bounded (streaming) path: called once per row, in order.
    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        let c = Columns::new(values)?;
        let i = range.end.saturating_sub(1);
        if i >= c.t.len() {
            return exec_err!("hop: row {i} outside the partition buffer");
        }
        if self.output != HopOutput::Struct {
            let h = self.step(&c, i);
            return self.to_scalar(h);
        }
        // Building a one-row StructArray per row costs ~25 allocations; slicing a
        // precomputed one costs a few.
        if let Some((arr, next)) = &mut self.pending
            && *next < arr.len()
        {
            let row = arr.slice(*next, 1);
            *next += 1;
            return Ok(ScalarValue::Struct(Arc::new(row)));
        }
        let hops: Vec<HopValue> = (i..c.t.len()).map(|r| self.step(&c, r)).collect();
        let arr = hops_to_struct(&hops)?;
        let row = arr.slice(0, 1);
        self.pending = Some((arr, 1));
        Ok(ScalarValue::Struct(Arc::new(row)))
    }

    /// Whole-partition path (used when the plan is not streaming): one vectorised pass.
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let c = Columns::new(values)?;
        let hops: Vec<HopValue> = (0..num_rows.min(c.t.len()))
            .map(|i| self.step(&c, i))
            .collect();
        Ok(match self.output {
            HopOutput::Struct => Arc::new(hops_to_struct(&hops)?),
            HopOutput::NetworkChanged => {
                let mut b = BooleanBuilder::with_capacity(hops.len());
                hops.iter().for_each(|h| b.append_option(h.network_changed));
                Arc::new(b.finish())
            }
            out => {
                let mut b = Float64Builder::with_capacity(hops.len());
                for h in &hops {
                    b.append_option(match out {
                        HopOutput::Kmh => h.kmh,
                        HopOutput::Km => h.distance_km,
                        _ => h.seconds,
                    });
                }
                Arc::new(b.finish())
            }
        })
    }
}
