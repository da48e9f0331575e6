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

/// The most a gzip input may expand: decompressed bytes per compressed byte, checked
/// once [`GZIP_RATIO_AFTER`] bytes have come out. Exports of sign-in logs compress
/// 10 to 30 times; deflate cannot exceed about 1,032. An input past the ratio (a
/// decompression bomb: gigabytes of zeros in a few megabytes) fails with this cap
/// named, after the records it held up to there, instead of streaming for hours.
pub const MAX_GZIP_RATIO: u64 = 200;

/// Decompressed bytes before [`MAX_GZIP_RATIO`] is checked: small inputs (a page of
/// blank padding) may expand more.
pub const GZIP_RATIO_AFTER: u64 = 64 * 1024 * 1024;

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

/// A gzip stream that fails once it has expanded more than `ratio` times its
/// compressed size (after `after` decompressed bytes).
pub struct RatioGuard<R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    decompressed: u64,
    ratio: u64,
    after: u64,
}

impl<R: Read> RatioGuard<R> {
    /// `compressed` counts the bytes `inner` has taken from the file.
    pub fn new(inner: R, compressed: Arc<AtomicU64>, ratio: u64, after: u64) -> Self {
        RatioGuard {
            inner,
            compressed,
            decompressed: 0,
            ratio,
            after,
        }
    }
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.decompressed += read as u64;
        let compressed = self.compressed.load(Ordering::Relaxed).max(1);
        if self.decompressed > self.after && self.decompressed / compressed > self.ratio {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "gzip input expands more than {} times (MAX_GZIP_RATIO: {} MiB out of {} KiB \
                     read); a decompression bomb, not a log export",
                    self.ratio,
                    self.decompressed >> 20,
                    compressed >> 10
                ),
            ));
        }
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
    let compressed = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(
        BUFFER_BYTES,
        CountingReader {
            inner: CountingReader {
                inner: raw,
                counter: compressed.clone(),
            },
            counter,
        },
    );
    let head = buffered.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            RatioGuard::new(
                MultiGzDecoder::new(buffered),
                compressed,
                MAX_GZIP_RATIO,
                GZIP_RATIO_AFTER,
            ),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn read_guarded(compressed_bytes: Vec<u8>) -> io::Result<u64> {
        let counter = Arc::new(AtomicU64::new(0));
        let raw = CountingReader {
            inner: io::Cursor::new(compressed_bytes),
            counter: counter.clone(),
        };
        // Thresholds scaled down from the real ones for a quick test.
        let mut guard = RatioGuard::new(
            MultiGzDecoder::new(BufReader::new(raw)),
            counter,
            200,
            1 << 20,
        );
        io::copy(&mut guard, &mut io::sink())
    }

    #[test]
    fn a_gzip_bomb_fails_naming_the_ratio_cap() {
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 200 << 10, "{}", bomb.len());
        let error = read_guarded(bomb).unwrap_err().to_string();
        assert!(
            error.contains("expands more than 200 times") && error.contains("MAX_GZIP_RATIO"),
            "{error}"
        );
    }

    #[test]
    fn gzip_of_real_records_reads_whole() {
        // Every real export we hold (about 260 KB, compressing about 10 times), over
        // and over: each copy lies past deflate's 32 KiB window from the last.
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real");
        let exports = crate::fuzz::seed_files(&fixtures, &[".log", ".ndjson"]).concat();
        assert!(exports.len() > 100_000);
        let data = exports.repeat((4 << 20) / exports.len() + 1);
        let read = read_guarded(gzip(&data)).unwrap();
        assert_eq!(read, data.len() as u64);
    }
}
