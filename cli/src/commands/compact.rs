//! `tokenhunt compact`: the lake's small files rewritten per partition, with a
//! summary on stderr (or one JSON object on stdout with `--format json|jsonl`).

use std::sync::Arc;

use anyhow::{Result, bail};
use tokenhunt_engine::compact::{CompactOptions, CompactSummary, compact};
use tokenhunt_engine::error::EngineError;
use tokenhunt_engine::parse::time::date_of_micros;
use tokenhunt_engine::timerange::{TimeRange, now_micros};

use crate::args::{CompactArgs, OutputFormat};
use crate::context::{Context, parse_size};
use crate::output::terminal_text as t;

pub async fn run(context: &Context, args: &CompactArgs) -> Result<()> {
    let lake = context.lake()?;
    if !lake.exists().await? {
        bail!(EngineError::MissingLake(lake.location.clone()));
    }
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    let mut options = CompactOptions {
        // Partitions are whole days: the one holding --since is compacted whole.
        since_date: range.since.map(date_of_micros),
        until_date: range.until.map(|until| date_of_micros(until - 1)),
        dry_run: args.dry_run,
        lease: super::ingest::lease_options(context)?,
        ..CompactOptions::default()
    };
    if let Some(grace) = &args.grace {
        options.grace = crate::args::parse_duration(grace, "--grace")?;
    }
    if let Some(size) = &args.target_size {
        options.target_bytes = parse_size(size)? as u64;
    }
    if !context.global.quiet {
        options.notes = Some(Arc::new(|line: &str| eprintln!("{}", t(line))));
    }
    let summary = compact(&lake, &options).await?;
    report(context, &summary);
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn report(context: &Context, summary: &CompactSummary) {
    if matches!(
        context.global.format,
        Some(OutputFormat::Json | OutputFormat::Jsonl)
    ) {
        println!("{}", serde_json::to_string(summary).unwrap_or_default());
    }
    if context.global.quiet {
        return;
    }
    if summary.dry_run || context.global.verbose > 0 {
        for p in &summary.partitions {
            eprintln!(
                "{}{}/source={}/date={}: {} files → {} ({})",
                if summary.dry_run {
                    "would rewrite "
                } else {
                    ""
                },
                p.table,
                p.source,
                p.date,
                p.files_before,
                p.files_after,
                megabytes(p.bytes_before)
            );
        }
    }
    let verb = if summary.dry_run {
        "would compact"
    } else {
        "compacted"
    };
    let bytes = if summary.dry_run {
        megabytes(summary.bytes_before)
    } else {
        format!(
            "{} → {}",
            megabytes(summary.bytes_before),
            megabytes(summary.bytes_after)
        )
    };
    eprintln!(
        "{verb} {} of {} partition(s): {} files → {}, {bytes}, {} rows · {:.2} s",
        summary.partitions.len(),
        summary.partitions_seen,
        summary.files_before,
        summary.files_after,
        summary.rows,
        summary.seconds
    );
    if summary.leftovers_removed > 0 {
        eprintln!(
            "removed {} file(s) an earlier interrupted compaction left",
            summary.leftovers_removed
        );
    }
}
