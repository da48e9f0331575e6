//! The lake: where it is, how its files are laid out, and the catalog over it.
//!
//! ```text
//! <lake>/signins/source=<entra|okta>/date=<YYYY-MM-DD>/part-<run>-<n>.parquet
//! <lake>/audit/source=<entra|okta>/date=<YYYY-MM-DD>/part-<run>-<n>.parquet
//! <lake>/_tokenhunt/ingest/<run>.json        one summary per ingest run
//! <lake>/_tokenhunt/quarantine/<run>.jsonl   rejected records, verbatim, with reasons
//! <lake>/_tokenhunt/compact/<run>.json        one summary per compaction run
//! <lake>/_tokenhunt/findings/state.jsonl     what `hunt --new` reported, suppressions (`hunt::state`)
//! ```
//!
//! A partition folder may also hold a compaction's output and its commit marker
//! (`compacted-<run>-<n>.parquet`, `_compacted-<run>.json`): [`swap`] says which of a
//! folder's files readers see.
//!
//! `source` and `date` live in the path (Hive-style partitions), not in the files, so
//! a filter on either skips whole folders.

pub mod catalog;
pub mod lease;
pub mod store;
pub mod swap;
pub mod views;

pub use store::Lake;
