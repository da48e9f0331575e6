//! Deduplication across the whole lake, with memory bounded by the partitions an
//! ingest touches.
//!
//! A row's key is a hash of (source, event kind, event id, time). The same record
//! always lands in the same (table, source, date) partition, so only the keys of the
//! partitions an input touches are ever loaded — read from the partition's own
//! Parquet files, which makes the key set exactly as durable as the rows: there is no
//! separate index to fall out of step after a crash.

use std::collections::HashSet;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use xxhash_rust::xxh3::Xxh3;

use crate::error::{EngineError, Result};

/// The dedup key of one event.
pub fn event_key(source: &str, kind: &str, event_id: &str, time_micros: i64) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(source.as_bytes());
    hasher.update(&[0]);
    hasher.update(kind.as_bytes());
    hasher.update(&[0]);
    hasher.update(event_id.as_bytes());
    hasher.update(&[0]);
    hasher.update(&time_micros.to_le_bytes());
    hasher.digest()
}

fn string_values<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<Box<dyn Fn(usize) -> &'a str + 'a>> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| EngineError::Invalid(format!("column {name} missing")))?;
    if let Some(strings) = column.as_string_opt::<i32>() {
        return Ok(Box::new(move |row| strings.value(row)));
    }
    if let Some(views) = column.as_string_view_opt() {
        return Ok(Box::new(move |row| views.value(row)));
    }
    Err(EngineError::Invalid(format!("column {name} is not text")))
}

/// Keys of every row of a batch (in the table's file or normalized schema).
pub fn batch_keys(
    batch: &RecordBatch,
    source: &str,
    kind_column: &str,
    id_column: &str,
) -> Result<Vec<u64>> {
    let kinds = string_values(batch, kind_column)?;
    let ids = string_values(batch, id_column)?;
    let times = batch
        .column_by_name("time")
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        .ok_or_else(|| EngineError::Invalid("column time missing".into()))?;
    Ok((0..batch.num_rows())
        .map(|row| event_key(source, kinds(row), ids(row), times.value(row)))
        .collect())
}

/// Keys known for one partition: those already in the lake (sorted) and those this
/// run has accepted.
#[derive(Debug, Default)]
pub struct PartitionKeys {
    in_lake: Vec<u64>,
    this_run: HashSet<u64>,
}

impl PartitionKeys {
    pub fn from_lake(mut keys: Vec<u64>) -> Self {
        keys.sort_unstable();
        keys.dedup();
        PartitionKeys {
            in_lake: keys,
            this_run: HashSet::new(),
        }
    }

    /// Records the key; `false` when it was already known (a duplicate).
    pub fn insert(&mut self, key: u64) -> bool {
        self.in_lake.binary_search(&key).is_err() && self.this_run.insert(key)
    }

    pub fn len(&self) -> usize {
        self.in_lake.len() + self.this_run.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_every_component() {
        let base = event_key("entra", "SigninLogs", "id-1", 10);
        assert_ne!(base, event_key("okta", "SigninLogs", "id-1", 10));
        assert_ne!(base, event_key("entra", "AuditLogs", "id-1", 10));
        assert_ne!(base, event_key("entra", "SigninLogs", "id-2", 10));
        assert_ne!(base, event_key("entra", "SigninLogs", "id-1", 11));
        assert_eq!(base, event_key("entra", "SigninLogs", "id-1", 10));
    }

    #[test]
    fn partition_keys_remember_lake_and_run() {
        let mut keys = PartitionKeys::from_lake(vec![3, 1, 2]);
        assert!(!keys.insert(2));
        assert!(keys.insert(4));
        assert!(!keys.insert(4));
        assert_eq!(keys.len(), 4);
    }
}
