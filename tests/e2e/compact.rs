//! Compaction (issue 13, item 5): a lake written by many small ingests is rewritten
//! into one file per partition with the same rows and the same query results; dedup
//! still holds afterwards; an ingest running beside it lands every event once; a
//! compaction killed at any point leaves every event once, and the next run finishes.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::*;

/// Okta events with the given numbers, over three days and 60 users; every seventh a lifecycle
/// event (the `audit` table), the rest sign-ins.
fn okta_slice(dir: &Path, name: &str, ids: impl Iterator<Item = usize>) -> PathBuf {
    let lines: Vec<String> = ids
        .map(|i| {
            let event_type = if i % 7 == 0 {
                "user.lifecycle.activate"
            } else {
                "user.session.start"
            };
            json!({
                "uuid": format!("5eed0000-0000-4000-8000-{i:012}"),
                "published": format!(
                    "2026-06-{:02}T{:02}:{:02}:{:02}.000Z",
                    1 + i % 3, i / 3600 % 24, i / 60 % 60, i % 60
                ),
                "eventType": event_type,
                "actor": {"alternateId": format!("u{}@example.com", i % 60), "type": "User"},
                "target": [{"type": "User", "alternateId": format!("t{}@example.com", i % 7)}],
                "client": {"ipAddress": format!("198.51.100.{}", i % 200), "userAgent": {"rawUserAgent": "Mozilla/5.0"}},
                "outcome": {"result": "SUCCESS"},
            })
            .to_string()
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Writes `events` events as `slices` inputs, each spread over all three days.
fn sliced_inputs(dir: &Path, events: usize, slices: usize) -> Vec<PathBuf> {
    (0..slices)
        .map(|k| {
            okta_slice(
                dir,
                &format!("slice-{k}.jsonl"),
                (0..events).filter(move |i| i % slices == k),
            )
        })
        .collect()
}

/// One ingest per input: each partition gets a file per input.
fn ingest_each(lake: &Path, inputs: &[PathBuf]) {
    for input in inputs {
        let summary = ingest_summary(lake, &[input.to_str().unwrap()]);
        assert_balanced(&summary);
    }
}

fn compact(lake: &Path, args: &[&str]) -> Value {
    let mut all = vec![
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "compact",
    ];
    all.extend_from_slice(args);
    let output = run_ok(&all);
    serde_json::from_str(String::from_utf8(output.stdout).unwrap().trim()).unwrap()
}

/// A query whose answer depends on every row: per user, counts, times and addresses.
const PER_USER: &str = "SELECT user, count(*) AS n, min(time) AS first, max(time) AS last, \
     count(DISTINCT ip) AS ips, count(DISTINCT date) AS days FROM signins GROUP BY user ORDER BY user";

fn markers(lake: &Path) -> Vec<PathBuf> {
    let (_, other) = lake_files(lake);
    other
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("_compacted-")
        })
        .collect()
}

#[test]
fn compaction_rewrites_many_small_files_into_one_per_partition_and_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let events = 6_000;
    let inputs = sliced_inputs(dir.path(), events, 8);
    let lake = dir.path().join("lake");
    ingest_each(&lake, &inputs);
    let sorted_files = |lake: &Path| {
        let mut files = lake_files(lake).0;
        files.sort();
        files
    };
    let before_files = sorted_files(&lake);
    // 3 days × 2 tables, a file from each of the 8 ingests.
    assert_eq!(before_files.len(), 48);
    let rows_before = rows_and_distinct_ids(&lake);
    assert_eq!(rows_before, (events as u64, events as u64));
    let answer_before = sql(&lake, PER_USER);

    // A dry run lists the plan and changes nothing.
    let plan = tokenhunt()
        .args(["--lake", lake.to_str().unwrap(), "compact", "--dry-run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&plan.stderr);
    assert!(plan.status.success(), "{stderr}");
    assert!(
        stderr.contains("would rewrite signins/source=okta/date=2026-06-01: 8 files → 1")
            && stderr.contains("would compact 6 of 6 partition(s): 48 files → 6"),
        "{stderr}"
    );
    assert_eq!(sorted_files(&lake), before_files);

    let summary = compact(&lake, &["--grace", "0s"]);
    assert_eq!(
        summary["partitions"].as_array().unwrap().len(),
        6,
        "{summary}"
    );
    assert_eq!(
        (
            &summary["files_before"],
            &summary["files_after"],
            &summary["rows"]
        ),
        (&json!(48), &json!(6), &json!(events)),
        "{summary}"
    );
    let (after_files, _) = lake_files(&lake);
    assert_eq!(after_files.len(), 6, "{after_files:?}");
    assert!(after_files.iter().all(|f| {
        f.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("compacted-")
    }));
    assert_eq!(markers(&lake).len(), 6);
    assert_eq!(rows_and_distinct_ids(&lake), rows_before);
    assert_eq!(sql(&lake, PER_USER), answer_before);

    // Dedup keys come from the compacted files: the same inputs again add nothing.
    for input in &inputs {
        let again = ingest_summary(&lake, &[input.to_str().unwrap()]);
        assert_eq!(again["written"], json!(0), "{again}");
    }
    assert_eq!(rows_and_distinct_ids(&lake), rows_before);

    // New events after it, then a second compaction: one file per partition again,
    // the first compaction's output and marker gone.
    let more = okta_slice(dir.path(), "more.jsonl", events..events + 600);
    let added = ingest_summary(&lake, &[more.to_str().unwrap()]);
    assert_eq!(added["written"], json!(600), "{added}");
    assert_eq!(lake_files(&lake).0.len(), 12);
    let second = compact(&lake, &["--grace", "0s"]);
    assert_eq!(
        (&second["files_before"], &second["files_after"]),
        (&json!(12), &json!(6)),
        "{second}"
    );
    assert_eq!(lake_files(&lake).0.len(), 6);
    assert_eq!(markers(&lake).len(), 6);
    let total = (events + 600) as u64;
    assert_eq!(rows_and_distinct_ids(&lake), (total, total));

    // Nothing left to do: a third run rewrites nothing; --since limits the dates.
    let third = compact(&lake, &["--grace", "0s"]);
    assert_eq!(third["partitions"], json!([]), "{third}");
    let recent = compact(&lake, &["--since", "2026-06-03T00:00:00Z", "--dry-run"]);
    assert_eq!(recent["partitions_seen"], json!(2), "{recent}");
}

#[test]
fn an_ingest_running_beside_a_compaction_lands_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = 6_000;
    let inputs = sliced_inputs(dir.path(), events, 6);
    let lake = dir.path().join("lake");
    ingest_each(&lake, &inputs);
    let more = okta_slice(dir.path(), "more.jsonl", events - 300..events + 900);
    // The compaction keeps the lease through its grace period: the ingest started
    // during it waits, then finds the compacted rows as duplicates.
    let compaction = tokenhunt()
        .args(["--lake", lake.to_str().unwrap(), "compact", "--grace", "5s"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once every partition is committed and before the grace period ends, the
    // replaced files are still on disk beside the outputs: readers see one or the other.
    let started = std::time::Instant::now();
    while markers(&lake).len() < 6 {
        assert!(
            started.elapsed().as_secs() < 60,
            "no commit within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let on_disk = lake_files(&lake).0.len();
    assert!(
        on_disk > 6,
        "{on_disk} files: the replaced ones already gone"
    );
    assert_eq!(rows_and_distinct_ids(&lake), (events as u64, events as u64));
    let ingest = tokenhunt()
        .args([
            "--lake",
            lake.to_str().unwrap(),
            "--format",
            "jsonl",
            "ingest",
            more.to_str().unwrap(),
            inputs[0].to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Readers meanwhile see every event once.
    let (rows, ids) = rows_and_distinct_ids(&lake);
    assert_eq!(rows, ids);
    let compacted = compaction.wait_with_output().unwrap();
    assert!(
        compacted.status.success(),
        "{}",
        String::from_utf8_lossy(&compacted.stderr)
    );
    let ingested = ingest.wait_with_output().unwrap();
    assert!(
        ingested.status.success(),
        "{}",
        String::from_utf8_lossy(&ingested.stderr)
    );
    let summary: Value =
        serde_json::from_str(String::from_utf8(ingested.stdout).unwrap().trim()).unwrap();
    assert_balanced(&summary);
    assert_eq!(summary["written"], json!(900), "{summary}");
    let total = (events + 900) as u64;
    assert_eq!(rows_and_distinct_ids(&lake), (total, total));
}

#[test]
fn a_compaction_killed_at_random_points_leaves_every_event_once_and_the_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let events = 24_000u64;
    let inputs = sliced_inputs(dir.path(), events as usize, 8);
    let base = dir.path().join("base");
    ingest_each(&base, &inputs);
    let files_before = lake_files(&base).0.len();
    let run = |lake: &Path| {
        tokenhunt()
            .args(["--lake", lake.to_str().unwrap(), "compact", "--grace", "0s"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let timing = dir.path().join("timing");
    copy_folder(&base, &timing);
    let started = std::time::Instant::now();
    let whole = run(&timing).wait_with_output().unwrap();
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let full_ms = started.elapsed().as_millis().max(50) as u64;
    let compacted_files = lake_files(&timing).0.len();
    assert!(compacted_files < files_before, "{compacted_files} files");

    for seed in 1..=4u64 {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let lake = with_earlier_kills(full_ms, |span_ms| {
            let lake = dir.path().join(format!("lake-{seed}-{span_ms}"));
            copy_folder(&base, &lake);
            let mut kills = 0;
            for attempt in 0..2 {
                let at = kill_point_ms(&mut state, span_ms);
                let mut child = run(&lake);
                std::thread::sleep(std::time::Duration::from_millis(at));
                if child.try_wait().unwrap().is_none() {
                    child.kill().unwrap(); // SIGKILL
                    kills += 1;
                }
                child.wait().unwrap();
                let (_, other) = lake_files(&lake);
                assert!(
                    other
                        .iter()
                        .all(|p| !p.to_string_lossy().ends_with(".parquet")),
                    "{other:?}"
                );
                assert_eq!(
                    rows_and_distinct_ids(&lake),
                    (events, events),
                    "seed {seed} kill {attempt} at {at} ms"
                );
            }
            (kills > 0).then_some(lake)
        })
        .unwrap_or_else(|| panic!("seed {seed}: every run finished before its kill"));
        assert_rerun_lands_every_event_once(run(&lake), &lake, events, seed);
        // Whatever the kills left (uncommitted outputs, replaced files) is gone.
        assert_eq!(lake_files(&lake).0.len(), compacted_files, "seed {seed}");
    }
}
