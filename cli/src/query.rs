//! Running one SQL statement: plan it, stream its batches into a result sink, and
//! keep the live plan within reach of the progress line.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use crate::args::OutputFormat;
use crate::output::{TableStyle, sink};
use crate::repl::progress::Progress;

/// What went wrong with a statement: the query itself, or writing its result.
#[derive(Debug)]
pub enum QueryError {
    DataFusion(DataFusionError),
    Output(io::Error),
}

impl From<DataFusionError> for QueryError {
    fn from(error: DataFusionError) -> Self {
        QueryError::DataFusion(error)
    }
}

impl From<io::Error> for QueryError {
    fn from(error: io::Error) -> Self {
        QueryError::Output(error)
    }
}

/// What a statement produced.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    /// Rows in the result.
    pub rows: u64,
    /// False for statements without a result (CREATE VIEW, SET, ...).
    pub has_result: bool,
    /// The reader of the output (a pager, `head`) left before the end.
    pub reader_left: bool,
    /// From planning to the last row written (not counting time in a pager).
    pub elapsed: Duration,
}

/// Where and how a result is written.
pub struct Destination<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub format: OutputFormat,
    pub style: TableStyle,
    /// Stop the progress line before the first batch is written (the output goes
    /// to the same terminal as the progress line and streams).
    pub streams_to_terminal: bool,
}

/// Passes writes through and remembers whether the reader went away: the format
/// writers turn the I/O error into their own and lose its kind.
struct Watched<'a> {
    inner: &'a mut (dyn Write + Send),
    reader_left: Arc<AtomicBool>,
}

impl Watched<'_> {
    fn note<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(error) = &result
            && error.kind() == io::ErrorKind::BrokenPipe
        {
            self.reader_left.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Watched<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(data);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// Runs `sql` and writes its result to `destination`. `progress` says whether a
/// progress line may appear on stderr when the query runs longer than a second.
pub async fn run(
    ctx: &SessionContext,
    sql: &str,
    destination: Destination<'_>,
    progress: bool,
) -> Result<Outcome, QueryError> {
    let started = Instant::now();
    let frame = ctx.sql(sql).await?;
    let plan = frame.create_physical_plan().await?;
    let schema: SchemaRef = plan.schema();
    let rows_out = Arc::new(AtomicU64::new(0));
    let mut progress = Progress::start(plan.clone(), rows_out.clone(), progress);
    let mut stream = execute_stream(plan, ctx.task_ctx())?;
    if schema.fields().is_empty() {
        // DDL and SET: run to the end for their effect, nothing to print.
        while let Some(batch) = stream.next().await {
            batch?;
        }
        return Ok(Outcome {
            elapsed: started.elapsed(),
            ..Outcome::default()
        });
    }
    let streams = destination.streams_to_terminal
        && !matches!(
            destination.format,
            OutputFormat::Table | OutputFormat::Vertical
        );
    let reader_left = Arc::new(AtomicBool::new(false));
    let mut watched = Watched {
        inner: destination.out,
        reader_left: reader_left.clone(),
    };
    let mut sink = sink(destination.format, schema, destination.style, &mut watched)?;
    let mut outcome = Outcome {
        has_result: true,
        ..Outcome::default()
    };
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        outcome.rows += batch.num_rows() as u64;
        rows_out.store(outcome.rows, Ordering::Relaxed);
        if streams {
            progress.stop();
        }
        if let Err(error) = sink.write(&batch) {
            if reader_left.load(Ordering::Relaxed) {
                outcome.reader_left = true;
                outcome.elapsed = started.elapsed();
                return Ok(outcome);
            }
            return Err(error.into());
        }
    }
    progress.stop();
    // Measured before the sink writes the table: that may wait on a pager.
    outcome.elapsed = started.elapsed();
    match sink.finish() {
        Err(_) if reader_left.load(Ordering::Relaxed) => outcome.reader_left = true,
        other => other?,
    }
    Ok(outcome)
}
