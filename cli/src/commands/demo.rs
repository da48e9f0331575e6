//! `tokenhunt demo`: the whole product in one command — a synthetic tenant with planted
//! attacks, ingested into a local lake, every hunt run, the incidents shown, and how
//! they compare with the planted truth.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use tokenhunt_engine::hunt::{
    AlertOptions, FindingsState, SuppressionRules, alerts, load_hunts, run_hunts, select,
};
use tokenhunt_engine::ingest::{IngestOptions, IngestProgress, ingest};
use tokenhunt_engine::lake::Lake;
use tokenhunt_engine::session::open_session;
use tokenhunt_engine::timerange::{TimeRange, now_micros};
use tokenhunt_gen::{GenOptions, Labels, Profile, evaluate, generate};

use crate::args::{DemoArgs, OutputFormat};
use crate::context::Context;
use crate::output::findings::{unsuppressed, write_findings};
use crate::output::print_line;

pub async fn run(context: &Context, args: &DemoArgs) -> Result<()> {
    let started = Instant::now();
    let (dir, _temporary) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = tempfile::Builder::new()
                .prefix("tokenhunt-demo-")
                .tempdir()?;
            (temporary.path().to_path_buf(), Some(temporary))
        }
    };
    let tenant = dir.join("tenant");
    let lake_path: PathBuf = dir.join("lake");
    let say = |text: String| {
        if !context.global.quiet {
            eprintln!("{text}");
        }
    };

    say(format!(
        "1/4 generating a small tenant with planted attacks (seed {}) in {}",
        args.seed,
        tenant.display()
    ));
    let options = GenOptions::new(Profile::Small, args.seed, &tenant);
    let generated = tokio::task::spawn_blocking(move || generate(&options, &mut |_| {})).await??;
    say(format!(
        "    {} events, {} users, {} days, {} planted incidents, {} benign look-alikes",
        generated.events,
        generated.users,
        generated.days,
        generated.incidents,
        generated.confounders
    ));

    say(format!(
        "2/4 ingesting into the lake at {}",
        lake_path.display()
    ));
    let lake = Lake::open(lake_path.to_str().context("the demo folder is not UTF-8")?)?;
    let ingest_options = IngestOptions {
        inputs: vec![tenant.display().to_string()],
        ..IngestOptions::default()
    };
    let summary = ingest(&lake, &ingest_options, Arc::new(IngestProgress::default())).await?;
    say(format!(
        "    {} records in {:.1} s ({:.0} records/s): {} written, {} duplicates, {} quarantined",
        summary.read,
        summary.seconds,
        summary.read as f64 / summary.seconds.max(1e-9),
        summary.written,
        summary.duplicates,
        summary.quarantined
    ));

    say("3/4 running every hunt".into());
    let config = context.config()?;
    let hunts = load_hunts(&config)?;
    let selected = select(&hunts, &[], &config)?;
    let ctx = open_session(Some(&lake), &context.session_options()?).await?;
    let hunt_started = Instant::now();
    let runs = run_hunts(&ctx, Some(&lake), &selected, &config, &TimeRange::default()).await?;
    let findings: Vec<_> = runs
        .iter()
        .flat_map(|run| run.findings.iter().cloned())
        .collect();
    for run in runs.iter().filter(|run| run.error.is_some()) {
        say(format!(
            "    hunt {} failed: {}",
            run.hunt,
            run.error.as_deref().unwrap_or_default()
        ));
    }
    // The same alerts as `hunt --group incidents`: weak signals count only once they
    // compound, and the configuration's suppressions hold.
    let rules = SuppressionRules::compile(&config.suppress, now_micros())?;
    let incidents = unsuppressed(&alerts(
        &findings,
        AlertOptions {
            incidents: true,
            min_score: args.min_score,
        },
        &rules,
        &FindingsState::default(),
        now_micros(),
    ));
    say(format!(
        "    {} hunts, {} findings, {} incidents in {:.1} s",
        runs.len(),
        findings.len(),
        incidents.len(),
        hunt_started.elapsed().as_secs_f64()
    ));

    say("4/4 incidents (the alerts a responder gets):".into());
    write_findings(&incidents, context.format_or(OutputFormat::Table), None)?;

    let labels = Labels::read(&tenant.join("labels.json"))?;
    let incidents_for_eval: Vec<tokenhunt_gen::Finding> = incidents
        .iter()
        .map(|incident| serde_json::to_value(incident).and_then(serde_json::from_value))
        .collect::<Result<_, _>>()?;
    let report = evaluate(
        &labels,
        &incidents_for_eval,
        labels.tenant.users,
        labels.tenant.days as f64,
    );
    if !context.global.quiet {
        print_line("")?;
        print_line(&format!(
            "against the planted truth ({}):",
            tenant.join("labels.json").display()
        ))?;
        print_line(&report.to_string())?;
        print_line(&format!(
            "done in {:.1} s. Explore: tokenhunt --lake {} (then `.tables`, `.hunts`, `.run <hunt>`, `.show <hunt>`, `.scope <user>` or SQL)",
            started.elapsed().as_secs_f64(),
            if args.dir.is_some() {
                lake_path.display().to_string()
            } else {
                "<pass --dir to keep the lake>".into()
            }
        ))?;
    }
    Ok(())
}
