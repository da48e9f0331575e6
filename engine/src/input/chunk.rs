//! A run of consecutive records of one input file, the unit handed to parse workers.

/// One record's place in a chunk.
#[derive(Debug, Clone)]
pub struct RecordSpan {
    /// 1-based position of the record in its file, for messages.
    pub record_no: u64,
    pub start: usize,
    pub end: usize,
    /// Set when the splitter already knows the record is unusable (not JSON, truncated).
    pub defect: Option<String>,
}

/// Consecutive records of one file, stored back to back in one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Index of the file in the run's file list.
    pub file_index: usize,
    /// Position of the chunk in the run, so results are applied in input order
    /// whichever worker finishes first.
    pub sequence: u64,
    pub data: Vec<u8>,
    pub records: Vec<RecordSpan>,
}

impl Chunk {
    pub fn new(file_index: usize, capacity: usize) -> Self {
        Chunk {
            file_index,
            sequence: 0,
            data: Vec::with_capacity(capacity),
            records: Vec::new(),
        }
    }

    pub fn push(&mut self, record_no: u64, bytes: &[u8], defect: Option<String>) {
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        self.records.push(RecordSpan {
            record_no,
            start,
            end: self.data.len(),
            defect,
        });
    }

    /// Marks the bytes appended since `start` as one record.
    pub fn seal(&mut self, record_no: u64, start: usize, defect: Option<String>) {
        self.records.push(RecordSpan {
            record_no,
            start,
            end: self.data.len(),
            defect,
        });
    }

    pub fn bytes(&self, span: &RecordSpan) -> &[u8] {
        &self.data[span.start..span.end]
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
