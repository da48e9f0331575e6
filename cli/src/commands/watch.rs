//! `tokenhunt watch`: the scheduled job in one command — pull each source (the `pull`
//! command's code), update the baseline incrementally, hunt the new days with `--new`
//! and deliver to `--out` (the `hunt` command's code). Once per invocation for a
//! systemd timer; with `--every`, in a loop for a container, until SIGTERM or Ctrl-C.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use tokenhunt_engine::parse::time::parse_timestamp_micros;
use tokenhunt_engine::timerange::{TimeRange, now_micros, rfc3339};
use tokenhunt_engine::watch;

use super::hunt::Alerted;
use super::pull::pull_source;
use crate::args::parse_duration;
use crate::args::{
    GroupBy, HuntArgs, PullEntraArgs, PullLogAnalyticsArgs, PullOktaArgs, PullSource, WatchArgs,
};
use crate::context::Context;
use crate::output::delivery;
use crate::redact::redact;

pub async fn run(context: &Context, args: &WatchArgs) -> Result<()> {
    let sources = sources(args);
    // A destination that cannot work fails now, not after a pull.
    delivery::prepare(context, args.out.as_deref())?;
    let Some(every) = &args.every else {
        return once(context, args, &sources).await;
    };
    let every = parse_duration(every, "--every")?;
    if every < Duration::from_secs(1) {
        bail!("--every {:?}: at least one second", args.every);
    }
    // Installed before the first run, so a stop during it is caught too.
    let mut stop = Box::pin(shutdown());
    loop {
        tokio::select! {
            result = once(context, args, &sources) => match result {
                Ok(()) => {}
                // Alerting is what a watch is for, not a failure.
                Err(error) if error.is::<Alerted>() => {}
                Err(error) => eprintln!(
                    "watch: this run failed: {}; the next one tries again in {}",
                    crate::output::terminal_lines(&redact(&format!("{error:#}"))),
                    args.every.as_deref().unwrap_or_default()
                ),
            },
            signal = &mut stop => return stopped(context, signal, true),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            signal = &mut stop => return stopped(context, signal, false),
        }
    }
}

/// Ends the loop: a stop is the normal end of a container's life, so status 0.
fn stopped(context: &Context, signal: &str, during_run: bool) -> Result<()> {
    if !context.global.quiet {
        let note = if during_run {
            " during a run: what it pulled is kept, what it had not yet delivered goes out \
             with the next run"
        } else {
            ""
        };
        eprintln!("watch: {signal}, stopping{note}");
    }
    Ok(())
}

/// Resolves on SIGTERM (what `systemctl stop` and `docker stop` send) or Ctrl-C.
async fn shutdown() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "interrupted",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "interrupted"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    }
}

/// The `pull` sources the options name.
fn sources(args: &WatchArgs) -> Vec<PullSource> {
    let mut sources = Vec::new();
    if let Some(org) = &args.okta {
        sources.push(PullSource::Okta(PullOktaArgs {
            org: org.clone(),
            okta_url: args.okta_url.clone(),
            common: args.pull.clone(),
        }));
    }
    if let Some(tenant) = &args.entra {
        sources.push(PullSource::Entra(PullEntraArgs {
            tenant: tenant.clone(),
            graph_url: args.graph_url.clone(),
            login_url: args.login_url.clone(),
            common: args.pull.clone(),
        }));
    }
    if let Some(workspace) = &args.entra_la {
        sources.push(PullSource::EntraLa(PullLogAnalyticsArgs {
            workspace: workspace.clone(),
            tenant: std::env::var("AZURE_TENANT_ID")
                .ok()
                .filter(|t| !t.trim().is_empty()),
            la_url: args.la_url.clone(),
            login_url: args.login_url.clone(),
            common: args.pull.clone(),
        }));
    }
    sources
}

/// One run: pull, baseline, hunt, deliver; the mark moves only when the findings went
/// out (an `Alerted` result included: they went out and alerted).
async fn once(context: &Context, args: &WatchArgs, sources: &[PullSource]) -> Result<()> {
    let started = Instant::now();
    let run_id = format!("watch-{}", tokenhunt_engine::ingest::new_run_id());
    let lake = context.lake()?;
    let mut pulled = Vec::new();
    for source in sources {
        let summary = pull_source(context, &lake, source).await?;
        let time = |text: &str| {
            parse_timestamp_micros(text).map_err(|e| anyhow::anyhow!("pull summary time: {e}"))
        };
        pulled.push((time(&summary.since)?, time(&summary.until)?));
    }
    if lake.table_bytes().await? == 0 {
        if !context.global.quiet {
            eprintln!("watch: the lake holds no events yet; nothing to hunt");
        }
        return Ok(());
    }

    let config = context.config()?;
    let ctx = context.session_over(&lake).await?;
    let latest = TimeRange::parse(None, None, now_micros())?;
    // A scheduled job: no progress line, only its summary.
    let progress = tokenhunt_engine::progress::StepProgress::default();
    let baseline =
        tokenhunt_engine::baseline::build(&ctx, &lake, &config, &latest, true, &progress)
            .await
            .context("updating the baseline")?;
    if !context.global.quiet {
        match &baseline.note {
            Some(note) => eprintln!(
                "watch: baseline built in full ({})",
                crate::output::terminal_text(note)
            ),
            None => eprintln!("watch: baseline updated with the days since"),
        }
    }

    let previous = watch::load(&lake).await?;
    let (since, until) = watch::hunt_range(previous, &pulled, now_micros());
    if !context.global.quiet {
        eprintln!(
            "watch: hunting {} to {} with --new",
            rfc3339(since),
            rfc3339(until)
        );
    }
    let mut global = context.global.clone();
    global.since = Some(rfc3339(since));
    global.until = Some(rfc3339(until));
    let hunt = HuntArgs {
        ids: Vec::new(),
        all: true,
        group: (!args.findings).then_some(GroupBy::Incidents),
        min_score: args.min_score,
        out: args.out.clone(),
        exit_code: args.exit_code,
        new: true,
        slice: None,
    };
    let result = super::hunt::run(&Context::new(global), &hunt).await;
    match &result {
        Ok(()) => {}
        Err(error) if error.is::<Alerted>() => {}
        Err(_) => return result,
    }
    watch::store(&lake, until, &run_id).await?;
    if !context.global.quiet {
        eprintln!(
            "watch: done in {:.1} s; hunted and delivered up to {} ({})",
            started.elapsed().as_secs_f64(),
            rfc3339(until),
            crate::output::terminal_text(&watch::location(&lake))
        );
    }
    result
}
