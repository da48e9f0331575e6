//! `hunt --out` delivering to a webhook, Splunk HEC and the Azure Monitor Logs
//! ingestion API, played by servers on 127.0.0.1: method, path, credential header,
//! body shape, retries (a 503 first, the same records once accepted), a failed
//! delivery's status and message, and no credential in any output.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::pull::server::{Reply, Request, Server};
use crate::support::*;

/// Two days of Okta events with one alerting incident (a session replayed through a
/// residential proxy on the victim's ISP).
pub const FIXTURE: &str = "okta-same-isp/okta-same-isp-replay.ndjson";
pub const VICTIM: &str = "wendy.kim@contoso.example";

const WEBHOOK_TOKEN: &str = "whk-test-token-3c9e1a77f0";
const HEC_TOKEN: &str = "5f2e9a1c-hec-token-0b7d4e61";
const CLIENT_SECRET: &str = "Qm8Q~monitor-client-secret-42cd";
const ISSUED_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.monitor-issued.c2lnbmF0dXJl";

/// Variables that would change what a run does or sends: every run starts without
/// them and gets only what the test gives it.
pub const DELIVERY_VARIABLES: &[&str] = &[
    "TOKENHUNT_WEBHOOK_TOKEN",
    "SPLUNK_HEC_TOKEN",
    "AZURE_MONITOR_TOKEN",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "TOKENHUNT_LOGIN_URL",
    "TOKENHUNT_LAKE",
    "TOKENHUNT_CONFIG",
    "TOKENHUNT_OUT",
];

/// A lake holding the fixture.
fn lake_with_alert() -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[fixture(FIXTURE).to_str().unwrap()]);
    assert_eq!(summary["quarantined"], 0, "{summary}");
    lake
}

/// `tokenhunt --lake <lake> <args>` with only `env` of the delivery variables.
fn command(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = tokenhunt();
    for name in DELIVERY_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.args(["--lake", lake.to_str().unwrap()]);
    command.args(args);
    command
}

fn run(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(lake, args, env).output().expect("binary runs")
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// No secret on stdout or stderr.
pub fn assert_no_secrets(output: &Output, secrets: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = stderr_of(output);
    for secret in secrets {
        assert!(!stdout.contains(secret), "secret on stdout: {stdout}");
        assert!(!stderr.contains(secret), "secret on stderr: {stderr}");
    }
}

/// The JSON Lines of a webhook request.
pub fn json_lines(request: &Request) -> Vec<Value> {
    String::from_utf8(request.body.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn posts(server: &Server) -> Vec<Request> {
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "POST"), "{requests:?}");
    requests
}

/// A webhook that answers 503 to its first request, then accepts.
pub fn flaky_webhook() -> Server {
    let seen = std::sync::atomic::AtomicUsize::new(0);
    Server::start(move |_| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            // Retry-After: 0 keeps the test quick; the retry is what is tested.
            Reply::json(503, r#"{"error":"busy"}"#).header("Retry-After", "0")
        } else {
            Reply::json(200, "{}")
        }
    })
}

#[test]
fn a_webhook_gets_json_lines_once_after_a_503_and_hunt_new_records_only_what_was_delivered() {
    let lake = lake_with_alert();
    let hook = flaky_webhook();
    let out = format!("{}/hooks/tokenhunt", hook.base);
    let env = [("TOKENHUNT_WEBHOOK_TOKEN", WEBHOOK_TOKEN)];
    let args = [
        "-v",
        "hunt",
        "--all",
        "--group",
        "incidents",
        "--new",
        "--exit-code",
        "--out",
        &out,
    ];
    let first = run(lake.path(), &args, &env);
    // Alerted (--exit-code), delivered: 3, as with a file.
    assert_eq!(first.status.code(), Some(3), "{}", stderr_of(&first));
    assert!(
        first.stdout.is_empty(),
        "a delivery prints nothing on stdout"
    );
    let stderr = stderr_of(&first);
    assert!(
        stderr.contains("retrying"),
        "-v tells of the retry: {stderr}"
    );
    assert!(
        stderr.contains("delivered 1 record(s) to webhook http://127.0.0.1"),
        "{stderr}"
    );
    assert_no_secrets(&first, &[WEBHOOK_TOKEN]);

    let requests = posts(&hook);
    assert_eq!(requests.len(), 2, "the 503, then the retry: {requests:?}");
    for request in &requests {
        assert_eq!(request.path, "/hooks/tokenhunt");
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {WEBHOOK_TOKEN}").as_str())
        );
        assert_eq!(request.header("content-type"), Some("application/x-ndjson"));
    }
    // The retry carries the same records; only it was accepted.
    assert_eq!(requests[0].body, requests[1].body);
    let records = json_lines(&requests[1]);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["user"], VICTIM);
    assert_eq!(records[0]["change"], "new");
    assert!(records[0]["finding_id"].is_string() && records[0]["evidence"].is_object());

    // Recorded as reported: the next run delivers nothing.
    hook.clear();
    let second = run(lake.path(), &args, &env);
    assert_eq!(second.status.code(), Some(0), "{}", stderr_of(&second));
    assert!(hook.requests().is_empty(), "{:?}", hook.requests());
}

#[test]
fn a_delivery_that_keeps_failing_exits_4_naming_the_destination_and_records_nothing() {
    let lake = lake_with_alert();
    let down =
        Server::start(|_| Reply::json(500, r#"{"error":"down"}"#).header("Retry-After", "0"));
    // The token in the URL's query is a credential too (webhooks put theirs there).
    let out = format!("{}/hooks/tokenhunt?code=url-secret-8d1f2b", down.base);
    let env = [("TOKENHUNT_WEBHOOK_TOKEN", WEBHOOK_TOKEN)];
    let args = [
        "hunt",
        "--all",
        "--group",
        "incidents",
        "--new",
        "--exit-code",
        "--out",
        &out,
    ];
    let failed = run(lake.path(), &args, &env);
    assert_eq!(failed.status.code(), Some(4), "{}", stderr_of(&failed));
    let stderr = stderr_of(&failed);
    assert!(
        stderr.contains("error: delivery to webhook http://127.0.0.1")
            && stderr.contains("/hooks/tokenhunt")
            && stderr.contains("0 of 1 record(s) accepted")
            && stderr.contains("HTTP 500"),
        "{stderr}"
    );
    assert_no_secrets(&failed, &[WEBHOOK_TOKEN, "url-secret-8d1f2b"]);
    assert_eq!(down.requests().len(), 5, "bounded: five attempts");

    // Nothing was recorded as reported: once the destination is back, the alert goes.
    let hook = Server::start(|_| Reply::json(200, "{}"));
    let out = format!("{}/hooks/tokenhunt", hook.base);
    let args = [
        "hunt",
        "--all",
        "--group",
        "incidents",
        "--new",
        "--exit-code",
        "--out",
        &out,
    ];
    let retried = run(lake.path(), &args, &env);
    assert_eq!(retried.status.code(), Some(3), "{}", stderr_of(&retried));
    let requests = posts(&hook);
    assert_eq!(requests.len(), 1);
    assert_eq!(json_lines(&requests[0])[0]["user"], VICTIM);
}

#[test]
fn splunk_hec_gets_one_event_per_finding_as_the_same_filters_print_them() {
    // With a second fixture's context-only findings (scores 20 to 45) beside the alert.
    let lake = lake_with_alert();
    let more = fixture("aitm-replay/entra-aitm-replay.ndjson");
    ingest_summary(lake.path(), &[more.to_str().unwrap()]);
    let hec = Server::start(|_| Reply::json(200, r#"{"text":"Success","code":0}"#));
    let out = format!("hec+{}?index=security&sourcetype=tokenhunt:test", hec.base);
    let env = [("SPLUNK_HEC_TOKEN", HEC_TOKEN)];
    // Every finding at or above 40, as `hunt --format jsonl` prints them.
    let filters = ["hunt", "--all", "--min-score", "40"];
    let printed = hunt_jsonl(lake.path(), &filters[1..]);
    assert!(printed.len() > 10, "{printed:?}");
    let mut args = filters.to_vec();
    args.extend(["--out", &out]);
    let output = run(lake.path(), &args, &env);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_no_secrets(&output, &[HEC_TOKEN]);

    let requests = posts(&hec);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.path, "/services/collector/event");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Splunk {HEC_TOKEN}").as_str())
    );
    // HEC's batch format: event objects one after another.
    let events: Vec<Value> = serde_json::Deserializer::from_slice(&request.body)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(events.len(), printed.len());
    for (event, finding) in events.iter().zip(&printed) {
        assert_eq!(event["sourcetype"], "tokenhunt:test");
        assert_eq!(event["index"], "security");
        assert_eq!(event["source"], "tokenhunt");
        assert_eq!(event["event"]["finding_id"], finding["finding_id"]);
        let last_seen = chrono::DateTime::parse_from_rfc3339(finding["last_seen"].as_str().unwrap())
            .unwrap()
            .timestamp_millis() as f64
            / 1000.0;
        assert_eq!(event["time"].as_f64(), Some(last_seen), "{event}");
    }

    // A suppression rule keeps the victim's alert from being delivered, as from a file.
    let config = lake.path().join("tokenhunt.toml");
    std::fs::write(
        &config,
        format!("[[suppress]]\nreason = \"red team\"\nusers = [\"{VICTIM}\"]\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let grouped = ["hunt", "--all", "--group", "incidents", "--config", config];
    let printed = hunt_jsonl(lake.path(), &grouped[1..]);
    hec.clear();
    let mut args = grouped.to_vec();
    args.extend(["--out", &out]);
    let quiet = run(lake.path(), &args, &env);
    assert!(quiet.status.success(), "{}", stderr_of(&quiet));
    assert!(
        stderr_of(&quiet).contains("1 suppressed"),
        "{}",
        stderr_of(&quiet)
    );
    let requests = posts(&hec);
    assert_eq!(requests.len(), 1);
    let delivered: Vec<Value> = serde_json::Deserializer::from_slice(&requests[0].body)
        .into_iter::<Value>()
        .map(|event| event.unwrap()["event"]["finding_id"].clone())
        .collect();
    let expected: Vec<Value> = printed.iter().map(|f| f["finding_id"].clone()).collect();
    assert_eq!(delivered, expected);
    assert!(printed.iter().all(|f| f["user"] != VICTIM), "{printed:?}");
}

#[test]
fn azure_monitor_gets_a_json_array_with_a_token_from_the_client_credential() {
    let lake = lake_with_alert();
    let issued = ISSUED_TOKEN.to_string();
    // One server plays the token endpoint and the data collection endpoint.
    let azure = Server::start(move |request| {
        if request.path.ends_with("/oauth2/v2.0/token") {
            Reply::json(
                200,
                format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{issued}"}}"#),
            )
        } else {
            Reply::json(204, "")
        }
    });
    let out = format!(
        "dcr+{}/dcr-00112233445566778899aabbccddeeff/Custom-TokenhuntFindings",
        azure.base
    );
    let env = [
        ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
        ("AZURE_CLIENT_ID", "3f1e7c2a-app"),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
        ("TOKENHUNT_LOGIN_URL", azure.base.as_str()),
    ];
    let args = ["-v", "hunt", "--all", "--group", "incidents", "--out", &out];
    let output = run(lake.path(), &args, &env);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_no_secrets(&output, &[CLIENT_SECRET, ISSUED_TOKEN]);

    let requests = posts(&azure);
    assert_eq!(requests.len(), 2, "{requests:?}");
    let token = &requests[0];
    assert_eq!(token.path, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
    let form = String::from_utf8(token.body.clone()).unwrap();
    assert!(
        form.contains("grant_type=client_credentials")
            && form.contains("scope=https%3A%2F%2Fmonitor.azure.com%2F.default"),
        "{form}"
    );
    let ingest = &requests[1];
    assert_eq!(
        ingest.path,
        "/dataCollectionRules/dcr-00112233445566778899aabbccddeeff/streams/Custom-TokenhuntFindings"
    );
    assert_eq!(ingest.param("api-version"), Some("2023-01-01"));
    assert_eq!(
        ingest.header("authorization"),
        Some(format!("Bearer {ISSUED_TOKEN}").as_str())
    );
    assert_eq!(ingest.header("content-type"), Some("application/json"));
    let rows: Vec<Value> = serde_json::from_slice(&ingest.body).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["user"], VICTIM);
    assert!(rows[0]["TimeGenerated"].is_string(), "{}", rows[0]);
}

#[test]
fn a_missing_credential_stops_the_run_before_it_hunts() {
    let lake = lake_with_alert();
    let output = run(
        lake.path(),
        &[
            "hunt",
            "--all",
            "--out",
            "hec+https://splunk.example.com:8088",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("SPLUNK_HEC_TOKEN"), "{stderr}");
    let clear = run(
        lake.path(),
        &["hunt", "--all", "--out", "http://hooks.example.com/x"],
        &[],
    );
    assert_eq!(clear.status.code(), Some(1));
    assert!(
        stderr_of(&clear).contains("use https"),
        "{}",
        stderr_of(&clear)
    );
}
