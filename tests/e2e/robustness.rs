//! Hostile and awkward input: nothing lost or doubled (issue 16). One event exported
//! two ways lands once whatever the two exports say its time is, even across
//! midnight; records nested absurdly deep are quarantined without taking the process
//! down; a CSV quote that never closes costs one record, not the rest of the file.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::*;

const SERVICE_PRINCIPAL_SAMPLE: &str =
    "real/entra-diagnostic/elastic-integrations/test-service-principal-signinlogs-sample.log";

/// (read, written, duplicates, quarantined) of a summary.
fn counts(summary: &Value) -> (u64, u64, u64, u64) {
    let n = |key: &str| summary[key].as_u64().unwrap();
    (n("read"), n("written"), n("duplicates"), n("quarantined"))
}

fn write_lines(dir: &Path, name: &str, records: &[Value]) -> PathBuf {
    let path = dir.join(name);
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The first record of the real diagnostic-settings service-principal sample, with
/// its id and creation time replaced.
fn diagnostic_service_principal(id: &str, created: &str) -> Value {
    let text = std::fs::read_to_string(fixture(SERVICE_PRINCIPAL_SAMPLE)).unwrap();
    let mut record: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    record["time"] = json!(created);
    record["properties"]["id"] = json!(id);
    record["properties"]["createdDateTime"] = json!(created);
    record
}

/// The same sign-in as a Log Analytics `AADServicePrincipalSignInLogs` row: PascalCase
/// columns, no `CreatedDateTime`, and `TimeGenerated` when the workspace received it.
fn log_analytics_service_principal(diagnostic: &Value, time_generated: &str) -> Value {
    let p = &diagnostic["properties"];
    json!({
        "TenantId": "63613592-b6f7-4c3d-a390-22ba13102111",
        "SourceSystem": "Azure AD",
        "TimeGenerated": time_generated,
        "OperationName": "Sign-in activity",
        "Category": "ServicePrincipalSignInLogs",
        "ResultType": "0",
        "CorrelationId": p["correlationId"],
        "Location": "IN",
        "AppId": p["appId"],
        "ConditionalAccessStatus": "notApplied",
        "Id": p["id"],
        "IPAddress": p["ipAddress"],
        "LocationDetails": p["location"],
        "ResourceDisplayName": p["resourceDisplayName"],
        "ResourceIdentity": p["resourceId"],
        "ServicePrincipalCredentialKeyId": p["servicePrincipalCredentialKeyId"],
        "ServicePrincipalId": p["servicePrincipalId"],
        "ServicePrincipalName": p["servicePrincipalName"],
        "UniqueTokenIdentifier": p["uniqueTokenIdentifier"],
        "AADTenantId": diagnostic["tenantId"],
        "Type": "AADServicePrincipalSignInLogs",
    })
}

/// Two service-principal sign-ins in both exports: one whose Log Analytics row came
/// 4.5 minutes after it, one at 23:58:30 that Log Analytics received after midnight.
fn service_principal_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let same_day = diagnostic_service_principal(
        "d5935dca-86f2-4ac9-a42c-3593b00af801",
        "2022-02-08T06:22:28.3518405+00:00",
    );
    let before_midnight = diagnostic_service_principal(
        "0f2c8e51-3b7a-4d0e-9d6c-7a41e2b9c802",
        "2022-02-08T23:58:30.1204417+00:00",
    );
    let log_analytics = [
        log_analytics_service_principal(&same_day, "2022-02-08T06:26:58.9031257Z"),
        log_analytics_service_principal(&before_midnight, "2022-02-09T00:03:12.6640094Z"),
    ];
    (
        write_lines(dir, "AADServicePrincipalSignInLogs.json", &log_analytics),
        write_lines(dir, "PT1H.json", &[same_day, before_midnight]),
    )
}

#[test]
fn service_principal_sign_ins_from_log_analytics_and_diagnostic_settings_land_once() {
    let dir = tempfile::tempdir().unwrap();
    let (log_analytics, diagnostic) = service_principal_pair(dir.path());
    let (log_analytics, diagnostic) = (
        log_analytics.to_str().unwrap(),
        diagnostic.to_str().unwrap(),
    );

    // Both exports in one run, either order.
    for inputs in [[diagnostic, log_analytics], [log_analytics, diagnostic]] {
        let lake = tempfile::tempdir().unwrap();
        let summary = ingest_summary(lake.path(), &inputs);
        assert_balanced(&summary);
        assert_eq!(counts(&summary), (4, 2, 2, 0), "{inputs:?}: {summary}");
        assert_eq!(count(lake.path(), "signins"), 2);
    }

    // One export after the other in separate runs, either order: the second run finds
    // the first copy in the lake, in its own day's partition or the neighbouring one.
    for (first, second) in [(diagnostic, log_analytics), (log_analytics, diagnostic)] {
        let lake = tempfile::tempdir().unwrap();
        assert_eq!(counts(&ingest_summary(lake.path(), &[first])), (2, 2, 0, 0));
        let again = ingest_summary(lake.path(), &[second]);
        assert_balanced(&again);
        assert_eq!(
            counts(&again),
            (2, 0, 2, 0),
            "{second} after {first}: {again}"
        );
        let rows = sql(
            lake.path(),
            "SELECT event_id, log_type, event_type FROM signins ORDER BY event_id",
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(
            rows.iter().all(|r| r["log_type"] == "service_principal"
                && r["event_type"] == "AADServicePrincipalSignInLogs"),
            "{rows:?}"
        );
    }
}

/// The real portal CSV export, and the same seven sign-ins as a Log Analytics JSON
/// export: built from the rows the CSV landed as, with `CreatedDateTime` at the 7
/// fractional digits the JSON exports keep (the CSV shows milliseconds) and the
/// dynamic columns as objects.
fn log_analytics_json_of_the_portal_csv(dir: &Path) -> PathBuf {
    let scratch = tempfile::tempdir().unwrap();
    let csv = fixture("real/entra-loganalytics/azure-sentinel/sign-in_adelete.first7.csv");
    ingest_summary(scratch.path(), &[csv.to_str().unwrap()]);
    let rows = sql(
        scratch.path(),
        "SELECT raw, time FROM signins ORDER BY time, event_id",
    );
    assert_eq!(rows.len(), 7);
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut record: Value = serde_json::from_str(row["raw"].as_str().unwrap()).unwrap();
            let time = row["time"].as_str().unwrap().trim_end_matches('Z');
            let (seconds, fraction) = time.split_once('.').unwrap_or((time, ""));
            let created = format!("{seconds}.{fraction:0<3}4391Z");
            let object = record.as_object_mut().unwrap();
            for value in object.values_mut() {
                let parsed = value
                    .as_str()
                    .filter(|text| text.starts_with('{') || text.starts_with('['))
                    .and_then(|text| serde_json::from_str::<Value>(text).ok());
                if let Some(parsed) = parsed {
                    *value = parsed;
                }
            }
            object.insert("CreatedDateTime".into(), json!(created));
            object.insert("TimeGenerated".into(), json!(created));
            record
        })
        .collect();
    write_lines(dir, "SigninLogs.json", &records)
}

#[test]
fn portal_csv_and_log_analytics_json_of_the_same_sign_ins_land_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("real/entra-loganalytics/azure-sentinel/sign-in_adelete.first7.csv");
    let csv = csv.to_str().unwrap();
    let json = log_analytics_json_of_the_portal_csv(dir.path());
    let json = json.to_str().unwrap();

    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[json, csv]);
    assert_balanced(&summary);
    assert_eq!(counts(&summary), (14, 7, 7, 0), "{summary}");
    // The first copy wins: the JSON export's microseconds.
    let times = sql(lake.path(), "SELECT time FROM signins ORDER BY time");
    assert!(
        times
            .iter()
            .all(|r| r["time"].as_str().unwrap().ends_with("439Z")),
        "{times:?}"
    );

    let lake = tempfile::tempdir().unwrap();
    assert_eq!(counts(&ingest_summary(lake.path(), &[csv])), (7, 7, 0, 0));
    assert_eq!(counts(&ingest_summary(lake.path(), &[json])), (7, 0, 7, 0));
    assert_eq!(count(lake.path(), "signins"), 7);
}

#[test]
fn graph_and_diagnostic_exports_of_the_same_sign_in_land_once() {
    let dir = tempfile::tempdir().unwrap();
    let graph = fixture(
        "real/entra-graph/microsoft-graph-docs-contrib/beta_signin-list_example1_response.json",
    );
    let page: Value = serde_json::from_str(&std::fs::read_to_string(&graph).unwrap()).unwrap();
    let item = page["value"][0].clone();
    assert_eq!(item["createdDateTime"], "2021-06-30T16:34:32Z");
    // Diagnostic settings write the Graph sign-in as `properties`, with the creation
    // time at 7 fractional digits where Graph shows whole seconds.
    let mut properties = item.clone();
    properties["createdDateTime"] = json!("2021-06-30T16:34:32.4817305+00:00");
    let diagnostic = json!({
        "time": "2021-06-30T16:34:32.4817305Z",
        "resourceId": "/tenants/99081087-73c4-48d1-a112-f60ff75114f7/providers/Microsoft.aadiam",
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": "SignInLogs",
        "tenantId": "99081087-73c4-48d1-a112-f60ff75114f7",
        "resultType": "50126",
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": item["ipAddress"],
        "correlationId": item["correlationId"],
        "identity": item["userDisplayName"],
        "Level": 4,
        "location": "US",
        "properties": properties,
    });
    let diagnostic = write_lines(dir.path(), "PT1H.json", &[diagnostic]);
    let (graph, diagnostic) = (graph.to_str().unwrap(), diagnostic.to_str().unwrap());

    for inputs in [[graph, diagnostic], [diagnostic, graph]] {
        let lake = tempfile::tempdir().unwrap();
        let summary = ingest_summary(lake.path(), &inputs);
        assert_balanced(&summary);
        assert_eq!(counts(&summary), (2, 1, 1, 0), "{inputs:?}: {summary}");
    }
    let lake = tempfile::tempdir().unwrap();
    ingest_summary(lake.path(), &[diagnostic]);
    assert_eq!(counts(&ingest_summary(lake.path(), &[graph])), (1, 0, 1, 0));
    assert_eq!(count(lake.path(), "signins"), 1);
}

#[test]
fn records_without_an_id_deduplicate_by_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let without_id = |created: &str| {
        let mut record = diagnostic_service_principal("x", created);
        record["properties"].as_object_mut().unwrap().remove("id");
        record
    };
    let first = without_id("2022-02-08T06:22:28.3518405+00:00");
    // Another sign-in, a second later: not the same record.
    let second = without_id("2022-02-08T06:22:29.3518405+00:00");
    let input = write_lines(dir.path(), "no-ids.json", &[first.clone(), second, first]);
    let input = input.to_str().unwrap();
    let lake = tempfile::tempdir().unwrap();
    assert_eq!(counts(&ingest_summary(lake.path(), &[input])), (3, 2, 1, 0));
    assert_eq!(counts(&ingest_summary(lake.path(), &[input])), (3, 0, 3, 0));
    let ids = sql(lake.path(), "SELECT DISTINCT event_id FROM signins");
    assert_eq!(ids.len(), 2);
    assert!(
        ids.iter()
            .all(|r| r["event_id"].as_str().unwrap().starts_with("xxh3:")),
        "{ids:?}"
    );
}

/// The quarantine lines of a lake's only run.
fn quarantine_lines(lake: &Path) -> Vec<Value> {
    let folder = lake.join("_tokenhunt/quarantine");
    let entry = std::fs::read_dir(folder).unwrap().next().unwrap().unwrap();
    std::fs::read_to_string(entry.path())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_record_nested_100000_levels_deep_is_quarantined_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(fixture(SERVICE_PRINCIPAL_SAMPLE)).unwrap();
    let good: Vec<&str> = sample.lines().take(2).collect();
    let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    for (name, deep) in [("arrays.json", arrays), ("objects.json", objects)] {
        let input = dir.path().join(name);
        std::fs::write(&input, format!("{}\n{deep}\n{}\n", good[0], good[1])).unwrap();
        let lake = tempfile::tempdir().unwrap();
        let output = tokenhunt()
            .args([
                "--lake",
                lake.path().to_str().unwrap(),
                "--format",
                "jsonl",
                "ingest",
                input.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{name}: {:?}\n{stderr}",
            output.status
        );
        let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(counts(&summary), (3, 2, 0, 1), "{name}: {summary}");
        let lines = quarantine_lines(lake.path());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["record"], 2);
        let reason = lines[0]["reason"].as_str().unwrap();
        assert!(
            reason.contains("levels deep") && reason.contains("the limit is 512 levels"),
            "{name}: {reason}"
        );
        assert_eq!(count(lake.path(), "signins"), 2);
    }
}

#[test]
fn json_nested_100000_levels_deep_inside_a_string_field_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let same_day = diagnostic_service_principal(
        "d5935dca-86f2-4ac9-a42c-3593b00af801",
        "2022-02-08T06:22:28.3518405+00:00",
    );
    let mut hostile = log_analytics_service_principal(&same_day, "2022-02-08T06:26:58.9031257Z");
    // Log Analytics writes dynamic columns as JSON text at times: this one is deep.
    let deep = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    hostile["LocationDetails"] = json!(deep);
    hostile["Id"] = json!("7b1e4c62-0d3a-4f5e-8a9b-1c2d3e4f5a6b");
    let mut arrays = hostile.clone();
    arrays["LocationDetails"] = json!(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
    arrays["Id"] = json!("8c2f5d73-1e4b-4a6f-9bac-2d3e4f5a6b7c");
    let input = write_lines(
        dir.path(),
        "deep-strings.json",
        &[same_day, hostile, arrays],
    );
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[input.to_str().unwrap()]);
    assert_eq!(counts(&summary), (3, 3, 0, 0), "{summary}");
    // The deep text is not parsed: the location is unknown, the record whole in `raw`.
    let rows = sql(
        lake.path(),
        "SELECT country, length(raw) > 200000 AS whole FROM signins \
         WHERE event_id IN ('7b1e4c62-0d3a-4f5e-8a9b-1c2d3e4f5a6b', '8c2f5d73-1e4b-4a6f-9bac-2d3e4f5a6b7c')",
    );
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["whole"] == true), "{rows:?}");
}

#[test]
fn a_csv_cell_whose_quote_never_closes_is_capped_and_the_rows_after_it_land() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("SigninLogs.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    writeln!(
        out,
        "TenantId,SourceSystem,TimeGenerated [UTC],OperationName,Category,ResultType,\
         CorrelationId,Id,IPAddress,UserPrincipalName,AppDisplayName,ClientAppUsed,\
         CreatedDateTime [UTC],Type"
    )
    .unwrap();
    let row = |n: u32, app: &str| {
        format!(
            "7c759f10-811c-4db8-ad6d-f07d8ae3f8ea,Azure AD,2021-04-28T{:02}:{:02}:{:02}.101Z,\
             Sign-in activity,SignInLogs,0,f9ff9ee8-d565-478b-bc95-{n:012},\
             cfb68155-70f5-4e28-b046-{n:012},175.45.176.99,adelev@m365x816222.onmicrosoft.com,\
             {app},Browser,2021-04-28T{:02}:{:02}:{:02}.221Z,SigninLogs",
            n / 3600 % 24,
            n / 60 % 60,
            n % 60,
            n / 3600 % 24,
            n / 60 % 60,
            n % 60
        )
    };
    writeln!(out, "{}", row(0, "Azure Portal")).unwrap();
    // A quote opened and never closed: every byte after it belongs to the cell.
    writeln!(out, "{}", row(1, "\"Azure Portal")).unwrap();
    // More than the 8 MiB cap of rows after it, none with a quote.
    let after = 40_000;
    for n in 2..2 + after {
        writeln!(out, "{}", row(n, "Azure Portal")).unwrap();
    }
    drop(out);
    assert!(std::fs::metadata(&input).unwrap().len() > 9 << 20);
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[input.to_str().unwrap()]);
    assert_balanced(&summary);
    assert_eq!(
        counts(&summary),
        (2 + after as u64, 1 + after as u64, 0, 1),
        "{summary}"
    );
    let lines = quarantine_lines(lake.path());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["record"], 2);
    let reason = lines[0]["reason"].as_str().unwrap();
    assert!(reason.contains("larger than 8 MiB"), "{reason}");
    assert!(
        lines[0]["raw"].as_str().unwrap().starts_with("7c759f10-"),
        "the record's first line is kept: {}",
        lines[0]
    );
    assert_eq!(count(lake.path(), "signins"), 1 + after as u64);
}

/// Okta sign-ins over three days, `n` of them, as JSON Lines.
fn okta_events(dir: &Path, name: &str, n: usize) -> PathBuf {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "uuid": format!("c0ffee00-0000-4000-8000-{i:012}"),
                "published": format!("2026-06-{:02}T{:02}:{:02}:{:02}.000Z", 1 + i % 3, i / 3600 % 24, i / 60 % 60, i % 60),
                "eventType": "user.session.start",
                "actor": {"alternateId": format!("u{}@example.com", i % 97), "type": "User"},
                "client": {"ipAddress": format!("198.51.100.{}", i % 250), "userAgent": {"rawUserAgent": "Mozilla/5.0"}},
                "outcome": {"result": "SUCCESS"},
            })
        })
        .collect();
    write_lines(dir, name, &records)
}

#[test]
fn two_ingests_of_the_same_inputs_into_one_lake_at_once_land_each_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = 30_000;
    let first = okta_events(dir.path(), "a.jsonl", events);
    let lake = dir.path().join("lake");
    let spawn = || {
        tokenhunt()
            .args([
                "--lake",
                lake.to_str().unwrap(),
                "--format",
                "jsonl",
                "ingest",
                first.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn(), spawn()];
    let mut summaries = Vec::new();
    let mut messages = String::new();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        messages.push_str(&stderr);
        let text = String::from_utf8(output.stdout).unwrap();
        summaries.push(serde_json::from_str::<Value>(text.trim()).unwrap());
    }
    for summary in &summaries {
        assert_balanced(summary);
        assert_eq!(summary["read"], json!(events), "{summary}");
    }
    let written: u64 = summaries
        .iter()
        .map(|s| s["written"].as_u64().unwrap())
        .sum();
    let duplicates: u64 = summaries
        .iter()
        .map(|s| s["duplicates"].as_u64().unwrap())
        .sum();
    assert_eq!(
        (written, duplicates),
        (events as u64, events as u64),
        "{summaries:?}\n{messages}"
    );
    assert_eq!(count(&lake, "signins"), events as u64);
    let distinct = sql(&lake, "SELECT count(DISTINCT event_id) AS n FROM signins");
    assert_eq!(distinct[0]["n"], json!(events));
}

/// Writes a lease generation as a writer on another host would leave it.
fn foreign_lease(
    lake: &Path,
    generation: u64,
    run_id: &str,
    expires: chrono::DateTime<chrono::Utc>,
) {
    let folder = lake.join("_tokenhunt/lease");
    std::fs::create_dir_all(&folder).unwrap();
    let record = json!({
        "host": "other-host.example",
        "pid": 4242,
        "run_id": run_id,
        "expires_micros": expires.timestamp_micros(),
        "expires": expires.to_rfc3339(),
    });
    std::fs::write(
        folder.join(format!("g-{generation:020}.lease")),
        record.to_string(),
    )
    .unwrap();
}

#[test]
fn a_stale_write_lease_is_taken_over_and_a_live_one_is_waited_for_then_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = okta_events(dir.path(), "a.jsonl", 50);
    let lake = dir.path().join("lake");
    let ingest = |wait: &str| {
        tokenhunt()
            .args([
                "--lake",
                lake.to_str().unwrap(),
                "--lease-wait",
                wait,
                "ingest",
                input.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    // A run on another host that died a minute ago.
    let now = chrono::Utc::now();
    foreign_lease(
        &lake,
        3,
        "run-that-died",
        now - chrono::Duration::seconds(60),
    );
    let taken = ingest("1s");
    let stderr = String::from_utf8_lossy(&taken.stderr);
    assert!(taken.status.success(), "{stderr}");
    assert!(
        stderr.contains("took over") && stderr.contains("run-that-died"),
        "{stderr}"
    );
    assert_eq!(count(&lake, "signins"), 50);

    // A live run on another host: waited for, then named.
    foreign_lease(
        &lake,
        100,
        "run-still-going",
        now + chrono::Duration::seconds(600),
    );
    let started = std::time::Instant::now();
    let refused = ingest("1s");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(
        stderr.contains("waiting for the lake's write lease")
            && stderr.contains("run-still-going")
            && stderr.contains("other-host.example")
            && stderr.contains("gave up"),
        "{stderr}"
    );
    assert_eq!(count(&lake, "signins"), 50);
}

#[test]
fn a_hunt_from_hunt_dirs_may_only_query() {
    let dir = tempfile::tempdir().unwrap();
    let input = okta_events(dir.path(), "a.jsonl", 20);
    let lake = dir.path().join("lake");
    ingest_summary(&lake, &[input.to_str().unwrap()]);
    let hunts = dir.path().join("my-hunts");
    std::fs::create_dir_all(&hunts).unwrap();
    let target = dir.path().join("x.csv");
    let header = |id: &str| {
        format!(
            "-- id: {id}\n-- title: t\n-- technique: T1078\n-- severity: low\n-- sources: okta\n\
             -- description: d\n"
        )
    };
    let statements = [
        (
            "copies_out",
            format!("COPY (SELECT 1) TO '{}'", target.display()),
        ),
        (
            "creates_a_table",
            format!(
                "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '{}'",
                target.display()
            ),
        ),
        (
            "inserts",
            "INSERT INTO signins SELECT * FROM signins".to_string(),
        ),
        (
            "sets",
            "SET datafusion.execution.batch_size = 1".to_string(),
        ),
    ];
    for (id, sql) in &statements {
        std::fs::write(hunts.join(format!("{id}.sql")), header(id) + sql + "\n").unwrap();
    }
    std::fs::write(
        dir.path().join("tokenhunt.toml"),
        format!("hunt_dirs = [{:?}]\n", hunts.to_str().unwrap()),
    )
    .unwrap();
    for (id, _) in &statements {
        let output = tokenhunt()
            .current_dir(dir.path())
            .args(["--lake", lake.to_str().unwrap(), "hunt", id])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{id}: {stderr}");
        assert!(
            stderr.contains(&format!("hunt {id}")) && stderr.contains("only a query"),
            "{id}: {stderr}"
        );
        assert!(!target.exists(), "{id} wrote {}", target.display());
    }
    assert_eq!(count(&lake, "signins"), 20);
}

#[test]
fn escape_sequences_and_newlines_in_records_print_escaped_in_tables() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "Mozilla/5.0 \u{1b}[31mRED\u{1b}[0m\nuser admin signed in OK \u{202e}gpj.exe";
    let record = json!({
        "uuid": "c0ffee00-0000-4000-8000-00000000beef",
        "published": "2026-06-01T10:00:00.000Z",
        "eventType": "user.session.start",
        "actor": {"alternateId": "victim@example.com", "type": "User"},
        "client": {"ipAddress": "198.51.100.7", "userAgent": {"rawUserAgent": hostile}},
        "outcome": {"result": "SUCCESS"},
    });
    let input = write_lines(dir.path(), "hostile.jsonl", &[record]);
    let lake = dir.path().join("lake");
    ingest_summary(&lake, &[input.to_str().unwrap()]);
    for format in ["table", "vertical"] {
        let output = run_ok(&[
            "--lake",
            lake.to_str().unwrap(),
            "--format",
            format,
            "sql",
            "-c",
            "SELECT user, user_agent FROM signins",
        ]);
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{format}: raw control characters reached the output: {text:?}"
        );
        let line = text
            .lines()
            .find(|line| line.contains("Mozilla"))
            .unwrap_or_else(|| panic!("{format}: {text}"));
        assert!(
            line.contains(r"\x1b[31mRED\x1b[0m\nuser admin signed in OK \u{202e}gpj.exe"),
            "{format}: {line:?}"
        );
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("user admin")),
            "{format}: a forged line: {text}"
        );
    }
    // Machine formats keep the value exactly (their own escaping).
    let rows = sql(&lake, "SELECT user_agent FROM signins");
    assert_eq!(rows[0]["user_agent"], json!(hostile));
}

#[test]
fn ingest_killed_at_random_points_then_rerun_lands_every_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = 40_000u64;
    let input = okta_events(dir.path(), "events.jsonl", events as usize);
    let run = |lake: &Path| {
        tokenhunt()
            .args([
                "--lake",
                lake.to_str().unwrap(),
                "--format",
                "jsonl",
                "ingest",
                // A small buffer: partitions are written, and the lease renewed,
                // many times during the run, so kills land between and within writes.
                "--buffer",
                "512KiB",
                input.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // How long a whole run takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    let whole = run(&dir.path().join("timing-lake"))
        .wait_with_output()
        .unwrap();
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let full_ms = started.elapsed().as_millis().max(50) as u64;
    // Three runs into one lake, each killed at a random point within `span_ms` unless it
    // ended first; after each, the lake holds whole files and no event twice.
    let kill_runs = |lake: &std::path::Path, state: &mut u64, span_ms: u64, seed: u64| {
        let mut kills = 0;
        for attempt in 0..3 {
            let at = kill_point_ms(state, span_ms);
            let mut child = run(lake);
            std::thread::sleep(std::time::Duration::from_millis(at));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                kills += 1;
            }
            // (A run may still end on its own between the check and the kill.)
            child.wait().unwrap();
            // What a query sees after the kill: whole files only (the query reads
            // every `.parquet` file; a partial one has no footer and would fail it),
            // no event twice.
            let (_, other) = lake_files(lake);
            assert!(
                other
                    .iter()
                    .all(|p| !p.to_string_lossy().ends_with(".parquet")),
                "{other:?}"
            );
            let (rows, ids) = rows_and_distinct_ids(lake);
            assert_eq!(
                rows, ids,
                "seed {seed} kill {attempt} at {at} ms: an event twice"
            );
            assert!(rows <= events);
        }
        kills
    };
    for seed in 1..=4u64 {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // Each try on a fresh lake.
        let lake = with_earlier_kills(full_ms, |span_ms| {
            let lake = dir.path().join(format!("lake-{seed}-{span_ms}"));
            (kill_runs(&lake, &mut state, span_ms, seed) > 0).then_some(lake)
        })
        .unwrap_or_else(|| panic!("seed {seed}: every run finished before its kill"));
        // The rerun completes the job.
        assert_rerun_lands_every_event_once(run(&lake), &lake, events, seed);
    }
}
