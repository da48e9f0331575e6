//! The hunt library at the prompt: `.hunts` lists it (what `tokenhunt hunts` lists),
//! `.run <hunt>` runs one on the prompt's lake (the engine call `tokenhunt hunt`
//! makes) and prints its findings like a query result, `.show <hunt>` prints its SQL
//! with every `${...}` filled in, ready to edit and run at the prompt.

use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, Utc};
use tokenhunt_engine::baseline::{baseline_names, stored_baseline};
use tokenhunt_engine::hunt::{Hunt, expand_sql, load_hunts, run_hunts};
use tokenhunt_engine::timerange::{TimeRange, rfc3339};

use super::complete::ArgCompletion;
use super::dot_commands::{DotCommand, DotCommands, name_matches};
use super::params::{TimeBound, parse_time_bound};
use super::shell::{Flow, Output, Shell};
use crate::context::Context;
use crate::output::findings::{run_alerts, stale_baseline_note, unsuppressed, write_findings_to};

/// `.run`'s threshold when `--min-score` is not given: `tokenhunt hunt`'s default.
pub const DEFAULT_MIN_SCORE: f64 = 50.0;

const RUN_USAGE: &str = "usage: .run <hunt> [--since <dur|time>] [--until <dur|time>] [--min-score N] (.hunts lists the hunts)";
const SHOW_USAGE: &str =
    "usage: .show <hunt> [--since <dur|time>] [--until <dur|time>] (.hunts lists the hunts)";

/// Adds `.hunts`, `.run` and `.show` to the prompt's commands.
pub fn register(commands: &mut DotCommands) {
    commands.register(DotCommand {
        name: "hunts",
        usage: "[pattern]",
        help: "the hunt library (id, technique, severity, title); pattern: substring or glob",
        completion: ArgCompletion::Nothing,
        run: hunts,
    });
    commands.register(DotCommand {
        name: "run",
        usage: "<hunt> [options]",
        help: "run a hunt over $since/$until and print its findings scoring >= 50 (options: --since T, --until T, --min-score N)",
        completion: ArgCompletion::Hunts,
        run,
    });
    commands.register(DotCommand {
        name: "show",
        usage: "<hunt> [options]",
        help: "a hunt's SQL with its parameters filled in, to edit and run here (options: --since T, --until T)",
        completion: ArgCompletion::Hunts,
        run: show,
    });
}

/// The ids of the hunt library, for Tab (none when the library cannot be read:
/// `.hunts` says why).
pub fn hunt_ids(context: &Context) -> Vec<String> {
    context
        .config()
        .ok()
        .and_then(|config| load_hunts(&config).ok())
        .map(|hunts| hunts.into_iter().map(|h| h.metadata.id).collect())
        .unwrap_or_default()
}

/// What `.run` and `.show` were asked for.
#[derive(Debug, Clone, PartialEq)]
struct HuntRequest {
    hunt: String,
    since: Option<TimeBound>,
    until: Option<TimeBound>,
    min_score: Option<f64>,
}

/// Parses `<hunt> [--since T] [--until T] [--min-score N]` (also `--since=T`);
/// `--min-score` only when `min_score` allows it.
fn parse_request(args: &str, min_score: bool, usage: &str) -> Result<HuntRequest> {
    let mut request = HuntRequest {
        hunt: String::new(),
        since: None,
        until: None,
        min_score: None,
    };
    let mut words = args.split_whitespace();
    while let Some(word) = words.next() {
        let Some(option) = word.strip_prefix("--") else {
            if !request.hunt.is_empty() {
                bail!(
                    "one hunt at a time ({:?} and {word:?}); {usage}",
                    request.hunt
                );
            }
            request.hunt = word.to_string();
            continue;
        };
        let (name, inline) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option, None),
        };
        let known = matches!(name, "since" | "until") || (min_score && name == "min-score");
        if !known {
            bail!("unknown option --{name}; {usage}");
        }
        let value = match inline.or_else(|| words.next()) {
            Some(value) if !value.is_empty() => value,
            _ => bail!("--{name} needs a value; {usage}"),
        };
        match name {
            "since" => request.since = Some(parse_time_bound(value)?),
            "until" => request.until = Some(parse_time_bound(value)?),
            _ => {
                let score: f64 = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite())
                    .ok_or_else(|| anyhow!("--min-score {value:?} is not a number (0-100)"))?;
                request.min_score = Some(score);
            }
        }
    }
    if request.hunt.is_empty() {
        bail!("{usage}");
    }
    Ok(request)
}

/// The time range of a request: its own `--since`/`--until`, else the prompt's
/// `$since`/`$until`; unset, the whole lake.
fn request_range(request: &HuntRequest, shell: &Shell, now: DateTime<Utc>) -> Result<TimeRange> {
    let bound = |given: &Option<TimeBound>, name: &str| {
        given
            .as_ref()
            .map(|b| b.resolve(now))
            .or_else(|| shell.params.time(name, now))
            .map(|time| time.timestamp_micros())
    };
    let range = TimeRange {
        since: bound(&request.since, "since"),
        until: bound(&request.until, "until"),
    };
    if let (Some(since), Some(until)) = (range.since, range.until)
        && since >= until
    {
        bail!(
            "since ({}) must be before until ({})",
            rfc3339(since),
            rfc3339(until)
        );
    }
    Ok(range)
}

/// The hunt called `id`, or an error naming it (with close ids, if any).
fn find_hunt<'h>(hunts: &'h [Hunt], id: &str) -> Result<&'h Hunt> {
    if let Some(hunt) = hunts.iter().find(|h| h.metadata.id == id) {
        return Ok(hunt);
    }
    let close: Vec<&str> = hunts
        .iter()
        .map(|h| h.metadata.id.as_str())
        .filter(|known| name_matches(known, id) || name_matches(id, known))
        .take(5)
        .collect();
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", close.join(", "))
    };
    bail!("no hunt named {id:?}{hint}; .hunts lists the hunts")
}

/// `.hunts [pattern]`.
fn hunts(shell: &mut Shell, args: &str) -> Result<Flow> {
    let pattern = args.trim();
    let config = shell.context().config()?;
    let rows: Vec<Vec<String>> = load_hunts(&config)?
        .iter()
        .map(|hunt| &hunt.metadata)
        .filter(|meta| {
            pattern.is_empty()
                || [&meta.id, &meta.technique, &meta.title]
                    .iter()
                    .any(|field| name_matches(field, pattern))
        })
        .map(|meta| {
            let disabled = if config.hunt_enabled(&meta.id) {
                ""
            } else {
                " (disabled)"
            };
            vec![
                meta.id.clone(),
                meta.technique.clone(),
                meta.severity.clone(),
                format!("{}{disabled}", meta.title),
            ]
        })
        .collect();
    if rows.is_empty() && !pattern.is_empty() {
        bail!("no hunt matches {pattern:?} (.hunts alone lists them all)");
    }
    shell.print_rows(&["id", "technique", "severity", "title"], &rows)?;
    Ok(Flow::Continue)
}

/// `.run <hunt> [--since T] [--until T] [--min-score N]`.
fn run(shell: &mut Shell, args: &str) -> Result<Flow> {
    let request = parse_request(args, true, RUN_USAGE)?;
    let context = shell.context().clone();
    let config = context.config()?;
    let hunts = load_hunts(&config)?;
    let hunt = find_hunt(&hunts, &request.hunt)?;
    let range = request_range(&request, shell, Utc::now())?;
    let rules = tokenhunt_engine::hunt::SuppressionRules::compile(
        &config.suppress,
        tokenhunt_engine::timerange::now_micros(),
    )?;
    let lake = context.lake()?;
    if let Some(note) = stale_baseline_note(&shell.block_on(stored_baseline(&lake))?) {
        shell.status(&note);
    }
    let started = Instant::now();
    let runs = shell.block_on_cancellable(run_hunts(
        shell.ctx(),
        Some(&lake),
        &[hunt],
        &config,
        &range,
    ))??;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(error) = runs.iter().find_map(|run| run.error.as_deref()) {
        bail!("hunt {} failed: {error}", hunt.metadata.id);
    }
    let min_score = request.min_score.unwrap_or(DEFAULT_MIN_SCORE);
    // Suppressions hold here as in `hunt`: rules, and those recorded in the lake.
    let stored = shell.block_on(tokenhunt_engine::hunt::state::load(&lake))?;
    let alerts = run_alerts(&runs, false, min_score, &rules, &stored);
    let suppressed = alerts.iter().filter(|a| a.suppression.is_some()).count();
    let findings = unsuppressed(&alerts);
    shell.print_result(|out, format, style| write_findings_to(&findings, format, style, out))?;
    let found: usize = runs.iter().map(|run| run.findings.len()).sum();
    let mut line = format!(
        "{} finding{} from {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        hunt.metadata.id
    );
    let under = found.saturating_sub(alerts.len());
    if under > 0 {
        line.push_str(&format!(
            " ({under} more under score {min_score}: --min-score 0 shows them)"
        ));
    }
    if suppressed > 0 {
        line.push_str(&format!(" ({suppressed} suppressed)"));
    }
    if shell.settings.timer {
        line.push_str(&format!(" in {seconds:.3} s"));
    }
    if let Output::File { path, .. } = &shell.settings.output {
        line.push_str(&format!(" → {}", path.display()));
    }
    shell.status(&line);
    Ok(Flow::Continue)
}

/// `.show <hunt> [--since T] [--until T]`: the SQL on the screen, whatever `.output`
/// says, since it is there to be copied.
fn show(shell: &mut Shell, args: &str) -> Result<Flow> {
    let request = parse_request(args, false, SHOW_USAGE)?;
    let config = shell.context().config()?;
    let hunts = load_hunts(&config)?;
    let hunt = find_hunt(&hunts, &request.hunt)?;
    let range = request_range(&request, shell, Utc::now())?;
    let sql = expand_sql(hunt, &config, &range)?;
    let meta = &hunt.metadata;
    let parameters: Vec<String> = meta
        .parameters
        .iter()
        .map(|p| match config.hunt_parameter(&meta.id, &p.name) {
            Some(value) => format!("{} = {value} (tokenhunt.toml)", p.name),
            None => format!("{} = {}", p.name, p.default),
        })
        .collect();
    let mut text = format!(
        "-- {}: {}\n-- {}; {} to {}",
        meta.id,
        meta.title,
        hunt.origin,
        range.since.map_or("the start of the lake".into(), rfc3339),
        range.until.map_or("the end of the lake".into(), rfc3339),
    );
    if !parameters.is_empty() {
        text.push_str(&format!("; {}", parameters.join(", ")));
    }
    text.push('\n');
    let body = sql.trim();
    text.push_str(body);
    if !body.ends_with(';') {
        text.push(';');
    }
    println!("{}", crate::output::terminal_lines(&text));
    // Baseline tables exist in this session when the lake stores them or a `.run`
    // computed them.
    let missing: Vec<&str> = baseline_names()
        .into_iter()
        .filter(|name| sql.contains(name) && !shell.ctx().table_exist(*name).unwrap_or(false))
        .collect();
    if !missing.is_empty() {
        shell.status(&format!(
            "note: it reads {}, which this session does not have yet: `.run {}` computes them (`tokenhunt baseline` stores them in the lake)",
            missing.join(", "),
            meta.id
        ));
    }
    Ok(Flow::Continue)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn parse(args: &str) -> Result<HuntRequest> {
        parse_request(args, true, RUN_USAGE)
    }

    #[test]
    fn a_hunt_and_its_options_parse() {
        let request =
            parse("entra_token_reuse --since 30d --until=2024-05-01 --min-score 0").unwrap();
        assert_eq!(request.hunt, "entra_token_reuse");
        assert_eq!(request.since, Some(TimeBound::Ago(Duration::days(30))));
        assert_eq!(
            request.until,
            Some(parse_time_bound("2024-05-01T00:00:00Z").unwrap())
        );
        assert_eq!(request.min_score, Some(0.0));
        // Options may come first.
        let request = parse("--min-score=75.5 okta_native_signals").unwrap();
        assert_eq!(request.hunt, "okta_native_signals");
        assert_eq!(request.min_score, Some(75.5));
        assert_eq!(request.since, None);
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let error = |args: &str| parse(args).unwrap_err().to_string();
        assert!(error("").starts_with("usage: .run <hunt>"));
        assert!(error("--since 7d").starts_with("usage: .run <hunt>"));
        assert!(error("a b").contains("one hunt at a time"));
        assert!(error("a --since").contains("--since needs a value"));
        assert!(error("a --since=").contains("--since needs a value"));
        assert!(error("a --since yesterdayish").contains("is not a time"));
        assert!(error("a --min-score high").contains("is not a number"));
        assert!(error("a --min-score NaN").contains("is not a number"));
        assert!(error("a --all").contains("unknown option --all"));
        // `.show` has no findings to filter.
        let show = parse_request("a --min-score 0", false, SHOW_USAGE).unwrap_err();
        assert!(
            show.to_string().contains("unknown option --min-score"),
            "{show}"
        );
    }

    fn hunt(id: &str) -> Hunt {
        let text =
            format!("-- id: {id}\n-- title: t\n-- technique: T1\n-- severity: low\nSELECT 1");
        let (metadata, sql) = tokenhunt_engine::hunt::metadata::parse_hunt("x.sql", &text).unwrap();
        Hunt {
            metadata,
            sql,
            origin: "test".into(),
        }
    }

    #[test]
    fn unknown_hunts_are_named_with_close_ids() {
        let library = vec![hunt("entra_token_reuse"), hunt("okta_native_signals")];
        assert_eq!(
            find_hunt(&library, "okta_native_signals")
                .unwrap()
                .metadata
                .id,
            "okta_native_signals"
        );
        let error = find_hunt(&library, "token_reuse").unwrap_err().to_string();
        assert_eq!(
            error,
            "no hunt named \"token_reuse\" (did you mean entra_token_reuse?); .hunts lists the hunts"
        );
        let error = find_hunt(&library, "no_such_hunt").unwrap_err().to_string();
        assert_eq!(
            error,
            "no hunt named \"no_such_hunt\"; .hunts lists the hunts"
        );
    }
}
