//! Ingest: input files → records → normalized rows → deduplicated, sorted Parquet
//! in the lake, with every record accounted for.
//!
//! ```text
//!  reader thread ──chunks──▶ parse workers (N threads) ──batches──▶ writer (async)
//!  files, gzip,              JSON → rows,                      dedup per partition,
//!  splitting                 rejections                         buffer, sort, Parquet
//! ```
//! The reader reads files ([`ingest`]) or documents handed over in memory, such as
//! pages pulled from an API ([`ingest_documents`]); everything after it is shared.
//! Channels are bounded and the writer's buffer has a byte budget, so memory does not
//! grow with the input. Guarantee, per run and per file:
//! `read = written + duplicates + quarantined`. A run that fails (a reader, a parse
//! worker or the writer) keeps nothing: data files it already wrote are deleted and
//! no manifest is stored.

mod dedup;
mod documents;
pub(crate) mod parquet_file;
mod partitions;
mod progress;
mod quarantine;
mod read;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use serde::Serialize;

pub use self::dedup::event_key;
use self::documents::read_documents;
pub use self::documents::{DocumentReceiver, DocumentSender, document_channel};
use self::partitions::PartitionWriter;
pub use self::progress::IngestProgress;
use self::quarantine::{QuarantineWriter, Quarantined};
use self::read::{FileOutcome, read_files};
use crate::error::{EngineError, Result};
use crate::input::chunk::Chunk;
use crate::input::{InputFormat, discover};
use crate::lake::Lake;
use crate::lake::lease::{Lease, LeaseOptions};
use crate::parse::row::{AuditBuilder, SigninBuilder};
use crate::parse::{RecordParser, SourceHint};
use crate::schema::Table;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub inputs: Vec<String>,
    pub format: InputFormat,
    /// Parse workers (default: the machine's cores).
    pub threads: usize,
    /// Bytes of parsed rows buffered before the largest partition is written.
    pub buffer_bytes: usize,
    /// Bytes of input per unit of parse work.
    pub chunk_bytes: usize,
    /// How the run takes the lake's write lease (how long it waits for another writer).
    pub lease: LeaseOptions,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            inputs: Vec::new(),
            format: InputFormat::Auto,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            buffer_bytes: 192 * 1024 * 1024,
            chunk_bytes: 4 * 1024 * 1024,
            lease: LeaseOptions::default(),
        }
    }
}

/// Counts for one input file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileCounts {
    pub file: String,
    /// The user's input (file, folder, glob, URL) the file came from.
    pub input: String,
    pub format: String,
    pub read: u64,
    pub written: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub run_id: String,
    pub files: u64,
    pub read: u64,
    pub written: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub parquet_files: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine_file: Option<String>,
    /// The first rejections, one line each, naming file, record and field.
    pub quarantine_examples: Vec<String>,
    pub per_file: Vec<FileCounts>,
}

impl IngestSummary {
    /// The user's inputs of which nothing at all was usable: every file unreadable,
    /// skipped or wholly quarantined. A folder with some good files is not one.
    pub fn unreadable_inputs(&self) -> Vec<&str> {
        let mut inputs: Vec<&str> = Vec::new();
        for file in &self.per_file {
            if !inputs.contains(&file.input.as_str()) {
                inputs.push(&file.input);
            }
        }
        inputs.retain(|input| {
            let files = self.per_file.iter().filter(|f| f.input == *input);
            let (mut usable, mut failed) = (0, 0);
            for file in files {
                usable += file.written + file.duplicates;
                failed += u64::from(file.error.is_some()) + file.quarantined;
            }
            usable == 0 && failed > 0
        });
        inputs
    }

    /// Files found in folders that were skipped as not being logs.
    pub fn skipped_files(&self) -> impl Iterator<Item = &FileCounts> {
        self.per_file.iter().filter(|f| f.skipped.is_some())
    }

    /// The accounting identity every run must satisfy.
    pub fn balanced(&self) -> bool {
        self.read == self.written + self.duplicates + self.quarantined
            && self
                .per_file
                .iter()
                .all(|f| f.read == f.written + f.duplicates + f.quarantined)
    }
}

/// A parse worker's output for one chunk.
struct ParsedChunk {
    file_index: usize,
    sequence: u64,
    read: u64,
    signins: RecordBatch,
    audit: RecordBatch,
    quarantined: Vec<Quarantined>,
}

/// How many rejections a summary spells out.
const MAX_EXAMPLES: usize = 10;

fn describe_rejection(file: &str, entry: &Quarantined) -> String {
    if entry.field == "(record)" {
        format!("{file} record {}: {}", entry.record_no, entry.reason)
    } else {
        format!(
            "{file} record {} field {}: {}",
            entry.record_no, entry.field, entry.reason
        )
    }
}

/// A run id: the start time (UTC) and a nonce, sortable, unique per process and moment.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nonce = xxhash_rust::xxh3::xxh3_64(format!("{:?}{}", now, std::process::id()).as_bytes());
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%SZ"), nonce as u32)
}

/// Test-only: a record holding this text makes the parse worker panic, to prove a
/// failing worker fails the run. Compiled out of every non-test build.
#[cfg(test)]
const INJECTED_PANIC: &[u8] = b"tokenhunt-test: panic in the parse worker";

fn parse_chunk(parser: &mut RecordParser, chunk: Chunk) -> Result<ParsedChunk> {
    let mut signins = SigninBuilder::with_capacity(chunk.len());
    let mut audit = AuditBuilder::with_capacity(0);
    let mut quarantined = Vec::new();
    for span in &chunk.records {
        let bytes = chunk.bytes(span);
        #[cfg(test)]
        if memchr::memmem::find(bytes, INJECTED_PANIC).is_some() {
            panic!("injected panic (record {})", span.record_no);
        }
        let rejection = match &span.defect {
            Some(defect) => Some(("(record)".to_string(), defect.clone())),
            None => parser
                .parse(bytes, &mut signins, &mut audit)
                .err()
                .map(|rejection| (rejection.field.to_string(), rejection.reason)),
        };
        if let Some((field, reason)) = rejection {
            quarantined.push(Quarantined {
                record_no: span.record_no,
                field,
                reason,
                raw: bytes.to_vec(),
            });
        }
    }
    Ok(ParsedChunk {
        file_index: chunk.file_index,
        sequence: chunk.sequence,
        read: chunk.records.len() as u64,
        signins: signins.finish()?,
        audit: audit.finish()?,
        quarantined,
    })
}

/// Applies one parsed chunk: its rejections to the quarantine, its rows to the lake
/// (deduplicated), its counts to its file.
async fn apply(
    parsed: ParsedChunk,
    counts: &mut [FileCounts],
    quarantine: &mut QuarantineWriter,
    examples: &mut Vec<String>,
    writer: &mut PartitionWriter,
    progress: &IngestProgress,
) -> Result<()> {
    let file = &mut counts[parsed.file_index];
    file.read += parsed.read;
    for entry in &parsed.quarantined {
        quarantine.write(&file.file, entry).await?;
        if examples.len() < MAX_EXAMPLES {
            examples.push(describe_rejection(&file.file, entry));
        }
    }
    file.quarantined += parsed.quarantined.len() as u64;
    progress
        .quarantined
        .fetch_add(parsed.quarantined.len() as u64, Ordering::Relaxed);
    for (table, batch) in [
        (Table::Signins, &parsed.signins),
        (Table::Audit, &parsed.audit),
    ] {
        let accepted = writer.add(table, batch).await?;
        file.written += accepted.written;
        file.duplicates += accepted.duplicates;
        progress
            .written
            .fetch_add(accepted.written, Ordering::Relaxed);
        progress
            .duplicates
            .fetch_add(accepted.duplicates, Ordering::Relaxed);
    }
    Ok(())
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Parses one chunk on a worker; a panic becomes an error that fails the run, naming
/// the file and the records the chunk held.
fn parse_chunk_guarded(
    parser: &mut RecordParser,
    chunk: Chunk,
    names: &[String],
) -> Result<ParsedChunk> {
    let file = names
        .get(chunk.file_index)
        .cloned()
        .unwrap_or_else(|| format!("input {}", chunk.file_index));
    let first = chunk.records.first().map_or(0, |span| span.record_no);
    let last = chunk.records.last().map_or(0, |span| span.record_no);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_chunk(parser, chunk)))
        .unwrap_or_else(|payload| {
            Err(EngineError::Invalid(format!(
                "a parse worker failed on {file} records {first}-{last} ({}); \
                 the run was abandoned and nothing of it was written",
                panic_message(payload.as_ref())
            )))
        })
}

/// Ingests the inputs into the lake.
pub async fn ingest(
    lake: &Lake,
    options: &IngestOptions,
    progress: Arc<IngestProgress>,
) -> Result<IngestSummary> {
    let files = discover(&options.inputs).await?;
    let names = files
        .iter()
        .map(|f| (f.display.clone(), options.inputs[f.input].clone()))
        .collect();
    let runtime = tokio::runtime::Handle::current();
    let format = options.format;
    let chunk_bytes = options.chunk_bytes;
    run(lake, options, names, progress, move |sender, progress| {
        Ok(read_files(
            &files,
            format,
            chunk_bytes,
            &runtime,
            &progress,
            sender,
        ))
    })
    .await
}

/// Ingests documents handed over through a channel (pages fetched from an API)
/// instead of files, through the same pipeline and with the same guarantees.
///
/// `streams` names the run's inputs for counts and messages (one entry of
/// `per_file` each, e.g. one per API endpoint); every document names its stream by
/// index. `options.inputs` is not used. Nothing is written unless the producer
/// calls [`DocumentSender::finish`]: a producer that fails or is dropped aborts the
/// run with an error.
pub async fn ingest_documents(
    lake: &Lake,
    options: &IngestOptions,
    streams: &[String],
    documents: DocumentReceiver,
    progress: Arc<IngestProgress>,
) -> Result<IngestSummary> {
    let names = streams
        .iter()
        .map(|name| (name.clone(), name.clone()))
        .collect();
    let count = streams.len();
    let chunk_bytes = options.chunk_bytes;
    run(lake, options, names, progress, move |sender, progress| {
        read_documents(documents, count, chunk_bytes, &progress, sender)
    })
    .await
}

/// The pipeline behind both entry points. `inputs` are (file, user's input) names,
/// one per input the reader numbers chunks by; `read` runs on the reader thread,
/// sends chunks in input order and reports per input. A reader that fails aborts
/// the run before anything buffered is written.
async fn run<R>(
    lake: &Lake,
    options: &IngestOptions,
    inputs: Vec<(String, String)>,
    progress: Arc<IngestProgress>,
    read: R,
) -> Result<IngestSummary>
where
    R: FnOnce(SyncSender<Chunk>, Arc<IngestProgress>) -> Result<Vec<FileOutcome>> + Send + 'static,
{
    let started = Instant::now();
    let run_id = new_run_id();
    // One writer at a time: the lease is held from before the first partition's keys
    // are read until the manifest is stored, so two runs at once never both accept an
    // event (the second waits, then finds the first one's rows as duplicates).
    let lease = Lease::acquire(lake, &run_id, &options.lease).await?;
    let threads = options.threads.max(1);
    let (chunk_sender, chunk_receiver) = std::sync::mpsc::sync_channel::<Chunk>(threads * 2);
    let (parsed_sender, mut parsed_receiver) =
        tokio::sync::mpsc::channel::<Result<ParsedChunk>>(threads * 2);
    let chunk_receiver = Arc::new(std::sync::Mutex::new(chunk_receiver));

    // The reader reports through a channel the writer awaits, rather than a thread
    // join, so waiting for it never blocks a runtime thread: a document reader may
    // be waiting for a producer that runs on this same runtime.
    let (reader_done, reader_outcome) = tokio::sync::oneshot::channel();
    let reader = {
        let progress = progress.clone();
        std::thread::Builder::new()
            .name("ingest-reader".into())
            .spawn(move || {
                let _ = reader_done.send(read(chunk_sender, progress));
            })
            .map_err(|e| EngineError::io("starting reader thread", e))?
    };
    let hint: SourceHint = options.format.source_hint();
    let names: Arc<Vec<String>> = Arc::new(inputs.iter().map(|(file, _)| file.clone()).collect());
    let workers: Vec<_> = (0..threads)
        .map(|index| {
            let receiver = chunk_receiver.clone();
            let sender = parsed_sender.clone();
            let names = names.clone();
            std::thread::Builder::new()
                .name(format!("ingest-parse-{index}"))
                .spawn(move || {
                    let mut parser = RecordParser::new(hint);
                    loop {
                        let next = receiver.lock().map(|r| r.recv());
                        let Ok(Ok(chunk)) = next else { return };
                        let parsed = parse_chunk_guarded(&mut parser, chunk, &names);
                        let failed = parsed.is_err();
                        // After a panic the parser's state is unknown: stop. The error
                        // fails the run, which stops the reader and the other workers.
                        if sender.blocking_send(parsed).is_err() || failed {
                            return;
                        }
                    }
                })
        })
        .collect::<std::io::Result<_>>()
        .map_err(|e| EngineError::io("starting parse threads", e))?;
    drop(parsed_sender);
    // Only the workers hold the chunk receiver: once they stop, the reader's next
    // send fails and it stops too.
    drop(chunk_receiver);

    let mut counts: Vec<FileCounts> = inputs
        .into_iter()
        .map(|(file, input)| FileCounts {
            file,
            input,
            ..FileCounts::default()
        })
        .collect();
    let mut writer = PartitionWriter::new(lake.clone(), run_id.clone(), options.buffer_bytes)
        .with_lease(lease.checker());
    let mut quarantine = QuarantineWriter::new(lake, &run_id);
    let mut examples = Vec::new();
    let outcome: Result<()> = async {
        // Chunks are applied in input order, so which copy of a duplicated record is
        // written (and which file's count shows the duplicate) never depends on thread
        // timing. Only chunks finished ahead of a slower one wait here.
        let mut waiting: std::collections::BTreeMap<u64, ParsedChunk> =
            std::collections::BTreeMap::new();
        let mut next_sequence = 0u64;
        while let Some(parsed) = parsed_receiver.recv().await {
            let parsed = parsed?;
            waiting.insert(parsed.sequence, parsed);
            while let Some(parsed) = waiting.remove(&next_sequence) {
                next_sequence += 1;
                apply(
                    parsed,
                    &mut counts,
                    &mut quarantine,
                    &mut examples,
                    &mut writer,
                    &progress,
                )
                .await?;
            }
        }
        // Every chunk sent was parsed and applied, in order: a gap means a chunk was
        // lost (a worker that stopped without a word) and the counts would lie.
        if let Some(sequence) = waiting.keys().next() {
            return Err(EngineError::Invalid(format!(
                "chunk {next_sequence} of the input was never parsed ({} later chunk(s) \
                 waiting, from {sequence}): a parse worker stopped; \
                 the run was abandoned and nothing of it was written",
                waiting.len()
            )));
        }
        Ok(())
    }
    .await;
    // On error the receiver is gone: workers and reader stop at their next send.
    drop(parsed_receiver);
    let outcomes = reader_outcome
        .await
        .map_err(|_| EngineError::Invalid("the ingest reader thread panicked".into()));
    // The reader has ended, so the workers are ending too: these joins are short.
    let _ = reader.join();
    let mut worker_failed = false;
    for worker in workers {
        worker_failed |= worker.join().is_err();
    }
    let committed: Result<()> = async {
        outcome?;
        if worker_failed {
            return Err(EngineError::Invalid(
                "a parse worker stopped unexpectedly; \
                 the run was abandoned and nothing of it was written"
                    .into(),
            ));
        }
        // Only a reader that reached the end of its input lets buffered rows be written.
        let outcomes = outcomes??;
        writer.finish().await?;
        Ok(outcomes)
    }
    .await
    .map(|outcomes| {
        for (file, outcome) in counts.iter_mut().zip(outcomes) {
            file.format = outcome.format;
            file.skipped = outcome.skipped;
            file.error = outcome.error;
        }
    });
    if let Err(error) = committed {
        // Nothing of a failed run stays: the files it wrote before the failure (over
        // its buffer budget) are deleted, and its quarantine is not completed.
        quarantine.abort().await;
        let error = match writer.discard().await {
            Ok(()) => error,
            Err(cleanup) => EngineError::Invalid(format!(
                "{error}; removing the files this run wrote also failed: {cleanup}"
            )),
        };
        // Not releasing on failure is harmless: the lease expires by itself.
        let _ = lease.release().await;
        return Err(error);
    }

    let quarantine_path = lake.display_path(quarantine.path());
    let quarantined = quarantine.finish().await?;
    let summary = IngestSummary {
        run_id: run_id.clone(),
        files: counts.iter().filter(|f| f.skipped.is_none()).count() as u64,
        read: counts.iter().map(|f| f.read).sum(),
        written: counts.iter().map(|f| f.written).sum(),
        duplicates: counts.iter().map(|f| f.duplicates).sum(),
        quarantined,
        bytes: progress.bytes.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
        parquet_files: writer.files_written(),
        quarantine_file: (quarantined > 0).then_some(quarantine_path),
        quarantine_examples: examples,
        per_file: counts,
    };
    let manifest =
        serde_json::to_vec_pretty(&summary).map_err(|e| EngineError::Invalid(e.to_string()))?;
    lease.check()?;
    lake.put_durable(
        &lake.meta_path(&["ingest", &format!("{run_id}.json")]),
        manifest,
    )
    .await?;
    lease.release().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::{INJECTED_PANIC, IngestOptions, IngestProgress, ingest};
    use crate::input::InputFormat;
    use crate::lake::Lake;

    fn event(n: u32, message: &str) -> String {
        format!(
            r#"{{"uuid":"5e6f7a8b-0000-4000-8000-{n:012}","published":"2026-06-01T10:{:02}:{:02}.000Z","eventType":"user.session.start","displayMessage":"{message}","actor":{{"alternateId":"a{n}@example.com","type":"User"}},"client":{{"ipAddress":"192.0.2.{}"}},"outcome":{{"result":"SUCCESS"}}}}"#,
            n / 60 % 60,
            n % 60,
            n % 250
        )
    }

    /// Files under `folder` whose name ends with `suffix`.
    fn files(folder: &Path, suffix: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut pending = vec![folder.to_path_buf()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.to_string_lossy().ends_with(suffix) {
                    found.push(path.to_string_lossy().into_owned());
                }
            }
        }
        found
    }

    fn run_ingest(lake: &Path, input: &Path) -> super::Result<super::IngestSummary> {
        let lake = Lake::open(lake.to_str().unwrap()).unwrap();
        let options = IngestOptions {
            inputs: vec![input.to_str().unwrap().to_string()],
            format: InputFormat::Okta,
            threads: 2,
            // A byte of buffer: every chunk's rows are written at once, so files
            // exist before the failing chunk is reached.
            buffer_bytes: 1,
            chunk_bytes: 1024,
            ..IngestOptions::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(ingest(&lake, &options, Arc::new(IngestProgress::default())))
    }

    #[test]
    fn a_parse_worker_that_panics_fails_the_run_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("okta.jsonl");
        let marker = std::str::from_utf8(INJECTED_PANIC).unwrap();
        let mut lines: Vec<String> = (0..300).map(|n| event(n, "ok")).collect();
        lines.insert(3, "not json".into());
        lines[200] = event(199, marker);
        std::fs::write(&input, lines.join("\n")).unwrap();
        let lake = dir.path().join("lake");

        let error = run_ingest(&lake, &input).unwrap_err().to_string();
        assert!(
            error.contains("a parse worker failed on")
                && error.contains("okta.jsonl")
                && error.contains("injected panic (record 201)")
                && error.contains("nothing of it was written"),
            "{error}"
        );
        assert_eq!(files(&lake, ".parquet"), Vec::<String>::new());
        assert_eq!(files(&lake, ".json"), Vec::<String>::new(), "no manifest");
        assert_eq!(
            files(&lake, ".jsonl"),
            Vec::<String>::new(),
            "no quarantine"
        );

        // Without the poisoned record the same input lands whole.
        lines[200] = event(199, "ok");
        std::fs::write(&input, lines.join("\n")).unwrap();
        let summary = run_ingest(&lake, &input).unwrap();
        assert!(summary.balanced(), "{summary:?}");
        assert_eq!(
            (summary.read, summary.written, summary.quarantined),
            (301, 300, 1)
        );
        assert!(summary.parquet_files > 1, "{summary:?}");
    }
}
