//! Findings as `tokenhunt hunt`, `tokenhunt demo` and the prompt's `.run` show them.

use std::io::Write;

use anyhow::{Result, bail};
use tokenhunt_engine::baseline::StoredBaseline;
use tokenhunt_engine::hunt::state::Reported;
use tokenhunt_engine::hunt::{
    Alert, AlertOptions, Finding, FindingsState, HuntRun, SuppressionRules, alerts, findings_batch,
    findings_csv_batch,
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

/// The alerts of hunt runs, as every output reports them (`hunt`, `.run`, the demo):
/// grouped into incidents when `incidents` is set, those under `min_score` dropped,
/// highest score first, each with the suppression (a `tokenhunt.toml` rule, or one
/// recorded in the lake) that keeps it quiet.
pub fn run_alerts(
    runs: &[HuntRun],
    incidents: bool,
    min_score: f64,
    rules: &SuppressionRules,
    state: &FindingsState,
) -> Vec<Alert> {
    let findings: Vec<Finding> = runs
        .iter()
        .flat_map(|run| run.findings.iter().cloned())
        .collect();
    alerts(
        &findings,
        AlertOptions {
            incidents,
            min_score,
        },
        rules,
        state,
        tokenhunt_engine::timerange::now_micros(),
    )
}

/// The alerts no suppression holds back, as findings to print.
pub fn unsuppressed(alerts: &[Alert]) -> Vec<Finding> {
    alerts
        .iter()
        .filter(|alert| alert.suppression.is_none())
        .map(|alert| alert.finding.clone())
        .collect()
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
    write_output(format, out, |bytes, style| {
        write_findings_to(findings, format, style, bytes)
    })
}

/// What `hunt --new` reports, as [`write_findings`] writes findings; JSON and JSON
/// Lines also say of each whether it is `new` or `updated` (`"change"`).
pub fn write_reported(
    reported: &[Reported],
    format: OutputFormat,
    out: Option<&str>,
) -> Result<()> {
    if !matches!(format, OutputFormat::Json | OutputFormat::Jsonl) {
        let findings: Vec<Finding> = reported.iter().map(|r| r.finding.clone()).collect();
        return write_findings(&findings, format, out);
    }
    write_output(format, out, |bytes, _| {
        let values = tokenhunt_engine::deliver::reported_records(reported);
        if format == OutputFormat::Json {
            serde_json::to_writer_pretty(&mut *bytes, &values)?;
            bytes.write_all(b"\n")?;
        } else {
            for value in &values {
                serde_json::to_writer(&mut *bytes, value)?;
                bytes.write_all(b"\n")?;
            }
        }
        Ok(())
    })
}

/// Renders with `fill` into memory, then to stdout (a reader that stopped early is
/// no error) or to `out`, a file or URL written atomically.
fn write_output(
    format: OutputFormat,
    out: Option<&str>,
    fill: impl FnOnce(&mut (dyn Write + Send), TableStyle) -> Result<()>,
) -> Result<()> {
    if out.is_none() && format == OutputFormat::Parquet {
        bail!("--format parquet needs --out <file or URL>");
    }
    let style = match out {
        Some(_) => TableStyle::plain(0),
        None => TableStyle::for_stdout(0),
    };
    let mut bytes: Vec<u8> = Vec::new();
    fill(&mut bytes, style)?;
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
