//! Pivot: every other user (or service principal) seen on the attacker's addresses or
//! networks in the window.
//!
//! The same address always counts (failed attempts too: `successes` tells them
//! apart). The same network — the /24 or /64 of a hosting, VPN
//! or Tor address, or the ASN of a residential proxy's ISP — counts only for users who
//! signed in from it successfully and do not live there (fewer than [`REGULAR_DAYS`]
//! days in the window):
//! an attacker renting servers of one provider for several victims shows, the
//! thousands of customers of a home ISP do not.
//!
//! With a stored baseline (`tokenhunt baseline`) the candidates come from lookups the
//! lake answers without reading the window: the `ip` bloom filters for the addresses,
//! `baseline_user_networks` for the networks; only the candidates' own events are then
//! read (bloom filters on `user`). Without one, the window's `ip` and `asn` columns are
//! read once.

use datafusion::prelude::SessionContext;
use serde::Deserialize;

use super::infra::REGULAR_DAYS;
use super::report::PivotUser;
use crate::error::Result;
use crate::sql::{ScanStats, fetch};
use crate::sql::{in_list, window_predicate};
use crate::timerange::{TimeRange, rfc3339};

/// The attacker's infrastructure to pivot on.
#[derive(Debug, Default)]
pub struct PivotOn {
    pub ips: Vec<String>,
    /// /24 or /64 prefixes (hosting, VPN, Tor, unknown networks).
    pub prefixes: Vec<String>,
    pub asns: Vec<i64>,
}

#[derive(Debug, Deserialize)]
struct Row {
    user: String,
    log_type: Option<String>,
    first: i64,
    last: i64,
    events: i64,
    successes: i64,
    days: i64,
    #[serde(default)]
    sessions: Vec<Option<String>>,
    #[serde(default)]
    ips: Vec<Option<String>>,
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default)]
    matched_ips: Vec<Option<String>>,
    #[serde(default)]
    matched_prefixes: Vec<Option<String>>,
    #[serde(default)]
    matched_asns: Vec<Option<i64>>,
}

fn present<T: Clone>(items: &[Option<T>]) -> Vec<T> {
    items.iter().flatten().cloned().collect()
}

#[derive(Deserialize)]
struct Candidate {
    user: Option<String>,
}

/// Users other than `users` on the addresses (bloom filters) or, per the stored
/// baseline, on the networks, in the window.
async fn candidates(
    ctx: &SessionContext,
    on: &PivotOn,
    users: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    if !on.ips.is_empty() {
        let rows: Vec<Candidate> = fetch(
            ctx,
            &format!(
                "SELECT DISTINCT \"user\" FROM signins WHERE {} AND {} AND NOT ({})",
                window_predicate(range, None),
                in_list("ip", &on.ips),
                in_list("\"user\"", users)
            ),
            stats,
        )
        .await?;
        found.extend(rows.into_iter().filter_map(|r| r.user));
    }
    let mut networks: Vec<String> = on.prefixes.clone();
    networks.extend(on.asns.iter().map(|a| format!("AS{a}")));
    if !networks.is_empty() {
        let mut bounds = String::new();
        if let Some(since) = range.since {
            bounds.push_str(&format!(" AND last_seen >= TIMESTAMP '{}'", rfc3339(since)));
        }
        if let Some(until) = range.until {
            bounds.push_str(&format!(" AND first_seen < TIMESTAMP '{}'", rfc3339(until)));
        }
        let rows: Vec<Candidate> = fetch(
            ctx,
            &format!(
                "SELECT DISTINCT \"user\" FROM baseline_user_networks \
                 WHERE {} AND days < {REGULAR_DAYS} AND NOT ({}){bounds}",
                in_list("network", &networks),
                in_list("\"user\"", users)
            ),
            stats,
        )
        .await?;
        found.extend(rows.into_iter().filter_map(|r| r.user));
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Other users on the attacker's infrastructure, most events first.
pub async fn pivot(
    ctx: &SessionContext,
    on: &PivotOn,
    users: &[String],
    range: &TimeRange,
    baseline_stored: bool,
    stats: &mut ScanStats,
) -> Result<Vec<PivotUser>> {
    if on.ips.is_empty() && on.prefixes.is_empty() && on.asns.is_empty() {
        return Ok(Vec::new());
    }
    let restrict = if baseline_stored {
        let found = candidates(ctx, on, users, range, stats).await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        format!(" AND {}", in_list("\"user\"", &found))
    } else {
        String::new()
    };
    let asns: Vec<String> = on.asns.iter().map(i64::to_string).collect();
    let asn_match = if asns.is_empty() {
        "false".to_string()
    } else {
        format!("asn IN ({})", asns.join(", "))
    };
    let ip_match = in_list("ip", &on.ips);
    let prefix_match = in_list("ip_network(ip)", &on.prefixes);
    let sql = format!(
        "SELECT \"user\", max(log_type) AS log_type, CAST(min(time) AS BIGINT) AS first, \
                CAST(max(time) AS BIGINT) AS last, count(*) AS events, \
                sum(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes, \
                count(DISTINCT CASE WHEN result = 'success' THEN date END) AS days, \
                make_set(session_id) AS sessions, make_set(ip) AS ips, make_set(source) AS sources, \
                make_set(CASE WHEN {ip_match} THEN ip END) AS matched_ips, \
                make_set(CASE WHEN {prefix_match} THEN ip_network(ip) END) AS matched_prefixes, \
                make_set(CASE WHEN {asn_match} THEN asn END) AS matched_asns \
         FROM signins \
         WHERE {window} AND \"user\" IS NOT NULL AND NOT ({not_users}){restrict} \
           AND ({ip_match} OR {prefix_match} OR {asn_match}) \
         GROUP BY \"user\"",
        window = window_predicate(range, None),
        not_users = in_list("\"user\"", users),
    );
    let rows: Vec<Row> = fetch(ctx, &sql, stats).await?;
    let mut pivots: Vec<PivotUser> = rows
        .into_iter()
        .filter_map(|row| {
            let ips = present(&row.matched_ips);
            // Only a network match: a user who lives on that network, or only failed
            // to sign in from it (a password spray from the same provider), is no pivot.
            if ips.is_empty() && (row.days >= REGULAR_DAYS || row.successes == 0) {
                return None;
            }
            let mut matched: Vec<String> = ips.iter().map(|ip| format!("ip {ip}")).collect();
            if ips.is_empty() {
                matched.extend(
                    present(&row.matched_prefixes)
                        .into_iter()
                        .map(|p| format!("network {p}")),
                );
                matched.extend(
                    present(&row.matched_asns)
                        .into_iter()
                        .map(|a| format!("network AS{a}")),
                );
            }
            let kind = match row.log_type.as_deref() {
                Some("service_principal") | Some("managed_identity") => "service_principal",
                _ => "user",
            };
            let mut sessions = present(&row.sessions);
            sessions.sort();
            let mut all_ips = present(&row.ips);
            all_ips.sort();
            let mut sources = present(&row.sources);
            sources.sort();
            Some(PivotUser {
                user: row.user,
                kind: kind.to_string(),
                matched,
                first_seen: rfc3339(row.first),
                last_seen: rfc3339(row.last),
                events: row.events.max(0) as usize,
                successes: row.successes.max(0) as usize,
                sessions,
                ips: all_ips,
                sources,
            })
        })
        .collect();
    pivots.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.user.cmp(&b.user)));
    Ok(pivots)
}
