//! `pull`: new events straight from the Okta and Microsoft APIs into the lake,
//! incrementally.
//!
//! ```text
//!  API client ──pages──▶ ingest_documents (the ingest pipeline) ──▶ lake
//!  (okta, graph,          split, parse, dedup, Parquet            │
//!   log_analytics)                                                ▼
//!                                              checkpoint: <lake>/_tokenhunt/pull/<source>.json
//! ```
//!
//! A pull covers `[since, until)` cut into windows ([`range`]), longer ones over
//! empty stretches ([`stride`]). For each window the client fetches every page of
//! every endpoint and hands them, unchanged, to an ingest run
//! ([`crate::ingest::ingest_documents`]); the run starts with the window's first
//! event, so an empty window costs its requests and nothing else (no run, no
//! manifest, no lake write). The run commits only once the window is complete, and
//! only then does the checkpoint move to the window's end ([`cursor`]). So an
//! interrupted pull (a crash, a kill, a server that keeps failing) resumes at the
//! last finished window, and what it fetches again is deduplicated: every event
//! lands once, and read = written + duplicates + quarantined holds for every run.

pub mod checkpoint;
pub mod credentials;
pub mod cursor;
pub mod error;
pub mod graph;
pub mod http;
pub mod log_analytics;
pub mod okta;
pub mod range;
pub mod retention;
pub mod stride;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::oneshot;
use url::Url;

pub use self::credentials::{
    ClientCredential, Credential, Env, Secret, env_secret, microsoft_credential, process_env,
};
use self::cursor::Cursor;
pub use self::error::PullError;
pub use self::http::{HttpClient, Notes, RetryPolicy};
pub use self::range::Window;
pub use self::retention::{OnNote, PullNote, Retention};
use self::stride::{Narrowed, Planner};
use crate::ingest::{
    DocumentSender, IngestOptions, IngestProgress, IngestSummary, document_channel,
    ingest_documents,
};
use crate::input::InputFormat;
use crate::lake::Lake;
use crate::timerange::rfc3339;

/// An API that events are pulled from.
pub trait PullSource {
    /// `okta`, `entra` or `entra-la`.
    fn kind(&self) -> &'static str;
    /// The service's name in messages (`Okta`, `Microsoft Graph`).
    fn service(&self) -> &'static str;
    /// What is pulled: the org URL, tenant or workspace.
    fn scope(&self) -> String;
    /// The checkpoint's name: kind and scope, so two orgs in one lake do not share one.
    fn name(&self) -> String;
    /// How the pages' records are parsed.
    fn format(&self) -> InputFormat;
    /// How far before the checkpoint a run starts again when `--overlap` is not
    /// given: long enough to catch the events this API publishes late.
    fn default_overlap(&self) -> Duration;
    /// How long the API keeps events, when that is a fixed figure: a range starting
    /// earlier gets a note ([`retention`]).
    fn retention(&self) -> Option<Retention>;
    fn credential(&self) -> &Credential;
    /// The window's endpoints, as the ingest run names them (one stream each).
    fn streams(&self, window: &Window) -> Vec<String>;
    /// Fetches every page of the window, in order, into `sink` (stream indexes as in
    /// [`streams`](PullSource::streams)). The fetch may be dropped at any await (a
    /// probe window found busy, see [`stride`]); nothing it did is kept then.
    fn fetch(
        &self,
        http: &HttpClient,
        window: &Window,
        sink: &mut PageSink<'_>,
    ) -> impl Future<Output = Result<(), PullError>>;
}

/// Live counters of a pull, for a progress display the caller owns.
#[derive(Debug, Default)]
pub struct PullProgress {
    /// HTTP requests sent, retries included.
    pub requests: AtomicU64,
    /// Requests sent again after a transient failure or a 429.
    pub retries: AtomicU64,
    /// Pages taken: handed to the ingest runs, or empty (a probe's page that found
    /// events, fetched again with a shorter window, is not counted).
    pub pages: AtomicU64,
    /// Events in the pages taken so far.
    pub events: AtomicU64,
    /// Base windows (`--window`) brought in or found empty, of those in the range.
    pub windows_done: AtomicU64,
    pub windows_total: AtomicU64,
    /// What the client is waiting for (a rate-limit reset, a backoff), if anything.
    pub waiting: Mutex<Option<Waiting>>,
    /// The ingest side's counters (written, duplicates, quarantined), over all windows.
    pub ingest: Arc<IngestProgress>,
}

/// A wait the client is sitting out.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// Why, e.g. "waiting for the rate limit to reset".
    pub why: String,
    /// When it ends.
    pub until: Instant,
}

/// Where a source's pages go: the window's ingest run, started by the first page
/// holding events, so a window without any starts none.
pub struct PageSink<'a> {
    documents: Option<DocumentSender>,
    /// Taken (and fired) when the first events arrive: the ingest run starts then.
    start: Option<oneshot::Sender<()>>,
    /// Set for a probe window (see [`stride`]): fired with the earliest event's time
    /// instead of handing events over, and the fetch is dropped.
    busy: Option<oneshot::Sender<Option<i64>>>,
    progress: &'a PullProgress,
}

impl PageSink<'_> {
    /// Hands over one page (its body unchanged, or records as JSON Lines) holding
    /// `events` records of stream `stream`; `earliest` is the time (microseconds)
    /// of its earliest record when the source reads it cheaply, else `None`.
    pub async fn page(
        &mut self,
        stream: usize,
        body: Vec<u8>,
        events: u64,
        earliest: Option<i64>,
    ) -> Result<(), PullError> {
        if events > 0
            && let Some(busy) = self.busy.take()
        {
            // A probe found events: `pull_window` drops this fetch as soon as it sees
            // the signal, so this page is never handed on and the fetch never resumes.
            let _ = busy.send(earliest);
            return std::future::pending().await;
        }
        if events > 0
            && let Some(start) = self.start.take()
        {
            let _ = start.send(());
        }
        // Until the first events, pages are empty and there is no run to take them.
        if self.start.is_none() {
            let documents = self.documents.as_ref().ok_or(PullError::IngestStopped)?;
            documents
                .send(stream, body)
                .await
                .map_err(|_| PullError::IngestStopped)?;
        }
        self.progress.pages.fetch_add(1, Ordering::Relaxed);
        self.progress.events.fetch_add(events, Ordering::Relaxed);
        Ok(())
    }

    /// The fetch is complete: the ingest run (if one started) may commit.
    async fn finish(mut self) -> Result<(), PullError> {
        match (self.start.is_none(), self.documents.take()) {
            (true, Some(documents)) => documents
                .finish()
                .await
                .map_err(|_| PullError::IngestStopped),
            _ => Ok(()),
        }
    }
}

/// How to pull.
#[derive(Clone)]
pub struct PullOptions {
    /// Start of the range (overrides the checkpoint).
    pub since: Option<i64>,
    /// End of the range (default, and at most: now).
    pub until: Option<i64>,
    /// How far before the checkpoint a run starts again; `None`: the source's
    /// [`default_overlap`](PullSource::default_overlap).
    pub overlap: Option<Duration>,
    /// How far back a source without a checkpoint starts.
    pub lookback: Duration,
    /// Length of the windows ingested and checkpointed one at a time.
    pub window: Duration,
    pub retry: RetryPolicy,
    /// Threads and buffer of the ingest runs (inputs and format are set per window).
    pub ingest: IngestOptions,
    /// Receives one line per retry or rate-limit wait.
    pub notes: Option<Notes>,
    /// Receives what the user should hear of even without `-v` (a range starting
    /// before the API's retention), once each.
    pub on_note: Option<OnNote>,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            since: None,
            until: None,
            overlap: None,
            lookback: Duration::from_secs(7 * 86_400),
            window: Duration::from_secs(86_400),
            retry: RetryPolicy::default(),
            ingest: IngestOptions::default(),
            notes: None,
            on_note: None,
        }
    }
}

/// What a pull did (so far, when it stopped early).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullSummary {
    /// `okta`, `entra` or `entra-la`.
    pub source: String,
    /// The org URL, tenant or workspace.
    pub scope: String,
    /// The range pulled, `[since, until)`, RFC 3339.
    pub since: String,
    pub until: String,
    /// Where `since` came from: `since` (the option), `checkpoint` or `default`.
    pub started_from: String,
    /// Base windows (`--window`) in the range, and those brought in or found empty.
    pub windows: u64,
    pub windows_done: u64,
    /// Windows fetched (over empty stretches one spans several base windows), and of
    /// those the ones found empty (no ingest run) and the probes found busy (fetched
    /// again shorter).
    pub fetches: u64,
    pub empty_fetches: u64,
    pub narrowed: u64,
    pub pages: u64,
    /// Events in the pages taken (equal to `read` once all windows are done).
    pub events: u64,
    /// The ingest accounting over all windows: read = written + duplicates + quarantined.
    pub read: u64,
    pub written: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub requests: u64,
    pub retries: u64,
    pub seconds: f64,
    /// Everything before this is in the lake (the checkpoint after this run).
    pub checkpoint: Option<String>,
    /// Where the checkpoint is kept.
    pub checkpoint_file: String,
    /// The ingest runs (one per window holding events), as
    /// `_tokenhunt/ingest/<run>.json` names them.
    pub run_ids: Vec<String>,
    /// The notes given (see [`PullOptions::on_note`]), as text.
    pub notes: Vec<String>,
    /// Quarantine files of the windows that rejected records, and the first rejections.
    pub quarantine_files: Vec<String>,
    pub quarantine_examples: Vec<String>,
}

impl PullSummary {
    /// The accounting identity every run must satisfy.
    pub fn balanced(&self) -> bool {
        self.read == self.written + self.duplicates + self.quarantined
    }

    fn add(&mut self, window: &IngestSummary) {
        self.read += window.read;
        self.written += window.written;
        self.duplicates += window.duplicates;
        self.quarantined += window.quarantined;
        self.run_ids.push(window.run_id.clone());
        if let Some(file) = &window.quarantine_file {
            self.quarantine_files.push(file.clone());
        }
        for example in &window.quarantine_examples {
            if self.quarantine_examples.len() < 10 {
                self.quarantine_examples.push(example.clone());
            }
        }
    }
}

/// A pull that stopped before its last window, with what it did before.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PullStopped {
    /// The windows brought in before the failure (and the checkpoint they left).
    pub summary: PullSummary,
    /// Why it stopped.
    pub error: PullError,
}

/// A base URL for one of the services. `https` only, except on the loopback
/// interface (tests run their servers there): credentials never travel in clear.
pub fn service_url(text: &str, what: &str) -> Result<Url, PullError> {
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| PullError::Config(format!("{what} {text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        scheme => {
            return Err(PullError::Config(format!(
                "{what} {text:?}: use https (not {scheme}) so credentials are not sent in clear"
            )));
        }
    }
    if url.host().is_none() || url.query().is_some() || !url.username().is_empty() {
        return Err(PullError::Config(format!(
            "{what} {text:?} must be a plain base URL (scheme, host, optional path)"
        )));
    }
    Ok(url)
}

/// Whether `url` names this machine's loopback interface (`localhost`, `127.0.0.0/8`,
/// `::1`): the only place plain `http` may carry a credential.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// `base` with `path` appended to its own path (`https://h/prefix` + `/api/v1/logs`).
pub fn endpoint(base: &Url, path: &str) -> String {
    format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Pulls a source's new events into the lake: from `--since`, else the checkpoint
/// less the overlap, else the default look-back; up to `--until`, else now.
pub async fn pull<S: PullSource>(
    lake: &Lake,
    source: &S,
    options: &PullOptions,
    progress: Arc<PullProgress>,
) -> Result<PullSummary, PullStopped> {
    let started = Instant::now();
    let name = source.name();
    let mut summary = PullSummary {
        source: source.kind().to_string(),
        scope: source.scope(),
        checkpoint_file: checkpoint::location(lake, &name),
        ..PullSummary::default()
    };
    let finish = |mut summary: PullSummary| {
        summary.requests = progress.requests.load(Ordering::Relaxed);
        summary.retries = progress.retries.load(Ordering::Relaxed);
        summary.seconds = started.elapsed().as_secs_f64();
        summary
    };
    let stop = |summary: PullSummary, error: PullError| PullStopped {
        summary: finish(summary),
        error,
    };

    let previous = match checkpoint::load(lake, &name).await {
        Ok(previous) => previous,
        Err(error) => return Err(stop(summary, error.into())),
    };
    let checkpoint_until = match previous.as_ref().map(|c| c.until_micros()).transpose() {
        Ok(until) => until,
        Err(error) => return Err(stop(summary, error.into())),
    };
    summary.checkpoint = previous.map(|c| c.until);
    // Never past now: a checkpoint in the future would skip the events still to come.
    let now = chrono::Utc::now().timestamp_micros();
    let until = range::floor_second(options.until.map_or(now, |until| until.min(now)));
    let micros = |duration: Duration| duration.as_micros().min(i64::MAX as u128) as i64;
    let (since, started_from) = range::start(
        options.since,
        checkpoint_until,
        micros(overlap(options, source)),
        micros(options.lookback),
        until,
    );
    summary.since = rfc3339(since);
    summary.until = rfc3339(until);
    summary.started_from = started_from.name().to_string();
    if let Some(note) = retention::check(source.retention(), since, started_from, now) {
        if let Some(on_note) = &options.on_note {
            on_note(&note);
        }
        summary.notes.push(note.to_string());
    }
    let mut plan = Planner::new(since, until, micros(options.window));
    summary.windows = plan.windows();
    progress
        .windows_total
        .store(summary.windows, Ordering::Relaxed);

    let http = match HttpClient::new(
        source.service(),
        options.retry.clone(),
        progress.clone(),
        options.notes.clone(),
    ) {
        Ok(http) => http,
        Err(error) => return Err(stop(summary, error.into())),
    };
    source.credential().register(&http);

    let mut cursor = Cursor::new(
        lake,
        name,
        source.kind(),
        source.scope(),
        &options.ingest.lease,
        checkpoint_until,
        summary.checkpoint.clone(),
    );
    while let Some(window) = plan.next() {
        let probe = plan.is_probe(&window);
        let fetched = pull_window(lake, source, options, &http, &window, probe, &progress).await;
        summary.fetches += 1;
        summary.pages = progress.pages.load(Ordering::Relaxed);
        summary.events = progress.events.load(Ordering::Relaxed);
        let moved = match fetched {
            Ok(Fetched::Ingested(ingested)) => {
                summary.add(&ingested);
                plan.ingested(&window);
                // The window's rows are in the lake: move the checkpoint past it.
                cursor
                    .landed(window.end, &ingested.run_id)
                    .await
                    .map_err(PullError::from)
            }
            Ok(Fetched::Empty) => {
                summary.empty_fetches += 1;
                plan.empty(&window);
                cursor.empty(window.end).await.map_err(PullError::from)
            }
            Ok(Fetched::Busy { earliest }) => {
                summary.narrowed += 1;
                match plan.busy(&window, earliest) {
                    // Nothing before the earliest event's base window.
                    Narrowed::Skipped { to } if to > window.start => {
                        cursor.empty(to).await.map_err(PullError::from)
                    }
                    Narrowed::Skipped { .. } | Narrowed::Halved => Ok(()),
                }
            }
            Err(error) => Err(error),
        };
        summary.checkpoint = cursor.checkpoint().map(str::to_string);
        if let Err(error) = moved {
            // What the empty windows before the failure showed still counts; a
            // failure to write that down too leaves the first error to report.
            let _ = cursor.flush().await;
            summary.checkpoint = cursor.checkpoint().map(str::to_string);
            return Err(stop(summary, error));
        }
        summary.windows_done = plan.windows_done();
        progress
            .windows_done
            .store(summary.windows_done, Ordering::Relaxed);
    }
    let flushed = cursor.flush().await;
    summary.checkpoint = cursor.checkpoint().map(str::to_string);
    match flushed {
        Ok(()) => Ok(finish(summary)),
        Err(error) => Err(stop(summary, error.into())),
    }
}

/// The overlap a run uses: `--overlap`, else the source's default.
pub fn overlap<S: PullSource>(options: &PullOptions, source: &S) -> Duration {
    options.overlap.unwrap_or_else(|| source.default_overlap())
}

/// What fetching one window came to.
enum Fetched {
    /// It held no events: no ingest run was started.
    Empty,
    /// A probe window held events (the earliest at `earliest`, when the source
    /// said): abandoned before any ingest run started.
    Busy { earliest: Option<i64> },
    /// Its events were ingested by this run.
    Ingested(IngestSummary),
}

/// Fetches one window and ingests its pages as they arrive; commits only when the
/// fetch completed. The ingest run starts with the first page holding events, so an
/// empty window writes nothing at all. A `probe` window is abandoned at its first
/// events instead ([`stride`]).
async fn pull_window<S: PullSource>(
    lake: &Lake,
    source: &S,
    options: &PullOptions,
    http: &HttpClient,
    window: &Window,
    probe: bool,
    progress: &PullProgress,
) -> Result<Fetched, PullError> {
    let streams = source.streams(window);
    // A few pages in flight: the client fetches the next while the last is parsed.
    let (sender, receiver) = document_channel(4);
    let (start, started) = oneshot::channel();
    let (busy, found_busy) = oneshot::channel();
    let ingest_options = IngestOptions {
        inputs: Vec::new(),
        format: source.format(),
        ..options.ingest.clone()
    };
    let fetch = async {
        // Owned here: if fetching fails, the sink (and the sender in it) is dropped
        // unfinished and the ingest run writes nothing of this window.
        let mut sink = PageSink {
            documents: Some(sender),
            start: Some(start),
            busy: probe.then_some(busy),
            progress,
        };
        source.fetch(http, window, &mut sink).await?;
        sink.finish().await
    };
    let ingest = async {
        // The sink dropped without firing `start`: the window held no events.
        if started.await.is_err() {
            return Ok(None);
        }
        ingest_documents(
            lake,
            &ingest_options,
            &streams,
            receiver,
            progress.ingest.clone(),
        )
        .await
        .map(Some)
    };
    let both = async { tokio::join!(fetch, ingest) };
    tokio::select! {
        // First: a probe's sink waits for this fetch to be dropped.
        biased;
        Ok(earliest) = found_busy => Ok(Fetched::Busy { earliest }),
        joined = both => match joined {
            (Ok(()), Ok(Some(ingested))) => Ok(Fetched::Ingested(ingested)),
            (Ok(()), Ok(None)) => Ok(Fetched::Empty),
            // The ingest side failed first; its error is the cause.
            (Ok(()) | Err(PullError::IngestStopped), Err(error)) => Err(error.into()),
            (Err(error), _) => Err(error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_are_https_or_loopback() {
        assert_eq!(
            service_url("acme.okta.com", "--org").unwrap().as_str(),
            "https://acme.okta.com/"
        );
        assert!(service_url("http://127.0.0.1:8080", "--okta-url").is_ok());
        assert!(service_url("http://localhost:8080", "--okta-url").is_ok());
        let clear = service_url("http://acme.okta.com", "--org").unwrap_err();
        assert!(clear.to_string().contains("https"), "{clear}");
        assert!(service_url("https://user:pw@acme.okta.com", "--org").is_err());
        assert!(service_url("https://acme.okta.com/?x=1", "--org").is_err());
    }

    #[test]
    fn overlap_defaults_per_source_and_stays_configurable() {
        let bearer = || Credential::Bearer {
            token: Secret::new("t"),
            from: "GRAPH_TOKEN".into(),
        };
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        let graph = graph::Graph::new("contoso", base.clone(), 999, bearer());
        let okta = okta::Okta::new(
            Url::parse("https://acme.okta.com").unwrap(),
            None,
            1000,
            Credential::OktaToken {
                token: Secret::new("t"),
                from: "OKTA_API_TOKEN".into(),
            },
        );
        let la = log_analytics::LogAnalytics::new(
            "63613592-b6f7-4c3d-a390-22ba13102111",
            base,
            10_000,
            bearer(),
        )
        .unwrap();
        let defaults = PullOptions::default();
        assert_eq!(defaults.overlap, None);
        // Entra publishes sign-ins hours late at times; Graph filters on event time.
        assert_eq!(overlap(&defaults, &graph), Duration::from_secs(2 * 3600));
        assert_eq!(overlap(&defaults, &okta), Duration::from_secs(15 * 60));
        // Log Analytics windows are in ingestion time already.
        assert_eq!(overlap(&defaults, &la), Duration::from_secs(5 * 60));
        let given = PullOptions {
            overlap: Some(Duration::from_secs(30)),
            ..PullOptions::default()
        };
        for chosen in [
            overlap(&given, &graph),
            overlap(&given, &okta),
            overlap(&given, &la),
        ] {
            assert_eq!(chosen, Duration::from_secs(30));
        }
    }

    #[test]
    fn endpoints_keep_base_paths() {
        let base = Url::parse("http://127.0.0.1:9/graph/").unwrap();
        assert_eq!(
            endpoint(&base, "/beta/auditLogs/signIns"),
            "http://127.0.0.1:9/graph/beta/auditLogs/signIns"
        );
    }
}
