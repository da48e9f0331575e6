//! Compaction: a partition's small files rewritten into one, in the lake's clustered
//! order (by user or actor, then time: [`crate::ingest`]'s writer), and swapped in
//! atomically.
//!
//! Ingest writes a file per flush, so a lake fed by a daily pull or many small
//! ingests ends with dozens of files per day; each costs every query a footer read,
//! and rows of one user spread over all of them, so neither statistics nor bloom
//! filters skip much. Compaction rewrites them.
//!
//! How the swap stays invisible to readers is [`crate::lake::swap`]'s rule: outputs
//! are written under names no reader shows, one marker put commits them and hides the
//! files they replace, and those are deleted only after a grace period, so a query
//! that listed the partition before the commit can still read them. A run holds the
//! lake's write lease from before it lists anything until its last deletion, so it
//! serialises with `ingest` and `pull`: no rows are committed to a partition between
//! the compaction reading it and replacing it, and dedup keys (read from the visible
//! files) are the same before and after. Groups of files are bounded by
//! [`CompactOptions::target_bytes`] of decoded data, since a group is sorted in memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use datafusion::arrow::array::{ArrayRef, RecordBatch, new_null_array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ParquetRecordBatchStreamBuilder;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
#[allow(deprecated)]
use datafusion::parquet::arrow::async_reader::ParquetObjectReader;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStoreExt};
use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::ingest::parquet_file::encode_sorted;
use crate::lake::Lake;
use crate::lake::lease::{Lease, LeaseCheck, LeaseNotes, LeaseOptions};
use crate::lake::swap::{
    FolderState, Marker, OUTPUT_PREFIX, marker_name, read_markers, sort_folder,
};
use crate::schema::{Source, Table, file_schema};

/// How long replaced files outlive the commit by default: longer than DataFusion's
/// listing cache keeps a listing ([`crate::session::LISTING_CACHE_TTL`]) plus a query.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(60);

/// Decoded bytes of one group at most (the row groups' uncompressed size, from the
/// files' footers). A group is decoded, copied in sorted order and encoded in memory:
/// the README's benchmark peaked at about four times its largest group. Parquet sizes
/// would say little, since the `raw` JSON column compresses many times over.
pub const DEFAULT_TARGET_BYTES: u64 = 256 * 1024 * 1024;

/// What to compact and how.
#[derive(Clone)]
pub struct CompactOptions {
    /// The first partition date compacted (`YYYY-MM-DD`, inclusive).
    pub since_date: Option<String>,
    /// The last partition date compacted (inclusive).
    pub until_date: Option<String>,
    /// Only plan: list what would be rewritten, write and delete nothing.
    pub dry_run: bool,
    /// How long replaced files stay after the commit, for readers that listed before.
    pub grace: Duration,
    /// The most decoded bytes one group (one output) holds; files at least this large
    /// decoded are left as they are.
    pub target_bytes: u64,
    /// How the run takes the lake's write lease (how long it waits for a writer).
    pub lease: LeaseOptions,
    /// Called with one human line when the run waits for readers.
    pub notes: Option<LeaseNotes>,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            since_date: None,
            until_date: None,
            dry_run: false,
            grace: DEFAULT_GRACE,
            target_bytes: DEFAULT_TARGET_BYTES,
            lease: LeaseOptions::default(),
            notes: None,
        }
    }
}

/// One partition's compaction (or, in a dry run, its plan).
#[derive(Debug, Clone, Serialize)]
pub struct PartitionCompaction {
    pub table: String,
    pub source: String,
    pub date: String,
    pub files_before: u64,
    pub files_after: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// Decoded bytes of the files rewritten (the largest group bounds memory).
    pub decoded_bytes: u64,
    /// Rows rewritten (0 in a dry run: nothing is read).
    pub rows: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompactSummary {
    /// The run's id (names its outputs, markers and manifest).
    pub run_id: String,
    /// Only planned: nothing written or deleted.
    pub dry_run: bool,
    /// Partitions looked at (within the dates).
    pub partitions_seen: u64,
    /// The partitions rewritten (or that would be, in a dry run).
    pub partitions: Vec<PartitionCompaction>,
    pub files_before: u64,
    pub files_after: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub rows: u64,
    /// Files a crashed or earlier run left behind (uncommitted outputs, replaced
    /// files, stale markers) that this run deleted.
    pub leftovers_removed: u64,
    pub seconds: f64,
}

/// A partition folder and what is in it.
struct Folder {
    table: Table,
    source: Source,
    date: String,
    path: Path,
    state: FolderState,
}

/// Compacts the lake's partitions within the options' dates.
pub async fn compact(lake: &Lake, options: &CompactOptions) -> Result<CompactSummary> {
    let started = Instant::now();
    let run_id = crate::ingest::new_run_id();
    let mut summary = CompactSummary {
        run_id: run_id.clone(),
        dry_run: options.dry_run,
        ..CompactSummary::default()
    };
    // A dry run writes nothing, so it needs no lease (and never waits for one).
    let lease = match options.dry_run {
        true => None,
        false => Some(Lease::acquire(lake, &run_id, &options.lease).await?),
    };
    let checker = lease.as_ref().map(Lease::checker);
    let outcome = run(lake, options, &run_id, checker.as_ref(), &mut summary).await;
    if let Err(error) = outcome {
        // Nothing to undo: uncommitted outputs are invisible and the next run deletes
        // them; committed partitions are whole. The lease expires by itself.
        if let Some(lease) = lease {
            let _ = lease.release().await;
        }
        return Err(error);
    }
    summary.seconds = started.elapsed().as_secs_f64();
    if let Some(lease) = lease {
        let manifest =
            serde_json::to_vec_pretty(&summary).map_err(|e| EngineError::Invalid(e.to_string()))?;
        lease.check()?;
        lake.put_durable(
            &lake.meta_path(&["compact", &format!("{run_id}.json")]),
            manifest,
        )
        .await?;
        lease.release().await?;
    }
    Ok(summary)
}

async fn run(
    lake: &Lake,
    options: &CompactOptions,
    run_id: &str,
    lease: Option<&LeaseCheck>,
    summary: &mut CompactSummary,
) -> Result<()> {
    let cache = Mutex::new(HashMap::new());
    let folders = list_folders(lake, options, &cache).await?;
    summary.partitions_seen = folders.len() as u64;
    if let Some(lease) = lease {
        // What an earlier run left: gone before anything is planned, so a replaced
        // file can never outlive the output that hides it.
        summary.leftovers_removed += sweep(lake, &folders, options, lease).await?;
    }
    let mut committed = Vec::new();
    for folder in &folders {
        let sizes = decoded_sizes(lake, &folder.state.visible).await?;
        let groups = plan(&folder.state.visible, &sizes, options.target_bytes);
        if groups.is_empty() {
            continue;
        }
        let files_before = folder.state.visible.len() as u64;
        let grouped: usize = groups.iter().map(Vec::len).sum();
        let mut done = PartitionCompaction {
            table: folder.table.name().to_string(),
            source: folder.source.name().to_string(),
            date: folder.date.clone(),
            files_before,
            files_after: files_before - grouped as u64 + groups.len() as u64,
            bytes_before: folder.state.visible.iter().map(|o| o.size).sum(),
            bytes_after: 0,
            decoded_bytes: folder
                .state
                .visible
                .iter()
                .zip(&sizes)
                .filter(|(o, _)| groups.iter().flatten().any(|g| g.location == o.location))
                .map(|(_, size)| size)
                .sum(),
            rows: 0,
        };
        let untouched: u64 =
            done.bytes_before - groups.iter().flatten().map(|o| o.size).sum::<u64>();
        match lease {
            None => done.bytes_after = done.bytes_before,
            Some(lease) => {
                let (rows, bytes) = rewrite(lake, folder, &groups, run_id, lease).await?;
                done.rows = rows;
                done.bytes_after = untouched + bytes;
                committed.push(folder.path.clone());
            }
        }
        summary.files_before += done.files_before;
        summary.files_after += done.files_after;
        summary.bytes_before += done.bytes_before;
        summary.bytes_after += done.bytes_after;
        summary.rows += done.rows;
        summary.partitions.push(done);
    }
    if let Some(lease) = lease
        && !committed.is_empty()
    {
        // This run's replaced files, once the readers that listed before have had
        // their grace period.
        let relisted = relist(lake, &folders, &committed, &cache).await?;
        sweep(lake, &relisted, options, lease).await?;
    }
    Ok(())
}

/// The partition folders of both tables within the dates, each sorted by the rule.
async fn list_folders(
    lake: &Lake,
    options: &CompactOptions,
    cache: &Mutex<HashMap<Path, Arc<Marker>>>,
) -> Result<Vec<Folder>> {
    let mut folders = Vec::new();
    for table in Table::ALL {
        let objects: Vec<ObjectMeta> = match lake
            .raw_store
            .list(Some(&lake.table_path(table)))
            .try_collect()
            .await
        {
            Ok(objects) => objects,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        for (path, objects) in crate::lake::swap::by_folder(objects) {
            let Some((source, date)) = partition_of(&path) else {
                continue;
            };
            if options.since_date.as_ref().is_some_and(|d| date < *d)
                || options.until_date.as_ref().is_some_and(|d| date > *d)
            {
                continue;
            }
            let markers = read_markers(lake.raw_store.as_ref(), &objects, cache).await?;
            folders.push(Folder {
                table,
                source,
                date,
                path,
                state: sort_folder(objects, &markers),
            });
        }
    }
    Ok(folders)
}

/// The folders in `paths`, listed again.
async fn relist(
    lake: &Lake,
    folders: &[Folder],
    paths: &[Path],
    cache: &Mutex<HashMap<Path, Arc<Marker>>>,
) -> Result<Vec<Folder>> {
    let mut again = Vec::new();
    for folder in folders.iter().filter(|f| paths.contains(&f.path)) {
        let objects: Vec<ObjectMeta> = lake
            .raw_store
            .list(Some(&folder.path))
            .try_collect()
            .await?;
        let markers = read_markers(lake.raw_store.as_ref(), &objects, cache).await?;
        again.push(Folder {
            table: folder.table,
            source: folder.source,
            date: folder.date.clone(),
            path: folder.path.clone(),
            state: sort_folder(objects, &markers),
        });
    }
    Ok(again)
}

/// `source=<s>/date=<d>` at the end of a folder path.
fn partition_of(folder: &Path) -> Option<(Source, String)> {
    let parts: Vec<String> = folder.parts().map(|p| p.as_ref().to_string()).collect();
    let [.., source, date] = parts.as_slice() else {
        return None;
    };
    let source = Source::from_name(source.strip_prefix("source=")?)?;
    let date = date.strip_prefix("date=")?;
    (date.len() == 10).then(|| (source, date.to_string()))
}

/// Each file's decoded size (its row groups' uncompressed bytes), from its footer.
async fn decoded_sizes(lake: &Lake, files: &[ObjectMeta]) -> Result<Vec<u64>> {
    let mut sizes = Vec::with_capacity(files.len());
    for file in files {
        // Deprecated upstream in favour of hand-written readers; it reads a footer.
        #[allow(deprecated)]
        let reader = ParquetObjectReader::new(lake.raw_store.clone(), file.location.clone())
            .with_file_size(file.size);
        let builder = ParquetRecordBatchStreamBuilder::new(reader).await?;
        let metadata = builder.metadata();
        sizes.push(
            metadata
                .row_groups()
                .iter()
                .map(|g| g.total_byte_size().max(0) as u64)
                .sum(),
        );
    }
    Ok(sizes)
}

/// Groups of a partition's visible files to rewrite, each into one output: files in
/// name order (ingest runs are named by time), a group closed before its decoded
/// size (`sizes`, one per file) would pass `target_bytes`. Groups of one file, and
/// files that large alone, stay.
fn plan(visible: &[ObjectMeta], sizes: &[u64], target_bytes: u64) -> Vec<Vec<ObjectMeta>> {
    let mut files: Vec<(&ObjectMeta, u64)> = visible.iter().zip(sizes.iter().copied()).collect();
    files.sort_by(|a, b| a.0.location.cmp(&b.0.location));
    let mut groups: Vec<Vec<ObjectMeta>> = Vec::new();
    let mut current: Vec<ObjectMeta> = Vec::new();
    let mut bytes = 0u64;
    for (file, size) in files {
        if size >= target_bytes {
            continue;
        }
        if !current.is_empty() && bytes + size > target_bytes {
            groups.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(file.clone());
    }
    groups.push(current);
    groups.retain(|g| g.len() >= 2);
    groups
}

/// Rewrites a partition's groups, then commits them with one marker. Returns the rows
/// and the bytes written.
async fn rewrite(
    lake: &Lake,
    folder: &Folder,
    groups: &[Vec<ObjectMeta>],
    run_id: &str,
    lease: &LeaseCheck,
) -> Result<(u64, u64)> {
    let mut outputs = Vec::new();
    let mut replaces = Vec::new();
    let (mut rows, mut bytes) = (0u64, 0u64);
    for (index, group) in groups.iter().enumerate() {
        let mut batches = Vec::new();
        let mut expected = 0u64;
        for file in group {
            let data = lake.raw_store.get(&file.location).await?.bytes().await?;
            let table = folder.table;
            let (read, count) = tokio::task::spawn_blocking(move || read_file(table, data))
                .await
                .map_err(|e| EngineError::Invalid(format!("parquet reader stopped: {e}")))??;
            expected += count;
            batches.extend(read);
            replaces.push(crate::lake::swap::split_path(&file.location).1);
        }
        let table = folder.table;
        let (encoded, written) = tokio::task::spawn_blocking(move || encode_sorted(table, batches))
            .await
            .map_err(|e| EngineError::Invalid(format!("parquet encoder stopped: {e}")))??;
        if written as u64 != expected {
            return Err(EngineError::Invalid(format!(
                "compacting {}: {written} rows encoded from {expected} read; nothing was committed",
                lake.display_path(&folder.path)
            )));
        }
        let name = format!("{OUTPUT_PREFIX}{run_id}-{:05}.parquet", index + 1);
        bytes += encoded.len() as u64;
        rows += expected;
        lease.check()?;
        lake.put_durable(&folder.path.clone().join(name.as_str()), encoded)
            .await?;
        outputs.push(name);
    }
    let marker = Marker {
        run_id: run_id.to_string(),
        outputs,
        replaces,
        rows,
        committed: crate::timerange::rfc3339(crate::timerange::now_micros()),
    };
    let text =
        serde_json::to_vec_pretty(&marker).map_err(|e| EngineError::Invalid(e.to_string()))?;
    // The commit: from this put on, readers see the outputs instead of the groups.
    lease.check()?;
    lake.put_durable(
        &folder.path.clone().join(marker_name(run_id).as_str()),
        text,
    )
    .await?;
    Ok((rows, bytes))
}

/// Decodes one Parquet file into batches of the table's current file schema; returns
/// them and the row count its footer states.
fn read_file(table: Table, data: Bytes) -> Result<(Vec<RecordBatch>, u64)> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(data)?;
    let stated = builder.metadata().file_metadata().num_rows() as u64;
    let schema = file_schema(table);
    let mut batches = Vec::new();
    let mut read = 0u64;
    for batch in builder.with_batch_size(64 * 1024).build()? {
        let batch = batch?;
        read += batch.num_rows() as u64;
        batches.push(conform(&batch, &schema)?);
    }
    if read != stated {
        return Err(EngineError::Invalid(format!(
            "a file states {stated} rows and {read} were read"
        )));
    }
    Ok((batches, stated))
}

/// A batch in `schema`: columns by name, cast where a file written by an earlier
/// version typed them otherwise, nulls where it lacks a (nullable) column.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| -> Result<ArrayRef> {
            match batch.column_by_name(field.name()) {
                Some(column) if column.data_type() == field.data_type() => Ok(column.clone()),
                Some(column) => Ok(cast(column, field.data_type())?),
                None if field.is_nullable() => {
                    Ok(new_null_array(field.data_type(), batch.num_rows()))
                }
                None => Err(EngineError::Invalid(format!(
                    "a file lacks the required column {}",
                    field.name()
                ))),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Deletes what no reader sees any more: uncommitted outputs at once; files a live
/// marker replaces once the marker is `grace` old (oldest marker first, so an older
/// compaction's replaced files go before its outputs); then markers made stale.
/// Returns the files deleted.
async fn sweep(
    lake: &Lake,
    folders: &[Folder],
    options: &CompactOptions,
    lease: &LeaseCheck,
) -> Result<u64> {
    let mut deleted = 0u64;
    // The newest commit whose replaced files are still there sets the wait.
    let newest = folders
        .iter()
        .flat_map(|f| {
            f.state.live.iter().filter(|(_, marker)| {
                f.state.replaced.iter().any(|o| {
                    marker
                        .replaces
                        .contains(&crate::lake::swap::split_path(&o.location).1)
                })
            })
        })
        .map(|(object, _)| object.last_modified)
        .max();
    if let Some(newest) = newest {
        let age = (chrono::Utc::now() - newest).to_std().unwrap_or_default();
        let wait = options.grace.saturating_sub(age);
        if !wait.is_zero() {
            if let Some(notes) = &options.notes {
                notes(&format!(
                    "keeping the replaced files {:.0}s more for queries that listed them before the swap",
                    wait.as_secs_f64()
                ));
            }
            tokio::time::sleep(wait).await;
        }
    }
    for folder in folders {
        for orphan in &folder.state.orphans {
            lease.check()?;
            deleted += delete(lake, &orphan.location).await?;
        }
        let present: BTreeMap<String, &ObjectMeta> = folder
            .state
            .replaced
            .iter()
            .map(|o| (crate::lake::swap::split_path(&o.location).1, o))
            .collect();
        let mut gone_outputs = Vec::new();
        for (_, marker) in &folder.state.live {
            for name in &marker.replaces {
                if let Some(object) = present.get(name) {
                    lease.check()?;
                    deleted += delete(lake, &object.location).await?;
                    gone_outputs.push(name.clone());
                }
            }
        }
        // Markers whose outputs were just replaced and deleted, and those found stale.
        for (object, marker) in &folder.state.live {
            if marker.outputs.iter().any(|o| gone_outputs.contains(o)) {
                deleted += delete(lake, &object.location).await?;
            }
        }
        for stale in &folder.state.stale {
            deleted += delete(lake, &stale.location).await?;
        }
    }
    Ok(deleted)
}

async fn delete(lake: &Lake, path: &Path) -> Result<u64> {
    match lake.raw_store.delete(path).await {
        Ok(()) => Ok(1),
        Err(object_store::Error::NotFound { .. }) => Ok(0),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, size: u64) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(format!("l/signins/source=okta/date=2026-06-01/{name}")),
            last_modified: chrono::Utc::now(),
            size,
            e_tag: None,
            version: None,
        }
    }

    #[test]
    fn groups_stop_at_the_target_and_large_or_lone_files_stay() {
        let files = [
            meta("part-a.parquet", 40),
            meta("part-b.parquet", 40),
            meta("part-c.parquet", 40),
            meta("part-d.parquet", 500),
            meta("part-e.parquet", 10),
        ];
        let sizes: Vec<u64> = files.iter().map(|f| f.size).collect();
        let groups = plan(&files, &sizes, 100);
        let names: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|o| o.location.filename().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(
            names,
            vec![
                vec!["part-a.parquet".to_string(), "part-b.parquet".to_string()],
                vec!["part-c.parquet".to_string(), "part-e.parquet".to_string()],
            ]
        );
        assert!(plan(&files[3..4], &sizes[3..4], 100).is_empty());
        assert!(plan(&files[..1], &sizes[..1], 100).is_empty());
    }

    #[test]
    fn partition_folders_are_recognised() {
        assert_eq!(
            partition_of(&Path::from("x/signins/source=entra/date=2026-01-02")),
            Some((Source::Entra, "2026-01-02".to_string()))
        );
        assert_eq!(partition_of(&Path::from("x/signins/source=entra")), None);
    }
}
