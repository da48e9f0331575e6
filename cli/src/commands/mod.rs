//! One module per command.

pub mod compact;
pub mod completions;
pub mod config;
pub mod demo;
pub mod findings;
pub mod functions;
pub mod generate;
pub mod hunt;
pub mod ingest;
pub mod pull;
pub mod repl;
pub mod respond;
pub mod scope;
pub mod sql;
pub mod watch;
