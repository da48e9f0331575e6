//! Registers the lake's tables, and the Sentinel-named views over them, in a
//! DataFusion session.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::Lake;
use super::views::VIEWS;
use crate::error::Result;
use crate::schema::{PARTITION_COLUMNS, Table, file_schema};

/// The schema a table has in SQL: the file columns, then the partition columns.
pub fn table_schema(table: Table) -> SchemaRef {
    let mut fields: Vec<Field> = file_schema(table)
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    for name in PARTITION_COLUMNS {
        fields.push(Field::new(name, DataType::Utf8, false));
    }
    Arc::new(Schema::new(fields))
}

async fn has_files(lake: &Lake, table: Table) -> Result<bool> {
    if let Some(root) = &lake.local_root {
        return Ok(root.join(table.name()).is_dir());
    }
    let mut listing = lake.store.list(Some(&lake.table_path(table)));
    Ok(listing.try_next().await?.is_some())
}

/// Registers `signins` and `audit` (empty tables when the lake has none yet) and the
/// views, so every query and hunt works on any lake.
pub async fn register_lake(ctx: &SessionContext, lake: &Lake) -> Result<()> {
    ctx.register_object_store(&lake.store_url, lake.store.clone());
    for table in Table::ALL {
        if has_files(lake, table).await? {
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(
                    PARTITION_COLUMNS
                        .iter()
                        .map(|c| (c.to_string(), DataType::Utf8))
                        .collect(),
                );
            // No declared file order: lakes written before files were clustered by
            // user are sorted by time alone, and a declared order DataFusion trusts
            // must hold for every file.
            let url = ListingTableUrl::parse(lake.table_url(table))?;
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .with_schema(file_schema(table));
            ctx.register_table(table.name(), Arc::new(ListingTable::try_new(config)?))?;
        } else {
            let empty = MemTable::try_new(table_schema(table), vec![vec![]])?;
            ctx.register_table(table.name(), Arc::new(empty))?;
        }
    }
    register_views(ctx).await
}

/// Registers the Sentinel-named views (`SigninLogs`, `AuditLogs`, ...).
pub async fn register_views(ctx: &SessionContext) -> Result<()> {
    for view in VIEWS {
        ctx.sql(&format!(
            "CREATE OR REPLACE VIEW \"{}\" AS {}",
            view.name, view.query
        ))
        .await?;
    }
    Ok(())
}
