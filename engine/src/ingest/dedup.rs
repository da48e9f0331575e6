//! Deduplication across the whole lake, with memory bounded by the partitions an
//! ingest touches.
//!
//! A row's key is a hash of (source, event kind, event id): what every export of an
//! event shares. The time is not part of it, because exports disagree on it — Log
//! Analytics' `AADServicePrincipalSignInLogs` carries only `TimeGenerated`, minutes
//! after the diagnostic export's `createdDateTime`, and the portal's CSV keeps
//! milliseconds where the JSON exports keep 7 fractional digits. Ids that are
//! placeholders rather than identifiers (`uuid`, `XXXXXXXX`, all zeros, a few
//! characters) keep the time in their key, so distinct events sharing one are not
//! merged.
//!
//! The partition (table, source, date) follows the time, so two exports of one event
//! can fall on the two sides of midnight: a key is checked against its own day and the
//! days either side ([`NEIGHBOUR_DAYS`]). Only the keys of the partitions an input
//! touches (and their neighbours) are ever loaded — read from the partitions' own
//! Parquet files, which makes the key set exactly as durable as the rows: there is
//! no separate index to fall out of step after a crash.

use std::collections::HashSet;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use xxhash_rust::xxh3::Xxh3;

use crate::error::{EngineError, Result};

/// How many days either side of an event's own date partition are searched for an
/// earlier copy: exports of one event differ in time by minutes, far less than a day.
pub const NEIGHBOUR_DAYS: i64 = 1;

/// True for event ids that do not identify an event: literal placeholders from
/// redacted samples (`uuid`, `XXXXXXXXXXXXXXXX`, `00000000-0000-...`) and ids too
/// short to be unique. Every source's real ids are GUIDs or similar (36 characters),
/// and ids we make up are `xxh3:` plus 16 hex digits.
pub fn is_placeholder_id(event_id: &str) -> bool {
    let id = event_id.trim();
    if id.len() < 8 {
        return true;
    }
    let lowered = id.to_ascii_lowercase();
    if matches!(
        lowered.as_str(),
        "redacted" | "<redacted>" | "[redacted]" | "unknown" | "eventid" | "event_id"
    ) {
        return true;
    }
    let mut significant = id.bytes().filter(|b| !matches!(b, b'-' | b'{' | b'}'));
    match significant.next() {
        Some(first) => significant.all(|b| b.eq_ignore_ascii_case(&first)),
        None => true,
    }
}

/// The dedup key of one event: (source, kind, id), plus the time only when the id is
/// a placeholder.
pub fn event_key(source: &str, kind: &str, event_id: &str, time_micros: i64) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(source.as_bytes());
    hasher.update(&[0]);
    hasher.update(kind.as_bytes());
    hasher.update(&[0]);
    hasher.update(event_id.as_bytes());
    if is_placeholder_id(event_id) {
        hasher.update(&[0]);
        hasher.update(&time_micros.to_le_bytes());
    }
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

    /// True when the key is known, in the lake or from this run.
    pub fn contains(&self, key: u64) -> bool {
        self.this_run.contains(&key) || self.in_lake.binary_search(&key).is_ok()
    }

    pub fn len(&self) -> usize {
        self.in_lake.len() + self.this_run.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "36658c78-02d9-4d8f-84ee-5ca4a3fdefef";

    #[test]
    fn keys_separate_source_kind_and_id_but_not_time() {
        let base = event_key("entra", "SigninLogs", ID, 10);
        assert_ne!(base, event_key("okta", "SigninLogs", ID, 10));
        assert_ne!(base, event_key("entra", "AuditLogs", ID, 10));
        assert_ne!(
            base,
            event_key(
                "entra",
                "SigninLogs",
                "55270060-d8fe-435e-9bf2-219a1d456b60",
                10
            )
        );
        // Exports of one event disagree on its time (TimeGenerated minutes later,
        // milliseconds against 7 fractional digits): still one event.
        assert_eq!(base, event_key("entra", "SigninLogs", ID, 10 + 240_000_000));
        assert_eq!(base, event_key("entra", "SigninLogs", ID, 10));
        // Made-up ids (a hash of the record) are ids like any other.
        let synthetic = "xxh3:0123456789abcdef";
        assert_eq!(
            event_key("entra", "SigninLogs", synthetic, 1),
            event_key("entra", "SigninLogs", synthetic, 2)
        );
    }

    #[test]
    fn placeholder_ids_keep_the_time_in_the_key() {
        for placeholder in [
            "uuid",
            "XXXXXXXXXXXXXXXX",
            "00000000-0000-0000-0000-000000000000",
            "{00000000-0000-0000-0000-000000000000}",
            "1",
            "REDACTED",
        ] {
            assert!(is_placeholder_id(placeholder), "{placeholder}");
            assert_ne!(
                event_key("okta", "user.session.start", placeholder, 1),
                event_key("okta", "user.session.start", placeholder, 2),
                "{placeholder}"
            );
        }
        for real in [ID, "xxh3:0123456789abcdef", "Directory_12351123"] {
            assert!(!is_placeholder_id(real), "{real}");
        }
    }

    #[test]
    fn partition_keys_remember_lake_and_run() {
        let mut keys = PartitionKeys::from_lake(vec![3, 1, 2]);
        assert!(!keys.insert(2));
        assert!(keys.insert(4));
        assert!(!keys.insert(4));
        assert!(keys.contains(1) && keys.contains(4) && !keys.contains(5));
        assert_eq!(keys.len(), 4);
    }
}
