//! The findings state (issue 17): `hunt --new` reports an alert once, and an incident
//! that grows once more; suppressions (`tokenhunt suppress`, `[[suppress]]` rules) keep
//! alerts quiet but queryable; concurrent runs never report an alert twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::ingest::S3Server;
use crate::support::*;

const FIXTURE: &str = "aitm-replay/entra-aitm-replay.ndjson";
const SOFIA: &str = "sofia.ruiz@contoso.example";
const MARCO: &str = "marco.rossi@contoso.example";
/// Sofia's replayed session: its last two replay events arrive in a later ingest.
const SOFIA_REPLAY: &str = "eff0d945-7422-40d4-9ab4-20786b698294";

/// The fixture in two parts: everything but the last replay events of Sofia's stolen
/// session, then those.
fn split_fixture(folder: &Path) -> (String, String) {
    let text = std::fs::read_to_string(fixture(FIXTURE)).unwrap();
    let (mut first, mut later) = (String::new(), String::new());
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let properties = &record["properties"];
        let late = properties["sessionId"] == SOFIA_REPLAY
            && properties["createdDateTime"].as_str().unwrap() > "2026-04-16T08:55";
        let part = if late { &mut later } else { &mut first };
        part.push_str(line);
        part.push('\n');
    }
    assert_eq!(later.lines().count(), 2);
    let (a, b) = (folder.join("first.ndjson"), folder.join("later.ndjson"));
    std::fs::write(&a, first).unwrap();
    std::fs::write(&b, later).unwrap();
    (
        a.to_str().unwrap().to_string(),
        b.to_str().unwrap().to_string(),
    )
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `hunt --all --group incidents --exit-code` with `extra`, as JSON Lines.
fn hunt(lake: &Path, extra: &[&str]) -> Output {
    let output = hunt_incidents(lake, extra);
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{extra:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn users_and_changes(reported: &[Value]) -> BTreeSet<(String, String)> {
    reported
        .iter()
        .map(|r| {
            (
                r["user"].as_str().unwrap().to_string(),
                r["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn hunt_new_reports_each_alert_once_and_a_grown_incident_once_more() {
    let folder = tempfile::tempdir().unwrap();
    let lake = folder.path().join("lake");
    let (first, later) = split_fixture(folder.path());
    ingest_summary(&lake, &[&first]);

    let run = hunt(&lake, &["--new"]);
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    assert_eq!(
        users_and_changes(&lines(&run)),
        BTreeSet::from([
            (SOFIA.to_string(), "new".to_string()),
            (MARCO.to_string(), "new".to_string())
        ])
    );
    let again = hunt(&lake, &["--new"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(again.stdout.is_empty(), "{again:?}");
    // Without --new, hunt reports everything, as before.
    assert_eq!(lines(&hunt(&lake, &[])).len(), 2);

    // The thief goes on using Sofia's session: her incident is reported again, once.
    ingest_summary(&lake, &[&later]);
    let grown = hunt(&lake, &["--new"]);
    assert_eq!(grown.status.code(), Some(3), "{grown:?}");
    let reported = lines(&grown);
    assert_eq!(
        users_and_changes(&reported),
        BTreeSet::from([(SOFIA.to_string(), "updated".to_string())])
    );
    assert!(
        reported[0]["last_seen"].as_str().unwrap() > "2026-04-16T09:00",
        "{reported:?}"
    );
    let quiet = hunt(&lake, &["--new"]);
    assert_eq!(quiet.status.code(), Some(0), "{quiet:?}");
    assert!(quiet.stdout.is_empty(), "{quiet:?}");

    let state = sql(
        &lake,
        "SELECT user, status, reports, first_reported, last_reported FROM findings ORDER BY user",
    );
    assert_eq!(state.len(), 2, "{state:?}");
    assert_eq!(state[0]["user"], MARCO);
    assert_eq!(state[0]["reports"], 1);
    assert_eq!(state[1]["user"], SOFIA);
    assert_eq!(state[1]["reports"], 2);
    assert_eq!(state[1]["status"], "open");
    assert!(state[1]["last_reported"].as_str() > state[1]["first_reported"].as_str());
}

#[test]
fn suppressed_alerts_stay_quiet_and_queryable_with_their_reason() {
    let lake = tempfile::tempdir().unwrap();
    let lake_arg = lake.path().to_str().unwrap();
    ingest_summary(lake.path(), &[fixture(FIXTURE).to_str().unwrap()]);
    let incidents = lines(&hunt(lake.path(), &[]));
    let marco = incidents
        .iter()
        .find(|i| i["user"] == MARCO)
        .expect("Marco's incident alerts");
    let marco_id = marco["finding_id"].as_str().unwrap();

    // Suppressed by the id a plain hunt printed, before any --new run recorded it.
    run_ok(&[
        "--lake",
        lake_arg,
        "suppress",
        marco_id,
        "--reason",
        "red team exercise RT-12",
    ]);
    let run = hunt(lake.path(), &["--new"]);
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    assert_eq!(
        users_and_changes(&lines(&run)),
        BTreeSet::from([(SOFIA.to_string(), "new".to_string())])
    );
    let plain = lines(&hunt(lake.path(), &[]));
    assert_eq!(plain.len(), 1, "suppressed in every output: {plain:?}");
    let rows = sql(
        lake.path(),
        &format!("SELECT * FROM findings WHERE id = '{marco_id}'"),
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "suppressed");
    assert_eq!(rows[0]["status_reason"], "red team exercise RT-12");
    assert_eq!(rows[0]["user"], MARCO, "filled in when the hunt found it");
    assert!(rows[0]["first_reported"].is_null(), "{rows:?}");

    // A rule in tokenhunt.toml suppresses by user, in every output.
    let settings = tempfile::tempdir().unwrap();
    let config = settings.path().join("tokenhunt.toml");
    std::fs::write(
        &config,
        format!(
            "[[suppress]]\nreason = \"Sofia's travel VPN, approved\"\nusers = [\"{}\"]\n",
            SOFIA.to_uppercase()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let ruled = hunt(lake.path(), &["--config", config_arg]);
    assert_eq!(ruled.status.code(), Some(0), "{ruled:?}");
    assert!(ruled.stdout.is_empty(), "{ruled:?}");
    let ruled_new = hunt(lake.path(), &["--config", config_arg, "--new"]);
    assert_eq!(ruled_new.status.code(), Some(0), "{ruled_new:?}");
    let suppressed = String::from_utf8(
        run_ok(&[
            "--lake",
            lake_arg,
            "--format",
            "jsonl",
            "findings",
            "--status",
            "suppressed",
        ])
        .stdout,
    )
    .unwrap();
    let suppressed: Vec<Value> = suppressed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_user: BTreeSet<(&str, &str)> = suppressed
        .iter()
        .map(|s| {
            (
                s["user"].as_str().unwrap(),
                s["status_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_user,
        BTreeSet::from([
            (MARCO, "tokenhunt suppress"),
            (SOFIA, "tokenhunt.toml rule 1")
        ])
    );
    // Without the rule Sofia's incident alerts again but was reported already; a
    // reopened suppression makes Marco's new.
    run_ok(&["--lake", lake_arg, "reopen", marco_id]);
    let reopened = lines(&hunt(lake.path(), &["--new"]));
    assert_eq!(
        users_and_changes(&reopened),
        BTreeSet::from([(MARCO.to_string(), "new".to_string())])
    );
    // A bad rule stops the run before any hunt.
    std::fs::write(&config, "[[suppress]]\nreason = \"everything\"\n").unwrap();
    let bad = tokenhunt()
        .args(["--lake", lake_arg, "--config", config_arg, "hunt", "--all"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("rule 1"),
        "{bad:?}"
    );
}

/// Two `hunt --new` runs at once, on local disk and on S3: the lease orders their
/// state updates, so each alert is reported by exactly one of them.
fn concurrent_runs_report_each_alert_once(lake: &str, command: impl Fn() -> std::process::Command) {
    let children: Vec<_> = (0..2)
        .map(|_| {
            command()
                .args([
                    "--lake",
                    lake,
                    "--format",
                    "jsonl",
                    "hunt",
                    "--all",
                    "--group",
                    "incidents",
                    "--new",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut reported = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        reported.extend(lines(&output));
    }
    let users: Vec<&str> = reported
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    assert_eq!(users.len(), 2, "each alert once: {reported:?}");
    assert_eq!(
        users.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([SOFIA, MARCO])
    );
    let after = command()
        .args([
            "--lake",
            lake,
            "--format",
            "jsonl",
            "sql",
            "-c",
            "SELECT user, status, reports FROM findings ORDER BY user",
        ])
        .output()
        .unwrap();
    assert!(after.status.success(), "{after:?}");
    let state = lines(&after);
    assert_eq!(state.len(), 2, "{state:?}");
    assert!(state.iter().all(|row| row["reports"] == 1), "{state:?}");
}

#[test]
fn concurrent_hunt_new_runs_never_report_an_alert_twice() {
    let lake = tempfile::tempdir().unwrap();
    ingest_summary(lake.path(), &[fixture(FIXTURE).to_str().unwrap()]);
    concurrent_runs_report_each_alert_once(lake.path().to_str().unwrap(), tokenhunt);

    let server = S3Server::start();
    server.create_bucket("findings");
    let ingested = server
        .command()
        .args([
            "--lake",
            "s3://findings/lake",
            "-q",
            "ingest",
            fixture(FIXTURE).to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(ingested.status.success(), "{ingested:?}");
    concurrent_runs_report_each_alert_once("s3://findings/lake", || server.command());
}
