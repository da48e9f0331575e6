//! tokenhunt's engine: source parsers, the normalized schema, ingest into the lake,
//! the lake catalog, hunts and findings.

pub mod parse;
pub mod schema;
pub mod error;
pub mod ingest;
pub mod input;
pub mod lake;
pub mod functions;
pub mod session;
