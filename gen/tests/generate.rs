//! End-to-end checks of generated tenants: determinism, valid JSON in every format, real timestamp
//! spellings, labels that agree with the records, and a realistic mix.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use tokenhunt_gen::labels::{ConfounderCategory, IncidentKind, Labels};
use tokenhunt_gen::{GenOptions, OutputFormat, Profile, generate};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read_text(p: &Path) -> String {
    let bytes = std::fs::read(p).expect("read");
    if p.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    } else {
        String::from_utf8(bytes).expect("utf-8")
    }
}

/// Every record of a generated directory, with the path it came from.
fn records(dir: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let mut out = Vec::new();
    for p in files(dir) {
        let name = p.to_string_lossy().to_string();
        if name.ends_with("labels.json") {
            continue;
        }
        let text = read_text(&p);
        if name.contains("/okta/") {
            let page: Vec<serde_json::Value> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                !page.is_empty() && page.len() <= 1000,
                "{name}: {} events",
                page.len()
            );
            out.extend(page.into_iter().map(|v| (p.clone(), v)));
        } else {
            for (i, line) in text.lines().enumerate() {
                let v: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1));
                out.push((p.clone(), v));
            }
        }
    }
    out
}

fn small_options(seed: u64, out: &Path) -> GenOptions {
    GenOptions::new(Profile::Small, seed, out)
}

#[test]
fn same_seed_gives_identical_bytes_and_small_covers_every_kind() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let sa = generate(&small_options(1, a.path()), &mut |_| {}).expect("generate a");
    let sb = generate(&small_options(1, b.path()), &mut |_| {}).expect("generate b");
    assert_eq!(sa.events, sb.events);
    let fa = files(a.path());
    let fb = files(b.path());
    let rel = |root: &Path, v: &[PathBuf]| -> Vec<PathBuf> {
        v.iter()
            .map(|p| p.strip_prefix(root).expect("prefix").to_path_buf())
            .collect()
    };
    assert_eq!(rel(a.path(), &fa), rel(b.path(), &fb));
    for (x, y) in fa.iter().zip(&fb) {
        let bx = std::fs::read(x).expect("read");
        let by = std::fs::read(y).expect("read");
        assert!(bx == by, "{} differs", x.display());
    }

    // Small: a few hundred thousand events at most, every attack kind twice, every look-alike present.
    assert!(
        sa.events > 50_000 && sa.events < 200_000,
        "{} events",
        sa.events
    );
    let labels = Labels::read(&a.path().join("labels.json")).expect("labels");
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for i in &labels.incidents {
        *kinds.entry(i.kind.clone()).or_default() += 1;
    }
    for k in IncidentKind::ALL {
        assert!(
            kinds.get(k.name()).copied().unwrap_or(0) >= 2,
            "kind {} only {:?}",
            k.name(),
            kinds.get(k.name())
        );
    }
    let cats: BTreeSet<&str> = labels
        .confounders
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    for c in ConfounderCategory::ALL {
        assert!(cats.contains(c.name()), "no confounder {}", c.name());
    }
    let victims: BTreeSet<&str> = labels.incidents.iter().map(|i| i.user.as_str()).collect();
    assert!(
        victims.len() * 5 < labels.tenant.users as usize,
        "incidents must stay a small fraction of users"
    );

    // Mix: most Entra user sign-ins are non-interactive.
    assert!(
        (0.85..=0.95).contains(&sa.non_interactive_share),
        "non-interactive share {}",
        sa.non_interactive_share
    );
}

#[test]
fn different_seeds_give_different_tenants() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let mut oa = small_options(1, a.path());
    oa.users = Some(30);
    oa.days = Some(2);
    let mut ob = oa.clone();
    ob.seed = 2;
    ob.out = b.path().to_path_buf();
    generate(&oa, &mut |_| {}).expect("a");
    generate(&ob, &mut |_| {}).expect("b");
    let la = Labels::read(&a.path().join("labels.json")).expect("labels");
    let lb = Labels::read(&b.path().join("labels.json")).expect("labels");
    assert_ne!(la.tenant.tenant_id, lb.tenant.tenant_id);
    assert_ne!(la.incidents, lb.incidents);
    let day = "entra-la/AADNonInteractiveUserSignInLogs/2026-09-01.jsonl";
    assert_ne!(
        std::fs::read(a.path().join(day)).ok(),
        std::fs::read(b.path().join(day)).ok()
    );
}

/// A record's time and session id.
type TimeAndSession = (String, Option<String>);

fn is_entra7(s: &str, suffix: &str) -> bool {
    // 2026-09-01T08:15:02.1234567Z / +00:00
    s.len() == 27 + suffix.len()
        && s.as_bytes()[10] == b'T'
        && s.as_bytes()[19] == b'.'
        && s[20..27].bytes().all(|c| c.is_ascii_digit())
        && s.ends_with(suffix)
}

#[test]
fn every_format_is_valid_json_with_real_spellings_and_labels_match_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = small_options(7, dir.path());
    o.users = Some(60);
    o.days = Some(4);
    o.formats = vec![
        OutputFormat::EntraLogAnalytics,
        OutputFormat::EntraDiagnostic,
        OutputFormat::Okta,
    ];
    o.gzip = true;
    let summary = generate(&o, &mut |_| {}).expect("generate");
    let recs = records(dir.path());
    assert!(
        recs.len() as u64 >= summary.events,
        "both Entra formats hold every Entra record"
    );

    // Layout.
    let names: Vec<String> = files(dir.path())
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .expect("p")
                .to_string_lossy()
                .to_string()
        })
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n == "entra-la/SigninLogs/2026-09-01.jsonl.gz")
    );
    assert!(names.iter().any(|n| n.starts_with(
        "entra-diagnostic/insights-logs-noninteractiveusersigninlogs/y=2026/m=09/d=01/h="
    ) && n.ends_with("/m=00/PT1H.json.gz")));
    assert!(
        names
            .iter()
            .any(|n| n == "okta/system-log-2026-09-01-0001.json.gz")
    );

    let mut seen_tables = BTreeSet::new();
    let mut whole_seconds = 0usize;
    let mut by_user_ip: HashMap<(String, String), Vec<TimeAndSession>> = HashMap::new();
    for (path, v) in &recs {
        let p = path.to_string_lossy();
        if p.contains("/entra-la/") {
            let ty = v["Type"].as_str().expect("Type");
            seen_tables.insert(ty.to_string());
            assert!(p.contains(&format!("/{ty}/")), "{p} holds {ty}");
            let tg = v["TimeGenerated"].as_str().expect("TimeGenerated");
            assert!(is_entra7(tg, "Z"));
            if tg.ends_with(".0000000Z") {
                whole_seconds += 1;
            }
            assert!(v["TenantId"].is_string());
            match ty {
                "SigninLogs" => {
                    assert!(
                        v["LocationDetails"].is_object()
                            && v["DeviceDetail"].is_object()
                            && v["Status"].is_object()
                    );
                    assert!(v["AuthenticationDetails"].is_string());
                    assert!(v["ResultType"].is_string());
                    assert!(v["AutonomousSystemNumber"].is_number());
                }
                "AADNonInteractiveUserSignInLogs" => {
                    for k in [
                        "LocationDetails",
                        "DeviceDetail",
                        "Status",
                        "MfaDetail",
                        "ConditionalAccessPolicies",
                    ] {
                        let s = v[k]
                            .as_str()
                            .unwrap_or_else(|| panic!("{k} must be a JSON string"));
                        let _: serde_json::Value = serde_json::from_str(s).expect("embedded JSON");
                    }
                }
                _ => {}
            }
            if let (Some(u), Some(ip)) = (v["UserPrincipalName"].as_str(), v["IPAddress"].as_str())
            {
                by_user_ip
                    .entry((u.to_lowercase(), ip.to_string()))
                    .or_default()
                    .push((
                        v["TimeGenerated"].as_str().unwrap_or("").to_string(),
                        v["SessionId"].as_str().map(str::to_string),
                    ));
            }
        } else if p.contains("/entra-diagnostic/") {
            assert!(is_entra7(v["time"].as_str().expect("time"), "Z"));
            assert!(v["resultType"].is_string() || v["category"] == "AuditLogs");
            let cat = v["category"].as_str().expect("category");
            assert!(p.contains(&format!("insights-logs-{}", cat.to_lowercase())));
            let props = &v["properties"];
            if cat != "AuditLogs" {
                assert!(is_entra7(
                    props["createdDateTime"].as_str().expect("createdDateTime"),
                    "+00:00"
                ));
                assert!(props["location"]["geoCoordinates"]["latitude"].is_number());
            } else {
                assert!(props["initiatedBy"].is_object() && props["targetResources"].is_array());
            }
        } else if p.contains("/okta/") {
            let published = v["published"].as_str().expect("published");
            assert_eq!(published.len(), 24, "{published}");
            assert!(published.ends_with('Z') && published.as_bytes()[19] == b'.');
            assert!(v["uuid"].is_string() && v["eventType"].is_string());
            assert!(v["client"]["geographicalContext"]["geolocation"]["lat"].is_number());
            assert!(v["securityContext"]["asNumber"].is_number());
            assert!(v["debugContext"]["debugData"].is_object());
            let u = v["actor"]["alternateId"]
                .as_str()
                .unwrap_or("")
                .to_lowercase();
            let ip = v["client"]["ipAddress"].as_str().unwrap_or("").to_string();
            by_user_ip.entry((u, ip)).or_default().push((
                published.to_string(),
                v["authenticationContext"]["externalSessionId"]
                    .as_str()
                    .map(str::to_string),
            ));
        }
    }
    // No artificial tells: virtually no whole-second timestamps (attack records included).
    assert!(
        whole_seconds * 1000 < recs.len(),
        "{whole_seconds} whole-second timestamps"
    );
    for t in [
        "SigninLogs",
        "AADNonInteractiveUserSignInLogs",
        "AADServicePrincipalSignInLogs",
        "AADManagedIdentitySignInLogs",
        "AuditLogs",
    ] {
        assert!(seen_tables.contains(t), "no {t}");
    }

    // Every session-bound incident: the victim's records from attacker addresses carry the labelled session.
    let labels = Labels::read(&dir.path().join("labels.json")).expect("labels");
    assert!(!labels.incidents.is_empty());
    for inc in &labels.incidents {
        if inc.kind == "illicit_consent"
            || inc.kind == "credential_persistence"
            || inc.kind == "okta_token_reuse"
        {
            continue;
        }
        let mut found = false;
        for ip in &inc.attacker_ips {
            if let Some(rows) = by_user_ip.get(&(inc.user.clone(), ip.clone())) {
                for (t, s) in rows {
                    let ts = &t[..19];
                    assert!(
                        ts >= &inc.start[..19] && ts <= &inc.end[..19],
                        "{} record at {t} outside {}..{}",
                        inc.id,
                        inc.start,
                        inc.end
                    );
                    if s.as_deref().map(str::to_lowercase)
                        == inc.session_id.as_deref().map(str::to_lowercase)
                    {
                        found = true;
                    }
                }
            }
        }
        assert!(
            found,
            "{}: no record with the labelled session from an attacker address",
            inc.id
        );
    }
}

#[test]
fn only_selected_formats_are_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = small_options(3, dir.path());
    o.users = Some(20);
    o.days = Some(1);
    o.formats = vec![OutputFormat::Okta];
    generate(&o, &mut |_| {}).expect("generate");
    assert!(dir.path().join("okta").is_dir());
    assert!(!dir.path().join("entra-la").exists());
    assert!(!dir.path().join("entra-diagnostic").exists());
    let labels = Labels::read(&dir.path().join("labels.json")).expect("labels");
    assert!(labels.incidents.iter().all(|i| i.source == "okta"));
}

#[test]
fn device_code_flows_and_transfer_methods_are_written_in_both_entra_formats() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = small_options(5, dir.path());
    o.users = Some(60);
    o.days = Some(4);
    o.formats = vec![
        OutputFormat::EntraLogAnalytics,
        OutputFormat::EntraDiagnostic,
    ];
    generate(&o, &mut |_| {}).expect("generate");
    let labels = Labels::read(&dir.path().join("labels.json")).expect("labels");
    let phished: BTreeSet<String> = labels
        .incidents
        .iter()
        .filter(|i| i.kind == "device_code_phishing")
        .filter_map(|i| i.session_id.clone())
        .collect();
    assert!(!phished.is_empty(), "no device code phishing planted");
    let mut la_device_code_sessions = BTreeSet::new();
    let mut diag_protocols = BTreeSet::new();
    for (path, v) in records(dir.path()) {
        let p = path.to_string_lossy();
        if p.contains("/entra-la/") {
            let ty = v["Type"].as_str().unwrap_or("");
            if ty == "SigninLogs" || ty == "AADNonInteractiveUserSignInLogs" {
                let proto = v["AuthenticationProtocol"].as_str().expect("protocol");
                let transfer = v["OriginalTransferMethod"].as_str().expect("transfer");
                assert!(proto == "none" || proto == "deviceCode", "{proto}");
                assert!(
                    transfer == "none" || transfer == "deviceCodeFlow",
                    "{transfer}"
                );
                if proto == "deviceCode" {
                    assert_eq!(ty, "SigninLogs");
                    assert_eq!(transfer, "deviceCodeFlow");
                    la_device_code_sessions
                        .insert(v["SessionId"].as_str().unwrap_or("").to_string());
                }
            }
        } else if p.contains("/entra-diagnostic/") {
            let props = &v["properties"];
            if let Some(t) = props["originalTransferMethod"].as_str() {
                diag_protocols.insert((
                    props["authenticationProtocol"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    t.to_string(),
                ));
            }
        }
    }
    for s in &phished {
        assert!(
            la_device_code_sessions.contains(s),
            "phished session {s} has no deviceCode sign-in"
        );
    }
    assert!(diag_protocols.contains(&("none".to_string(), "none".to_string())));
    assert!(diag_protocols.contains(&("deviceCode".to_string(), "deviceCodeFlow".to_string())));
    assert!(diag_protocols.contains(&("none".to_string(), "deviceCodeFlow".to_string())));
}

/// Each new look-alike window holds the behaviour it names, for that user: labels are truthful.
#[test]
fn new_look_alike_windows_hold_their_behaviour() {
    let dir = tempfile::tempdir().expect("tmp");
    generate(&small_options(1, dir.path()), &mut |_| {}).expect("generate");
    let labels = Labels::read(&dir.path().join("labels.json")).expect("labels");
    // (user, time, asn, app, okta event type, okta factor)
    let mut recs: Vec<(String, String, i64, String, String)> = Vec::new();
    for (path, v) in records(dir.path()) {
        let p = path.to_string_lossy();
        if p.contains("/entra-la/") {
            if let Some(u) = v["UserPrincipalName"].as_str() {
                recs.push((
                    u.to_lowercase(),
                    v["TimeGenerated"].as_str().unwrap_or("")[..19].to_string(),
                    v["AutonomousSystemNumber"].as_i64().unwrap_or(0),
                    v["AppDisplayName"].as_str().unwrap_or("").to_string(),
                    String::new(),
                ));
            }
        } else if p.contains("/okta/") {
            recs.push((
                v["actor"]["alternateId"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase(),
                v["published"].as_str().unwrap_or("")[..19].to_string(),
                v["securityContext"]["asNumber"].as_i64().unwrap_or(0),
                String::new(),
                format!(
                    "{} {}",
                    v["eventType"].as_str().unwrap_or(""),
                    v["debugContext"]["debugData"]["factor"]
                        .as_str()
                        .unwrap_or("")
                ),
            ));
        }
    }
    let satellite = [7155, 22351, 64294, 400110, 14593, 25222];
    let vpn = [
        136787, 147049, 9009, 16247, 39351, 216025, 209103, 62371, 212238, 60068,
    ];
    let clouds = [8075, 16509, 14618, 396982];
    let saas_apps = [
        "Zoom for Outlook",
        "Salesforce Inbox Sync",
        "Slack Calendar for Outlook",
        "DocuSign for Microsoft 365",
        "HubSpot Email Integration",
        "Asana for Outlook",
    ];
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &labels.confounders {
        let ok = |r: &(String, String, i64, String, String)| -> bool {
            match c.category.as_str() {
                "personal_vpn" => vpn.contains(&r.2),
                "inflight_wifi" => satellite.contains(&r.2),
                "saas_integration_cloud" => saas_apps.contains(&r.3.as_str()),
                "cloud_shell_admin" => {
                    clouds.contains(&r.2)
                        && (r.3 == "Microsoft Azure CLI" || r.3 == "Microsoft Azure PowerShell")
                }
                "okta_fastpass_device_change" => {
                    r.4.starts_with("user.session.context.change") || r.4.ends_with("SIGNED_NONCE")
                }
                _ => true,
            }
        };
        if !matches!(
            c.category.as_str(),
            "personal_vpn"
                | "inflight_wifi"
                | "saas_integration_cloud"
                | "cloud_shell_admin"
                | "okta_fastpass_device_change"
        ) {
            continue;
        }
        let (s, e) = (&c.start[..19], &c.end[..19]);
        let found = recs
            .iter()
            .any(|r| r.0 == c.user && r.1.as_str() >= s && r.1.as_str() <= e && ok(r));
        // A window may start before the data (a trip's flight) or end after it; those are rare.
        if c.end.as_str() < "2026-09-08" && c.start.as_str() >= "2026-09-01" {
            assert!(
                found,
                "{} {} {}..{} holds no such record",
                c.category, c.user, s, e
            );
            *checked.entry(c.category.as_str()).or_default() += 1;
        }
    }
    assert!(checked.len() >= 4, "checked {checked:?}");
}
