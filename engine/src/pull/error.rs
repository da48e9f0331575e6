//! What can go wrong while pulling from an API, each naming the service and URL.

/// A pull failure. Messages never carry credentials: texts taken from responses
/// are scrubbed of every secret the client knows before they get here.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The service refused the credential (HTTP 401/403, or the token endpoint said no).
    #[error(
        "{service} refused the credential from {credential} (HTTP {status} at {url}): {detail}"
    )]
    Unauthorized {
        service: &'static str,
        credential: String,
        url: String,
        status: u16,
        detail: String,
    },

    /// An HTTP status that retrying cannot fix (a bad request, an unknown tenant).
    #[error("{service}: HTTP {status} from {url}: {detail}")]
    Http {
        service: &'static str,
        url: String,
        status: u16,
        detail: String,
    },

    /// Transient failures (5xx, 429, timeouts, dropped connections) went on past the
    /// retry budget.
    #[error("{service}: gave up on {url} after {attempts} attempts; last: {last}")]
    GaveUp {
        service: &'static str,
        url: String,
        attempts: u32,
        last: String,
    },

    /// A request that cannot be sent at all (a malformed URL, a TLS setup error).
    #[error("{service}: cannot request {url}: {detail}")]
    Request {
        service: &'static str,
        url: String,
        detail: String,
    },

    /// A 200 response whose body is not the page the API documents (truncated JSON,
    /// missing members).
    #[error("{service}: malformed page from {url}: {detail}")]
    MalformedPage {
        service: &'static str,
        url: String,
        detail: String,
    },

    /// A next-page link to another origin: following it would send the credential
    /// somewhere it was not meant for.
    #[error(
        "{service}: refusing to follow a next-page link to another origin ({link}); credentials are only sent to {origin}"
    )]
    ForeignLink {
        service: &'static str,
        link: String,
        origin: String,
    },

    /// A server that would keep a pull paging forever: a next-page link already
    /// followed, or more pages than any window can hold.
    #[error("{service}: {detail} (at {url}); the window was not finished")]
    Paging {
        service: &'static str,
        url: String,
        detail: String,
    },

    /// A result the API will not return whole (a Log Analytics query over its row
    /// limit in a window that cannot be split further).
    #[error("{service}: {detail}")]
    TooLarge {
        service: &'static str,
        detail: String,
    },

    /// A response body over the cap on one body
    /// ([`MAX_RESPONSE_BYTES`](super::http::MAX_RESPONSE_BYTES) unless the retry
    /// policy sets another): read no further, so a hostile or broken server cannot
    /// exhaust memory.
    #[error(
        "{service}: the response from {url} is larger than the cap on one response body ({}; pull::http::MAX_RESPONSE_BYTES by default); nothing of it was used",
        size_text(*limit)
    )]
    BodyTooLarge {
        service: &'static str,
        url: String,
        limit: usize,
    },

    /// Missing or unusable settings (no token, a base URL that is not http(s)).
    #[error("{0}")]
    Config(String),

    /// The ingest run that takes the pages stopped; its own error says why.
    #[error("the ingest run stopped while pages were still arriving")]
    IngestStopped,

    /// The lake side of a pull failed (its checkpoint, the ingest of its pages).
    #[error(transparent)]
    Engine(#[from] crate::error::EngineError),
}

/// `128 MiB`, `1000 bytes`.
pub(crate) fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}
