//! The engine's error type.

use std::io;

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::parquet::errors::ParquetError;

/// Everything that can go wrong in the engine, each naming what it was working on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A lake or input location that cannot be used.
    #[error("{location}: {message}")]
    Location { location: String, message: String },

    /// The lake has no data where some was expected.
    #[error("no lake at {0} (run `tokenhunt --lake {0} ingest <files>` first)")]
    MissingLake(String),

    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),

    #[error("{0}")]
    DataFusion(#[from] DataFusionError),

    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),

    #[error("parquet: {0}")]
    Parquet(#[from] ParquetError),

    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },

    /// Invalid configuration or arguments.
    #[error("{0}")]
    Invalid(String),

    /// The lake's findings state (`hunt --new`, `suppress`, `close`).
    #[error(transparent)]
    FindingsState(#[from] crate::hunt::state::StateError),

    /// A suppression rule or request that cannot be used.
    #[error(transparent)]
    Suppression(#[from] crate::hunt::suppression::SuppressionError),
}

impl EngineError {
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        EngineError::Io {
            context: context.into(),
            source,
        }
    }

    pub fn location(location: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::Location {
            location: location.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
