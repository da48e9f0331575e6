//! `tokenhunt scope --user|--session|--ip`, and `.scope` at the prompt.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use datafusion::prelude::SessionContext;
use tokenhunt_engine::scope::{ScopeContext, ScopeOptions, ScopeReport, ScopeTarget, run_scope};
use tokenhunt_engine::timerange::{TimeRange, now_micros};

use crate::args::{OutputFormat, ScopeArgs};
use crate::context::Context;

fn target_of(args: &ScopeArgs) -> Result<ScopeTarget> {
    Ok(match (&args.user, &args.session, &args.ip) {
        (Some(user), _, _) => ScopeTarget::user(user)?,
        (_, Some(session), _) => ScopeTarget::session(session)?,
        (_, _, Some(ip)) => ScopeTarget::ip(ip)?,
        _ => bail!("name what to scope: --user, --session or --ip"),
    })
}

/// Runs a scope over an open lake session.
pub async fn scope_report(
    context: &Context,
    ctx: &SessionContext,
    target: &ScopeTarget,
    range: &TimeRange,
    options: ScopeOptions,
) -> Result<ScopeReport> {
    let config = context.config()?;
    let lake = context.lake()?;
    let session_options = context.session_options()?;
    let scope = ScopeContext {
        ctx,
        lake: &lake,
        session_options: &session_options,
        config: &config,
    };
    Ok(run_scope(&scope, target, range, options).await?)
}

pub async fn run(context: &Context, args: &ScopeArgs) -> Result<()> {
    let target = target_of(args)?;
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    let format = context.format_or(OutputFormat::Table);
    if !matches!(
        format,
        OutputFormat::Table | OutputFormat::Vertical | OutputFormat::Json | OutputFormat::Jsonl
    ) {
        bail!("scope prints text (the default) or one JSON document (--format json)");
    }
    let ctx = context.session().await?;
    let options = ScopeOptions {
        max_rows: args.max_rows.max(1),
        ..ScopeOptions::default()
    };
    let report = scope_report(context, &ctx, &target, &range, options).await?;
    let mut text = Vec::new();
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut text, &report)?;
            text.push(b'\n');
        }
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut text, &report)?;
            text.push(b'\n');
        }
        _ => crate::report::terminal::write(
            &report,
            crate::report::terminal::color_stdout(),
            &mut text,
        )?,
    }
    write_stdout(&text)?;
    if let Some(path) = &args.report {
        let page = crate::report::html::render(&report);
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
        if !context.global.quiet {
            eprintln!("report written to {}", path.display());
        }
    }
    if !context.global.quiet {
        eprintln!("{}", stats_line(&report));
    }
    for error in &report.hunt_errors {
        eprintln!("warning: hunt {}", crate::output::terminal_lines(error));
    }
    Ok(())
}

/// One line on what the lake scans cost.
pub fn stats_line(report: &ScopeReport) -> String {
    let stats = &report.stats;
    let groups = stats.pruning.get("row_groups_pruned_statistics");
    let bloom = stats.pruning.get("row_groups_pruned_bloom_filter");
    format!(
        "scope: {} lake queries in {:.2} s; {} rows decoded, {:.1} MB read; row groups: {} pruned by statistics, {} by bloom filters, {} read",
        stats.queries,
        stats.seconds,
        stats.rows_decoded,
        stats.bytes_scanned as f64 / 1e6,
        groups.map_or(0, |p| p.pruned),
        bloom.map_or(0, |p| p.pruned),
        // Statistics pruning runs first and sees every row group of the files opened;
        // the bloom filters then drop some of the survivors.
        groups
            .map_or(0, |p| p.matched)
            .saturating_sub(bloom.map_or(0, |p| p.pruned)),
    )
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `.scope <user|session|ip>` (or `.scope user|session|ip <value>`) at the prompt:
/// the terminal view over the prompt's session, for the prompt's `$since`/`$until`.
pub async fn prompt_scope(
    context: &Context,
    ctx: &SessionContext,
    args: &str,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let target = match words.as_slice() {
        ["user", value] => ScopeTarget::user(value)?,
        ["session", value] => ScopeTarget::session(value)?,
        ["ip", value] => ScopeTarget::ip(value)?,
        [value] if ScopeTarget::ip(value).is_ok() => ScopeTarget::ip(value)?,
        [value] if value.contains('@') => ScopeTarget::user(value)?,
        [value] => ScopeTarget::session(value)?,
        _ => bail!("usage: .scope <user|session|ip> (or .scope user|session|ip <value>)"),
    };
    let range = TimeRange::parse(since, until, now_micros())?;
    let report = scope_report(context, ctx, &target, &range, ScopeOptions::default()).await?;
    let mut text = Vec::new();
    crate::report::terminal::write(&report, crate::report::terminal::color_stdout(), &mut text)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}
