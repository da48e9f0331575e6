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
        // Kept for the whole run: other tests read it concurrently.
        let root = tempfile::Builder::new()
            .prefix("tokenhunt-e2e-tenant-")
            .tempdir()
            .unwrap()
            .keep();
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
