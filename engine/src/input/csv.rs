//! The Log Analytics portal's CSV export, turned into one JSON object per row so the
//! same extractor reads it as the JSON exports.
//!
//! The portal's CSV carries display suffixes in headers (`CreatedDateTime [UTC]`),
//! writes dynamic columns twice (`DeviceDetail_dynamic` with the JSON, an empty
//! `DeviceDetail_string`), and embeds pretty-printed multi-line JSON in quoted cells.
//!
//! A quoted cell may span lines, so a quote that is never closed would make the rest
//! of the file one record, read whole into memory. A record is therefore capped at
//! [`MAX_RECORD_BYTES`]: a longer one is quarantined (its first line kept as evidence)
//! and reading resumes at the line after the one it started on.

use std::io::{self, Read};

use super::chunk::Chunk;

/// The largest CSV record (one row, multi-line cells included) read into memory.
/// Real rows are a few KiB, the largest (many conditional-access policies) a few
/// hundred; past this a record is taken for an unterminated quote.
pub const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// The input under the CSV reader: it keeps the bytes of the record being read (so
/// an oversized one can be re-read from its second line) and refuses to read past
/// `max_record_bytes` beyond the record's start.
struct Tracked<R> {
    inner: R,
    /// Bytes to serve before `inner`: the rest of an abandoned record.
    replay: Vec<u8>,
    replay_at: usize,
    /// Bytes read since offset `kept_from` of the stream (the current record's start).
    kept: Vec<u8>,
    kept_from: u64,
    /// Bytes of the stream read so far.
    total: u64,
    /// Reads stop at this offset: the current record's start plus the cap.
    limit: u64,
    max_record_bytes: usize,
    tripped: bool,
}

impl<R: Read> Tracked<R> {
    fn new(inner: R, max_record_bytes: usize) -> Self {
        Tracked {
            inner,
            replay: Vec::new(),
            replay_at: 0,
            kept: Vec::new(),
            kept_from: 0,
            total: 0,
            limit: max_record_bytes as u64,
            max_record_bytes,
            tripped: false,
        }
    }

    /// A record starts at `offset`: bytes before it are no longer needed.
    fn record_starts_at(&mut self, offset: u64) {
        let drop = (offset.saturating_sub(self.kept_from) as usize).min(self.kept.len());
        self.kept.drain(..drop);
        self.kept_from += drop as u64;
        self.limit = offset + self.max_record_bytes as u64;
    }

    /// Abandons the record being read (it outgrew the cap): returns its first line,
    /// and sets the input to start again, as a fresh stream, at the line after it.
    ///
    /// Blank lines before the record are not part of it (the CSV reader skips them
    /// within one read): they are dropped, and when the cap was reached on blank
    /// lines alone there is no record to quarantine (`None`). Counting them as the
    /// record's first line made a run of blank lines longer than the cap cost one
    /// re-read of the cap per blank line: quadratic in their number.
    fn abandon_record(&mut self) -> Option<Vec<u8>> {
        let kept = std::mem::take(&mut self.kept);
        let content = kept.iter().position(|&b| b != b'\n' && b != b'\r');
        self.kept_from = 0;
        self.total = 0;
        self.limit = self.max_record_bytes as u64;
        self.tripped = false;
        let content = content?;
        let first_line_end = memchr::memchr(b'\n', &kept[content..]).map(|end| content + end);
        let evidence_end = first_line_end.unwrap_or(kept.len()).min(content + 200);
        let evidence = kept[content..evidence_end].to_vec();
        match first_line_end {
            Some(end) => {
                let mut replay = kept[end + 1..].to_vec();
                replay.extend_from_slice(&self.replay[self.replay_at..]);
                self.replay = replay;
                self.replay_at = 0;
            }
            // One line longer than the cap: skip to its end.
            None => self.skip_line(),
        }
        Some(evidence)
    }

    /// Reads and drops input up to and including the next newline (or the end).
    fn skip_line(&mut self) {
        let mut buffer = [0u8; 64 * 1024];
        loop {
            let rest = &self.replay[self.replay_at..];
            if !rest.is_empty() {
                match memchr::memchr(b'\n', rest) {
                    Some(at) => {
                        self.replay_at += at + 1;
                        return;
                    }
                    None => self.replay_at = self.replay.len(),
                }
                continue;
            }
            match self.inner.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if let Some(at) = memchr::memchr(b'\n', &buffer[..n]) {
                        self.replay = buffer[at + 1..n].to_vec();
                        self.replay_at = 0;
                        return;
                    }
                }
            }
        }
    }
}

/// The error a [`Tracked`] input gives when a record outgrows the cap.
const OVERSIZED: &str = "CSV record over the size cap";

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.total >= self.limit && !buffer.is_empty() {
            self.tripped = true;
            return Err(io::Error::other(OVERSIZED));
        }
        let room = buffer.len().min((self.limit - self.total) as usize);
        let rest = &self.replay[self.replay_at..];
        let read = if rest.is_empty() {
            self.inner.read(&mut buffer[..room])?
        } else {
            let n = rest.len().min(room);
            buffer[..n].copy_from_slice(&rest[..n]);
            self.replay_at += n;
            if self.replay_at == self.replay.len() {
                self.replay = Vec::new();
                self.replay_at = 0;
            }
            n
        };
        self.kept.extend_from_slice(&buffer[..read]);
        self.total += read as u64;
        Ok(read)
    }
}

/// One CSV column under the name the JSON exports use.
#[derive(Debug)]
struct Column {
    name: String,
    /// For a `X_string` column, the index of its `X_dynamic` twin: the string twin
    /// only speaks when the dynamic cell is empty.
    dynamic_twin: Option<usize>,
}

/// Header names as the JSON exports spell them: display suffixes dropped, and the
/// `_dynamic`/`_string` twins merged into one column.
fn columns_of(headers: &csv::StringRecord) -> Vec<Column> {
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h.split(" [").next().unwrap_or(h).trim())
        .collect();
    names
        .iter()
        .map(|name| {
            if let Some(base) = name.strip_suffix("_dynamic") {
                Column {
                    name: base.to_string(),
                    dynamic_twin: None,
                }
            } else if let Some(base) = name.strip_suffix("_string") {
                let twin_name = format!("{base}_dynamic");
                Column {
                    name: base.to_string(),
                    dynamic_twin: names.iter().position(|other| *other == twin_name),
                }
            } else {
                Column {
                    name: name.to_string(),
                    dynamic_twin: None,
                }
            }
        })
        .collect()
}

/// Header names that mark a CSV file as a Log Analytics export of an Entra table.
pub fn looks_like_log_analytics_header(first_line: &str) -> bool {
    let lowered = first_line.to_ascii_lowercase();
    let known = [
        "tenantid",
        "timegenerated",
        "createddatetime",
        "userprincipalname",
        "operationname",
        "ipaddress",
    ];
    lowered.contains(',') && known.iter().filter(|name| lowered.contains(*name)).count() >= 2
}

/// Reads CSV rows and appends them to chunks as JSON records.
pub struct CsvRecords<R: Read> {
    /// `None` only while an oversized record is being abandoned.
    reader: Option<csv::Reader<Tracked<R>>>,
    columns: Vec<Column>,
    record: csv::StringRecord,
    record_no: u64,
}

fn csv_reader<R: Read>(input: Tracked<R>, has_headers: bool) -> csv::Reader<Tracked<R>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(has_headers)
        .from_reader(input)
}

impl<R: Read> CsvRecords<R> {
    pub fn new(input: R) -> Result<Self, csv::Error> {
        Self::with_max_record_bytes(input, MAX_RECORD_BYTES)
    }

    /// As [`CsvRecords::new`], with another record size cap.
    pub fn with_max_record_bytes(input: R, max_record_bytes: usize) -> Result<Self, csv::Error> {
        let mut reader = csv_reader(Tracked::new(input, max_record_bytes), true);
        let columns = columns_of(reader.headers()?);
        let start = reader.position().byte();
        reader.get_mut().record_starts_at(start);
        Ok(CsvRecords {
            reader: Some(reader),
            columns,
            record: csv::StringRecord::new(),
            record_no: 0,
        })
    }

    /// Appends rows to `chunk` until it holds `target_bytes`; `false` at the end.
    pub fn fill(&mut self, chunk: &mut Chunk, target_bytes: usize) -> Result<bool, csv::Error> {
        while chunk.data.len() < target_bytes {
            let Some(reader) = self.reader.as_mut() else {
                return Ok(false);
            };
            let read = reader.read_record(&mut self.record);
            if read.is_ok() {
                let start = reader.position().byte();
                reader.get_mut().record_starts_at(start);
            }
            match read {
                Ok(false) => return Ok(false),
                Ok(true) => {
                    self.record_no += 1;
                    let start = chunk.data.len();
                    let defect = (self.record.len() != self.columns.len()).then(|| {
                        format!(
                            "row has {} cells, the header {}",
                            self.record.len(),
                            self.columns.len()
                        )
                    });
                    write_row_as_json(&self.columns, &self.record, &mut chunk.data);
                    chunk.seal(self.record_no, start, defect);
                }
                Err(error) if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) => {
                    self.record_no += 1;
                    chunk.push(
                        self.record_no,
                        b"",
                        Some(format!("row is not valid UTF-8: {error}")),
                    );
                }
                Err(_) if reader.get_ref().tripped => {
                    let reader = self.reader.take().expect("checked above");
                    let mut input = reader.into_inner();
                    let max = input.max_record_bytes;
                    if let Some(evidence) = input.abandon_record() {
                        self.record_no += 1;
                        chunk.push(
                            self.record_no,
                            &evidence,
                            Some(format!(
                                "CSV record larger than {} (an unterminated quote?); \
                                 reading resumed at the line after its first",
                                size_name(max)
                            )),
                        );
                    }
                    // The header was read once; the new reader starts at a row.
                    self.reader = Some(csv_reader(input, false));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(true)
    }
}

/// A byte count as the cap is documented (`8 MiB`).
fn size_name(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn write_row_as_json(columns: &[Column], row: &csv::StringRecord, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for (index, column) in columns.iter().enumerate() {
        let value = row.get(index).unwrap_or("");
        let twin_has_value = column
            .dynamic_twin
            .is_some_and(|twin| !row.get(twin).unwrap_or("").is_empty());
        if value.is_empty() || twin_has_value {
            continue;
        }
        let name = &column.name;
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_string(name, out);
        out.push(b':');
        write_json_string(value, out);
    }
    out.push(b'}');
}

/// Writes `text` as a JSON string literal.
pub fn write_json_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match byte {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..index]);
        match escape {
            Some(sequence) => out.extend_from_slice(sequence),
            None => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
        }
        start = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_csv_rows_become_json_objects() {
        let csv = "TenantId,CreatedDateTime [UTC],DeviceDetail_dynamic,DeviceDetail_string,Note\n\
                   t1,\"4/28/2021, 2:08:45.221 PM\",\"{\n  \"\"browser\"\": \"\"Edge\"\"\n}\",,\"a\"\"b\"\n";
        let mut records = CsvRecords::new(csv.as_bytes()).unwrap();
        let mut chunk = Chunk::new(0, 0);
        assert!(!records.fill(&mut chunk, 1 << 20).unwrap());
        assert_eq!(chunk.len(), 1);
        let text = std::str::from_utf8(chunk.bytes(&chunk.records[0])).unwrap();
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(value["TenantId"], "t1");
        assert_eq!(value["CreatedDateTime"], "4/28/2021, 2:08:45.221 PM");
        assert_eq!(value["DeviceDetail"], "{\n  \"browser\": \"Edge\"\n}");
        assert_eq!(value["Note"], "a\"b");
    }

    /// (record number, cells or defect) of every record.
    fn read_all(csv: &str, cap: usize) -> Vec<(u64, Result<String, String>)> {
        let mut records = CsvRecords::with_max_record_bytes(csv.as_bytes(), cap).unwrap();
        let mut out = Vec::new();
        loop {
            let mut chunk = Chunk::new(0, 0);
            let more = records.fill(&mut chunk, 64).unwrap();
            for span in &chunk.records {
                let text = String::from_utf8_lossy(chunk.bytes(span)).into_owned();
                let record = match &span.defect {
                    Some(defect) => Err(defect.clone()),
                    None => Ok(text),
                };
                out.push((span.record_no, record));
            }
            if !more {
                return out;
            }
        }
    }

    #[test]
    fn an_unterminated_quote_is_capped_quarantined_and_reading_resumes() {
        let mut csv = String::from("TenantId,TimeGenerated,Id,Note\nt,2024-05-01T10:00:00Z,a,x\n");
        csv.push_str("t,2024-05-01T10:00:01Z,b,\"never closed\n");
        for n in 0..200 {
            csv.push_str(&format!("t,2024-05-01T10:00:02Z,row{n},plain\n"));
        }
        let cap = 1024;
        let records = read_all(&csv, cap);
        assert_eq!(records.len(), 202, "{records:?}");
        assert_eq!(records[0].0, 1);
        assert!(records[0].1.as_ref().unwrap().contains(r#""Id":"a""#));
        assert_eq!(records[1].0, 2);
        let reason = records[1].1.as_ref().unwrap_err();
        assert!(reason.contains("larger than 1024 bytes"), "{reason}");
        for (index, (record_no, record)) in records[2..].iter().enumerate() {
            assert_eq!(*record_no, index as u64 + 3);
            let text = record.as_ref().unwrap();
            assert!(text.contains(&format!(r#""Id":"row{index}""#)), "{text}");
        }
        // One line longer than the cap, with no quote: skipped to its end.
        let long = format!(
            "TenantId,TimeGenerated,Id,Note\nt,2024-05-01T10:00:00Z,a,{}\nt,2024-05-01T10:00:01Z,b,y\n",
            "z".repeat(5000)
        );
        let records = read_all(&long, cap);
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(records[0].1.is_err());
        assert!(records[1].1.as_ref().unwrap().contains(r#""Id":"b""#));
        // Rows under the cap, multi-line cells included, are untouched by it.
        let fine = "TenantId,TimeGenerated,Id,Note\nt,x,a,\"two\nlines\"\nt,y,b,c\n";
        let records = read_all(fine, 64);
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(records.iter().all(|r| r.1.is_ok()), "{records:?}");
    }

    #[test]
    fn blank_lines_past_the_cap_are_skipped_once_not_reread_per_line() {
        // Found by the fuzzer (`csv`, seed 1, input 23): 70,000 blank lines under a
        // 64 KiB cap took 11 s, each blank line abandoned as a record in turn after
        // re-reading the cap: quadratic in their number.
        let blank = "\n".repeat(200_000);
        let csv = format!(
            "TenantId,TimeGenerated,Id,Note\nt,2024-05-01T10:00:00Z,a,x\n{blank}t,2024-05-01T10:00:01Z,b,y\n\r\n{blank}\"open\n{blank}"
        );
        let started = std::time::Instant::now();
        let records = read_all(&csv, 1024);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(records.len(), 3, "{records:?}");
        assert!(records[0].1.as_ref().unwrap().contains(r#""Id":"a""#));
        assert!(records[1].1.as_ref().unwrap().contains(r#""Id":"b""#));
        // The open quote: one record quarantined, its first line as evidence.
        assert_eq!(records[2].0, 3);
        assert!(
            records[2]
                .1
                .as_ref()
                .unwrap_err()
                .contains("larger than 1024 bytes")
        );
    }

    #[test]
    fn header_detection() {
        assert!(looks_like_log_analytics_header(
            "TenantId,SourceSystem,TimeGenerated,UserPrincipalName"
        ));
        assert!(!looks_like_log_analytics_header("line\tfile\ttest"));
    }
}
