//! The scope as one self-contained HTML page: inline CSS, inline script, inline SVG
//! (timeline and map drawn by us); nothing is fetched, so the page opens offline and
//! can be attached to a ticket as is.

use std::fmt::Write;

use tokenhunt_engine::scope::ScopeReport;

use super::escape::html;
use super::{map, timeline};

const CSS: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Records script errors on the page itself (`data-errors` on `<html>`), so a
/// headless check — or a reader — sees them without a console.
const ERROR_SINK: &str = "window.__errors=[];function __report(m){window.__errors.push(String(m));\
document.documentElement.setAttribute('data-errors',window.__errors.join(' | '));}\
window.addEventListener('error',function(e){__report(e.message||e);});\
window.addEventListener('unhandledrejection',function(e){__report(e.reason);});";

fn cell(text: &str) -> String {
    format!("<td>{}</td>", html(text))
}

/// A time to the second (the full value sorts and shows on hover).
fn time_cell(text: &str) -> String {
    let shown = match (text.get(..19), text.ends_with('Z')) {
        (Some(seconds), true) if text.len() > 20 => format!("{}Z", seconds.replace('T', " ")),
        _ => text.replace('T', " "),
    };
    format!(
        "<td class=\"time\" data-sort=\"{0}\" title=\"{0}\">{1}</td>",
        html(text),
        html(&shown)
    )
}

fn num(value: usize) -> String {
    format!("<td class=\"num\">{value}</td>")
}

/// Items shown in a list cell, and characters of each; the whole list is in the
/// cell's tooltip, so rows stay a few lines high.
const SHOWN: usize = 3;
const ITEM_CHARS: usize = 48;

fn short(item: &str) -> String {
    if item.chars().count() <= ITEM_CHARS {
        item.to_string()
    } else {
        let cut: String = item.chars().take(ITEM_CHARS - 1).collect();
        format!("{cut}…")
    }
}

fn items(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(SHOWN).map(|v| short(v)).collect();
    let complete = values.len() <= SHOWN && values.iter().all(|v| v.chars().count() <= ITEM_CHARS);
    if complete {
        return format!("<td class=\"list\">{}</td>", html(&shown.join(", ")));
    }
    let more = if values.len() > SHOWN {
        format!(
            " <span class=\"more\">+{} more</span>",
            values.len() - SHOWN
        )
    } else {
        String::new()
    };
    format!(
        "<td class=\"list\" title=\"{}\">{}{more}</td>",
        html(&values.join("\n")),
        html(&shown.join(", ")),
    )
}

/// Identifiers (sessions, users, addresses) are never broken across lines.
fn id_cell(text: &str) -> String {
    format!("<td class=\"id\">{}</td>", html(text))
}

fn table(id: &str, headers: &[&str], rows: &[String]) -> String {
    if rows.is_empty() {
        return "<p class=\"empty\">None.</p>".to_string();
    }
    let mut out = format!("<div class=\"panel\"><table class=\"sortable\" id=\"{id}\"><thead><tr>");
    for header in headers {
        let _ = write!(out, "<th>{}</th>", html(header));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str(row);
    }
    out.push_str("</tbody></table></div>");
    out
}

fn card(label: &str, value: usize, bad: bool) -> String {
    format!(
        "<div class=\"card{}\"><b>{value}</b>{}</div>",
        if bad && value > 0 { " bad" } else { "" },
        html(label)
    )
}

/// The page.
pub fn render(report: &ScopeReport) -> String {
    let title = format!(
        "Scope of {} {}",
        report.target.kind(),
        report.target.value()
    );
    let s = &report.summary;
    let mut page = String::with_capacity(256 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <script>{ERROR_SINK}</script><title>{} — tokenhunt</title><style>{CSS}</style></head><body>",
        html(&title)
    );
    let _ = write!(
        page,
        "<header><h1>{}</h1><div class=\"window\">{} → {} · users: {}</div><div class=\"cards\">{}{}{}{}{}{}{}{}</div></header>",
        html(&title),
        html(report.since.as_deref().unwrap_or("start of lake")),
        html(report.until.as_deref().unwrap_or("now")),
        html(&report.users.join(", ")),
        card("sessions", s.sessions, false),
        card("compromised sessions", s.compromised_sessions, true),
        card("events", s.events, false),
        card("from the attacker", s.attacker_events, true),
        card("attacker addresses", s.attacker_ips, true),
        card("other users on them", s.pivot_users, true),
        card("directory changes", s.audit_changes, false),
        card("hunt findings", s.findings, true),
    );

    page.push_str("<section><h2>First event from attacker infrastructure</h2>");
    match &report.first_attacker_event {
        Some(e) => {
            let _ = write!(
                page,
                "<div class=\"first\"><b>{}</b> · {} {} <b>{}</b> · user {} · from <b>{}</b>{}{}{}</div>",
                html(&e.time),
                html(&e.source),
                html(&e.table),
                html(&e.kind),
                html(e.user.as_deref().unwrap_or("-")),
                html(e.ip.as_deref().unwrap_or("-")),
                e.country
                    .as_deref()
                    .map(|c| format!(" ({})", html(c)))
                    .unwrap_or_default(),
                e.session_id
                    .as_deref()
                    .map(|id| format!(" · session {}", html(id)))
                    .unwrap_or_default(),
                e.app
                    .as_deref()
                    .map(|a| format!(" · {}", html(a)))
                    .unwrap_or_default(),
            );
        }
        None => page.push_str("<p class=\"empty\">No hunt flagged an address of this scope.</p>"),
    }
    page.push_str("</section>");

    let drawn = timeline::pick(&report.sessions).len();
    let _ = write!(
        page,
        "<section><h2>Timeline</h2><div class=\"panel\">{}</div><div class=\"legend\">\
         <span><span class=\"dot ok\"></span>event</span><span><span class=\"dot bad\"></span>event from attacker infrastructure</span>{}</div></section>",
        timeline::svg(&report.sessions),
        if drawn < report.sessions.len() {
            format!(
                "<span>{} of {} sessions drawn (compromised and busiest first)</span>",
                drawn,
                report.sessions.len()
            )
        } else {
            String::new()
        }
    );
    let _ = write!(
        page,
        "<section><h2>Where the events came from</h2><div class=\"panel\">{}</div><div class=\"legend\">\
         <span><span class=\"dot ok\"></span>events (area ∝ count)</span><span><span class=\"dot bad\"></span>events from attacker infrastructure</span>\
         <span>Map: Natural Earth 1:110m</span></div></section>",
        map::svg(&report.locations)
    );

    let sessions: Vec<String> = report
        .sessions
        .iter()
        .map(|x| {
            format!(
                "<tr class=\"{}\">{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}</tr>",
                if x.compromised { "bad" } else { "" },
                if x.compromised {
                    "<td><span class=\"tag bad\">compromised</span></td>".to_string()
                } else if x.suspect_events > 0 {
                    "<td><span class=\"tag warn\">suspect</span></td>".to_string()
                } else {
                    cell(&x.kind.replace('_', " "))
                },
                cell(&x.source),
                id_cell(x.session_id.as_deref().unwrap_or("(none)")),
                id_cell(&x.user),
                time_cell(&x.first_seen),
                time_cell(&x.last_seen),
                num(x.events),
                num(x.attacker_events),
                items(&x.networks),
                items(&x.asns),
                items(&x.countries),
                items(&x.devices),
                items(&x.user_agents),
                items(&x.apps),
                items(&x.resources),
                items(&x.linked_by),
                items(&x.flagged_by),
            )
        })
        .collect();
    let _ = write!(
        page,
        "<section><h2>Sessions</h2><label class=\"filter\"><input type=\"checkbox\" id=\"only-compromised\"> compromised only</label>{}</section>",
        table(
            "sessions",
            &[
                "status",
                "source",
                "session",
                "user",
                "first seen",
                "last seen",
                "events",
                "attacker",
                "networks",
                "ASNs",
                "countries",
                "devices",
                "user agents",
                "apps",
                "resources",
                "linked by",
                "flagged by",
            ],
            &sessions
        )
    );

    let infrastructure: Vec<String> = report
        .infrastructure
        .iter()
        .map(|i| {
            format!(
                "<tr class=\"{}\"><td><span class=\"tag {}\">{}</span></td>{}{}{}{}{}{}{}{}{}</tr>",
                if i.verdict == "attacker" { "bad" } else { "" },
                if i.verdict == "attacker" {
                    "bad"
                } else {
                    "warn"
                },
                html(&i.verdict),
                id_cell(&i.ip),
                id_cell(i.network.as_deref().unwrap_or("-")),
                cell(&match (&i.asn, &i.as_org) {
                    (Some(asn), Some(org)) => format!("AS{asn} {org}"),
                    (Some(asn), None) => format!("AS{asn}"),
                    _ => "-".to_string(),
                }),
                cell(
                    &[i.city.as_deref(), i.country.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                cell(i.category.as_deref().unwrap_or("-")),
                num(i.events),
                time_cell(i.first_seen.as_deref().unwrap_or("-")),
                time_cell(i.last_seen.as_deref().unwrap_or("-")),
                cell(&i.reasons.join("; ")),
            )
        })
        .collect();
    let _ = write!(
        page,
        "<section><h2>Attacker infrastructure</h2>{}</section>",
        table(
            "infrastructure",
            &[
                "verdict",
                "address",
                "network",
                "ASN",
                "place",
                "category",
                "events",
                "first seen",
                "last seen",
                "why",
            ],
            &infrastructure
        )
    );

    let pivots: Vec<String> = report
        .pivot
        .iter()
        .map(|p| {
            format!(
                "<tr>{}{}{}{}{}{}{}{}</tr>",
                id_cell(&p.user),
                cell(&p.kind),
                items(&p.matched),
                num(p.events),
                time_cell(&p.first_seen),
                time_cell(&p.last_seen),
                items(&p.sessions),
                items(&p.ips),
            )
        })
        .collect();
    let _ = write!(
        page,
        "<section><h2>Other users on the attacker's infrastructure</h2>{}</section>",
        table(
            "pivot",
            &[
                "user",
                "kind",
                "matched",
                "events",
                "first seen",
                "last seen",
                "sessions",
                "addresses"
            ],
            &pivots
        )
    );

    let changes: Vec<String> = report
        .audit
        .iter()
        .map(|c| {
            format!(
                "<tr class=\"{}\">{}{}{}{}{}{}{}{}</tr>",
                if c.from_attacker { "bad" } else { "" },
                time_cell(&c.time),
                cell(&c.category),
                cell(&c.operation),
                id_cell(c.actor.as_deref().unwrap_or("-")),
                id_cell(c.actor_ip.as_deref().unwrap_or("-")),
                cell(c.target.as_deref().unwrap_or("-")),
                cell(c.result.as_deref().unwrap_or("-")),
                cell(if c.from_attacker {
                    "from attacker address"
                } else {
                    &c.relation
                }),
            )
        })
        .collect();
    let _ = write!(
        page,
        "<section><h2>Directory changes</h2>{}</section>",
        table(
            "audit",
            &[
                "time",
                "category",
                "operation",
                "actor",
                "actor IP",
                "target",
                "result",
                "relation"
            ],
            &changes
        )
    );

    let findings: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!(
                "<tr><td class=\"num\">{:.1}</td>{}{}{}{}{}{}{}</tr>",
                f.score,
                cell(&f.severity),
                cell(&f.hunt),
                id_cell(f.session_id.as_deref().unwrap_or("-")),
                time_cell(&f.first_seen),
                time_cell(&f.last_seen),
                items(&f.ips),
                cell(&f.reason),
            )
        })
        .collect();
    let _ = write!(
        page,
        "<section><h2>Hunt findings</h2>{}</section>",
        table(
            "findings",
            &[
                "score",
                "severity",
                "hunt",
                "session",
                "first seen",
                "last seen",
                "addresses",
                "reason"
            ],
            &findings
        )
    );

    let stats = &report.stats;
    let _ = write!(
        page,
        "<footer>tokenhunt {} · baseline: {} · {} lake queries, {} rows decoded, {:.1} MB read in {:.2} s{}</footer>",
        env!("CARGO_PKG_VERSION"),
        html(&report.baseline),
        stats.queries,
        stats.rows_decoded,
        stats.bytes_scanned as f64 / 1e6,
        stats.seconds,
        report
            .notes
            .iter()
            .chain(report.hunt_errors.iter())
            .map(|n| format!("<br>note: {}", html(n)))
            .collect::<String>()
    );
    let _ = writeln!(page, "<script>{SCRIPT}</script></body></html>");
    page
}
