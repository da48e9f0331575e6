//! `tokenhunt pull` against fake Okta, Microsoft Graph, Entra token and Log Analytics
//! APIs on 127.0.0.1: pagination, rate limits, retries, malformed pages, interrupted
//! and killed runs resuming from the checkpoint, bad credentials — every event lands
//! exactly once, and no credential ever shows in output or in the lake.

pub mod apis;
mod gaps;
pub mod server;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use self::apis::*;
use self::server::{Reply, Request, Server};
use crate::support::*;

const OKTA_TOKEN: &str = "00Qx-okta-test-token-7f3a9c1e5b";
const GRAPH_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.graph-test-token.c2lnbmF0dXJl";
const LA_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.loganalytics-test-token.c2ln";
const CLIENT_SECRET: &str = "Qm8Q~client-secret-value-91ab";
const ISSUED_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.issued-by-login.c2lnbmF0dXJl";

/// Credentials the environment of a test process might hold: every run starts
/// without them and gets only what the test gives it.
const CREDENTIAL_VARIABLES: &[&str] = &[
    "OKTA_API_TOKEN",
    "OKTA_ORG_URL",
    "GRAPH_TOKEN",
    "LOG_ANALYTICS_TOKEN",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "TOKENHUNT_OKTA_URL",
    "TOKENHUNT_GRAPH_URL",
    "TOKENHUNT_LOGIN_URL",
    "TOKENHUNT_LA_URL",
    "TOKENHUNT_LAKE",
];

fn pull_command(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = tokenhunt();
    for name in CREDENTIAL_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.args([
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        "jsonl",
        "pull",
    ]);
    command.args(args);
    command
}

fn pull(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    pull_command(lake, args, env).output().expect("binary runs")
}

/// Runs a pull that must succeed; returns its JSON summary and the output.
fn pull_ok(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> (Value, Output) {
    let output = pull(lake, args, env);
    assert!(
        output.status.success(),
        "pull {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let summary: Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("summary {text:?}: {e}"));
    assert_balanced(&summary);
    assert_eq!(
        summary["events"], summary["read"],
        "every fetched event is read by the ingest: {summary}"
    );
    (summary, output)
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Stderr less the `note: ` lines (a range before the API's retention is noted:
/// these tests' fixed dates fall before it once they are months old).
fn without_notes(output: &Output) -> String {
    stderr_of(output)
        .lines()
        .filter(|line| !line.starts_with("note: "))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// No secret in the process's output, nor in any file under the lake.
fn assert_no_secrets(output: &Output, lake: &Path, secrets: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = stderr_of(output);
    for secret in secrets {
        assert!(!stdout.contains(secret), "secret on stdout: {stdout}");
        assert!(!stderr.contains(secret), "secret on stderr: {stderr}");
    }
    for file in files_under(lake) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in secrets {
            let found = bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes());
            assert!(!found, "secret in {}", file.display());
        }
    }
}

fn files_under(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn parquet_files(lake: &Path) -> Vec<std::path::PathBuf> {
    files_under(lake)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect()
}

fn checkpoint(lake: &Path, name: &str) -> Option<Value> {
    let path = lake.join("_tokenhunt/pull").join(format!("{name}.json"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

/// Rows and distinct event ids in both tables.
fn lake_counts(lake: &Path) -> (u64, u64) {
    let mut rows = 0;
    let mut distinct = 0;
    for table in ["signins", "audit"] {
        let result = sql(
            lake,
            &format!("SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM {table}"),
        );
        rows += result[0]["n"].as_u64().unwrap();
        distinct += result[0]["d"].as_u64().unwrap();
    }
    (rows, distinct)
}

fn field(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {summary}"))
}

fn okta_server(events: &Events, faults: &Faults, always_next: bool) -> Server {
    let api = OktaApi {
        events: events.clone(),
        faults: faults.clone(),
        token: OKTA_TOKEN.into(),
        always_next,
    };
    Server::start(move |request| api.handle(request))
}

/// `count` Okta events spread over `[start, start + span)`.
fn okta_events(events: &Events, first: usize, count: usize, start: i64, span: i64) {
    for i in 0..count {
        let time = start + span * i as i64 / count as i64 + 1_234_567;
        events.push(okta_event(first + i, time));
    }
}

fn okta_args<'a>(server: &'a Server, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "okta",
        "--org",
        "https://acme.okta.com",
        "--okta-url",
        &server.base,
        "--backoff",
        "50ms",
    ];
    args.extend_from_slice(extra);
    args
}

const OKTA_ENV: &[(&str, &str)] = &[("OKTA_API_TOKEN", OKTA_TOKEN)];

#[test]
fn okta_pages_retries_and_rate_limits_land_every_event_once() {
    let events = Events::default();
    okta_events(&events, 0, 30, DAY0, 23 * HOUR);
    // The last one falls inside the next run's overlap.
    events.push(okta_event(30, DAY0 + DAY - 4 * MINUTE));
    let faults = Faults::default();
    let at = |after: usize| move |r: &Request| okta_after(r) == after;
    faults.add(Fault::new(at(4), 1, Effect::Spend { seconds: 2 }));
    faults.add(Fault::new(
        at(8),
        1,
        Effect::Replace(
            Reply::json(429, r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#)
                .header("X-Rate-Limit-Remaining", "0")
                .header("X-Rate-Limit-Reset", (epoch_now() + 1).to_string()),
        ),
    ));
    faults.add(Fault::new(
        at(12),
        1,
        Effect::Replace(Reply::json(
            500,
            r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error"}"#,
        )),
    ));
    faults.add(Fault::new(at(16), 1, Effect::Replace(Reply::dropped())));
    faults.add(Fault::new(
        at(20),
        1,
        Effect::Replace(Reply::json(503, "<html>busy</html>")),
    ));
    faults.add(Fault::new(at(24), 1, Effect::Delay(Duration::from_secs(6))));
    let server = okta_server(&events, &faults, false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();

    let args = okta_args(
        &server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-02T00:00:00Z",
            "--page-size",
            "4",
            "--timeout",
            "2s",
            "-v",
        ],
    );
    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    // -v: one line per retry and wait, none of them with the token.
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("Okta: rate limit spent; waiting")
            && stderr.contains("Okta: HTTP 429 (rate limited) from http://127.0.0.1:")
            && stderr.contains("Okta: HTTP 500 from")
            && stderr.contains("connection closed before message completed")
            && stderr.contains("Okta: timed out after 2 s from"),
        "{stderr}"
    );
    assert_eq!(field(&summary, "events"), 31, "{summary}");
    assert_eq!(field(&summary, "written"), 31, "{summary}");
    assert_eq!(
        field(&summary, "pages"),
        8,
        "31 events in pages of 4: {summary}"
    );
    // A loaded machine may time out once more: at least these five.
    assert!(
        field(&summary, "retries") >= 5,
        "429, 500, dropped, 503, timed out: {summary}"
    );
    assert_eq!(summary["checkpoint"], "2026-06-02T00:00:00Z");
    assert_eq!(lake_counts(lake), (31, 31));
    assert_eq!(
        count(lake, "signins"),
        25,
        "four in five are sign-in events"
    );

    let requests = server.requests();
    for request in &requests {
        assert_eq!(request.param("sortOrder"), Some("ASCENDING"));
        assert_eq!(request.param("limit"), Some("4"));
    }
    // Page 2 said the rate limit was spent until a reset 2 s ahead: the next request
    // waited for it.
    let spent = requests.iter().position(|r| okta_after(r) == 4).unwrap();
    let waited = requests[spent + 1]
        .at
        .duration_since(requests[spent].at)
        .unwrap();
    assert!(
        waited >= Duration::from_millis(900),
        "the client did not wait for the rate-limit reset ({waited:?})"
    );
    // The 429 (with a reset at most a second ahead) is retried.
    let limited = requests.iter().position(|r| okta_after(r) == 8).unwrap();
    assert_eq!(
        okta_after(&requests[limited + 1]),
        8,
        "the 429 page is asked again"
    );

    let stored = checkpoint(lake, "okta-acme.okta.com").unwrap();
    assert_eq!(stored["until"], "2026-06-02T00:00:00Z");
    assert_eq!(stored["scope"], "https://acme.okta.com");
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);

    // The next run starts at the checkpoint less Okta's default overlap (15
    // minutes): the event in the
    // overlap comes again as a duplicate; new and late events land.
    events.push(okta_event(31, DAY0 + DAY + 10 * MINUTE));
    events.push(okta_event(32, DAY0 + DAY + 20 * MINUTE));
    events.push(okta_event(33, DAY0 + DAY - 2 * MINUTE));
    server.clear();
    let args = okta_args(
        &server,
        &["--until", "2026-06-02T01:00:00Z", "--page-size", "4"],
    );
    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(summary["started_from"], "checkpoint");
    assert_eq!(summary["since"], "2026-06-01T23:45:00Z");
    assert_eq!(
        server.requests()[0].param("since"),
        Some("2026-06-01T23:45:00.000Z")
    );
    assert_eq!(field(&summary, "read"), 4, "{summary}");
    assert_eq!(field(&summary, "written"), 3, "{summary}");
    assert_eq!(field(&summary, "duplicates"), 1, "{summary}");
    assert_eq!(lake_counts(lake), (34, 34));
    assert_eq!(
        checkpoint(lake, "okta-acme.okta.com").unwrap()["until"],
        "2026-06-02T01:00:00Z"
    );
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);

    // Pulling the same range again adds nothing.
    let args = okta_args(
        &server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-02T01:00:00Z",
        ],
    );
    let (summary, _) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(field(&summary, "written"), 0, "{summary}");
    assert_eq!(field(&summary, "duplicates"), 34, "{summary}");
    assert_eq!(lake_counts(lake), (34, 34));
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn okta_malformed_page_fails_cleanly_and_a_rerun_succeeds() {
    let events = Events::default();
    okta_events(&events, 0, 12, DAY0, 12 * HOUR);
    let faults = Faults::default();
    faults.add(Fault::new(
        |r: &Request| okta_after(r) == 4,
        usize::MAX,
        Effect::Truncate,
    ));
    let server = okta_server(&events, &faults, false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = okta_args(
        &server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-02T00:00:00Z",
            "--page-size",
            "4",
        ],
    );

    let output = pull(lake, &args, OKTA_ENV);
    assert!(!output.status.success());
    let stderr = without_notes(&output);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: Okta: malformed page from http://127.0.0.1:")
            && stderr.contains("after=4")
            && stderr.contains("page 2 of the window"),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["windows_done"], 0);
    assert!(
        summary["error"]
            .as_str()
            .unwrap()
            .contains("malformed page")
    );
    // Nothing of the window was written: no rows, no quarantine, no checkpoint.
    assert!(parquet_files(lake).is_empty(), "{:?}", files_under(lake));
    assert!(!lake.join("_tokenhunt/quarantine").exists());
    assert!(checkpoint(lake, "okta-acme.okta.com").is_none());
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);

    faults.clear();
    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(field(&summary, "written"), 12, "{summary}");
    assert_eq!(field(&summary, "duplicates"), 0, "{summary}");
    assert_eq!(lake_counts(lake), (12, 12));
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);
}

/// Ten events on each of three days.
fn three_days_of_okta() -> Events {
    let events = Events::default();
    for day in 0..3 {
        okta_events(&events, day * 10, 10, DAY0 + day as i64 * DAY, 20 * HOUR);
    }
    // One late on day 2, inside the overlap of a run resuming at day 3.
    events.push(okta_event(30, DAY0 + 2 * DAY - 3 * MINUTE));
    events
}

/// `okta_args` for the three days of `three_days_of_okta`, `page_size` events a page.
fn three_days_args<'a>(server: &'a Server, page_size: &'a str) -> Vec<&'a str> {
    okta_args(
        server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-04T00:00:00Z",
            "--page-size",
            page_size,
        ],
    )
}

fn starts_day(day: i64) -> impl Fn(&Request) -> bool {
    move |r: &Request| r.param("since").map(parse_time) == Some(DAY0 + day * DAY)
}

/// Two scheduled pulls of one source into one lake at the same moment (the first still
/// paging when the next starts): the write lease serialises their commits, so every
/// event lands once and the checkpoint ends at the last window, never behind it.
#[test]
fn two_okta_pulls_into_one_lake_at_once_land_each_event_once() {
    let events = three_days_of_okta();
    let server = okta_server(&events, &Faults::default(), false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = three_days_args(&server, "2");
    let spawn = || {
        pull_command(lake, &args, OKTA_ENV)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn(), spawn()];
    let mut written = 0;
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: Value =
            serde_json::from_str(String::from_utf8(output.stdout).unwrap().trim()).unwrap();
        assert_balanced(&summary);
        written += field(&summary, "written");
    }
    assert_eq!(written, 31, "each event written by one of the two runs");
    assert_eq!(lake_counts(lake), (31, 31));
    assert_eq!(
        checkpoint(lake, "okta-acme.okta.com").unwrap()["until"],
        "2026-06-04T00:00:00Z"
    );
}

#[test]
fn okta_pull_failing_mid_way_resumes_from_the_checkpoint() {
    let events = three_days_of_okta();
    let faults = Faults::default();
    // The third window's requests fail for good.
    faults.add(Fault::new(
        starts_day(2),
        usize::MAX,
        Effect::Replace(Reply::json(
            500,
            r#"{"errorSummary":"Internal Server Error"}"#,
        )),
    ));
    let server = okta_server(&events, &faults, true);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let range = [
        "--since",
        "2026-06-01T00:00:00Z",
        "--until",
        "2026-06-04T00:00:00Z",
    ];
    let mut args = okta_args(&server, &range);
    args.extend(["--page-size", "3", "--max-attempts", "3"]);

    let output = pull(lake, &args, OKTA_ENV);
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("stopped after 2 of 3 window(s)")
            && stderr.contains("checkpoint 2026-06-03T00:00:00Z")
            && stderr
                .lines()
                .last()
                .unwrap()
                .starts_with("error: Okta: gave up on http://127.0.0.1:")
            && stderr.contains("after 3 attempts; last: HTTP 500"),
        "{stderr}"
    );
    assert_eq!(
        checkpoint(lake, "okta-acme.okta.com").unwrap()["until"],
        "2026-06-03T00:00:00Z"
    );
    assert_eq!(lake_counts(lake), (21, 21));
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);

    faults.clear();
    server.clear();
    let args = okta_args(
        &server,
        &["--until", "2026-06-04T00:00:00Z", "--page-size", "3"],
    );
    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(summary["since"], "2026-06-02T23:45:00Z");
    assert_eq!(field(&summary, "written"), 10, "{summary}");
    assert_eq!(
        field(&summary, "duplicates"),
        1,
        "the late day-2 event: {summary}"
    );
    assert_eq!(lake_counts(lake), (31, 31));
    // Polling-style next links on every page: each window ended at its empty page.
    let last = server.requests().pop().unwrap();
    assert_eq!(okta_after(&last), 10, "{}", last.target);
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);
}

#[test]
fn okta_killed_pull_resumes_without_loss_or_duplicates() {
    let events = three_days_of_okta();
    let faults = Faults::default();
    let (hung, hang) = mpsc::channel();
    faults.add(Fault::new(starts_day(2), 1, Effect::Hang(hung)));
    let server = okta_server(&events, &faults, false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = three_days_args(&server, "4");

    let mut child = pull_command(lake, &args, OKTA_ENV)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    hang.recv_timeout(Duration::from_secs(120))
        .expect("the pull reached the third window");
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        checkpoint(lake, "okta-acme.okta.com").unwrap()["until"],
        "2026-06-03T00:00:00Z"
    );
    assert_eq!(lake_counts(lake), (21, 21));

    let args = okta_args(
        &server,
        &["--until", "2026-06-04T00:00:00Z", "--page-size", "4"],
    );
    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(summary["started_from"], "checkpoint");
    assert_eq!(field(&summary, "written"), 10, "{summary}");
    assert_eq!(lake_counts(lake), (31, 31));
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);
}

#[test]
fn okta_pull_killed_at_random_points_resumes_and_lands_every_event_once() {
    let events = three_days_of_okta();
    let server = okta_server(&events, &Faults::default(), false);
    // No --since: the first run looks back 7 days, later ones start at the checkpoint.
    let args = okta_args(
        &server,
        &["--until", "2026-06-04T00:00:00Z", "--page-size", "1"],
    );
    let timing = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    pull_ok(timing.path(), &args, OKTA_ENV);
    let full_ms = started.elapsed().as_millis().max(50) as u64;
    // Three runs into one lake, each killed at a random point within `span_ms` unless it
    // ended first; after each, no event twice and the checkpoint never moved back.
    let kill_runs = |lake: &std::path::Path, state: &mut u64, span_ms: u64, seed: u64| {
        let (mut kills, mut last_until) = (0, String::new());
        for attempt in 0..3 {
            let at = kill_point_ms(state, span_ms);
            let mut child = pull_command(lake, &args, OKTA_ENV)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(at));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                kills += 1;
            }
            child.wait().unwrap();
            let (rows, ids) = rows_and_distinct_ids(lake);
            assert_eq!(
                rows, ids,
                "seed {seed} kill {attempt} at {at} ms: an event twice"
            );
            assert!(rows <= 31, "seed {seed}: {rows}");
            if let Some(saved) = checkpoint(lake, "okta-acme.okta.com") {
                let until = saved["until"].as_str().unwrap().to_string();
                assert!(until >= last_until, "seed {seed}: checkpoint moved back");
                last_until = until;
            }
        }
        eprintln!(
            "seed {seed}: {kills} kills over {span_ms} ms, then {} events and checkpoint {last_until:?}",
            rows_and_distinct_ids(lake).0
        );
        kills
    };
    for seed in 1..=4u64 {
        let mut state = seed.wrapping_mul(0xD1B5_4A32_D192_ED03);
        // Each try on a fresh lake.
        let dir = with_earlier_kills(full_ms, |span_ms| {
            let dir = tempfile::tempdir().unwrap();
            (kill_runs(dir.path(), &mut state, span_ms, seed) > 0).then_some(dir)
        })
        .unwrap_or_else(|| panic!("seed {seed}: every run finished before its kill"));
        let lake = dir.path();
        pull_ok(lake, &args, OKTA_ENV);
        assert_eq!(lake_counts(lake), (31, 31), "seed {seed}");
    }
}

#[test]
fn okta_bad_or_missing_token_is_one_clear_line() {
    let events = Events::default();
    okta_events(&events, 0, 3, DAY0, HOUR);
    let server = okta_server(&events, &Faults::default(), false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let wrong = "00Qx-wrong-token-0c0ffee0c0ffee";
    let args = okta_args(
        &server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-01T12:00:00Z",
        ],
    );

    let output = pull(lake, &args, &[("OKTA_API_TOKEN", wrong)]);
    assert!(!output.status.success());
    let stderr = without_notes(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: Okta refused the credential from OKTA_API_TOKEN (HTTP 401 at http://127.0.0.1:"
        ) && stderr.contains("Invalid token provided"),
        "{stderr}"
    );
    // The fake API echoes the token it was given: the client scrubbed it.
    assert!(stderr.contains("[REDACTED]"), "{stderr}");
    assert_no_secrets(&output, lake, &[wrong, OKTA_TOKEN]);
    assert!(parquet_files(lake).is_empty());
    assert!(checkpoint(lake, "okta-acme.okta.com").is_none());
    // 401 is not retried.
    assert_eq!(server.requests().len(), 1);

    let output = pull(lake, &args, &[]);
    assert!(!output.status.success());
    let stderr = without_notes(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("set OKTA_API_TOKEN"), "{stderr}");
}

#[test]
fn okta_next_link_to_another_origin_is_not_followed() {
    let server = Server::start(|request: &Request| {
        if request.header("authorization") != Some(&format!("SSWS {OKTA_TOKEN}")) {
            return Reply::json(401, r#"{"errorSummary":"Invalid token provided"}"#);
        }
        let page = serde_json::to_vec(&[okta_event(0, DAY0 + HOUR).record]).unwrap();
        Reply::json(200, page).header(
            "Link",
            "<https://collector.example.net/api/v1/logs?after=1>; rel=\"next\"",
        )
    });
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = okta_args(
        &server,
        &[
            "--since",
            "2026-06-01T00:00:00Z",
            "--until",
            "2026-06-02T00:00:00Z",
        ],
    );
    let output = pull(lake, &args, OKTA_ENV);
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains(
            "refusing to follow a next-page link to another origin (https://collector.example.net/"
        ),
        "{stderr}"
    );
    assert!(parquet_files(lake).is_empty());
    assert_no_secrets(&output, lake, &[OKTA_TOKEN]);
}

// ---------------------------------------------------------------- Entra

const TENANT: &str = "contoso.onmicrosoft.com";

fn graph_events() -> Events {
    let events = Events::default();
    let mut n = 0;
    for (index, event_type) in SIGN_IN_TYPES.iter().enumerate() {
        for i in 0..5 {
            n += 1;
            let time = DAY0 + (i * 3 + index as i64) * HOUR + 17_000;
            events.push(graph_sign_in(n, time, event_type));
        }
    }
    for i in 0..4 {
        events.push(graph_audit(i, DAY0 + i as i64 * 5 * HOUR + 42_000));
    }
    events
}

fn assert_entra_lake(lake: &Path) {
    let rows = sql(
        lake,
        "SELECT log_type, count(*) AS n, count(DISTINCT token_id) AS tokens FROM signins GROUP BY log_type ORDER BY log_type",
    );
    let counts: Vec<(String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["log_type"].as_str().unwrap().to_string(),
                r["n"].as_u64().unwrap(),
                r["tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("interactive".into(), 5, 5),
            ("managed_identity".into(), 5, 5),
            ("non_interactive".into(), 5, 5),
            ("service_principal".into(), 5, 5),
        ]
    );
    assert_eq!(count(lake, "audit"), 4);
    assert_eq!(lake_counts(lake), (24, 24));
}

#[test]
fn entra_graph_pulls_every_sign_in_type_and_the_audits() {
    let events = graph_events();
    let faults = Faults::default();
    faults.add(Fault::new(
        |r: &Request| {
            r.param("$filter")
                .is_some_and(|f| f.contains("'nonInteractiveUser'"))
                && r.param("$skiptoken").is_none()
        },
        1,
        Effect::Replace(
            Reply::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"Too many requests"}}"#,
            )
            .header("Retry-After", "1"),
        ),
    ));
    faults.add(Fault::new(
        |r: &Request| r.path.ends_with("directoryAudits") && r.param("$skiptoken") == Some("2"),
        1,
        Effect::Replace(Reply::json(
            503,
            r#"{"error":{"code":"UnknownError","message":""}}"#,
        )),
    ));
    let api = GraphApi {
        events,
        faults,
        token: GRAPH_TOKEN.into(),
    };
    let server = Server::start(move |request| api.handle(request));
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = [
        "entra",
        "--tenant",
        TENANT,
        "--graph-url",
        &server.base,
        "--since",
        "2026-06-01T00:00:00Z",
        "--until",
        "2026-06-02T00:00:00Z",
        "--page-size",
        "2",
        "--backoff",
        "50ms",
    ];
    let (summary, output) = pull_ok(lake, &args, &[("GRAPH_TOKEN", GRAPH_TOKEN)]);
    assert_eq!(field(&summary, "written"), 24, "{summary}");
    assert_eq!(field(&summary, "retries"), 2, "{summary}");
    // Five streams; 5 sign-ins of each type and 4 audits in pages of 2.
    assert_eq!(field(&summary, "pages"), 4 * 3 + 2, "{summary}");
    assert_entra_lake(lake);

    let requests = server.requests();
    let limited = requests
        .iter()
        .position(|r| {
            r.param("$filter")
                .is_some_and(|f| f.contains("'nonInteractiveUser'"))
        })
        .unwrap();
    let waited = requests[limited + 1]
        .at
        .duration_since(requests[limited].at)
        .unwrap();
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 ({waited:?})"
    );
    for event_type in SIGN_IN_TYPES {
        assert!(requests.iter().any(|r| {
            r.path == "/beta/auditLogs/signIns"
                && r.param("$filter")
                    == Some(&*format!("createdDateTime ge 2026-06-01T00:00:00Z and createdDateTime lt 2026-06-02T00:00:00Z and signInEventTypes/any(t: t eq '{event_type}')"))
        }));
    }
    assert_eq!(
        checkpoint(lake, &format!("entra-{TENANT}")).unwrap()["until"],
        "2026-06-02T00:00:00Z"
    );
    assert_no_secrets(&output, lake, &[GRAPH_TOKEN]);

    let (summary, _) = pull_ok(lake, &args, &[("GRAPH_TOKEN", GRAPH_TOKEN)]);
    assert_eq!(field(&summary, "written"), 0, "{summary}");
    assert_eq!(field(&summary, "duplicates"), 24, "{summary}");
}

#[test]
fn entra_client_credential_is_exchanged_and_never_shown() {
    let graph = GraphApi {
        events: graph_events(),
        faults: Faults::default(),
        token: ISSUED_TOKEN.into(),
    };
    let login = LoginApi {
        tenant: TENANT.into(),
        client_id: "8a1f0c55-1111-4e0e-9c3b-5a5a5a5a5a5a".into(),
        client_secret: CLIENT_SECRET.into(),
        issues: ISSUED_TOKEN.into(),
    };
    let server = Server::start(move |request| {
        if request.path.contains("/oauth2/") {
            login.handle(request)
        } else {
            graph.handle(request)
        }
    });
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = [
        "entra",
        "--tenant",
        TENANT,
        "--graph-url",
        &server.base,
        "--login-url",
        &server.base,
        "--since",
        "2026-06-01T00:00:00Z",
        "--until",
        "2026-06-02T00:00:00Z",
        "-v",
    ];
    let env = [
        ("AZURE_CLIENT_ID", "8a1f0c55-1111-4e0e-9c3b-5a5a5a5a5a5a"),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
    ];
    let (summary, output) = pull_ok(lake, &args, &env);
    assert_eq!(field(&summary, "written"), 24, "{summary}");
    assert_entra_lake(lake);
    let requests = server.requests();
    let token_requests: Vec<&Request> = requests
        .iter()
        .filter(|r| r.path.contains("/oauth2/"))
        .collect();
    assert_eq!(
        token_requests.len(),
        1,
        "the token is reused until it expires"
    );
    let form = String::from_utf8_lossy(&token_requests[0].body).into_owned();
    assert!(
        form.contains("grant_type=client_credentials")
            && form.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{form}"
    );
    assert_no_secrets(&output, lake, &[CLIENT_SECRET, ISSUED_TOKEN]);

    // A wrong secret: one line naming where the credential came from, nothing shown.
    let wrong = "Qm8Q~wrong-secret-value-00ff";
    let env = [
        ("AZURE_CLIENT_ID", "8a1f0c55-1111-4e0e-9c3b-5a5a5a5a5a5a"),
        ("AZURE_CLIENT_SECRET", wrong),
    ];
    let output = pull(lake, &args, &env);
    assert!(!output.status.success());
    let stderr = without_notes(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: Microsoft Entra token endpoint refused the credential from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET (HTTP 401")
            && stderr.contains("AADSTS7000215"),
        "{stderr}"
    );
    assert_no_secrets(&output, lake, &[wrong, CLIENT_SECRET, ISSUED_TOKEN]);
}

#[test]
fn entra_log_analytics_rows_become_lake_rows() {
    let workspace = "b6a4c6f1-2d3e-4f50-8a9b-0c1d2e3f4a5b";
    let events = Events::default();
    let mut n = 0;
    for (index, table) in LA_TABLES.iter().enumerate() {
        // Seven sign-ins: more than one query may return (--page-size 3), so the
        // client cuts the window.
        let rows = if *table == "SigninLogs" { 7 } else { 2 };
        for i in 0..rows {
            n += 1;
            events.push(la_row(
                n,
                DAY0 + (i * 2 + index as i64) * HOUR + 5_000,
                table,
            ));
        }
    }
    let faults = Faults::default();
    faults.add(Fault::new(
        |r: &Request| String::from_utf8_lossy(&r.body).contains("AuditLogs"),
        1,
        Effect::Replace(Reply::json(
            500,
            r#"{"error":{"code":"InternalServerError","message":"try again"}}"#,
        )),
    ));
    let api = LogAnalyticsApi {
        workspace: workspace.into(),
        events,
        faults,
        token: LA_TOKEN.into(),
    };
    let server = Server::start(move |request| api.handle(request));
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = [
        "entra-la",
        "--workspace",
        workspace,
        "--la-url",
        &server.base,
        "--since",
        "2026-06-01T00:00:00Z",
        "--until",
        "2026-06-02T00:00:00Z",
        "--page-size",
        "3",
        "--backoff",
        "20ms",
    ];
    let (summary, output) = pull_ok(lake, &args, &[("LOG_ANALYTICS_TOKEN", LA_TOKEN)]);
    assert_eq!(field(&summary, "written"), 15, "{summary}");
    assert_eq!(field(&summary, "quarantined"), 0, "{summary}");
    let rows = sql(
        lake,
        "SELECT log_type, count(*) AS n, min(city) AS city FROM signins GROUP BY log_type ORDER BY log_type",
    );
    let counts: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["log_type"].as_str().unwrap().into(),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("interactive".into(), 7),
            ("managed_identity".into(), 2),
            ("non_interactive".into(), 2),
            ("service_principal".into(), 2),
        ]
    );
    // LocationDetails arrived as JSON text and was read as the object it encodes.
    assert!(rows.iter().all(|r| r["city"] == "Nizampet"), "{rows:?}");
    assert_eq!(count(lake, "audit"), 2);
    assert_eq!(lake_counts(lake), (15, 15));
    let queries: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["query"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        queries
            .iter()
            .filter(|q| q.starts_with("union isfuzzy=true SigninLogs") && q.contains("| take 4"))
            .count()
            >= 3,
        "seven rows in queries of at most three: {queries:#?}"
    );
    assert_no_secrets(&output, lake, &[LA_TOKEN]);
}
