//! `tokenhunt hunt` and `tokenhunt hunts`.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Result, bail};
use tokenhunt_engine::baseline::stored_baseline;
use tokenhunt_engine::deliver::{finding_records, reported_records};
use tokenhunt_engine::hunt::state::{self, Change, record_run};
use tokenhunt_engine::hunt::{SuppressionRules, load_hunts, run_hunts_in_slices, select};
use tokenhunt_engine::progress::StepProgress;
use tokenhunt_engine::timerange::{TimeRange, now_micros};

use crate::args::{GroupBy, HuntArgs, OutputFormat};
use crate::context::Context;
use crate::output::delivery;
use crate::output::findings::{
    run_alerts, stale_baseline_note, unsuppressed, write_findings, write_reported,
};
use crate::output::progress;

pub async fn run(context: &Context, args: &HuntArgs) -> Result<()> {
    if !args.all && args.ids.is_empty() {
        bail!("name the hunts to run, or pass --all (see `tokenhunt hunts`)");
    }
    let config = context.config()?;
    let hunts = load_hunts(&config)?;
    let selected = select(&hunts, &args.ids, &config)?;
    // A bad rule fails before the hunts run, not after.
    let rules = SuppressionRules::compile(&config.suppress, now_micros())?;
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    // A delivery's settings and credential are checked before any hunt runs.
    let delivery = delivery::prepare(context, args.out.as_deref())?;
    let lake = context.lake()?;
    let ctx = context.session_over(&lake).await?;
    if let Some(note) = stale_baseline_note(&stored_baseline(&lake).await?)
        && !context.global.quiet
    {
        eprintln!("{note}");
    }
    let slice = match &args.slice {
        Some(text) => {
            let length = crate::args::parse_duration(text, "--slice")?;
            Some(i64::try_from(length.as_micros()).unwrap_or(i64::MAX).max(1))
        }
        None => None,
    };
    let progress = Arc::new(StepProgress::default());
    let spinner = context
        .progress_allowed()
        .then(|| progress::steps("hunt", progress.clone()));
    let runs = run_hunts_in_slices(
        &ctx,
        Some(&lake),
        &selected,
        &config,
        &range,
        slice,
        &progress,
    )
    .await;
    drop(spinner);
    let runs = runs?;
    let mut failed = Vec::new();
    for run in &runs {
        match &run.error {
            Some(error) => {
                eprintln!(
                    "hunt {} failed: {}",
                    crate::output::terminal_text(&run.hunt),
                    crate::output::terminal_lines(error)
                );
                failed.push(run.hunt.clone());
            }
            None if context.global.verbose > 0 => {
                eprintln!(
                    "hunt {:<40} {:>5} finding(s) in {:.2} s",
                    run.hunt,
                    run.findings.len(),
                    run.seconds
                )
            }
            None => {}
        }
    }
    let incidents = args.group == Some(GroupBy::Incidents);
    // Suppressions recorded in the lake apply to every run; `--new` reads the state
    // again under the lease before deciding what to report.
    let stored = state::load(&lake).await?;
    let alerts = run_alerts(&runs, incidents, args.min_score, &rules, &stored);
    let suppressed = alerts.iter().filter(|a| a.suppression.is_some()).count();
    let format = context.format_or(OutputFormat::Table);
    let what = if incidents {
        "incident(s)"
    } else {
        "finding(s)"
    };
    let alerted = if args.new {
        let lease = super::ingest::lease_options(context)?;
        let run_id = format!("hunt-{}", tokenhunt_engine::ingest::new_run_id());
        // The output is written before the state records it as reported: an alert
        // is never recorded as reported unless it went out (at least once).
        let mut output_error = None;
        let reported = record_run(
            &lake,
            &alerts,
            &run_id,
            &lease,
            now_micros(),
            async |reported| {
                let written = match &delivery {
                    Some(delivery) => {
                        let records = reported_records(reported);
                        delivery::deliver(context, delivery, &records)
                            .await
                            .map_err(anyhow::Error::from)
                    }
                    None => write_reported(reported, format, args.out.as_deref()),
                };
                written.map_err(|error| {
                    let message = format!("{error:#}");
                    output_error = Some(error);
                    tokenhunt_engine::error::EngineError::Invalid(message)
                })
            },
        )
        .await;
        if let Some(error) = output_error {
            return Err(error);
        }
        let reported = reported?;
        if !context.global.quiet {
            let updated = reported
                .iter()
                .filter(|r| r.change == Change::Updated)
                .count();
            let quiet = alerts.len().saturating_sub(suppressed + reported.len());
            eprintln!(
                "{} new and {updated} updated {what} from {} hunt(s); {quiet} reported before, \
                 {suppressed} suppressed (state: {})",
                reported.len() - updated,
                runs.len(),
                crate::output::terminal_text(&state::location(&lake))
            );
        }
        reported.len()
    } else {
        let findings = unsuppressed(&alerts);
        match &delivery {
            Some(delivery) => {
                delivery::deliver(context, delivery, &finding_records(&findings)).await?
            }
            None => write_findings(&findings, format, args.out.as_deref())?,
        }
        if !context.global.quiet {
            let held = if suppressed > 0 {
                format!(" ({suppressed} suppressed: `tokenhunt findings --status suppressed`)")
            } else {
                String::new()
            };
            eprintln!(
                "{} {what} from {} hunt(s){held}",
                findings.len(),
                runs.len()
            );
        }
        findings.len()
    };
    if context.global.verbose > 0 {
        print_bytes_read(&lake, &ctx).await?;
    }
    if !failed.is_empty() {
        bail!("{} hunt(s) failed: {}", failed.len(), failed.join(", "));
    }
    if args.exit_code && alerted > 0 {
        return Err(Alerted(alerted).into());
    }
    Ok(())
}

/// `hunt --exit-code` alerted: not an error, a status (3) for cron and CI to act on.
#[derive(Debug)]
pub struct Alerted(pub usize);

impl Alerted {
    /// The exit status `hunt --exit-code` ends with when something alerted.
    pub const EXIT_STATUS: u8 = 3;
}

impl std::fmt::Display for Alerted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} alert(s)", self.0)
    }
}

impl std::error::Error for Alerted {}

/// `tokenhunt hunts`: the library.
pub fn list(context: &Context) -> Result<()> {
    let config = context.config()?;
    let hunts = load_hunts(&config)?;
    let mut out = std::io::stdout().lock();
    let format = context.format_or(OutputFormat::Table);
    if matches!(format, OutputFormat::Json | OutputFormat::Jsonl) {
        // Machine-readable: every header field, and each parameter's default next to
        // the value tokenhunt.toml sets.
        let entries: Vec<serde_json::Value> = hunts
            .iter()
            .map(|hunt| {
                let meta = &hunt.metadata;
                let parameters: Vec<serde_json::Value> = meta
                    .parameters
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name,
                            "default": p.default,
                            "configured": config.hunt_parameter(&meta.id, &p.name).map(|v| v.to_string()),
                            "description": p.description,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "id": meta.id,
                    "title": meta.title,
                    "technique": meta.technique,
                    "severity": meta.severity,
                    "sources": meta.sources,
                    "enabled": config.hunt_enabled(&meta.id),
                    "origin": hunt.origin,
                    "description": meta.description,
                    "parameters": parameters,
                })
            })
            .collect();
        if matches!(format, OutputFormat::Json) {
            writeln!(out, "{}", serde_json::to_string_pretty(&entries)?)?;
        } else {
            for entry in &entries {
                writeln!(out, "{entry}")?;
            }
        }
        return Ok(());
    }
    for hunt in &hunts {
        let meta = &hunt.metadata;
        let enabled = if config.hunt_enabled(&meta.id) {
            ""
        } else {
            " (disabled)"
        };
        writeln!(
            out,
            "{:<40} {:<10} {:<8} {}{enabled}",
            meta.id, meta.technique, meta.severity, meta.title
        )?;
        if context.global.verbose > 0 {
            writeln!(out, "    {}", meta.description)?;
            for parameter in &meta.parameters {
                let configured = config
                    .hunt_parameter(&meta.id, &parameter.name)
                    .map(|value| format!(" (tokenhunt.toml: {value})"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "    {} = {}{configured}  {}",
                    parameter.name, parameter.default, parameter.description
                )?;
            }
        }
    }
    Ok(())
}

/// `tokenhunt baseline`: compute the baselines over the lake (up to --until) and store
/// them; `--incremental` adds the days since the stored ones.
pub async fn baseline(context: &Context, args: &crate::args::BaselineArgs) -> Result<()> {
    let config = context.config()?;
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    let lake = context.lake()?;
    let ctx = context.session_over(&lake).await?;
    let started = std::time::Instant::now();
    let progress = Arc::new(StepProgress::default());
    let spinner = context
        .progress_allowed()
        .then(|| progress::steps("baseline", progress.clone()));
    let outcome = tokenhunt_engine::baseline::build(
        &ctx,
        &lake,
        &config,
        &range,
        args.incremental,
        &progress,
    )
    .await;
    drop(spinner);
    let outcome = outcome?;
    if !context.global.quiet {
        if let Some(note) = &outcome.note {
            eprintln!("{}: built in full", crate::output::terminal_text(note));
        }
        for (name, rows) in &outcome.manifest.tables {
            eprintln!("{name:<28} {rows:>9} rows");
        }
        eprintln!(
            "baseline {} in {:.2} s; hunts use it until you rebuild it",
            if outcome.incremental {
                "updated with the days since"
            } else {
                "stored"
            },
            started.elapsed().as_secs_f64()
        );
    }
    if context.global.verbose > 0 {
        print_bytes_read(&lake, &ctx).await?;
    }
    Ok(())
}

/// What a run cost in I/O, against the lake's size: data pages and footers fetched from
/// the tables' files (the baselines and temporary files aside), and the rows the
/// Parquet scans decoded (the lake's, the stored baselines' and materialised steps').
/// For `-v`.
async fn print_bytes_read(
    lake: &tokenhunt_engine::lake::Lake,
    ctx: &datafusion::prelude::SessionContext,
) -> Result<()> {
    let total = lake.table_bytes().await?;
    let read = lake.bytes_read();
    let rows = tokenhunt_engine::sql::counter::counter(ctx).map_or(0, |c| c.rows_decoded());
    eprintln!(
        "read {:.1} MB of the lake's {:.1} MB of Parquet ({:.2} %); {rows} rows decoded",
        read as f64 / 1e6,
        total as f64 / 1e6,
        100.0 * read as f64 / total.max(1) as f64
    );
    Ok(())
}
