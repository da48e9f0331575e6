//! IP range tables loaded from CSV/TSV files (iptoasn, ip-location-db).
//!
//! Supported layouts, detected from the content (not the file name), plain or gzip:
//! * iptoasn TSV (`ip2asn-v4.tsv`, `ip2asn-v6.tsv`, `ip2asn-combined.tsv`, and the `-u32`
//!   variant): `range_start<TAB>range_end<TAB>AS_number<TAB>country_code<TAB>AS_description`.
//!   AS 0 ("Not routed") rows are skipped. The country column is the AS's registration
//!   country, not a geolocation, so it is kept out of `ip_country`.
//! * ip-location-db CSV, by column count: `start,end,country` (3), `start,end,asn,org` (4),
//!   `start,end,country,state1,state2,city,postcode,lat,lon,timezone` (10; 9 also accepted).
//!
//! Start/end are addresses or numbers (the `-num` variants); a number above `u32::MAX` is
//! IPv6, anything else IPv4. Lines starting with `#` and one header line are skipped.
//!
//! Storage is a sorted, compact columnar layout: IPv4 ranges as `u32` start/end arrays plus a
//! value index, IPv6 as `u128`; a 65,536-entry index on the top 16 bits of IPv4 addresses
//! narrows each binary search to a handful of entries. Ranges are assumed disjoint, as they
//! are in both sources; if they overlap, the range with the greatest start ≤ ip wins.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::parse::parse_ip;
use crate::error::UdfError;

/// What a range file maps addresses to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    /// iptoasn or ip-location-db asn: ASN + organisation.
    Asn,
    /// ip-location-db country: ISO country code.
    Country,
    /// ip-location-db city: country, city, lat, lon.
    City,
}

/// One interned record a range points to. Strings are ids into [`RangeFile::strings`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeRecord {
    /// AS number (ASN files).
    pub asn: Option<u32>,
    /// AS organisation string id (ASN files).
    pub org: Option<u32>,
    /// ISO country code string id (city and country files).
    pub country: Option<u32>,
    /// City name string id (city files).
    pub city: Option<u32>,
    /// Latitude (city files).
    pub lat: Option<f64>,
    /// Longitude (city files).
    pub lon: Option<f64>,
}

/// A loaded range file.
pub struct RangeFile {
    /// Where it was loaded from.
    pub path: PathBuf,
    /// What it maps addresses to.
    pub kind: RangeKind,
    table: RangeTable,
    records: Vec<RangeRecord>,
    strings: Vec<Box<str>>,
}

impl std::fmt::Debug for RangeFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RangeFile({}, {:?}, {} v4 + {} v6 ranges)",
            self.path.display(),
            self.kind,
            self.table.v4_start.len(),
            self.table.v6_start.len()
        )
    }
}

impl RangeFile {
    /// Record for `ip`, if a range covers it.
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> Option<&RangeRecord> {
        self.table
            .lookup(ip)
            .and_then(|i| self.records.get(i as usize))
    }

    /// The interned string with this id.
    #[inline]
    pub fn string(&self, id: Option<u32>) -> Option<&str> {
        id.and_then(|i| self.strings.get(i as usize)).map(|s| &**s)
    }

    /// Number of ranges (both families).
    pub fn len(&self) -> usize {
        self.table.v4_start.len() + self.table.v6_start.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads and indexes a range file, detecting its format.
    pub fn load(path: &Path) -> Result<RangeFile, UdfError> {
        let io = |source| UdfError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut magic = [0u8; 2];
        let got = file.read(&mut magic).map_err(io)?;
        drop(file);
        let file = std::fs::File::open(path).map_err(io)?;
        let reader: Box<dyn Read> = if got == 2 && magic == [0x1f, 0x8b] {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        Self::from_reader(path, BufReader::with_capacity(1 << 16, reader))
    }

    /// Parses range data from any reader; `path` is only used in error messages.
    pub fn from_reader(path: &Path, reader: impl BufRead) -> Result<RangeFile, UdfError> {
        let mut b = Builder::new(path);
        let mut format: Option<Format> = None;
        let mut fields: Vec<String> = Vec::new();
        let mut first_data_line = true;
        for (n, line) in reader.lines().enumerate() {
            let lineno = n as u64 + 1;
            let line = line.map_err(|source| UdfError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fmt = match format {
                Some(f) => f,
                None => {
                    let f = Format::detect(path, line)?;
                    format = Some(f);
                    f
                }
            };
            split_fields(line, fmt.separator(), &mut fields);
            // A header line ("start,end,...") is allowed before the first data line.
            if first_data_line {
                first_data_line = false;
                if parse_bound(&fields[0]).is_none() {
                    continue;
                }
            }
            b.add(fmt, &fields, lineno)?;
        }
        let kind = match format {
            Some(f) => f.kind(),
            None => {
                return Err(UdfError::UnknownFormat {
                    path: path.to_path_buf(),
                    message: "the file has no data lines".into(),
                });
            }
        };
        Ok(b.finish(kind))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    IpToAsn,
    CsvCountry,
    CsvAsn,
    CsvCity,
}

impl Format {
    fn separator(self) -> u8 {
        if self == Format::IpToAsn { b'\t' } else { b',' }
    }
    fn kind(self) -> RangeKind {
        match self {
            Format::IpToAsn | Format::CsvAsn => RangeKind::Asn,
            Format::CsvCountry => RangeKind::Country,
            Format::CsvCity => RangeKind::City,
        }
    }
    fn detect(path: &Path, line: &str) -> Result<Format, UdfError> {
        let unknown = |message: String| UdfError::UnknownFormat {
            path: path.to_path_buf(),
            message,
        };
        if line.contains('\t') {
            let n = line.split('\t').count();
            return if n >= 3 {
                Ok(Format::IpToAsn)
            } else {
                Err(unknown(format!("{n} tab-separated columns")))
            };
        }
        let mut fields = Vec::new();
        split_fields(line, b',', &mut fields);
        match fields.len() {
            3 => Ok(Format::CsvCountry),
            4 => Ok(Format::CsvAsn),
            9 | 10 => Ok(Format::CsvCity),
            n => Err(unknown(format!("{n} comma-separated columns"))),
        }
    }
}

/// Splits one CSV/TSV line into `out`, honouring double quotes (organisation names contain
/// commas: `"Cloudflare, Inc."`).
fn split_fields(line: &str, sep: u8, out: &mut Vec<String>) {
    out.clear();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && cur.is_empty() {
            in_quotes = true;
        } else if c as u32 == u32::from(sep) {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
}

/// A range bound: an address or its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    V4(u32),
    V6(u128),
}

fn parse_bound(s: &str) -> Option<Bound> {
    let s = s.trim();
    if s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty() {
        let v: u128 = s.parse().ok()?;
        return Some(match u32::try_from(v) {
            Ok(v4) => Bound::V4(v4),
            Err(_) => Bound::V6(v),
        });
    }
    match parse_ip(s)? {
        IpAddr::V4(v4) => Some(Bound::V4(u32::from(v4))),
        IpAddr::V6(v6) => Some(Bound::V6(u128::from(v6))),
    }
}

struct Builder {
    path: PathBuf,
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    records: Vec<RangeRecord>,
    record_ids: HashMap<RecordKey, u32>,
    strings: Vec<Box<str>>,
    string_ids: HashMap<Box<str>, u32>,
}

/// Hashable identity of a record (floats by their bits) for interning.
#[derive(Hash, PartialEq, Eq)]
struct RecordKey(
    Option<u32>,
    Option<u32>,
    Option<u32>,
    Option<u32>,
    Option<u64>,
    Option<u64>,
);

impl Builder {
    fn new(path: &Path) -> Self {
        Builder {
            path: path.to_path_buf(),
            v4: Vec::new(),
            v6: Vec::new(),
            records: Vec::new(),
            record_ids: HashMap::new(),
            strings: Vec::new(),
            string_ids: HashMap::new(),
        }
    }

    fn intern(&mut self, s: &str) -> Option<u32> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(&id) = self.string_ids.get(s) {
            return Some(id);
        }
        let id = self.strings.len() as u32;
        let boxed: Box<str> = s.into();
        self.strings.push(boxed.clone());
        self.string_ids.insert(boxed, id);
        Some(id)
    }

    fn err(&self, line: u64, message: String) -> UdfError {
        UdfError::Parse {
            path: self.path.clone(),
            line,
            message,
        }
    }

    fn add(&mut self, fmt: Format, f: &[String], line: u64) -> Result<(), UdfError> {
        let need = match fmt {
            Format::IpToAsn => 3,
            Format::CsvCountry => 3,
            Format::CsvAsn => 4,
            Format::CsvCity => 9,
        };
        if f.len() < need {
            return Err(self.err(line, format!("expected {need} columns, found {}", f.len())));
        }
        let start = parse_bound(&f[0])
            .ok_or_else(|| self.err(line, format!("invalid range start {:?}", f[0])))?;
        let end = parse_bound(&f[1])
            .ok_or_else(|| self.err(line, format!("invalid range end {:?}", f[1])))?;
        let mut rec = RangeRecord {
            asn: None,
            org: None,
            country: None,
            city: None,
            lat: None,
            lon: None,
        };
        match fmt {
            Format::IpToAsn | Format::CsvAsn => {
                let asn_text = f[2].trim();
                let asn_text = asn_text
                    .strip_prefix("AS")
                    .or_else(|| asn_text.strip_prefix("as"))
                    .unwrap_or(asn_text);
                let asn: u32 = asn_text
                    .parse()
                    .map_err(|_| self.err(line, format!("invalid AS number {:?}", f[2])))?;
                if asn == 0 {
                    // iptoasn marks unrouted space as AS0 "Not routed": no data.
                    return Ok(());
                }
                rec.asn = Some(asn);
                let org = if fmt == Format::IpToAsn {
                    f.get(4).map(String::as_str).unwrap_or("")
                } else {
                    &f[3]
                };
                rec.org = self.intern(org);
            }
            Format::CsvCountry => rec.country = self.intern(&f[2]),
            Format::CsvCity => {
                rec.country = self.intern(&f[2]);
                rec.city = self.intern(&f[5]);
                rec.lat = f[7].trim().parse::<f64>().ok().filter(|v| v.is_finite());
                rec.lon = f[8].trim().parse::<f64>().ok().filter(|v| v.is_finite());
            }
        }
        let key = RecordKey(
            rec.asn,
            rec.org,
            rec.country,
            rec.city,
            rec.lat.map(f64::to_bits),
            rec.lon.map(f64::to_bits),
        );
        let next = self.records.len() as u32;
        let id = *self.record_ids.entry(key).or_insert(next);
        if id == next {
            self.records.push(rec);
        }
        match (start, end) {
            (Bound::V4(s), Bound::V4(e)) if s <= e => self.v4.push((s, e, id)),
            (Bound::V6(s), Bound::V6(e)) if s <= e => self.v6.push((s, e, id)),
            // A mapped-IPv4 pair written as IPv6 numbers would land here too; reject it
            // rather than guess.
            _ => {
                return Err(self.err(
                    line,
                    format!("range {:?}..{:?} mixes families or is reversed", f[0], f[1]),
                ));
            }
        }
        Ok(())
    }

    fn finish(mut self, kind: RangeKind) -> RangeFile {
        self.v4.sort_unstable_by_key(|r| r.0);
        self.v6.sort_unstable_by_key(|r| r.0);
        let table = RangeTable::new(&self.v4, &self.v6);
        RangeFile {
            path: self.path,
            kind,
            table,
            records: self.records,
            strings: self.strings,
        }
    }
}

/// Sorted disjoint ranges in struct-of-arrays layout.
struct RangeTable {
    v4_start: Vec<u32>,
    v4_end: Vec<u32>,
    v4_val: Vec<u32>,
    /// `v4_index[h]` = number of IPv4 ranges whose start is below `h << 16`.
    v4_index: Vec<u32>,
    v6_start: Vec<u128>,
    v6_end: Vec<u128>,
    v6_val: Vec<u32>,
}

impl RangeTable {
    fn new(v4: &[(u32, u32, u32)], v6: &[(u128, u128, u32)]) -> Self {
        let v4_start: Vec<u32> = v4.iter().map(|r| r.0).collect();
        let mut v4_index = Vec::with_capacity(65537);
        let mut j = 0usize;
        for h in 0..=65536u64 {
            let bound = h << 16;
            while j < v4_start.len() && u64::from(v4_start[j]) < bound {
                j += 1;
            }
            v4_index.push(j as u32);
        }
        RangeTable {
            v4_start,
            v4_end: v4.iter().map(|r| r.1).collect(),
            v4_val: v4.iter().map(|r| r.2).collect(),
            v4_index,
            v6_start: v6.iter().map(|r| r.0).collect(),
            v6_end: v6.iter().map(|r| r.1).collect(),
            v6_val: v6.iter().map(|r| r.2).collect(),
        }
    }

    #[inline]
    fn lookup(&self, ip: IpAddr) -> Option<u32> {
        match ip {
            IpAddr::V4(v4) => self.lookup_v4(u32::from(v4)),
            IpAddr::V6(v6) => {
                let k = u128::from(v6);
                let i = self.v6_start.partition_point(|&s| s <= k);
                let j = i.checked_sub(1)?;
                (k <= self.v6_end[j]).then(|| self.v6_val[j])
            }
        }
    }

    #[inline]
    fn lookup_v4(&self, k: u32) -> Option<u32> {
        let h = (k >> 16) as usize;
        // Ranges starting in this /16 bucket are in [lo, hi); the answer is the last range
        // with start ≤ k, which is either in the bucket or the one just before it.
        let lo = *self.v4_index.get(h)? as usize;
        let hi = *self.v4_index.get(h + 1)? as usize;
        let i = lo + self.v4_start.get(lo..hi)?.partition_point(|&s| s <= k);
        let j = i.checked_sub(1)?;
        (k <= self.v4_end[j]).then(|| self.v4_val[j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn load(text: &str) -> RangeFile {
        RangeFile::from_reader(Path::new("test"), Cursor::new(text.as_bytes().to_vec())).unwrap()
    }
    fn ip(s: &str) -> IpAddr {
        parse_ip(s).unwrap()
    }

    #[test]
    fn iptoasn_tsv() {
        let f = load(
            "# synthetic\n1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
             1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n\
             2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64500\tZZ\tEXAMPLE-V6\n",
        );
        assert_eq!(f.kind, RangeKind::Asn);
        let r = f.lookup(ip("1.0.0.77")).unwrap();
        assert_eq!(r.asn, Some(13335));
        assert_eq!(f.string(r.org), Some("CLOUDFLARENET"));
        assert!(f.lookup(ip("1.0.2.1")).is_none(), "AS0 rows are skipped");
        assert!(f.lookup(ip("0.255.255.255")).is_none());
        assert!(f.lookup(ip("1.0.0.0")).is_some());
        assert!(f.lookup(ip("1.0.0.255")).is_some());
        assert!(f.lookup(ip("1.0.1.0")).is_none());
        assert_eq!(f.lookup(ip("2001:db8:1::5")).unwrap().asn, Some(64500));
        assert!(f.lookup(ip("2001:db9::")).is_none());
    }

    #[test]
    fn csv_variants_and_numeric_bounds() {
        let asn = load("start,end,asn,org\n16777216,16777471,13335,\"Cloudflare, Inc.\"\n");
        let r = asn.lookup(ip("1.0.0.1")).unwrap();
        assert_eq!(asn.string(r.org), Some("Cloudflare, Inc."));
        let country = load("1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.3.255,CN\n");
        assert_eq!(country.kind, RangeKind::Country);
        let r = country.lookup(ip("1.0.2.9")).unwrap();
        assert_eq!(country.string(r.country), Some("CN"));
        let city = load(
            "1.0.0.0,1.0.0.255,AU,Queensland,,South Brisbane,4101,-27.4767,153.017,Australia/Brisbane\n",
        );
        assert_eq!(city.kind, RangeKind::City);
        let r = city.lookup(ip("1.0.0.3")).unwrap();
        assert_eq!(city.string(r.city), Some("South Brisbane"));
        assert_eq!(r.lat, Some(-27.4767));
        let v6num = load(
            "42540528726795050063891204319802818560,42540528806023212578155541913346768895,JP\n",
        );
        assert_eq!(
            v6num.string(v6num.lookup(ip("2001:200::1")).unwrap().country),
            Some("JP")
        );
    }

    #[test]
    fn bucket_boundaries() {
        // A range spanning many /16 buckets must be found from any of them.
        let f = load("10.0.0.0,10.255.255.255,XA\n11.0.0.5,11.0.0.5,XB\n");
        for s in ["10.0.0.0", "10.1.0.0", "10.200.3.4", "10.255.255.255"] {
            assert!(f.lookup(ip(s)).is_some(), "{s}");
        }
        assert!(f.lookup(ip("11.0.0.4")).is_none());
        assert!(f.lookup(ip("11.0.0.5")).is_some());
        assert!(f.lookup(ip("11.0.0.6")).is_none());
        assert!(f.lookup(ip("255.255.255.255")).is_none());
        assert!(f.lookup(ip("0.0.0.0")).is_none());
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = RangeFile::from_reader(
            Path::new("bad.csv"),
            Cursor::new(b"1.0.0.0,1.0.0.255,XX\nfoo,bar,YY\n".to_vec()),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("bad.csv:2"), "{e}");
        let e = RangeFile::from_reader(Path::new("odd.csv"), Cursor::new(b"a,b\n".to_vec()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("odd.csv") && e.contains("unrecognised"), "{e}");
        let e = RangeFile::from_reader(
            Path::new("rev.csv"),
            Cursor::new(b"1.0.0.9,1.0.0.1,XX\n".to_vec()),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("rev.csv:1"), "{e}");
    }
}
