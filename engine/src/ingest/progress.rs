//! Live counters of an ingest run, for a progress display the caller owns.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Updated by the ingest threads; read by whoever shows progress.
#[derive(Debug, Default)]
pub struct IngestProgress {
    /// Bytes read from storage (compressed size for gzip inputs).
    pub bytes: Arc<AtomicU64>,
    pub records: AtomicU64,
    pub written: AtomicU64,
    pub duplicates: AtomicU64,
    pub quarantined: AtomicU64,
    pub files_done: AtomicU64,
    pub files_total: AtomicU64,
    /// The file being read, for display.
    pub current_file: Mutex<String>,
}
