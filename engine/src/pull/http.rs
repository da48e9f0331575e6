//! The HTTP side of pulling: one request at a time, retried when the failure is
//! transient, paced by the API's rate-limit headers.
//!
//! * 5xx, 408, timeouts and dropped connections: exponential backoff with jitter,
//!   a bounded number of attempts.
//! * 429: wait as long as the server says (`Retry-After`, else Okta's
//!   `X-Rate-Limit-Reset`), else back off.
//! * `X-Rate-Limit-Remaining: 0` on any response: the next request waits for
//!   `X-Rate-Limit-Reset`, instead of spending a request on a certain 429.
//! * 401/403 and other 4xx: fail at once; retrying cannot help.
//!
//! Redirects are not followed (the `Authorization` header must only go where it
//! was meant to), and every text taken from a response is scrubbed of the
//! credentials the client knows before it becomes part of an error.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, USER_AGENT};
use url::Url;

use super::credentials::Secret;
use super::error::PullError;
use super::{PullProgress, Waiting};

/// The longest any server-named wait (`Retry-After`, `X-Rate-Limit-Reset`) is taken
/// as; a value past it counts as this long, one that is not a finite, non-negative
/// number of seconds or a date counts as absent.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(15 * 60);

/// The most pages one query of one window is followed for (100 million events at
/// Graph's 1,000 a page): a server whose next-page links never end stops here.
pub const MAX_PAGES: u64 = 100_000;

/// The largest response body read (the default of [`RetryPolicy::max_body_bytes`]).
/// Pages of every API are far smaller (Okta and Graph: a few MB at most; a Log
/// Analytics result: about 64 MB, the API's own cap), so a body past this is a
/// server that would exhaust memory, not a page: the request fails naming the cap.
pub const MAX_RESPONSE_BYTES: usize = 128 << 20;

/// How much of an error response's body is read for its message.
pub const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// Called with one human line per notable event (a retry, a rate-limit wait).
pub type Notes = Arc<dyn Fn(&str) + Send + Sync>;

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff; each further one doubles, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest wait a server may ask for (`Retry-After`, rate-limit reset).
    pub max_wait: Duration,
    /// Per request, connection to last byte.
    pub timeout: Duration,
    /// The largest successful response body read; past it the request fails
    /// ([`PullError::BodyTooLarge`]) instead of growing without bound.
    pub max_body_bytes: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_wait: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(120),
            max_body_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

/// One request, rebuilt for every attempt.
#[derive(Clone)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: Url,
    pub content_type: Option<&'static str>,
    /// Empty for a `GET`.
    pub body: Vec<u8>,
}

/// Without the body, which may hold a client secret.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Request {
    /// A `GET` of `url`.
    pub fn get(url: Url) -> Self {
        Request {
            method: reqwest::Method::GET,
            url,
            content_type: None,
            body: Vec::new(),
        }
    }

    /// A bodiless request with another method (`DELETE` a session, `POST` an action).
    pub fn bodiless(method: reqwest::Method, url: Url) -> Self {
        Request {
            method,
            url,
            content_type: None,
            body: Vec::new(),
        }
    }

    /// A `POST` of a JSON body.
    pub fn post_json(url: Url, body: Vec<u8>) -> Self {
        Request {
            method: reqwest::Method::POST,
            url,
            content_type: Some("application/json"),
            body,
        }
    }

    /// A `POST` of a form (`application/x-www-form-urlencoded`) body.
    pub fn post_form(url: Url, body: Vec<u8>) -> Self {
        Request {
            method: reqwest::Method::POST,
            url,
            content_type: Some("application/x-www-form-urlencoded"),
            body,
        }
    }
}

/// A successful response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The URL asked for, for messages.
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An HTTP client for one service.
pub struct HttpClient {
    client: reqwest::Client,
    service: &'static str,
    policy: RetryPolicy,
    /// No request before this instant (the rate limit is spent until then).
    not_before: Mutex<Option<Instant>>,
    secrets: Mutex<Vec<String>>,
    progress: Arc<PullProgress>,
    notes: Option<Notes>,
    jitter_state: AtomicU64,
    /// Responses in a row that said the rate limit is spent: each wait for it counts
    /// as an attempt, so a server that never lets it reset cannot stall a pull.
    spent_in_a_row: AtomicU64,
}

/// What one attempt came to.
enum Attempt {
    Done(Response),
    /// Worth another try, after at least the given wait (if the server named one).
    Retry {
        reason: String,
        wait: Option<Duration>,
        /// The server's own words, for the reason the last try gives up with.
        detail: Option<String>,
    },
    Fail(PullError),
}

impl HttpClient {
    /// A client for `service` (its name in messages), counting requests and retries
    /// in `progress` and telling `notes` about each retry and wait.
    pub fn new(
        service: &'static str,
        policy: RetryPolicy,
        progress: Arc<PullProgress>,
        notes: Option<Notes>,
    ) -> Result<Self, PullError> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(30)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PullError::Config(format!("cannot set up the HTTP client: {e}")))?;
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(HttpClient {
            client,
            service,
            policy,
            not_before: Mutex::new(None),
            secrets: Mutex::new(Vec::new()),
            progress,
            notes,
            jitter_state: AtomicU64::new(seed),
            spent_in_a_row: AtomicU64::new(0),
        })
    }

    /// The service's name, for messages.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// A value to scrub from every message the client produces.
    pub fn add_secret(&self, value: &str) {
        if value.len() < 4 {
            return;
        }
        if let Ok(mut secrets) = self.secrets.lock()
            && !secrets.iter().any(|known| known == value)
        {
            secrets.push(value.to_string());
        }
    }

    /// `text` with every known secret replaced.
    pub fn scrub(&self, text: &str) -> String {
        let mut clean = text.to_string();
        if let Ok(secrets) = self.secrets.lock() {
            for secret in secrets.iter() {
                clean = clean.replace(secret.as_str(), "[REDACTED]");
            }
        }
        clean
    }

    fn note(&self, text: &str) {
        if let Some(notes) = &self.notes {
            notes(&self.scrub(text));
        }
    }

    /// Sends a request, retrying transient failures; `authorization` is the header
    /// value, if the request needs one.
    pub async fn send(
        &self,
        request: &Request,
        authorization: Option<&Secret>,
    ) -> Result<Response, PullError> {
        let url = self.scrub(request.url.as_str());
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Err(reason) = self.wait_for_rate_limit().await {
                return Err(PullError::GaveUp {
                    service: self.service,
                    url,
                    attempts: attempt,
                    last: reason,
                });
            }
            self.progress.requests.fetch_add(1, Ordering::Relaxed);
            let (reason, wait, detail) = match self.attempt(request, authorization, &url).await {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry {
                    reason,
                    wait,
                    detail,
                } => (reason, wait, detail),
            };
            if attempt >= self.policy.max_attempts {
                return Err(PullError::GaveUp {
                    service: self.service,
                    url,
                    attempts: attempt,
                    last: match detail {
                        Some(detail) => format!("{reason}: {detail}"),
                        None => reason,
                    },
                });
            }
            let delay = match wait {
                Some(wait) => wait.min(self.policy.max_wait),
                None => self.backoff(attempt),
            };
            self.progress.retries.fetch_add(1, Ordering::Relaxed);
            self.note(&format!(
                "{}: {reason} from {url}; retrying in {:.1} s (attempt {} of {})",
                self.service,
                delay.as_secs_f64(),
                attempt + 1,
                self.policy.max_attempts
            ));
            self.sleep(delay, &format!("retrying after {reason}")).await;
        }
    }

    async fn attempt(
        &self,
        request: &Request,
        authorization: Option<&Secret>,
        url: &str,
    ) -> Attempt {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone());
        if request.method != reqwest::Method::GET {
            // An empty body still says `Content-Length: 0`, which some APIs require.
            builder = builder.body(request.body.clone());
        }
        builder = builder
            .header(USER_AGENT, concat!("tokenhunt/", env!("CARGO_PKG_VERSION")))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(content_type) = request.content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        if let Some(value) = authorization {
            let mut header = match reqwest::header::HeaderValue::from_str(value.expose()) {
                Ok(header) => header,
                Err(_) => {
                    return Attempt::Fail(PullError::Config(format!(
                        "{}: the credential holds characters an HTTP header cannot carry",
                        self.service
                    )));
                }
            };
            header.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, header);
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return self.transport_failure(&error, url),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.note_rate_limit(&headers);
        // A page is read whole, up to the cap; an error body only for its message.
        let success = (200..=299).contains(&status);
        let limit = if success {
            self.policy.max_body_bytes
        } else {
            MAX_ERROR_BODY_BYTES
        };
        let body = match read_body(&mut response, limit).await {
            Ok(Body::Whole(body)) => body,
            Ok(Body::Cut(body)) if !success => body,
            Ok(Body::Cut(_)) => {
                return Attempt::Fail(PullError::BodyTooLarge {
                    service: self.service,
                    url: url.to_string(),
                    limit: self.policy.max_body_bytes,
                });
            }
            Err(error) => return self.transport_failure(&error, url),
        };
        match status {
            200..=299 => Attempt::Done(Response {
                status,
                url: url.to_string(),
                headers,
                body,
            }),
            429 => Attempt::Retry {
                reason: "HTTP 429 (rate limited)".into(),
                wait: retry_after(&headers).or_else(|| rate_limit_reset(&headers)),
                detail: None,
            },
            // The server's own words go with the last try's reason: what the service
            // said, not only its code.
            408 | 500 | 502 | 503 | 504 => Attempt::Retry {
                reason: format!("HTTP {status}"),
                wait: retry_after(&headers),
                detail: Some(self.scrub(&error_detail(&body)))
                    .filter(|detail| detail != "(empty body)"),
            },
            401 | 403 => Attempt::Fail(PullError::Unauthorized {
                service: self.service,
                credential: "the credential".into(),
                url: url.to_string(),
                status,
                detail: self.scrub(&error_detail(&body)),
            }),
            300..=399 => Attempt::Fail(PullError::Http {
                service: self.service,
                url: url.to_string(),
                status,
                detail: "a redirect, which is not followed (check the base URL)".into(),
            }),
            _ => Attempt::Fail(PullError::Http {
                service: self.service,
                url: url.to_string(),
                status,
                detail: self.scrub(&error_detail(&body)),
            }),
        }
    }

    fn transport_failure(&self, error: &reqwest::Error, url: &str) -> Attempt {
        // The request's own text names the URL already; keep the causes.
        let mut reason = String::from("request failed");
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        if error.is_timeout() {
            reason = format!("timed out after {:.0} s", self.policy.timeout.as_secs_f64());
        }
        let reason = self.scrub(&reason);
        if error.is_builder() {
            return Attempt::Fail(PullError::Request {
                service: self.service,
                url: url.to_string(),
                detail: reason,
            });
        }
        Attempt::Retry {
            reason,
            wait: None,
            detail: None,
        }
    }

    /// Remembers a spent rate limit so the next request waits for its reset.
    fn note_rate_limit(&self, headers: &HeaderMap) {
        let remaining = header_text(headers, "x-rate-limit-remaining")
            .and_then(|text| text.trim().parse::<u64>().ok());
        if remaining != Some(0) {
            if remaining.is_some() {
                self.spent_in_a_row.store(0, Ordering::Relaxed);
            }
            return;
        }
        if let Some(wait) = rate_limit_reset(headers) {
            let until = Instant::now() + wait.min(self.policy.max_wait);
            if let Ok(mut not_before) = self.not_before.lock() {
                *not_before = Some(not_before.map_or(until, |known| known.max(until)));
            }
        }
    }

    /// Waits for a spent rate limit to reset. Each such wait in a row counts as an
    /// attempt: past `max_attempts` of them the server is not letting the limit
    /// reset, and the reason is returned instead of waiting again.
    async fn wait_for_rate_limit(&self) -> Result<(), String> {
        let until = self.not_before.lock().ok().and_then(|mut n| n.take());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                let waits = self.spent_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                if waits > u64::from(self.policy.max_attempts) {
                    return Err(format!(
                        "the rate limit was spent on {} responses in a row \
                         (X-Rate-Limit-Remaining: 0); it never reset",
                        waits - 1
                    ));
                }
                let wait = until - now;
                self.note(&format!(
                    "{}: rate limit spent; waiting {:.1} s for it to reset",
                    self.service,
                    wait.as_secs_f64()
                ));
                self.sleep(wait, "waiting for the rate limit to reset")
                    .await;
            }
        }
        Ok(())
    }

    async fn sleep(&self, duration: Duration, why: &str) {
        if let Ok(mut waiting) = self.progress.waiting.lock() {
            *waiting = Some(Waiting {
                why: why.to_string(),
                until: Instant::now() + duration,
            });
        }
        tokio::time::sleep(duration).await;
        if let Ok(mut waiting) = self.progress.waiting.lock() {
            *waiting = None;
        }
    }

    /// Exponential backoff with jitter: somewhere in the upper half of
    /// `base × 2^(attempt-1)` (capped), so clients that failed together do not
    /// retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self
            .policy
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.policy.max_delay);
        let state = self
            .jitter_state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let random = xxhash_rust::xxh3::xxh3_64(&state.to_le_bytes());
        let fraction = 0.5 + (random >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        full.mul_f64(fraction)
    }
}

/// A response body as read.
enum Body {
    /// All of it.
    Whole(Bytes),
    /// Its first `limit` bytes: there was more (or its `Content-Length` said so).
    Cut(Bytes),
}

/// Reads at most `limit` bytes of a body, chunk by chunk, so a body larger than
/// the limit never grows past it in memory; one announced larger is not read.
async fn read_body(response: &mut reqwest::Response, limit: usize) -> Result<Body, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Ok(Body::Cut(Bytes::new()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            let room = limit - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok(Body::Cut(Bytes::from(body)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Body::Whole(Bytes::from(body)))
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Seconds a server named as a wait: `None` unless finite and not negative,
/// at most [`MAX_SERVER_WAIT`].
fn server_wait(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(MAX_SERVER_WAIT.as_secs_f64())))
}

/// `Retry-After`: delay seconds or an HTTP date, at most [`MAX_SERVER_WAIT`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = header_text(headers, "retry-after")?.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return server_wait(seconds);
    }
    let date = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let millis = date
        .timestamp_millis()
        .saturating_sub(chrono::Utc::now().timestamp_millis());
    server_wait(millis.max(0) as f64 / 1000.0)
}

/// Okta's `X-Rate-Limit-Reset` (UTC epoch seconds), as a wait from now, at most
/// [`MAX_SERVER_WAIT`].
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    let reset: f64 = header_text(headers, "x-rate-limit-reset")?
        .trim()
        .parse()
        .ok()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    if !reset.is_finite() {
        return None;
    }
    server_wait((reset - now).max(0.0))
}

/// The `rel="next"` target of `Link` headers (RFC 8288), as Okta sends them:
/// `<https://…/api/v1/logs?after=…>; rel="next"`, in one header or several.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let Ok(text) = value.to_str() else { continue };
        for link in split_links(text) {
            let Some((target, params)) = link.trim().split_once('>') else {
                continue;
            };
            let target = target.trim().trim_start_matches('<');
            let is_next = params.split(';').any(|param| {
                let Some((name, value)) = param.split_once('=') else {
                    return false;
                };
                name.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            if is_next {
                return Some(target.to_string());
            }
        }
    }
    None
}

/// Splits a `Link` header's comma-separated links, leaving commas inside `<…>` alone.
fn split_links(text: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                links.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    links.push(&text[start..]);
    links
}

/// The human part of an error body: Okta's `errorSummary`, Graph's and Log
/// Analytics' `error.message`, the token endpoint's `error_description`, else the
/// start of the text.
pub fn error_detail(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let found = text(&value["errorSummary"])
            .or_else(|| {
                let message = text(&value["error"]["message"])?;
                Some(match text(&value["error"]["code"]) {
                    Some(code) => format!("{code}: {message}"),
                    None => message,
                })
            })
            .or_else(|| text(&value["error_description"]))
            .or_else(|| text(&value["error"]))
            .or_else(|| text(&value["message"]));
        if let Some(found) = found {
            return first_line(&found);
        }
    }
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return "(empty body)".into();
    }
    first_line(&text)
}

/// One line of at most 300 characters, so a message stays one line.
fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(300).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// Whether `link` has the same scheme, host and port as `base`.
pub fn same_origin(base: &Url, link: &Url) -> bool {
    base.scheme() == link.scheme()
        && base.host_str() == link.host_str()
        && base.port_or_known_default() == link.port_or_known_default()
}

/// Where a paged API continues: `None` when `next` is the page just read (the end),
/// an error when it points at another origin, which would be sent the credential.
pub fn next_page(
    http: &HttpClient,
    service: &'static str,
    base: &Url,
    current: &Url,
    next: Url,
) -> Result<Option<Url>, PullError> {
    if !same_origin(base, &next) {
        return Err(PullError::ForeignLink {
            service,
            link: http.scrub(next.as_str()),
            origin: base.origin().ascii_serialization(),
        });
    }
    Ok((next != *current).then_some(next))
}

/// The pages of one paged query: ends a server's paging that would never end, at a
/// next-page link already followed (a loop) or after [`MAX_PAGES`].
pub struct Pages {
    service: &'static str,
    /// Hashes of every URL fetched so far.
    visited: std::collections::HashSet<u64>,
    max_pages: u64,
}

impl Pages {
    pub fn new(service: &'static str, first: &Url) -> Self {
        Self::with_limit(service, first, MAX_PAGES)
    }

    pub fn with_limit(service: &'static str, first: &Url, max_pages: u64) -> Self {
        let mut visited = std::collections::HashSet::new();
        visited.insert(xxhash_rust::xxh3::xxh3_64(first.as_str().as_bytes()));
        Pages {
            service,
            visited,
            max_pages: max_pages.max(1),
        }
    }

    /// Where to go after `current`: as [`next_page`], and an error when `next` was
    /// fetched before or the page cap is reached.
    pub fn follow(
        &mut self,
        http: &HttpClient,
        base: &Url,
        current: &Url,
        next: Url,
    ) -> Result<Option<Url>, PullError> {
        let Some(next) = next_page(http, self.service, base, current, next)? else {
            return Ok(None);
        };
        if !self
            .visited
            .insert(xxhash_rust::xxh3::xxh3_64(next.as_str().as_bytes()))
        {
            return Err(PullError::Paging {
                service: self.service,
                url: http.scrub(current.as_str()),
                detail: format!(
                    "the next-page link leads back to a page already read ({}), a loop",
                    http.scrub(next.as_str())
                ),
            });
        }
        if self.visited.len() as u64 > self.max_pages {
            return Err(PullError::Paging {
                service: self.service,
                url: http.scrub(current.as_str()),
                detail: format!(
                    "more than {} pages for one query of one window; a shorter --window \
                     splits it",
                    self.max_pages
                ),
            });
        }
        Ok(Some(next))
    }
}

/// Test support: an HTTP server on loopback answering with canned responses.
#[cfg(test)]
pub(crate) mod canned {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One response: status, extra header lines, body. Headers are computed per
    /// request by `make`, from the request's number (0-based).
    pub type Make = Arc<dyn Fn(usize) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

    /// Serves until the test's runtime ends; returns its base URL and a request count.
    pub async fn serve(make: Make) -> (url::Url, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let number = counter.fetch_add(1, Ordering::SeqCst);
                let (status, headers, body) = make(number);
                tokio::spawn(async move {
                    // Read the head, then as much body as it announces.
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    let head_end = loop {
                        let Ok(read) = socket.read(&mut buffer).await else {
                            return;
                        };
                        if read == 0 {
                            return;
                        }
                        request.extend_from_slice(&buffer[..read]);
                        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&request[..head_end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|value| value.trim().parse().ok())
                        .unwrap_or(0);
                    while request.len() < head_end + length {
                        let Ok(read) = socket.read(&mut buffer).await else {
                            return;
                        };
                        if read == 0 {
                            break;
                        }
                        request.extend_from_slice(&buffer[..read]);
                    }
                    let mut response = format!("HTTP/1.1 {status} X\r\n");
                    for (name, value) in headers {
                        response.push_str(&format!("{name}: {value}\r\n"));
                    }
                    response.push_str(&format!(
                        "content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    ));
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        (
            url::Url::parse(&format!("http://{address}/")).unwrap(),
            count,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn absurd_waits_are_capped_and_nonsense_is_absent() {
        let wait = |name: &'static str, value: &str| {
            let map = headers(&[(name, value)]);
            if name == "retry-after" {
                retry_after(&map)
            } else {
                rate_limit_reset(&map)
            }
        };
        assert_eq!(wait("retry-after", "1e20"), Some(MAX_SERVER_WAIT));
        assert_eq!(
            wait("retry-after", "18446744073709551616"),
            Some(MAX_SERVER_WAIT)
        );
        assert_eq!(wait("retry-after", "inf"), None);
        assert_eq!(wait("retry-after", "NaN"), None);
        assert_eq!(wait("retry-after", "-3"), None);
        assert_eq!(
            wait("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_SERVER_WAIT)
        );
        assert_eq!(wait("x-rate-limit-reset", "inf"), None);
        assert_eq!(wait("x-rate-limit-reset", "-inf"), None);
        assert_eq!(wait("x-rate-limit-reset", "NaN"), None);
        assert_eq!(wait("x-rate-limit-reset", "1e300"), Some(MAX_SERVER_WAIT));
        assert_eq!(wait("x-rate-limit-reset", "-1e300"), Some(Duration::ZERO));
    }

    #[test]
    fn a_429_asking_for_forever_waits_at_most_the_cap_and_counts_as_an_attempt() {
        runtime().block_on(async {
            let make: canned::Make = Arc::new(|_| {
                (
                    429,
                    vec![
                        ("retry-after".into(), "1e20".into()),
                        ("x-rate-limit-remaining".into(), "0".into()),
                        ("x-rate-limit-reset".into(), "inf".into()),
                    ],
                    "{}".into(),
                )
            });
            let (base, count) = canned::serve(make).await;
            let policy = RetryPolicy {
                max_attempts: 3,
                max_wait: Duration::from_millis(20),
                ..RetryPolicy::default()
            };
            let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
            let error = client
                .send(&Request::get(base.join("logs").unwrap()), None)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("gave up") && error.contains("3 attempts"),
                "{error}"
            );
            assert_eq!(count.load(Ordering::SeqCst), 3);
        });
    }

    fn body_cap_error(make: canned::Make) -> String {
        runtime().block_on(async {
            let (base, _) = canned::serve(make).await;
            let policy = RetryPolicy {
                max_body_bytes: 1000,
                ..RetryPolicy::default()
            };
            let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
            client
                .send(&Request::get(base.join("logs").unwrap()), None)
                .await
                .unwrap_err()
                .to_string()
        })
    }

    #[test]
    fn a_body_over_the_cap_fails_naming_the_cap_and_the_url() {
        // Announced by its Content-Length.
        let make: canned::Make = Arc::new(|_| (200, vec![], "x".repeat(1001)));
        let error = body_cap_error(make);
        assert!(
            error.contains("larger than the cap on one response body (1000 bytes")
                && error.contains("MAX_RESPONSE_BYTES")
                && error.contains("/logs"),
            "{error}"
        );
        // At the cap exactly, it is read.
        runtime().block_on(async {
            let make: canned::Make = Arc::new(|_| (200, vec![], "x".repeat(1000)));
            let (base, _) = canned::serve(make).await;
            let policy = RetryPolicy {
                max_body_bytes: 1000,
                ..RetryPolicy::default()
            };
            let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
            let response = client
                .send(&Request::get(base.join("logs").unwrap()), None)
                .await
                .unwrap();
            assert_eq!(response.body.len(), 1000);
        });
    }

    #[test]
    fn a_body_without_a_length_is_cut_at_the_cap_while_streaming() {
        runtime().block_on(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counter = sent.clone();
            tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head).await;
                // No Content-Length: the body runs until the connection closes, and
                // would run for 64 MiB if the client kept reading.
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
                    .await;
                let block = vec![b'['; 64 << 10];
                for _ in 0..1024 {
                    if socket.write_all(&block).await.is_err() {
                        return;
                    }
                    counter.fetch_add(block.len(), Ordering::SeqCst);
                }
            });
            let policy = RetryPolicy {
                max_body_bytes: 100_000,
                ..RetryPolicy::default()
            };
            let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
            let url = Url::parse(&format!("http://{address}/page")).unwrap();
            let error = client
                .send(&Request::get(url), None)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("(100000 bytes") && error.contains("/page"),
                "{error}"
            );
            // The client stopped reading long before the server's 64 MiB.
            assert!(sent.load(Ordering::SeqCst) < 16 << 20);
        });
    }

    #[test]
    fn a_rate_limit_that_never_resets_ends_the_pull() {
        runtime().block_on(async {
            let make: canned::Make = Arc::new(|_| {
                let reset = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    + 3600;
                (
                    200,
                    vec![
                        ("x-rate-limit-remaining".into(), "0".into()),
                        ("x-rate-limit-reset".into(), reset.to_string()),
                    ],
                    "[]".into(),
                )
            });
            let (base, count) = canned::serve(make).await;
            let policy = RetryPolicy {
                max_attempts: 3,
                // Each wait is cut to this, so the test is quick.
                max_wait: Duration::from_millis(10),
                ..RetryPolicy::default()
            };
            let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
            let mut outcome = Ok(());
            for _ in 0..20 {
                if let Err(error) = client
                    .send(&Request::get(base.join("logs").unwrap()), None)
                    .await
                {
                    outcome = Err(error.to_string());
                    break;
                }
            }
            let error = outcome.unwrap_err();
            assert!(error.contains("never reset"), "{error}");
            // The first response spends the limit; three waits follow, the fourth refuses.
            assert_eq!(count.load(Ordering::SeqCst), 4);
        });
    }

    #[test]
    fn paging_stops_at_a_link_already_followed_and_at_the_page_cap() {
        let client = HttpClient::new("test", RetryPolicy::default(), Arc::default(), None).unwrap();
        let base = Url::parse("https://graph.example").unwrap();
        let url = |path: &str| base.join(path).unwrap();
        let mut pages = Pages::new("Microsoft Graph", &url("/first"));
        assert_eq!(
            pages
                .follow(&client, &base, &url("/first"), url("/p2"))
                .unwrap(),
            Some(url("/p2"))
        );
        assert_eq!(
            pages
                .follow(&client, &base, &url("/p2"), url("/p3"))
                .unwrap(),
            Some(url("/p3"))
        );
        // The page just read as its own next: the end, as before.
        assert_eq!(
            pages
                .follow(&client, &base, &url("/p3"), url("/p3"))
                .unwrap(),
            None
        );
        for back in ["/first", "/p2"] {
            let error = pages
                .follow(&client, &base, &url("/p3"), url(back))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("already read") && error.contains(back) && error.contains("Graph"),
                "{error}"
            );
        }
        let mut capped = Pages::with_limit("Microsoft Graph", &url("/0"), 3);
        for n in 1..3 {
            let next = url(&format!("/{n}"));
            let current = url(&format!("/{}", n - 1));
            assert!(
                capped
                    .follow(&client, &base, &current, next)
                    .unwrap()
                    .is_some()
            );
        }
        let error = capped
            .follow(&client, &base, &url("/2"), url("/3"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than 3 pages"), "{error}");
    }

    #[test]
    fn next_links_in_one_header_or_several() {
        let one = headers(&[(
            "link",
            r#"<https://o.okta.com/api/v1/logs?since=a,b&limit=2>; rel="self", <https://o.okta.com/api/v1/logs?after=123&limit=2>; rel="next""#,
        )]);
        assert_eq!(
            next_link(&one).as_deref(),
            Some("https://o.okta.com/api/v1/logs?after=123&limit=2")
        );
        let several = headers(&[
            ("link", r#"<https://x/self>; rel="self""#),
            ("link", r#"<https://x/next>; rel="next""#),
        ]);
        assert_eq!(next_link(&several).as_deref(), Some("https://x/next"));
        assert_eq!(
            next_link(&headers(&[("link", "<https://x/self>; rel=self")])),
            None
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn waits_from_headers() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        let past = retry_after(&headers(&[(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        )]));
        assert_eq!(past, Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let wait =
            rate_limit_reset(&headers(&[("x-rate-limit-reset", &(now + 10).to_string())])).unwrap();
        assert!(wait > Duration::from_secs(8) && wait <= Duration::from_secs(10));
    }

    #[test]
    fn error_details_from_each_api() {
        assert_eq!(
            error_detail(br#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#),
            "Invalid token provided"
        );
        assert_eq!(
            error_detail(br#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}"#),
            "InvalidAuthenticationToken: Access token has expired."
        );
        assert_eq!(
            error_detail(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\r\nTrace ID: x"}"#),
            "AADSTS7000215: Invalid client secret."
        );
        assert_eq!(error_detail(b"<html>\nbad gateway"), "<html>");
        assert_eq!(error_detail(b""), "(empty body)");
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let client = HttpClient::new("test", policy, Arc::default(), None).unwrap();
        for _ in 0..50 {
            let first = client.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = client.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let capped = client.backoff(30);
            assert!(capped >= Duration::from_millis(500) && capped <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn secrets_are_scrubbed() {
        let client = HttpClient::new("test", RetryPolicy::default(), Arc::default(), None).unwrap();
        client.add_secret("s3cr3t-value");
        assert_eq!(
            client.scrub("token s3cr3t-value rejected"),
            "token [REDACTED] rejected"
        );
    }

    #[test]
    fn origins() {
        let base = Url::parse("https://acme.okta.com").unwrap();
        assert!(same_origin(
            &base,
            &Url::parse("https://acme.okta.com:443/api/v1/logs?after=1").unwrap()
        ));
        assert!(!same_origin(
            &base,
            &Url::parse("https://evil.example/api/v1/logs").unwrap()
        ));
        assert!(!same_origin(
            &base,
            &Url::parse("http://acme.okta.com/api/v1/logs").unwrap()
        ));
    }
}
