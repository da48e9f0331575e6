//! The scope as readable sections on a terminal.

use std::io::{self, IsTerminal, Write};

use tokenhunt_engine::scope::ScopeReport;

use crate::output::terminal_text as t;

/// An optional text from the lake, safe for the terminal, `-` when absent.
fn opt(text: &Option<String>) -> String {
    t(text.as_deref().unwrap_or("-")).into_owned()
}

/// Items of a list shown before `+N more`.
const LIST: usize = 8;

/// Colours when stdout is a terminal and NO_COLOR is not set.
pub fn color_stdout() -> bool {
    io::stdout().is_terminal() && !crate::output::no_color()
}

struct Style {
    color: bool,
}

impl Style {
    /// `text` (made safe for the terminal: the painted text is often from the lake)
    /// in a colour.
    fn paint(&self, code: &str, text: &str) -> String {
        let text = t(text);
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn heading(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn alert(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `a, b, c +4 more`.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    let mut text = items
        .iter()
        .take(LIST)
        .map(|item| t(item).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LIST {
        text.push_str(&format!(" +{} more", items.len() - LIST));
    }
    text
}

/// Writes the report's sections.
pub fn write(report: &ScopeReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { color };
    let s = &report.summary;
    writeln!(
        out,
        "{}",
        style.heading(&format!(
            "Scope of {} {} ({} → {})",
            report.target.kind(),
            t(report.target.value()),
            t(report.since.as_deref().unwrap_or("start of lake")),
            t(report.until.as_deref().unwrap_or("now")),
        ))
    )?;
    writeln!(
        out,
        "  users: {}\n  {} session(s), {} compromised · {} event(s), {} from the attacker · {} attacker and {} suspect address(es) · {} other user(s) on that infrastructure · {} directory change(s) · {} finding(s)",
        list(&report.users),
        s.sessions,
        s.compromised_sessions,
        s.events,
        s.attacker_events,
        s.attacker_ips,
        s.suspect_ips,
        s.pivot_users,
        s.audit_changes,
        s.findings
    )?;
    writeln!(
        out,
        "  {}",
        style.dim(&format!("baseline: {}", t(&report.baseline)))
    )?;

    writeln!(
        out,
        "\n{}",
        style.heading("FIRST EVENT FROM ATTACKER INFRASTRUCTURE")
    )?;
    match &report.first_attacker_event {
        Some(e) => writeln!(
            out,
            "  {}  {} {} {}  user {}  from {}{}{}{}",
            style.alert(&e.time),
            t(&e.source),
            t(&e.table),
            t(&e.kind),
            opt(&e.user),
            opt(&e.ip),
            e.country
                .as_deref()
                .map(|c| format!(" ({})", t(c)))
                .unwrap_or_default(),
            e.session_id
                .as_deref()
                .map(|id| format!("  session {}", t(id)))
                .unwrap_or_default(),
            e.app
                .as_deref()
                .map(|a| format!("  app {}", t(a)))
                .unwrap_or_default(),
        )?,
        None => writeln!(out, "  none: no hunt flagged an address of this scope")?,
    }

    writeln!(out, "\n{}", style.heading("SESSIONS"))?;
    for session in &report.sessions {
        let marker = if session.compromised {
            style.alert("[!]")
        } else {
            "   ".to_string()
        };
        let id = match (&session.session_id, session.kind.as_str()) {
            (Some(id), "service_principal") => {
                format!("service principal {} session {}", t(&session.user), t(id))
            }
            (None, "service_principal") => format!("service principal {}", t(&session.user)),
            (Some(id), _) => format!("session {}", t(id)),
            (None, _) => "events without a session".to_string(),
        };
        writeln!(
            out,
            "{marker} {:<5} {}  {}  {} → {}  {} event(s){}{}",
            t(&session.source),
            id,
            t(&session.user),
            t(&session.first_seen),
            t(&session.last_seen),
            session.events,
            if session.failures > 0 {
                format!(", {} failed", session.failures)
            } else {
                String::new()
            },
            if session.attacker_events > 0 {
                style.alert(&format!(
                    ", {} from the attacker (first {})",
                    session.attacker_events,
                    session.first_attacker_event.as_deref().unwrap_or("?")
                ))
            } else {
                String::new()
            }
        )?;
        let mut how = format!("linked by {}", list(&session.linked_by));
        if !session.flagged_by.is_empty() {
            how.push_str(&format!(" · flagged by {}", list(&session.flagged_by)));
        }
        writeln!(out, "      {}", style.dim(&how))?;
        writeln!(
            out,
            "      networks: {} · ASNs: {}",
            list(&session.networks),
            list(&session.asns)
        )?;
        writeln!(
            out,
            "      countries: {} · IPs: {}",
            list(&session.countries),
            list(&session.ips)
        )?;
        writeln!(out, "      devices: {}", list(&session.devices))?;
        writeln!(out, "      user agents: {}", list(&session.user_agents))?;
        writeln!(
            out,
            "      apps: {} · resources: {}",
            list(&session.apps),
            list(&session.resources)
        )?;
        if !session.token_types.is_empty() {
            writeln!(out, "      tokens: {}", list(&session.token_types))?;
        }
    }
    if report.sessions.is_empty() {
        writeln!(out, "  none")?;
    }

    writeln!(out, "\n{}", style.heading("ATTACKER INFRASTRUCTURE"))?;
    for infra in &report.infrastructure {
        let verdict = if infra.verdict == "attacker" {
            style.alert("attacker")
        } else {
            "suspect ".to_string()
        };
        writeln!(
            out,
            "  {verdict}  {:<39} {:<20} {:<30} {:<3} {:<10} {:>5} event(s)  {} → {}",
            t(&infra.ip),
            opt(&infra.network),
            match (&infra.asn, &infra.as_org) {
                (Some(asn), Some(org)) => format!("AS{asn} {}", t(org)),
                (Some(asn), None) => format!("AS{asn}"),
                _ => "-".to_string(),
            },
            opt(&infra.country),
            opt(&infra.category),
            infra.events,
            opt(&infra.first_seen),
            opt(&infra.last_seen),
        )?;
        writeln!(out, "            {}", style.dim(&infra.reasons.join("; ")))?;
    }
    if report.infrastructure.is_empty() {
        writeln!(out, "  none")?;
    }

    writeln!(
        out,
        "\n{}",
        style.heading("OTHER USERS ON THAT INFRASTRUCTURE (PIVOT)")
    )?;
    for pivot in &report.pivot {
        writeln!(
            out,
            "  {}  ({})  {}  {} event(s)  {} → {}  sessions: {}",
            t(&pivot.user),
            t(&pivot.kind),
            list(&pivot.matched),
            pivot.events,
            t(&pivot.first_seen),
            t(&pivot.last_seen),
            list(&pivot.sessions)
        )?;
    }
    if report.pivot.is_empty() {
        writeln!(out, "  none")?;
    }

    writeln!(out, "\n{}", style.heading("DIRECTORY CHANGES"))?;
    for change in &report.audit {
        let line = format!(
            "  {}  {:<11} {:<45} {} ({}) → {}{}",
            t(&change.time),
            t(&change.category),
            t(&change.operation),
            opt(&change.actor),
            opt(&change.actor_ip),
            opt(&change.target),
            if change.from_attacker {
                "  FROM ATTACKER ADDRESS"
            } else {
                ""
            }
        );
        if change.from_attacker {
            writeln!(out, "{}", style.alert(&line))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    if report.audit.is_empty() {
        writeln!(out, "  none")?;
    }

    writeln!(out, "\n{}", style.heading("HUNT FINDINGS"))?;
    for finding in &report.findings {
        writeln!(
            out,
            "  {:>5.1} {:<8} {:<36} {} → {}  {}",
            finding.score,
            t(&finding.severity),
            t(&finding.hunt),
            t(&finding.first_seen),
            t(&finding.last_seen),
            opt(&finding.session_id),
        )?;
        writeln!(out, "        {}", t(&finding.reason))?;
    }
    if report.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for note in report.notes.iter().chain(report.hunt_errors.iter()) {
        writeln!(out, "\nnote: {}", t(note))?;
    }
    Ok(())
}
