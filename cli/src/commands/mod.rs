//! One module per command.

pub mod config;
pub mod functions;
pub mod hunt;
pub mod ingest;
pub mod sql;
