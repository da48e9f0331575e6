//! KQL aggregates: `make_set(x)` and `dcount(x)`.
//!
//! Both are exact and built for many groups: a group's state is a vector of 64-bit keys
//! (value bits, interned string ids or xxh3 hashes), not a hash set or a list of
//! `ScalarValue`s, so an empty group costs a few dozen bytes and each distinct value 8.
//! DataFusion's `count(DISTINCT)`/`array_agg(DISTINCT)` cost ~60 KB per group; these don't.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListArray, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
    UInt64Type,
};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use xxhash_rust::xxh3::xxh3_64;

use crate::agg_support::{
    GroupCount, SingleGroup, compact, for_each_list_item, list_field, list_values, passes,
    primitive_lists, push_key,
};
use crate::args::check_arity;
use crate::ip::parse::IntMap;

/// Input types the set aggregates accept after coercion.
fn coerce_set_input(fname: &str, t: &DataType) -> Result<DataType> {
    Ok(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean => t.clone(),
        DataType::Null => DataType::Utf8,
        DataType::Dictionary(_, v) => return coerce_set_input(fname, v),
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        DataType::Date32 | DataType::Date64 => DataType::Timestamp(TimeUnit::Microsecond, None),
        t if t.is_integer() => DataType::Int64,
        t if t.is_floating()
            || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
        {
            DataType::Float64
        }
        other => return plan_err!("{fname}: unsupported argument type {other}"),
    })
}

/// Stable 64-bit hash of row `i` of a coerced input column (`None` for NULL).
#[inline]
fn hash_value(a: &ArrayRef, i: usize) -> Option<u64> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Utf8 => xxh3_64(a.as_string::<i32>().value(i).as_bytes()),
        DataType::LargeUtf8 => xxh3_64(a.as_string::<i64>().value(i).as_bytes()),
        DataType::Utf8View => xxh3_64(a.as_string_view().value(i).as_bytes()),
        DataType::Int64 => xxh3_64(&a.as_primitive::<Int64Type>().value(i).to_le_bytes()),
        DataType::Float64 => {
            // -0.0 and 0.0 are one value; all NaNs are one value.
            let v = a.as_primitive::<Float64Type>().value(i);
            let v = if v == 0.0 {
                0.0
            } else if v.is_nan() {
                f64::NAN
            } else {
                v
            };
            xxh3_64(&v.to_bits().to_le_bytes())
        }
        DataType::Timestamp(_, _) => xxh3_64(
            &a.as_primitive::<TimestampMicrosecondType>()
                .value(i)
                .to_le_bytes(),
        ),
        DataType::Boolean => u64::from(a.as_boolean().value(i)),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// dcount
// ---------------------------------------------------------------------------------------

/// `dcount(x)` → Int64: the exact number of distinct non-null values (via 64-bit xxh3
/// hashes, so exact up to hash collisions: ~1 in 10^10 for a million distinct values).
/// KQL's own `dcount` is a HyperLogLog estimate; this one is exact and still cheap per group.
///
/// ```sql
/// SELECT user, dcount(ip) FROM (VALUES ('a', '1.1.1.1'), ('a', '1.1.1.1'), ('a', '2.2.2.2')) AS t(user, ip) GROUP BY user
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DCount {
    signature: Signature,
}

impl DCount {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for DCount {
    fn default() -> Self {
        Self::new()
    }
}

impl AggregateUDFImpl for DCount {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "dcount"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_set_input(self.name(), &t[0])?])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![list_field(
            &format!("{}_hashes", args.name),
            DataType::UInt64,
        )])
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SingleGroup(KeySetAccumulator::new(
            KeyMode::Value,
        ))))
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(KeySetAccumulator::new(KeyMode::Value)))
    }
}

/// How input rows become 64-bit set keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyMode {
    /// Hash of the value (`dcount`).
    Value,
    /// Network of an IP string: fixed widths, or widths from arguments 2 and 3.
    Network(Option<(u8, u8)>),
}

/// Per-group distinct 64-bit keys; evaluates to the number of distinct keys.
#[derive(Debug)]
pub(crate) struct KeySetAccumulator {
    mode: KeyMode,
    sets: Vec<Vec<u64>>,
    bytes: usize,
}

impl KeySetAccumulator {
    pub(crate) fn new(mode: KeyMode) -> Self {
        Self {
            mode,
            sets: Vec::new(),
            bytes: 0,
        }
    }

    fn keys(&self, values: &[ArrayRef]) -> Result<Vec<Option<u64>>> {
        let n = values.first().map_or(0, |v| v.len());
        match self.mode {
            KeyMode::Value => Ok((0..n).map(|i| hash_value(&values[0], i)).collect()),
            KeyMode::Network(fixed) => crate::session_aggregates::network_keys(values, fixed),
        }
    }

    fn add(&mut self, g: usize, key: u64) {
        let set = &mut self.sets[g];
        let before = set.capacity();
        push_key(set, key);
        self.bytes += (set.capacity() - before.min(set.capacity())) * 8;
    }
}

impl GroupCount for KeySetAccumulator {
    fn ensure_groups(&mut self, total: usize) {
        if self.sets.len() < total {
            self.bytes += (total - self.sets.len()) * std::mem::size_of::<Vec<u64>>();
            self.sets.resize_with(total, Vec::new);
        }
    }
}

impl GroupsAccumulator for KeySetAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        let keys = self.keys(values)?;
        for (i, (&g, k)) in group_indices.iter().zip(keys).enumerate() {
            if let Some(k) = k
                && passes(opt_filter, i)
            {
                self.add(g, k);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let sets = emit_to.take_needed(&mut self.sets);
        self.bytes = self
            .bytes
            .saturating_sub(sets.iter().map(|s| s.capacity() * 8 + 24).sum());
        let out: Int64Array = sets
            .into_iter()
            .map(|mut s| {
                compact(&mut s);
                Some(s.len() as i64)
            })
            .collect();
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let mut sets = emit_to.take_needed(&mut self.sets);
        self.bytes = self
            .bytes
            .saturating_sub(sets.iter().map(|s| s.capacity() * 8 + 24).sum());
        sets.iter_mut().for_each(compact);
        Ok(vec![primitive_lists::<UInt64Type>(
            &sets,
            DataType::UInt64,
        )?])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        let flat = list_values(&values[0])?;
        let Some(keys) = flat.as_primitive_opt::<UInt64Type>() else {
            return exec_err!("distinct-set state must be List<UInt64>");
        };
        let keys = keys.clone();
        for_each_list_item(&values[0], |row, item| {
            if keys.is_valid(item) {
                self.add(group_indices[row], keys.value(item));
            }
            Ok(())
        })
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let keys = self.keys(values)?;
        let per_row: Vec<Vec<u64>> = keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| match k {
                Some(k) if passes(opt_filter, i) => vec![k],
                _ => Vec::new(),
            })
            .collect();
        Ok(vec![primitive_lists::<UInt64Type>(
            &per_row,
            DataType::UInt64,
        )?])
    }

    fn size(&self) -> usize {
        self.bytes + std::mem::size_of::<Self>()
    }
}

// ---------------------------------------------------------------------------------------
// make_set
// ---------------------------------------------------------------------------------------

/// `make_set(x)` → List of the distinct non-null values, sorted ascending (strings
/// byte-wise) so results are deterministic. Strings come out as Utf8, integers as Int64,
/// floats as Float64, timestamps as microseconds in their time zone.
///
/// ```sql
/// SELECT make_set(country) FROM (VALUES ('DE'), ('FR'), ('DE'), (NULL)) AS t(country)
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeSet {
    signature: Signature,
}

impl MakeSet {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for MakeSet {
    fn default() -> Self {
        Self::new()
    }
}

/// The item type of `make_set`'s result for a coerced input type.
fn set_item_type(input: &DataType) -> DataType {
    match input {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        other => other.clone(),
    }
}

impl AggregateUDFImpl for MakeSet {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "make_set"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_set_input(self.name(), &t[0])?])
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            set_item_type(&t[0]),
            true,
        ))))
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let item = match args.return_type() {
            DataType::List(f) => f.data_type().clone(),
            other => other.clone(),
        };
        Ok(vec![list_field(&format!("{}_values", args.name), item)])
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SingleGroup(MakeSetAccumulator::new(
            args.return_type(),
        )?)))
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(MakeSetAccumulator::new(args.return_type())?))
    }
}

/// Strings stored once in an arena; ids are stable until the accumulator is drained.
#[derive(Debug, Default)]
struct Interner {
    arena: String,
    spans: Vec<(u32, u32)>,
    by_hash: IntMap<u64, u32>,
    /// Ids whose hash collided with a different string (practically never used).
    collisions: Vec<u32>,
}

impl Interner {
    fn get(&self, id: u32) -> &str {
        let (s, l) = self.spans[id as usize];
        &self.arena[s as usize..(s + l) as usize]
    }

    fn intern(&mut self, s: &str) -> u32 {
        let h = xxh3_64(s.as_bytes());
        if let Some(&id) = self.by_hash.get(&h) {
            if self.get(id) == s {
                return id;
            }
            if let Some(&id) = self.collisions.iter().find(|&&c| self.get(c) == s) {
                return id;
            }
            let id = self.push(s);
            self.collisions.push(id);
            return id;
        }
        let id = self.push(s);
        self.by_hash.insert(h, id);
        id
    }

    fn push(&mut self, s: &str) -> u32 {
        let id = self.spans.len() as u32;
        self.spans.push((self.arena.len() as u32, s.len() as u32));
        self.arena.push_str(s);
        id
    }
}

/// How a `make_set` group's 64-bit items encode values.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Items {
    /// Interned string ids.
    Str,
    I64,
    F64,
    Ts(Option<Arc<str>>),
    Bool,
}

#[derive(Debug)]
struct MakeSetAccumulator {
    items: Items,
    item_type: DataType,
    strings: Interner,
    sets: Vec<Vec<u64>>,
    bytes: usize,
}

impl MakeSetAccumulator {
    fn new(return_type: &DataType) -> Result<Self> {
        let item_type = match return_type {
            DataType::List(f) => f.data_type().clone(),
            other => return exec_err!("make_set: unexpected return type {other}"),
        };
        let items = match &item_type {
            DataType::Utf8 => Items::Str,
            DataType::Int64 => Items::I64,
            DataType::Float64 => Items::F64,
            DataType::Timestamp(_, tz) => Items::Ts(tz.clone()),
            DataType::Boolean => Items::Bool,
            other => return exec_err!("make_set: unsupported item type {other}"),
        };
        Ok(Self {
            items,
            item_type,
            strings: Interner::default(),
            sets: Vec::new(),
            bytes: 0,
        })
    }

    /// Encodes row `i` of `a` (an input or state column) as a 64-bit item.
    #[inline]
    fn encode(&mut self, a: &ArrayRef, i: usize) -> Option<u64> {
        if a.is_null(i) {
            return None;
        }
        Some(match a.data_type() {
            DataType::Utf8 => u64::from(self.strings.intern(a.as_string::<i32>().value(i))),
            DataType::LargeUtf8 => u64::from(self.strings.intern(a.as_string::<i64>().value(i))),
            DataType::Utf8View => u64::from(self.strings.intern(a.as_string_view().value(i))),
            DataType::Int64 => a.as_primitive::<Int64Type>().value(i) as u64,
            DataType::Float64 => {
                let v = a.as_primitive::<Float64Type>().value(i);
                (if v == 0.0 { 0.0 } else { v }).to_bits()
            }
            DataType::Timestamp(_, _) => {
                a.as_primitive::<TimestampMicrosecondType>().value(i) as u64
            }
            DataType::Boolean => u64::from(a.as_boolean().value(i)),
            _ => return None,
        })
    }

    fn add(&mut self, g: usize, item: u64) {
        let set = &mut self.sets[g];
        let before = set.capacity();
        push_key(set, item);
        self.bytes += (set.capacity() - before.min(set.capacity())) * 8;
    }

    /// Builds the sorted, distinct list per group; resets string storage when draining all.
    fn emit(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let mut sets = emit_to.take_needed(&mut self.sets);
        self.bytes = self
            .bytes
            .saturating_sub(sets.iter().map(|s| s.capacity() * 8 + 24).sum());
        for s in sets.iter_mut() {
            compact(s);
            match &self.items {
                Items::Str => s.sort_unstable_by(|a, b| {
                    self.strings.get(*a as u32).cmp(self.strings.get(*b as u32))
                }),
                Items::I64 | Items::Ts(_) => s.sort_unstable_by_key(|v| *v as i64),
                Items::F64 => {
                    s.sort_unstable_by(|a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)))
                }
                Items::Bool => {}
            }
        }
        let offsets = OffsetBuffer::<i32>::from_lengths(sets.iter().map(Vec::len));
        let flat: Vec<u64> = sets.iter().flatten().copied().collect();
        let flat = flat.iter().copied();
        let values: ArrayRef = match &self.items {
            Items::Str => Arc::new(StringArray::from_iter_values(
                flat.map(|id| self.strings.get(id as u32)),
            )),
            Items::I64 => Arc::new(Int64Array::from_iter_values(flat.map(|v| v as i64))),
            Items::F64 => Arc::new(Float64Array::from_iter_values(flat.map(f64::from_bits))),
            Items::Ts(tz) => Arc::new(
                TimestampMicrosecondArray::from_iter_values(flat.map(|v| v as i64))
                    .with_timezone_opt(tz.clone()),
            ),
            Items::Bool => Arc::new(BooleanArray::from_iter(flat.map(|v| Some(v != 0)))),
        };
        if emit_to == EmitTo::All {
            self.strings = Interner::default();
        }
        Ok(Arc::new(ListArray::try_new(
            Arc::new(Field::new_list_field(self.item_type.clone(), true)),
            offsets,
            values,
            None,
        )?))
    }
}

impl GroupCount for MakeSetAccumulator {
    fn ensure_groups(&mut self, total: usize) {
        if self.sets.len() < total {
            self.bytes += (total - self.sets.len()) * std::mem::size_of::<Vec<u64>>();
            self.sets.resize_with(total, Vec::new);
        }
    }
}

impl GroupsAccumulator for MakeSetAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        for (i, &g) in group_indices.iter().enumerate() {
            if passes(opt_filter, i)
                && let Some(item) = self.encode(&values[0], i)
            {
                self.add(g, item);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        self.emit(emit_to)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.emit(emit_to)?])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure_groups(total_num_groups);
        let flat = Arc::clone(list_values(&values[0])?);
        for_each_list_item(&values[0], |row, item| {
            if let Some(v) = self.encode(&flat, item) {
                self.add(group_indices[row], v);
            }
            Ok(())
        })
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row becomes a one-element list (empty for NULL or filtered rows).
        let mut acc = MakeSetAccumulator::new(&DataType::List(Arc::new(Field::new_list_field(
            self.item_type.clone(),
            true,
        ))))?;
        let n = values[0].len();
        acc.ensure_groups(n);
        for i in 0..n {
            if passes(opt_filter, i)
                && let Some(item) = acc.encode(&values[0], i)
            {
                acc.sets[i].push(item);
            }
        }
        Ok(vec![acc.emit(EmitTo::All)?])
    }

    fn size(&self) -> usize {
        self.bytes
            + self.strings.arena.capacity()
            + self.strings.spans.capacity() * 8
            + self.strings.by_hash.capacity() * 16
            + std::mem::size_of::<Self>()
    }
}
