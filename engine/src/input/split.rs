//! Splits a JSON byte stream into records without parsing them.
//!
//! One splitter serves every JSON container the exports use: JSON Lines (also
//! pretty-printed objects one after another, with or without a final newline), a
//! JSON array of records (streamed element by element, so a multi-gigabyte export
//! needs no more memory than one record), and wrapper documents whose records sit in
//! an array member — diagnostic-settings `{"records":[...]}`, Graph pages
//! `{"value":[...], "@odata.nextLink": ...}` and Okta event-hook deliveries
//! `{"data":{"events":[...]}}`. Text that is not JSON becomes a defective record
//! (one per line) so it is counted and quarantined, never silently skipped.

use std::io::{self, BufRead};

use super::chunk::Chunk;

/// The largest single top-level value we hold in memory (a wrapper page or one
/// record); beyond it the input is reported as malformed rather than exhausting memory.
pub const MAX_VALUE_BYTES: usize = 256 * 1024 * 1024;

/// The deepest nesting of objects and arrays a record may have (counted from the
/// record itself, not its wrapper). Parsing is recursive, so a deeper record would
/// overflow the stack and abort the process; it is quarantined instead. Real records
/// nest a handful of levels.
pub const MAX_DEPTH: usize = crate::parse::json::MAX_DEPTH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Between the elements of a top-level array.
    TopArray,
}

/// State of the value being captured.
#[derive(Debug, Default)]
struct Capture {
    active: bool,
    start: usize,
    depth: u32,
    /// The deepest nesting seen in the value.
    max_depth: u32,
    in_string: bool,
    escaped: bool,
    /// A bare scalar (number, literal) ends at a delimiter rather than a bracket.
    scalar: bool,
    /// A depth-1 string starts with a wrapper key name; check the record once whole.
    maybe_wrapper: bool,
    from_array: bool,
    /// The rest of an abandoned value's line: dropped, not a record.
    discard: bool,
}

/// Streams records out of a JSON input.
pub struct JsonSplitter<R> {
    reader: R,
    state: SplitState,
}

/// Everything but the reader, so scanning a buffer borrowed from the reader can
/// update it.
struct SplitState {
    mode: Mode,
    capture: Capture,
    record_no: u64,
    started: bool,
}

impl<R: BufRead> JsonSplitter<R> {
    pub fn new(reader: R) -> Self {
        JsonSplitter {
            reader,
            state: SplitState {
                mode: Mode::Top,
                capture: Capture::default(),
                record_no: 0,
                started: false,
            },
        }
    }

    /// Records seen so far (including defective ones).
    pub fn records_seen(&self) -> u64 {
        self.state.record_no
    }

    /// Appends records to `chunk` until it holds `target_bytes` or the input ends;
    /// returns `false` once the input is exhausted.
    pub fn fill(&mut self, chunk: &mut Chunk, target_bytes: usize) -> io::Result<bool> {
        let state = &mut self.state;
        loop {
            if chunk.data.len() >= target_bytes && !state.capture.active {
                return Ok(true);
            }
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                state.finish(chunk);
                return Ok(false);
            }
            if !state.started {
                state.started = true;
                if buffer.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    let consumed = state.scan(&buffer[3..], chunk);
                    self.reader.consume(consumed + 3);
                    continue;
                }
            }
            let consumed = state.scan(buffer, chunk);
            self.reader.consume(consumed);
        }
    }
}

impl SplitState {
    /// Scans `buffer`, returning how many bytes were used. Stops early after a
    /// record completes when the chunk is full, so the caller can hand it off.
    fn scan(&mut self, buffer: &[u8], chunk: &mut Chunk) -> usize {
        let mut index = 0;
        while index < buffer.len() {
            if self.capture.active {
                let (used, done) = self.scan_capture(&buffer[index..], chunk);
                index += used;
                if done {
                    self.complete(chunk);
                    return index;
                }
                continue;
            }
            let byte = buffer[index];
            match (self.mode, byte) {
                (_, b' ' | b'\t' | b'\r' | b'\n') => index += 1,
                (Mode::Top, b'[') => {
                    self.mode = Mode::TopArray;
                    index += 1;
                }
                (Mode::TopArray, b',') => index += 1,
                (Mode::TopArray, b']') => {
                    self.mode = Mode::Top;
                    index += 1;
                }
                (Mode::Top, b'{') | (Mode::TopArray, _) => {
                    self.begin(chunk, byte);
                    chunk.data.push(byte);
                    index += 1;
                }
                (Mode::Top, _) => {
                    // Not JSON: the rest of the line is one defective record.
                    let line_end = memchr::memchr(b'\n', &buffer[index..]).map(|at| index + at);
                    match line_end {
                        Some(end) => {
                            self.record_no += 1;
                            let text = trim_line(&buffer[index..end]);
                            chunk.push(self.record_no, text, Some(not_json_reason(text)));
                            index = end + 1;
                            return index;
                        }
                        None => {
                            // Keep the partial line as a capture of a "scalar" that ends at newline.
                            self.begin(chunk, byte);
                            self.capture.scalar = true;
                            chunk.data.extend_from_slice(&buffer[index..]);
                            index = buffer.len();
                        }
                    }
                }
            }
        }
        index
    }

    fn begin(&mut self, chunk: &Chunk, first: u8) {
        self.capture = Capture {
            active: true,
            start: chunk.data.len(),
            depth: u32::from(matches!(first, b'{' | b'[')),
            max_depth: u32::from(matches!(first, b'{' | b'[')),
            in_string: first == b'"',
            escaped: false,
            scalar: !matches!(first, b'{' | b'[' | b'"'),
            maybe_wrapper: false,
            from_array: self.mode == Mode::TopArray,
            discard: false,
        };
    }

    /// Continues the capture over `bytes`; returns bytes used and whether the value ended.
    fn scan_capture(&mut self, bytes: &[u8], chunk: &mut Chunk) -> (usize, bool) {
        let mode = self.mode;
        let capture = &mut self.capture;
        let mut index = 0;
        while index < bytes.len() {
            if capture.scalar {
                let ends = match mode {
                    Mode::TopArray => matches!(bytes[index], b',' | b']' | b'\n'),
                    Mode::Top => bytes[index] == b'\n',
                };
                if ends {
                    chunk.data.extend_from_slice(&bytes[..index]);
                    return (index, true);
                }
                index += 1;
                continue;
            }
            if capture.in_string {
                if capture.escaped {
                    // The byte after a backslash, possibly at the start of a new buffer.
                    capture.escaped = false;
                    index += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &bytes[index..]) {
                    None => index = bytes.len(),
                    Some(at) => {
                        index += at;
                        if bytes[index] == b'\\' {
                            capture.escaped = true;
                        } else {
                            capture.in_string = false;
                            if capture.depth == 0 {
                                chunk.data.extend_from_slice(&bytes[..=index]);
                                return (index + 1, true);
                            }
                        }
                        index += 1;
                    }
                }
                continue;
            }
            match bytes[index] {
                b'"' => {
                    capture.in_string = true;
                    if capture.depth == 1 && !capture.maybe_wrapper {
                        let rest = &bytes[index + 1..];
                        capture.maybe_wrapper = if rest.len() >= 8 {
                            rest.starts_with(b"records\"")
                                || rest.starts_with(b"value\"")
                                || rest.starts_with(b"data\"")
                        } else {
                            // The key straddles buffers: check once the value is whole.
                            true
                        };
                    }
                }
                b'{' | b'[' => {
                    capture.depth += 1;
                    capture.max_depth = capture.max_depth.max(capture.depth);
                }
                b'}' | b']' => {
                    capture.depth = capture.depth.saturating_sub(1);
                    if capture.depth == 0 {
                        chunk.data.extend_from_slice(&bytes[..=index]);
                        return (index + 1, true);
                    }
                }
                _ => {}
            }
            index += 1;
        }
        chunk.data.extend_from_slice(bytes);
        if chunk.data.len() - capture.start > MAX_VALUE_BYTES {
            self.abandon_oversized(chunk);
        }
        (bytes.len(), false)
    }

    /// Gives up on a value that outgrew `MAX_VALUE_BYTES`: it becomes one defective
    /// record (its first bytes kept as evidence) and scanning resumes at the next line.
    fn abandon_oversized(&mut self, chunk: &mut Chunk) {
        let start = self.capture.start;
        chunk.data.truncate(start + 200);
        self.record_no += 1;
        chunk.seal(
            self.record_no,
            start,
            Some(format!(
                "value larger than {} MiB (unbalanced brackets?)",
                MAX_VALUE_BYTES >> 20
            )),
        );
        self.mode = Mode::Top;
        self.capture = Capture {
            active: true,
            start: chunk.data.len(),
            scalar: true,
            discard: true,
            ..Capture::default()
        };
    }

    /// A value is complete: it is a record, or a wrapper whose array holds records.
    fn complete(&mut self, chunk: &mut Chunk) {
        let capture = std::mem::take(&mut self.capture);
        let start = capture.start;
        if capture.scalar {
            let text = trim_line(&chunk.data[start..]).to_vec();
            chunk.data.truncate(start);
            if text.is_empty() || capture.discard {
                return;
            }
            self.record_no += 1;
            let defect = if capture.from_array {
                None
            } else {
                Some(not_json_reason(&text))
            };
            chunk.push(self.record_no, &text, defect);
            return;
        }
        let too_deep = capture.max_depth as usize > MAX_DEPTH;
        if capture.maybe_wrapper
            && chunk.data[start] == b'{'
            && let Some(elements) = wrapper_elements(&chunk.data[start..])
        {
            let value = chunk.data.split_off(start);
            for (element_start, element_end) in elements {
                self.record_no += 1;
                let element = &value[element_start..element_end];
                // Only a wrapper that went too deep has elements to measure.
                let defect = too_deep.then(|| depth_defect(element)).flatten();
                chunk.push(self.record_no, element, defect);
            }
            return;
        }
        self.record_no += 1;
        let defect = too_deep.then(|| too_deep_reason(capture.max_depth as usize));
        chunk.seal(self.record_no, start, defect);
    }

    fn finish(&mut self, chunk: &mut Chunk) {
        if !self.capture.active {
            return;
        }
        let capture = std::mem::take(&mut self.capture);
        if capture.scalar {
            self.capture = capture;
            self.complete(chunk);
            return;
        }
        self.record_no += 1;
        chunk.seal(
            self.record_no,
            capture.start,
            Some("truncated JSON at end of input".to_string()),
        );
    }
}

/// The quarantine reason of a record nested `depth` levels deep.
fn too_deep_reason(depth: usize) -> String {
    format!("JSON nested {depth} levels deep; the limit is {MAX_DEPTH} levels")
}

/// The defect of a record (a wrapper's element) that nests deeper than the limit.
fn depth_defect(record: &[u8]) -> Option<String> {
    let depth = crate::parse::json::nesting_depth(record);
    (depth > MAX_DEPTH).then(|| too_deep_reason(depth))
}

fn trim_line(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |at| at + 1);
    &line[start..end]
}

fn not_json_reason(text: &[u8]) -> String {
    let preview: String = String::from_utf8_lossy(&text[..text.len().min(40)]).into_owned();
    format!("not JSON (starts {preview:?})")
}

/// Iterates the members of a JSON object held whole in memory: (key, value range).
fn object_members(object: &[u8]) -> Vec<(&[u8], usize, usize)> {
    let mut members = Vec::new();
    let mut index = match object.iter().position(|&b| b == b'{') {
        Some(at) => at + 1,
        None => return members,
    };
    loop {
        index = skip_whitespace_and(object, index, b',');
        if index >= object.len() || object[index] != b'"' {
            return members;
        }
        let key_end = match string_end(object, index) {
            Some(end) => end,
            None => return members,
        };
        let key = &object[index + 1..key_end - 1];
        index = skip_whitespace_and(object, key_end, b':');
        // No value (a `}` or `]` where one belongs): stop, or the same empty value
        // would be found again and again.
        let value_end = match value_end(object, index) {
            Some(end) if end > index => end,
            _ => return members,
        };
        members.push((key, index, value_end));
        index = value_end;
    }
}

/// The element ranges of a JSON array held whole in memory.
fn array_elements(array: &[u8], offset: usize) -> Option<Vec<(usize, usize)>> {
    let mut elements = Vec::new();
    let mut index = 1;
    loop {
        index = skip_whitespace_and(array, index, b',');
        if index >= array.len() {
            return None;
        }
        if array[index] == b']' {
            return Some(elements);
        }
        // An element must hold something: a stray `}` in the array would otherwise
        // be an empty element found forever (memory grew until the process died).
        // Not a wrapper, then: the whole object is one record, for the parser to reject.
        let end = value_end(array, index).filter(|&end| end > index)?;
        elements.push((offset + index, offset + end));
        index = end;
    }
}

fn skip_whitespace_and(bytes: &[u8], mut index: usize, separator: u8) -> usize {
    while index < bytes.len() && (bytes[index].is_ascii_whitespace() || bytes[index] == separator) {
        index += 1;
    }
    index
}

/// End (exclusive) of the string starting at `start` (a quote).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index + 1),
            _ => index += 1,
        }
    }
    None
}

/// End (exclusive) of the JSON value starting at `start`.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match *bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0u32;
            let mut index = start;
            while index < bytes.len() {
                match bytes[index] {
                    b'"' => {
                        index = string_end(bytes, index)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(index + 1);
                        }
                    }
                    _ => {}
                }
                index += 1;
            }
            None
        }
        _ => {
            let end = bytes[start..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                .map_or(bytes.len(), |at| start + at);
            Some(end)
        }
    }
}

/// The records inside a wrapper object, or `None` when the object is a record.
///
/// Wrappers: `records` (diagnostic settings / Event Hub), `value` (Graph pages),
/// `data.events` (Okta event hooks) — each an array member of the top object.
fn wrapper_elements(object: &[u8]) -> Option<Vec<(usize, usize)>> {
    let members = object_members(object);
    for &(key, start, end) in &members {
        let value = &object[start..end];
        match key {
            b"records" | b"value" if value.first() == Some(&b'[') => {
                return array_elements(value, start);
            }
            b"data" if value.first() == Some(&b'{') => {
                for (inner_key, inner_start, inner_end) in object_members(value) {
                    let inner = &value[inner_start..inner_end];
                    if inner_key == b"events" && inner.first() == Some(&b'[') {
                        return array_elements(inner, start + inner_start);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], buffer_size: usize) -> Vec<(u64, String, Option<String>)> {
        let reader = io::BufReader::with_capacity(buffer_size, input);
        let mut splitter = JsonSplitter::new(reader);
        let mut records = Vec::new();
        loop {
            let mut chunk = Chunk::new(0, 64);
            let more = splitter.fill(&mut chunk, 64).unwrap();
            for span in &chunk.records {
                records.push((
                    span.record_no,
                    String::from_utf8_lossy(chunk.bytes(span)).into_owned(),
                    span.defect.clone(),
                ));
            }
            if !more {
                return records;
            }
        }
    }

    fn texts(input: &[u8]) -> Vec<String> {
        let small = split(input, 7);
        let large = split(input, 1 << 16);
        assert_eq!(
            small.iter().map(|r| &r.1).collect::<Vec<_>>(),
            large.iter().map(|r| &r.1).collect::<Vec<_>>(),
            "buffer boundaries must not change the split"
        );
        large.into_iter().map(|r| r.1).collect()
    }

    #[test]
    fn json_lines_with_bom_crlf_and_no_final_newline() {
        let input = b"\xEF\xBB\xBF{\"a\":\"x}\\\"\"}\r\n { \"b\": [1,{\"c\":2}] }\r\n{\"d\":3}";
        assert_eq!(
            texts(input),
            vec![r#"{"a":"x}\""}"#, r#"{ "b": [1,{"c":2}] }"#, r#"{"d":3}"#]
        );
    }

    #[test]
    fn pretty_printed_objects_and_arrays() {
        let input = b"[\n  {\n    \"a\": 1\n  },\n  {\"b\": \"]\"}\n]\n";
        assert_eq!(texts(input), vec!["{\n    \"a\": 1\n  }", "{\"b\": \"]\"}"]);
    }

    #[test]
    fn wrappers_are_unwrapped() {
        let records = br#"{"records":[{"a":1},{"b":2}]}"#;
        assert_eq!(texts(records), vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        let graph =
            br#"{"@odata.context":"x","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"y"}"#;
        assert_eq!(texts(graph), vec![r#"{"id":"1"}"#, r#"{"id":"2"}"#]);
        let hook = br#"{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"u"}]}}"#;
        assert_eq!(texts(hook), vec![r#"{"uuid":"u"}"#]);
        let record = br#"{"data":"x","value":3}"#;
        assert_eq!(texts(record), vec![r#"{"data":"x","value":3}"#]);
    }

    #[test]
    fn garbage_lines_and_truncation_are_defects() {
        let records = split(b"not json here\n{\"a\":1}\n{\"b\":", 1 << 16);
        assert_eq!(records.len(), 3);
        assert!(records[0].2.as_deref().unwrap().starts_with("not JSON"));
        assert_eq!(records[1].1, r#"{"a":1}"#);
        assert!(records[1].2.is_none());
        assert_eq!(
            records[2].2.as_deref(),
            Some("truncated JSON at end of input")
        );
        assert_eq!(
            records.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn records_nested_too_deep_are_defects_and_the_split_stays_aligned() {
        let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        let deep_arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let at_limit = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        let input = format!(
            "{{\"a\":1}}\n{deep_objects}\n{deep_arrays}\n{at_limit}\n{{\"records\":[{{\"b\":2}},{deep_objects}]}}\n{{\"c\":3}}\n"
        );
        for buffer_size in [7, 1 << 16] {
            let records = split(input.as_bytes(), buffer_size);
            let summary: Vec<(u64, Option<&str>)> =
                records.iter().map(|r| (r.0, r.2.as_deref())).collect();
            let too_deep = |depth: usize| {
                Some(format!(
                    "JSON nested {depth} levels deep; the limit is 512 levels"
                ))
            };
            assert_eq!(
                summary,
                vec![
                    (1, None),
                    (2, too_deep(100_000).as_deref()),
                    // The first bracket opens the top-level array; its element is the record.
                    (3, too_deep(99_999).as_deref()),
                    (4, None),
                    (5, None),
                    (6, too_deep(100_000).as_deref()),
                    (7, None),
                ],
                "buffer {buffer_size}"
            );
            assert_eq!(records[6].1, r#"{"c":3}"#);
            assert_eq!(records[4].1, r#"{"b":2}"#);
        }
    }

    #[test]
    fn a_stray_closing_bracket_in_a_wrapper_array_ends_the_split() {
        // Found by the fuzzer (`splitter`, seed 1, input 223): a Graph page with a `}`
        // where an element belongs made the split list empty elements without end.
        for input in [
            &br#"{"value":[{"a":1},}]}"#[..],
            br#"{"records":[}]}"#,
            br#"{"data":{"events":[{"a":1} }]}}"#,
        ] {
            // Brackets balance at the `]`: the object to there is one record (not a
            // wrapper: its array is malformed), the last `}` a line of junk.
            let records = split(input, 1 << 16);
            assert_eq!(records.len(), 2, "{records:?}");
            assert_eq!(records[0].1.len() + 1, input.len(), "{records:?}");
            assert!(
                records[0].2.is_none() && records[1].2.is_some(),
                "{records:?}"
            );
        }
        // A member without a value after the records: the records still count.
        assert_eq!(texts(br#"{"value":[{"a":1}],"x":}"#), vec![r#"{"a":1}"#]);
    }

    #[test]
    fn scalars_in_arrays_are_records_for_the_parser_to_reject() {
        assert_eq!(
            texts(b"[1, {\"a\":1}, \"x\"]"),
            vec!["1", r#"{"a":1}"#, "\"x\""]
        );
    }
}
