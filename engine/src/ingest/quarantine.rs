//! Rejected records, kept verbatim with the reason, under
//! `<lake>/_tokenhunt/quarantine/<run>.jsonl`.

use object_store::buffered::BufWriter;
use object_store::path::Path;
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::error::{EngineError, Result};
use crate::lake::Lake;

/// One rejected record.
#[derive(Debug, Clone)]
pub struct Quarantined {
    pub record_no: u64,
    pub field: String,
    pub reason: String,
    pub raw: Vec<u8>,
}

#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    record: u64,
    field: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a str>,
    /// Records that are not UTF-8 are kept byte for byte, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_base64: Option<String>,
}

/// Streams quarantine lines to the lake; the file appears only when complete.
pub struct QuarantineWriter {
    writer: Option<BufWriter>,
    lake: Lake,
    path: Path,
    count: u64,
}

impl QuarantineWriter {
    pub fn new(lake: &Lake, run_id: &str) -> Self {
        QuarantineWriter {
            writer: None,
            lake: lake.clone(),
            path: lake.meta_path(&["quarantine", &format!("{run_id}.jsonl")]),
            count: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn write(&mut self, file: &str, entry: &Quarantined) -> Result<()> {
        let (raw, raw_base64) = match std::str::from_utf8(&entry.raw) {
            Ok(text) => (Some(text), None),
            Err(_) => (None, Some(base64_encode(&entry.raw))),
        };
        let mut line = serde_json::to_vec(&Line {
            file,
            record: entry.record_no,
            field: &entry.field,
            reason: &entry.reason,
            raw,
            raw_base64,
        })
        .map_err(|e| EngineError::Invalid(e.to_string()))?;
        line.push(b'\n');
        let writer = self
            .writer
            .get_or_insert_with(|| BufWriter::new(self.lake.store.clone(), self.path.clone()));
        writer
            .write_all(&line)
            .await
            .map_err(|e| EngineError::io(format!("writing {}", self.path), e))?;
        self.count += 1;
        Ok(())
    }

    /// Abandons the upload: the quarantine file of a failed run never appears.
    pub async fn abort(mut self) {
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.abort().await;
        }
    }

    /// Completes the upload; returns the number of records written.
    pub async fn finish(mut self) -> Result<u64> {
        if let Some(mut writer) = self.writer.take() {
            writer
                .shutdown()
                .await
                .map_err(|e| EngineError::io(format!("writing {}", self.path), e))?;
            // On disk before the run's manifest (and a pull's checkpoint) says so.
            self.lake.sync_written(&self.path).await?;
        }
        Ok(self.count)
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(super::base64_encode(b"f"), "Zg==");
        assert_eq!(super::base64_encode(b"fo"), "Zm8=");
        assert_eq!(super::base64_encode(b"foo"), "Zm9v");
        assert_eq!(super::base64_encode(b"foob"), "Zm9vYg==");
    }
}
