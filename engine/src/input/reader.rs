//! Opening an input as a buffered byte stream: local file or object-store object,
//! gzip (detected from its magic bytes, whatever the file name) or plain.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use super::discover::{InputFile, InputLocation};

/// Object-store reads are ranged so memory stays bounded whatever the object's size.
const RANGE_BYTES: u64 = 8 * 1024 * 1024;
const BUFFER_BYTES: usize = 1024 * 1024;

/// Counts the bytes read from storage (compressed size, as the summary reports).
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.counter.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

/// Reads an object in ranges, blocking on the async store from a plain thread.
struct ObjectReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
    offset: u64,
    current: bytes::Bytes,
    runtime: Handle,
}

impl Read for ObjectReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.current.is_empty() {
            if self.offset >= self.size {
                return Ok(0);
            }
            let end = (self.offset + RANGE_BYTES).min(self.size);
            let range = self.offset..end;
            let store = self.store.clone();
            let path = self.path.clone();
            self.current = self
                .runtime
                .block_on(async move { store.get_range(&path, range).await })
                .map_err(io::Error::other)?;
            self.offset = end;
        }
        let count = buffer.len().min(self.current.len());
        buffer[..count].copy_from_slice(&self.current[..count]);
        let _ = self.current.split_to(count);
        Ok(count)
    }
}

/// Opens an input for reading, decompressing gzip transparently. Call from a thread
/// that is not a runtime worker (object reads block on `runtime`).
pub fn open_input(
    file: &InputFile,
    runtime: &Handle,
    counter: Arc<AtomicU64>,
) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match &file.location {
        InputLocation::Local(path) => Box::new(std::fs::File::open(path)?),
        InputLocation::Object { store, path } => Box::new(ObjectReader {
            store: store.clone(),
            path: path.clone(),
            size: file.size,
            offset: 0,
            current: bytes::Bytes::new(),
            runtime: runtime.clone(),
        }),
    };
    let mut buffered = BufReader::with_capacity(
        BUFFER_BYTES,
        CountingReader {
            inner: raw,
            counter,
        },
    );
    let head = buffered.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            MultiGzDecoder::new(buffered),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}
