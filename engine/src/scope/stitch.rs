//! Stitching: which of the scope users' events derive from the same root
//! authentication as the target.
//!
//! A user target takes every event of the user, Entra and Okta alike (the lake
//! lower-cases UPNs and Okta logins, so a federated user is one name). A session target
//! starts from the session and follows what one authentication leaves behind: Okta's
//! `rootSessionId` (the pre-authentication `idx…` session and the session it became),
//! a `token_id` or `correlation_id` seen in another session, and federation — a session
//! of the same user in the other product that began while the scoped session was in
//! use, from one of its addresses (Okta signing the user in to Entra, or the reverse). An IP
//! target takes every session that was used from the address, and the session-less
//! events from it.

use crate::union_find::UnionFind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::events::Event;
use super::target::ScopeTarget;

/// Which session (or session-less bucket) an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey {
    pub source: String,
    pub user: String,
    /// `None` for the user's session-less events of that source.
    pub session_id: Option<String>,
}

impl SessionKey {
    /// The key of an event's session; a service principal's sign-ins (which carry no
    /// user) are keyed by the application's name.
    pub fn of(event: &Event) -> SessionKey {
        SessionKey {
            source: event.source.clone(),
            user: event
                .user
                .clone()
                .or_else(|| event.app.clone())
                .unwrap_or_default(),
            session_id: event.session_id.clone().filter(|s| !s.is_empty()),
        }
    }
}

/// The events in scope and, per session, how it joined.
#[derive(Debug, Default)]
pub struct Selection {
    /// Indices into the events, in their order.
    pub events: Vec<usize>,
    pub linked_by: BTreeMap<SessionKey, BTreeSet<&'static str>>,
}

/// Picks the events that belong to the target's scope.
pub fn select(events: &[Event], target: &ScopeTarget) -> Selection {
    match target {
        ScopeTarget::User(_) => {
            let mut selection = Selection::default();
            for (index, event) in events.iter().enumerate() {
                selection.events.push(index);
                selection
                    .linked_by
                    .entry(SessionKey::of(event))
                    .or_default()
                    .insert("user");
            }
            selection
        }
        ScopeTarget::Ip(ip) => select_by_ip(events, ip),
        ScopeTarget::Session(session) => select_by_session(events, session),
    }
}

fn select_by_ip(events: &[Event], ip: &str) -> Selection {
    let touched: BTreeSet<SessionKey> = events
        .iter()
        .filter(|e| e.ip.as_deref() == Some(ip))
        .map(SessionKey::of)
        .filter(|k| k.session_id.is_some())
        .collect();
    let mut selection = Selection::default();
    for (index, event) in events.iter().enumerate() {
        let key = SessionKey::of(event);
        let from_ip = event.ip.as_deref() == Some(ip);
        // A session touched by the address comes whole; session-less events only
        // when they came from it.
        if touched.contains(&key) || (key.session_id.is_none() && from_ip) {
            selection.events.push(index);
            selection.linked_by.entry(key).or_default().insert("ip");
        }
    }
    selection
}

/// Graph nodes: sessions by (source, id), root-session ids, and each session-less event.
fn node_names(event: &Event) -> Vec<(String, &'static str)> {
    let mut names = Vec::new();
    match event.session_id.as_deref().filter(|s| !s.is_empty()) {
        Some(session) => names.push((format!("s\u{1f}{}\u{1f}{session}", event.source), "")),
        None => names.push((format!("e\u{1f}{}", event.event_id), "")),
    }
    if let Some(root) = event.root_session_id.as_deref().filter(|s| !s.is_empty()) {
        names.push((
            format!("s\u{1f}{}\u{1f}{root}", event.source),
            "root_session_id",
        ));
    }
    if let Some(token) = event.token_id.as_deref().filter(|s| !s.is_empty()) {
        names.push((format!("t\u{1f}{token}"), "token_id"));
    }
    if let Some(correlation) = event.correlation_id.as_deref().filter(|s| !s.is_empty()) {
        names.push((format!("c\u{1f}{correlation}"), "correlation_id"));
    }
    names
}

fn select_by_session(events: &[Event], session: &str) -> Selection {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let node = |name: String, ids: &mut HashMap<String, usize>| -> usize {
        let next = ids.len();
        *ids.entry(name).or_insert(next)
    };
    // Each event's own node, and the links it carries.
    let mut own = Vec::with_capacity(events.len());
    let mut edges: Vec<(usize, usize, &'static str)> = Vec::new();
    for event in events {
        let names = node_names(event);
        let first = node(names[0].0.clone(), &mut ids);
        own.push(first);
        for (name, why) in names.into_iter().skip(1) {
            let other = node(name, &mut ids);
            edges.push((first, other, why));
        }
    }
    let mut sets = UnionFind::new(ids.len());
    for &(a, b, _) in &edges {
        sets.union(a, b);
    }
    let starts: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.session_id.as_deref() == Some(session)
                || e.root_session_id.as_deref() == Some(session)
        })
        .map(|(i, _)| own[i])
        .collect();
    let roots: BTreeSet<usize> = starts.iter().map(|&n| sets.find(n)).collect();
    let mut selection = Selection::default();
    // How each event's node was reached: the start session, or the link kinds of its
    // own edges.
    let mut reasons: HashMap<usize, BTreeSet<&'static str>> = HashMap::new();
    for &(a, _, why) in &edges {
        reasons.entry(a).or_default().insert(why);
    }
    for (index, event) in events.iter().enumerate() {
        if !roots.contains(&sets.find(own[index])) {
            continue;
        }
        selection.events.push(index);
        let key = SessionKey::of(event);
        let entry = selection.linked_by.entry(key).or_default();
        if event.session_id.as_deref() == Some(session) {
            entry.insert("session");
        } else if let Some(why) = reasons.get(&own[index]) {
            entry.extend(why.iter().copied());
        }
    }
    add_federated(events, &mut selection);
    selection.events.sort_unstable();
    selection
}

/// How long before a selected session another product's session may begin and still
/// count as its federated sign-in (the identity provider's session starts first).
const FEDERATION_LEAD: i64 = 5 * 60 * 1_000_000;

/// Adds sessions of the same user in the other product that began while a selected
/// session was in use and share one of its addresses.
fn add_federated(events: &[Event], selection: &mut Selection) {
    struct Span {
        first: i64,
        last: i64,
        ips: BTreeSet<String>,
    }
    let mut spans: BTreeMap<SessionKey, Span> = BTreeMap::new();
    for event in events {
        let key = SessionKey::of(event);
        if key.session_id.is_none() {
            continue;
        }
        let span = spans.entry(key).or_insert(Span {
            first: event.t,
            last: event.t,
            ips: BTreeSet::new(),
        });
        span.first = span.first.min(event.t);
        span.last = span.last.max(event.t);
        if let Some(ip) = &event.ip {
            span.ips.insert(ip.clone());
        }
    }
    let chosen: Vec<SessionKey> = selection
        .linked_by
        .keys()
        .filter(|k| k.session_id.is_some())
        .cloned()
        .collect();
    let mut added = BTreeSet::new();
    for key in &chosen {
        let Some(span) = spans.get(key) else { continue };
        for (other, candidate) in &spans {
            if other.source == key.source
                || other.user != key.user
                || selection.linked_by.contains_key(other)
            {
                continue;
            }
            // Begun while the selected session was in use (a federated sign-in opens
            // the other product's session then), from one of its addresses.
            let begun_during =
                candidate.first >= span.first - FEDERATION_LEAD && candidate.first <= span.last;
            if begun_during && candidate.ips.intersection(&span.ips).next().is_some() {
                added.insert(other.clone());
            }
        }
    }
    for (index, event) in events.iter().enumerate() {
        let key = SessionKey::of(event);
        if added.contains(&key) {
            selection.events.push(index);
            selection
                .linked_by
                .entry(key)
                .or_default()
                .insert("federation");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, source: &str, session: Option<&str>, t: i64, ip: &str) -> Event {
        Event {
            t,
            source: source.into(),
            log_type: "interactive".into(),
            event_type: "x".into(),
            event_id: id.into(),
            user: Some("u@x".into()),
            user_id: None,
            session_id: session.map(Into::into),
            root_session_id: None,
            token_id: None,
            correlation_id: None,
            ip: Some(ip.into()),
            asn: None,
            as_org: None,
            country: None,
            city: None,
            lat: None,
            lon: None,
            user_agent: None,
            device_id: None,
            device_os: None,
            browser: None,
            app: None,
            app_id: None,
            resource: None,
            incoming_token_type: None,
            result: Some("success".into()),
            prefix: None,
            category: None,
            client: None,
        }
    }

    #[test]
    fn a_session_pulls_in_its_root_tokens_and_federated_sessions_only() {
        let mut events = vec![
            event("1", "okta", Some("idx1"), 10, "1.1.1.1"),
            event("2", "okta", Some("102a"), 20, "1.1.1.1"),
            event("3", "entra", Some("E1"), 30, "1.1.1.1"),
            event("4", "entra", Some("E2"), 40, "9.9.9.9"),
            event("5", "entra", None, 45, "9.9.9.9"),
            event("6", "entra", Some("E3"), 500, "1.1.1.1"),
            event("7", "okta", Some("102a"), 100, "1.1.1.1"),
        ];
        events[1].root_session_id = Some("idx1".into());
        events[3].token_id = Some("tok".into());
        events[4].token_id = Some("tok".into());
        let selection = select(&events, &ScopeTarget::Session("102a".into()));
        let ids: Vec<&str> = selection
            .events
            .iter()
            .map(|&i| events[i].event_id.as_str())
            .collect();
        // idx1 via rootSessionId, E1 via federation (overlaps, same IP); E2 and its
        // token-linked session-less event are another authentication; E3 is later.
        assert_eq!(ids, vec!["1", "2", "3", "7"]);
        let e1 = SessionKey::of(&events[2]);
        assert!(selection.linked_by[&e1].contains("federation"));

        let by_token = select(&events, &ScopeTarget::Session("E2".into()));
        let ids: Vec<&str> = by_token
            .events
            .iter()
            .map(|&i| events[i].event_id.as_str())
            .collect();
        assert_eq!(ids, vec!["4", "5"]);

        let by_ip = select(&events, &ScopeTarget::Ip("9.9.9.9".into()));
        assert_eq!(by_ip.events, vec![3, 4]);
    }
}
