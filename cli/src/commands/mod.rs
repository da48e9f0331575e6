//! One module per command.

pub mod ingest;
pub mod sql;
