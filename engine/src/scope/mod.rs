//! Incident-response scoping: everything derived from the same root authentication as
//! a user, a session or an IP — sessions, tokens, federated sessions, the attacker's
//! infrastructure, other users seen on it, directory changes, and what the hunts
//! flagged — as one [`ScopeReport`].
//!
//! Files: `target` (what a scope starts from), `window` (time and date-partition
//! predicates), `query` (queries with scan metrics), `events` (the rows read),
//! `stitch` (which events belong together), `hunts` (the hunt library over the
//! scope's rows), `infra` (attacker and suspect addresses), `pivot` (other users on
//! that infrastructure), `audit` (directory changes), `sessions` (per-session
//! summaries), `report` (the answer).

pub mod audit;
pub mod events;
pub mod hunts;
pub mod infra;
pub mod pivot;
pub mod report;
pub mod sessions;
pub mod stitch;
pub mod target;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use datafusion::prelude::SessionContext;
use serde::Deserialize;

pub use self::report::ScopeReport;
pub use self::target::ScopeTarget;
pub use crate::sql::ScanStats;

use self::events::Event;
use self::hunts::{HuntInputs, HuntOutcome};
use self::report::{EventRef, Location, Summary};
use self::stitch::SessionKey;
use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::session::SessionOptions;
use crate::sql::{quote, window_predicate};
use crate::timerange::{TimeRange, rfc3339};

/// Parquet footers kept between a scope's queries (a cap, not an allocation).
const METADATA_CACHE: &str = "1G";

/// An IP target seen with more users than this scopes the first ones only.
pub const MAX_USERS: usize = 200;

/// What to compute besides the scope's own events.
#[derive(Debug, Clone, Copy)]
pub struct ScopeOptions {
    /// Run the hunt library (attacker infrastructure, findings, pivot). `respond`
    /// needs only the sessions and directory changes and turns this off.
    pub hunts: bool,
    /// The most rows one lake query may return ([`crate::sql::MAX_ROWS`] by default).
    pub max_rows: u64,
}

impl Default for ScopeOptions {
    fn default() -> Self {
        ScopeOptions {
            hunts: true,
            max_rows: crate::sql::MAX_ROWS,
        }
    }
}

/// Where a scope runs.
pub struct ScopeContext<'a> {
    /// A session over the lake.
    pub ctx: &'a SessionContext,
    pub lake: &'a Lake,
    /// How the hunts' own session is built.
    pub session_options: &'a SessionOptions,
    pub config: &'a Config,
}

#[derive(Deserialize)]
struct UserRow {
    user: Option<String>,
}

/// The users a target is about.
async fn resolve_users(
    ctx: &SessionContext,
    target: &ScopeTarget,
    range: &TimeRange,
    stats: &mut ScanStats,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    let window = window_predicate(range, None);
    let queries: Vec<String> = match target {
        ScopeTarget::User(user) => return Ok(vec![user.clone()]),
        // `session_id` has a bloom filter; `root_session_id` (Okta's pre-authentication
        // id) is only asked when the first finds nothing.
        ScopeTarget::Session(session) => vec![
            format!(
                "SELECT DISTINCT \"user\" FROM signins WHERE {window} AND session_id = {}",
                quote(session)
            ),
            format!(
                "SELECT DISTINCT \"user\" FROM signins WHERE {window} AND root_session_id = {}",
                quote(session)
            ),
        ],
        ScopeTarget::Ip(ip) => vec![format!(
            "SELECT DISTINCT \"user\" FROM signins WHERE {window} AND ip = {ip} \
             UNION SELECT DISTINCT actor AS \"user\" FROM audit WHERE {window} AND actor_ip = {ip}",
            ip = quote(ip)
        )],
    };
    for sql in queries {
        let rows: Vec<UserRow> = crate::sql::fetch(ctx, &sql, stats).await?;
        let mut users: Vec<String> = rows
            .into_iter()
            .filter_map(|r| r.user)
            .filter(|u| !u.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if users.len() > MAX_USERS {
            notes.push(format!(
                "{target} was used by {} users; the scope covers the first {MAX_USERS} by name",
                users.len()
            ));
            users.truncate(MAX_USERS);
        }
        if !users.is_empty() {
            return Ok(users);
        }
    }
    Ok(Vec::new())
}

fn window_text(range: &TimeRange) -> String {
    match (range.since, range.until) {
        (None, None) => "in the lake".to_string(),
        (Some(s), None) => format!("since {}", rfc3339(s)),
        (None, Some(u)) => format!("before {}", rfc3339(u)),
        (Some(s), Some(u)) => format!("between {} and {}", rfc3339(s), rfc3339(u)),
    }
}

/// Scopes an incident from a user, a session or an IP over a time window.
pub async fn run_scope(
    scope: &ScopeContext<'_>,
    target: &ScopeTarget,
    range: &TimeRange,
    options: ScopeOptions,
) -> Result<ScopeReport> {
    let ctx = scope.ctx;
    // Each of the scope's lake queries opens every file of the window (bloom filters
    // and statistics live in the footers): keep the footers cached from one query to
    // the next. DataFusion's default 50 MB holds a few thousand files' at most; over
    // months of a tenant the cache thrashed and every query paid the opening again.
    ctx.sql(&format!(
        "SET datafusion.runtime.metadata_cache_limit = '{METADATA_CACHE}'"
    ))
    .await?
    .collect()
    .await?;
    let mut stats = ScanStats {
        row_cap: Some(options.max_rows),
        ..ScanStats::default()
    };
    let mut notes = Vec::new();
    let users = resolve_users(ctx, target, range, &mut stats, &mut notes).await?;
    if users.is_empty() {
        return Err(EngineError::Invalid(format!(
            "no events for {target} {}",
            window_text(range)
        )));
    }
    let rows = hunts::user_rows(ctx, &users, range, &mut stats).await?;
    let audit_rows = audit::user_changes(ctx, &users, range, &mut stats).await?;
    if rows.events.is_empty() && audit_rows.is_empty() {
        return Err(EngineError::Invalid(format!(
            "no events for {target} {}",
            window_text(range)
        )));
    }
    let selection = stitch::select(&rows.events, target);

    // Applications the users consented to or gave credentials: their service
    // principals' sign-ins belong to the incident.
    let touched: Vec<&audit::AuditRow> = audit_rows
        .iter()
        .filter(|r| matches!(audit::category(&r.operation), "consent" | "credentials"))
        .filter(|r| r.actor.as_ref().is_some_and(|a| users.contains(a)))
        .collect();
    let application_ids = distinct(touched.iter().filter_map(|r| r.target_id.clone()));
    let application_names = distinct(touched.iter().filter_map(|r| r.target.clone()));
    let actor_ips = distinct(audit_rows.iter().filter_map(|r| r.actor_ip.clone()));

    let outcome = if options.hunts {
        hunts::run_for_scope(
            ctx,
            HuntInputs {
                lake: scope.lake,
                options: scope.session_options,
                config: scope.config,
                range,
                users: &users,
                rows: &rows,
                application_ids: &application_ids,
                application_names: &application_names,
                extra_ips: &actor_ips,
            },
            &mut stats,
        )
        .await?
    } else {
        HuntOutcome {
            findings: Vec::new(),
            errors: Vec::new(),
            baseline: "not used (hunts off)".to_string(),
            user_networks: Vec::new(),
            prefix_users: HashMap::new(),
            application_events: Vec::new(),
        }
    };

    // The scope's events: the selected ones and the linked applications' sign-ins.
    let mut scope_events: Vec<&Event> = selection.events.iter().map(|&i| &rows.events[i]).collect();
    scope_events.extend(outcome.application_events.iter());
    let scope_ips: BTreeSet<&str> = scope_events
        .iter()
        .filter_map(|e| e.ip.as_deref())
        .collect();
    let selected_sessions: BTreeSet<&str> = scope_events
        .iter()
        .filter_map(|e| e.session_id.as_deref())
        .collect();
    let findings: Vec<crate::hunt::Finding> = outcome
        .findings
        .iter()
        .filter(|f| {
            matches!(target, ScopeTarget::User(_))
                || f.session_id
                    .as_deref()
                    .is_some_and(|s| selected_sessions.contains(s))
                || f.ips.iter().any(|ip| scope_ips.contains(ip.as_str()))
        })
        .cloned()
        .collect();

    let judgement = infra::judge(&infra::Evidence {
        events: &scope_events,
        history: &rows.events,
        findings: &findings,
        user_networks: &outcome.user_networks,
        prefix_users: &outcome.prefix_users,
        users: &users,
        keep_unseen: matches!(target, ScopeTarget::User(_)),
    });
    let attacker_ips: Vec<String> = judgement.attacker_ips.iter().cloned().collect();

    // Directory changes: the users', and anyone's from the attacker's addresses.
    let mut audit_all = audit_rows.clone();
    let known: BTreeSet<String> = audit_all.iter().map(|r| r.event_id.clone()).collect();
    for row in audit::changes_from(ctx, &attacker_ips, range, &mut stats).await? {
        if !known.contains(&row.event_id) {
            audit_all.push(row);
        }
    }
    audit_all.sort_by(|a, b| a.t.cmp(&b.t).then_with(|| a.event_id.cmp(&b.event_id)));
    let audit_changes: Vec<report::AuditChange> = audit_all
        .iter()
        .map(|row| audit::change(row, &users, &attacker_ips))
        .collect();

    // Other users on the same infrastructure (the linked applications are not others).
    let mut not_pivot = users.clone();
    not_pivot.extend(
        outcome
            .application_events
            .iter()
            .filter_map(|e| e.user.clone()),
    );
    not_pivot.sort();
    not_pivot.dedup();
    let on = pivot::PivotOn {
        ips: attacker_ips.clone(),
        prefixes: judgement
            .attacker_networks
            .iter()
            .filter(|n| n.contains('/'))
            .cloned()
            .collect(),
        asns: judgement
            .attacker_networks
            .iter()
            .filter_map(|n| n.strip_prefix("AS")?.parse().ok())
            .collect(),
    };
    let baseline_stored = crate::baseline::stored_manifest(scope.lake)
        .await?
        .is_some();
    let pivots = if options.hunts {
        pivot::pivot(ctx, &on, &not_pivot, range, baseline_stored, &mut stats).await?
    } else {
        Vec::new()
    };

    let mut linked_by = selection.linked_by.clone();
    for event in &outcome.application_events {
        linked_by
            .entry(SessionKey::of(event))
            .or_default()
            .insert("consent");
    }
    let sessions = sessions::summarize(
        &scope_events,
        &linked_by,
        |key| {
            if !users.contains(&key.user) {
                "service_principal"
            } else if key.session_id.is_none() {
                "sessionless"
            } else {
                "session"
            }
        },
        |event| judgement.is_attacker(event),
        |event| judgement.is_suspect(event),
        &findings,
    );

    let first_attacker_event = first_attacker(&scope_events, &judgement, &audit_all, &attacker_ips);
    let locations = locations(&scope_events, &judgement);
    let summary = Summary {
        sessions: sessions.iter().filter(|s| s.kind == "session").count(),
        compromised_sessions: sessions
            .iter()
            .filter(|s| s.kind == "session" && s.compromised)
            .count(),
        events: scope_events.len(),
        attacker_events: scope_events
            .iter()
            .filter(|e| judgement.is_attacker(e))
            .count(),
        attacker_ips: judgement
            .entries
            .iter()
            .filter(|e| e.verdict == "attacker")
            .count(),
        suspect_ips: judgement
            .entries
            .iter()
            .filter(|e| e.verdict == "suspect")
            .count(),
        pivot_users: pivots.len(),
        audit_changes: audit_changes.len(),
        findings: findings.len(),
    };
    Ok(ScopeReport {
        target: target.clone(),
        since: range.since.map(rfc3339),
        until: range.until.map(rfc3339),
        users,
        summary,
        first_attacker_event,
        sessions,
        infrastructure: judgement.entries,
        pivot: pivots,
        audit: audit_changes,
        findings,
        locations,
        baseline: outcome.baseline,
        hunt_errors: outcome.errors,
        notes,
        stats,
    })
}

fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    items
        .filter(|s| !s.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn first_attacker(
    events: &[&Event],
    judgement: &infra::Judgement,
    audit_rows: &[audit::AuditRow],
    attacker_ips: &[String],
) -> Option<EventRef> {
    let signin = events
        .iter()
        .filter(|e| judgement.is_attacker(e))
        .min_by_key(|e| e.t)
        .map(|e| {
            (
                e.t,
                EventRef {
                    time: rfc3339(e.t),
                    source: e.source.clone(),
                    table: "signin".into(),
                    kind: format!("{} {}", e.log_type, e.event_type),
                    user: e.user.clone(),
                    session_id: e.session_id.clone(),
                    ip: e.ip.clone(),
                    country: e.country.clone(),
                    app: e.app.clone(),
                    event_id: e.event_id.clone(),
                },
            )
        });
    let change = audit_rows
        .iter()
        .filter(|r| {
            r.actor_ip
                .as_ref()
                .is_some_and(|ip| attacker_ips.contains(ip))
        })
        .min_by_key(|r| r.t)
        .map(|r| {
            (
                r.t,
                EventRef {
                    time: rfc3339(r.t),
                    source: r.source.clone(),
                    table: "audit".into(),
                    kind: r.operation.trim().to_string(),
                    user: r.actor.clone(),
                    session_id: None,
                    ip: r.actor_ip.clone(),
                    country: None,
                    app: r.target.clone(),
                    event_id: r.event_id.clone(),
                },
            )
        });
    match (signin, change) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b.1 } else { a.1 }),
        (a, b) => a.or(b).map(|(_, e)| e),
    }
}

/// Events grouped by place (coordinates rounded to 0.1°), for the map.
fn locations(events: &[&Event], judgement: &infra::Judgement) -> Vec<Location> {
    let mut places: BTreeMap<(i64, i64), Location> = BTreeMap::new();
    for event in events {
        let (Some(lat), Some(lon)) = (event.lat, event.lon) else {
            continue;
        };
        if !(lat.is_finite() && lon.is_finite()) {
            continue;
        }
        let key = ((lat * 10.0).round() as i64, (lon * 10.0).round() as i64);
        let place = places.entry(key).or_insert_with(|| Location {
            lat: key.0 as f64 / 10.0,
            lon: key.1 as f64 / 10.0,
            country: event.country.clone(),
            city: event.city.clone(),
            events: 0,
            attacker_events: 0,
            ips: Vec::new(),
        });
        place.events += 1;
        if judgement.is_attacker(event) {
            place.attacker_events += 1;
        }
        if let Some(ip) = &event.ip
            && !place.ips.contains(ip)
            && place.ips.len() < 20
        {
            place.ips.push(ip.clone());
        }
    }
    let mut list: Vec<Location> = places.into_values().collect();
    list.sort_by_key(|l| std::cmp::Reverse(l.events));
    list
}
