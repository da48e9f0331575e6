//! Baselines: per-user and per-network history the hunts compare new activity with —
//! which networks and countries each user returns to, and which prefixes many users
//! share.
//!
//! `tokenhunt baseline` computes them over the lake and stores them under
//! `<lake>/_tokenhunt/baseline/`; a hunt run uses the stored tables when they exist and
//! otherwise computes them on the fly over the data up to `--until`. The queries are
//! data: `data/baselines/*.sql`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use object_store::ObjectStoreExt;
use parquet::arrow::AsyncArrowWriter;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::progress::StepProgress;
use crate::sql::placeholders::expand_placeholders;
use crate::timerange::{TimeRange, rfc3339};

include!(concat!(env!("OUT_DIR"), "/builtin_baselines.rs"));

/// What a stored baseline covers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineManifest {
    pub built_at: String,
    /// Events before this instant were counted (open: the whole lake).
    pub until: Option<String>,
    pub tables: Vec<(String, u64)>,
    /// Fingerprint of the baseline queries that built the tables: a baseline built
    /// by another tokenhunt version, whose columns may mean something else, is not
    /// used (older manifests have none).
    #[serde(default)]
    pub definitions: Option<String>,
    /// What the stored rollups cover, for `baseline --incremental` (absent in
    /// manifests written before rollups were kept: those rebuild in full).
    #[serde(default)]
    pub rollups: Option<RollupState>,
}

/// The rollups a stored baseline was computed from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollupState {
    /// Sign-ins before this instant (microseconds since the epoch) are in the rollups.
    pub cut_micros: i64,
    /// The sign-ins the lake held before the cut when it was taken. More later means
    /// older events arrived since (a backfill, a late export): only a full rebuild
    /// counts those.
    pub events_before_cut: u64,
    /// Each rollup's stored files (names in `_tokenhunt/baseline/rollup/<table>/`),
    /// oldest first.
    pub parts: Vec<(String, Vec<String>)>,
}

/// Fingerprint of this build's baseline queries (`data/baselines/*.sql`).
pub fn definitions_fingerprint() -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for (file, sql) in BUILTIN_BASELINES {
        hasher.update(file.as_bytes());
        hasher.update(&[0]);
        hasher.update(sql.as_bytes());
        hasher.update(&[0]);
    }
    format!("{:016x}", hasher.digest())
}

/// A stored baseline found in the lake.
#[derive(Debug, Clone)]
pub enum StoredBaseline {
    /// `tokenhunt baseline` was never run on this lake.
    Absent,
    /// Built by this version's queries: hunts use it.
    Current(BaselineManifest),
    /// Built by other queries (another tokenhunt version): ignored until rebuilt.
    Stale(BaselineManifest),
}

/// Table names, from the file names.
pub fn baseline_names() -> Vec<&'static str> {
    BUILTIN_BASELINES
        .iter()
        .map(|(file, _)| file.trim_end_matches(".sql"))
        .collect()
}

/// One baseline table's two queries (`data/baselines/<name>.sql`, split at `-- final:`):
/// the rollup over `${since}`..`${until}` keeps what the table counts at a grain
/// (per day, session, address) whose rows from disjoint time ranges add up; the final
/// query over every rollup (`rollup_<name>` tables) gives the table. A full build is
/// one rollup; `baseline --incremental` adds the rollup of the days since and reruns
/// the finals, which equals a full rebuild.
struct Definition {
    name: &'static str,
    rollup: &'static str,
    final_query: &'static str,
}

fn definitions() -> Vec<Definition> {
    BUILTIN_BASELINES
        .iter()
        .map(|(file, sql)| {
            let (rollup, final_query) = sql
                .split_once("\n-- final:\n")
                .expect("each baseline query has a `-- final:` part");
            Definition {
                name: file.trim_end_matches(".sql"),
                rollup,
                final_query,
            }
        })
        .collect()
}

/// The rollup tables a final query reads (its own, and for the countries the address
/// rollup that says which prefixes are shared egress).
fn rollups_read(final_query: &str) -> Vec<&'static str> {
    baseline_names()
        .into_iter()
        .filter(|name| final_query.contains(&format!("rollup_{name}")))
        .collect()
}

/// Computes every baseline table over the session's lake, up to the range's end.
pub async fn compute(
    ctx: &SessionContext,
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<(String, Vec<RecordBatch>)>> {
    compute_some(ctx, config, range, |_| true).await
}

/// Computes the baseline tables whose name `wanted` accepts, over the whole history up
/// to the range's end (its start does not matter: a baseline is what came before).
pub async fn compute_some(
    ctx: &SessionContext,
    config: &Config,
    range: &TimeRange,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<RecordBatch>)>> {
    let history = TimeRange {
        since: None,
        until: range.until,
    };
    let finals: Vec<Definition> = definitions()
        .into_iter()
        .filter(|d| wanted(d.name))
        .collect();
    let mut needed: Vec<&str> = finals
        .iter()
        .flat_map(|d| rollups_read(d.final_query))
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let rollups = compute_rollups(ctx, config, &history, |name| needed.contains(&name)).await?;
    let registered: Vec<(String, Vec<RecordBatch>)> = rollups
        .into_iter()
        .map(|(name, _, batches)| (format!("rollup_{name}"), batches))
        .collect();
    register_tables(ctx, &registered)?;
    let tables = compute_finals(ctx, config, &finals).await;
    for (name, _) in &registered {
        ctx.deregister_table(name.as_str())?;
    }
    tables
}

/// The rollups (name, schema, rows) of the wanted tables over `range`.
async fn compute_rollups(
    ctx: &SessionContext,
    config: &Config,
    range: &TimeRange,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, SchemaRef, Vec<RecordBatch>)>> {
    let mut rollups = Vec::new();
    for definition in definitions() {
        if !wanted(definition.name) {
            continue;
        }
        let frame = rollup_frame(ctx, config, &definition, range).await?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = with_schema(crate::sql::counter::collect(frame).await?, &schema);
        rollups.push((definition.name.to_string(), schema, batches));
    }
    Ok(rollups)
}

/// The rollup query of `definition` over `range`, planned.
async fn rollup_frame(
    ctx: &SessionContext,
    config: &Config,
    definition: &Definition,
    range: &TimeRange,
) -> Result<datafusion::dataframe::DataFrame> {
    let expanded =
        expand_placeholders(definition.rollup, definition.name, |_| None, config, range)?;
    Ok(ctx.sql(&expanded).await?)
}

/// The final queries, over the `rollup_<name>` tables registered in the session.
async fn compute_finals(
    ctx: &SessionContext,
    config: &Config,
    finals: &[Definition],
) -> Result<Vec<(String, Vec<RecordBatch>)>> {
    let mut tables = Vec::new();
    for definition in finals {
        let expanded = expand_placeholders(
            definition.final_query,
            definition.name,
            |_| None,
            config,
            &TimeRange {
                since: None,
                until: None,
            },
        )?;
        let frame = ctx.sql(&expanded).await?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = with_schema(crate::sql::counter::collect(frame).await?, &schema);
        tables.push((definition.name.to_string(), batches));
    }
    Ok(tables)
}

/// A query's rows, with one empty batch when it found none: a table without rows
/// (no scripted clients in the lake, no Okta) keeps its columns, so the queries that
/// join it still plan.
fn with_schema(mut batches: Vec<RecordBatch>, schema: &SchemaRef) -> Vec<RecordBatch> {
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema.clone()));
    }
    batches
}

/// Registers tables as in-memory tables of the session (replacing earlier ones).
pub fn register_tables(ctx: &SessionContext, tables: &[(String, Vec<RecordBatch>)]) -> Result<()> {
    for (name, batches) in tables {
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            let frame_schema = Arc::new(datafusion::arrow::datatypes::Schema::empty());
            ctx.deregister_table(name.as_str())?;
            ctx.register_table(
                name.as_str(),
                Arc::new(MemTable::try_new(frame_schema, vec![vec![]])?),
            )?;
            continue;
        };
        ctx.deregister_table(name.as_str())?;
        ctx.register_table(
            name.as_str(),
            Arc::new(MemTable::try_new(schema, vec![batches.clone()])?),
        )?;
    }
    Ok(())
}

fn manifest_path(lake: &Lake) -> object_store::path::Path {
    lake.meta_path(&["baseline", "baseline.json"])
}

/// How a stored baseline was (re)built.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    pub manifest: BaselineManifest,
    /// True when the stored rollups were extended rather than recomputed.
    pub incremental: bool,
    /// Why an incremental build was done in full, when it was.
    pub note: Option<String>,
}

/// Builds and stores the baselines: in full, or with `incremental` by adding the
/// rollups of the sign-ins since the stored baseline's cut to its stored rollups and
/// rerunning the final queries (the same tables as a full rebuild). The cut is
/// `--until`, else just after the lake's last sign-in. An incremental build falls back
/// to a full one, saying why in [`BuildOutcome::note`], when there is no usable stored
/// baseline or older sign-ins arrived since it was built.
pub async fn build(
    ctx: &SessionContext,
    lake: &Lake,
    config: &Config,
    range: &TimeRange,
    incremental: bool,
    progress: &StepProgress,
) -> Result<BuildOutcome> {
    // The rollups, then the final tables as one step.
    progress
        .steps
        .store(definitions().len() + 1, Ordering::Relaxed);
    progress.parts.store(1, Ordering::Relaxed);
    let cut = match range.until {
        Some(until) => until,
        None => last_sign_in(ctx)
            .await?
            .map_or_else(crate::timerange::now_micros, |last| last + 1),
    };
    let mut note = None;
    let mut previous = None;
    if incremental {
        match stored_baseline(lake).await? {
            StoredBaseline::Current(BaselineManifest {
                rollups: Some(rollups),
                ..
            }) => previous = Some(rollups),
            StoredBaseline::Current(_) => {
                note = Some(
                    "the stored baseline keeps no rollups (built by an earlier version)".into(),
                )
            }
            StoredBaseline::Stale(_) => {
                note = Some("the stored baseline was built by other baseline queries".into())
            }
            StoredBaseline::Absent => note = Some("no baseline is stored yet".into()),
        }
    }
    if let Some(stored) = &previous {
        if cut < stored.cut_micros {
            return Err(EngineError::Invalid(format!(
                "--until {} is before the stored baseline's end ({}): an incremental build only \
                 adds later days; run `tokenhunt baseline` for a full rebuild",
                rfc3339(cut),
                rfc3339(stored.cut_micros)
            )));
        }
        let now_before = count_sign_ins(ctx, None, stored.cut_micros).await?;
        if now_before != stored.events_before_cut {
            note = Some(format!(
                "{} sign-in(s) older than the stored baseline's end ({}) arrived since it was built",
                now_before.abs_diff(stored.events_before_cut),
                rfc3339(stored.cut_micros)
            ));
            previous = None;
        }
    }
    let rollup_range = TimeRange {
        since: previous.as_ref().map(|p| p.cut_micros),
        until: Some(cut),
    };
    let stamp = crate::ingest::new_run_id();
    let mut parts: Vec<(String, Vec<String>)> = previous
        .as_ref()
        .map(|p| p.parts.clone())
        .unwrap_or_default();
    let file = format!("{stamp}.parquet");
    for definition in definitions() {
        progress.begin(definition.name);
        let path = rollup_path(lake, definition.name, &file);
        store_rollup(ctx, lake, config, &definition, &rollup_range, &path).await?;
        progress.end();
        match parts.iter_mut().find(|(n, _)| n == definition.name) {
            Some((_, files)) => files.push(file.clone()),
            None => parts.push((definition.name.to_string(), vec![file.clone()])),
        }
    }
    for (name, files) in &parts {
        let urls: Vec<String> = files
            .iter()
            .map(|file| store_url(lake, rollup_path(lake, name, file).as_ref()))
            .collect();
        let frame = ctx
            .read_parquet(urls, datafusion::prelude::ParquetReadOptions::default())
            .await?;
        ctx.deregister_table(format!("rollup_{name}").as_str())?;
        ctx.register_table(format!("rollup_{name}").as_str(), frame.into_view())?;
    }
    progress.begin("the tables from the rollups");
    let tables = compute_finals(ctx, config, &definitions()).await;
    for (name, _) in &parts {
        ctx.deregister_table(format!("rollup_{name}").as_str())?;
    }
    let tables = tables?;
    let events_before_cut = match &previous {
        Some(stored) => {
            stored.events_before_cut + count_sign_ins(ctx, Some(stored.cut_micros), cut).await?
        }
        None => count_sign_ins(ctx, None, cut).await?,
    };
    let state = RollupState {
        cut_micros: cut,
        events_before_cut,
        parts,
    };
    let manifest = store(lake, &tables, range, Some(state.clone())).await?;
    // Rollups no manifest names any more (a full rebuild's predecessors, a crashed
    // build's): gone once the new manifest is stored.
    remove_unlisted_rollups(lake, &state).await?;
    Ok(BuildOutcome {
        manifest,
        incremental: previous.is_some(),
        note,
    })
}

/// Runs one rollup over `range` straight into its Parquet file: months of history make
/// rollups of tens of millions of rows, which are never held in memory (the query's own
/// operators spill under the session's memory limit; the writer holds one row group).
async fn store_rollup(
    ctx: &SessionContext,
    lake: &Lake,
    config: &Config,
    definition: &Definition,
    range: &TimeRange,
    path: &object_store::path::Path,
) -> Result<()> {
    use futures::StreamExt;
    let frame = rollup_frame(ctx, config, definition, range).await?;
    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let target = object_store::buffered::BufWriter::new(lake.store.clone(), path.clone());
    let mut writer = AsyncArrowWriter::try_new(target, schema, None)?;
    let mut rows = crate::sql::counter::stream(frame).await?;
    while let Some(batch) = rows.batches.next().await {
        writer.write(&batch?).await?;
    }
    rows.finish();
    writer.close().await?;
    // On disk before the manifest that lists it is.
    lake.sync_written(path).await
}

fn rollup_path(lake: &Lake, table: &str, file: &str) -> object_store::path::Path {
    lake.meta_path(&["baseline", "rollup", table, file])
}

/// The URL DataFusion reads a file of the lake's store under.
fn store_url(lake: &Lake, path: &str) -> String {
    let mut url = lake.store_url.as_str().to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    url.push_str(path);
    url
}

/// One Parquet file of `batches` (with the schema even when there are none).
fn encode(schema: SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(&mut buffer, schema, None)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(buffer)
}

/// The lake's last sign-in time (microseconds), if it has any.
async fn last_sign_in(ctx: &SessionContext) -> Result<Option<i64>> {
    let batches = ctx
        .sql("SELECT CAST(max(time) AS BIGINT) AS last FROM signins")
        .await?
        .collect()
        .await?;
    Ok(batches.first().and_then(|batch| {
        let column = batch.column(0).as_primitive::<Int64Type>();
        (batch.num_rows() > 0 && column.is_valid(0)).then(|| column.value(0))
    }))
}

/// Sign-ins with `since <= time < until` (no lower bound when `since` is `None`).
/// Without a lower bound the days before `until`'s are counted by `date` alone, which
/// the files' footers answer (row counts) without reading a column: a row's `date` is
/// its time's UTC day.
async fn count_sign_ins(ctx: &SessionContext, since: Option<i64>, until: i64) -> Result<u64> {
    let range = TimeRange {
        since,
        until: Some(until),
    };
    let sql = match since {
        Some(_) => format!(
            "SELECT count(*) AS n FROM signins WHERE time >= {} AND time < {}",
            range.since_literal(),
            range.until_literal()
        ),
        None => {
            let day = crate::parse::time::date_of_micros(until);
            format!(
                "SELECT (SELECT count(*) FROM signins WHERE date < '{day}') \
                 + (SELECT count(*) FROM signins WHERE date = '{day}' AND time < {}) AS n",
                range.until_literal()
            )
        }
    };
    let batches = ctx.sql(&sql).await?.collect().await?;
    Ok(batches
        .first()
        .map(|batch| batch.column(0).as_primitive::<Int64Type>().value(0) as u64)
        .unwrap_or(0))
}

async fn remove_unlisted_rollups(lake: &Lake, state: &RollupState) -> Result<()> {
    use futures::TryStreamExt;
    let folder = lake.meta_path(&["baseline", "rollup"]);
    let listed: Vec<object_store::ObjectMeta> =
        match lake.store.list(Some(&folder)).try_collect().await {
            Ok(listed) => listed,
            Err(object_store::Error::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
    for object in listed {
        let kept = state.parts.iter().any(|(name, files)| {
            files
                .iter()
                .any(|file| rollup_path(lake, name, file) == object.location)
        });
        if !kept {
            match lake.store.delete(&object.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

/// Writes computed tables to the lake, each as one Parquet file, then the manifest.
pub async fn store(
    lake: &Lake,
    tables: &[(String, Vec<RecordBatch>)],
    range: &TimeRange,
    rollups: Option<RollupState>,
) -> Result<BaselineManifest> {
    let mut counts = Vec::new();
    for (name, batches) in tables {
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            continue;
        };
        let path = lake.meta_path(&["baseline", name, "part-0.parquet"]);
        lake.put_durable(&path, encode(schema, batches)?).await?;
        counts.push((
            name.clone(),
            batches.iter().map(|b| b.num_rows() as u64).sum(),
        ));
    }
    let manifest = BaselineManifest {
        built_at: rfc3339(crate::timerange::now_micros()),
        until: range.until.map(rfc3339),
        tables: counts,
        definitions: Some(definitions_fingerprint()),
        rollups,
    };
    let bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| EngineError::Invalid(e.to_string()))?;
    lake.put_durable(&manifest_path(lake), bytes).await?;
    Ok(manifest)
}

/// The stored baseline's manifest, if `tokenhunt baseline` was run on this lake
/// with this version's baseline queries.
pub async fn stored_manifest(lake: &Lake) -> Result<Option<BaselineManifest>> {
    Ok(match stored_baseline(lake).await? {
        StoredBaseline::Current(manifest) => Some(manifest),
        StoredBaseline::Absent | StoredBaseline::Stale(_) => None,
    })
}

/// The stored baseline, current or stale.
pub async fn stored_baseline(lake: &Lake) -> Result<StoredBaseline> {
    let manifest: BaselineManifest = match lake.store.get(&manifest_path(lake)).await {
        Ok(object) => {
            let bytes = object.bytes().await?;
            serde_json::from_slice(&bytes)
                .map_err(|e| EngineError::Invalid(format!("baseline manifest: {e}")))?
        }
        Err(object_store::Error::NotFound { .. }) => return Ok(StoredBaseline::Absent),
        Err(error) => return Err(error.into()),
    };
    Ok(
        if manifest.definitions.as_deref() == Some(definitions_fingerprint().as_str()) {
            StoredBaseline::Current(manifest)
        } else {
            StoredBaseline::Stale(manifest)
        },
    )
}

/// Registers the stored baseline's tables from the lake.
pub async fn register_stored(
    ctx: &SessionContext,
    lake: &Lake,
    manifest: &BaselineManifest,
) -> Result<()> {
    for (name, _) in &manifest.tables {
        let mut url = lake.store_url.as_str().to_string();
        if !url.ends_with('/') {
            url.push('/');
        }
        url.push_str(lake.meta_path(&["baseline", name]).as_ref());
        url.push('/');
        let table_url = ListingTableUrl::parse(&url)?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new(table_url)
            .with_listing_options(options)
            .infer_schema(&ctx.state())
            .await?;
        ctx.deregister_table(name.as_str())?;
        ctx.register_table(name.as_str(), Arc::new(ListingTable::try_new(config)?))?;
    }
    Ok(())
}

/// Where a hunt run's baseline came from.
#[derive(Debug, Clone)]
pub enum BaselineSource {
    Stored(BaselineManifest),
    Computed,
}

/// Makes the baseline tables available to hunts: the stored ones when present,
/// else computed now over the data up to the range's end — only those that one of
/// `queries` (the hunts about to run) names.
pub async fn prepare(
    ctx: &SessionContext,
    lake: Option<&Lake>,
    config: &Config,
    range: &TimeRange,
    queries: &[&str],
) -> Result<BaselineSource> {
    if let Some(lake) = lake
        && let Some(manifest) = stored_manifest(lake).await?
    {
        register_stored(ctx, lake, &manifest).await?;
        return Ok(BaselineSource::Stored(manifest));
    }
    let tables = compute_some(ctx, config, range, |name| {
        queries.iter().any(|sql| sql.contains(name))
    })
    .await?;
    register_tables(ctx, &tables)?;
    Ok(BaselineSource::Computed)
}
