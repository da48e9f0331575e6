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
//! A pull covers `[since, until)` cut into windows ([`range`]). For each window the
//! client fetches every page of every endpoint and hands them, unchanged, to an
//! ingest run ([`crate::ingest::ingest_documents`]); the run commits only once the
//! window is complete, and only then does the checkpoint move to the window's end.
//! So an interrupted pull (a crash, a kill, a server that keeps failing) resumes at
//! the last finished window, and what it fetches again is deduplicated: every event
//! lands once, and read = written + duplicates + quarantined holds for every run.

pub mod checkpoint;
pub mod credentials;
pub mod error;
pub mod graph;
pub mod http;
pub mod log_analytics;
pub mod okta;
pub mod range;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;

pub use self::credentials::{
    ClientCredential, Credential, Env, Secret, env_secret, microsoft_credential, process_env,
};
pub use self::error::PullError;
pub use self::http::{HttpClient, Notes, RetryPolicy};
pub use self::range::Window;
use crate::error::EngineError;
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
    fn credential(&self) -> &Credential;
    /// The window's endpoints, as the ingest run names them (one stream each).
    fn streams(&self, window: &Window) -> Vec<String>;
    /// Fetches every page of the window, in order, into `sink` (stream indexes as in
    /// [`streams`](PullSource::streams)).
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
    /// Pages handed to the ingest runs.
    pub pages: AtomicU64,
    /// Events in the pages fetched so far.
    pub events: AtomicU64,
    /// Windows brought in and checkpointed, of the windows planned.
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

/// Where a source's pages go: the window's ingest run.
pub struct PageSink<'a> {
    documents: &'a DocumentSender,
    progress: &'a PullProgress,
}

impl PageSink<'_> {
    /// Hands over one page (its body unchanged, or records as JSON Lines) holding
    /// `events` records of stream `stream`.
    pub async fn page(
        &mut self,
        stream: usize,
        body: Vec<u8>,
        events: u64,
    ) -> Result<(), PullError> {
        self.documents
            .send(stream, body)
            .await
            .map_err(|_| PullError::IngestStopped)?;
        self.progress.pages.fetch_add(1, Ordering::Relaxed);
        self.progress.events.fetch_add(events, Ordering::Relaxed);
        Ok(())
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
    /// Windows planned, and windows brought in and checkpointed.
    pub windows: u64,
    pub windows_done: u64,
    pub pages: u64,
    /// Events in the pages fetched (equal to `read` once all windows are done).
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
    /// The ingest runs (one per window), as `_tokenhunt/ingest/<run>.json` names them.
    pub run_ids: Vec<String>,
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
    pub error: EngineError,
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
    let stop = |summary: PullSummary, error: EngineError| PullStopped {
        summary: finish(summary),
        error,
    };

    let previous = match checkpoint::load(lake, &name).await {
        Ok(previous) => previous,
        Err(error) => return Err(stop(summary, error)),
    };
    let mut checkpoint_until = match previous.as_ref().map(|c| c.until_micros()).transpose() {
        Ok(until) => until,
        Err(error) => return Err(stop(summary, error)),
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
    let windows = range::windows(since, until, micros(options.window));
    summary.windows = windows.len() as u64;
    progress
        .windows_total
        .store(windows.len() as u64, Ordering::Relaxed);

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

    for window in &windows {
        let ingested = match pull_window(lake, source, options, &http, window, &progress).await {
            Ok(ingested) => ingested,
            Err(error) => return Err(stop(summary, error)),
        };
        summary.pages = progress.pages.load(Ordering::Relaxed);
        summary.events = progress.events.load(Ordering::Relaxed);
        summary.add(&ingested);
        // The window's rows are in the lake: move the checkpoint past it (never back,
        // when an explicit --since/--until re-pulls an older range).
        if checkpoint_until.is_none_or(|known| window.end > known) {
            match checkpoint::store(
                lake,
                &name,
                source.kind(),
                &source.scope(),
                window.end,
                &ingested.run_id,
                &options.ingest.lease,
            )
            .await
            {
                Ok(stored) => {
                    // Another pull of this source may have stored a later one.
                    checkpoint_until = Some(stored.until_micros().unwrap_or(window.end));
                    summary.checkpoint = Some(stored.until);
                }
                Err(error) => return Err(stop(summary, error)),
            }
        }
        summary.windows_done += 1;
        progress.windows_done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(finish(summary))
}

/// The overlap a run uses: `--overlap`, else the source's default.
pub fn overlap<S: PullSource>(options: &PullOptions, source: &S) -> Duration {
    options.overlap.unwrap_or_else(|| source.default_overlap())
}

/// Fetches one window and ingests its pages as they arrive; commits only when the
/// fetch completed.
async fn pull_window<S: PullSource>(
    lake: &Lake,
    source: &S,
    options: &PullOptions,
    http: &HttpClient,
    window: &Window,
    progress: &PullProgress,
) -> Result<IngestSummary, EngineError> {
    let streams = source.streams(window);
    // A few pages in flight: the client fetches the next while the last is parsed.
    let (sender, receiver) = document_channel(4);
    let ingest_options = IngestOptions {
        inputs: Vec::new(),
        format: source.format(),
        ..options.ingest.clone()
    };
    let fetch = async {
        // Owned here: if fetching fails, the sender is dropped unfinished and the
        // ingest run writes nothing of this window.
        let sender = sender;
        let mut sink = PageSink {
            documents: &sender,
            progress,
        };
        source.fetch(http, window, &mut sink).await?;
        sender.finish().await.map_err(|_| PullError::IngestStopped)
    };
    let ingest = ingest_documents(
        lake,
        &ingest_options,
        &streams,
        receiver,
        progress.ingest.clone(),
    );
    match tokio::join!(fetch, ingest) {
        (Ok(()), Ok(ingested)) => Ok(ingested),
        // The ingest side failed first; its error is the cause.
        (Ok(()) | Err(PullError::IngestStopped), Err(error)) => Err(error),
        (Err(error), _) => Err(error.into()),
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
