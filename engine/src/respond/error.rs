//! Errors of planning and running a revocation.

/// What can go wrong before any call is made. (A failed call is not an error of the
/// run: it is reported in its [`super::execute::CallOutcome`] and the others still run.)
#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// A base URL that cannot be used.
    #[error("{flag}: {message}")]
    Endpoint { flag: String, message: String },

    /// Nothing in the lake says who the user is in either service.
    #[error("{0}")]
    UnknownUser(String),

    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}
