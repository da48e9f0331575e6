//! Hunts: SQL files with a metadata header, run over a time range, producing
//! findings in one contract (see `findings`).

pub mod findings;
pub mod history;
pub mod incidents;
pub mod library;
mod materialize;
pub mod metadata;
pub mod run;
pub mod scoring;
pub mod slices;
pub mod state;
pub mod state_table;
pub mod suppression;

pub use findings::{Finding, findings_batch, findings_csv_batch, findings_schema};
pub use incidents::group_incidents;
pub use library::{Hunt, load_hunts, select};
pub use run::{HuntRun, expand_sql, run_hunts, run_hunts_in_slices};
pub use state::{Alert, AlertOptions, FindingsState, alerts};
pub use suppression::SuppressionRules;
