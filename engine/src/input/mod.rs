//! Finding input files, opening them (local or object store, plain or gzip) and
//! cutting them into records.

pub mod chunk;
pub mod csv;
pub mod discover;
pub mod reader;
pub mod split;

pub use discover::{InputFile, discover};

/// The container format of an input, detected or forced with `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Detect per file (and per record).
    #[default]
    Auto,
    /// Entra Log Analytics / Sentinel export (JSON Lines, JSON array or portal CSV).
    EntraLogAnalytics,
    /// Entra diagnostic-settings export (records per line or `{"records":[...]}`).
    EntraDiagnostic,
    /// Microsoft Graph `signIns` / `directoryAudits` pages.
    EntraGraph,
    /// Okta System Log pages or JSON Lines.
    Okta,
    /// Log Analytics portal CSV.
    Csv,
}

impl InputFormat {
    pub const NAMES: &'static [&'static str] = &[
        "auto",
        "entra-la",
        "entra-diagnostic",
        "entra-graph",
        "okta",
        "csv",
    ];

    pub fn from_name(name: &str) -> Option<InputFormat> {
        Some(match name {
            "auto" => InputFormat::Auto,
            "entra-la" | "entra-loganalytics" | "sentinel" => InputFormat::EntraLogAnalytics,
            "entra-diagnostic" | "diagnostic" => InputFormat::EntraDiagnostic,
            "entra-graph" | "graph" => InputFormat::EntraGraph,
            "okta" => InputFormat::Okta,
            "csv" => InputFormat::Csv,
            _ => return None,
        })
    }

    /// Which parser records of this format go to.
    pub fn source_hint(self) -> crate::parse::SourceHint {
        use crate::parse::SourceHint;
        match self {
            InputFormat::Auto => SourceHint::Auto,
            InputFormat::Okta => SourceHint::Okta,
            _ => SourceHint::Entra,
        }
    }
}
