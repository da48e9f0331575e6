//! `tokenhunt.toml`: the tenant's tuning — allowlists, expected principals, hunt
//! thresholds — and the reference databases.
//!
//! Every key is optional; `tokenhunt config init` writes the commented default
//! ([`DEFAULT_CONFIG`]). Hunts see the lists through placeholders
//! (`${allowlisted}`, `${mobile_asn}`, `${expected_app}`,
//! `${expected_service_principal}`) and their thresholds as `${name}` parameters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{EngineError, Result};

/// The commented default configuration `config init` writes.
pub const DEFAULT_CONFIG: &str = include_str!("../../data/tokenhunt.default.toml");

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub lake: Option<String>,
    pub reference: ReferenceSection,
    pub allowlist: AllowlistSection,
    pub mobile: MobileSection,
    pub expected: ExpectedSection,
    /// Per-hunt settings: `[hunts.<id>]` with `enabled = false` or parameter values.
    pub hunts: BTreeMap<String, toml::Table>,
    /// Extra folders of `*.sql` hunts, beside the built-in library.
    pub hunt_dirs: Vec<PathBuf>,
    /// Rule-style suppressions (`[[suppress]]`): findings they cover are recorded as
    /// suppressed instead of alerting (see `hunt::suppression`).
    pub suppress: Vec<SuppressRule>,
}

/// One `[[suppress]]` rule as written in `tokenhunt.toml`. Every criterion given must
/// hold (users, hunts: the finding's is listed; cidrs, asns, apps: every one of the
/// finding's addresses, ASNs or apps is covered, so an attacker's address outside the
/// range still alerts); at least one criterion and a reason are required.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SuppressRule {
    /// Why: kept with every finding the rule suppresses.
    pub reason: String,
    /// Users (UPN or Okta login, any case).
    pub users: Vec<String>,
    /// Address blocks (`203.0.113.0/24`, a bare address, IPv6 alike).
    pub cidrs: Vec<String>,
    pub asns: Vec<i64>,
    /// Application names as the findings list them (any case).
    pub apps: Vec<String>,
    /// Hunt ids.
    pub hunts: Vec<String>,
    /// The rule stops applying at this time (a date means through that day, UTC).
    pub until: Option<String>,
}

/// IP intelligence databases.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferenceSection {
    /// MaxMind `.mmdb` files (City, Country, ASN, ISP, Anonymous-IP).
    pub mmdb: Vec<PathBuf>,
    /// Range files (iptoasn TSV, ip-location-db CSV).
    pub ranges: Vec<PathBuf>,
    /// Extra ASN category lists (`asn,category,org,source`).
    pub asn_categories: Vec<PathBuf>,
    /// ASN → category overrides, e.g. `{ 64500 = "corporate" }`.
    pub asn_category: BTreeMap<String, String>,
}

/// Networks that are the tenant's own or otherwise trusted.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllowlistSection {
    /// Egress CIDRs (corporate proxies, VPN concentrators).
    pub egress_cidrs: Vec<String>,
    /// Trusted ASNs (e.g. the company's own).
    pub asns: Vec<i64>,
    /// Drop Microsoft 365 and Entra ID front ends (the `microsoft` ranges of
    /// `data/reference/egress_ranges.csv`); the rest of AS8075 is Azure customers' hosting.
    pub exclude_microsoft: bool,
}

impl Default for AllowlistSection {
    fn default() -> Self {
        AllowlistSection {
            egress_cidrs: Vec::new(),
            asns: Vec::new(),
            exclude_microsoft: true,
        }
    }
}

/// Mobile carriers: their IPs rotate and geolocate far apart.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MobileSection {
    /// Carrier ASNs beyond the built-in list.
    pub asns: Vec<i64>,
}

/// What is expected to sign in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpectedSection {
    pub service_principals: Vec<String>,
    pub apps: Vec<String>,
}

impl Config {
    /// Reads a configuration file; a missing file given explicitly is an error.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EngineError::io(path.display().to_string(), e))?;
        Self::parse(&text)
            .map_err(|message| EngineError::Invalid(format!("{}: {message}", path.display())))
    }

    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// `./tokenhunt.toml` when present, else the defaults.
    pub fn load_default_location() -> Result<Config> {
        let path = Path::new("tokenhunt.toml");
        if path.is_file() {
            Self::load(path)
        } else {
            Ok(Config::default())
        }
    }

    /// Whether a hunt is switched off in `[hunts.<id>]`.
    pub fn hunt_enabled(&self, id: &str) -> bool {
        self.hunts
            .get(id)
            .and_then(|table| table.get("enabled"))
            .and_then(|value| value.as_bool())
            .unwrap_or(true)
    }

    /// A hunt parameter's configured value, if any.
    pub fn hunt_parameter(&self, id: &str, name: &str) -> Option<&toml::Value> {
        self.hunts.get(id).and_then(|table| table.get(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses_and_means_the_defaults() {
        let config = Config::parse(DEFAULT_CONFIG).unwrap();
        assert!(config.allowlist.exclude_microsoft);
        assert!(config.hunt_enabled("anything"));
    }

    #[test]
    fn hunt_sections_and_unknown_keys() {
        let config = Config::parse("[hunts.x]\nenabled = false\nmin_networks = 3\n").unwrap();
        assert!(!config.hunt_enabled("x"));
        assert_eq!(
            config
                .hunt_parameter("x", "min_networks")
                .and_then(|v| v.as_integer()),
            Some(3)
        );
        assert!(
            Config::parse("[allowlist]\negress = []\n")
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
