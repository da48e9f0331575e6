//! tokenhunt's engine: source parsers, the normalized schema, ingest into the lake,
//! the lake catalog, hunts and findings.

pub mod baseline;
pub mod compact;
pub mod config;
pub mod deliver;
pub mod error;
pub mod functions;
pub mod fuzz;
pub mod hunt;
pub mod ingest;
pub mod input;
pub mod lake;
pub mod parse;
pub mod progress;
pub mod pull;
pub mod respond;
pub mod schema;
pub mod scope;
pub mod session;
pub mod sql;
pub mod timerange;
mod union_find;
pub mod watch;
