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
use object_store::{ObjectStoreExt, PutPayload};
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
    let mut tables = Vec::new();
    for (file, sql) in BUILTIN_BASELINES {
        let name = file.trim_end_matches(".sql");
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
        lake.store.put(&path, PutPayload::from(buffer)).await?;
        counts.push((
            name.clone(),
            batches.iter().map(|b| b.num_rows() as u64).sum(),
        ));
    }
    let manifest = BaselineManifest {
        built_at: rfc3339(crate::timerange::now_micros()),
        until: range.until.map(rfc3339),
        tables: counts,
    };
    let bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| EngineError::Invalid(e.to_string()))?;
    lake.store
        .put(&manifest_path(lake), PutPayload::from(bytes))
        .await?;
    Ok(manifest)
}

/// The stored baseline's manifest, if `tokenhunt baseline` was run on this lake.
pub async fn stored_manifest(lake: &Lake) -> Result<Option<BaselineManifest>> {
    match lake.store.get(&manifest_path(lake)).await {
        Ok(object) => {
            let bytes = object.bytes().await?;
            Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
                EngineError::Invalid(format!("baseline manifest: {e}"))
            })?))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
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
/// else computed now over the data up to the range's end.
pub async fn prepare(
    ctx: &SessionContext,
    lake: Option<&Lake>,
    config: &Config,
    range: &TimeRange,
) -> Result<BaselineSource> {
    if let Some(lake) = lake {
        if let Some(manifest) = stored_manifest(lake).await? {
            register_stored(ctx, lake, &manifest).await?;
            return Ok(BaselineSource::Stored(manifest));
        }
    }
    let tables = compute(ctx, config, range).await?;
    register_tables(ctx, &tables)?;
    Ok(BaselineSource::Computed)
}
