//! Running lake queries (a scope's, respond's) while keeping what the Parquet scans did: rows
//! decoded, bytes read, files and row groups pruned by statistics and bloom filters —
//! the numbers `EXPLAIN ANALYZE` shows, summed over the queries of one job.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// Pruned and kept counts of one pruning step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pruning {
    pub pruned: u64,
    pub matched: u64,
}

/// What the scope's lake scans did, summed over its queries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanStats {
    /// Lake queries run.
    pub queries: u64,
    /// Wall time of those queries.
    pub seconds: f64,
    /// Rows the Parquet scans decoded (rows that left the scan plus rows the pushed-down
    /// filter dropped while decoding).
    pub rows_decoded: u64,
    /// Rows that left the scans (after pushed-down filters).
    pub rows_matched: u64,
    /// Bytes read from the files.
    pub bytes_scanned: u64,
    /// Every pruning metric of the scans by name (`files_ranges_pruned_statistics`,
    /// `row_groups_pruned_statistics`, `row_groups_pruned_bloom_filter`,
    /// `page_index_rows_pruned`, ...).
    pub pruning: BTreeMap<String, Pruning>,
    /// Each query's share, in the order they ran: which one a slow scope spent on.
    #[serde(default)]
    pub per_query: Vec<QueryCost>,
    /// The most rows one query may return ([`MAX_ROWS`] when unset).
    #[serde(skip)]
    pub row_cap: Option<u64>,
}

/// The most rows one of a scope's lake queries may return (`--max-rows` overrides
/// it). Every row is held in memory, as Arrow and as a decoded event: a window
/// holding more (a service account over years) fails naming this cap instead of
/// exhausting memory; a narrower `--since`/`--until` fits.
pub const MAX_ROWS: u64 = 2_000_000;

/// What one of a scope's lake queries cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryCost {
    /// The query's SQL from its first `FROM`, shortened.
    pub query: String,
    pub seconds: f64,
    pub rows_decoded: u64,
    pub bytes_scanned: u64,
}

impl ScanStats {
    pub(crate) fn add_plan(&mut self, plan: &Arc<dyn ExecutionPlan>) {
        if plan.name() == "DataSourceExec"
            && let Some(metrics) = plan.metrics()
        {
            for metric in metrics.iter() {
                match metric.value() {
                    MetricValue::OutputRows(count) => self.rows_matched += count.value() as u64,
                    MetricValue::Count { name, count } => match name.as_ref() {
                        "bytes_scanned" => self.bytes_scanned += count.value() as u64,
                        "pushdown_rows_pruned" => self.rows_decoded += count.value() as u64,
                        _ => {}
                    },
                    MetricValue::PruningMetrics {
                        name,
                        pruning_metrics,
                    } => {
                        let entry = self.pruning.entry(name.to_string()).or_default();
                        entry.pruned += pruning_metrics.pruned() as u64;
                        entry.matched += pruning_metrics.matched() as u64;
                    }
                    _ => {}
                }
            }
        }
        for child in plan.children() {
            self.add_plan(child);
        }
    }
}

/// How much of a query's SQL [`QueryCost`] keeps.
const QUERY_TEXT: usize = 240;

/// A query's SQL from its first `FROM` (the select lists are long and say little).
fn query_text(sql: &str) -> String {
    let from = sql.find(" FROM ").map_or(0, |at| at + 1);
    sql[from..].chars().take(QUERY_TEXT).collect()
}

/// Runs one query, adding its scan metrics to `stats`; returns its schema and batches.
pub async fn run(
    ctx: &SessionContext,
    sql: &str,
    stats: &mut ScanStats,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let started = Instant::now();
    let frame = ctx.sql(sql).await?;
    let plan = frame.create_physical_plan().await?;
    let cap = stats.row_cap.unwrap_or(MAX_ROWS);
    let mut stream = execute_stream(plan.clone(), ctx.task_ctx())?;
    let (mut batches, mut rows) = (Vec::new(), 0u64);
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        if rows > cap {
            return Err(EngineError::Invalid(format!(
                "scope: a lake query returned more than {cap} rows, the cap on one query's rows \
                 (sql::MAX_ROWS = {MAX_ROWS} unless --max-rows sets another); narrow \
                 --since/--until or raise --max-rows (query: {})",
                query_text(sql)
            )));
        }
        batches.push(batch);
    }
    let (matched, decoded, bytes) = (stats.rows_matched, stats.rows_decoded, stats.bytes_scanned);
    stats.add_plan(&plan);
    // Rows decoded = rows the scans let through + rows their filters dropped.
    stats.rows_decoded += stats.rows_matched - matched;
    let seconds = started.elapsed().as_secs_f64();
    stats.queries += 1;
    stats.seconds += seconds;
    stats.per_query.push(QueryCost {
        query: query_text(sql),
        seconds,
        rows_decoded: stats.rows_decoded - decoded,
        bytes_scanned: stats.bytes_scanned - bytes,
    });
    Ok((plan.schema(), batches))
}

/// Result rows decoded into `T` (field names = column names), one batch at a time
/// through Arrow's JSON writer (timestamps as text, lists as arrays, nulls as absent
/// keys), each row straight from its line: no map of values per row.
pub fn typed_rows<T: DeserializeOwned>(batches: &[RecordBatch]) -> Result<Vec<T>> {
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    let mut buffer = Vec::new();
    for batch in batches {
        buffer.clear();
        {
            let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut buffer);
            writer.write(batch)?;
            writer.finish()?;
        }
        for line in buffer.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            rows.push(
                serde_json::from_slice(line)
                    .map_err(|e| EngineError::Invalid(format!("scope: result row: {e}")))?,
            );
        }
    }
    Ok(rows)
}

/// Runs a query and decodes its rows into `T`.
pub async fn fetch<T: DeserializeOwned>(
    ctx: &SessionContext,
    sql: &str,
    stats: &mut ScanStats,
) -> Result<Vec<T>> {
    let (_, batches) = run(ctx, sql, stats).await?;
    typed_rows(&batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        n: i64,
        s: Option<String>,
    }

    const SQL: &str = "SELECT n, CASE WHEN n % 2 = 0 THEN 'even' END AS s \
                       FROM (VALUES (1), (2), (3), (4), (5)) AS t(n) ORDER BY n";

    #[test]
    fn a_query_over_the_row_cap_fails_naming_the_cap() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let ctx = SessionContext::new();
            let mut stats = ScanStats {
                row_cap: Some(5),
                ..ScanStats::default()
            };
            let rows: Vec<Row> = fetch(&ctx, SQL, &mut stats).await.unwrap();
            assert_eq!(rows.len(), 5);
            assert_eq!(
                rows[1],
                Row {
                    n: 2,
                    s: Some("even".into())
                }
            );
            assert_eq!(rows[0].s, None);
            stats.row_cap = Some(4);
            let error = fetch::<Row>(&ctx, SQL, &mut stats)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("more than 4 rows")
                    && error.contains("MAX_ROWS")
                    && error.contains("--max-rows")
                    && error.contains("FROM (VALUES"),
                "{error}"
            );
        });
    }
}
