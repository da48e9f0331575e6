//! `tokenhunt findings`, `suppress`, `close` and `reopen`: the lake's findings state
//! and a person's decisions about it (the engine's `hunt::state`).

use std::io::Write;

use anyhow::{Result, bail};
use tokenhunt_engine::hunt::state::{self, StatusAction, TrackedItem, change_status, state_batch};
use tokenhunt_engine::hunt::suppression::parse_until;
use tokenhunt_engine::timerange::now_micros;

use crate::args::{CloseArgs, FindingsArgs, OutputFormat, StatusArg, SuppressArgs};
use crate::context::Context;
use crate::output::{TableStyle, sink, terminal_text};

/// Columns `tokenhunt findings` shows in a table (and CSV, which has no lists);
/// JSON carries every field.
const COLUMNS: &[&str] = &[
    "id",
    "kind",
    "status",
    "score",
    "user",
    "hunt",
    "first_reported",
    "last_reported",
    "last_seen",
    "status_reason",
    "status_until",
];

fn status_name(status: StatusArg) -> &'static str {
    match status {
        StatusArg::New => "new",
        StatusArg::Open => "open",
        StatusArg::Suppressed => "suppressed",
        StatusArg::Closed => "closed",
    }
}

/// `tokenhunt findings [--status ...]`.
pub async fn list(context: &Context, args: &FindingsArgs) -> Result<()> {
    let lake = context.lake()?;
    let wanted: Vec<&str> = args.status.iter().map(|s| status_name(*s)).collect();
    let items: Vec<TrackedItem> = state::load(&lake)
        .await?
        .items
        .into_iter()
        .filter(|item| wanted.is_empty() || wanted.contains(&item.status.name()))
        .collect();
    let format = context.format_or(OutputFormat::Table);
    // Rendered in memory, then written: the sinks need a `Send` writer.
    let mut out: Vec<u8> = Vec::new();
    let written: std::io::Result<()> = match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &items)?;
            out.write_all(b"\n")
        }
        OutputFormat::Jsonl => items.iter().try_for_each(|item| {
            serde_json::to_writer(&mut out, item)?;
            out.write_all(b"\n")
        }),
        OutputFormat::Parquet => {
            bail!(
                "the findings state as Parquet: `tokenhunt sql -c \"COPY (SELECT * FROM findings) TO 'f.parquet'\"`"
            )
        }
        OutputFormat::Table | OutputFormat::Vertical | OutputFormat::Csv => {
            let batch = state_batch(&items)?;
            let indices: Vec<usize> = COLUMNS
                .iter()
                .filter_map(|c| batch.schema().index_of(c).ok())
                .collect();
            let batch = batch.project(&indices)?;
            let mut result = sink(format, batch.schema(), TableStyle::for_stdout(0), &mut out)?;
            result.write(&batch)?;
            result.finish()
        }
    };
    written?;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    if !context.global.quiet {
        eprintln!(
            "{} item(s) in {}",
            items.len(),
            terminal_text(&state::location(&lake))
        );
    }
    Ok(())
}

async fn apply(context: &Context, ids: &[String], action: StatusAction) -> Result<()> {
    let lake = context.lake()?;
    if !lake.exists().await? {
        bail!(tokenhunt_engine::error::EngineError::MissingLake(
            lake.location.clone()
        ));
    }
    let lease = super::ingest::lease_options(context)?;
    let run_id = format!("status-{}", tokenhunt_engine::ingest::new_run_id());
    let changed = change_status(&lake, ids, &action, &run_id, &lease, now_micros()).await?;
    if !context.global.quiet {
        for item in &changed {
            let about = match (&item.user, &item.hunt) {
                (Some(user), Some(hunt)) => format!(" ({user}, {hunt})"),
                _ => " (not reported yet: applies when a hunt finds it)".to_string(),
            };
            let until = item
                .status_until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default();
            eprintln!(
                "{} {}{until}{}",
                terminal_text(&item.id),
                item.status.name(),
                terminal_text(&about)
            );
        }
    }
    Ok(())
}

/// `tokenhunt suppress <id>... --reason ... [--until DATE]`.
pub async fn suppress(context: &Context, args: &SuppressArgs) -> Result<()> {
    if args.reason.trim().is_empty() {
        bail!("--reason must say why");
    }
    // The global --until is the suppression's end here: a date (through that day),
    // a time, or a duration forward (`30d`).
    let until = context
        .global
        .until
        .as_deref()
        .map(|text| parse_until(text, now_micros()))
        .transpose()?;
    let action = StatusAction::Suppress {
        reason: args.reason.trim().to_string(),
        until,
    };
    apply(context, &args.ids, action).await
}

/// `tokenhunt close <id>... [--reason ...]`.
pub async fn close(context: &Context, args: &CloseArgs) -> Result<()> {
    let action = StatusAction::Close {
        reason: args.reason.clone(),
    };
    apply(context, &args.ids, action).await
}

/// `tokenhunt reopen <id>...`.
pub async fn reopen(context: &Context, ids: &[String]) -> Result<()> {
    apply(context, ids, StatusAction::Reopen).await
}
