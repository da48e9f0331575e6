//! Building blocks shared by the aggregate functions.
//!
//! Session aggregates run over millions of groups, so state is kept in flat per-group
//! vectors of fixed-size items (64-bit keys, timestamps, coordinates) rather than in
//! `ScalarValue`s or hash sets per group; intermediate state travels as Arrow list arrays.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, ListArray, PrimitiveArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

/// Whether row `i` passes the aggregate's FILTER clause.
#[inline]
pub(crate) fn passes(filter: Option<&BooleanArray>, i: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(i) && f.value(i))
}

/// Appends a key to a per-group set stored as an unsorted vector, compacting (sort + dedup)
/// whenever it has doubled since the last compaction. Memory stays within about twice the
/// number of distinct keys, and a group that sees one key a million times stays tiny.
#[inline]
pub(crate) fn push_key(set: &mut Vec<u64>, key: u64) {
    if set.last() == Some(&key) {
        return;
    }
    set.push(key);
    let len = set.len();
    if len >= 16 && len.is_power_of_two() {
        set.sort_unstable();
        set.dedup();
    }
}

/// Sorted, de-duplicated view of a per-group key set.
pub(crate) fn compact(set: &mut Vec<u64>) {
    set.sort_unstable();
    set.dedup();
}

/// A nullable `List<item>` field.
pub(crate) fn list_field(name: &str, item: DataType) -> FieldRef {
    Arc::new(Field::new(
        name,
        DataType::List(Arc::new(Field::new_list_field(item, true))),
        true,
    ))
}

/// Builds a list array (one non-null list per group) from per-group vectors of primitives.
pub(crate) fn primitive_lists<T: ArrowPrimitiveType>(
    groups: &[Vec<T::Native>],
    item_type: DataType,
) -> Result<ArrayRef> {
    let offsets = OffsetBuffer::<i32>::from_lengths(groups.iter().map(Vec::len));
    let flat: Vec<T::Native> = groups.iter().flatten().copied().collect();
    let values = PrimitiveArray::<T>::from_iter_values(flat).with_data_type(item_type.clone());
    Ok(Arc::new(ListArray::try_new(
        Arc::new(Field::new_list_field(item_type, true)),
        offsets,
        Arc::new(values),
        None,
    )?))
}

/// Calls `f(row, item_index)` for every item of every non-null list row of a state column.
pub(crate) fn for_each_list_item(
    state: &ArrayRef,
    mut f: impl FnMut(usize, usize) -> Result<()>,
) -> Result<()> {
    let Some(list) = state.as_list_opt::<i32>() else {
        return exec_err!("expected a list state column, got {}", state.data_type());
    };
    let offsets = list.value_offsets();
    for row in 0..list.len() {
        if list.is_null(row) {
            continue;
        }
        for item in offsets[row] as usize..offsets[row + 1] as usize {
            f(row, item)?;
        }
    }
    Ok(())
}

/// The flat values array of a list state column.
pub(crate) fn list_values(state: &ArrayRef) -> Result<&ArrayRef> {
    match state.as_list_opt::<i32>() {
        Some(l) => Ok(GenericListArray::values(l)),
        None => exec_err!("expected a list state column, got {}", state.data_type()),
    }
}

/// Groups accumulators that can be told how many groups exist without any input, so they
/// can also serve the single-group [`Accumulator`] interface.
pub(crate) trait GroupCount {
    fn ensure_groups(&mut self, total: usize);
}

/// Runs a [`GroupsAccumulator`] as a plain [`Accumulator`] with a single group 0, so every
/// aggregate has one implementation (used for aggregates without GROUP BY and as window
/// aggregates).
pub(crate) struct SingleGroup<G>(pub G);

impl<G: GroupsAccumulator + GroupCount + std::fmt::Debug> std::fmt::Debug for SingleGroup<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SingleGroup({:?})", self.0)
    }
}

impl<G: GroupsAccumulator + GroupCount + std::fmt::Debug> SingleGroup<G> {
    /// Reads the intermediate state without losing it (state() resets the accumulator).
    fn snapshot(&mut self) -> Result<Vec<ArrayRef>> {
        self.0.ensure_groups(1);
        let st = self.0.state(EmitTo::All)?;
        self.0.merge_batch(&st, &[0], 1)?;
        Ok(st)
    }
}

impl<G: GroupsAccumulator + GroupCount + std::fmt::Debug + Sync> Accumulator for SingleGroup<G> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let n = values.first().map_or(0, |v| v.len());
        self.0.update_batch(values, &vec![0; n], None, 1)
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let st = self.snapshot()?;
        let out = self.0.evaluate(EmitTo::All)?;
        self.0.merge_batch(&st, &[0], 1)?;
        ScalarValue::try_from_array(&out, 0)
    }
    fn size(&self) -> usize {
        self.0.size()
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.snapshot()?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let n = states.first().map_or(0, |v| v.len());
        self.0.merge_batch(states, &vec![0; n], 1)
    }
}
