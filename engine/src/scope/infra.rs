//! Attacker infrastructure: which of the addresses in a scope are the attacker's.
//!
//! * **attacker** — an address a hunt flagged in a finding about one of the scope's
//!   users, unless it is on a network that user keeps coming back to (a finding such as
//!   "signed in from GB then US" lists the victim's own address too); and every other
//!   address of the scope on the same (non-shared) network as such an address.
//! * **suspect** — an address on a network that is new to the user per the baselines
//!   (used on fewer than [`REGULAR_DAYS`] days) that no hunt flagged: a trip, a new
//!   phone, or an attacker the hunts missed; shown for the responder to judge.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::events::Event;
use super::hunts::UserNetwork;
use super::report::Infrastructure;
use crate::hunt::Finding;
use crate::timerange::rfc3339;

/// A network the user used on this many days is theirs.
pub const REGULAR_DAYS: i64 = 3;

/// A prefix used by this many users is shared egress (the hunts' default).
pub const SHARED_USERS: i64 = 8;

/// A prefix used by this many users on [`REGULAR_DAYS`] days or more is an office or
/// a VPN of the tenant's, even when fewer than [`SHARED_USERS`] use it.
pub const OFFICE_USERS: i64 = 3;

/// Whether a prefix's (users, days) make it shared egress rather than one attacker's.
fn is_shared(users_days: Option<&(i64, i64)>) -> bool {
    users_days.is_some_and(|&(users, days)| {
        users >= SHARED_USERS || (users >= OFFICE_USERS && days >= REGULAR_DAYS)
    })
}

/// Categories that never make an address suspect on their own: Microsoft's own front
/// ends, relays, private ranges and carriers' CGNAT pools.
const NEVER_SUSPECT: [&str; 5] = ["microsoft", "privacy_relay", "cdn", "private", "mobile"];

/// The judged addresses, and the predicates derived from them.
#[derive(Debug, Default)]
pub struct Judgement {
    pub entries: Vec<Infrastructure>,
    pub attacker_ips: BTreeSet<String>,
    /// Networks (as `Event::network` names them) whose every address is the attacker's.
    pub attacker_networks: BTreeSet<String>,
    pub suspect_ips: BTreeSet<String>,
}

impl Judgement {
    /// Whether an event came from a suspect address.
    pub fn is_suspect(&self, event: &Event) -> bool {
        event
            .ip
            .as_ref()
            .is_some_and(|ip| self.suspect_ips.contains(ip))
    }

    /// Whether an event came from the attacker.
    pub fn is_attacker(&self, event: &Event) -> bool {
        event
            .ip
            .as_ref()
            .is_some_and(|ip| self.attacker_ips.contains(ip))
    }
}

/// Everything the judgement looks at.
pub struct Evidence<'a> {
    /// The scope's events (selected sessions and linked applications).
    pub events: &'a [&'a Event],
    /// Every event of the scope's users in the window (to tell whether an address was
    /// used outside one session).
    pub history: &'a [Event],
    pub findings: &'a [Finding],
    pub user_networks: &'a [UserNetwork],
    pub prefix_users: &'a HashMap<(String, String), (i64, i64)>,
    pub users: &'a [String],
    /// Flagged addresses outside the scope's events count too (a user target: every
    /// finding is about the user).
    pub keep_unseen: bool,
}

/// Categories whose ASN serves the whole world (Microsoft's front ends, CDNs, relays,
/// carriers' CGNAT): using the ASN says nothing about an address, so whether an address
/// is the user's own is judged on its /24 or /64 instead.
const WORLD_SHARED: [&str; 4] = ["microsoft", "cdn", "privacy_relay", "mobile"];

/// Days on which `user` used `prefix`, from the scope's history.
fn prefix_days(history: &[Event], user: &str, prefix: &str) -> i64 {
    history
        .iter()
        .filter(|e| e.user.as_deref() == Some(user) && e.prefix.as_deref() == Some(prefix))
        .filter(|e| !e.failed())
        .map(|e| e.t.div_euclid(86_400_000_000))
        .collect::<BTreeSet<_>>()
        .len() as i64
}

fn routine(network: Option<&UserNetwork>, flagged_at: Option<i64>) -> bool {
    let Some(network) = network else {
        return false;
    };
    if network.days >= REGULAR_DAYS {
        return true;
    }
    // Used on two days or more, the first of them well before anything was flagged:
    // the user's own network rather than the attacker's.
    flagged_at.is_some_and(|t| network.days >= 2 && network.first < t - 2 * 86_400_000_000)
}

/// Judges the addresses of a scope.
pub fn judge(evidence: &Evidence<'_>) -> Judgement {
    let networks: HashMap<(&str, &str, &str), &UserNetwork> = evidence
        .user_networks
        .iter()
        .map(|n| ((n.source.as_str(), n.user.as_str(), n.network.as_str()), n))
        .collect();
    let network_of = |event: &Event| -> Option<&UserNetwork> {
        let network = event.network()?;
        networks
            .get(&(
                event.source.as_str(),
                event.user.as_deref()?,
                network.as_str(),
            ))
            .copied()
    };
    // Whether the event's address is on a network its user keeps coming back to.
    let own_network = |event: &Event, flagged_at: Option<i64>| -> bool {
        let world = WORLD_SHARED.contains(&event.category.as_deref().unwrap_or(""));
        match (world, event.user.as_deref(), event.prefix.as_deref()) {
            (true, Some(user), Some(prefix)) => {
                prefix_days(evidence.history, user, prefix) >= REGULAR_DAYS
            }
            _ => routine(network_of(event), flagged_at),
        }
    };
    // A /24 or /64 many users sign in from is shared egress (an office, a VPN), not
    // an attacker's server.
    let shared = |event: &Event| -> bool {
        event.prefix.as_ref().is_some_and(|p| {
            is_shared(
                evidence
                    .prefix_users
                    .get(&(event.source.clone(), p.clone())),
            )
        })
    };
    let is_scope_user = |event: &Event| {
        evidence
            .users
            .iter()
            .any(|u| Some(u) == event.user.as_ref())
    };
    // Flagged addresses: hunt ids and when each was first flagged.
    let mut flagged: BTreeMap<String, (BTreeSet<String>, i64)> = BTreeMap::new();
    for finding in evidence.findings {
        let at = crate::parse::time::parse_timestamp_micros(&finding.first_seen).unwrap_or(0);
        for ip in &finding.ips {
            let entry = flagged
                .entry(ip.clone())
                .or_insert_with(|| (BTreeSet::new(), at));
            entry.0.insert(finding.hunt.clone());
            entry.1 = entry.1.min(at);
        }
    }
    let mut by_ip: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in evidence.events {
        if let Some(ip) = &event.ip {
            by_ip.entry(ip.as_str()).or_default().push(event);
        }
    }
    let mut judgement = Judgement::default();
    let mut verdicts: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
    for (ip, (hunts, at)) in &flagged {
        let seen = by_ip.get(ip.as_str());
        if seen.is_none() && !evidence.keep_unseen {
            continue;
        }
        let own = seen.is_some_and(|events| {
            events
                .iter()
                .any(|e| is_scope_user(e) && (own_network(e, Some(*at)) || shared(e)))
        });
        if own {
            continue;
        }
        judgement.attacker_ips.insert(ip.clone());
        verdicts.insert(
            ip.clone(),
            (
                "attacker".into(),
                vec![format!("flagged by {}", join(hunts))],
                hunts.iter().cloned().collect(),
            ),
        );
    }
    // The rest of an attacker's (unshared) network is the attacker's too.
    for ip in judgement.attacker_ips.clone() {
        for event in by_ip.get(ip.as_str()).into_iter().flatten() {
            let Some(network) = event.network() else {
                continue;
            };
            let world = WORLD_SHARED.contains(&event.category.as_deref().unwrap_or(""));
            if is_scope_user(event) && !world && !shared(event) && !own_network(event, None) {
                judgement.attacker_networks.insert(network);
            }
        }
    }
    for (ip, events) in &by_ip {
        if judgement.attacker_ips.contains(*ip) {
            continue;
        }
        // Only the scope users' own events: an application's service principal on
        // the same cloud block is somebody else's server.
        if events.iter().any(|e| {
            is_scope_user(e)
                && e.network()
                    .is_some_and(|n| judgement.attacker_networks.contains(&n))
        }) {
            judgement.attacker_ips.insert(ip.to_string());
            let network = events.first().and_then(|e| e.network()).unwrap_or_default();
            verdicts.insert(
                ip.to_string(),
                (
                    "attacker".into(),
                    vec![format!("on the attacker's network {network}")],
                    Vec::new(),
                ),
            );
        }
    }
    born_on_proxy(evidence, &by_ip, &mut judgement, &mut verdicts);
    // Suspect: new to the user, not flagged.
    for (ip, events) in &by_ip {
        if verdicts.contains_key(*ip) {
            continue;
        }
        let mine: Vec<&&Event> = events.iter().filter(|e| is_scope_user(e)).collect();
        let Some(first) = mine.first() else { continue };
        if NEVER_SUSPECT.contains(&first.category.as_deref().unwrap_or("")) {
            continue;
        }
        let known = network_of(first);
        if known.is_some_and(|n| n.days >= REGULAR_DAYS) || shared(first) {
            continue;
        }
        let mut reasons = vec![match known {
            Some(n) => format!(
                "network {} used on {} day(s) only",
                n.network,
                n.days.max(1)
            ),
            None => "network new to the user".to_string(),
        }];
        if mine.iter().all(|e| e.failed()) {
            reasons.push("failed attempts only".into());
        }
        verdicts.insert(ip.to_string(), ("suspect".into(), reasons, Vec::new()));
    }
    for (ip, (verdict, reasons, hunts)) in verdicts {
        if verdict == "suspect" {
            judgement.suspect_ips.insert(ip.clone());
        }
        let events = by_ip.get(ip.as_str()).cloned().unwrap_or_default();
        let sample = events.first();
        let users: BTreeSet<String> = events.iter().filter_map(|e| e.user.clone()).collect();
        judgement.entries.push(Infrastructure {
            network: sample.and_then(|e| e.network()),
            asn: sample.and_then(|e| e.asn),
            as_org: sample.and_then(|e| e.as_org.clone()),
            country: sample.and_then(|e| e.country.clone()),
            city: sample.and_then(|e| e.city.clone()),
            category: sample.and_then(|e| e.category.clone()),
            verdict,
            reasons,
            hunts,
            first_seen: events.iter().map(|e| e.t).min().map(rfc3339),
            last_seen: events.iter().map(|e| e.t).max().map(rfc3339),
            events: events.len(),
            users: users.into_iter().collect(),
            ip,
        });
    }
    judgement.entries.sort_by(|a, b| {
        (a.verdict != "attacker")
            .cmp(&(b.verdict != "attacker"))
            .then_with(|| a.first_seen.cmp(&b.first_seen))
            .then_with(|| a.ip.cmp(&b.ip))
    });
    judgement
}

/// How long before the attacker's first use a session may have begun and still count
/// as born on the attacker's proxy.
const PROXY_LEAD_MICROS: i64 = 3_600_000_000;

/// Adversary-in-the-middle: a session that began less than an hour before the attacker
/// first used it was opened through the attacker's phishing proxy, so the addresses it
/// was used from before that — when the user used them in no other session — are the
/// proxy's. (The hunts cannot flag them: the proxy relays the victim's own sign-in,
/// often from a cloud the user's apps use too.)
fn born_on_proxy(
    evidence: &Evidence<'_>,
    by_ip: &BTreeMap<&str, Vec<&Event>>,
    judgement: &mut Judgement,
    verdicts: &mut BTreeMap<String, (String, Vec<String>, Vec<String>)>,
) {
    let mut sessions: BTreeMap<(&str, &str), Vec<&Event>> = BTreeMap::new();
    for event in evidence.events {
        if let Some(session) = event.session_id.as_deref() {
            sessions
                .entry((event.source.as_str(), session))
                .or_default()
                .push(event);
        }
    }
    for ((_, session), events) in sessions {
        let Some(attack) = events
            .iter()
            .filter(|e| judgement.is_attacker(e))
            .map(|e| e.t)
            .min()
        else {
            continue;
        };
        let start = events.iter().map(|e| e.t).min().unwrap_or(attack);
        if attack - start > PROXY_LEAD_MICROS {
            continue;
        }
        let before: BTreeSet<&str> = events
            .iter()
            .filter(|e| e.t < attack && !judgement.is_attacker(e))
            .filter_map(|e| e.ip.as_deref())
            .collect();
        for ip in before {
            let elsewhere = evidence
                .history
                .iter()
                .any(|e| e.ip.as_deref() == Some(ip) && e.session_id.as_deref() != Some(session));
            let shared = by_ip
                .get(ip)
                .and_then(|events| events.first())
                .is_some_and(|e| {
                    e.prefix.as_ref().is_some_and(|p| {
                        is_shared(evidence.prefix_users.get(&(e.source.clone(), p.clone())))
                    })
                });
            if elsewhere || shared {
                continue;
            }
            judgement.attacker_ips.insert(ip.to_string());
            verdicts.insert(
                ip.to_string(),
                (
                    "attacker".into(),
                    vec![format!(
                        "opened session {session} less than an hour before the attacker used it, and used in no other session: an adversary-in-the-middle proxy"
                    )],
                    Vec::new(),
                ),
            );
        }
    }
}

fn join(items: &BTreeSet<String>) -> String {
    items.iter().cloned().collect::<Vec<_>>().join(", ")
}
