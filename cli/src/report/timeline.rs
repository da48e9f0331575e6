//! The sessions on a time axis, as SVG: one row per session, a bar from first to
//! last use, a tick per event (the attacker's in red).

use std::fmt::Write;

use tokenhunt_engine::scope::report::SessionSummary;

use super::escape::html;

/// Rows drawn; the rest are listed in the table only.
pub const MAX_ROWS: usize = 60;

const WIDTH: f64 = 1200.0;
const LABEL: f64 = 250.0;
const ROW: f64 = 22.0;
const AXIS: f64 = 34.0;

/// A readable step for `span` microseconds over about eight ticks.
fn tick_step(span: i64) -> i64 {
    const MINUTE: i64 = 60_000_000;
    let steps = [
        MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        60 * MINUTE,
        3 * 60 * MINUTE,
        6 * 60 * MINUTE,
        12 * 60 * MINUTE,
        24 * 60 * MINUTE,
        2 * 24 * 60 * MINUTE,
        7 * 24 * 60 * MINUTE,
        14 * 24 * 60 * MINUTE,
        30 * 24 * 60 * MINUTE,
    ];
    steps
        .into_iter()
        .find(|step| span / step <= 8)
        .unwrap_or(90 * 24 * 60 * MINUTE)
}

fn label_time(micros: i64, step: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let Some(time) = chrono::DateTime::from_timestamp(seconds, 0) else {
        return String::new();
    };
    if step >= 24 * 3_600_000_000 {
        time.format("%Y-%m-%d").to_string()
    } else {
        time.format("%m-%d %H:%M").to_string()
    }
}

/// The sessions worth drawing: compromised first, then the busiest, in time order.
pub fn pick(sessions: &[SessionSummary]) -> Vec<&SessionSummary> {
    let mut chosen: Vec<&SessionSummary> = sessions.iter().collect();
    chosen.sort_by(|a, b| {
        b.compromised
            .cmp(&a.compromised)
            .then_with(|| b.events.cmp(&a.events))
    });
    chosen.truncate(MAX_ROWS);
    chosen.sort_by_key(|s| (s.first_micros, s.last_micros));
    chosen
}

/// The timeline SVG.
pub fn svg(sessions: &[SessionSummary]) -> String {
    let rows = pick(sessions);
    if rows.is_empty() {
        return "<p class=\"empty\">No sessions.</p>".to_string();
    }
    let start = rows.iter().map(|s| s.first_micros).min().unwrap_or(0);
    let end = rows.iter().map(|s| s.last_micros).max().unwrap_or(start);
    // A little room either side so one-event sessions are visible.
    let pad = ((end - start) / 50).max(60_000_000);
    let (start, end) = (start - pad, end + pad);
    let span = (end - start).max(1) as f64;
    let plot = WIDTH - LABEL - 20.0;
    let x = |t: i64| LABEL + (t - start) as f64 / span * plot;
    let height = AXIS + rows.len() as f64 * ROW + 10.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"Sessions over time\">"
    );
    // Axis with gridlines.
    let step = tick_step(end - start);
    let mut tick = start.div_euclid(step) * step + step;
    while tick < end {
        let tx = x(tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{tx:.1}\" y1=\"{AXIS}\" x2=\"{tx:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            height - 10.0,
            AXIS - 12.0,
            html(&label_time(tick, step))
        );
        tick += step;
    }
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"4\" y=\"{:.1}\">UTC</text>",
        AXIS - 12.0
    );
    for (index, session) in rows.iter().enumerate() {
        let y = AXIS + index as f64 * ROW + ROW / 2.0;
        let name = match &session.session_id {
            Some(id) if id.len() > 18 => format!(
                "{}…",
                &id[..id.char_indices().nth(17).map_or(id.len(), |(i, _)| i)]
            ),
            Some(id) => id.clone(),
            None if session.kind == "service_principal" => session.user.clone(),
            None => "(no session)".to_string(),
        };
        let class = if session.compromised {
            "row bad"
        } else {
            "row"
        };
        let _ = write!(
            out,
            "<g class=\"{class}\"><title>{}</title>\
             <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} {}</text>\
             <rect class=\"span\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" rx=\"3\"/>",
            html(&format!(
                "{} {} {}\n{} → {}\n{} event(s), {} from the attacker",
                session.source,
                session.session_id.as_deref().unwrap_or("(no session)"),
                session.user,
                session.first_seen,
                session.last_seen,
                session.events,
                session.attacker_events
            )),
            LABEL - 8.0,
            y + 4.0,
            html(&session.source),
            html(&name),
            x(session.first_micros),
            y - 4.0,
            (x(session.last_micros) - x(session.first_micros)).max(2.0),
        );
        for &t in &session.event_times {
            let _ = write!(
                out,
                "<line class=\"ev\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\"/>",
                x(t),
                y - 7.0,
                y + 7.0
            );
        }
        for &t in &session.attacker_times {
            let _ = write!(
                out,
                "<circle class=\"atk\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\"/>",
                x(t)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::tick_step;

    #[test]
    fn steps_are_readable() {
        assert_eq!(tick_step(3 * 3_600_000_000), 30 * 60_000_000);
        assert_eq!(tick_step(5 * 86_400_000_000), 86_400_000_000);
    }
}
