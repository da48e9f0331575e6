//! `tokenhunt watch` against the fake Okta API and a webhook on 127.0.0.1: a run pulls,
//! updates the baseline, hunts the new days with `--new` and delivers; the next run
//! delivers nothing it delivered before; `--every` stops cleanly on SIGTERM.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::deliver::{
    DELIVERY_VARIABLES, FIXTURE, VICTIM, assert_no_secrets, flaky_webhook, json_lines,
};
use crate::pull::apis::{Event, Events, Faults, OktaApi, parse_time};
use crate::pull::server::Server;
use crate::support::*;

const OKTA_TOKEN: &str = "00Qx-watch-okta-token-5e8d2c";
const WEBHOOK_TOKEN: &str = "whk-watch-token-91d0b3c7";

/// The fake Okta System Log serving the fixture's two days.
fn okta_with_fixture() -> Server {
    let events = Events::default();
    let text = std::fs::read_to_string(fixture(FIXTURE)).unwrap();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let time = parse_time(record["published"].as_str().unwrap());
        events.push(Event {
            time,
            kind: "okta".into(),
            record,
        });
    }
    let api = OktaApi {
        events,
        faults: Faults::default(),
        token: OKTA_TOKEN.into(),
        always_next: false,
    };
    Server::start(move |request| api.handle(request))
}

fn watch_command(lake: &Path, okta: &Server, hook: &Server, extra: &[&str]) -> Command {
    let mut command = tokenhunt();
    for name in
        DELIVERY_VARIABLES
            .iter()
            .chain(&["OKTA_API_TOKEN", "OKTA_ORG_URL", "TOKENHUNT_OKTA_URL"])
    {
        command.env_remove(name);
    }
    command.envs([
        ("OKTA_API_TOKEN", OKTA_TOKEN),
        ("TOKENHUNT_WEBHOOK_TOKEN", WEBHOOK_TOKEN),
    ]);
    command.args(["--lake", lake.to_str().unwrap()]);
    command.args(extra);
    command.args([
        "watch",
        "--okta",
        "https://acme.okta.com",
        "--okta-url",
        &okta.base,
        "--backoff",
        "50ms",
        "--out",
        &format!("{}/hooks/tokenhunt", hook.base),
    ]);
    command
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn watch_pulls_hunts_the_new_days_and_delivers_once_then_nothing_new() {
    let lake = tempfile::tempdir().unwrap();
    let okta = okta_with_fixture();
    let hook = flaky_webhook();

    // First run: no checkpoint, so the look-back before --until.
    let first = watch_command(
        lake.path(),
        &okta,
        &hook,
        &["--until", "2026-04-15T00:00:00Z"],
    )
    .args(["--lookback", "3d", "--exit-code"])
    .output()
    .unwrap();
    let stderr = stderr_of(&first);
    assert_eq!(first.status.code(), Some(3), "alerted: {stderr}");
    assert!(
        stderr.contains("hunting 2026-04-12T00:00:00Z to 2026-04-15T00:00:00Z"),
        "{stderr}"
    );
    assert_no_secrets(&first, &[OKTA_TOKEN, WEBHOOK_TOKEN]);
    let events = std::fs::read_to_string(fixture(FIXTURE))
        .unwrap()
        .lines()
        .count() as u64;
    assert_eq!(rows_and_distinct_ids(lake.path()), (events, events));
    assert!(
        lake.path().join("_tokenhunt/baseline").is_dir(),
        "baseline stored"
    );
    // The webhook failed once (503) and then took the alert: delivered once.
    let requests = hook.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let records = json_lines(&requests[1]);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["user"], VICTIM);
    assert_eq!(records[0]["change"], "new");
    let mark: Value = serde_json::from_str(
        &std::fs::read_to_string(lake.path().join("_tokenhunt/watch/state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mark["hunted_until"], "2026-04-15T00:00:00Z");

    // Second run, a day later: from the checkpoint less the overlap; the attack's day is
    // hunted again, and nothing in it is new.
    hook.clear();
    let second = watch_command(
        lake.path(),
        &okta,
        &hook,
        &["--until", "2026-04-16T00:00:00Z"],
    )
    .arg("--exit-code")
    .output()
    .unwrap();
    let stderr = stderr_of(&second);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("hunting 2026-04-14T00:00:00Z to 2026-04-16T00:00:00Z"),
        "{stderr}"
    );
    assert!(hook.requests().is_empty(), "{:?}", hook.requests());
    assert_eq!(rows_and_distinct_ids(lake.path()), (events, events));
    assert_no_secrets(&second, &[OKTA_TOKEN, WEBHOOK_TOKEN]);
}

#[test]
fn watch_every_runs_until_sigterm_and_stops_with_status_0() {
    let lake = tempfile::tempdir().unwrap();
    let okta = okta_with_fixture();
    let hook = flaky_webhook();
    let mut child = watch_command(
        lake.path(),
        &okta,
        &hook,
        &["--until", "2026-04-15T00:00:00Z"],
    )
    .args(["--lookback", "3d", "--every", "1h"])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // The first run is done when its mark is stored; then the loop sleeps.
    let mark = lake.path().join("_tokenhunt/watch/state.json");
    let started = Instant::now();
    while !mark.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "no run finished"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("watch ended early with {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "watch did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = stderr_of(&output);
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("watch: SIGTERM, stopping"), "{stderr}");
    assert_eq!(json_lines(&hook.requests()[1])[0]["user"], VICTIM);
}
