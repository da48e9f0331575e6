//! What can go wrong delivering findings, each naming the destination (never a
//! credential: destinations are named by their scrubbed URL).

use crate::pull::PullError;

/// A delivery failure.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// A destination or credential that cannot be used (found before any hunt runs).
    #[error("{0}")]
    Config(String),

    /// A request failed for good (refused, a 4xx, or transient failures past the
    /// retry budget). The records of earlier requests were accepted; the run records
    /// nothing as reported, so the next run sends them again (at least once).
    #[error(
        "delivery to {destination} failed ({accepted} of {total} record(s) accepted before it): {cause}"
    )]
    Failed {
        destination: String,
        accepted: usize,
        total: usize,
        /// Boxed: the error stays small on the `Ok` path of every delivery call.
        cause: Box<PullError>,
    },

    /// One record larger than a request to this destination may be: nothing was sent.
    #[error(
        "delivery to {destination}: finding {finding} is {bytes} bytes as one record, over the \
         {limit} bytes one request may carry; nothing was sent"
    )]
    RecordTooLarge {
        destination: String,
        finding: String,
        bytes: usize,
        limit: usize,
    },
}

impl DeliveryError {
    /// Whether the destination was reached and failed (as opposed to a setting that
    /// stopped the run before it hunted): `hunt` exits with its own status for these.
    pub fn is_delivery_failure(&self) -> bool {
        !matches!(self, DeliveryError::Config(_))
    }
}

impl From<PullError> for DeliveryError {
    /// Settings errors of the shared HTTP and credential code.
    fn from(error: PullError) -> Self {
        DeliveryError::Config(error.to_string())
    }
}
