//! What a scope answers, as one serialisable document (`scope --format json`, the
//! terminal view and the HTML report all render this).

use serde::Serialize;

use super::target::ScopeTarget;
use crate::hunt::Finding;
use crate::sql::ScanStats;

/// The whole answer of a scope.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeReport {
    pub target: ScopeTarget,
    /// The window searched (RFC 3339; null = open end).
    pub since: Option<String>,
    pub until: Option<String>,
    /// The users the scope is about (the target user, the session's user, or the users
    /// seen on the target IP).
    pub users: Vec<String>,
    pub summary: Summary,
    /// The earliest event (sign-in or directory change) from attacker infrastructure.
    pub first_attacker_event: Option<EventRef>,
    pub sessions: Vec<SessionSummary>,
    pub infrastructure: Vec<Infrastructure>,
    pub pivot: Vec<PivotUser>,
    pub audit: Vec<AuditChange>,
    /// Hunt findings about the scope's users.
    pub findings: Vec<Finding>,
    /// Where the events came from, for the map.
    pub locations: Vec<Location>,
    /// Where the hunts' baselines came from.
    pub baseline: String,
    /// Hunts that failed (the scope still ran without them).
    pub hunt_errors: Vec<String>,
    pub notes: Vec<String>,
    pub stats: ScanStats,
}

/// Counts for the headline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub sessions: usize,
    pub compromised_sessions: usize,
    pub events: usize,
    pub attacker_events: usize,
    pub attacker_ips: usize,
    pub suspect_ips: usize,
    pub pivot_users: usize,
    pub audit_changes: usize,
    pub findings: usize,
}

/// One event, pointed at.
#[derive(Debug, Clone, Serialize)]
pub struct EventRef {
    pub time: String,
    pub source: String,
    /// `signin` or `audit`.
    pub table: String,
    pub kind: String,
    pub user: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub country: Option<String>,
    pub app: Option<String>,
    pub event_id: String,
}

/// One session (or a user's session-less events, or a linked service principal's
/// sign-ins) with everything it was seen with.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub source: String,
    /// `session`, `sessionless` (events without a session id, e.g. failed attempts or
    /// Okta refresh-token grants) or `service_principal` (an application the user
    /// consented to or added credentials to).
    pub kind: String,
    pub session_id: Option<String>,
    pub user: String,
    /// How the session joined the scope: `user`, `session`, `ip`, `root_session_id`,
    /// `token_id`, `correlation_id`, `federation`, `consent`.
    pub linked_by: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub first_micros: i64,
    pub last_micros: i64,
    pub events: usize,
    pub failures: usize,
    pub attacker_events: usize,
    /// Events from suspect addresses (new to the user, not flagged by a hunt).
    pub suspect_events: usize,
    pub first_attacker_event: Option<String>,
    /// Used from attacker infrastructure.
    pub compromised: bool,
    pub ips: Vec<String>,
    pub networks: Vec<String>,
    pub asns: Vec<String>,
    pub countries: Vec<String>,
    pub devices: Vec<String>,
    pub user_agents: Vec<String>,
    pub apps: Vec<String>,
    pub resources: Vec<String>,
    pub token_types: Vec<String>,
    pub log_types: Vec<String>,
    /// Hunts with a finding on this session.
    pub flagged_by: Vec<String>,
    /// Times of the attacker's events (µs, at most a few hundred), for the timeline.
    pub attacker_times: Vec<i64>,
    /// Times of the other events (µs, thinned to a few hundred), for the timeline.
    pub event_times: Vec<i64>,
}

/// An address the scope's users were seen on, judged.
#[derive(Debug, Clone, Serialize)]
pub struct Infrastructure {
    pub ip: String,
    pub network: Option<String>,
    pub asn: Option<i64>,
    pub as_org: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub category: Option<String>,
    /// `attacker` (a hunt flagged it and it is not a network the user comes back to)
    /// or `suspect` (a network new to the user per the baselines, not flagged).
    pub verdict: String,
    pub reasons: Vec<String>,
    pub hunts: Vec<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub events: usize,
    pub users: Vec<String>,
}

/// Another user (or service principal) seen on the attacker's infrastructure.
#[derive(Debug, Clone, Serialize)]
pub struct PivotUser {
    pub user: String,
    /// `user` or `service_principal`.
    pub kind: String,
    /// What matched: `ip 203.0.113.7`, `network 203.0.113.0/24`, `network AS64500`.
    pub matched: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub events: usize,
    /// Of those, successful sign-ins (the rest are failed attempts).
    pub successes: usize,
    pub sessions: Vec<String>,
    pub ips: Vec<String>,
    pub sources: Vec<String>,
}

/// A directory change by or to a scope user, or from attacker infrastructure.
#[derive(Debug, Clone, Serialize)]
pub struct AuditChange {
    pub time: String,
    pub source: String,
    pub operation: String,
    /// `consent`, `credentials`, `mfa`, `role`, `password`, `account` or `other`.
    pub category: String,
    /// `by` (the user acted), `to` (the user was the target) or `attacker_ip`.
    pub relation: String,
    pub actor: Option<String>,
    pub actor_ip: Option<String>,
    pub target: Option<String>,
    pub target_id: Option<String>,
    pub result: Option<String>,
    pub from_attacker: bool,
    pub event_id: String,
}

/// Events at one place, for the map.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub country: Option<String>,
    pub city: Option<String>,
    pub events: usize,
    pub attacker_events: usize,
    pub ips: Vec<String>,
}
