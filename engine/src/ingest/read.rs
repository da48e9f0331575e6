//! The reader thread: opens each input, decides whether it is a log and in which
//! container, and cuts it into chunks of records for the parse workers.

use std::io::BufRead;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;

use tokio::runtime::Handle;

use super::progress::IngestProgress;
use crate::input::chunk::Chunk;
use crate::input::csv::{CsvRecords, looks_like_log_analytics_header};
use crate::input::reader::open_input;
use crate::input::split::JsonSplitter;
use crate::input::{InputFile, InputFormat};
use crate::parse::not_a_log_record;

/// What the reader learned about one file.
#[derive(Debug, Default, Clone)]
pub struct FileOutcome {
    pub format: String,
    pub skipped: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Json,
    Csv,
}

/// Reads every file in order; stops early if the parse side has gone away.
pub fn read_files(
    files: &[InputFile],
    format: InputFormat,
    chunk_bytes: usize,
    runtime: &Handle,
    progress: &IngestProgress,
    sender: SyncSender<Chunk>,
) -> Vec<FileOutcome> {
    progress
        .files_total
        .store(files.len() as u64, Ordering::Relaxed);
    let mut outcomes = Vec::with_capacity(files.len());
    let mut sequence = 0u64;
    for (index, file) in files.iter().enumerate() {
        if let Ok(mut current) = progress.current_file.lock() {
            current.clone_from(&file.display);
        }
        let outcome = read_file(
            index,
            file,
            format,
            chunk_bytes,
            runtime,
            progress,
            &sender,
            &mut sequence,
        );
        progress.files_done.fetch_add(1, Ordering::Relaxed);
        let stop = outcome.is_none();
        outcomes.push(outcome.unwrap_or_default());
        if stop {
            break;
        }
    }
    outcomes.resize_with(files.len(), FileOutcome::default);
    outcomes
}

/// Decides the container from the first bytes; `None` means "not a log format".
fn detect(head: &[u8], format: InputFormat) -> Option<Container> {
    match format {
        InputFormat::Csv => return Some(Container::Csv),
        InputFormat::Auto => {}
        _ => return Some(Container::Json),
    }
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    match head[start] {
        b'{' | b'[' => Some(Container::Json),
        _ => {
            let line_end =
                memchr::memchr(b'\n', &head[start..]).map_or(head.len(), |at| start + at);
            let first_line = String::from_utf8_lossy(&head[start..line_end]);
            looks_like_log_analytics_header(&first_line).then_some(Container::Csv)
        }
    }
}

/// Reads one file. `None` when the parse side stopped (the run is failing).
#[allow(clippy::too_many_arguments)]
fn read_file(
    index: usize,
    file: &InputFile,
    format: InputFormat,
    chunk_bytes: usize,
    runtime: &Handle,
    progress: &IngestProgress,
    sender: &SyncSender<Chunk>,
    sequence: &mut u64,
) -> Option<FileOutcome> {
    let mut outcome = FileOutcome::default();
    let mut input = match open_input(file, runtime, progress.bytes.clone()) {
        Ok(input) => input,
        Err(error) => {
            outcome.error = Some(format!("cannot open: {error}"));
            return Some(outcome);
        }
    };
    let head = match input.fill_buf() {
        Ok(head) => head.to_vec(),
        Err(error) => {
            outcome.error = Some(format!("cannot read: {error}"));
            return Some(outcome);
        }
    };
    let container = match detect(&head, format) {
        Some(container) => container,
        None if file.explicit => Container::Json,
        None => {
            outcome.skipped =
                Some("not a log format (neither JSON nor a Log Analytics CSV export)".into());
            return Some(outcome);
        }
    };
    outcome.format = match container {
        Container::Json => "json".into(),
        Container::Csv => "csv".into(),
    };
    let mut records = match container {
        Container::Json => Records::Json(JsonSplitter::new(input)),
        Container::Csv => match CsvRecords::new(input) {
            Ok(records) => Records::Csv(Box::new(records)),
            Err(error) => {
                outcome.error = Some(format!("cannot read the CSV header: {error}"));
                return Some(outcome);
            }
        },
    };
    // A file found in a folder must prove it is a log with its first record.
    let mut must_prove = !file.explicit && format == InputFormat::Auto;
    let mut records_seen = 0u64;
    loop {
        let mut chunk = Chunk::new(index, chunk_bytes + chunk_bytes / 4);
        let more = match records.fill(&mut chunk, chunk_bytes) {
            Ok(more) => more,
            Err(error) => {
                outcome.error = Some(format!(
                    "after record {}: {error}",
                    records_seen + chunk.len() as u64
                ));
                false
            }
        };
        if must_prove && !chunk.is_empty() {
            let first_good = chunk.records.iter().find(|span| span.defect.is_none());
            let verdict = match first_good {
                Some(span) => not_a_log_record(chunk.bytes(span)),
                None => Some("not a log format (no JSON record found)".to_string()),
            };
            if let Some(reason) = verdict {
                outcome.skipped = Some(reason);
                outcome.error = None;
                return Some(outcome);
            }
            must_prove = false;
        }
        records_seen += chunk.len() as u64;
        progress
            .records
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if !chunk.is_empty() {
            chunk.sequence = *sequence;
            *sequence += 1;
            if sender.send(chunk).is_err() {
                return None;
            }
        }
        if !more {
            return Some(outcome);
        }
    }
}

type Input = Box<dyn BufRead + Send>;

/// The record source of one file.
enum Records {
    Json(JsonSplitter<Input>),
    Csv(Box<CsvRecords<Input>>),
}

impl Records {
    fn fill(&mut self, chunk: &mut Chunk, target_bytes: usize) -> Result<bool, String> {
        match self {
            Records::Json(splitter) => splitter
                .fill(chunk, target_bytes)
                .map_err(|e| e.to_string()),
            Records::Csv(records) => records.fill(chunk, target_bytes).map_err(|e| e.to_string()),
        }
    }
}
