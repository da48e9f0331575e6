//! One module per command.

pub mod ingest;
pub mod repl;
pub mod sql;
