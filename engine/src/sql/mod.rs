//! The engine's one SQL layer: quoting and `IN` lists ([`text`]), the time and
//! partition window predicate ([`window`]), `${name}` placeholders ([`placeholders`])
//! and the shared definitions they name ([`definitions`]), running a query while
//! keeping what its Parquet scans did ([`scan`]), and the session's count of decoded
//! rows ([`counter`]). Hunt, baseline, scope and respond build their SQL with these.

pub mod counter;
pub mod definitions;
pub mod placeholders;
pub mod scan;
pub mod text;
pub mod window;

pub use self::scan::{MAX_ROWS, Pruning, QueryCost, ScanStats, fetch, run, typed_rows};
pub use self::text::{in_list, in_literals, quote};
pub use self::window::window_predicate;
