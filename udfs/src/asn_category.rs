//! Curated ASN categories and known egress ranges.
//!
//! SQL: `asn_category(asn)` → Utf8, `is_hosting_asn(asn)` → Boolean.
//!
//! The built-in lists are `data/reference/asn_categories.csv` (`asn,category,org,source`) and
//! `data/reference/egress_ranges.csv` (`cidr,category,org,source`), compiled in with
//! `include_str!` so the binary works without any file. Users extend or override them with
//! `ReferenceConfig::asn_category_files` and `extra_asn_categories`; later entries win.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{BooleanArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::ptr_eq::PtrEq;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::args::{I64Arg, check_arity, coerce_i64};
use crate::error::UdfError;
use crate::ip::cidr::Cidr;
use crate::reference::ReferenceData;

/// The built-in ASN list, embedded at compile time.
pub const BUILTIN_ASN_CATEGORIES: &str = include_str!("../../data/reference/asn_categories.csv");
/// The built-in egress range list, embedded at compile time.
pub const BUILTIN_EGRESS_RANGES: &str = include_str!("../../data/reference/egress_ranges.csv");

/// Categories that `is_hosting_asn` treats as datacenter egress: cloud/VPS hosting,
/// commercial VPN operators (their exits run in datacenters) and Tor exit operators.
pub const HOSTING_CATEGORIES: &[&str] = &["hosting", "vpn", "tor"];

/// ASN → (category, organisation).
#[derive(Debug, Default, Clone)]
pub struct AsnCategories {
    map: HashMap<i64, (Arc<str>, Arc<str>)>,
}

impl AsnCategories {
    /// Category of `asn`, if listed.
    #[inline]
    pub fn category(&self, asn: i64) -> Option<&str> {
        self.map.get(&asn).map(|(c, _)| &**c)
    }

    /// Organisation name recorded for `asn`, if listed.
    pub fn org(&self, asn: i64) -> Option<&str> {
        self.map.get(&asn).map(|(_, o)| &**o)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds or overrides one entry.
    pub fn insert(&mut self, asn: i64, category: &str, org: &str) -> Result<(), UdfError> {
        let category = normalise_category(category).ok_or_else(|| UdfError::InvalidCategory {
            asn,
            message: format!("category {category:?} must be a non-empty word of [a-z0-9_]"),
        })?;
        if !(1..=i64::from(u32::MAX)).contains(&asn) {
            return Err(UdfError::InvalidCategory {
                asn,
                message: "AS numbers are 1..=4294967295".into(),
            });
        }
        self.map.insert(asn, (category.into(), org.trim().into()));
        Ok(())
    }

    /// Merges a CSV list (`asn,category,org,source`; header and `#` comments allowed).
    pub fn add_csv(&mut self, path: &Path, text: &str) -> Result<(), UdfError> {
        for (line, fields) in csv_rows(path, text)? {
            let parse_err = |message: String| UdfError::Parse {
                path: path.to_path_buf(),
                line,
                message,
            };
            let asn_text = fields.first().map(|s| s.trim()).unwrap_or("");
            let asn_text = asn_text
                .strip_prefix("AS")
                .or_else(|| asn_text.strip_prefix("as"))
                .unwrap_or(asn_text);
            let asn: i64 = asn_text
                .parse()
                .map_err(|_| parse_err(format!("invalid AS number {asn_text:?}")))?;
            let category = fields.get(1).map(String::as_str).unwrap_or("");
            let org = fields.get(2).map(String::as_str).unwrap_or("");
            self.insert(asn, category, org)
                .map_err(|e| parse_err(e.to_string()))?;
        }
        Ok(())
    }
}

/// Known egress CIDR blocks, most specific first.
#[derive(Debug, Default, Clone)]
pub struct EgressRanges {
    entries: Vec<(Cidr, Arc<str>, Arc<str>)>,
}

impl EgressRanges {
    /// Category of the most specific listed block containing the address key.
    #[inline]
    pub fn category(&self, key: u128) -> Option<&str> {
        self.entries
            .iter()
            .find(|(c, _, _)| c.contains_key(key))
            .map(|(_, cat, _)| &**cat)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Merges a CSV list (`cidr,category,org,source`).
    pub fn add_csv(&mut self, path: &Path, text: &str) -> Result<(), UdfError> {
        for (line, fields) in csv_rows(path, text)? {
            let parse_err = |message: String| UdfError::Parse {
                path: path.to_path_buf(),
                line,
                message,
            };
            let cidr_text = fields.first().map(String::as_str).unwrap_or("");
            let cidr = Cidr::parse(cidr_text)
                .ok_or_else(|| parse_err(format!("invalid CIDR {cidr_text:?}")))?;
            let category = fields.get(1).map(String::as_str).unwrap_or("");
            let category = normalise_category(category)
                .ok_or_else(|| parse_err(format!("invalid category {category:?}")))?;
            let org = fields.get(2).map(String::as_str).unwrap_or("").trim();
            // A later entry for the same block overrides the earlier one.
            self.entries.retain(|(c, _, _)| *c != cidr);
            self.entries.push((cidr, category.into(), org.into()));
        }
        // Longest prefix first, so the first match is the most specific.
        self.entries.sort_by_key(|b| std::cmp::Reverse(b.0.bits));
        Ok(())
    }
}

fn normalise_category(c: &str) -> Option<String> {
    let c = c.trim().to_ascii_lowercase();
    (!c.is_empty()
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    .then_some(c)
}

/// Data rows of a small CSV file with a header line; `#` starts a comment line.
fn csv_rows(path: &Path, text: &str) -> Result<Vec<(u64, Vec<String>)>, UdfError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| UdfError::Parse {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

/// `asn_category(asn)` → Utf8 category from the curated lists; NULL when unlisted.
///
/// ```sql
/// SELECT asn_category(16509)  -- 'hosting' (Amazon AWS)
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AsnCategory {
    signature: Signature,
    reference: PtrEq<Arc<ReferenceData>>,
    /// `true` for the `is_hosting_asn` variant.
    hosting_flag: bool,
}

impl AsnCategory {
    /// Creates the function (register it with `register_all`).
    pub fn new(reference: Arc<ReferenceData>) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            reference: reference.into(),
            hosting_flag: false,
        }
    }
    /// `is_hosting_asn(asn)` → Boolean: category is hosting, vpn or tor
    /// ([`HOSTING_CATEGORIES`]); false for listed non-hosting ASNs and unlisted ones.
    pub fn is_hosting(reference: Arc<ReferenceData>) -> Self {
        Self {
            hosting_flag: true,
            ..Self::new(reference)
        }
    }
}

impl ScalarUDFImpl for AsnCategory {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        if self.hosting_flag {
            "is_hosting_asn"
        } else {
            "asn_category"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_i64(self.name(), 0, &t[0])?])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(if self.hosting_flag {
            DataType::Boolean
        } else {
            DataType::Utf8
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let asns = I64Arg::new(&args.args[0])?;
        let cats = &self.reference.asn_categories;
        if self.hosting_flag {
            let out: BooleanArray = (0..n)
                .map(|i| {
                    let asn = asns.get(i)?;
                    Some(
                        cats.category(asn)
                            .is_some_and(|c| HOSTING_CATEGORIES.contains(&c)),
                    )
                })
                .collect();
            return Ok(ColumnarValue::Array(Arc::new(out)));
        }
        let mut b = StringBuilder::with_capacity(n, n * 8);
        for i in 0..n {
            b.append_option(asns.get(i).and_then(|a| cats.category(a)));
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> AsnCategories {
        let mut c = AsnCategories::default();
        c.add_csv(Path::new("asn_categories.csv"), BUILTIN_ASN_CATEGORIES)
            .unwrap();
        c
    }

    #[test]
    fn builtin_list_parses_and_is_sourced() {
        let c = builtin();
        assert!(c.len() >= 150, "only {} ASNs", c.len());
        // Every row names its source.
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(BUILTIN_ASN_CATEGORIES.as_bytes());
        let headers = rdr.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            ["asn", "category", "org", "source"]
        );
        let mut seen = std::collections::HashSet::new();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), 4, "{rec:?}");
            assert!(!rec[2].trim().is_empty(), "org missing: {rec:?}");
            assert!(!rec[3].trim().is_empty(), "source missing: {rec:?}");
            assert!(seen.insert(rec[0].to_string()), "duplicate ASN {}", &rec[0]);
        }
    }

    #[test]
    fn builtin_categories() {
        let c = builtin();
        assert_eq!(c.category(16509), Some("hosting"));
        assert_eq!(c.category(14618), Some("hosting"));
        // Azure customer VMs: only the published Microsoft 365 / Entra ranges are `microsoft`.
        assert_eq!(c.category(8075), Some("hosting"));
        assert_eq!(c.category(3598), Some("microsoft"));
        assert_eq!(c.category(396982), Some("hosting"));
        assert_eq!(c.category(15169), Some("google"));
        assert_eq!(c.category(14061), Some("hosting"));
        assert_eq!(c.category(24940), Some("hosting"));
        assert_eq!(c.category(21928), Some("mobile"));
        assert_eq!(c.category(22394), Some("mobile"));
        assert_eq!(c.category(36183), Some("privacy_relay"));
        assert_eq!(c.category(13335), Some("cdn"));
        assert_eq!(c.category(54113), Some("cdn"));
        assert_eq!(c.category(7922), Some("isp"));
        assert_eq!(c.category(3), Some("education"));
        assert_eq!(c.category(64512), None, "private-use ASN is unlisted");
    }

    #[test]
    fn overrides_and_validation() {
        let mut c = builtin();
        c.add_csv(
            Path::new("extra.csv"),
            "asn,category,org,source\n# comment\n13335,privacy_relay,Cloudflare,local decision\n64500,Hosting,Example,test\n",
        )
        .unwrap();
        assert_eq!(c.category(13335), Some("privacy_relay"));
        assert_eq!(c.category(64500), Some("hosting"));
        let e = c
            .add_csv(
                Path::new("bad.csv"),
                "asn,category,org,source\nAS12x,hosting,X,Y\n",
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv:2"), "{e}");
        assert!(c.insert(0, "hosting", "x").is_err());
        assert!(c.insert(5, "two words", "x").is_err());
    }

    #[test]
    fn egress_longest_prefix() {
        let mut e = EgressRanges::default();
        e.add_csv(
            Path::new("egress.csv"),
            "cidr,category,org,source\n10.0.0.0/8,wide,A,t\n10.1.0.0/16,narrow,B,t\n",
        )
        .unwrap();
        let key = |s: &str| crate::ip::parse::ip_key(crate::ip::parse::parse_ip(s).unwrap());
        assert_eq!(e.category(key("10.1.2.3")), Some("narrow"));
        assert_eq!(e.category(key("10.2.2.3")), Some("wide"));
        assert_eq!(e.category(key("11.0.0.1")), None);
        let mut b = EgressRanges::default();
        b.add_csv(Path::new("e.csv"), BUILTIN_EGRESS_RANGES)
            .unwrap();
        assert!(!b.is_empty());
    }
}
