//! How the lake's Parquet files are written: zstd, page statistics, bloom filters on
//! the lookup columns, rows sorted by time with the order recorded in the footer.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::array::{AsArray, TimestampMicrosecondArray};
use datafusion::arrow::compute::interleave_record_batch;
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::SortingColumn;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

use crate::error::Result;
use crate::schema::{Table, file_schema};

/// Rows per row group: small enough that a time filter skips most of a day's file,
/// large enough to keep the footer and per-group overhead small.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

fn writer_properties(table: Table, rows: usize) -> Result<WriterProperties> {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: 0,
            descending: false,
            nulls_first: false,
        }]))
        .set_created_by(format!("tokenhunt {}", env!("CARGO_PKG_VERSION")))
        // The original record is unique per row: a dictionary only costs time.
        .set_column_dictionary_enabled(ColumnPath::from("raw"), false)
        .set_column_statistics_enabled(ColumnPath::from("raw"), EnabledStatistics::None);
    let distinct_estimate = rows.clamp(1_000, ROW_GROUP_ROWS) as u64;
    for column in table.bloom_filter_columns() {
        let path = ColumnPath::from(*column);
        builder = builder
            .set_column_bloom_filter_enabled(path.clone(), true)
            .set_column_bloom_filter_fpp(path.clone(), 0.01)
            .set_column_bloom_filter_max_ndv(path, distinct_estimate);
    }
    Ok(builder.build())
}

/// Sorts a partition's pending batches (file schema) by time into one batch, copying
/// each row once (no concatenate-then-sort double copy), and encodes one Parquet
/// file in memory.
pub fn encode_sorted(table: Table, batches: Vec<RecordBatch>) -> Result<(Vec<u8>, usize)> {
    let schema = file_schema(table);
    let mut order: Vec<(i64, usize, usize)> =
        Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for (batch_index, batch) in batches.iter().enumerate() {
        let times: &TimestampMicrosecondArray =
            batch.column(0).as_primitive::<TimestampMicrosecondType>();
        order.extend(
            times
                .values()
                .iter()
                .enumerate()
                .map(|(row, time)| (*time, batch_index, row)),
        );
    }
    // Stable on (time, arrival) so equal times keep input order.
    order.sort_unstable();
    let indices: Vec<(usize, usize)> = order
        .into_iter()
        .map(|(_, batch, row)| (batch, row))
        .collect();
    let references: Vec<&RecordBatch> = batches.iter().collect();
    let sorted = interleave_record_batch(&references, &indices)?;
    drop(references);
    drop(batches);
    let rows = sorted.num_rows();
    let mut buffer = Vec::with_capacity(sorted.get_array_memory_size() / 6);
    let mut writer = ArrowWriter::try_new(
        &mut buffer,
        Arc::clone(&schema),
        Some(writer_properties(table, rows)?),
    )?;
    for start in (0..rows).step_by(ROW_GROUP_ROWS) {
        writer.write(&sorted.slice(start, ROW_GROUP_ROWS.min(rows - start)))?;
    }
    writer.close()?;
    Ok((buffer, rows))
}
