//! Reference data shared by the IP and ASN functions: MaxMind databases, range files, the
//! curated ASN category list and known egress ranges.
//!
//! It is built once per process from a [`ReferenceConfig`] and handed to
//! [`crate::register_all`] inside an `Arc`. Nothing is global: a Ballista executor builds the
//! same `ReferenceData` from the same config and registers the same functions.
//!
//! Lookup precedence: MaxMind databases first, then range files, each in configuration
//! order; the first source with an answer wins. With no database configured, the IP
//! functions return NULL (not an error).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::asn_category::{
    AsnCategories, BUILTIN_ASN_CATEGORIES, BUILTIN_EGRESS_RANGES, EgressRanges,
};
use crate::error::UdfError;
use crate::ip::mmdb::{AsnInfo, GeoInfo, MmdbKind, MmdbSource, RecordMemo};
use crate::ip::ranges::{RangeFile, RangeKind};

/// Where reference data comes from.
#[derive(Debug, Clone, Default)]
pub struct ReferenceConfig {
    /// MaxMind DB files of any layout (City, Country, ASN, ISP, Anonymous-IP), detected from
    /// the database's `database_type` metadata.
    pub mmdb_paths: Vec<PathBuf>,
    /// iptoasn TSV and ip-location-db CSV files (optionally gzip), detected from content.
    pub range_files: Vec<PathBuf>,
    /// Extra curated lists in the built-in CSV formats: ASN lists (`asn,category,org,source`)
    /// or egress range lists (`cidr,category,org,source`), told apart by their header.
    pub asn_category_files: Vec<PathBuf>,
    /// Extra `(asn, category)` pairs from the user's config file; applied last.
    pub extra_asn_categories: Vec<(i64, String)>,
}

/// Loaded reference data. Cheap to share behind an `Arc`; immutable after loading.
pub struct ReferenceData {
    pub(crate) mmdbs: Vec<MmdbSource>,
    pub(crate) ranges: Vec<RangeFile>,
    pub(crate) asn_categories: AsnCategories,
    pub(crate) egress: EgressRanges,
}

/// A summary, not the contents: UDF structs embed this and appear in plan dumps.
impl std::fmt::Debug for ReferenceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceData")
            .field("sources", &self.describe_sources())
            .field("asn_categories", &self.asn_categories.len())
            .field("egress_ranges", &self.egress.len())
            .finish()
    }
}

impl Default for ReferenceData {
    fn default() -> Self {
        Self::builtin()
    }
}

impl ReferenceData {
    /// Only the built-in curated lists; every IP database lookup returns NULL.
    pub fn builtin() -> Self {
        let mut asn_categories = AsnCategories::default();
        let mut egress = EgressRanges::default();
        // The embedded lists are validated by this crate's tests; a parse failure here would
        // be a build defect, and an empty list is the safest degradation at run time.
        if asn_categories
            .add_csv(
                Path::new("<builtin asn_categories.csv>"),
                BUILTIN_ASN_CATEGORIES,
            )
            .is_err()
        {
            asn_categories = AsnCategories::default();
        }
        if egress
            .add_csv(
                Path::new("<builtin egress_ranges.csv>"),
                BUILTIN_EGRESS_RANGES,
            )
            .is_err()
        {
            egress = EgressRanges::default();
        }
        ReferenceData {
            mmdbs: Vec::new(),
            ranges: Vec::new(),
            asn_categories,
            egress,
        }
    }

    /// Loads everything `cfg` names on top of the built-in lists. Any missing or broken file
    /// is one error naming that file.
    pub fn load(cfg: &ReferenceConfig) -> Result<Self, UdfError> {
        let mut data = Self::builtin();
        for p in &cfg.mmdb_paths {
            data.mmdbs.push(MmdbSource::load(p)?);
        }
        for p in &cfg.range_files {
            data.ranges.push(RangeFile::load(p)?);
        }
        for p in &cfg.asn_category_files {
            let text = std::fs::read_to_string(p).map_err(|source| UdfError::Io {
                path: p.clone(),
                source,
            })?;
            // The same option takes egress range lists (`cidr,category,org,source`),
            // recognised by their header.
            let header = text
                .lines()
                .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .unwrap_or("");
            if header.trim_start().to_ascii_lowercase().starts_with("cidr") {
                data.egress.add_csv(p, &text)?;
            } else {
                data.asn_categories.add_csv(p, &text)?;
            }
        }
        for (asn, category) in &cfg.extra_asn_categories {
            data.asn_categories.insert(*asn, category, "")?;
        }
        Ok(data)
    }

    /// Number of loaded MaxMind databases and range files.
    pub fn source_count(&self) -> usize {
        self.mmdbs.len() + self.ranges.len()
    }

    /// Describes each loaded source (path and detected layout), for `--verbose` output.
    pub fn describe_sources(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .mmdbs
            .iter()
            .map(|m| format!("{} ({:?}, {})", m.path.display(), m.kind, m.database_type))
            .collect();
        out.extend(self.ranges.iter().map(|r| {
            format!(
                "{} ({:?} ranges, {} entries)",
                r.path.display(),
                r.kind,
                r.len()
            )
        }));
        out
    }

    /// True when some source can answer ASN questions.
    pub fn has_asn_source(&self) -> bool {
        self.mmdbs
            .iter()
            .any(|m| matches!(m.kind, MmdbKind::Asn | MmdbKind::Isp))
            || self.ranges.iter().any(|r| r.kind == RangeKind::Asn)
    }

    /// True when some source can geolocate.
    pub fn has_geo_source(&self) -> bool {
        self.mmdbs
            .iter()
            .any(|m| matches!(m.kind, MmdbKind::City | MmdbKind::Country))
            || self
                .ranges
                .iter()
                .any(|r| matches!(r.kind, RangeKind::City | RangeKind::Country))
    }

    /// True when an Anonymous-IP database is loaded.
    pub fn has_anonymous_source(&self) -> bool {
        self.mmdbs.iter().any(|m| m.kind == MmdbKind::AnonymousIp)
    }

    /// A fresh per-batch memo for the lookup methods.
    pub fn memo(&self) -> LookupMemo<'_> {
        let n = self.mmdbs.len();
        LookupMemo {
            asn: (0..n).map(|_| RecordMemo::default()).collect(),
            geo: (0..n).map(|_| RecordMemo::default()).collect(),
            country: (0..n).map(|_| RecordMemo::default()).collect(),
        }
    }

    /// ASN and AS organisation of `ip`.
    pub fn lookup_asn<'a>(&'a self, ip: IpAddr, memo: &mut LookupMemo<'a>) -> Option<AsnInfo<'a>> {
        for (m, cache) in self.mmdbs.iter().zip(memo.asn.iter_mut()) {
            if let Some(a) = m.asn(ip, cache) {
                return Some(a);
            }
        }
        for r in self.ranges.iter().filter(|r| r.kind == RangeKind::Asn) {
            if let Some(rec) = r.lookup(ip) {
                return Some(AsnInfo {
                    asn: rec.asn,
                    org: r.string(rec.org),
                });
            }
        }
        None
    }

    /// ISO country code of `ip` (geolocation sources only).
    pub fn lookup_country<'a>(&'a self, ip: IpAddr, memo: &mut LookupMemo<'a>) -> Option<&'a str> {
        for (m, cache) in self.mmdbs.iter().zip(memo.country.iter_mut()) {
            if let Some(c) = m.country(ip, cache) {
                return Some(c);
            }
        }
        for r in self.geo_ranges() {
            if let Some(c) = r.lookup(ip).and_then(|rec| r.string(rec.country)) {
                return Some(c);
            }
        }
        None
    }

    /// Geolocation of `ip` from the first source that knows it.
    pub fn lookup_geo<'a>(&'a self, ip: IpAddr, memo: &mut LookupMemo<'a>) -> Option<GeoInfo<'a>> {
        for (m, cache) in self.mmdbs.iter().zip(memo.geo.iter_mut()) {
            if let Some(g) = m.geo(ip, cache) {
                return Some(g);
            }
        }
        for r in self.geo_ranges() {
            if let Some(rec) = r.lookup(ip) {
                return Some(GeoInfo {
                    country: r.string(rec.country),
                    city: r.string(rec.city),
                    lat: rec.lat,
                    lon: rec.lon,
                    accuracy_km: None,
                });
            }
        }
        None
    }

    /// Anonymous-IP verdict, `None` when no Anonymous-IP database is loaded.
    pub fn lookup_anonymous(&self, ip: IpAddr) -> Option<bool> {
        self.mmdbs.iter().find_map(|m| m.is_anonymous(ip))
    }

    /// City ranges before country ranges: the more precise source answers first.
    fn geo_ranges(&self) -> impl Iterator<Item = &RangeFile> {
        let city = self.ranges.iter().filter(|r| r.kind == RangeKind::City);
        let country = self.ranges.iter().filter(|r| r.kind == RangeKind::Country);
        city.chain(country)
    }

    /// Category of an ASN from the curated lists.
    pub fn asn_category(&self, asn: i64) -> Option<&str> {
        self.asn_categories.category(asn)
    }
}

/// Per-batch memo of decoded MaxMind records, one map per database, so each record is
/// decoded once per batch however many addresses point at it.
pub struct LookupMemo<'a> {
    asn: Vec<RecordMemo<AsnInfo<'a>>>,
    geo: Vec<RecordMemo<GeoInfo<'a>>>,
    country: Vec<RecordMemo<&'a str>>,
}
