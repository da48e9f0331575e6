//! Synthetic identity-log tenants with planted token-replay attacks and benign look-alikes, in the real
//! source formats (Entra ID Log Analytics rows and diagnostic-settings records, Okta System Log pages),
//! with `labels.json` ground truth, and the scorer that grades hunt findings against it.
//!
//! Entry points: [`generate`] writes a tenant; [`eval::evaluate`] grades findings. See `gen/README.md` for
//! the event model, every attack kind and look-alike, and the match rule.
//!
//! Module map: [`prng`] (seeded random numbers), [`time`] / [`jsonw`] / [`ids`] (spellings), [`network`]
//! (real IP blocks), [`catalog`] (apps, user agents, names), [`tenant`] (the organisation), [`event`] (the
//! in-memory record), [`timeline`] (benign behaviour), [`confounders`] (planned look-alikes), [`attacks`]
//! (planted incidents), [`entra`] / [`okta`] (format writers), [`writer`] (files), [`labels`] (ground
//! truth), [`eval`] (scorer), `generator` (the hour loop).

pub mod attacks;
pub mod catalog;
pub mod confounders;
pub mod entra;
pub mod eval;
pub mod event;
mod generator;
pub mod ids;
pub mod jsonw;
pub mod labels;
pub mod network;
pub mod okta;
pub mod prng;
pub mod tenant;
pub mod time;
pub mod timeline;
pub mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use eval::{EvalReport, Finding, evaluate, read_findings_jsonl};
pub use labels::Labels;

/// Tenant size presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Profile {
    /// ~150 users, 7 days (CI, the README demo).
    Small,
    /// ~2,000 users, 30 days.
    Medium,
    /// 45,000 users, 30 days (≥ 100 million events).
    Large,
}

impl Profile {
    /// Users and days of the preset.
    pub fn size(self) -> (u32, u32) {
        match self {
            Profile::Small => (150, 7),
            Profile::Medium => (2000, 30),
            Profile::Large => (45_000, 30),
        }
    }

    /// Parses `small` / `medium` / `large`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Some(Profile::Small),
            "medium" => Some(Profile::Medium),
            "large" => Some(Profile::Large),
            _ => None,
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OutputFormat {
    /// Log Analytics / Sentinel JSON Lines (`entra-la`).
    EntraLogAnalytics,
    /// Diagnostic-settings records (`entra-diagnostic`).
    EntraDiagnostic,
    /// Okta System Log API pages (`okta`).
    Okta,
}

impl OutputFormat {
    /// Parses `entra-la` / `entra-diagnostic` / `okta`.
    pub fn parse(s: &str) -> Option<OutputFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "entra-la" | "la" => Some(OutputFormat::EntraLogAnalytics),
            "entra-diagnostic" | "diagnostic" => Some(OutputFormat::EntraDiagnostic),
            "okta" => Some(OutputFormat::Okta),
            _ => None,
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::EntraLogAnalytics => "entra-la",
            OutputFormat::EntraDiagnostic => "entra-diagnostic",
            OutputFormat::Okta => "okta",
        }
    }

    /// Formats written when none are given.
    pub const DEFAULT: [OutputFormat; 2] = [OutputFormat::EntraLogAnalytics, OutputFormat::Okta];
}

/// The fixed default first day (never "today": the same seed must give the same bytes).
pub fn default_start() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default()
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Size preset.
    pub profile: Profile,
    /// Overrides the preset's users.
    pub users: Option<u32>,
    /// Overrides the preset's days.
    pub days: Option<u32>,
    /// Seed.
    pub seed: u64,
    /// Output directory.
    pub out: PathBuf,
    /// Formats (empty: [`OutputFormat::DEFAULT`]).
    pub formats: Vec<OutputFormat>,
    /// First day (UTC).
    pub start: chrono::NaiveDate,
    /// Gzip every file.
    pub gzip: bool,
}

impl GenOptions {
    /// Options for a profile and seed with every other setting at its default.
    pub fn new(profile: Profile, seed: u64, out: impl AsRef<Path>) -> Self {
        GenOptions {
            profile,
            users: None,
            days: None,
            seed,
            out: out.as_ref().to_path_buf(),
            formats: OutputFormat::DEFAULT.to_vec(),
            start: default_start(),
            gzip: false,
        }
    }

    /// Users and days after overrides.
    pub fn size(&self) -> (u32, u32) {
        let (u, d) = self.profile.size();
        (self.users.unwrap_or(u), self.days.unwrap_or(d))
    }

    fn effective_formats(&self) -> Vec<OutputFormat> {
        if self.formats.is_empty() {
            OutputFormat::DEFAULT.to_vec()
        } else {
            self.formats.clone()
        }
    }
}

/// Progress, reported once per simulated hour.
#[derive(Clone, Copy, Debug)]
pub struct GenProgress {
    /// Hours done.
    pub hour: u64,
    /// Hours in total.
    pub hours: u64,
    /// Records written so far.
    pub events: u64,
}

/// What a run wrote.
#[derive(Clone, Debug, Serialize)]
pub struct GenSummary {
    /// Distinct records written (an Entra record written in both Entra formats counts once).
    pub events: u64,
    /// Files written (including `labels.json`).
    pub files: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// Incidents in the labels.
    pub incidents: usize,
    /// Confounder windows in the labels.
    pub confounders: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Users.
    pub users: u32,
    /// Days.
    pub days: u32,
    /// Records per Log Analytics table name (Entra) and `Okta`.
    pub events_by_table: BTreeMap<String, u64>,
    /// Non-interactive share of Entra user sign-ins.
    pub non_interactive_share: f64,
    /// Incidents per kind.
    pub incidents_by_kind: BTreeMap<String, usize>,
    /// Confounder windows per category.
    pub confounders_by_category: BTreeMap<String, usize>,
}

/// Generation errors.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// File or directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The embedded network table is broken.
    #[error(transparent)]
    Networks(#[from] network::NetworkTableError),
    /// Bad options.
    #[error("{0}")]
    Invalid(String),
}

impl GenError {
    fn io(path: &Path, source: std::io::Error) -> GenError {
        GenError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Generates a tenant into `opts.out`: logs in the selected formats and `labels.json`.
pub fn generate(
    opts: &GenOptions,
    progress: &mut dyn FnMut(&GenProgress),
) -> Result<GenSummary, GenError> {
    generator::run(opts, progress)
}
