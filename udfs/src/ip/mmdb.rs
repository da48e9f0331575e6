//! MaxMind DB (`.mmdb`) sources: GeoLite2/GeoIP2 City, Country, ASN, ISP, Anonymous-IP,
//! and the DB-IP / ip-location-db files that use the same layouts.
//!
//! The layout is detected from the database's own `database_type` metadata, never from the
//! file name. Broken files are caught at load where cheaply possible: the metadata must
//! parse and the first records of the search tree must decode (a bounded probe, so opening
//! a 70 MB City database stays instant). Corruption deeper in a file that the probe did not
//! reach yields NULL for the affected addresses at query time — never a panic or an error
//! that aborts a hunt.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{LookupResult, Reader, geoip2};

use super::parse::IntMap;

use crate::error::UdfError;

/// What a MaxMind database contains, from its `database_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmdbKind {
    /// City-level geolocation (GeoLite2-City, GeoIP2-City, GeoIP2-Enterprise, DBIP-City).
    City,
    /// Country-level geolocation (GeoLite2-Country, GeoIP2-Country, DBIP-Country).
    Country,
    /// ASN and AS organisation (GeoLite2-ASN, DBIP-ASN).
    Asn,
    /// ISP database: ASN, AS organisation, ISP and organisation names (GeoIP2-ISP).
    Isp,
    /// Anonymous-IP flags (GeoIP2-Anonymous-IP).
    AnonymousIp,
}

impl MmdbKind {
    /// Classifies a `database_type` string; `None` if we have no use for it.
    pub fn from_database_type(t: &str) -> Option<MmdbKind> {
        let l = t.to_ascii_lowercase();
        if l.contains("anonymous") {
            Some(MmdbKind::AnonymousIp)
        } else if l.contains("isp") {
            Some(MmdbKind::Isp)
        } else if l.contains("asn") {
            Some(MmdbKind::Asn)
        } else if l.contains("city") || l.contains("enterprise") {
            Some(MmdbKind::City)
        } else if l.contains("country") {
            Some(MmdbKind::Country)
        } else {
            None
        }
    }
}

/// ASN facts for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsnInfo<'a> {
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// AS organisation name.
    pub org: Option<&'a str>,
}

/// Geolocation facts for an address.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GeoInfo<'a> {
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<&'a str>,
    /// City name (English).
    pub city: Option<&'a str>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Accuracy radius in kilometres (MaxMind City databases only).
    pub accuracy_km: Option<f64>,
}

/// An opened MaxMind database.
pub struct MmdbSource {
    /// Where it was loaded from.
    pub path: PathBuf,
    /// Detected layout.
    pub kind: MmdbKind,
    /// The database's own `database_type` metadata.
    pub database_type: String,
    /// The flat layout of ip-location-db's `.mmdb` files (`country_code`, `city`,
    /// `latitude`, `longitude` at the top level) instead of MaxMind's nested one.
    flat: bool,
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for MmdbSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MmdbSource({}, {})",
            self.path.display(),
            self.database_type
        )
    }
}

/// Per-batch memo of decoded records keyed by data-section offset. Many networks, and so
/// many distinct addresses, share one record (a city, an AS), so a batch decodes each
/// record once even when its addresses are all different.
pub type RecordMemo<T> = IntMap<usize, Option<T>>;

/// How many leading networks the load-time probe decodes.
const PROBE_RECORDS: usize = 256;

impl MmdbSource {
    /// Opens and probes a database file.
    pub fn load(path: &Path) -> Result<MmdbSource, UdfError> {
        let bytes = std::fs::read(path).map_err(|source| UdfError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Opens a database from memory; `path` names it in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<MmdbSource, UdfError> {
        let mmdb_err = |e: maxminddb::MaxMindDbError| UdfError::Mmdb {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let reader = Reader::from_source(bytes).map_err(mmdb_err)?;
        let database_type = reader.metadata().database_type.clone();
        let kind = MmdbKind::from_database_type(&database_type).ok_or_else(|| {
            UdfError::UnsupportedMmdb {
                path: path.to_path_buf(),
                database_type: database_type.clone(),
            }
        })?;
        // ip-location-db's databases ("city ipv4", "country ipv6", ...) keep their fields at
        // the top level of each record; recognise them by the first record's shape.
        let flat = matches!(kind, MmdbKind::City | MmdbKind::Country)
            && reader
                .networks(Default::default())
                .ok()
                .and_then(|mut it| it.next())
                .and_then(Result::ok)
                .and_then(|first| {
                    first
                        .decode_path::<&str>(&maxminddb::path!["country_code"])
                        .ok()
                        .flatten()
                })
                .is_some();
        let src = MmdbSource {
            path: path.to_path_buf(),
            kind,
            database_type,
            flat,
            reader,
        };
        src.probe().map_err(|message| UdfError::Mmdb {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(src)
    }

    /// Walks the first networks of the search tree and decodes their records as this
    /// database's layout, so a corrupt tree or data section fails at load.
    fn probe(&self) -> Result<(), String> {
        let networks = self
            .reader
            .networks(Default::default())
            .map_err(|e| e.to_string())?;
        for item in networks.take(PROBE_RECORDS) {
            let found = item.map_err(|e| format!("search tree: {e}"))?;
            let net = found
                .network()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into());
            let res = match self.kind {
                _ if self.flat => found
                    .decode_path::<&str>(&maxminddb::path!["country_code"])
                    .map(|_| ()),
                MmdbKind::City => found.decode::<geoip2::City>().map(|_| ()),
                MmdbKind::Country => found.decode::<geoip2::Country>().map(|_| ()),
                MmdbKind::Asn => found.decode::<geoip2::Asn>().map(|_| ()),
                MmdbKind::Isp => found.decode::<geoip2::Isp>().map(|_| ()),
                MmdbKind::AnonymousIp => found.decode::<geoip2::AnonymousIp>().map(|_| ()),
            };
            res.map_err(|e| format!("record for {net}: {e}"))?;
        }
        Ok(())
    }

    /// Looks `ip` up and decodes its record with `decode`, at most once per record per memo.
    fn memoised<'a, T: Copy>(
        &'a self,
        ip: IpAddr,
        memo: &mut RecordMemo<T>,
        decode: impl FnOnce(&LookupResult<'a, Vec<u8>>) -> Option<T>,
    ) -> Option<T> {
        let found = self.reader.lookup(ip).ok()?;
        let offset = found.offset()?;
        if let Some(v) = memo.get(&offset) {
            return *v;
        }
        let v = decode(&found);
        memo.insert(offset, v);
        v
    }

    /// ASN and organisation (ASN and ISP databases; City/Enterprise have none in GeoLite2).
    pub fn asn<'a>(
        &'a self,
        ip: IpAddr,
        memo: &mut RecordMemo<AsnInfo<'a>>,
    ) -> Option<AsnInfo<'a>> {
        if !matches!(self.kind, MmdbKind::Asn | MmdbKind::Isp) {
            return None;
        }
        self.memoised(ip, memo, |found| self.decode_asn(found))
    }

    fn decode_asn<'a>(&self, found: &LookupResult<'a, Vec<u8>>) -> Option<AsnInfo<'a>> {
        let info = match self.kind {
            MmdbKind::Asn => {
                let r = found.decode::<geoip2::Asn>().ok()??;
                AsnInfo {
                    asn: r.autonomous_system_number,
                    org: r.autonomous_system_organization,
                }
            }
            MmdbKind::Isp => {
                let r = found.decode::<geoip2::Isp>().ok()??;
                AsnInfo {
                    asn: r.autonomous_system_number,
                    // ISP records without an AS organisation usually still name the ISP.
                    org: r
                        .autonomous_system_organization
                        .or(r.isp)
                        .or(r.organization),
                }
            }
            _ => return None,
        };
        (info.asn.is_some() || info.org.is_some()).then_some(info)
    }

    /// Geolocation (City and Country databases). The located country is preferred; when a
    /// network has none (anycast, satellite), the registered country stands in.
    pub fn geo<'a>(
        &'a self,
        ip: IpAddr,
        memo: &mut RecordMemo<GeoInfo<'a>>,
    ) -> Option<GeoInfo<'a>> {
        if !matches!(self.kind, MmdbKind::City | MmdbKind::Country) {
            return None;
        }
        self.memoised(ip, memo, |found| self.decode_geo(found))
    }

    fn decode_geo<'a>(&self, found: &LookupResult<'a, Vec<u8>>) -> Option<GeoInfo<'a>> {
        if self.flat {
            let get_str = |key: &str| -> Option<&'a str> {
                found
                    .decode_path::<&str>(&maxminddb::path![key])
                    .ok()
                    .flatten()
                    .filter(|s| !s.is_empty())
            };
            // Coordinates are 32-bit floats in ip-location-db files, doubles elsewhere.
            let get_f64 = |key: &str| -> Option<f64> {
                let path = maxminddb::path![key];
                match found.decode_path::<f64>(&path) {
                    Ok(v) => v,
                    Err(_) => found
                        .decode_path::<f32>(&path)
                        .ok()
                        .flatten()
                        .map(f64::from),
                }
            };
            let info = GeoInfo {
                country: get_str("country_code"),
                city: get_str("city"),
                lat: get_f64("latitude"),
                lon: get_f64("longitude"),
                accuracy_km: None,
            };
            return (info.country.is_some() || info.lat.is_some()).then_some(info);
        }
        let info = match self.kind {
            MmdbKind::City => {
                let r = found.decode::<geoip2::City>().ok()??;
                GeoInfo {
                    country: r.country.iso_code.or(r.registered_country.iso_code),
                    city: r.city.names.english,
                    lat: r.location.latitude,
                    lon: r.location.longitude,
                    accuracy_km: r.location.accuracy_radius.map(f64::from),
                }
            }
            MmdbKind::Country => {
                let r = found.decode::<geoip2::Country>().ok()??;
                GeoInfo {
                    country: r.country.iso_code.or(r.registered_country.iso_code),
                    ..GeoInfo::default()
                }
            }
            _ => return None,
        };
        (info.country.is_some() || info.lat.is_some()).then_some(info)
    }

    /// Country code only: cheaper than [`Self::geo`] because only two paths are decoded.
    pub fn country<'a>(&'a self, ip: IpAddr, memo: &mut RecordMemo<&'a str>) -> Option<&'a str> {
        if !matches!(self.kind, MmdbKind::City | MmdbKind::Country) {
            return None;
        }
        self.memoised(ip, memo, |found| self.decode_country(found))
    }

    fn decode_country<'a>(&self, found: &LookupResult<'a, Vec<u8>>) -> Option<&'a str> {
        if self.flat {
            return found
                .decode_path::<&str>(&maxminddb::path!["country_code"])
                .ok()
                .flatten()
                .filter(|s| !s.is_empty());
        }
        let located: Option<&'a str> = found
            .decode_path(&maxminddb::path!["country", "iso_code"])
            .ok()
            .flatten();
        located.or_else(|| {
            found
                .decode_path(&maxminddb::path!["registered_country", "iso_code"])
                .ok()
                .flatten()
        })
    }

    /// Anonymous-IP flag: `Some(true)` for any anonymous flag, `Some(false)` when the address
    /// is absent from the database (it only lists anonymous networks).
    pub fn is_anonymous(&self, ip: IpAddr) -> Option<bool> {
        if self.kind != MmdbKind::AnonymousIp {
            return None;
        }
        let found = self.reader.lookup(ip).ok()?;
        match found.decode::<geoip2::AnonymousIp>() {
            Ok(Some(r)) => Some(
                [
                    r.is_anonymous,
                    r.is_anonymous_vpn,
                    r.is_public_proxy,
                    r.is_tor_exit_node,
                    r.is_residential_proxy,
                ]
                .contains(&Some(true)),
            ),
            Ok(None) => Some(false),
            Err(_) => None,
        }
    }
}
