//! The scorer: grades hunt findings against `labels.json`.
//!
//! Match rule. A finding matches an incident when
//! 1. the users are equal, compared case-insensitively;
//! 2. the session ids are equal (case-insensitively) whenever both are present (non-null, non-empty);
//!    when either side has none, sessions do not constrain the match;
//! 3. the finding's `[first_seen, last_seen]` overlaps `[incident.start − 2 h, incident.end + 2 h]`.
//!
//! An incident is detected when at least one finding matches it. Recall = detected / incidents (per kind
//! and overall; 1 when there are no incidents). Precision = findings matching some incident / findings (0
//! when there are no findings). A finding that matches no incident is a false positive; it is explained
//! by the confounder whose user equals the finding's user and whose window overlaps the finding's (same
//! 2-hour slack), choosing the shortest such window when several do, and is `unexplained` otherwise.
//! Alerts per 1,000 users per day = false positives × 1000 / users / days.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::labels::Labels;

/// Slack around incident and confounder windows.
pub const MATCH_SLACK_SECONDS: i64 = 2 * 3600;

/// One finding as hunts emit it (JSON Lines). Unknown fields are ignored; most fields are optional.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Finding {
    /// Stable id.
    #[serde(default)]
    pub finding_id: String,
    /// Hunt id.
    #[serde(default)]
    pub hunt: String,
    /// MITRE technique.
    #[serde(default)]
    pub technique: String,
    /// Severity.
    #[serde(default)]
    pub severity: String,
    /// Score.
    #[serde(default)]
    pub score: Option<f64>,
    /// User.
    pub user: String,
    /// Session id.
    #[serde(default)]
    pub session_id: Option<String>,
    /// `entra` / `okta`.
    #[serde(default)]
    pub source: String,
    /// First evidence time (RFC 3339).
    pub first_seen: DateTime<Utc>,
    /// Last evidence time (RFC 3339).
    pub last_seen: DateTime<Utc>,
    /// Addresses.
    #[serde(default)]
    pub ips: Vec<String>,
    /// ASNs (numbers or strings).
    #[serde(default)]
    pub asns: Vec<serde_json::Value>,
    /// Countries.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Apps.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Sentence.
    #[serde(default)]
    pub reason: String,
    /// Evidence.
    #[serde(default)]
    pub evidence: serde_json::Value,
}

/// Error reading findings.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// Reading failed.
    #[error("reading {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A line is not a finding.
    #[error("{path} line {line}: {source}")]
    Json {
        /// File.
        path: String,
        /// 1-based line.
        line: usize,
        /// Cause.
        source: serde_json::Error,
    },
}

/// Reads findings from a JSON Lines file (blank lines skipped).
pub fn read_findings_jsonl(path: &Path) -> Result<Vec<Finding>, FindingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| FindingsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_findings_jsonl(&text).map_err(|(line, source)| FindingsError::Json {
        path: path.display().to_string(),
        line,
        source,
    })
}

/// Parses findings from JSON Lines text; the error carries the 1-based line.
pub fn parse_findings_jsonl(text: &str) -> Result<Vec<Finding>, (usize, serde_json::Error)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(line).map_err(|e| (i + 1, e))?);
    }
    Ok(out)
}

/// Recall of one kind.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KindRecall {
    /// Incidents of the kind.
    pub incidents: usize,
    /// Detected.
    pub detected: usize,
    /// detected / incidents.
    pub recall: f64,
}

/// Per-hunt counts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct HuntCounts {
    /// Findings.
    pub findings: usize,
    /// Findings matching an incident.
    pub true_positives: usize,
}

/// False positives raised by one hunt alone, per hunt: where tuning starts. Incidents
/// from `--group incidents` name their hunts joined by commas; an incident that several
/// hunts raised together is not counted against any one of them here.
pub fn false_positives_raised_alone(
    by_hunt: &BTreeMap<String, HuntCounts>,
) -> BTreeMap<String, usize> {
    by_hunt
        .iter()
        .filter(|(hunt, _)| !hunt.is_empty() && !hunt.contains(','))
        .map(|(hunt, counts)| (hunt.clone(), counts.findings - counts.true_positives))
        .filter(|(_, false_positives)| *false_positives > 0)
        .collect()
}

/// The grade.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EvalReport {
    /// Incidents in the labels.
    pub incidents: usize,
    /// Incidents with at least one matching finding.
    pub detected: usize,
    /// detected / incidents.
    pub recall: f64,
    /// Findings graded.
    pub findings: usize,
    /// Findings matching some incident.
    pub true_positives: usize,
    /// Findings matching none.
    pub false_positives: usize,
    /// true_positives / findings.
    pub precision: f64,
    /// Recall by incident kind.
    pub recall_by_kind: BTreeMap<String, KindRecall>,
    /// False positives by explaining confounder category (`unexplained` when none).
    pub false_positives_by_category: BTreeMap<String, usize>,
    /// False positives per 1,000 users per day.
    pub alerts_per_1k_users_per_day: f64,
    /// Users the rate is computed for.
    pub users: u64,
    /// Days the rate is computed for.
    pub days: f64,
    /// Ids of undetected incidents.
    pub missed: Vec<String>,
    /// Counts per hunt.
    pub by_hunt: BTreeMap<String, HuntCounts>,
    /// False positives raised by each hunt alone (see [`false_positives_raised_alone`]).
    #[serde(default)]
    pub false_positives_raised_alone: BTreeMap<String, usize>,
}

struct Window {
    start: i64,
    end: i64,
}

fn parse_time(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
}

fn overlaps(f: &Finding, w: &Window) -> bool {
    let (fs, fe) = (f.first_seen.timestamp(), f.last_seen.timestamp());
    let (fs, fe) = (fs.min(fe), fs.max(fe));
    fs <= w.end + MATCH_SLACK_SECONDS && fe >= w.start - MATCH_SLACK_SECONDS
}

fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether a finding matches an incident (the rule in the module docs).
pub fn matches(f: &Finding, inc: &crate::labels::Incident) -> bool {
    if !f.user.trim().eq_ignore_ascii_case(inc.user.trim()) {
        return false;
    }
    if let (Some(a), Some(b)) = (present(&f.session_id), present(&inc.session_id))
        && !a.eq_ignore_ascii_case(b)
    {
        return false;
    }
    match (parse_time(&inc.start), parse_time(&inc.end)) {
        (Some(start), Some(end)) => overlaps(f, &Window { start, end }),
        _ => false,
    }
}

/// Grades findings against labels; `users` and `days` scale the alert rate.
pub fn evaluate(labels: &Labels, findings: &[Finding], users: u64, days: f64) -> EvalReport {
    let mut detected = vec![false; labels.incidents.len()];
    let mut true_positives = 0;
    let mut fp_by_cat: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_hunt: BTreeMap<String, HuntCounts> = BTreeMap::new();
    let confounders: Vec<(String, Window, &str)> = labels
        .confounders
        .iter()
        .filter_map(|c| {
            Some((
                c.user.trim().to_lowercase(),
                Window {
                    start: parse_time(&c.start)?,
                    end: parse_time(&c.end)?,
                },
                c.category.as_str(),
            ))
        })
        .collect();
    for f in findings {
        let mut matched = false;
        for (i, inc) in labels.incidents.iter().enumerate() {
            if matches(f, inc) {
                detected[i] = true;
                matched = true;
            }
        }
        let h = by_hunt.entry(f.hunt.clone()).or_default();
        h.findings += 1;
        if matched {
            true_positives += 1;
            h.true_positives += 1;
            continue;
        }
        let user = f.user.trim().to_lowercase();
        let best = confounders
            .iter()
            .filter(|(u, w, _)| *u == user && overlaps(f, w))
            .min_by_key(|(_, w, _)| w.end - w.start)
            .map(|(_, _, c)| *c)
            .unwrap_or("unexplained");
        *fp_by_cat.entry(best.to_string()).or_default() += 1;
    }
    let mut recall_by_kind: BTreeMap<String, KindRecall> = BTreeMap::new();
    for (i, inc) in labels.incidents.iter().enumerate() {
        let k = recall_by_kind
            .entry(inc.kind.clone())
            .or_insert(KindRecall {
                incidents: 0,
                detected: 0,
                recall: 0.0,
            });
        k.incidents += 1;
        if detected[i] {
            k.detected += 1;
        }
    }
    for k in recall_by_kind.values_mut() {
        k.recall = ratio(k.detected, k.incidents, 1.0);
    }
    let n_detected = detected.iter().filter(|d| **d).count();
    let false_positives = findings.len() - true_positives;
    let alerts = if users == 0 || days <= 0.0 {
        0.0
    } else {
        false_positives as f64 * 1000.0 / users as f64 / days
    };
    EvalReport {
        incidents: labels.incidents.len(),
        detected: n_detected,
        recall: ratio(n_detected, labels.incidents.len(), 1.0),
        findings: findings.len(),
        true_positives,
        false_positives,
        precision: ratio(true_positives, findings.len(), 0.0),
        recall_by_kind,
        false_positives_by_category: fp_by_cat,
        alerts_per_1k_users_per_day: alerts,
        users,
        days,
        missed: labels
            .incidents
            .iter()
            .zip(&detected)
            .filter(|(_, d)| !**d)
            .map(|(i, _)| i.id.clone())
            .collect(),
        false_positives_raised_alone: false_positives_raised_alone(&by_hunt),
        by_hunt,
    }
}

fn ratio(a: usize, b: usize, empty: f64) -> f64 {
    if b == 0 { empty } else { a as f64 / b as f64 }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "recall     {:>6.1}%  ({} of {} incidents detected)",
            self.recall * 100.0,
            self.detected,
            self.incidents
        )?;
        writeln!(
            f,
            "precision  {:>6.1}%  ({} of {} findings match an incident)",
            self.precision * 100.0,
            self.true_positives,
            self.findings
        )?;
        writeln!(
            f,
            "alerts     {:>7.2} false positives per 1,000 users per day ({} users, {} days)",
            self.alerts_per_1k_users_per_day, self.users, self.days
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<26} {:>9} {:>9} {:>8}",
            "incident kind", "incidents", "detected", "recall"
        )?;
        for (kind, k) in &self.recall_by_kind {
            writeln!(
                f,
                "{:<26} {:>9} {:>9} {:>7.1}%",
                kind,
                k.incidents,
                k.detected,
                k.recall * 100.0
            )?;
        }
        if !self.false_positives_by_category.is_empty() {
            writeln!(f)?;
            writeln!(f, "{:<26} {:>9}", "false positives by cause", "findings")?;
            for (cat, n) in &self.false_positives_by_category {
                writeln!(f, "{cat:<26} {n:>9}")?;
            }
        }
        if !self.by_hunt.is_empty() {
            writeln!(f)?;
            writeln!(f, "{:<40} {:>9} {:>9}", "hunt", "findings", "true pos")?;
            for (hunt, h) in &self.by_hunt {
                let name = if hunt.is_empty() {
                    "(unnamed)"
                } else {
                    hunt.as_str()
                };
                writeln!(f, "{name:<40} {:>9} {:>9}", h.findings, h.true_positives)?;
            }
        }
        if !self.false_positives_raised_alone.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "{:<40} {:>9}",
                "false positives raised alone by", "findings"
            )?;
            let mut ranked: Vec<_> = self.false_positives_raised_alone.iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            for (hunt, n) in ranked {
                writeln!(f, "{hunt:<40} {n:>9}")?;
            }
        }
        if !self.missed.is_empty() {
            writeln!(f)?;
            writeln!(f, "missed: {}", self.missed.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{Confounder, Incident, TenantInfo};

    fn labels() -> Labels {
        Labels {
            tenant: TenantInfo {
                users: 100,
                days: 10,
                start: "2026-09-01".into(),
                seed: 1,
                domain: "contoso.com".into(),
                tenant_id: String::new(),
            },
            incidents: vec![
                Incident {
                    id: "inc-0001".into(),
                    kind: "aitm_cookie_replay".into(),
                    technique: "T1539".into(),
                    source: "entra".into(),
                    user: "Alice.Smith@contoso.com".into(),
                    session_id: Some("aaaaaaaa-0000-4000-8000-000000000001".into()),
                    app: "OfficeHome".into(),
                    start: "2026-09-03T10:00:00Z".into(),
                    end: "2026-09-03T11:00:00Z".into(),
                    attacker_ips: vec!["203.0.113.5".into()],
                    variant: None,
                },
                Incident {
                    id: "inc-0002".into(),
                    kind: "illicit_consent".into(),
                    technique: "T1528".into(),
                    source: "entra".into(),
                    user: "bob.jones@contoso.com".into(),
                    session_id: None,
                    app: "Mail Sync".into(),
                    start: "2026-09-05T10:00:00Z".into(),
                    end: "2026-09-05T12:00:00Z".into(),
                    attacker_ips: vec![],
                    variant: None,
                },
            ],
            confounders: vec![
                Confounder {
                    user: "carol.white@contoso.com".into(),
                    category: "travel_flight".into(),
                    start: "2026-09-04T00:00:00Z".into(),
                    end: "2026-09-04T12:00:00Z".into(),
                },
                Confounder {
                    user: "carol.white@contoso.com".into(),
                    category: "corporate_vpn_egress".into(),
                    start: "2026-09-01T00:00:00Z".into(),
                    end: "2026-09-10T00:00:00Z".into(),
                },
            ],
        }
    }

    fn finding(user: &str, session: Option<&str>, first: &str, last: &str) -> Finding {
        Finding {
            hunt: "h".into(),
            user: user.into(),
            session_id: session.map(str::to_string),
            first_seen: first.parse().expect("time"),
            last_seen: last.parse().expect("time"),
            ..Finding::default()
        }
    }

    #[test]
    fn user_is_compared_case_insensitively() {
        let l = labels();
        let f = finding(
            "alice.smith@CONTOSO.com",
            None,
            "2026-09-03T10:30:00Z",
            "2026-09-03T10:40:00Z",
        );
        assert!(matches(&f, &l.incidents[0]));
        let other = finding(
            "mallory@contoso.com",
            None,
            "2026-09-03T10:30:00Z",
            "2026-09-03T10:40:00Z",
        );
        assert!(!matches(&other, &l.incidents[0]));
    }

    #[test]
    fn sessions_must_agree_only_when_both_present() {
        let l = labels();
        let t = ("2026-09-03T10:30:00Z", "2026-09-03T10:40:00Z");
        let same = finding(
            "alice.smith@contoso.com",
            Some("AAAAAAAA-0000-4000-8000-000000000001"),
            t.0,
            t.1,
        );
        assert!(matches(&same, &l.incidents[0]));
        let other = finding(
            "alice.smith@contoso.com",
            Some("bbbbbbbb-0000-4000-8000-000000000002"),
            t.0,
            t.1,
        );
        assert!(!matches(&other, &l.incidents[0]));
        let empty = finding("alice.smith@contoso.com", Some("  "), t.0, t.1);
        assert!(matches(&empty, &l.incidents[0]));
        // Incident without a session: any finding session is fine.
        let f = finding(
            "bob.jones@contoso.com",
            Some("x"),
            "2026-09-05T11:00:00Z",
            "2026-09-05T11:00:00Z",
        );
        assert!(matches(&f, &l.incidents[1]));
    }

    #[test]
    fn time_windows_have_two_hours_of_slack() {
        let l = labels();
        let inc = &l.incidents[0];
        // Ends exactly at start - 2h: still overlaps.
        let edge = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-03T07:00:00Z",
            "2026-09-03T08:00:00Z",
        );
        assert!(matches(&edge, inc));
        let early = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-03T07:00:00Z",
            "2026-09-03T07:59:59Z",
        );
        assert!(!matches(&early, inc));
        let late = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-03T13:00:01Z",
            "2026-09-03T15:00:00Z",
        );
        assert!(!matches(&late, inc));
        let edge_late = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-03T13:00:00Z",
            "2026-09-03T15:00:00Z",
        );
        assert!(matches(&edge_late, inc));
        // Covering the whole incident.
        let cover = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-01T00:00:00Z",
            "2026-09-09T00:00:00Z",
        );
        assert!(matches(&cover, inc));
        // Reversed first/last still works.
        let rev = finding(
            "alice.smith@contoso.com",
            None,
            "2026-09-03T10:40:00Z",
            "2026-09-03T10:30:00Z",
        );
        assert!(matches(&rev, inc));
    }

    #[test]
    fn report_counts_recall_precision_and_false_positive_causes() {
        let l = labels();
        let findings = vec![
            finding(
                "alice.smith@contoso.com",
                None,
                "2026-09-03T10:30:00Z",
                "2026-09-03T10:40:00Z",
            ),
            finding(
                "alice.smith@contoso.com",
                None,
                "2026-09-03T10:50:00Z",
                "2026-09-03T10:55:00Z",
            ),
            // Carol: inside both travel and VPN windows -> the shorter (travel) explains it.
            finding(
                "carol.white@contoso.com",
                None,
                "2026-09-04T05:00:00Z",
                "2026-09-04T06:00:00Z",
            ),
            // Carol outside the travel window, inside the VPN one.
            finding(
                "carol.white@contoso.com",
                None,
                "2026-09-08T05:00:00Z",
                "2026-09-08T06:00:00Z",
            ),
            // Nobody's confounder.
            finding(
                "dave@contoso.com",
                None,
                "2026-09-08T05:00:00Z",
                "2026-09-08T06:00:00Z",
            ),
        ];
        let r = evaluate(&l, &findings, 100, 10.0);
        assert_eq!(r.incidents, 2);
        assert_eq!(r.detected, 1);
        assert!((r.recall - 0.5).abs() < 1e-9);
        assert_eq!(r.true_positives, 2);
        assert_eq!(r.false_positives, 3);
        assert!((r.precision - 0.4).abs() < 1e-9);
        assert_eq!(r.false_positives_by_category.get("travel_flight"), Some(&1));
        assert_eq!(
            r.false_positives_by_category.get("corporate_vpn_egress"),
            Some(&1)
        );
        assert_eq!(r.false_positives_by_category.get("unexplained"), Some(&1));
        assert!((r.alerts_per_1k_users_per_day - 3.0).abs() < 1e-9);
        assert_eq!(r.recall_by_kind["aitm_cookie_replay"].recall, 1.0);
        assert_eq!(r.recall_by_kind["illicit_consent"].detected, 0);
        assert_eq!(r.missed, vec!["inc-0002".to_string()]);
        let json = serde_json::to_value(&r).expect("serialize");
        for key in [
            "recall",
            "precision",
            "recall_by_kind",
            "false_positives_by_category",
            "alerts_per_1k_users_per_day",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        let text = r.to_string();
        assert!(text.contains("recall") && text.contains("unexplained"));
    }

    #[test]
    fn false_positives_are_tabled_by_the_hunt_that_raised_them_alone() {
        let l = labels();
        let raised = |hunt: &str, user: &str, first: &str, last: &str| {
            let mut f = finding(user, None, first, last);
            f.hunt = hunt.to_string();
            f
        };
        let findings = vec![
            // A true positive of hunt a: not counted.
            raised(
                "a",
                "alice.smith@contoso.com",
                "2026-09-03T10:30:00Z",
                "2026-09-03T10:40:00Z",
            ),
            raised(
                "a",
                "dave@contoso.com",
                "2026-09-08T05:00:00Z",
                "2026-09-08T06:00:00Z",
            ),
            raised(
                "b",
                "dave@contoso.com",
                "2026-09-09T05:00:00Z",
                "2026-09-09T06:00:00Z",
            ),
            raised(
                "b",
                "erin@contoso.com",
                "2026-09-09T05:00:00Z",
                "2026-09-09T06:00:00Z",
            ),
            // Raised by two hunts together: no single hunt is to blame.
            raised(
                "a,b",
                "frank@contoso.com",
                "2026-09-09T05:00:00Z",
                "2026-09-09T06:00:00Z",
            ),
        ];
        let r = evaluate(&l, &findings, 100, 10.0);
        assert_eq!(r.false_positives, 4);
        let alone: Vec<(&str, usize)> = r
            .false_positives_raised_alone
            .iter()
            .map(|(h, n)| (h.as_str(), *n))
            .collect();
        assert_eq!(alone, vec![("a", 1), ("b", 2)]);
        let text = r.to_string();
        let table = text
            .split("false positives raised alone by")
            .nth(1)
            .expect("table");
        assert!(
            table.find("b ").unwrap() < table.find("a ").unwrap(),
            "{table}"
        );
        let json = serde_json::to_value(&r).expect("serialize");
        assert_eq!(json["false_positives_raised_alone"]["b"], 2);
    }

    #[test]
    fn empty_inputs_are_defined() {
        let mut l = labels();
        l.incidents.clear();
        let r = evaluate(&l, &[], 0, 0.0);
        assert_eq!(r.recall, 1.0);
        assert_eq!(r.precision, 0.0);
        assert_eq!(r.alerts_per_1k_users_per_day, 0.0);
    }

    #[test]
    fn findings_parse_leniently() {
        let text = r#"{"finding_id":"f1","hunt":"h","technique":"T1539","severity":"high","score":0.9,"user":"a@b.c","session_id":null,"source":"entra","first_seen":"2026-09-01T00:00:00Z","last_seen":"2026-09-01T01:00:00+00:00","ips":["1.2.3.4"],"asns":[7922,"AS16509"],"countries":["US"],"apps":["x"],"reason":"r","evidence":{"k":1},"extra":true}

{"user":"a@b.c","first_seen":"2026-09-01T00:00:00.123Z","last_seen":"2026-09-01T00:00:00Z"}
"#;
        let f = parse_findings_jsonl(text).expect("parse");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].session_id, None);
        let bad = parse_findings_jsonl("{\"user\":1}\n").expect_err("bad");
        assert_eq!(bad.0, 1);
    }
}
