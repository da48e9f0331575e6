//! End-to-end tests: they drive the real `tokenhunt` binary over real-format inputs
//! and real lakes. One test binary, because each links all of DataFusion.

mod batch;
mod compact;
mod deliver;
mod findings;
mod hunts;
mod ingest;
mod pull;
mod repl;
mod robustness;
mod scope;
mod support;
mod watch;
