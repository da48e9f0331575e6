//! Hunts: they run on every real fixture, flag the known stolen-session cases, and meet
//! recall and precision floors on a generated tenant with planted attacks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::*;

const CONTRACT: &[&str] = &[
    "finding_id",
    "hunt",
    "technique",
    "severity",
    "score",
    "user",
    "session_id",
    "source",
    "first_seen",
    "last_seen",
    "ips",
    "asns",
    "countries",
    "apps",
    "reason",
    "evidence",
];

#[test]
fn hunts_run_on_the_real_fixtures_and_flag_the_known_cases() {
    let lake = tempfile::tempdir().unwrap();
    ingest_summary(
        lake.path(),
        &[
            fixture("real").to_str().unwrap(),
            fixture("crafted").to_str().unwrap(),
        ],
    );
    let findings = hunt_jsonl(lake.path(), &["--all", "--min-score", "0"]);
    for finding in &findings {
        for key in CONTRACT {
            assert!(finding.get(*key).is_some(), "{key} missing in {finding}");
        }
        assert!(finding["evidence"].is_object());
    }
    let flagged: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["hunt"].as_str().unwrap().to_string(),
                f["user"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // Panther's Okta "Reuse Event" (app.oauth2.token.detect_reuse; the user known only by id).
    assert!(
        flagged.contains(&("okta_native_signals".into(), "abcd123".into())),
        "{flagged:?}"
    );
    // Panther's "Multiple IP Access to Same Microsoft Graph Session": a session driven by
    // python-requests, replayed from a second IP in the crafted record.
    assert!(
        flagged.contains(&("session_scripted_client".into(), "gandalf@lotr.com".into())),
        "{flagged:?}"
    );
    // Panther's "Add service principal credentials" from a network the user never signed in from.
    assert!(
        flagged.contains(&(
            "entra_credentials_after_new_network".into(),
            "frodo@lotr.com".into()
        )),
        "{flagged:?}"
    );
}

fn eval(tenant: &Tenant, findings: &[Value]) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    let text: String = findings.iter().map(|f| format!("{f}\n")).collect();
    std::fs::write(file.path(), text).unwrap();
    let output = run_ok(&[
        "--format",
        "jsonl",
        "eval",
        "--labels",
        tenant.tenant.join("labels.json").to_str().unwrap(),
        "--findings",
        file.path().to_str().unwrap(),
    ]);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_small_tenant_meets_the_recall_and_precision_floors() {
    let tenant = small_tenant();
    let incidents = hunt_jsonl(&tenant.lake, &["--all", "--group", "incidents"]);
    let report = eval(tenant, &incidents);
    let recall = report["recall"].as_f64().unwrap();
    let precision = report["precision"].as_f64().unwrap();
    // Floors a little under what seed 12 measures (recall 0.68, precision 1.0, no false
    // incident). The generator draws some attacks no log can tell from the victim (the
    // victim's own ISP or carrier, the victim's user agent and device id, the victim
    // idle), so recall is the lower bar; precision is the one the product is judged on.
    assert!(recall >= 0.6, "recall {recall}: {report}");
    assert!(precision >= 0.9, "precision {precision}: {report}");
    let kinds = report["recall_by_kind"].as_object().unwrap();
    let seen = kinds
        .values()
        .filter(|counts| counts["detected"].as_u64().unwrap() > 0)
        .count();
    assert!(
        seen + 2 >= kinds.len(),
        "{seen} of {} kinds seen: {report}",
        kinds.len()
    );
    assert!(
        report["alerts_per_1k_users_per_day"].as_f64().unwrap() <= 1.0,
        "{report}"
    );
}

#[test]
fn findings_have_stable_ids_and_every_format_carries_the_contract() {
    let tenant = small_tenant();
    let first = hunt_jsonl(
        &tenant.lake,
        &["entra_session_new_network", "okta_session_hijack"],
    );
    let second = hunt_jsonl(
        &tenant.lake,
        &["entra_session_new_network", "okta_session_hijack"],
    );
    assert!(!first.is_empty());
    let ids = |findings: &[Value]| -> BTreeSet<String> {
        findings
            .iter()
            .map(|f| f["finding_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&first),
        ids(&second),
        "reruns must deduplicate on finding_id"
    );
    let lake = tenant.lake.to_str().unwrap();
    let csv = run_ok(&[
        "--lake",
        lake,
        "--format",
        "csv",
        "hunt",
        "okta_session_hijack",
    ]);
    let header = String::from_utf8(csv.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(header, CONTRACT.join(","));
    let out = tempfile::tempdir().unwrap();
    let parquet = out.path().join("findings.parquet");
    run_ok(&[
        "--lake",
        lake,
        "--format",
        "parquet",
        "hunt",
        "okta_session_hijack",
        "--out",
        parquet.to_str().unwrap(),
    ]);
    let rows = run_ok(&[
        "--lake",
        lake,
        "--format",
        "csv",
        "sql",
        "-c",
        &format!("SELECT count(*) AS n FROM '{}'", parquet.display()),
    ]);
    let count: usize = String::from_utf8(rows.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        count,
        hunt_jsonl(&tenant.lake, &["okta_session_hijack"]).len()
    );
}

#[test]
fn the_configuration_switches_hunts_and_tunes_them() {
    let tenant = small_tenant();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tokenhunt.toml");
    run_ok(&["config", "init", config.to_str().unwrap()]);
    let default = std::fs::read_to_string(&config).unwrap();
    assert!(default.contains("[allowlist]") && default.contains("exclude_microsoft = true"));
    std::fs::write(
        &config,
        format!("{default}\n[hunts.okta_session_hijack]\nenabled = false\n[hunts.entra_session_new_network]\nmin_score = 101\n"),
    )
    .unwrap();
    let findings = hunt_jsonl(&tenant.lake, &["--all"]);
    let output = run_ok(&[
        "--lake",
        tenant.lake.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--format",
        "jsonl",
        "hunt",
        "--all",
    ]);
    let configured: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let hunts = |findings: &[Value]| -> BTreeSet<String> {
        findings
            .iter()
            .map(|f| f["hunt"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(hunts(&findings).contains("okta_session_hijack"));
    assert!(!hunts(&configured).contains("okta_session_hijack"));
    assert!(!hunts(&configured).contains("entra_session_new_network"));
    let listing =
        String::from_utf8(run_ok(&["--config", config.to_str().unwrap(), "hunts"]).stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("okta_session_hijack") && l.ends_with("(disabled)")),
        "{listing}"
    );
}

#[test]
fn a_stored_baseline_is_used_by_hunts_and_queryable() {
    let tenant = small_tenant();
    let lake = tempfile::tempdir().unwrap();
    // A copy of the lake, so storing a baseline does not change what other tests see.
    let copy = lake.path().join("lake");
    copy_folder(&tenant.lake, &copy);
    run_ok(&["--lake", copy.to_str().unwrap(), "baseline"]);
    let users = sql(
        &copy,
        "SELECT count(DISTINCT user) AS n FROM baseline_user_networks",
    );
    assert!(users[0]["n"].as_u64().unwrap() > 50);
    let with_stored = hunt_jsonl(&copy, &["entra_session_new_network"]);
    let computed = hunt_jsonl(&tenant.lake, &["entra_session_new_network"]);
    assert_eq!(with_stored.len(), computed.len());

    // A baseline built by other baseline queries (an older tokenhunt) is not used.
    let manifest_path = copy.join("_tokenhunt/baseline/baseline.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert!(manifest["definitions"].is_string());
    manifest["definitions"] = serde_json::json!("0000000000000000");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let stale = run_ok(&[
        "--lake",
        copy.to_str().unwrap(),
        "--format",
        "jsonl",
        "hunt",
        "entra_session_new_network",
    ]);
    let note = String::from_utf8_lossy(&stale.stderr);
    assert!(
        note.contains("run `tokenhunt baseline` to rebuild"),
        "{note}"
    );
    let rows = String::from_utf8(stale.stdout).unwrap();
    assert_eq!(rows.lines().count(), computed.len());
}

#[test]
fn verbose_hunts_report_the_bytes_read_and_the_rows_decoded() {
    let tenant = small_tenant();
    let lake = tenant.lake.to_str().unwrap();
    let output = run_ok(&["--lake", lake, "-v", "hunt", "entra_token_reuse"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    let line = stderr
        .lines()
        .find(|line| line.starts_with("read "))
        .unwrap_or_else(|| panic!("no read line in {stderr}"));
    let rows: u64 = line
        .rsplit("; ")
        .next()
        .and_then(|tail| tail.strip_suffix(" rows decoded"))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no rows decoded in {line:?}"));
    // The hunt compares each session with the whole history: every Entra user's row
    // is decoded at least once (its materialised step is read again), Okta's are
    // pruned by their partition.
    let entra = sql(
        &tenant.lake,
        "SELECT count(*) AS n FROM signins WHERE source = 'entra' AND user IS NOT NULL",
    )[0]["n"]
        .as_u64()
        .unwrap();
    assert!(
        rows >= entra,
        "{rows} rows decoded, {entra} Entra rows: {line}"
    );
    assert!(line.contains("MB of the lake's"), "{line}");
}

/// Every row of every baseline table, as sorted JSON lines (row order is no part of
/// a table).
fn baseline_tables(lake: &std::path::Path) -> Vec<(String, Vec<String>)> {
    [
        "baseline_user_networks",
        "baseline_user_countries",
        "baseline_prefix_users",
        "baseline_network_roaming",
        "baseline_user_clients",
    ]
    .iter()
    .map(|table| {
        let mut rows: Vec<String> = sql(lake, &format!("SELECT * FROM {table}"))
            .iter()
            .map(|row| row.to_string())
            .collect();
        rows.sort();
        assert!(!rows.is_empty(), "{table} is empty");
        (table.to_string(), rows)
    })
    .collect()
}

fn baseline(lake: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["--lake", lake.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push("baseline");
    if args.contains(&"--incremental") {
        all.retain(|a| *a != "--incremental");
        all.push("--incremental");
    }
    String::from_utf8_lossy(&run_ok(&all).stderr).into_owned()
}

#[test]
fn an_incremental_baseline_equals_a_full_rebuild() {
    let tenant = small_tenant();
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    copy_folder(&tenant.lake, &lake);
    let days = sql(&lake, "SELECT DISTINCT date FROM signins ORDER BY date");
    let day = |i: usize| format!("{}T00:00:00Z", days[i]["date"].as_str().unwrap());
    assert!(days.len() >= 5, "{days:?}");
    let (first_cut, second_cut) = (day(2), day(days.len() - 2));

    // Stored up to the third day, then brought up to the second-last day.
    baseline(&lake, &["--until", &first_cut]);
    let updated = baseline(&lake, &["--until", &second_cut, "--incremental"]);
    assert!(updated.contains("updated with the days since"), "{updated}");
    let incremental = baseline_tables(&lake);
    baseline(&lake, &["--until", &second_cut]);
    assert_eq!(incremental, baseline_tables(&lake));

    // Without --until: up to the lake's last sign-in, from the stored rollups.
    let updated = baseline(&lake, &["--incremental"]);
    assert!(updated.contains("updated with the days since"), "{updated}");
    let incremental = baseline_tables(&lake);
    baseline(&lake, &[]);
    assert_eq!(incremental, baseline_tables(&lake));
    // The rollups of the full rebuild replaced the incremental ones.
    let rollups = std::fs::read_dir(lake.join("_tokenhunt/baseline/rollup/baseline_user_networks"))
        .unwrap()
        .count();
    assert_eq!(rollups, 1);

    // A sign-in older than the stored baseline's end arrives (a late export): only a
    // full rebuild counts it, so the incremental build does one and says why.
    baseline(&lake, &["--until", &second_cut]);
    let late = dir.path().join("late.jsonl");
    let record = serde_json::json!({
        "uuid": "1a7e0000-0000-4000-8000-000000000001",
        "published": format!("{}T12:00:00.000Z", days[1]["date"].as_str().unwrap()),
        "eventType": "user.session.start",
        "actor": {"alternateId": "late.arrival@example.com", "type": "User"},
        "client": {"ipAddress": "192.0.2.77"},
        "outcome": {"result": "SUCCESS"},
    });
    std::fs::write(&late, record.to_string() + "\n").unwrap();
    ingest_summary(&lake, &[late.to_str().unwrap()]);
    let rebuilt = baseline(&lake, &["--until", &second_cut, "--incremental"]);
    assert!(
        rebuilt.contains("older than the stored baseline's end")
            && rebuilt.contains("built in full"),
        "{rebuilt}"
    );
    let after_late = baseline_tables(&lake);
    assert!(
        after_late[0]
            .1
            .iter()
            .any(|row| row.contains("late.arrival@example.com"))
    );
    baseline(&lake, &["--until", &second_cut]);
    assert_eq!(after_late, baseline_tables(&lake));
}

#[test]
fn the_demo_generates_ingests_hunts_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(&["demo", "--dir", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The incidents table, then the score against the planted truth.
    assert!(stdout.contains("okta_session_hijack"), "{stdout}");
    let recall_line = stdout
        .lines()
        .find(|line| line.starts_with("recall"))
        .unwrap_or_else(|| panic!("no recall line in {stdout}"));
    let recall: f64 = recall_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    // Seed 7 measures 90.9 % (20 of 22) with every incident shown real.
    assert!(recall >= 80.0, "{recall_line}");
    // Below the alert threshold nothing is shown.
    assert!(!stdout.contains(" 40.0 │"), "{stdout}");
    // The lake stays for exploring.
    assert!(dir.path().join("lake/signins").is_dir());
}

/// An incident responder drops one anonymised export in: every address is private, the
/// records keep their own ASN and location, one day of history and no stored baseline.
/// The device-code phishing in it is flagged on the attacker's address, by the hunts
/// for what such a theft cannot avoid, and the victim's own address is never flagged.
#[test]
fn an_anonymised_one_day_device_code_export_flags_the_attacker_not_the_victim() {
    const VICTIM: &str = "megan.bowen@contoso.example";
    const VICTIM_IP: &str = "10.1.4.23";
    const ATTACKER_IP: &str = "172.20.9.77";
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[fixture("anonymised").to_str().unwrap()]);
    assert_eq!(summary["quarantined"], 0, "{summary}");
    let incidents = hunt_jsonl(lake.path(), &["--all", "--group", "incidents"]);
    assert!(!incidents.is_empty(), "nothing flagged");
    for incident in &incidents {
        let ips: Vec<&str> = incident["ips"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            !ips.contains(&VICTIM_IP),
            "the victim's own address is flagged: {incident}"
        );
    }
    let attacker = incidents
        .iter()
        .find(|i| i["user"] == VICTIM)
        .expect("an incident about the victim");
    assert!(attacker["score"].as_f64().unwrap() >= 50.0, "{attacker}");
    assert!(
        attacker["ips"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ip| ip == ATTACKER_IP),
        "{attacker}"
    );
    let hunts = attacker["hunt"].as_str().unwrap();
    for hunt in [
        "entra_device_code_token_use",
        "entra_device_registration_prt",
        "session_concurrent_use",
    ] {
        assert!(hunts.contains(hunt), "{hunt} missing from {hunts}");
    }
    // One day of history: the finding says what "new" meant.
    assert!(
        attacker["reason"]
            .as_str()
            .unwrap()
            .contains("day(s) of history: first seen within the data is the baseline"),
        "{attacker}"
    );
    let facts = attacker["evidence"]["corroboration"].as_array().unwrap();
    assert!(
        facts.iter().any(|f| f == "concurrent_use")
            && facts.iter().any(|f| f == "directory_change"),
        "{attacker}"
    );
    // Only the attack alerts: the colleague on the office line does not.
    assert!(
        incidents
            .iter()
            .filter(|i| i["score"].as_f64().unwrap() >= 50.0)
            .all(|i| i["user"] == VICTIM),
        "{incidents:?}"
    );
}

/// Ingests a crafted fixture folder (nothing may be quarantined) and hunts it: the lake,
/// and the incidents that alert at the default threshold.
fn alerting_incidents(folder: &str) -> (tempfile::TempDir, Vec<Value>) {
    let lake = tempfile::tempdir().unwrap();
    let summary = ingest_summary(lake.path(), &[fixture(folder).to_str().unwrap()]);
    assert_eq!(summary["quarantined"], 0, "{summary}");
    let alerting = hunt_jsonl(lake.path(), &["--all", "--group", "incidents"])
        .into_iter()
        .filter(|i| i["score"].as_f64().unwrap() >= 50.0)
        .collect();
    (lake, alerting)
}

/// The one alerting incident, about `user`, raised by `hunt` (among others) and
/// corroborated by `fact`.
fn the_only_alert<'a>(alerting: &'a [Value], user: &str, hunt: &str, fact: &str) -> &'a Value {
    assert_eq!(alerting.len(), 1, "{alerting:?}");
    let incident = &alerting[0];
    assert_eq!(incident["user"], user, "{incident}");
    assert_raised_by(incident, hunt, fact);
    incident
}

/// `hunt` is among the hunts that raised the incident, and `fact` among its corroborations.
fn assert_raised_by(incident: &Value, hunt: &str, fact: &str) {
    assert!(
        incident["hunt"].as_str().unwrap().contains(hunt),
        "{hunt} missing: {incident}"
    );
    let facts = incident["evidence"]["corroboration"].as_array().unwrap();
    assert!(
        facts.iter().any(|f| f == fact),
        "{fact} missing: {incident}"
    );
}

/// The incident's addresses.
fn ips_of(incident: &Value) -> BTreeSet<&str> {
    incident["ips"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// The alerting incidents are exactly those of `expected` (user, a hunt among those that
/// raised it, a corroboration among its facts, its addresses), one per user.
fn assert_alerting(alerting: &[Value], expected: &[(&str, &str, &str, &[&str])]) {
    let by_user: BTreeMap<&str, &Value> = alerting
        .iter()
        .map(|i| (i["user"].as_str().unwrap(), i))
        .collect();
    assert_eq!(by_user.len(), alerting.len(), "{alerting:?}");
    assert_eq!(
        by_user.keys().copied().collect::<BTreeSet<_>>(),
        expected.iter().map(|e| e.0).collect::<BTreeSet<_>>(),
        "{alerting:?}"
    );
    for &(user, hunt, fact, ips) in expected {
        let incident = by_user[user];
        assert_raised_by(incident, hunt, fact);
        assert_eq!(
            ips_of(incident),
            ips.iter().copied().collect::<BTreeSet<_>>(),
            "{incident}"
        );
    }
}

/// A thief behind a residential proxy on the victim's own ISP, in her country: no network
/// is new at the ASN level. The device's session turns up without the device, on other
/// addresses, between the device's own sign-ins, and that alone alerts. A browser that
/// also runs without the device id on the laptop's own address (a private window) and a
/// phone app that reports its device id now and then do not.
#[test]
fn a_session_replayed_on_the_victims_own_isp_is_flagged_by_the_device_it_lacks() {
    let (lake, alerting) = alerting_incidents("same-isp");
    let incident = the_only_alert(
        &alerting,
        "adele.vance@contoso.example",
        "entra_session_off_device",
        "token_left_device",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["62.45.110.8", "77.249.13.201", "84.241.9.77"]),
        "{incident}"
    );
    let off_device = hunt_jsonl(
        lake.path(),
        &["entra_session_off_device", "--min-score", "0"],
    );
    assert!(
        off_device
            .iter()
            .all(|f| f["user"] == "adele.vance@contoso.example"),
        "{off_device:?}"
    );
}

/// A device-code phish for Azure CLI whose tokens only Azure CLI redeems, from two
/// countries by turns: one refresh token in two places is two machines, whatever tool
/// redeems it. A developer's device-code sign-in redeemed from one Azure VM stays quiet.
#[test]
fn device_code_tokens_redeemed_in_two_countries_alert_whatever_tool_redeems_them() {
    let (_lake, alerting) = alerting_incidents("device-code-cli");
    let incident = the_only_alert(
        &alerting,
        "lee.gu@contoso.example",
        "entra_device_code_token_use",
        "token_multi_network",
    );
    let ips = ips_of(incident);
    assert!(
        ips.contains("45.79.127.16") && ips.contains("15.161.56.243"),
        "{incident}"
    );
    assert!(
        !ips.contains("73.42.17.201"),
        "the victim's home: {incident}"
    );
}

/// A device-code phish redeemed through a residential proxy on the victim's own ISP: the
/// same network as her home, but an address none of her clients ever used, minutes after
/// she entered the code there. A Teams display redeeming from the home address and a home
/// lease change that moves the laptop along with the code's client do not alert.
#[test]
fn device_code_tokens_redeemed_from_another_address_of_the_victims_isp_alert() {
    let (_lake, alerting) = alerting_incidents("device-code-same-isp");
    let incident = the_only_alert(
        &alerting,
        "priya.nair@contoso.example",
        "entra_device_code_token_use",
        "token_redeemed_elsewhere",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["98.33.61.140"]),
        "{incident}"
    );
}

/// A Mac's session whose refresh token turns up on a broadband network new to the user,
/// in her own country, with a Linux browser and Android Outlook: another machine in one
/// device's session. A laptop carried to a café keeps its system and agents, and the
/// user's own Linux desktop and phone elsewhere sign in with sessions of their own.
#[test]
fn another_machine_in_a_devices_session_on_a_new_network_alerts() {
    let (lake, alerting) = alerting_incidents("session-new-client");
    let incident = the_only_alert(
        &alerting,
        "hannah.wright@contoso.example",
        "entra_session_new_network",
        "new_client",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["62.30.96.218", "77.101.0.143"]),
        "{incident}"
    );
    let new_network = hunt_jsonl(
        lake.path(),
        &["entra_session_new_network", "--min-score", "0"],
    );
    assert!(
        new_network
            .iter()
            .all(|f| f["user"] == "hannah.wright@contoso.example"),
        "{new_network:?}"
    );
}

/// Three thieves who leave no new network to see, each flagged by what they cannot avoid:
/// a Linux browser redeeming a Windows laptop's session without its device id from
/// another address of the victim's own provider; a script presenting Microsoft Office's
/// client id inside a browser's session; a consent clicked from an address block where
/// none of the user's machines signed in. The look-alikes do not alert: a calendar
/// integration (its own app registration) acting in its user's session from a cloud, a
/// phone's session showing the laptop's OneDrive at the office, a consent from home.
#[test]
fn replays_on_the_victims_own_provider_alert_by_client_and_their_look_alikes_do_not() {
    let (lake, alerting) = alerting_incidents("own-provider-replay");
    assert_alerting(
        &alerting,
        &[
            (
                "kofi.mensah@contoso.example",
                "entra_session_off_device",
                "new_client",
                &["73.61.5.77"],
            ),
            (
                "lena.fischer@contoso.example",
                "session_scripted_client",
                "client_change",
                &["159.89.44.125"],
            ),
            (
                "maya.cohen@contoso.example",
                "entra_illicit_consent",
                "directory_change",
                &["98.44.7.3"],
            ),
        ],
    );
    // The integration's script stays a weak signal, below the threshold.
    let scripted = hunt_jsonl(
        lake.path(),
        &["session_scripted_client", "--min-score", "0"],
    );
    let omar: Vec<&Value> = scripted
        .iter()
        .filter(|f| f["user"] == "omar.haddad@contoso.example")
        .collect();
    assert_eq!(omar.len(), 1, "{scripted:?}");
    assert_eq!(
        omar[0]["evidence"]["corroboration"],
        json!([]),
        "{scripted:?}"
    );
}

/// Three thefts that show a machine the victim does not have: Windows Outlook redeeming a
/// device code's tokens from the Mac user's own carrier, a phishing proxy replaying the
/// session it relayed in another system's browser from its own address, and an Okta cookie
/// presented from a cloud with another device hash — or from a plain ISP, behind the same
/// session's louder use through the user's own VPN. Their look-alikes stay below the
/// threshold: a meeting room's Teams device redeeming a code at the office where the
/// user's Mac works, a personal VPN showing the user's one Edge, and a browser that updates
/// abroad (a new device hash) and signs in afresh with it.
#[test]
fn another_machine_alerts_and_the_users_own_machines_do_not() {
    let (lake, alerting) = alerting_incidents("another-machine");
    assert_alerting(
        &alerting,
        &[
            (
                "harry.hall@contoso.example",
                "entra_session_new_network",
                "relayed_sign_in",
                &["45.77.167.29"],
            ),
            (
                "kai.moss@contoso.example",
                "okta_session_hijack",
                "device_change",
                &["98.42.77.10", "98.42.77.11", "98.42.77.12", "98.42.77.13"],
            ),
            (
                "leo.grant@contoso.example",
                "okta_session_hijack",
                "device_change",
                &["159.89.44.30"],
            ),
            (
                "sara.lind@contoso.example",
                "entra_device_code_token_use",
                "token_redeemed_elsewhere",
                &["172.56.77.140"],
            ),
        ],
    );
    // The look-alikes: nothing corroborated about them at any score.
    let everything = hunt_jsonl(lake.path(), &["--all", "--min-score", "0"]);
    for user in [
        "tom.berg@contoso.example",
        "nina.wolf@contoso.example",
        "mia.stone@contoso.example",
    ] {
        for finding in everything.iter().filter(|f| f["user"] == user) {
            assert_eq!(finding["evidence"]["corroboration"], json!([]), "{finding}");
        }
    }
}

/// A joined laptop's device id presented from the user's own carrier by macOS Safari, on
/// a night the laptop sleeps: another machine holding its Primary Refresh Token, where no
/// network is new to the user. The same laptop in a hotel with its own Edge and Outlook,
/// and a Chrome newly installed on a laptop at home, do not alert, even below the
/// threshold.
#[test]
fn a_devices_token_presented_by_a_client_and_network_it_never_used_alerts() {
    let (lake, alerting) = alerting_incidents("device-foreign-client");
    let incident = the_only_alert(
        &alerting,
        "sam.carter@contoso.example",
        "entra_device_foreign_client",
        "new_client",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["2607:fb90:9e8d:7c6b::5"]),
        "{incident}"
    );
    let foreign = hunt_jsonl(
        lake.path(),
        &["entra_device_foreign_client", "--min-score", "0"],
    );
    assert_eq!(foreign.len(), 1, "{foreign:?}");
}

/// An Okta session cookie replayed through a residential proxy on the victim's own ISP:
/// the same network, but an address block and a device hash (dtHash) that both first
/// appear for her inside her open session. A browser moving to a new lease of the same ISP
/// keeps its hash, and the sign-in widget's OAuth grants carry their own: no alert.
#[test]
fn an_okta_session_replayed_on_the_victims_own_isp_is_flagged_by_its_device_hash() {
    let (lake, alerting) = alerting_incidents("okta-same-isp");
    let incident = the_only_alert(
        &alerting,
        "wendy.kim@contoso.example",
        "okta_session_hijack",
        "device_change",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["24.20.77.3"]),
        "{incident}"
    );
    let hijack = hunt_jsonl(lake.path(), &["okta_session_hijack", "--min-score", "0"]);
    assert!(
        hijack
            .iter()
            .all(|f| f["user"] == "wendy.kim@contoso.example"),
        "{hijack:?}"
    );
}

/// An Okta session cookie replayed by a tool on the victim's own provider: no network is
/// new, but the requests come without the device hash her browser always sent, from an
/// address block she never used, with a user agent she never showed. A browser that now
/// and then sends no hash from its own home address is its owner's: no finding at all.
#[test]
fn an_okta_cookie_without_its_browsers_hash_from_a_new_agent_alerts() {
    let (lake, alerting) = alerting_incidents("okta-client-change");
    let incident = the_only_alert(
        &alerting,
        "zoe.park@contoso.example",
        "okta_session_hijack",
        "client_change",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["24.20.81.6"]),
        "{incident}"
    );
    let hijack = hunt_jsonl(lake.path(), &["okta_session_hijack", "--min-score", "0"]);
    assert!(
        hijack
            .iter()
            .all(|f| f["user"] == "zoe.park@contoso.example"),
        "{hijack:?}"
    );
}

/// A stolen refresh token used from a carrier the victim never used, in another country,
/// back and forth with her laptop: a carrier new to the user is a network, and its CGNAT
/// is no shared office. The look-alike is one person's laptop in a hotel abroad beside his
/// phone routed home, in one session: his laptop's device id is one he shows every day,
/// so it is not another client, and nothing about him is corroborated.
#[test]
fn a_new_carrier_abroad_beside_the_laptop_alerts_and_the_users_own_laptop_abroad_does_not() {
    let (lake, alerting) = alerting_incidents("carrier");
    let incident = the_only_alert(
        &alerting,
        "wei.chen@contoso.example",
        "session_concurrent_use",
        "concurrent_use",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["49.36.112.77"]),
        "{incident}"
    );
    let everything = hunt_jsonl(lake.path(), &["--all", "--min-score", "0"]);
    let javier: Vec<&Value> = everything
        .iter()
        .filter(|f| f["user"] == "javier.bakker@contoso.example")
        .collect();
    assert!(!javier.is_empty(), "the look-alike is not even context");
    assert!(
        javier.iter().all(|f| f["evidence"]["corroboration"]
            .as_array()
            .is_none_or(|facts| facts.is_empty())),
        "{javier:?}"
    );
}

/// An adversary-in-the-middle proxy signs the victim in from a cloud, then a device is
/// registered for her and its Primary Refresh Token used in that session from a
/// residential proxy on her own ISP: no network is new, the relay is. A user setting up
/// a new laptop at home does not alert.
#[test]
fn a_device_registered_from_a_relayed_session_alerts_wherever_it_is_used() {
    let (lake, alerting) = alerting_incidents("relay-registration");
    let incident = the_only_alert(
        &alerting,
        "amanda.lopez@contoso.example",
        "entra_device_registration_prt",
        "new_device",
    );
    assert!(ips_of(incident).contains("62.160.18.70"), "{incident}");
    let registrations = hunt_jsonl(
        lake.path(),
        &["entra_device_registration_prt", "--min-score", "0"],
    );
    assert!(!registrations.is_empty(), "nothing flagged");
    for finding in &registrations {
        assert_eq!(finding["user"], "amanda.lopez@contoso.example", "{finding}");
        assert_eq!(
            finding["evidence"]["relay_network"], "13.228.40.0/24",
            "{finding}"
        );
    }
}

/// Two adversary-in-the-middle sessions: signed in through a proxy on a cloud server
/// without a device id, then replayed from the thief's own network, once within the hour
/// from a carrier (little weight as a network) and once five hours later while the
/// victim's laptop was at home, far from the proxy, during the sign-in. A personal VPN at
/// home hopping exits, a traveller's VPN then hotel network, and a laptop's session an hour
/// behind a personal VPN abroad with a sync client it ran at home only once (a client seen
/// at the user's home is theirs) are context only.
#[test]
fn a_relayed_sign_in_replayed_from_another_network_alerts_and_vpns_and_travel_do_not() {
    let (_lake, alerting) = alerting_incidents("aitm-replay");
    let users: BTreeSet<&str> = alerting
        .iter()
        .map(|i| i["user"].as_str().unwrap())
        .collect();
    assert_eq!(
        users,
        BTreeSet::from(["marco.rossi@contoso.example", "sofia.ruiz@contoso.example"]),
        "{alerting:?}"
    );
    for (incident, replay) in [("sofia", "85.255.235.19"), ("marco", "73.165.20.31")] {
        let incident = alerting
            .iter()
            .find(|i| i["user"].as_str().unwrap().starts_with(incident))
            .unwrap();
        assert!(
            incident["evidence"]["corroboration"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "relayed_sign_in"),
            "{incident}"
        );
        assert!(ips_of(incident).contains(replay), "{incident}");
    }
}

/// A thief drives the victim's laptop session with python-requests from a Linode server
/// while she runs her own python-requests job from an Azure VM every day: her automation
/// is that tool from that provider, so the thief's use is not hidden as hers, and the
/// laptop session's tokens off the device alert. Her own job never does.
#[test]
fn a_thief_using_the_users_automation_tool_from_another_provider_is_not_her_automation() {
    let (_lake, alerting) = alerting_incidents("own-automation");
    let incident = the_only_alert(
        &alerting,
        "priya.raman@contoso.example",
        "entra_session_new_network",
        "token_left_device",
    );
    assert_eq!(
        ips_of(incident),
        BTreeSet::from(["172.105.22.14"]),
        "{incident}"
    );
}

/// An ASN in `[allowlist] asns` is the tenant's own: every hunt still runs (the hunts
/// that look for a second party used to fail on an ambiguous `asn` once an ASN was
/// listed) and the thief's provider, once allowlisted, raises nothing.
#[test]
fn an_allowlisted_asn_is_left_out_of_every_hunt() {
    let (lake, alerting) = alerting_incidents("own-automation");
    assert_eq!(alerting.len(), 1, "{alerting:?}");
    // The thief drives the session from Linode (AS63949); the incident also names the
    // victim's own ISP, where the session started.
    let thief_asn = 63949;
    assert!(
        alerting[0]["asns"]
            .as_array()
            .unwrap()
            .contains(&json!(thief_asn)),
        "{alerting:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tokenhunt.toml");
    std::fs::write(&config, format!("[allowlist]\nasns = [{thief_asn}]\n")).unwrap();
    let config = config.to_str().unwrap();
    let output = hunt_incidents(lake.path(), &["--config", config]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("failed"), "{stderr}");
    let alerting = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|incident| incident["score"].as_f64().unwrap() >= 50.0)
        .count();
    assert_eq!(alerting, 0);
}

/// `hunt --exit-code` is for cron and CI: status 3 when something alerted (the findings
/// still written), 0 when nothing did, 1 when a hunt cannot run.
#[test]
fn hunt_exit_code_says_whether_anything_alerted() {
    let lake = tempfile::tempdir().unwrap();
    ingest_summary(lake.path(), &[fixture("same-isp").to_str().unwrap()]);
    let lake_arg = lake.path().to_str().unwrap();
    let hunt = |extra: &[&str]| hunt_incidents(lake.path(), extra);
    let alerted = hunt(&[]);
    assert_eq!(alerted.status.code(), Some(3), "{alerted:?}");
    let text = String::from_utf8_lossy(&alerted.stdout);
    assert!(text.contains("adele.vance@contoso.example"), "{text}");
    assert!(
        !String::from_utf8_lossy(&alerted.stderr).contains("error"),
        "{alerted:?}"
    );
    let quiet = hunt(&["--min-score", "101"]);
    assert_eq!(quiet.status.code(), Some(0), "{quiet:?}");
    assert!(quiet.stdout.is_empty(), "{quiet:?}");
    let mut broken = tokenhunt()
        .args(["--lake", lake_arg, "hunt", "no_such_hunt", "--exit-code"])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    broken.stderr.truncate(400);
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("no_such_hunt"),
        "{broken:?}"
    );
}

#[test]
fn hunting_in_slices_reports_each_finding_once_and_one_slice_is_the_whole_run() {
    let lake = &small_tenant().lake;
    let key = |f: &Value| {
        (
            f["finding_id"].as_str().unwrap().to_string(),
            f["score"].as_f64().unwrap().to_bits(),
        )
    };
    let everything = hunt_jsonl(lake, &["--all", "--min-score", "0"]);
    // `--new`, suppressions and slices go by id: no two findings of a run share one.
    let ids: BTreeSet<&str> = everything
        .iter()
        .map(|f| f["finding_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), everything.len(), "two findings under one id");
    let whole: BTreeSet<_> = everything.iter().map(key).collect();
    assert!(!whole.is_empty());
    // A slice longer than the history is the whole run.
    let one: BTreeSet<_> = hunt_jsonl(lake, &["--all", "--min-score", "0", "--slice", "3650d"])
        .iter()
        .map(key)
        .collect();
    assert_eq!(whole, one);
    // Two slices (four days, then three): every finding once, and the alerting users
    // the whole run finds. Illicit consent is left out of that comparison: it scores
    // the application going quiet against the end of the window, so a slice ending a
    // day after the harvest scores it lower, as a daily run does (hence slices of at
    // least its 7-day follow period).
    let sliced = hunt_jsonl(lake, &["--all", "--min-score", "0", "--slice", "4d"]);
    let ids: Vec<&str> = sliced
        .iter()
        .map(|f| f["finding_id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "a finding reported twice");
    let alerting = |findings: &[Value]| -> BTreeSet<String> {
        findings
            .iter()
            .filter(|f| f["score"].as_f64().unwrap() >= 50.0)
            .filter(|f| f["hunt"] != "entra_illicit_consent")
            .filter_map(|f| f["user"].as_str().map(str::to_string))
            .collect()
    };
    let whole_users = alerting(&hunt_jsonl(lake, &["--all"]));
    assert!(!whole_users.is_empty());
    let sliced_users = alerting(&sliced);
    let missed: Vec<_> = whole_users.difference(&sliced_users).collect();
    assert!(missed.is_empty(), "slices lost alerting users: {missed:?}");
}
