//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The binary under test.
pub fn tokenhunt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tokenhunt"))
}

/// A file or folder under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(relative)
}

/// Runs the binary; panics with its stderr when it fails.
pub fn run_ok(args: &[&str]) -> Output {
    let output = tokenhunt().args(args).output().expect("binary runs");
    assert!(
        output.status.success(),
        "tokenhunt {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs SQL against a lake and returns the rows as JSON objects.
pub fn sql(lake: &Path, query: &str) -> Vec<Value> {
    let output = run_ok(&[
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "sql",
        "-c",
        query,
    ]);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The one-line JSON summary `ingest --format jsonl` prints.
pub fn ingest_summary(lake: &Path, inputs: &[&str]) -> Value {
    let mut args = vec![
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "ingest",
    ];
    args.extend_from_slice(inputs);
    let output = run_ok(&args);
    let text = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("summary {text:?}: {e}"))
}

/// The per-run manifests the lake keeps, newest last.
pub fn manifests(lake: &Path) -> Vec<Value> {
    let folder = lake.join("_tokenhunt/ingest");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// Asserts read = written + duplicates + quarantined for a summary object.
pub fn assert_balanced(summary: &Value) {
    let n = |key: &str| {
        summary[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} missing in {summary}"))
    };
    assert_eq!(
        n("read"),
        n("written") + n("duplicates") + n("quarantined"),
        "accounting broken: {summary}"
    );
}

/// Counts rows of a table.
pub fn count(lake: &Path, table: &str) -> u64 {
    sql(lake, &format!("SELECT count(*) AS n FROM {table}"))[0]["n"]
        .as_u64()
        .unwrap()
}

/// A small generated tenant (seed 12) and its lake, built once per test run and shared
/// by the tests that need realistic volume and known truth.
pub struct Tenant {
    pub tenant: PathBuf,
    pub lake: PathBuf,
}

pub fn small_tenant() -> &'static Tenant {
    static TENANT: std::sync::OnceLock<Tenant> = std::sync::OnceLock::new();
    TENANT.get_or_init(|| {
        // Kept for the whole run (other tests read it concurrently), so no guard can
        // remove it: it lives under cargo's target/tmp named for this process, and the
        // next run removes the tenants of runs that have ended.
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_tenants_of_ended_runs(parent);
        let root = parent.join(format!("e2e-tenant-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let tenant = root.join("tenant");
        let lake = root.join("lake");
        run_ok(&[
            "gen",
            "--profile",
            "small",
            "--seed",
            "12",
            "--out",
            tenant.to_str().unwrap(),
        ]);
        run_ok(&[
            "--lake",
            lake.to_str().unwrap(),
            "ingest",
            "-q",
            tenant.to_str().unwrap(),
        ]);
        Tenant { tenant, lake }
    })
}

/// Removes `e2e-tenant-<pid>` folders whose process no longer runs (493 MB each).
fn remove_tenants_of_ended_runs(parent: &Path) {
    // Without /proc (not Linux) a live run cannot be told from an ended one.
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix("e2e-tenant-"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Findings as JSON objects from `tokenhunt hunt` with the given arguments.
pub fn hunt_jsonl(lake: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec![
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "hunt",
    ];
    all.extend_from_slice(args);
    let output = run_ok(&all);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every Parquet file under the lake's tables, and the other files there (a write
/// killed before its rename leaves its temporary file, `part-….parquet#<pid><n>`,
/// which queries do not read: only `.parquet` names are tables' files).
pub fn lake_files(lake: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut parquet, mut other) = (Vec::new(), Vec::new());
    let mut folders: Vec<PathBuf> = ["signins", "audit"].iter().map(|t| lake.join(t)).collect();
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                parquet.push(path);
            } else {
                other.push(path);
            }
        }
    }
    (parquet, other)
}

/// Rows and distinct event ids over the lake's tables that hold Parquet files yet (a run
/// killed early may have written none). `max(length(raw))` makes each query decode
/// every file: a half-written one would fail it.
pub fn rows_and_distinct_ids(lake: &Path) -> (u64, u64) {
    let (parquet, _) = lake_files(lake);
    let (mut rows, mut distinct) = (0, 0);
    for table in ["signins", "audit"] {
        if !parquet
            .iter()
            .any(|file| file.starts_with(lake.join(table)))
        {
            continue;
        }
        let result = sql(
            lake,
            &format!(
                "SELECT count(*) AS n, count(DISTINCT event_id) AS d, max(length(raw)) AS longest FROM {table}"
            ),
        );
        rows += result[0]["n"].as_u64().unwrap();
        distinct += result[0]["d"].as_u64().unwrap();
    }
    (rows, distinct)
}

/// `hunt --all --group incidents --exit-code` with `extra`, as JSON Lines: the output,
/// whatever the status.
pub fn hunt_incidents(lake: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "hunt",
        "--all",
        "--group",
        "incidents",
        "--exit-code",
    ];
    args.extend_from_slice(extra);
    tokenhunt().args(&args).output().unwrap()
}

/// The run after the kills: it succeeds and leaves every one of `events` exactly once.
pub fn assert_rerun_lands_every_event_once(
    rerun: std::process::Child,
    lake: &Path,
    events: u64,
    seed: u64,
) {
    let rerun = rerun.wait_with_output().unwrap();
    assert!(
        rerun.status.success(),
        "seed {seed}: {}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(rows_and_distinct_ids(lake), (events, events), "seed {seed}");
}

/// Tries `attempt` with the kills spread over the whole timed run, then over the first
/// half, quarter, … (down to 6 %), until an attempt killed something and returns its
/// result. A machine busier during the timing run than now finishes every run before
/// its kill, and a test that killed nothing proved nothing.
pub fn with_earlier_kills<T>(full_ms: u64, mut attempt: impl FnMut(u64) -> Option<T>) -> Option<T> {
    [100, 50, 25, 12, 6]
        .into_iter()
        .find_map(|percent| attempt(full_ms * percent / 100))
}

/// The next kill point of a fault-injection test: a SplitMix64 step of `state`, mapped to
/// between 5 % and 95 % of a whole run (`full_ms`), so kills fall at repeatable, spread
/// points for each seed.
pub fn kill_point_ms(state: &mut u64, full_ms: u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    full_ms * (5 + (z ^ (z >> 31)) % 91) / 100
}

/// Copies a folder and everything under it.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
