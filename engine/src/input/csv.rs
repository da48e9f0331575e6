//! The Log Analytics portal's CSV export, turned into one JSON object per row so the
//! same extractor reads it as the JSON exports.
//!
//! The portal's CSV carries display suffixes in headers (`CreatedDateTime [UTC]`),
//! writes dynamic columns twice (`DeviceDetail_dynamic` with the JSON, an empty
//! `DeviceDetail_string`), and embeds pretty-printed multi-line JSON in quoted cells.

use std::io::Read;

use super::chunk::Chunk;

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
    reader: csv::Reader<R>,
    columns: Vec<Column>,
    record: csv::StringRecord,
    record_no: u64,
}

impl<R: Read> CsvRecords<R> {
    pub fn new(input: R) -> Result<Self, csv::Error> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(input);
        let columns = columns_of(reader.headers()?);
        Ok(CsvRecords {
            reader,
            columns,
            record: csv::StringRecord::new(),
            record_no: 0,
        })
    }

    /// Appends rows to `chunk` until it holds `target_bytes`; `false` at the end.
    pub fn fill(&mut self, chunk: &mut Chunk, target_bytes: usize) -> Result<bool, csv::Error> {
        while chunk.data.len() < target_bytes {
            match self.reader.read_record(&mut self.record) {
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
                Err(error) => return Err(error),
            }
        }
        Ok(true)
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

    #[test]
    fn header_detection() {
        assert!(looks_like_log_analytics_header(
            "TenantId,SourceSystem,TimeGenerated,UserPrincipalName"
        ));
        assert!(!looks_like_log_analytics_header("line\tfile\ttest"));
    }
}
