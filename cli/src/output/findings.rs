//! Findings as `tokenhunt hunt`, `tokenhunt demo` and the prompt's `.run` show them.

use std::io::Write;

use anyhow::{Result, bail};
use tokenhunt_engine::baseline::StoredBaseline;
use tokenhunt_engine::hunt::{
    Finding, HuntRun, findings_batch, findings_csv_batch, group_incidents,
};

use super::{TableStyle, sink};
use crate::args::OutputFormat;

/// Columns the table view shows; the other formats carry the whole contract.
const TABLE_COLUMNS: &[&str] = &[
    "score",
    "severity",
    "hunt",
    "user",
    "session_id",
    "first_seen",
    "last_seen",
    "countries",
    "reason",
];

/// The findings of hunt runs as they are reported: grouped into incidents when
/// `incidents` is set, those scoring under `min_score` dropped, highest score first
/// (earliest first among equal scores).
pub fn ranked_findings(runs: &[HuntRun], incidents: bool, min_score: f64) -> Vec<Finding> {
    let mut findings: Vec<Finding> = runs
        .iter()
        .flat_map(|run| run.findings.iter().cloned())
        .collect();
    if incidents {
        findings = group_incidents(&findings);
    }
    findings.retain(|f| f.score >= min_score);
    findings.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.first_seen.cmp(&b.first_seen))
    });
    findings
}

/// What to say before running hunts on a lake whose stored baseline this build cannot use.
pub fn stale_baseline_note(stored: &StoredBaseline) -> Option<String> {
    match stored {
        StoredBaseline::Stale(manifest) => Some(format!(
            "note: the stored baseline (built {}) comes from other baseline queries than this \
             tokenhunt's; computing baselines now instead — run `tokenhunt baseline` to rebuild it",
            manifest.built_at
        )),
        _ => None,
    }
}

/// Writes findings in `format` to `out`: JSON and JSON Lines with each finding whole,
/// CSV with the lists as `;`-separated text, table and vertical with the columns a
/// person reads first (laid out by `style`), Parquet with the whole contract.
pub fn write_findings_to(
    findings: &[Finding],
    format: OutputFormat,
    style: TableStyle,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    match format {
        OutputFormat::Jsonl => {
            for finding in findings {
                serde_json::to_writer(&mut *out, finding)?;
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, findings)?;
            out.write_all(b"\n")?;
        }
        OutputFormat::Parquet
        | OutputFormat::Csv
        | OutputFormat::Table
        | OutputFormat::Vertical => {
            let batch = findings_batch(findings)?;
            let batch = match format {
                OutputFormat::Table | OutputFormat::Vertical => {
                    let indices: Vec<usize> = TABLE_COLUMNS
                        .iter()
                        .filter_map(|c| batch.schema().index_of(c).ok())
                        .collect();
                    batch.project(&indices)?
                }
                // CSV has no lists: the list columns become `;`-separated text.
                OutputFormat::Csv => findings_csv_batch(findings)?,
                _ => batch,
            };
            let mut result = sink(format, batch.schema(), style, out)?;
            result.write(&batch)?;
            result.finish()?;
        }
    }
    Ok(())
}

/// Prints findings in the chosen format to stdout, or writes them to `out` (a file
/// or URL).
pub fn write_findings(findings: &[Finding], format: OutputFormat, out: Option<&str>) -> Result<()> {
    if out.is_none() && format == OutputFormat::Parquet {
        bail!("--format parquet needs --out <file or URL>");
    }
    let style = match out {
        Some(_) => TableStyle::plain(0),
        None => TableStyle::for_stdout(0),
    };
    let mut bytes: Vec<u8> = Vec::new();
    write_findings_to(findings, format, style, &mut bytes)?;
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                // A reader that stopped early (`| head`) is not an error.
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
        Some(location) => tokenhunt_engine::lake::store::write_location(location, bytes)?,
    }
    Ok(())
}
