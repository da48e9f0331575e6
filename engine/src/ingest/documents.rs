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
