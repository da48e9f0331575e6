//! Running hunts: parameters substituted, SQL executed, rows turned into findings.

use std::sync::atomic::Ordering;
use std::time::Instant;

use datafusion::prelude::SessionContext;

use super::findings::{Finding, findings_from_batches};
use super::library::Hunt;
use crate::config::Config;
use crate::error::Result;
use crate::lake::Lake;
use crate::progress::StepProgress;
use crate::sql::placeholders::expand_placeholders;
use crate::timerange::TimeRange;

/// The outcome of one hunt.
#[derive(Debug, Clone)]
pub struct HuntRun {
    pub hunt: String,
    pub findings: Vec<Finding>,
    pub seconds: f64,
    /// Set when the hunt failed; the other hunts still ran.
    pub error: Option<String>,
}

/// The hunt's SQL with `${since}`, `${until}`, `${baseline_since}`, the
/// configuration placeholders and its parameters filled in (configured values over
/// header defaults).
pub fn expand_sql(hunt: &Hunt, config: &Config, range: &TimeRange) -> Result<String> {
    let defaults = |name: &str| {
        hunt.metadata
            .parameters
            .iter()
            .find(|parameter| parameter.name == name)
            .map(|parameter| parameter.default.clone())
    };
    expand_placeholders(&hunt.sql, &hunt.metadata.id, defaults, config, range)
}

/// Runs the hunts one after another (each uses every core), after making the
/// baseline tables available (stored in the lake, or computed now).
pub async fn run_hunts(
    ctx: &SessionContext,
    lake: Option<&Lake>,
    hunts: &[&Hunt],
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<HuntRun>> {
    run_hunts_in_slices(
        ctx,
        lake,
        hunts,
        config,
        range,
        None,
        &StepProgress::default(),
    )
    .await
}

/// [`run_hunts`], each hunt run over consecutive slices of `slice_micros` of the
/// range when given (`hunt --slice`; see [`super::slices`]).
pub async fn run_hunts_in_slices(
    ctx: &SessionContext,
    lake: Option<&Lake>,
    hunts: &[&Hunt],
    config: &Config,
    range: &TimeRange,
    slice_micros: Option<i64>,
    progress: &StepProgress,
) -> Result<Vec<HuntRun>> {
    progress.steps.store(hunts.len(), Ordering::Relaxed);
    progress.begin("baselines");
    let texts: Vec<String> = hunts
        .iter()
        .map(|hunt| crate::sql::definitions::spelled_out(&hunt.sql))
        .collect();
    let queries: Vec<&str> = texts.iter().map(String::as_str).collect();
    crate::baseline::prepare(ctx, lake, config, range, &queries).await?;
    let ranges = match slice_micros {
        Some(slice) => super::slices::slices(ctx, range, slice).await?,
        None => vec![*range],
    };
    progress.parts.store(ranges.len(), Ordering::Relaxed);
    let mut runs = Vec::with_capacity(hunts.len());
    for hunt in hunts {
        progress.begin(&hunt.metadata.id);
        let started = Instant::now();
        let outcome = run_over(ctx, hunt, config, &ranges, progress).await;
        progress.end();
        let seconds = started.elapsed().as_secs_f64();
        runs.push(match outcome {
            Ok(findings) => HuntRun {
                hunt: hunt.metadata.id.clone(),
                findings,
                seconds,
                error: None,
            },
            Err(error) => HuntRun {
                hunt: hunt.metadata.id.clone(),
                findings: Vec::new(),
                seconds,
                error: Some(error.to_string()),
            },
        });
    }
    // The baselines are in place (stored or computed above) whenever a hunt reads them.
    if let Ok(Some(days)) = super::history::history_days(ctx).await {
        for run in &mut runs {
            super::history::note_short_history(&mut run.findings, days);
        }
    }
    Ok(runs)
}

/// One hunt over each of `ranges` in turn; findings two slices both reported are
/// merged ([`super::slices::merge_same_id`]).
async fn run_over(
    ctx: &SessionContext,
    hunt: &Hunt,
    config: &Config,
    ranges: &[TimeRange],
    progress: &StepProgress,
) -> Result<Vec<Finding>> {
    // Once per hunt, whatever the slices.
    let written_order;
    let ctx = if hunt.metadata.joins_as_written {
        // A context of its own (same catalog, memory pool and functions), so the
        // setting holds for this hunt alone while others run beside it.
        let mut state = ctx.state();
        state.config_mut().options_mut().optimizer.join_reordering = false;
        written_order = SessionContext::new_with_state(state);
        &written_order
    } else {
        ctx
    };
    let mut found = Vec::new();
    for range in ranges {
        found.extend(run_one(ctx, hunt, config, range).await?);
        progress.parts_done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(match ranges.len() {
        1 => found,
        _ => super::slices::merge_same_id(found),
    })
}

async fn run_one(
    ctx: &SessionContext,
    hunt: &Hunt,
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<Finding>> {
    let sql = expand_sql(hunt, config, range)?;
    let (sql, materialized) = super::materialize::materialize_ctes(
        ctx,
        &hunt.metadata.id,
        &sql,
        &hunt.metadata.materialize,
    )
    .await?;
    // A hunt is a query and nothing else: hunt files come from `hunt_dirs` too, and
    // must not write files (`COPY ... TO`), create tables or change settings.
    let only_queries = datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let batches = match ctx.state().create_logical_plan(&sql).await {
        Ok(plan) => match only_queries.verify_plan(&plan) {
            Ok(()) => match ctx.execute_logical_plan(plan).await {
                Ok(frame) => crate::sql::counter::collect(frame).await,
                Err(error) => Err(error.into()),
            },
            Err(refused) => {
                materialized.release(ctx);
                return Err(crate::error::EngineError::Invalid(format!(
                    "hunt {} ({}): a hunt must be only a query (SELECT or WITH ... SELECT): {refused}",
                    hunt.metadata.id, hunt.origin
                )));
            }
        },
        Err(error) => Err(error.into()),
    };
    materialized.release(ctx);
    findings_from_batches(&hunt.metadata, &batches?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::metadata::parse_hunt;

    #[test]
    fn parameters_and_time_bounds_are_substituted() {
        let (metadata, sql) = parse_hunt(
            "x.sql",
            "-- id: x\n-- title: t\n-- technique: T1\n-- severity: low\n-- param: min_networks = 2\n\
             SELECT * FROM signins WHERE time >= ${since} AND n >= ${min_networks} AND tag = ${tag}",
        )
        .unwrap();
        let hunt = Hunt {
            metadata,
            sql,
            origin: "test".into(),
        };
        let config = Config::parse("[hunts.x]\ntag = \"it's\"\n").unwrap();
        let range = TimeRange {
            since: Some(0),
            until: None,
        };
        let expanded = expand_sql(&hunt, &config, &range).unwrap();
        assert_eq!(
            expanded,
            "SELECT * FROM signins WHERE time >= TIMESTAMP '1970-01-01T00:00:00Z' AND n >= 2 AND tag = 'it''s'"
        );
        let bad = Hunt {
            sql: "SELECT ${nope}".into(),
            ..hunt
        };
        assert!(
            expand_sql(&bad, &config, &range)
                .unwrap_err()
                .to_string()
                .contains("unknown parameter")
        );
    }
}
