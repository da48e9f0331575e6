//! Ingest: every real fixture parses, the accounting always balances, nothing is
//! lost or doubled, a crash leaves a usable lake, and object storage works for real.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// (file under tests/fixtures/real, read, written, duplicates, quarantined) for an
/// ingest of the whole folder into an empty lake.
const REAL_FIXTURE_COUNTS: &[(&str, u64, u64, u64, u64)] = &[
    (
        "entra-diagnostic/elastic-integrations/test-adfs-signin.log",
        1,
        1,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-alternative-time-and-duration-as-string.log",
        1,
        1,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-non-interactive-user-sample.first6.log",
        6,
        6,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-non-interactive-user.log",
        1,
        1,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-service-principal-signinlogs-sample.log",
        7,
        7,
        0,
        0,
    ),
    // The same sign-in under five categories: five different log types, five rows.
    (
        "entra-diagnostic/elastic-integrations/test-signinlogs-raw.log",
        5,
        5,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-signinlogs-sample.log",
        2,
        2,
        0,
        0,
    ),
    (
        "entra-diagnostic/elastic-integrations/test-time-formats-corner-cases.log",
        11,
        11,
        0,
        0,
    ),
    // Panther test cases reuse the same event (id and time) across tests.
    (
        "entra-diagnostic/panther-analysis/_derived_test_logs.ndjson",
        47,
        36,
        11,
        0,
    ),
    (
        "entra-graph/microsoft-graph-docs-contrib/beta_signin-list_example1_response.json",
        1,
        1,
        0,
        0,
    ),
    // The same record as example 1 with its keys reordered.
    (
        "entra-graph/microsoft-graph-docs-contrib/beta_signin-list_example2_response.json",
        1,
        0,
        1,
        0,
    ),
    // Invalid JSON as published (a trailing comma): repaired, not lost.
    (
        "entra-graph/microsoft-graph-docs-contrib/v1.0_signin-list_example1_response.json",
        1,
        1,
        0,
        0,
    ),
    (
        "entra-loganalytics/azure-sentinel/sign-in_adelete.first7.csv",
        7,
        7,
        0,
        0,
    ),
    // Lines 1-12 are three events repeated four times; 17 and 18 are one event twice.
    (
        "okta/elastic-integrations/test-okta-system-events.log",
        20,
        10,
        10,
        0,
    ),
    (
        "okta/okta-developer-docs/event-hooks_example-payload.json",
        1,
        1,
        0,
        0,
    ),
    (
        "okta/okta-developer-docs/rl-system-log-events_example1.json",
        1,
        1,
        0,
        0,
    ),
    (
        "okta/okta-developer-docs/rl-system-log-events_example2.json",
        1,
        1,
        0,
        0,
    ),
    (
        "okta/okta-developer-docs/rl-system-log-events_example3.json",
        1,
        1,
        0,
        0,
    ),
    // `published: "2017-09-31..."` does not exist.
    (
        "okta/okta-developer-docs/system-log-api_example-logevent.json",
        1,
        0,
        0,
        1,
    ),
    // 4 events with published "redacted", 4 without published.
    (
        "okta/panther-analysis/_derived_test_logs.ndjson",
        66,
        31,
        27,
        8,
    ),
];

fn per_file(manifest: &Value) -> Vec<(String, u64, u64, u64, u64, bool)> {
    manifest["per_file"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            (
                f["file"].as_str().unwrap().to_string(),
                n("read"),
                n("written"),
                n("duplicates"),
                n("quarantined"),
                f.get("skipped").is_some(),
            )
        })
        .collect()
}

#[test]
fn every_real_fixture_lands_with_pinned_counts() {
    let lake = tempfile::tempdir().unwrap();
    let root = fixture("real");
    let summary = ingest_summary(lake.path(), &[root.to_str().unwrap()]);
    assert_balanced(&summary);
    let manifest = manifests(lake.path()).pop().unwrap();
    let files = per_file(&manifest);
    for (relative, read, written, duplicates, quarantined) in REAL_FIXTURE_COUNTS {
        let found = files
            .iter()
            .find(|f| f.0.ends_with(relative))
            .unwrap_or_else(|| panic!("{relative} not ingested: {files:?}"));
        assert_eq!(
            (found.1, found.2, found.3, found.4),
            (*read, *written, *duplicates, *quarantined),
            "{relative}"
        );
    }
    // Everything else in the folder (YAML rule files, indexes, PROVENANCE.md) is
    // skipped as not a log, and counts no records.
    for file in files
        .iter()
        .filter(|f| !REAL_FIXTURE_COUNTS.iter().any(|c| f.0.ends_with(c.0)))
    {
        assert!(file.5 && file.1 == 0, "unexpected file {file:?}");
    }
    let written: u64 = REAL_FIXTURE_COUNTS.iter().map(|c| c.2).sum();
    assert_eq!(summary["written"].as_u64().unwrap(), written);
    assert_eq!(
        count(lake.path(), "signins") + count(lake.path(), "audit"),
        written
    );

    // Quarantined records are kept verbatim with the file, record number, field and reason.
    let quarantine = std::fs::read_dir(lake.path().join("_tokenhunt/quarantine"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(quarantine.path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    let impossible = lines
        .iter()
        .find(|l| {
            l["file"]
                .as_str()
                .unwrap()
                .ends_with("system-log-api_example-logevent.json")
        })
        .unwrap();
    assert_eq!(impossible["record"], 1);
    assert_eq!(impossible["field"], "published");
    assert!(
        impossible["reason"]
            .as_str()
            .unwrap()
            .contains("impossible date")
    );
    assert!(
        impossible["raw"]
            .as_str()
            .unwrap()
            .contains("2017-09-31T22:23:07.777Z")
    );

    // Ingesting the same input again writes nothing.
    let again = ingest_summary(lake.path(), &[root.to_str().unwrap()]);
    assert_balanced(&again);
    assert_eq!(again["written"], 0);
    assert_eq!(
        again["duplicates"].as_u64().unwrap(),
        written + summary["duplicates"].as_u64().unwrap()
    );
    assert_eq!(
        count(lake.path(), "signins") + count(lake.path(), "audit"),
        written
    );
}

#[test]
fn fixture_fields_map_into_the_normalized_schema() {
    let lake = tempfile::tempdir().unwrap();
    ingest_summary(lake.path(), &[fixture("real").to_str().unwrap()]);
    let lake = lake.path();
    // US time spelling with AM/PM; empty session id is null; ADFS issuer type.
    let adfs = &sql(
        lake,
        "SELECT time, session_id, token_issuer_type, lat FROM signins WHERE event_type = 'ADFSSignInLogs'",
    )[0];
    // The sign-in's own createdDateTime wins over the export's `time` (US spelling).
    assert_eq!(adfs["time"], "2025-12-12T14:56:31Z");
    assert_eq!(adfs["session_id"], Value::Null);
    assert_eq!(adfs["token_issuer_type"], "ADFederationServices");
    assert_eq!(
        adfs["lat"],
        Value::Null,
        "integer 0,0 coordinates mean unknown"
    );
    // Graph beta: display text of the token type normalized; duplicate keys, last wins.
    let graph = &sql(
        lake,
        "SELECT incoming_token_type, asn, result, result_code FROM signins WHERE incoming_token_type = 'primaryRefreshToken'",
    );
    assert_eq!(graph.len(), 1);
    assert_eq!(graph[0]["asn"], 3598);
    assert_eq!(graph[0]["result"], "failure");
    assert_eq!(graph[0]["result_code"], "50126");
    // Portal CSV: comma-and-AM/PM time, JSON cells with doubled quotes and newlines.
    let csv = sql(
        lake,
        "SELECT time, user, country, city FROM signins WHERE user LIKE 'adelev%' ORDER BY time",
    );
    assert_eq!(csv.len(), 7);
    assert_eq!(csv[0]["time"], "2021-04-28T14:08:45.221Z");
    assert_eq!(csv[0]["country"], "IL");
    assert!(csv.iter().any(|row| row["city"] == "Azor"));
    // Every time spelling of the corner-case file is the same instant.
    let corner = sql(
        lake,
        "SELECT count(*) AS n FROM signins WHERE time = TIMESTAMP '2007-01-09T09:41:00Z'",
    );
    assert_eq!(corner[0]["n"], 7);
    // Okta: country names become ISO codes, logins are lower-cased, the string "null" is null.
    let okta = sql(
        lake,
        "SELECT user, country, ip FROM signins WHERE source = 'okta' AND session_id = '102nZHzd6OHSfGG51vsoc22gw' AND event_type = 'user.session.end'",
    );
    assert_eq!(okta[0]["user"], "username@elastic.co");
    assert_eq!(okta[0]["country"], "US");
    // Non-ASCII text survives untouched in the evidence column.
    let german = sql(
        lake,
        "SELECT count(*) AS n FROM signins WHERE raw LIKE '%MFA für Gäste%'",
    );
    assert_eq!(german[0]["n"], 1);
    // Audit events land in `audit`, from both sources.
    let audit = sql(
        lake,
        "SELECT source, count(*) AS n FROM audit GROUP BY source ORDER BY source",
    );
    assert_eq!(audit.len(), 2);
    // Sentinel views answer with Sentinel names.
    let view = sql(
        lake,
        "SELECT UserPrincipalName, LocationDetails['countryOrRegion'] AS country FROM SigninLogs WHERE UserPrincipalName LIKE 'adelev%' LIMIT 1",
    );
    assert_eq!(view[0]["country"], "IL");
}

/// Writes `lines` as one file per container variant and checks each lands the same rows.
#[test]
fn containers_encodings_and_compression() {
    let source = std::fs::read_to_string(fixture(
        "real/entra-diagnostic/elastic-integrations/test-service-principal-signinlogs-sample.log",
    ))
    .unwrap();
    let lines: Vec<&str> = source.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 7);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let crlf_bom = write(
        "crlf.json",
        [b"\xEF\xBB\xBF".to_vec(), lines.join("\r\n").into_bytes()].concat(),
    );
    let array = write(
        "array.json",
        format!("[\n  {}\n]\n", lines.join(",\n  ")).into_bytes(),
    );
    let wrapper = write(
        "records.json",
        format!("{{\"records\": [{}]}}", lines.join(",")).into_bytes(),
    );
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(source.as_bytes()).unwrap();
    let gzip = write("no-extension", encoder.finish().unwrap());
    for path in [&crlf_bom, &array, &wrapper, &gzip] {
        let lake = tempfile::tempdir().unwrap();
        let summary = ingest_summary(lake.path(), &[path.to_str().unwrap()]);
        assert_eq!(
            (
                summary["read"].as_u64(),
                summary["written"].as_u64(),
                summary["quarantined"].as_u64()
            ),
            (Some(7), Some(7), Some(0)),
            "{}",
            path.display()
        );
    }
    // A record in two files of one run is written once.
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(
        lake.path(),
        &[array.to_str().unwrap(), gzip.to_str().unwrap()],
    );
    assert_balanced(&summary);
    assert_eq!(
        (summary["written"].as_u64(), summary["duplicates"].as_u64()),
        (Some(7), Some(7))
    );
}

#[test]
fn bad_input_is_quarantined_with_file_record_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture(
        "real/entra-diagnostic/elastic-integrations/test-signinlogs-sample.log",
    ))
    .unwrap();
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    lines.insert(1, "this line is not json".into());
    lines.push(
        r#"{"category":"SignInLogs","properties":{"id":"x","createdDateTime":"yesterday"}}"#.into(),
    );
    let partly_bad = dir.path().join("partly.log");
    std::fs::write(&partly_bad, lines.join("\n")).unwrap();
    let lake = tempfile::tempdir().unwrap();
    let output = tokenhunt()
        .args([
            "--lake",
            lake.path().to_str().unwrap(),
            "ingest",
            partly_bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "a partly bad input exits 0: {stderr}"
    );
    assert!(stderr.contains("2 quarantined"), "{stderr}");
    assert!(
        stderr.contains("partly.log record 2")
            && stderr.contains("partly.log record 4 field createdDateTime"),
        "{stderr}"
    );

    let wholly_bad = dir.path().join("garbage.log");
    std::fs::write(&wholly_bad, "garbage\nmore garbage\n").unwrap();
    let output = tokenhunt()
        .args([
            "--lake",
            lake.path().to_str().unwrap(),
            "ingest",
            wholly_bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error: ") && l.contains("garbage.log")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn files_that_are_not_logs_are_skipped_in_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# tenant export\n").unwrap();
    std::fs::write(
        dir.path().join("labels.json"),
        r#"{"incidents":[],"confounders":[]}"#,
    )
    .unwrap();
    std::fs::copy(
        fixture("real/okta/elastic-integrations/test-okta-system-events.log"),
        dir.path().join("okta.log"),
    )
    .unwrap();
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[dir.path().to_str().unwrap()]);
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["read"], 20);
    assert_eq!(summary["quarantined"], 0);
}

/// One synthetic-but-real-shaped Entra diagnostic record per line, unique ids.
fn write_large_input(path: &Path, records: usize) {
    let template = std::fs::read_to_string(fixture(
        "real/entra-diagnostic/elastic-integrations/test-signinlogs-sample.log",
    ))
    .unwrap();
    let template = template.lines().next().unwrap().to_string();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for index in 0..records {
        let day = 1 + index / 20_000;
        let second = index % 20_000;
        let line = template
            .replace(
                "933f20c0-efdf-477f-9586-e5cc566d2e00",
                &format!("00000000-0000-0000-0000-{index:012}"),
            )
            .replace(
                "2022-01-24T05:10:08.6816663+00:00",
                &format!(
                    "2024-03-{day:02}T{:02}:{:02}:{:02}+00:00",
                    second / 3600 % 24,
                    second / 60 % 60,
                    second % 60
                ),
            );
        writeln!(out, "{line}").unwrap();
    }
}

#[test]
fn a_killed_ingest_leaves_a_usable_lake_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.log");
    let records = 60_000;
    write_large_input(&input, records);
    let lake = dir.path().join("lake");
    let mut child = tokenhunt()
        .args([
            "--lake",
            lake.to_str().unwrap(),
            "ingest",
            "--buffer",
            "8MiB",
            input.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let parquet_files = |lake: &Path| -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![lake.to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.to_string_lossy().ends_with(".parquet") {
                    found.push(path);
                }
            }
        }
        found
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while parquet_files(&lake).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the ingest finished before it could be killed; make the input larger"
    );

    // Every visible file is complete: the query reads them all.
    let partial = count(&lake, "signins");
    assert!(
        partial > 0 && partial < records as u64,
        "rows after kill: {partial}"
    );
    let summary = ingest_summary(&lake, &[input.to_str().unwrap()]);
    assert_balanced(&summary);
    assert_eq!(summary["read"].as_u64().unwrap(), records as u64);
    assert_eq!(summary["duplicates"].as_u64().unwrap(), partial);
    assert_eq!(count(&lake, "signins"), records as u64);
    let distinct = sql(&lake, "SELECT count(DISTINCT event_id) AS n FROM signins");
    assert_eq!(distinct[0]["n"].as_u64().unwrap(), records as u64);
}

/// An S3-compatible server on loopback (moto), for the lake and for inputs.
pub(crate) struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl S3Server {
    pub(crate) fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]') must be installed for the S3 tests");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        S3Server { child, endpoint }
    }

    pub(crate) fn create_bucket(&self, bucket: &str) {
        use std::io::Read;
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(stream, "PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        use std::io::Read;
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(stream, "PUT /{bucket}/{key} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    /// Runs tokenhunt against the server with `args`, asserting that it succeeded.
    pub(crate) fn run_ok(&self, args: &[&str]) -> std::process::Output {
        let output = self.command().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    pub(crate) fn command(&self) -> std::process::Command {
        let mut command = tokenhunt();
        command
            .env("AWS_ACCESS_KEY_ID", "tokenhunt-test")
            .env("AWS_SECRET_ACCESS_KEY", "very-secret-test-key")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT", &self.endpoint)
            .env("AWS_ALLOW_HTTP", "true");
        command
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn s3_lake_and_inputs_on_a_loopback_server() {
    let server = S3Server::start();
    server.create_bucket("lake");
    let okta = fixture("real/okta/elastic-integrations/test-okta-system-events.log");
    let output = server
        .command()
        .args([
            "--lake",
            "s3://lake/tenant",
            "--format",
            "jsonl",
            "ingest",
            okta.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (summary["read"].as_u64(), summary["written"].as_u64()),
        (Some(20), Some(10))
    );
    // The lake's own Parquet files serve as an S3 input listing too: query through SQL.
    let count = |query: &str| -> u64 {
        let output = server.run_ok(&[
            "--lake",
            "s3://lake/tenant",
            "--format",
            "csv",
            "sql",
            "-c",
            query,
        ]);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.lines()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    // 8 of the 10 events are sign-in events; the other 2 are audit events.
    assert_eq!(count("SELECT count(*) AS n FROM signins"), 8);
    // Inputs on S3 too: a glob and a folder, gzip and plain; the same events dedupe
    // against the lake.
    server.create_bucket("exports");
    let bytes = std::fs::read(&okta).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&bytes).unwrap();
    server.put_object(
        "exports",
        "okta/2020/day1.log.gz",
        &encoder.finish().unwrap(),
    );
    let entra = std::fs::read(fixture(
        "real/entra-diagnostic/elastic-integrations/test-signinlogs-sample.log",
    ))
    .unwrap();
    server.put_object("exports", "entra/PT1H.json", &entra);
    let output = server
        .command()
        .args([
            "--lake",
            "s3://lake/tenant",
            "--format",
            "jsonl",
            "ingest",
            "s3://exports/okta/*/*.gz",
            "s3://exports/entra/",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("very-secret-test-key"),
        "credentials leaked: {stderr}"
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_balanced(&summary);
    assert_eq!(
        (
            summary["files"].as_u64(),
            summary["read"].as_u64(),
            summary["written"].as_u64(),
            summary["duplicates"].as_u64()
        ),
        (Some(2), Some(22), Some(2), Some(20))
    );
    // The stored baseline's rollups stream to the bucket (multipart uploads) and read
    // back as tables.
    server.run_ok(&["--lake", "s3://lake/tenant", "baseline"]);
    let clients = count("SELECT count(*) AS n FROM baseline_user_clients");
    assert!(clients > 0, "no baseline rows on the S3 lake");
    // A wrong secret fails with one line and without echoing the secret.
    let output = server
        .command()
        .env("AWS_ENDPOINT", "http://127.0.0.1:9")
        .args(["--lake", "s3://lake/tenant", "sql", "-c", "SELECT 1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        !stderr.contains("very-secret-test-key"),
        "credentials leaked: {stderr}"
    );
}
