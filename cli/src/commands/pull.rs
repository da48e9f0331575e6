//! `tokenhunt pull`: new events from the Okta and Microsoft APIs into the lake, with
//! a progress line on a terminal and a summary on stderr (or one JSON object on
//! stdout with `--format jsonl`).
//!
//! Credentials come from the environment only (never from arguments, which other
//! users of the machine can read): `OKTA_API_TOKEN`; `GRAPH_TOKEN` or
//! `LOG_ANALYTICS_TOKEN`; or `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use tokenhunt_engine::pull::graph::{self, Graph};
use tokenhunt_engine::pull::log_analytics::{self, LogAnalytics};
use tokenhunt_engine::pull::okta::Okta;
use tokenhunt_engine::pull::{
    Credential, Notes, OnNote, PullNote, PullOptions, PullProgress, PullSource, PullStopped,
    PullSummary, RetryPolicy, env_secret, microsoft_credential, process_env, pull, service_url,
};
use tokenhunt_engine::timerange::{TimeRange, now_micros};

use crate::args::{
    OutputFormat, PullArgs, PullCommonArgs, PullSource as SourceArgs, parse_duration,
};
use crate::context::Context;
use crate::output::progress::Spinner;
use crate::redact::redact;

pub async fn run(context: &Context, args: &PullArgs) -> Result<()> {
    let lake = context.lake()?;
    pull_source(context, &lake, &args.source).await.map(|_| ())
}

/// Pulls one source into `lake` and reports it as `pull` does; returns what it
/// pulled (`watch` hunts that range).
pub(crate) async fn pull_source(
    context: &Context,
    lake: &tokenhunt_engine::lake::Lake,
    source: &SourceArgs,
) -> Result<PullSummary> {
    let lake = lake.clone();
    match source {
        SourceArgs::Okta(okta) => {
            let org = service_url(&okta.org, "--org")?;
            let base = okta
                .okta_url
                .as_deref()
                .map(|url| service_url(url, "--okta-url"))
                .transpose()?;
            let token = env_secret(&process_env, "OKTA_API_TOKEN").context(
                "set OKTA_API_TOKEN to an Okta API token (Admin Console › Security › API › Tokens)",
            )?;
            let credential = Credential::OktaToken {
                token,
                from: "OKTA_API_TOKEN".into(),
            };
            let page_size = okta.common.page_size.unwrap_or(1000);
            let source = Okta::new(org, base, page_size, credential);
            run_source(context, &lake, &source, &okta.common).await
        }
        SourceArgs::Entra(entra) => {
            let graph_url = service_url(&entra.graph_url, "--graph-url")?;
            let credential = microsoft_credential(
                &process_env,
                "GRAPH_TOKEN",
                Some(&entra.tenant),
                &entra.login_url,
                graph::SCOPE,
            )?;
            let page_size = entra.common.page_size.unwrap_or(graph::MAX_PAGE_SIZE);
            let source = Graph::new(entra.tenant.clone(), graph_url, page_size, credential);
            run_source(context, &lake, &source, &entra.common).await
        }
        SourceArgs::EntraLa(la) => {
            let la_url = service_url(&la.la_url, "--la-url")?;
            let credential = microsoft_credential(
                &process_env,
                "LOG_ANALYTICS_TOKEN",
                la.tenant.as_deref(),
                &la.login_url,
                log_analytics::SCOPE,
            )?;
            let max_rows = u64::from(la.common.page_size.unwrap_or(10_000));
            let source = LogAnalytics::new(la.workspace.clone(), la_url, max_rows, credential)?;
            run_source(context, &lake, &source, &la.common).await
        }
    }
}

fn options(
    context: &Context,
    common: &PullCommonArgs,
    notes: Option<Notes>,
    on_note: Option<OnNote>,
) -> Result<PullOptions> {
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    let window = parse_duration(&common.window, "--window")?;
    if window < Duration::from_secs(1) {
        bail!("--window {:?}: at least one second", common.window);
    }
    let mut options = PullOptions {
        since: range.since,
        until: range.until,
        overlap: common
            .overlap
            .as_deref()
            .map(|text| parse_duration(text, "--overlap"))
            .transpose()?,
        lookback: parse_duration(&common.lookback, "--lookback")?,
        window,
        retry: RetryPolicy {
            max_attempts: common.max_attempts.max(1),
            base_delay: parse_duration(&common.backoff, "--backoff")?,
            timeout: parse_duration(&common.timeout, "--timeout")?.max(Duration::from_millis(100)),
            ..RetryPolicy::default()
        },
        notes,
        on_note,
        ..PullOptions::default()
    };
    if let Some(threads) = context.global.threads {
        options.ingest.threads = threads.max(1);
    }
    options.ingest.lease = super::ingest::lease_options(context)?;
    Ok(options)
}

async fn run_source<S: PullSource>(
    context: &Context,
    lake: &tokenhunt_engine::lake::Lake,
    source: &S,
    common: &PullCommonArgs,
) -> Result<PullSummary> {
    let progress = Arc::new(PullProgress::default());
    let bar = context
        .progress_allowed()
        .then(|| spinner(progress.clone()));
    let notes: Option<Notes> = (context.global.verbose > 0).then(|| {
        let shown = bar.as_ref().map(Spinner::printer);
        Arc::new(move |line: &str| {
            // Notes quote server replies.
            let line = crate::output::terminal_text(&redact(line)).into_owned();
            match &shown {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }) as Notes
    });
    // Notes (a range before the API's retention) are shown without -v, unless -q.
    let on_note: Option<OnNote> = (!context.global.quiet).then(|| {
        let shown = bar.as_ref().map(Spinner::printer);
        Arc::new(move |note: &PullNote| {
            let line = format!("note: {}", redact(&note.to_string()));
            match &shown {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }) as OnNote
    });
    let options = options(context, common, notes, on_note)?;
    let result = pull(lake, source, &options, progress).await;
    drop(bar);
    match result {
        Ok(summary) => {
            report(context, &summary, None)?;
            Ok(summary)
        }
        Err(PullStopped { summary, error }) => {
            let message = redact(&error.to_string());
            report(context, &summary, Some(&message))?;
            Err(anyhow!(message))
        }
    }
}

fn spinner(progress: Arc<PullProgress>) -> Spinner {
    let started = Instant::now();
    Spinner::start(move || {
        let events = progress.events.load(Ordering::Relaxed);
        let rate = events as f64 / started.elapsed().as_secs_f64().max(1e-3);
        let waiting = progress
            .waiting
            .lock()
            .ok()
            .and_then(|w| w.clone())
            .map(|w| {
                let left = w.until.saturating_duration_since(Instant::now());
                format!(" · {} ({:.0} s)", w.why, left.as_secs_f64().ceil())
            })
            .unwrap_or_default();
        let total = progress.windows_total.load(Ordering::Relaxed);
        let window = match total {
            0 => "starting".to_string(),
            _ => format!(
                "window {}/{total}",
                (progress.windows_done.load(Ordering::Relaxed) + 1).min(total)
            ),
        };
        format!(
            "{window} · {} pages · {events} events ({rate:.0}/s) · {} written{waiting}",
            progress.pages.load(Ordering::Relaxed),
            progress.ingest.written.load(Ordering::Relaxed),
        )
    })
}

/// The summary: a JSON line on stdout with `--format json[l]`, and unless `-q`
/// lines on stderr. `error` is set when the pull stopped early.
fn report(context: &Context, summary: &PullSummary, error: Option<&str>) -> Result<()> {
    if matches!(
        context.global.format,
        Some(OutputFormat::Jsonl | OutputFormat::Json)
    ) {
        let mut line = serde_json::json!({
            "source": summary.source,
            "scope": summary.scope,
            "since": summary.since,
            "until": summary.until,
            "started_from": summary.started_from,
            "windows": summary.windows,
            "windows_done": summary.windows_done,
            "fetches": summary.fetches,
            "empty_fetches": summary.empty_fetches,
            "narrowed": summary.narrowed,
            "runs": summary.run_ids.len(),
            "pages": summary.pages,
            "events": summary.events,
            "read": summary.read,
            "written": summary.written,
            "duplicates": summary.duplicates,
            "quarantined": summary.quarantined,
            "requests": summary.requests,
            "retries": summary.retries,
            "seconds": summary.seconds,
            "checkpoint": summary.checkpoint,
            "notes": summary.notes,
        });
        if let Some(error) = error {
            line["error"] = serde_json::Value::String(error.to_string());
        }
        println!("{}", redact(&line.to_string()));
    }
    if context.global.quiet {
        return Ok(());
    }
    // A pull that failed before bringing anything in says so in its one error line.
    if error.is_some() && summary.windows_done == 0 {
        return Ok(());
    }
    let rate = summary.events as f64 / summary.seconds.max(1e-9);
    let done = if error.is_some() {
        format!(
            "stopped after {} of {} window(s)",
            summary.windows_done, summary.windows
        )
    } else {
        format!("{} window(s)", summary.windows_done)
    };
    // How the windows were fetched: longer ones over empty stretches, no ingest
    // run for those.
    let fetched = format!(
        "{} fetch(es), {} empty, {} ingest run(s)",
        summary.fetches,
        summary.empty_fetches,
        summary.run_ids.len()
    );
    let start = match summary.started_from.as_str() {
        "since" => "--since",
        "checkpoint" => "the checkpoint less the overlap",
        _ => "the default look-back",
    };
    eprintln!(
        "{}",
        redact(&format!(
            "pulled {} {} from {} ({start}) to {}: {done} in {fetched}, {} page(s), {} events: wrote {}, {} duplicate(s), {} quarantined · {} request(s), {} retried · {:.2} s ({:.0} events/s)",
            summary.source,
            summary.scope,
            summary.since,
            summary.until,
            summary.pages,
            summary.events,
            summary.written,
            summary.duplicates,
            summary.quarantined,
            summary.requests,
            summary.retries,
            summary.seconds,
            rate
        ))
    );
    for example in &summary.quarantine_examples {
        eprintln!(
            "quarantined {}",
            crate::output::terminal_text(&redact(example))
        );
    }
    for file in &summary.quarantine_files {
        eprintln!("quarantined records and their reasons: {file}");
    }
    match &summary.checkpoint {
        Some(checkpoint) => eprintln!(
            "checkpoint {checkpoint} ({}): the next run starts there, less the overlap",
            summary.checkpoint_file
        ),
        None => eprintln!("no checkpoint yet ({})", summary.checkpoint_file),
    }
    Ok(())
}
