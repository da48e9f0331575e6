//! Rows waiting to be written, per (table, source, date) partition, with the
//! partition's dedup keys (checked against the neighbouring days' keys too). Memory
//! is bounded: past the budget the least recently written partition is written out,
//! and key sets of idle partitions are dropped past their cap.

use datafusion::arrow::array::{AsArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take_record_batch;
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::parquet::arrow::ParquetRecordBatchStreamBuilder;
use datafusion::parquet::arrow::ProjectionMask;
#[allow(deprecated)]
use datafusion::parquet::arrow::async_reader::ParquetObjectReader;
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use std::collections::HashMap;

use super::dedup::{NEIGHBOUR_DAYS, PartitionKeys, batch_keys};
use super::parquet_file::encode_sorted;
use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::lake::lease::LeaseCheck;
use crate::parse::time::date_of_micros;
use crate::schema::{Source, Table, dedup_columns, file_schema};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A partition of the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionId {
    pub table: Table,
    pub source: Source,
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
}

impl PartitionId {
    pub fn date(&self) -> String {
        date_of_micros(self.day * MICROS_PER_DAY)
    }
}

#[derive(Default)]
struct Partition {
    keys: Option<PartitionKeys>,
    pending: Vec<RecordBatch>,
    pending_bytes: usize,
    last_used: u64,
}

/// What happened to the rows of one batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Accepted {
    pub written: u64,
    pub duplicates: u64,
}

/// Buffers rows per partition and writes them as sorted Parquet files.
pub struct PartitionWriter {
    lake: Lake,
    run_id: String,
    partitions: HashMap<PartitionId, Partition>,
    pending_bytes: usize,
    budget_bytes: usize,
    max_keys: usize,
    clock: u64,
    files_written: u64,
    rows_written: u64,
    /// Every file this run has put, so a failed run can take them back.
    written: Vec<object_store::path::Path>,
    /// The lake's write lease, checked before every file is put.
    lease: Option<LeaseCheck>,
}

impl PartitionWriter {
    pub fn new(lake: Lake, run_id: String, budget_bytes: usize) -> Self {
        PartitionWriter {
            lake,
            run_id,
            partitions: HashMap::new(),
            pending_bytes: 0,
            budget_bytes,
            // ~16 bytes a key: the cap keeps key sets to about the buffer budget.
            max_keys: (budget_bytes / 16).max(1 << 20),
            clock: 0,
            files_written: 0,
            rows_written: 0,
            written: Vec::new(),
            lease: None,
        }
    }

    /// Writes only while `lease` is held. The run took the lease before loading any
    /// partition's keys, so no other writer has committed to the lake since they were
    /// read; a lease lost (taken over after this run stalled past its expiry) stops
    /// the run before its next file.
    pub fn with_lease(mut self, lease: LeaseCheck) -> Self {
        self.lease = Some(lease);
        self
    }

    pub fn files_written(&self) -> u64 {
        self.files_written
    }

    /// Deduplicates a parsed batch (normalized schema) and queues its new rows.
    pub async fn add(&mut self, table: Table, batch: &RecordBatch) -> Result<Accepted> {
        let mut accepted = Accepted::default();
        if batch.num_rows() == 0 {
            return Ok(accepted);
        }
        let (kind_column, id_column) = dedup_columns(table);
        let sources = batch.column(1).as_string::<i32>();
        let times = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        // Group rows by partition, keeping input order within each.
        let mut groups: HashMap<PartitionId, Vec<u32>> = HashMap::new();
        for row in 0..batch.num_rows() {
            let source = Source::from_name(sources.value(row)).ok_or_else(|| {
                EngineError::Invalid(format!("unknown source {}", sources.value(row)))
            })?;
            let id = PartitionId {
                table,
                source,
                day: times.value(row).div_euclid(MICROS_PER_DAY),
            };
            groups.entry(id).or_default().push(row as u32);
        }
        let file_batch = batch.project(&file_columns(table, batch))?;
        let mut ids: Vec<PartitionId> = groups.keys().copied().collect();
        ids.sort();
        let single_partition = ids.len() == 1;
        for id in ids {
            let rows = groups.remove(&id).unwrap_or_default();
            // Most chunks hold one day of one source: no copy then.
            let group = if single_partition {
                file_batch.clone()
            } else {
                take_record_batch(&file_batch, &UInt32Array::from(rows))?
            };
            let keys = batch_keys(&group, id.source.name(), kind_column, id_column)?;
            self.clock += 1;
            let clock = self.clock;
            // The event's own day and the days either side: two exports of one event
            // can carry times on the two sides of midnight.
            let days = (id.day - NEIGHBOUR_DAYS)..=(id.day + NEIGHBOUR_DAYS);
            for day in days.clone() {
                let near = PartitionId { day, ..id };
                if self.partitions.get(&near).is_none_or(|p| p.keys.is_none()) {
                    let loaded = self.load_keys(near).await?;
                    let partition = self.partitions.entry(near).or_default();
                    partition.keys = Some(loaded);
                    partition.last_used = clock;
                }
            }
            let neighbours: Vec<&PartitionKeys> = days
                .filter(|day| *day != id.day)
                .filter_map(|day| self.partitions.get(&PartitionId { day, ..id }))
                .filter_map(|p| p.keys.as_ref())
                .collect();
            let unseen: Vec<bool> = keys
                .iter()
                .map(|key| !neighbours.iter().any(|near| near.contains(*key)))
                .collect();
            let partition = self.partitions.get_mut(&id).expect("inserted above");
            partition.last_used = clock;
            let partition_keys = partition.keys.as_mut().expect("loaded above");
            let keep: Vec<u32> = keys
                .iter()
                .zip(unseen)
                .enumerate()
                .filter(|(_, (key, unseen))| *unseen && partition_keys.insert(**key))
                .map(|(row, _)| row as u32)
                .collect();
            accepted.duplicates += (keys.len() - keep.len()) as u64;
            accepted.written += keep.len() as u64;
            if keep.is_empty() {
                continue;
            }
            let new_rows = if keep.len() == group.num_rows() {
                group
            } else {
                take_record_batch(&group, &UInt32Array::from(keep))?
            };
            let bytes = new_rows.get_array_memory_size();
            partition.pending.push(new_rows);
            partition.pending_bytes += bytes;
            self.pending_bytes += bytes;
        }
        // Over budget, the partition written to least recently goes first: inputs come
        // in waves (a table's files day after day, then the next table's), and a wave
        // leaves each day a little pending. Writing the largest first let those
        // leftovers hold the budget, so the day being filled was cut every few thousand
        // rows into small files that prune poorly; the idle ones are complete for now.
        while self.pending_bytes > self.budget_bytes {
            let idlest = self
                .partitions
                .iter()
                .filter(|(_, p)| p.pending_bytes > 0)
                .min_by_key(|(_, p)| p.last_used)
                .map(|(id, _)| *id);
            match idlest {
                Some(id) => self.flush(id).await?,
                None => break,
            }
        }
        self.evict_idle_keys();
        Ok(accepted)
    }

    /// Drops the key sets of the least recently used partitions that have nothing
    /// pending, once the total passes the cap; they reload from the lake if needed.
    fn evict_idle_keys(&mut self) {
        let mut total: usize = self
            .partitions
            .values()
            .filter_map(|p| p.keys.as_ref())
            .map(PartitionKeys::len)
            .sum();
        if total <= self.max_keys {
            return;
        }
        let mut idle: Vec<(u64, PartitionId)> = self
            .partitions
            .iter()
            .filter(|(_, p)| p.pending.is_empty() && p.keys.is_some())
            .map(|(id, p)| (p.last_used, *id))
            .collect();
        idle.sort();
        for (_, id) in idle {
            if total <= self.max_keys / 2 {
                break;
            }
            if let Some(partition) = self.partitions.remove(&id) {
                total -= partition.keys.map_or(0, |k| k.len());
            }
        }
    }

    /// Reads the dedup keys already in a partition's files.
    async fn load_keys(&self, id: PartitionId) -> Result<PartitionKeys> {
        let prefix = self.lake.partition_path(id.table, id.source, &id.date());
        let objects: Vec<_> = match self.lake.store.list(Some(&prefix)).try_collect().await {
            Ok(objects) => objects,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        let (kind_column, id_column) = dedup_columns(id.table);
        let mut keys = Vec::new();
        for object in objects
            .iter()
            .filter(|o| o.location.as_ref().ends_with(".parquet"))
        {
            // Deprecated upstream in favour of hand-written readers; it still does
            // exactly what a footer-plus-projected-columns read needs.
            #[allow(deprecated)]
            let reader = ParquetObjectReader::new(self.lake.store.clone(), object.location.clone())
                .with_file_size(object.size);
            let builder = ParquetRecordBatchStreamBuilder::new(reader).await?;
            let wanted = ["time", kind_column, id_column];
            let mask = ProjectionMask::columns(builder.parquet_schema(), wanted);
            let mut stream = builder
                .with_projection(mask)
                .with_batch_size(64 * 1024)
                .build()?;
            while let Some(batch) = stream.try_next().await? {
                keys.extend(batch_keys(
                    &batch,
                    id.source.name(),
                    kind_column,
                    id_column,
                )?);
            }
        }
        Ok(PartitionKeys::from_lake(keys))
    }

    /// Writes one partition's pending rows as a new file. The store's put is atomic
    /// (a staged upload or temporary file, renamed when complete), so readers never
    /// see a partial file, even if the process dies here.
    async fn flush(&mut self, id: PartitionId) -> Result<()> {
        let Some(partition) = self.partitions.get_mut(&id) else {
            return Ok(());
        };
        let pending = std::mem::take(&mut partition.pending);
        self.pending_bytes -= partition.pending_bytes;
        partition.pending_bytes = 0;
        if pending.is_empty() {
            return Ok(());
        }
        let (bytes, rows) = tokio::task::spawn_blocking(move || encode_sorted(id.table, pending))
            .await
            .map_err(|e| EngineError::Invalid(format!("parquet encoder stopped: {e}")))??;
        self.files_written += 1;
        let name = format!("part-{}-{:05}.parquet", self.run_id, self.files_written);
        let path = self
            .lake
            .partition_path(id.table, id.source, &id.date())
            .clone()
            .join(name);
        if let Some(lease) = &self.lease {
            lease.check()?;
        }
        self.written.push(path.clone());
        self.lake.put_durable(&path, bytes).await?;
        self.rows_written += rows as u64;
        Ok(())
    }

    /// Abandons the run: drops what is pending and deletes every file the run has
    /// written (a file whose put failed may not exist; that is fine).
    pub async fn discard(&mut self) -> Result<()> {
        self.partitions.clear();
        self.pending_bytes = 0;
        let mut first_error = None;
        for path in std::mem::take(&mut self.written) {
            match self.lake.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        self.files_written = 0;
        self.rows_written = 0;
        first_error.map_or(Ok(()), |error| Err(error.into()))
    }

    /// Writes everything still pending.
    pub async fn finish(&mut self) -> Result<u64> {
        let mut ids: Vec<PartitionId> = self.partitions.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.flush(id).await?;
        }
        Ok(self.rows_written)
    }
}

/// Indices of the file-schema columns within a normalized batch.
fn file_columns(table: Table, batch: &RecordBatch) -> Vec<usize> {
    let schema = file_schema(table);
    schema
        .fields()
        .iter()
        .filter_map(|field| batch.schema().index_of(field.name()).ok())
        .collect()
}
