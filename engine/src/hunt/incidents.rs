//! `--group incidents`: findings about the same compromise merged into the one alert
//! a responder wants.
//!
//! Two findings belong together when they are about the same user and either the
//! same session, a shared IP (the same attacker infrastructure), or — when one of
//! them is not tied to a session — overlapping time (within two hours). Findings of
//! different users are never merged; infrastructure shared across users is listed in
//! the incident's evidence (`related_users`) instead.
//!
//! An incident's score compounds its hunts' context scores, `1 - Π(1 - p)`, and is
//! held below the alert threshold unless one of its findings is corroborated by what
//! a thief cannot avoid (`scoring`).

use crate::union_find::UnionFind;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::findings::{Finding, finding_id, severity_rank};
use super::scoring;
use crate::parse::time::parse_timestamp_micros;

const NEAR_MICROS: i64 = 2 * 3600 * 1_000_000;

fn window(finding: &Finding) -> (i64, i64) {
    let first = parse_timestamp_micros(&finding.first_seen).unwrap_or(0);
    let last = parse_timestamp_micros(&finding.last_seen).unwrap_or(first);
    (first, last)
}

fn related(a: &Finding, b: &Finding) -> bool {
    if a.user.is_none() || a.user != b.user {
        return false;
    }
    if a.session_id.is_some() && a.session_id == b.session_id {
        return true;
    }
    if a.ips.iter().any(|ip| b.ips.contains(ip)) {
        return true;
    }
    if a.session_id.is_none() || b.session_id.is_none() {
        let ((a_first, a_last), (b_first, b_last)) = (window(a), window(b));
        return a_first <= b_last + NEAR_MICROS && b_first <= a_last + NEAR_MICROS;
    }
    false
}

/// Merges related findings into incidents (a finding alone is an incident of one).
pub fn group_incidents(findings: &[Finding]) -> Vec<Finding> {
    let mut sets = UnionFind::new(findings.len());
    // Only findings of the same user can merge: compare within each user.
    let mut by_user: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if let Some(user) = &finding.user {
            by_user.entry(user).or_default().push(index);
        }
    }
    for members in by_user.values() {
        for (position, &a) in members.iter().enumerate() {
            for &b in &members[position + 1..] {
                if related(&findings[a], &findings[b]) {
                    sets.union(a, b);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        let root = sets.find(index);
        groups.entry(root).or_default().push(finding);
    }
    let mut incidents: Vec<Finding> = groups
        .into_values()
        .map(|members| merge(&members, findings))
        .collect();
    incidents.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.first_seen.cmp(&b.first_seen))
    });
    incidents
}

fn merge(members: &[&Finding], all: &[Finding]) -> Finding {
    let lead = members
        .iter()
        .max_by(|a, b| {
            a.score
                .total_cmp(&b.score)
                .then_with(|| severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
                // Equal scores: the earliest, then the lowest id, so the incident's
                // wording does not depend on the order the engine returned rows in.
                .then_with(|| b.first_seen.cmp(&a.first_seen))
                .then_with(|| b.finding_id.cmp(&a.finding_id))
        })
        .expect("a group has members");
    if members.len() == 1 {
        let mut single = (*lead).clone();
        add_related_users(&mut single, all);
        return single;
    }
    let union = |field: fn(&Finding) -> &Vec<String>| -> Vec<String> {
        members
            .iter()
            .flat_map(|m| field(m).iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let hunts: BTreeSet<&str> = members.iter().map(|m| m.hunt.as_str()).collect();
    let techniques: BTreeSet<&str> = members
        .iter()
        .flat_map(|m| m.technique.split(','))
        .collect();
    let sessions: BTreeSet<&str> = members
        .iter()
        .filter_map(|m| m.session_id.as_deref())
        .collect();
    let mut ids: Vec<&str> = members.iter().map(|m| m.finding_id.as_str()).collect();
    ids.sort_unstable();
    // Independent signals compound: 1 - Π(1 - p) over hunts. Several findings of one
    // hunt (the same trip seen in Entra and Okta) are one signal: its best score.
    // Context scores compound; the gate then asks whether anything a thief cannot
    // avoid corroborates the incident (see `scoring`): two weak signals are not one
    // strong one.
    let mut best_by_hunt: BTreeMap<&str, f64> = BTreeMap::new();
    for member in members {
        let best = best_by_hunt.entry(member.hunt.as_str()).or_insert(0.0);
        *best = best.max(scoring::context_score(member));
    }
    let miss: f64 = best_by_hunt
        .values()
        .map(|score| 1.0 - score / 100.0)
        .product();
    let facts: BTreeSet<String> = members
        .iter()
        .filter_map(|m| scoring::corroboration(m))
        .flatten()
        .collect();
    let gated = facts.is_empty() && members.iter().any(|m| scoring::is_uncorroborated(m));
    let compounded = ((1.0 - miss) * 1000.0).round() / 10.0;
    let score = if gated {
        compounded.min(scoring::UNCORROBORATED_CEILING)
    } else {
        compounded
    };
    let severity = members
        .iter()
        .map(|m| m.severity.as_str())
        .max_by_key(|s| severity_rank(s))
        .unwrap_or("low");
    let mut incident = Finding {
        finding_id: finding_id(&ids),
        hunt: hunts.iter().copied().collect::<Vec<_>>().join(","),
        technique: techniques.iter().copied().collect::<Vec<_>>().join(","),
        severity: severity.to_string(),
        score,
        user: lead.user.clone(),
        session_id: lead.session_id.clone(),
        source: lead.source.clone(),
        first_seen: members
            .iter()
            .map(|m| m.first_seen.clone())
            .min()
            .unwrap_or_default(),
        last_seen: members
            .iter()
            .map(|m| m.last_seen.clone())
            .max()
            .unwrap_or_default(),
        ips: union(|f| &f.ips),
        asns: members
            .iter()
            .flat_map(|m| m.asns.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        countries: union(|f| &f.countries),
        apps: union(|f| &f.apps),
        reason: format!(
            "{} (+{} related finding(s): {})",
            lead.reason,
            members.len() - 1,
            hunts.iter().copied().collect::<Vec<_>>().join(", ")
        ),
        evidence: json!({
            "findings": ids,
            "corroboration": facts,
            "context_score": compounded,
            "sessions": sessions,
            "members": members.iter().map(|m| json!({"hunt": m.hunt, "score": m.score, "reason": m.reason, "evidence": m.evidence})).collect::<Vec<_>>(),
        }),
    };
    add_related_users(&mut incident, all);
    incident
}

/// Other users seen on the same attacker IPs: the campaign's other victims.
fn add_related_users(incident: &mut Finding, all: &[Finding]) {
    let others: BTreeSet<&str> = all
        .iter()
        .filter(|f| f.user != incident.user && f.ips.iter().any(|ip| incident.ips.contains(ip)))
        .filter_map(|f| f.user.as_deref())
        .collect();
    if !others.is_empty()
        && let Some(object) = incident.evidence.as_object_mut()
    {
        object.insert("related_users".into(), json!(others));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(
        hunt: &str,
        user: &str,
        session: Option<&str>,
        ip: &str,
        first: &str,
        score: f64,
    ) -> Finding {
        Finding {
            finding_id: finding_id(&[hunt, user, session.unwrap_or(first)]),
            hunt: hunt.into(),
            technique: "T1550.001".into(),
            severity: "high".into(),
            score,
            user: Some(user.into()),
            session_id: session.map(Into::into),
            source: "entra".into(),
            first_seen: first.into(),
            last_seen: first.into(),
            ips: vec![ip.into()],
            asns: vec![],
            countries: vec![],
            apps: vec![],
            reason: format!("{hunt} fired"),
            evidence: json!({}),
        }
    }

    #[test]
    fn same_session_shared_ip_or_near_sessionless_findings_merge() {
        let findings = vec![
            finding(
                "a",
                "u1",
                Some("s1"),
                "1.1.1.1",
                "2024-01-01T10:00:00Z",
                60.0,
            ),
            finding(
                "b",
                "u1",
                Some("s1"),
                "2.2.2.2",
                "2024-01-01T11:00:00Z",
                50.0,
            ),
            finding("c", "u1", None, "3.3.3.3", "2024-01-01T12:30:00Z", 40.0),
            finding(
                "d",
                "u1",
                Some("s9"),
                "9.9.9.9",
                "2024-02-01T10:00:00Z",
                40.0,
            ),
            finding(
                "e",
                "u2",
                Some("s1"),
                "1.1.1.1",
                "2024-01-01T10:00:00Z",
                40.0,
            ),
        ];
        let incidents = group_incidents(&findings);
        assert_eq!(incidents.len(), 3);
        let merged = &incidents[0];
        assert_eq!(merged.hunt, "a,b,c");
        assert_eq!(merged.score, 88.0);
        assert_eq!(merged.first_seen, "2024-01-01T10:00:00Z");
        assert_eq!(merged.last_seen, "2024-01-01T12:30:00Z");
        assert_eq!(merged.evidence["related_users"], json!(["u2"]));
        // Regrouping the same findings gives the same ids.
        assert_eq!(group_incidents(&findings)[0].finding_id, merged.finding_id);
    }

    #[test]
    fn equal_scores_take_the_earliest_finding_s_reason_whatever_the_input_order() {
        let earlier = finding(
            "a",
            "u1",
            Some("s1"),
            "1.1.1.1",
            "2024-01-01T10:00:00Z",
            60.0,
        );
        let later = finding(
            "b",
            "u1",
            Some("s1"),
            "2.2.2.2",
            "2024-01-01T10:05:00Z",
            60.0,
        );
        let forward = group_incidents(&[earlier.clone(), later.clone()]);
        let backward = group_incidents(&[later, earlier]);
        assert_eq!(forward.len(), 1);
        assert!(
            forward[0].reason.starts_with("a fired"),
            "{}",
            forward[0].reason
        );
        assert_eq!(forward[0].reason, backward[0].reason);
    }
}
