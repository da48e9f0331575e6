//! The in-tree fuzzing harness: deterministic mutation of seed inputs (real exports
//! from `tests/fixtures/real`) fed to the code that reads hostile input — the record
//! splitter, the Entra and Okta parsers, the CSV reader, the time parser. No
//! coverage feedback (that would take `cargo fuzz` and a nightly toolchain); instead
//! mutations aimed at what breaks parsers: bit flips, truncation, splicing, deep
//! nesting, huge strings, invalid UTF-8, extreme numbers and times.
//!
//! Input number `i` of a run is a function of the seeds, the run's seed and `i`
//! alone, so any input is regenerated from its number ([`input_for`]): a crash is
//! reproduced with `cargo run -p tokenhunt-engine --example fuzz -- <target>
//! --seed <seed> --replay <i>`. A panic is caught and reported with its input; a
//! stack overflow aborts the process, which the example's supervisor survives
//! (each worker is a child process that records the input number it is on).
//!
//! The engine's unit tests run every target for a few seconds (`fuzz::tests`); the
//! long runs and their figures are in `benches/fuzz/README.md`.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::input::chunk::Chunk;
use crate::input::csv::CsvRecords;
use crate::input::split::JsonSplitter;
use crate::parse::row::{AuditBuilder, SigninBuilder};
use crate::parse::time::{date_of_micros, parse_timestamp_micros};
use crate::parse::{RecordParser, SourceHint};

/// The stack each execution runs on: the default of Rust threads, on which ingest's
/// parse workers run.
pub const STACK_BYTES: usize = 2 << 20;

/// The longest input a mutation makes; longer ones are cut.
pub const MAX_INPUT_BYTES: usize = 4 << 20;

/// A small, fast, seedable generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that mean something to JSON, CSV, SQL or the time parser.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b",",
    b":",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\r\n",
    b"\n",
    b"\0",
    b"null",
    b"\"null\"",
    b"true",
    b"'",
    b"''",
    b"--",
    b"/*",
    b"*/",
    b";",
    b"$",
    b"$since",
    b"$user",
    b"\\u0000",
    b"\\ud800",
    b"\\uDFFF",
    b"\"\"",
    b"\xEF\xBB\xBF",
    b"{}",
    b"[]",
    b"{\"records\":[",
    b"{\"value\":[",
    b"\"@odata.nextLink\":",
    b"\"data\":{\"events\":[",
    b"\"id\":\"\"",
    b"\"Type\":\"SigninLogs\"",
    b"\"eventType\":\"user.session.start\"",
    b"\"category\":\"SignInLogs\"",
    b"\"properties\":{",
    b"\"published\":",
    b"\"createdDateTime\":",
    b"\"TimeGenerated\":",
    b"X_dynamic",
    b"[UTC]",
];

/// Numbers at the edges of every numeric type.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"-1",
    b"1e999",
    b"-1e999",
    b"1e-999",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"99999999999999999999999999999999",
    b"0.0000000000000000000001",
    b"NaN",
    b"Infinity",
    b"4294967296",
    b"65536",
    b"1.5",
    b"01",
    b"1E+2",
];

/// Time spellings, well formed and not.
const TIMES: &[&[u8]] = &[
    b"2026-06-01T10:00:00Z",
    b"2026-06-01T10:00:00.1234567Z",
    b"2026-06-01T10:00:00.123456789+05:30",
    b"2026-06-01 10:00:00",
    b"2026-02-29T00:00:00Z",
    b"2024-02-29T23:59:60Z",
    b"9999-12-31T23:59:59.9999999-23:59",
    b"0000-01-01T00:00:00+23:59",
    b"-001-01-01T00:00:00Z",
    b"2026-13-01T00:00:00Z",
    b"2026-06-01T24:00:00Z",
    b"2026-06-01T10:00:00+99:99",
    b"2026-06-01T10:00:00.Z",
    b"2026-06-01T10:00:00.0000000000000000001Z",
    b"6/1/2026 10:00:00 AM",
    b"6/1/2026, 10:00:00.123 PM",
    b"12/31/99999 12:00:00 PM",
    b"0/0/0 0:0:0 XM",
    b"1/1/1970 12:00:00 AM",
    b"99999999999-01-01T00:00:00Z",
];

/// Invalid UTF-8 of every kind.
const BAD_UTF8: &[&[u8]] = &[
    b"\xFF",
    b"\xC3",
    b"\xC0\xAF",
    b"\xED\xA0\x80",
    b"\xF4\x90\x80\x80",
    b"\xE2\x82",
    b"\x80\x80",
    b"\xF0\x9F\x98",
];

/// Seed inputs: the files under `dir` whose names end with one of `extensions`
/// (recursively, sorted by path so the list is the same on every machine).
pub fn seed_files(dir: &Path, extensions: &[&str]) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|name| extensions.iter().any(|e| name.ends_with(e)))
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect()
}

/// The records in JSON files, as the splitter finds them.
pub fn records_of(files: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    for file in files {
        let mut splitter = JsonSplitter::new(Cursor::new(file.as_slice()));
        let mut chunk = Chunk::new(0, file.len() + 1024);
        loop {
            let more = splitter.fill(&mut chunk, usize::MAX).unwrap_or(false);
            if !more {
                break;
            }
        }
        for span in chunk.records.iter().filter(|s| s.defect.is_none()) {
            records.push(chunk.bytes(span).to_vec());
        }
    }
    records
}

/// Quoted texts in `files` that start with a digit (times, mostly), plus [`TIMES`].
pub fn times_of(files: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut found: std::collections::BTreeSet<Vec<u8>> = TIMES.iter().map(|t| t.to_vec()).collect();
    for file in files {
        for piece in file.split(|b| *b == b'"') {
            if (8..=40).contains(&piece.len())
                && piece[0].is_ascii_digit()
                && piece.iter().any(|b| matches!(b, b':' | b'/'))
            {
                found.insert(piece.to_vec());
            }
        }
    }
    found.into_iter().collect()
}

/// Input number `iteration` of a run with `seed` over `seeds`.
pub fn input_for(seeds: &[Vec<u8>], seed: u64, iteration: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ iteration.wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64();
    let base = if seeds.is_empty() {
        Vec::new()
    } else {
        rng.pick(seeds).clone()
    };
    if rng.chance(32) {
        return base;
    }
    let mut input = base;
    for _ in 0..1 + rng.below(4) {
        mutate(&mut rng, &mut input, seeds);
        input.truncate(MAX_INPUT_BYTES);
    }
    input
}

fn insert(input: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    let at = at.min(input.len());
    input.splice(at..at, bytes.iter().copied());
}

/// Applies one random mutation.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = input.len();
    let at = rng.below(len + 1);
    match rng.below(14) {
        // Bit flips.
        0 => {
            for _ in 0..1 + rng.below(8) {
                if !input.is_empty() {
                    let i = rng.below(input.len());
                    input[i] ^= 1 << rng.below(8);
                }
            }
        }
        // A byte set to a structural character.
        1 => {
            if !input.is_empty() {
                let i = rng.below(input.len());
                input[i] = *rng.pick(b"{}[]\",:\\\n\r\0 '$-/*");
            }
        }
        // Truncation.
        2 => input.truncate(at),
        // A range deleted.
        3 => {
            let end = (at + rng.below(256)).min(len);
            input.drain(at..end);
        }
        // A range of the input repeated elsewhere.
        4 => {
            let end = (at + 1 + rng.below(512)).min(len);
            let piece = input[at.min(len)..end].to_vec();
            for _ in 0..1 + rng.below(3) {
                let to = rng.below(input.len() + 1);
                insert(input, to, &piece);
            }
        }
        // Spliced with another seed: this one's head, that one's tail.
        5 => {
            if !seeds.is_empty() {
                let other = rng.pick(seeds);
                let from = rng.below(other.len() + 1);
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
        }
        // Deep nesting, closed or not.
        6 => {
            let depth = *rng.pick(&[100, 511, 513, 600, 5_000, 100_000]);
            const OPENERS: &[&[u8]] = &[b"[", b"{\"a\":", b"{\"a\":[", b"\"[", b"{\"records\":["];
            let open = *rng.pick(OPENERS);
            let mut piece = open.repeat(depth);
            if rng.chance(2) {
                piece.push(b'1');
                let close: &[u8] = match open {
                    b"[" | b"\"[" | b"{\"records\":[" => b"]",
                    b"{\"a\":" => b"}",
                    _ => b"]}",
                };
                piece.extend(close.repeat(depth));
            }
            insert(input, at, &piece);
        }
        // A huge string or run of one byte.
        7 => {
            let length = *rng.pick(&[1_000, 70_000, 300_000, 1 << 20]);
            let byte = *rng.pick(b"A\"\\ \n,{0\xFF");
            let mut piece = Vec::with_capacity(length + 2);
            if rng.chance(2) {
                piece.push(b'"');
            }
            piece.resize(piece.len() + length, byte);
            if rng.chance(2) {
                piece.push(b'"');
            }
            insert(input, at, &piece);
        }
        // Invalid UTF-8.
        8 => {
            let piece = *rng.pick(BAD_UTF8);
            insert(input, at, piece);
        }
        // A number replaced by an extreme one.
        9 => {
            let piece = *rng.pick(NUMBERS);
            let start = input[at.min(len)..]
                .iter()
                .position(u8::is_ascii_digit)
                .map(|p| at + p);
            match start {
                Some(start) => {
                    let end = input[start..]
                        .iter()
                        .position(|b| !b.is_ascii_digit() && !matches!(b, b'.' | b'-' | b'e'))
                        .map_or(input.len(), |p| start + p);
                    input.splice(start..end, piece.iter().copied());
                }
                None => insert(input, at, piece),
            }
        }
        // A time, in place of the next quoted text or inserted.
        10 => {
            let piece = *rng.pick(TIMES);
            insert(input, at, piece);
        }
        // A meaningful token.
        11 => {
            let piece = *rng.pick(TOKENS);
            for _ in 0..1 + rng.below(3) {
                let to = rng.below(input.len() + 1);
                insert(input, to, piece);
            }
        }
        // Random bytes.
        12 => {
            let piece: Vec<u8> = (0..1 + rng.below(16))
                .map(|_| rng.next_u64() as u8)
                .collect();
            insert(input, at, &piece);
        }
        // Line endings and quotes swapped about (CSV and JSON Lines framing).
        _ => {
            for byte in input.iter_mut().skip(at).take(4096) {
                *byte = match *byte {
                    b'\n' => b'\r',
                    b'\r' => b'\n',
                    b'"' if rng.chance(8) => b'\'',
                    b',' if rng.chance(8) => b'\n',
                    other => other,
                };
            }
        }
    }
}

/// One fuzz target: what its seeds are and what one execution does. An execution
/// fails by panicking (an invariant it checks, or a bug it hits).
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    /// Turns the seed files (`tests/fixtures/real`) into this target's seeds.
    pub seeds: fn(&Path) -> Vec<Vec<u8>>,
    pub run: fn(&[u8]),
}

const JSON_FILES: &[&str] = &[".log", ".json", ".jsonl", ".ndjson"];

/// Every engine target.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "splitter",
            seeds: |dir| seed_files(dir, JSON_FILES),
            run: run_splitter,
        },
        Target {
            name: "entra",
            seeds: |dir| {
                records_of(&seed_files(&dir.join("entra-diagnostic"), JSON_FILES))
                    .into_iter()
                    .chain(records_of(&seed_files(
                        &dir.join("entra-graph"),
                        JSON_FILES,
                    )))
                    .chain(records_of(&seed_files(
                        &dir.join("entra-loganalytics"),
                        JSON_FILES,
                    )))
                    .collect()
            },
            run: |input| run_parser(input, SourceHint::Entra),
        },
        Target {
            name: "okta",
            seeds: |dir| records_of(&seed_files(&dir.join("okta"), JSON_FILES)),
            run: |input| run_parser(input, SourceHint::Okta),
        },
        Target {
            name: "csv",
            seeds: |dir| seed_files(dir, &[".csv"]),
            run: run_csv,
        },
        Target {
            name: "time",
            seeds: |dir| times_of(&seed_files(dir, JSON_FILES)),
            run: run_time,
        },
    ]
}

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    targets().into_iter().find(|t| t.name == name)
}

/// Every record a split finds is parsed, as ingest does. Invariants: record numbers
/// count up from 1, spans lie in the chunk, the split ends.
fn run_splitter(input: &[u8]) {
    let mut splitter = JsonSplitter::new(Cursor::new(input));
    let mut parser = RecordParser::new(SourceHint::Auto);
    let mut expected = 1;
    // Each fill consumes input or ends it; the bound catches a split that loops.
    for _ in 0..input.len() + 2 {
        let mut chunk = Chunk::new(0, 1 << 16);
        let more = splitter.fill(&mut chunk, 1 << 16).unwrap_or_default();
        parse_chunk(&mut parser, &chunk, &mut expected);
        if !more {
            return;
        }
    }
    panic!(
        "the splitter did not finish an input of {} bytes",
        input.len()
    );
}

fn parse_chunk(parser: &mut RecordParser, chunk: &Chunk, expected: &mut u64) {
    let (mut signins, mut audit) = (
        SigninBuilder::with_capacity(16),
        AuditBuilder::with_capacity(16),
    );
    for span in &chunk.records {
        assert_eq!(span.record_no, *expected, "record numbers count up by one");
        *expected += 1;
        assert!(span.start <= span.end && span.end <= chunk.data.len());
        if span.defect.is_none() {
            let _ = parser.parse(chunk.bytes(span), &mut signins, &mut audit);
        }
    }
    signins.finish().expect("a batch of parsed sign-ins");
    audit.finish().expect("a batch of parsed audit events");
}

/// One record through the parser, and the rows it made into Arrow batches.
fn run_parser(input: &[u8], hint: SourceHint) {
    let mut parser = RecordParser::new(hint);
    let (mut signins, mut audit) = (
        SigninBuilder::with_capacity(1),
        AuditBuilder::with_capacity(1),
    );
    let landed = parser.parse(input, &mut signins, &mut audit);
    let (signins, audit) = (
        signins.finish().expect("a batch of parsed sign-ins"),
        audit.finish().expect("a batch of parsed audit events"),
    );
    let rows = signins.num_rows() + audit.num_rows();
    assert_eq!(
        rows,
        usize::from(landed.is_ok()),
        "one row per accepted record"
    );
}

/// A CSV file through the reader (with a 64 KiB record cap, so open quotes hit it)
/// and every row through the parser.
fn run_csv(input: &[u8]) {
    let Ok(mut records) = CsvRecords::with_max_record_bytes(Cursor::new(input), 64 << 10) else {
        return;
    };
    let mut parser = RecordParser::new(SourceHint::Auto);
    let mut expected = 1;
    for _ in 0..input.len() + 2 {
        let mut chunk = Chunk::new(0, 1 << 16);
        let more = records.fill(&mut chunk, 1 << 16);
        parse_chunk(&mut parser, &chunk, &mut expected);
        if !matches!(more, Ok(true)) {
            return;
        }
    }
    panic!(
        "the CSV reader did not finish an input of {} bytes",
        input.len()
    );
}

/// A time through the parser; an accepted one has a date.
fn run_time(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    if let Ok(micros) = parse_timestamp_micros(&text) {
        let date = date_of_micros(micros);
        assert_eq!(date.len(), 10, "date of {text:?}: {date}");
    }
}

/// One failed execution.
#[derive(Debug, Clone)]
pub struct Crash {
    pub iteration: u64,
    pub message: String,
    pub input: Vec<u8>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub executions: u64,
    pub seconds: f64,
    pub crashes: Vec<Crash>,
    /// The next input number (where a resumed run starts).
    pub next_iteration: u64,
}

/// Runs `run` on inputs `first..` of (`seeds`, `seed`) for `duration` (at least one
/// input), each on a thread with a [`STACK_BYTES`] stack, panics caught.
/// `on_input` is told each input's number before it runs (a supervisor records it,
/// to know which input a stack overflow aborted on).
pub fn fuzz(
    run: fn(&[u8]),
    seeds: &[Vec<u8>],
    seed: u64,
    first: u64,
    duration: Duration,
    on_input: &mut (dyn FnMut(u64) + Send),
) -> Report {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("fuzz".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || {
                let started = Instant::now();
                let mut report = Report {
                    next_iteration: first,
                    ..Report::default()
                };
                while report.executions == 0 || started.elapsed() < duration {
                    let iteration = report.next_iteration;
                    let input = input_for(seeds, seed, iteration);
                    on_input(iteration);
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| run(&input))) {
                        let message = payload
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "(panic without a message)".into());
                        report.crashes.push(Crash {
                            iteration,
                            message,
                            input,
                        });
                    }
                    report.executions += 1;
                    report.next_iteration += 1;
                }
                report.seconds = started.elapsed().as_secs_f64();
                report
            })
            .expect("a fuzzing thread")
            .join()
            .expect("the fuzzing thread catches panics")
    })
}

/// How long a test's fuzz run lasts: `TOKENHUNT_FUZZ_SECONDS`, else 3 seconds (the
/// CI smoke run); and its seed: `TOKENHUNT_FUZZ_SEED`, else 1.
pub fn test_budget() -> (Duration, u64) {
    let seconds = std::env::var("TOKENHUNT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(3.0);
    let seed = std::env::var("TOKENHUNT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    (Duration::from_secs_f64(seconds), seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real")
    }

    fn smoke(name: &str) {
        let target = target(name).unwrap();
        let seeds = (target.seeds)(&fixtures());
        assert!(!seeds.is_empty(), "{name}: no seeds");
        let (duration, seed) = test_budget();
        let report = fuzz(target.run, &seeds, seed, 0, duration, &mut |_| {});
        eprintln!(
            "fuzz {name}: {} seeds, {} executions in {:.1} s, {} crashes",
            seeds.len(),
            report.executions,
            report.seconds,
            report.crashes.len()
        );
        assert!(report.executions > 0);
        let crashes: Vec<String> = report
            .crashes
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "input {} ({} bytes): {}",
                    c.iteration,
                    c.input.len(),
                    c.message
                )
            })
            .collect();
        assert!(crashes.is_empty(), "{name} (seed {seed}): {crashes:#?}");
    }

    #[test]
    fn inputs_are_a_function_of_seed_and_number() {
        let seeds = vec![b"{\"a\":[1,2,3],\"b\":\"2026-06-01T10:00:00Z\"}".to_vec()];
        for iteration in 0..200 {
            assert_eq!(
                input_for(&seeds, 7, iteration),
                input_for(&seeds, 7, iteration)
            );
            assert!(input_for(&seeds, 7, iteration).len() <= MAX_INPUT_BYTES);
        }
        let distinct: std::collections::BTreeSet<Vec<u8>> =
            (0..200).map(|i| input_for(&seeds, 7, i)).collect();
        assert!(distinct.len() > 150, "{}", distinct.len());
    }

    #[test]
    fn a_panicking_target_is_reported_with_its_input() {
        let seeds = vec![b"abc".to_vec()];
        let report = fuzz(
            |input| assert_eq!(input.len(), 3, "mutated"),
            &seeds,
            3,
            0,
            Duration::from_millis(500),
            &mut |_| {},
        );
        assert!(report.executions > 0);
        let crash = report.crashes.first().expect("some input is mutated");
        assert!(crash.message.contains("mutated"), "{}", crash.message);
        assert_eq!(crash.input, input_for(&seeds, 3, crash.iteration));
    }

    #[test]
    fn fuzz_splitter() {
        smoke("splitter");
    }

    #[test]
    fn fuzz_entra() {
        smoke("entra");
    }

    #[test]
    fn fuzz_okta() {
        smoke("okta");
    }

    #[test]
    fn fuzz_csv() {
        smoke("csv");
    }

    #[test]
    fn fuzz_time() {
        smoke("time");
    }
}
