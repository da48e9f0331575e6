//! Aggregates that summarise a session (or any group of sign-ins) in one pass.
//!
//! * `session_networks(ip)` / `distinct_networks(ip, v4_bits, v6_bits)` → Int64 number of
//!   distinct networks (IPv4 /24 and IPv6 /64 by default).
//! * `max_hop_kmh(time, lat, lon [, tolerance_km])` → Float64 largest velocity between
//!   time-consecutive events.
//! * `network_switches(time, network)` → Int64 changes of network between time-consecutive
//!   events; `network_returns(time, network)` → Int64 switches back to a network already
//!   seen. A-B-A-B (two places at once: token replay) has 3 switches and 2 returns; A-B-C
//!   (roaming) has 2 switches and 0 returns.
//!
//! All are `GroupsAccumulator`s with flat per-group vectors of fixed-size items (a 64-bit
//! network key, or a timestamp with coordinates), so millions of sessions fit in memory and
//! partial states merge across partitions. Events are sorted by time inside the
//! accumulator at evaluation, so input order does not matter. Ties (equal timestamps) are
//! broken by the item's value so results are deterministic.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array};
use datafusion::arrow::datatypes::{
    DataType, FieldRef, Float64Type, Int64Type, TimestampMicrosecondType, UInt64Type,
};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use xxhash_rust::xxh3::xxh3_64;

use crate::agg_support::{
    GroupCount, SingleGroup, for_each_list_item, list_field, list_values, passes, primitive_lists,
};
use crate::args::{
    StrArg, check_arity, coerce_f64, coerce_i64, coerce_string, coerce_timestamp, utc_micros,
};
use crate::geo::{DEFAULT_TOLERANCE_KM, haversine_km, velocity_kmh};
use crate::ip::cidr::{Cidr, prefix_bits};
use crate::ip::parse::parse_ip;
use crate::kql_aggregates::{KeyMode, KeySetAccumulator};

/// Network keys of IP strings: xxh3 of the masked 128-bit network and its length.
/// Invalid addresses give `None` (not counted).
pub(crate) fn network_keys(
    values: &[ArrayRef],
    fixed: Option<(u8, u8)>,
) -> Result<Vec<Option<u64>>> {
    let ips = StrArg::from_array(&values[0])?;
    let n = values[0].len();
    let widths = |i: usize| -> Option<(u8, u8)> {
        match fixed {
            Some(w) => Some(w),
            None => {
                let get = |a: &ArrayRef| {
                    let a = a.as_primitive_opt::<Int64Type>()?;
                    (!a.is_null(i)).then(|| a.value(i))
                };
                Some((
                    prefix_bits(get(values.get(1)?), 32)?,
                    prefix_bits(get(values.get(2)?), 128)?,
                ))
            }
        }
    };
    Ok((0..n)
        .map(|i| {
            let ip = parse_ip(ips.get(i)?)?;
            let (v4, v6) = widths(i)?;
            let c = Cidr::around(ip, if ip.is_ipv4() { v4 } else { v6 });
            let mut buf = [0u8; 17];
            buf[..16].copy_from_slice(&c.network.to_le_bytes());
            buf[16] = c.bits;
            Some(xxh3_64(&buf))
        })
        .collect())
}

/// `session_networks(ip)` → Int64: distinct IPv4 /24 and IPv6 /64 networks in the group;
/// `distinct_networks(ip, v4_bits, v6_bits)` with explicit prefix lengths.
///
/// ```sql
/// SELECT session_networks(ip) FROM (VALUES ('203.0.113.5'), ('203.0.113.77'), ('198.51.100.1')) AS t(ip)  -- 2
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SessionNetworks {
    signature: Signature,
    custom_widths: bool,
}

impl SessionNetworks {
    /// `session_networks(ip)`.
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            custom_widths: false,
        }
    }
    /// `distinct_networks(ip, v4_bits, v6_bits)`.
    pub fn with_widths() -> Self {
        Self {
            custom_widths: true,
            ..Self::new()
        }
    }
    fn mode(&self) -> KeyMode {
        KeyMode::Network(if self.custom_widths {
            None
        } else {
            Some((24, 64))
        })
    }
}

impl Default for SessionNetworks {
    fn default() -> Self {
        Self::new()
    }
}

impl AggregateUDFImpl for SessionNetworks {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        if self.custom_widths {
            "distinct_networks"
        } else {
            "session_networks"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if self.custom_widths {
            check_arity(self.name(), t.len(), 3, 3)?;
            Ok(vec![
                coerce_string(self.name(), 0, &t[0])?,
                coerce_i64(self.name(), 1, &t[1])?,
                coerce_i64(self.name(), 2, &t[2])?,
            ])
        } else {
            check_arity(self.name(), t.len(), 1, 1)?;
            Ok(vec![coerce_string(self.name(), 0, &t[0])?])
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![list_field(
            &format!("{}_networks", args.name),
            DataType::UInt64,
        )])
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SingleGroup(KeySetAccumulator::new(self.mode()))))
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(KeySetAccumulator::new(self.mode())))
    }
}

// ---------------------------------------------------------------------------------------
// Time-ordered event aggregates
// ---------------------------------------------------------------------------------------

/// Which summary an [`EventAggregate`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventSummary {
    /// `max_hop_kmh(time, lat, lon [, tolerance_km])`.
    MaxHopKmh,
    /// `network_switches(time, network)`.
    NetworkSwitches,
    /// `network_returns(time, network)`.
    NetworkReturns,
}

/// `max_hop_kmh`, `network_switches` and `network_returns`.
///
/// ```sql
/// SELECT network_switches(t, net), network_returns(t, net)
/// FROM (VALUES (1, 'A'), (2, 'B'), (3, 'A'), (4, 'B')) AS v(s, net), LATERAL (SELECT to_timestamp(s) AS t)  -- 3, 2
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EventAggregate {
    signature: Signature,
    summary: EventSummary,
}

impl EventAggregate {
    /// Creates the function (register it with `register_all`).
    pub fn new(summary: EventSummary) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            summary,
        }
    }
    fn accumulator_impl(&self, args: &AccumulatorArgs) -> EventAccumulator {
        // The tolerance is resolved at planning time from the literal argument, because the
        // final phase of a two-phase aggregation only sees states, never the arguments.
        let tolerance_km =
            args.exprs
                .get(3)
                .and_then(|e| match e.downcast_ref::<Literal>()?.value() {
                    ScalarValue::Float64(v) => *v,
                    _ => None,
                });
        EventAccumulator {
            summary: self.summary,
            tolerance_km,
            groups: Vec::new(),
            bytes: 0,
        }
    }
}

impl AggregateUDFImpl for EventAggregate {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        match self.summary {
            EventSummary::MaxHopKmh => "max_hop_kmh",
            EventSummary::NetworkSwitches => "network_switches",
            EventSummary::NetworkReturns => "network_returns",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        match self.summary {
            EventSummary::MaxHopKmh => {
                check_arity(name, t.len(), 3, 4)?;
                let mut out = vec![
                    coerce_timestamp(name, 0, &t[0])?,
                    coerce_f64(name, 1, &t[1])?,
                    coerce_f64(name, 2, &t[2])?,
                ];
                if t.len() == 4 {
                    out.push(coerce_f64(name, 3, &t[3])?);
                }
                Ok(out)
            }
            _ => {
                check_arity(name, t.len(), 2, 2)?;
                // Networks may be strings (ip_network(ip), a country) or numbers (an ASN).
                let net = if t[1].is_integer() {
                    DataType::Int64
                } else {
                    coerce_string(name, 1, &t[1])?
                };
                Ok(vec![coerce_timestamp(name, 0, &t[0])?, net])
            }
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.summary {
            EventSummary::MaxHopKmh => DataType::Float64,
            _ => DataType::Int64,
        })
    }
    fn is_nullable(&self) -> bool {
        self.summary == EventSummary::MaxHopKmh
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let n = args.name;
        Ok(match self.summary {
            EventSummary::MaxHopKmh => vec![
                list_field(&format!("{n}_times"), utc_micros()),
                list_field(&format!("{n}_lats"), DataType::Float64),
                list_field(&format!("{n}_lons"), DataType::Float64),
            ],
            _ => vec![
                list_field(&format!("{n}_times"), utc_micros()),
                list_field(&format!("{n}_networks"), DataType::UInt64),
            ],
        })
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SingleGroup(self.accumulator_impl(&args))))
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(self.accumulator_impl(&args)))
    }
}

/// One event: time (µs) and either coordinates or a network key in `a` (bits of f64 lat or
/// the key) and `b` (bits of f64 lon, unused for networks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    t: i64,
    a: u64,
    b: u64,
}

#[derive(Debug)]
struct EventAccumulator {
    summary: EventSummary,
    /// The optional 4th argument of `max_hop_kmh` (a constant); if it is not a literal, the
    /// first value seen in the partial phase is used.
    tolerance_km: Option<f64>,
    groups: Vec<Vec<Event>>,
    bytes: usize,
}

impl EventAccumulator {
    fn add(&mut self, g: usize, e: Event) {
        let v = &mut self.groups[g];
        let before = v.capacity();
        v.push(e);
        self.bytes += (v.capacity() - before.min(v.capacity())) * std::mem::size_of::<Event>();
    }

    /// Events of an input batch, `None` where any part is NULL or invalid.
    fn events(&mut self, values: &[ArrayRef]) -> Result<Vec<Option<Event>>> {
        let n = values[0].len();
        let Some(times) = values[0].as_primitive_opt::<TimestampMicrosecondType>() else {
            return exec_err!("{:?}: expected microsecond timestamps", self.summary);
        };
        let time = |i: usize| (!times.is_null(i)).then(|| times.value(i));
        match self.summary {
            EventSummary::MaxHopKmh => {
                if self.tolerance_km.is_none()
                    && let Some(tol) = values.get(3)
                    && let Some(t) = tol.as_primitive_opt::<Float64Type>()
                    && !t.is_empty()
                    && t.is_valid(0)
                {
                    self.tolerance_km = Some(t.value(0));
                }
                let (Some(lat), Some(lon)) = (
                    values[1].as_primitive_opt::<Float64Type>(),
                    values[2].as_primitive_opt::<Float64Type>(),
                ) else {
                    return exec_err!("max_hop_kmh: expected Float64 coordinates");
                };
                Ok((0..n)
                    .map(|i| {
                        if lat.is_null(i) || lon.is_null(i) {
                            return None;
                        }
                        let (la, lo) = (lat.value(i), lon.value(i));
                        if !la.is_finite() || !lo.is_finite() {
                            return None;
                        }
                        Some(Event {
                            t: time(i)?,
                            a: la.to_bits(),
                            b: lo.to_bits(),
                        })
                    })
                    .collect())
            }
            _ => {
                let net = &values[1];
                let key = |i: usize| -> Option<u64> {
                    if net.is_null(i) {
                        return None;
                    }
                    Some(match net.data_type() {
                        DataType::Int64 => {
                            xxh3_64(&net.as_primitive::<Int64Type>().value(i).to_le_bytes())
                        }
                        DataType::Utf8 => xxh3_64(net.as_string::<i32>().value(i).as_bytes()),
                        DataType::LargeUtf8 => xxh3_64(net.as_string::<i64>().value(i).as_bytes()),
                        DataType::Utf8View => xxh3_64(net.as_string_view().value(i).as_bytes()),
                        DataType::UInt64 => net.as_primitive::<UInt64Type>().value(i),
                        _ => return None,
                    })
                };
                Ok((0..n)
                    .map(|i| {
                        Some(Event {
                            t: time(i)?,
                            a: key(i)?,
                            b: 0,
                        })
                    })
                    .collect())
            }
        }
    }

    fn summarise(&self, mut events: Vec<Event>) -> (Option<f64>, i64) {
        events.sort_unstable();
        match self.summary {
            EventSummary::MaxHopKmh => {
                let tol = self.tolerance_km.unwrap_or(DEFAULT_TOLERANCE_KM);
                let best = events
                    .windows(2)
                    .map(|w| {
                        let (p, q) = (w[0], w[1]);
                        let d = haversine_km(
                            f64::from_bits(p.a),
                            f64::from_bits(p.b),
                            f64::from_bits(q.a),
                            f64::from_bits(q.b),
                        );
                        velocity_kmh((q.t as f64 - p.t as f64) / 1e6, d, tol)
                    })
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
                (best, 0)
            }
            EventSummary::NetworkSwitches => {
                let switches = events.windows(2).filter(|w| w[0].a != w[1].a).count();
                (None, switches as i64)
            }
            EventSummary::NetworkReturns => {
                let mut seen: Vec<u64> = Vec::new();
                let mut returns = 0i64;
                let mut prev: Option<u64> = None;
                for e in &events {
                    if prev != Some(e.a) {
                        if seen.contains(&e.a) {
                            returns += 1;
                        } else {
                            seen.push(e.a);
                        }
                        prev = Some(e.a);
                    }
                }
                (None, returns)
            }
        }
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Vec<Event>> {
        let taken = emit_to.take_needed(&mut self.groups);
        let freed: usize = taken
            .iter()
            .map(|v| v.capacity() * std::mem::size_of::<Event>() + 24)
            .sum();
        self.bytes = self.bytes.saturating_sub(freed);
        taken
    }

    fn state_of(&self, groups: &[Vec<Event>]) -> Result<Vec<ArrayRef>> {
        let times: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.iter().map(|e| e.t).collect())
            .collect();
        let t = primitive_lists::<TimestampMicrosecondType>(&times, utc_micros())?;
        Ok(match self.summary {
            EventSummary::MaxHopKmh => {
                let lats: Vec<Vec<f64>> = groups
                    .iter()
                    .map(|g| g.iter().map(|e| f64::from_bits(e.a)).collect())
                    .collect();
                let lons: Vec<Vec<f64>> = groups
                    .iter()
                    .map(|g| g.iter().map(|e| f64::from_bits(e.b)).collect())
                    .collect();
                vec![
                    t,
                    primitive_lists::<Float64Type>(&lats, DataType::Float64)?,
                    primitive_lists::<Float64Type>(&lons, DataType::Float64)?,
                ]
            }
            _ => {
                let nets: Vec<Vec<u64>> = groups
                    .iter()
                    .map(|g| g.iter().map(|e| e.a).collect())
                    .collect();
                vec![t, primitive_lists::<UInt64Type>(&nets, DataType::UInt64)?]
            }
        })
    }
}

impl GroupCount for EventAccumulator {
    fn ensure_groups(&mut self, total: usize) {
        if self.groups.len() < total {
            self.bytes += (total - self.groups.len()) * std::mem::size_of::<Vec<Event>>();
            self.groups.resize_with(total, Vec::new);
        }
    }
}

impl GroupsAccumulator for EventAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        let events = self.events(values)?;
        for (i, (&g, e)) in group_indices.iter().zip(events).enumerate() {
            if let Some(e) = e
                && passes(opt_filter, i)
            {
                self.add(g, e);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = self.take(emit_to);
        Ok(match self.summary {
            EventSummary::MaxHopKmh => Arc::new(
                groups
                    .into_iter()
                    .map(|g| self.summarise(g).0)
                    .collect::<Float64Array>(),
            ),
            _ => Arc::new(
                groups
                    .into_iter()
                    .map(|g| Some(self.summarise(g).1))
                    .collect::<Int64Array>(),
            ),
        })
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = self.take(emit_to);
        self.state_of(&groups)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        // States come from `state()`, but a malformed one must be an error, not a panic.
        let summary = self.summary;
        let bad_state = || exec_err!("{summary:?}: unexpected intermediate state layout");
        let Some(times) = list_values(&values[0])?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .cloned()
        else {
            return bad_state();
        };
        let a_vals = Arc::clone(list_values(&values[1])?);
        let (coords, nets) = if summary == EventSummary::MaxHopKmh {
            let Some(b) = values.get(2) else {
                return bad_state();
            };
            let b_vals = Arc::clone(list_values(b)?);
            match (
                a_vals.as_primitive_opt::<Float64Type>().cloned(),
                b_vals.as_primitive_opt::<Float64Type>().cloned(),
            ) {
                (Some(la), Some(lo)) => (Some((la, lo)), None),
                _ => return bad_state(),
            }
        } else {
            match a_vals.as_primitive_opt::<UInt64Type>().cloned() {
                Some(n) => (None, Some(n)),
                None => return bad_state(),
            }
        };
        for_each_list_item(&values[0], |row, item| {
            let (a, b) = match (&coords, &nets) {
                (Some((la, lo)), _) => (la.value(item).to_bits(), lo.value(item).to_bits()),
                (None, Some(n)) => (n.value(item), 0),
                (None, None) => return bad_state(),
            };
            self.add(
                group_indices[row],
                Event {
                    t: times.value(item),
                    a,
                    b,
                },
            );
            Ok(())
        })
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let mut me = EventAccumulator {
            summary: self.summary,
            tolerance_km: self.tolerance_km,
            groups: Vec::new(),
            bytes: 0,
        };
        let events = me.events(values)?;
        let groups: Vec<Vec<Event>> = events
            .into_iter()
            .enumerate()
            .map(|(i, e)| match e {
                Some(e) if passes(opt_filter, i) => vec![e],
                _ => Vec::new(),
            })
            .collect();
        self.state_of(&groups)
    }

    fn size(&self) -> usize {
        self.bytes + std::mem::size_of::<Self>()
    }
}
