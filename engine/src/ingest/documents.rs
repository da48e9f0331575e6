//! In-memory documents as an ingest input: pages fetched from an API go through the
//! same splitting, parsing, deduplication and accounting as files do.
//!
//! The producer (an API client) sends whole documents — an Okta page, a Graph
//! `{"value":[...]}` page, JSON Lines — tagged with the stream they belong to; the
//! reader thread cuts them into chunks of records exactly as it cuts files. A run
//! commits only when the producer says it is complete ([`DocumentSender::finish`]):
//! if the producer fails, or is dropped half-way, the run writes nothing it buffered.

use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;

use super::progress::IngestProgress;
use super::read::FileOutcome;
use crate::error::{EngineError, Result};
use crate::input::chunk::Chunk;
use crate::input::split::JsonSplitter;

enum Message {
    Document { stream: usize, bytes: Vec<u8> },
    End,
}

/// The producer's end of a document channel.
///
/// Dropping it without calling [`finish`](DocumentSender::finish) aborts the ingest
/// run it feeds: rows still buffered are not written and no manifest is stored.
pub struct DocumentSender {
    sender: tokio::sync::mpsc::Sender<Message>,
}

/// The ingest run's end of a document channel (see [`super::ingest_documents`]).
pub struct DocumentReceiver {
    receiver: tokio::sync::mpsc::Receiver<Message>,
}

/// A channel of documents holding at most `capacity` documents in flight, so a fast
/// producer waits for the parser instead of filling memory.
pub fn document_channel(capacity: usize) -> (DocumentSender, DocumentReceiver) {
    let (sender, receiver) = tokio::sync::mpsc::channel(capacity.max(1));
    (DocumentSender { sender }, DocumentReceiver { receiver })
}

/// The ingest side has stopped (it failed): its own error says why.
fn stopped() -> EngineError {
    EngineError::Invalid("the ingest run stopped before the input ended".into())
}

impl DocumentSender {
    /// Hands one document of stream `stream` (an index into the run's stream names)
    /// to the ingest run. Fails only when the ingest run has already stopped.
    pub async fn send(&self, stream: usize, bytes: Vec<u8>) -> Result<()> {
        self.sender
            .send(Message::Document { stream, bytes })
            .await
            .map_err(|_| stopped())
    }

    /// Marks the input complete: the ingest run may now write what it buffered.
    pub async fn finish(self) -> Result<()> {
        self.sender.send(Message::End).await.map_err(|_| stopped())
    }
}

/// The reader thread of a document run: splits each document into chunks of
/// records, numbering records per stream across documents. Fails (and so aborts the
/// run) when the producer goes away without finishing.
pub(super) fn read_documents(
    mut documents: DocumentReceiver,
    streams: usize,
    chunk_bytes: usize,
    progress: &IngestProgress,
    sender: SyncSender<Chunk>,
) -> Result<Vec<FileOutcome>> {
    progress
        .files_total
        .store(streams as u64, Ordering::Relaxed);
    let mut outcomes = vec![
        FileOutcome {
            format: "json".into(),
            ..FileOutcome::default()
        };
        streams
    ];
    let mut records_per_stream = vec![0u64; streams];
    let mut sequence = 0u64;
    loop {
        let (stream, bytes) = match documents.receiver.blocking_recv() {
            Some(Message::Document { stream, bytes }) => (stream, bytes),
            Some(Message::End) => return Ok(outcomes),
            None => {
                return Err(EngineError::Invalid(
                    "the input stopped before it was complete; nothing of this run was written"
                        .into(),
                ));
            }
        };
        let Some(seen) = records_per_stream.get_mut(stream) else {
            return Err(EngineError::Invalid(format!(
                "document for stream {stream}, but the run has {streams} stream(s)"
            )));
        };
        progress
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let mut splitter = JsonSplitter::new(bytes.as_slice());
        loop {
            let mut chunk = Chunk::new(stream, chunk_bytes.min(bytes.len()) + 1024);
            let more = match splitter.fill(&mut chunk, chunk_bytes) {
                Ok(more) => more,
                // Reading from memory cannot fail; keep the message should it ever.
                Err(error) => {
                    outcomes[stream].error = Some(format!("after record {seen}: {error}"));
                    false
                }
            };
            for span in &mut chunk.records {
                span.record_no += *seen;
            }
            if !chunk.is_empty() {
                progress
                    .records
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                chunk.sequence = sequence;
                sequence += 1;
                if sender.send(chunk).is_err() {
                    // The parse side stopped: the run is failing and says why.
                    return Ok(outcomes);
                }
            }
            if !more {
                break;
            }
        }
        *seen += splitter.records_seen();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::super::{IngestOptions, IngestProgress, ingest_documents};
    use super::document_channel;
    use crate::input::InputFormat;
    use crate::lake::Lake;

    fn event(n: u32) -> String {
        format!(
            r#"{{"uuid":"u-{n}","published":"2026-06-01T10:00:{:02}.000Z","eventType":"user.session.start","actor":{{"alternateId":"a{n}@example.com","type":"User"}},"client":{{"ipAddress":"192.0.2.{n}"}},"outcome":{{"result":"SUCCESS"}}}}"#,
            n % 60
        )
    }

    fn files(folder: &Path, extension: &str) -> usize {
        let mut found = 0;
        let mut pending = vec![folder.to_path_buf()];
        while let Some(next) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&next) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == extension) {
                    found += 1;
                }
            }
        }
        found
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    fn options() -> IngestOptions {
        IngestOptions {
            format: InputFormat::Okta,
            threads: 2,
            // Tiny chunks: pages are cut into several, and still applied in order.
            chunk_bytes: 200,
            ..IngestOptions::default()
        }
    }

    #[test]
    fn pages_of_several_streams_are_ingested_with_the_file_accounting() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let streams = vec!["first".to_string(), "second".to_string()];
        let summary = runtime().block_on(async {
            let (sender, receiver) = document_channel(1);
            let produce = async move {
                for page in 0..3u32 {
                    let events: Vec<String> = (0..4).map(|i| event(page * 4 + i)).collect();
                    let body = format!("[{}]", events.join(","));
                    sender.send(0, body.into_bytes()).await.unwrap();
                }
                // The second stream repeats two events of the first, and one line is
                // not JSON.
                let lines = format!("{}\n{}\nnot json\n", event(1), event(2));
                sender.send(1, lines.into_bytes()).await.unwrap();
                sender.finish().await.unwrap();
            };
            let progress = Arc::new(IngestProgress::default());
            let options = options();
            let (_, summary) = tokio::join!(
                produce,
                ingest_documents(&lake, &options, &streams, receiver, progress)
            );
            summary.unwrap()
        });
        assert!(summary.balanced(), "{summary:?}");
        assert_eq!(
            (
                summary.read,
                summary.written,
                summary.duplicates,
                summary.quarantined
            ),
            (15, 12, 2, 1)
        );
        assert_eq!(summary.per_file[0].file, "first");
        assert_eq!(summary.per_file[0].read, 12);
        assert_eq!(summary.per_file[1].duplicates, 2);
        // Records are numbered per stream across its pages: the bad line is record 3.
        assert!(
            summary.quarantine_examples[0].starts_with("second record 3:"),
            "{:?}",
            summary.quarantine_examples
        );
        assert!(files(folder.path(), "parquet") > 0);
    }

    #[test]
    fn a_producer_that_stops_without_finishing_writes_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let streams = vec!["only".to_string()];
        let result = runtime().block_on(async {
            let (sender, receiver) = document_channel(1);
            let produce = async move {
                let body = format!("[{},{}]", event(1), event(2));
                sender.send(0, body.into_bytes()).await.unwrap();
                drop(sender);
            };
            let progress = Arc::new(IngestProgress::default());
            let options = options();
            let (_, result) = tokio::join!(
                produce,
                ingest_documents(&lake, &options, &streams, receiver, progress)
            );
            result
        });
        let error = result.unwrap_err().to_string();
        assert!(error.contains("stopped before it was complete"), "{error}");
        assert_eq!(files(folder.path(), "parquet"), 0);
        assert_eq!(files(folder.path(), "json"), 0, "no manifest");
    }
}
