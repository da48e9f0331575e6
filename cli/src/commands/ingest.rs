//! `tokenhunt ingest`: files into the lake, with a summary on stderr (or one JSON
//! object on stdout with `--format jsonl`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::{Result, bail};
use tokenhunt_engine::ingest::{IngestOptions, IngestProgress, IngestSummary, ingest};
use tokenhunt_engine::input::InputFormat;
use tokenhunt_engine::lake::lease::LeaseOptions;

use crate::args::{IngestArgs, OutputFormat};
use crate::context::{Context, parse_size};
use crate::output::progress::Spinner;
use crate::output::terminal_text as t;

pub async fn run(context: &Context, args: &IngestArgs) -> Result<()> {
    let lake = context.lake()?;
    let mut options = IngestOptions {
        inputs: args.inputs.clone(),
        format: InputFormat::from_name(&args.input_format).unwrap_or_default(),
        ..IngestOptions::default()
    };
    if let Some(threads) = context.global.threads {
        options.threads = threads.max(1);
    }
    if let Some(buffer) = &args.buffer {
        options.buffer_bytes = parse_size(buffer)?;
    }
    options.lease = lease_options(context)?;
    let progress = Arc::new(IngestProgress::default());
    let bar = context
        .progress_allowed()
        .then(|| spinner(progress.clone()));
    let result = ingest(&lake, &options, progress).await;
    drop(bar);
    let summary = result?;
    report(context, &summary)?;
    let unreadable = summary.unreadable_inputs();
    if !unreadable.is_empty() {
        bail!(
            "nothing usable in {} (see the quarantine file and messages above)",
            unreadable.join(", ")
        );
    }
    Ok(())
}

/// How a run takes the lake's write lease: `--lease-wait`, and a line on stderr
/// when it waits for another writer or takes over an expired lease.
pub(crate) fn lease_options(context: &Context) -> Result<LeaseOptions> {
    let mut lease = LeaseOptions::default();
    if let Some(wait) = &context.global.lease_wait {
        lease.wait = crate::args::parse_duration(wait, "--lease-wait")?;
    }
    if !context.global.quiet {
        lease.notes = Some(Arc::new(|line: &str| eprintln!("{}", t(line))));
    }
    Ok(lease)
}

fn spinner(progress: Arc<IngestProgress>) -> Spinner {
    Spinner::start(move || {
        let file = progress
            .current_file
            .lock()
            .map(|f| f.clone())
            .unwrap_or_default();
        format!(
            "file {}/{} · {} records · {:.1} MB · {}",
            progress.files_done.load(Ordering::Relaxed) + 1,
            progress.files_total.load(Ordering::Relaxed),
            progress.records.load(Ordering::Relaxed),
            progress.bytes.load(Ordering::Relaxed) as f64 / 1e6,
            file
        )
    })
}

fn report(context: &Context, summary: &IngestSummary) -> Result<()> {
    if context.global.format == Some(OutputFormat::Jsonl)
        || context.global.format == Some(OutputFormat::Json)
    {
        let line = serde_json::json!({
            "files": summary.files,
            "read": summary.read,
            "written": summary.written,
            "duplicates": summary.duplicates,
            "quarantined": summary.quarantined,
            "bytes": summary.bytes,
            "seconds": summary.seconds,
        });
        println!("{line}");
    }
    if context.global.quiet {
        return Ok(());
    }
    let skipped: Vec<_> = summary.skipped_files().collect();
    if context.global.verbose > 0 {
        for file in &skipped {
            eprintln!(
                "skipped {}: {}",
                t(&file.file),
                t(file.skipped.as_deref().unwrap_or_default())
            );
        }
    } else if let Some(first) = skipped.first() {
        eprintln!(
            "skipped {} file(s) that are not logs, e.g. {} ({}); -v lists them",
            skipped.len(),
            t(&first.file),
            t(first.skipped.as_deref().unwrap_or_default())
        );
    }
    for file in &summary.per_file {
        if file.skipped.is_some() {
            continue;
        }
        if let Some(error) = &file.error {
            eprintln!("error   {}: {}", t(&file.file), t(error));
        } else if context.global.verbose > 0 {
            eprintln!(
                "{:<7} {}: read {}, written {}, duplicates {}, quarantined {}",
                file.format,
                t(&file.file),
                file.read,
                file.written,
                file.duplicates,
                file.quarantined
            );
        }
    }
    let rate = summary.read as f64 / summary.seconds.max(1e-9);
    eprintln!(
        "ingested {} file(s): read {} records, wrote {}, {} duplicate(s), {} quarantined · {:.1} MB in {:.2} s ({:.0} records/s)",
        summary.files,
        summary.read,
        summary.written,
        summary.duplicates,
        summary.quarantined,
        summary.bytes as f64 / 1e6,
        summary.seconds,
        rate
    );
    for example in &summary.quarantine_examples {
        eprintln!("quarantined {}", t(example));
    }
    if summary.quarantined > summary.quarantine_examples.len() as u64 {
        eprintln!(
            "… and {} more",
            summary.quarantined - summary.quarantine_examples.len() as u64
        );
    }
    if let Some(path) = &summary.quarantine_file {
        eprintln!("quarantined records and their reasons: {path}");
    }
    Ok(())
}
