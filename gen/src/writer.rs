//! Output files: buffered (and optionally gzip) writers for the three layouts, opened lazily and closed
//! as time moves on, so only the current day's / hour's / page's files are open.
//!
//! * `entra-la/<Table>/<YYYY-MM-DD>.jsonl[.gz]` (one file per table and day)
//! * `entra-diagnostic/insights-logs-<category>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json[.gz]`
//! * `okta/system-log-<YYYY-MM-DD>-<NNNN>.json[.gz]` (JSON array pages of at most 1000 events)

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::GzBuilder;
use flate2::write::GzEncoder;

use crate::GenError;
use crate::jsonw::civil_from_days;
use crate::time::{DAY, HOUR, Ticks};

/// Events per Okta page (the System Log API's maximum `limit`).
pub const OKTA_PAGE_EVENTS: usize = 1000;

enum Inner {
    Plain(BufWriter<File>),
    // Boxed: the encoder's state is much larger than a plain writer.
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

/// One output file.
pub struct Sink {
    inner: Inner,
    path: PathBuf,
}

impl Sink {
    /// Creates the file (and its directories).
    pub fn create(path: PathBuf, gzip: bool) -> Result<Sink, GenError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| GenError::io(dir, e))?;
        }
        let file = File::create(&path).map_err(|e| GenError::io(&path, e))?;
        let buf = BufWriter::with_capacity(256 * 1024, file);
        let inner = if gzip {
            // No file name and mtime 0 in the header: same input, same bytes.
            Inner::Gzip(Box::new(
                GzBuilder::new().mtime(0).write(buf, Compression::fast()),
            ))
        } else {
            Inner::Plain(buf)
        };
        Ok(Sink { inner, path })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), GenError> {
        let r = match &mut self.inner {
            Inner::Plain(w) => w.write_all(bytes),
            Inner::Gzip(w) => w.write_all(bytes),
        };
        r.map_err(|e| GenError::io(&self.path, e))
    }

    /// Flushes and closes; returns the file's size on disk.
    pub fn finish(self) -> Result<u64, GenError> {
        let path = self.path;
        let r = match self.inner {
            Inner::Plain(mut w) => w.flush(),
            Inner::Gzip(w) => w.finish().and_then(|mut b| b.flush()),
        };
        r.map_err(|e| GenError::io(&path, e))?;
        let len = std::fs::metadata(&path)
            .map_err(|e| GenError::io(&path, e))?
            .len();
        Ok(len)
    }
}

/// Files and bytes written.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteStats {
    /// Files closed.
    pub files: u64,
    /// Bytes on disk.
    pub bytes: u64,
}

/// `YYYY-MM-DD` of a day number.
pub fn date_string(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn ext(gzip: bool, base: &str) -> String {
    if gzip {
        format!("{base}.gz")
    } else {
        base.to_string()
    }
}

/// A set of files keyed by a small index, all belonging to one time bucket (day or hour).
pub struct BucketedFiles {
    root: PathBuf,
    gzip: bool,
    bucket: i64,
    open: Vec<Option<Sink>>,
    /// Totals of closed files.
    pub stats: WriteStats,
}

impl BucketedFiles {
    /// Files under `root` with `slots` parallel streams.
    pub fn new(root: PathBuf, gzip: bool, slots: usize) -> Self {
        BucketedFiles {
            root,
            gzip,
            bucket: i64::MIN,
            open: (0..slots).map(|_| None).collect(),
            stats: WriteStats::default(),
        }
    }

    fn close_all(&mut self) -> Result<(), GenError> {
        for slot in self.open.iter_mut() {
            if let Some(s) = slot.take() {
                self.stats.bytes += s.finish()?;
                self.stats.files += 1;
            }
        }
        Ok(())
    }

    /// Writes a line to stream `slot` of time bucket `bucket`; `path` names the file when it must be
    /// opened.
    pub fn write_line(
        &mut self,
        bucket: i64,
        slot: usize,
        line: &[u8],
        path: impl FnOnce(&Path, bool) -> PathBuf,
    ) -> Result<(), GenError> {
        if bucket != self.bucket {
            self.close_all()?;
            self.bucket = bucket;
        }
        if self.open[slot].is_none() {
            self.open[slot] = Some(Sink::create(path(&self.root, self.gzip), self.gzip)?);
        }
        if let Some(s) = self.open[slot].as_mut() {
            s.write(line)?;
            s.write(b"\n")?;
        }
        Ok(())
    }

    /// Closes everything.
    pub fn finish(&mut self) -> Result<WriteStats, GenError> {
        self.close_all()?;
        Ok(self.stats)
    }
}

/// Log Analytics day files.
pub fn la_path(root: &Path, gzip: bool, table: &str, t: Ticks) -> PathBuf {
    root.join(table).join(ext(
        gzip,
        &format!("{}.jsonl", date_string(t.0.div_euclid(DAY))),
    ))
}

/// Diagnostic-settings hour blobs.
pub fn diagnostic_path(root: &Path, gzip: bool, category: &str, t: Ticks) -> PathBuf {
    let hour = t.0.div_euclid(HOUR);
    let (y, m, d) = civil_from_days(hour.div_euclid(24));
    let h = hour.rem_euclid(24);
    root.join(format!("insights-logs-{}", category.to_lowercase()))
        .join(format!("y={y:04}"))
        .join(format!("m={m:02}"))
        .join(format!("d={d:02}"))
        .join(format!("h={h:02}"))
        .join("m=00")
        .join(ext(gzip, "PT1H.json"))
}

/// Okta System Log pages: a JSON array per file, a new file every 1000 events or at a new day.
pub struct OktaPages {
    root: PathBuf,
    gzip: bool,
    day: i64,
    page: u32,
    in_page: usize,
    sink: Option<Sink>,
    /// Totals of closed files.
    pub stats: WriteStats,
}

impl OktaPages {
    /// Pages under `root`.
    pub fn new(root: PathBuf, gzip: bool) -> Self {
        OktaPages {
            root,
            gzip,
            day: i64::MIN,
            page: 0,
            in_page: 0,
            sink: None,
            stats: WriteStats::default(),
        }
    }

    fn close(&mut self) -> Result<(), GenError> {
        if let Some(mut s) = self.sink.take() {
            s.write(b"\n]\n")?;
            self.stats.bytes += s.finish()?;
            self.stats.files += 1;
        }
        self.in_page = 0;
        Ok(())
    }

    /// Appends one event object.
    pub fn write_event(&mut self, t: Ticks, event: &[u8]) -> Result<(), GenError> {
        let day = t.0.div_euclid(DAY);
        if day != self.day {
            self.close()?;
            self.day = day;
            self.page = 0;
        }
        if self.in_page >= OKTA_PAGE_EVENTS {
            self.close()?;
        }
        if self.sink.is_none() {
            self.page += 1;
            let name = format!("system-log-{}-{:04}.json", date_string(day), self.page);
            self.sink = Some(Sink::create(
                self.root.join(ext(self.gzip, &name)),
                self.gzip,
            )?);
            if let Some(s) = self.sink.as_mut() {
                s.write(b"[\n")?;
            }
        } else if let Some(s) = self.sink.as_mut() {
            s.write(b",\n")?;
        }
        if let Some(s) = self.sink.as_mut() {
            s.write(event)?;
        }
        self.in_page += 1;
        Ok(())
    }

    /// Closes the last page.
    pub fn finish(&mut self) -> Result<WriteStats, GenError> {
        self.close()?;
        Ok(self.stats)
    }
}
