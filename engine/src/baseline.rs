//! Baselines: per-user and per-network history the hunts compare new activity with —
//! which networks and countries each user returns to, and which prefixes many users
//! share.
//!
//! `tokenhunt baseline` computes them over the lake and stores them under
//! `<lake>/_tokenhunt/baseline/`; a hunt run uses the stored tables when they exist and
//! otherwise computes them on the fly over the data up to `--until`. The queries are
//! data: `data/baselines/*.sql`.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::hunt::run::expand_placeholders;
use crate::lake::Lake;
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

/// Computes every baseline table over the session's lake.
pub async fn compute(
    ctx: &SessionContext,
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<(String, Vec<RecordBatch>)>> {
    compute_some(ctx, config, range, |_| true).await
}

/// Computes the baseline tables whose name `wanted` accepts.
pub async fn compute_some(
    ctx: &SessionContext,
    config: &Config,
    range: &TimeRange,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<RecordBatch>)>> {
    let mut tables = Vec::new();
    for (file, sql) in BUILTIN_BASELINES {
        let name = file.trim_end_matches(".sql");
        if !wanted(name) {
            continue;
        }
        let expanded = expand_placeholders(sql, name, &[], config, range)?;
        let batches = ctx.sql(&expanded).await?.collect().await?;
        tables.push((name.to_string(), batches));
    }
    Ok(tables)
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

/// Writes computed tables to the lake, each as one Parquet file, then the manifest.
pub async fn store(
    lake: &Lake,
    tables: &[(String, Vec<RecordBatch>)],
    range: &TimeRange,
) -> Result<BaselineManifest> {
    let mut counts = Vec::new();
    for (name, batches) in tables {
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            continue;
        };
        let mut buffer = Vec::new();
        let mut writer =
            datafusion::parquet::arrow::ArrowWriter::try_new(&mut buffer, schema, None)?;
        for batch in batches {
            writer.write(batch)?;
        }
        writer.close()?;
        let path = lake.meta_path(&["baseline", name, "part-0.parquet"]);
        lake.put_durable(&path, buffer).await?;
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
    if let Some(lake) = lake {
        if let Some(manifest) = stored_manifest(lake).await? {
            register_stored(ctx, lake, &manifest).await?;
            return Ok(BaselineSource::Stored(manifest));
        }
    }
    let tables = compute_some(ctx, config, range, |name| {
        queries.iter().any(|sql| sql.contains(name))
    })
    .await?;
    register_tables(ctx, &tables)?;
    Ok(BaselineSource::Computed)
}
