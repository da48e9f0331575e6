//! Per-session summaries: first and last seen, networks, ASNs, countries, devices,
//! user agents, apps and resources, and how much of it came from the attacker.

use std::collections::{BTreeMap, BTreeSet};

use super::events::{Event, distinct};
use super::report::SessionSummary;
use super::stitch::SessionKey;
use crate::hunt::Finding;
use crate::timerange::rfc3339;

/// At most this many event times per session go to the timeline.
const TIMELINE_POINTS: usize = 300;

/// Evenly thinned times (always keeping the first and last).
fn thin(times: &[i64], limit: usize) -> Vec<i64> {
    if times.len() <= limit {
        return times.to_vec();
    }
    let step = (times.len() - 1) as f64 / (limit - 1) as f64;
    (0..limit)
        .map(|i| times[((i as f64 * step).round() as usize).min(times.len() - 1)])
        .collect()
}

/// One summary per session key of the selected events, in order of first use.
pub fn summarize(
    events: &[&Event],
    linked_by: &BTreeMap<SessionKey, BTreeSet<&'static str>>,
    kind_of: impl Fn(&SessionKey) -> &'static str,
    is_attacker: impl Fn(&Event) -> bool,
    is_suspect: impl Fn(&Event) -> bool,
    findings: &[Finding],
) -> Vec<SessionSummary> {
    let mut groups: BTreeMap<SessionKey, Vec<&Event>> = BTreeMap::new();
    for event in events {
        groups.entry(SessionKey::of(event)).or_default().push(event);
    }
    let mut sessions: Vec<SessionSummary> = groups
        .into_iter()
        .map(|(key, mut members)| {
            members.sort_by_key(|e| e.t);
            let first = members.first().map_or(0, |e| e.t);
            let last = members.last().map_or(0, |e| e.t);
            let attacker: Vec<&Event> =
                members.iter().copied().filter(|e| is_attacker(e)).collect();
            let other_times: Vec<i64> = members
                .iter()
                .filter(|e| !is_attacker(e))
                .map(|e| e.t)
                .collect();
            let flagged_by: Vec<String> = findings
                .iter()
                .filter(|f| {
                    key.session_id.is_some()
                        && f.session_id == key.session_id
                        && f.user.as_deref() == Some(key.user.as_str())
                })
                .map(|f| f.hunt.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            SessionSummary {
                source: key.source.clone(),
                kind: kind_of(&key).to_string(),
                session_id: key.session_id.clone(),
                user: key.user.clone(),
                linked_by: linked_by
                    .get(&key)
                    .map(|set| set.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
                first_seen: rfc3339(first),
                last_seen: rfc3339(last),
                first_micros: first,
                last_micros: last,
                events: members.len(),
                failures: members.iter().filter(|e| e.failed()).count(),
                attacker_events: attacker.len(),
                suspect_events: members.iter().filter(|e| is_suspect(e)).count(),
                first_attacker_event: attacker.first().map(|e| rfc3339(e.t)),
                compromised: !attacker.is_empty(),
                ips: distinct(members.iter().copied(), |e| e.ip.clone()),
                networks: distinct(members.iter().copied(), Event::network),
                asns: distinct(members.iter().copied(), |e| {
                    e.asn.map(|asn| match &e.as_org {
                        Some(org) => format!("AS{asn} {org}"),
                        None => format!("AS{asn}"),
                    })
                }),
                countries: distinct(members.iter().copied(), |e| e.country.clone()),
                devices: distinct(members.iter().copied(), Event::device),
                user_agents: distinct(members.iter().copied(), |e| e.user_agent.clone()),
                apps: distinct(members.iter().copied(), |e| e.app.clone()),
                resources: distinct(members.iter().copied(), |e| e.resource.clone()),
                token_types: distinct(members.iter().copied(), |e| {
                    e.incoming_token_type.clone().filter(|t| t != "none")
                }),
                log_types: distinct(members.iter().copied(), |e| Some(e.log_type.clone())),
                flagged_by,
                attacker_times: thin(
                    &attacker.iter().map(|e| e.t).collect::<Vec<_>>(),
                    TIMELINE_POINTS,
                ),
                event_times: thin(&other_times, TIMELINE_POINTS),
            }
        })
        .collect();
    sessions.sort_by(|a, b| {
        a.first_micros
            .cmp(&b.first_micros)
            .then_with(|| a.session_id.cmp(&b.session_id))
    });
    sessions
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn thinning_keeps_ends() {
        let times: Vec<i64> = (0..1000).collect();
        let kept = thin(&times, 10);
        assert_eq!(kept.len(), 10);
        assert_eq!((kept[0], kept[9]), (0, 999));
        assert_eq!(thin(&[1, 2], 10), vec![1, 2]);
    }
}
