//! Rows the Parquet scans decoded, summed over the queries a session runs through
//! [`collect`]: what `-v` reports beside the bytes read, so a benchmark can set a hunt
//! against the rows it had to look at. Bytes are counted at the lake's object store
//! ([`crate::lake::Lake::bytes_read`]); rows only the scans know, in their metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::execution::context::SessionContext;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::ExecutionPlan;

use super::scan::ScanStats;
use crate::error::Result;

/// The session's running total, kept as a [`datafusion::prelude::SessionConfig`]
/// extension so every query path of the session reaches it.
#[derive(Debug, Default)]
pub struct ScanCounter {
    rows_decoded: AtomicU64,
}

impl ScanCounter {
    /// Rows decoded so far: rows that left the scans plus rows their pushed-down
    /// filters dropped while decoding (files and row groups pruned before decoding
    /// are not decoded and do not count).
    pub fn rows_decoded(&self) -> u64 {
        self.rows_decoded.load(Ordering::Relaxed)
    }
}

/// The counter of a session built by [`crate::session::open_session`].
pub fn counter(ctx: &SessionContext) -> Option<Arc<ScanCounter>> {
    ctx.state().config().get_extension::<ScanCounter>()
}

/// Runs a query to the end like [`DataFrame::collect`] and adds its scans' decoded
/// rows to the session's counter.
pub async fn collect(frame: DataFrame) -> Result<Vec<RecordBatch>> {
    let task = Arc::new(frame.task_ctx());
    let plan = frame.create_physical_plan().await?;
    let batches = datafusion::physical_plan::collect(plan.clone(), task.clone()).await?;
    add_scans(&plan, &task);
    Ok(batches)
}

/// A query's rows as a stream, for results too large to hold: drain
/// [`Streamed::batches`], then [`Streamed::finish`] adds the scans' decoded rows to the
/// session's counter.
pub struct Streamed {
    pub batches: SendableRecordBatchStream,
    plan: Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
}

impl Streamed {
    /// Counts the rows the query's scans decoded (call once the stream is drained).
    pub fn finish(self) {
        add_scans(&self.plan, &self.task);
    }
}

/// Starts a query whose rows are read batch by batch ([`Streamed`]).
pub async fn stream(frame: DataFrame) -> Result<Streamed> {
    let task = Arc::new(frame.task_ctx());
    let plan = frame.create_physical_plan().await?;
    let batches = datafusion::physical_plan::execute_stream(plan.clone(), task.clone())?;
    Ok(Streamed {
        batches,
        plan,
        task,
    })
}

fn add_scans(plan: &Arc<dyn ExecutionPlan>, task: &TaskContext) {
    if let Some(counter) = task.session_config().get_extension::<ScanCounter>() {
        let mut stats = ScanStats::default();
        stats.add_plan(plan);
        counter
            .rows_decoded
            .fetch_add(stats.rows_matched + stats.rows_decoded, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{SessionOptions, open_session};

    #[tokio::test]
    async fn a_parquet_scan_counts_the_rows_it_decoded() {
        let ctx = open_session(None, &SessionOptions::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        ctx.sql(&format!(
            "COPY (SELECT value AS n FROM generate_series(1, 1000)) TO '{}' STORED AS PARQUET",
            path.display()
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
        ctx.register_parquet("t", path.to_str().unwrap(), Default::default())
            .await
            .unwrap();
        let frame = ctx
            .sql("SELECT count(*) FROM t WHERE n > 990")
            .await
            .unwrap();
        let batches = collect(frame).await.unwrap();
        assert_eq!(batches[0].num_rows(), 1);
        // The filter is pushed into the decoder: all 1,000 rows were decoded, 10 left.
        assert_eq!(counter(&ctx).unwrap().rows_decoded(), 1000);
    }
}
