//! SQL functions answering questions about an IP from the reference data.
//!
//! `ip_asn(ip)` → Int64, `ip_as_org(ip)` → Utf8, `ip_country(ip)` → Utf8,
//! `ip_geo(ip)` → Struct{country, city, lat, lon, accuracy_km}, `ip_is_anonymous(ip)` →
//! Boolean, `ip_category(ip)` → Utf8.
//!
//! Invalid addresses and addresses no source knows give NULL; with no database configured
//! every lookup is NULL (never an error). Real logs repeat the same few addresses per user,
//! so each batch de-duplicates: consecutive equal strings reuse the previous answer, and a
//! small per-batch hash map keyed by the parsed address avoids repeating database lookups.

use std::net::IpAddr;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Builder, Int64Array, StringBuilder, StructArray, new_null_array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::ptr_eq::PtrEq;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::cidr::is_private;
use super::mmdb::GeoInfo;
use super::parse::{IntMap, ip_key, parse_ip};
use crate::args::{StrArg, check_arity, coerce_string};
use crate::reference::{LookupMemo, ReferenceData};

/// Which question an [`IpLookup`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupKind {
    /// `ip_asn`.
    Asn,
    /// `ip_as_org`.
    AsOrg,
    /// `ip_country`.
    Country,
    /// `ip_geo`.
    Geo,
    /// `ip_is_anonymous`.
    Anonymous,
    /// `ip_category`.
    Category,
}

impl LookupKind {
    fn name(self) -> &'static str {
        match self {
            LookupKind::Asn => "ip_asn",
            LookupKind::AsOrg => "ip_as_org",
            LookupKind::Country => "ip_country",
            LookupKind::Geo => "ip_geo",
            LookupKind::Anonymous => "ip_is_anonymous",
            LookupKind::Category => "ip_category",
        }
    }
}

/// The struct type `ip_geo` returns.
pub fn geo_struct_fields() -> Fields {
    Fields::from(vec![
        Field::new("country", DataType::Utf8, true),
        Field::new("city", DataType::Utf8, true),
        Field::new("lat", DataType::Float64, true),
        Field::new("lon", DataType::Float64, true),
        Field::new("accuracy_km", DataType::Float64, true),
    ])
}

/// One of the reference-data IP functions (see [`LookupKind`]).
///
/// ```sql
/// SELECT ip, ip_asn(ip), ip_as_org(ip), ip_country(ip), ip_geo(ip)['city'], ip_category(ip)
/// FROM (VALUES ('81.2.69.142'), ('2001:db8::1'), ('10.0.0.1')) AS t(ip)
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IpLookup {
    signature: Signature,
    kind: LookupKind,
    reference: PtrEq<Arc<ReferenceData>>,
}

impl IpLookup {
    /// Creates the function (register it with `register_all`).
    pub fn new(kind: LookupKind, reference: Arc<ReferenceData>) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            kind,
            reference: reference.into(),
        }
    }
}

/// Calls `emit` once per row with the looked-up value, de-duplicating work within the batch.
///
/// The address map only pays off in front of MaxMind lookups (a tree walk and a decode);
/// a range-table lookup is cheaper than hashing, so with `dedupe` false only the
/// consecutive-repeat shortcut is used.
fn per_row<'s, T: Copy>(
    ips: &StrArg<'s>,
    n: usize,
    dedupe: bool,
    mut lookup: impl FnMut(IpAddr) -> Option<T>,
    mut emit: impl FnMut(Option<T>),
) {
    let mut cache: IntMap<u128, Option<T>> = IntMap::default();
    if dedupe {
        cache.reserve(n.min(4096));
    }
    let mut prev: Option<(&'s str, Option<T>)> = None;
    for i in 0..n {
        let Some(s) = ips.get(i) else {
            emit(None);
            continue;
        };
        if let Some((ps, pv)) = prev
            && ps == s
        {
            emit(pv);
            continue;
        }
        let v = match parse_ip(s) {
            Some(ip) if dedupe => *cache.entry(ip_key(ip)).or_insert_with(|| lookup(ip)),
            Some(ip) => lookup(ip),
            None => None,
        };
        prev = Some((s, v));
        emit(v);
    }
}

impl ScalarUDFImpl for IpLookup {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        self.kind.name()
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_string(self.name(), 0, &t[0])?])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            LookupKind::Asn => DataType::Int64,
            LookupKind::AsOrg | LookupKind::Country | LookupKind::Category => DataType::Utf8,
            LookupKind::Geo => DataType::Struct(geo_struct_fields()),
            LookupKind::Anonymous => DataType::Boolean,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let ips = StrArg::new(&args.args[0])?;
        let r: &ReferenceData = &self.reference;
        let no_source = match self.kind {
            LookupKind::Asn | LookupKind::AsOrg => !r.has_asn_source(),
            LookupKind::Country | LookupKind::Geo => !r.has_geo_source(),
            LookupKind::Anonymous => !r.has_anonymous_source(),
            LookupKind::Category => false,
        };
        if no_source {
            return Ok(ColumnarValue::Array(new_null_array(
                args.return_field.data_type(),
                n,
            )));
        }
        let mut memo = r.memo();
        let dedupe = !r.mmdbs.is_empty();
        let out: ArrayRef = match self.kind {
            LookupKind::Asn => {
                let mut v: Vec<Option<i64>> = Vec::with_capacity(n);
                per_row(
                    &ips,
                    n,
                    dedupe,
                    |ip| {
                        r.lookup_asn(ip, &mut memo)
                            .and_then(|a| a.asn)
                            .map(i64::from)
                    },
                    |x| v.push(x),
                );
                Arc::new(Int64Array::from(v))
            }
            LookupKind::AsOrg => {
                let mut b = StringBuilder::with_capacity(n, n * 16);
                per_row(
                    &ips,
                    n,
                    dedupe,
                    |ip| r.lookup_asn(ip, &mut memo).and_then(|a| a.org),
                    |x| b.append_option(x),
                );
                Arc::new(b.finish())
            }
            LookupKind::Country => {
                let mut b = StringBuilder::with_capacity(n, n * 2);
                per_row(
                    &ips,
                    n,
                    dedupe,
                    |ip| r.lookup_country(ip, &mut memo),
                    |x| b.append_option(x),
                );
                Arc::new(b.finish())
            }
            LookupKind::Category => {
                let mut b = StringBuilder::with_capacity(n, n * 8);
                per_row(
                    &ips,
                    n,
                    dedupe,
                    |ip| ip_category(r, ip, &mut memo),
                    |x| b.append_option(x),
                );
                Arc::new(b.finish())
            }
            LookupKind::Anonymous => {
                let mut v: Vec<Option<bool>> = Vec::with_capacity(n);
                per_row(&ips, n, dedupe, |ip| r.lookup_anonymous(ip), |x| v.push(x));
                Arc::new(BooleanArray::from(v))
            }
            LookupKind::Geo => {
                let mut country = StringBuilder::with_capacity(n, n * 2);
                let mut city = StringBuilder::with_capacity(n, n * 8);
                let mut lat = Float64Builder::with_capacity(n);
                let mut lon = Float64Builder::with_capacity(n);
                let mut acc = Float64Builder::with_capacity(n);
                let mut valid: Vec<bool> = Vec::with_capacity(n);
                per_row(
                    &ips,
                    n,
                    dedupe,
                    |ip| r.lookup_geo(ip, &mut memo),
                    |g: Option<GeoInfo>| {
                        valid.push(g.is_some());
                        let g = g.unwrap_or_default();
                        country.append_option(g.country);
                        city.append_option(g.city);
                        lat.append_option(g.lat);
                        lon.append_option(g.lon);
                        acc.append_option(g.accuracy_km);
                    },
                );
                Arc::new(StructArray::try_new(
                    geo_struct_fields(),
                    vec![
                        Arc::new(country.finish()),
                        Arc::new(city.finish()),
                        Arc::new(lat.finish()),
                        Arc::new(lon.finish()),
                        Arc::new(acc.finish()),
                    ],
                    Some(NullBuffer::from(valid)),
                )?)
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// `ip_category`: private ranges, then the curated egress CIDRs, then the category of the
/// address's ASN (which needs an ASN source configured).
pub fn ip_category<'a>(
    r: &'a ReferenceData,
    ip: IpAddr,
    memo: &mut LookupMemo<'a>,
) -> Option<&'a str> {
    if is_private(ip) {
        return Some("private");
    }
    if let Some(c) = r.egress.category(ip_key(ip)) {
        return Some(c);
    }
    let asn = r.lookup_asn(ip, memo)?.asn?;
    r.asn_category(i64::from(asn))
}
