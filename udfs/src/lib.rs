//! tokenhunt SQL functions: geo-velocity, session stitching, IP intelligence, user agents
//! and KQL helpers, as DataFusion scalar, aggregate and window functions.
//!
//! Everything is registered through [`register_all`], which any `SessionContext` or
//! `SessionState` (including Ballista scheduler and executor states) can call with the same
//! [`ReferenceData`]; no function keeps process-global state.

mod args;
pub mod asn_category;
pub mod error;
pub mod geo;
pub mod ip;
pub mod kql;
pub mod reference;
pub mod useragent;

use std::sync::Arc;

use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::ScalarUDF;

pub use error::UdfError;
pub use reference::{ReferenceConfig, ReferenceData};

/// Registers every tokenhunt function in `registry` (a `SessionContext` or `SessionState`).
pub fn register_all(
    registry: &mut dyn FunctionRegistry,
    reference: Arc<ReferenceData>,
) -> datafusion::error::Result<()> {
    use ip::lookup::{IpLookup, LookupKind};
    use useragent::{UaFunction, UaKind};
    let r = || Arc::clone(&reference);
    let scalars: Vec<ScalarUDF> = vec![
        geo::GeoDistance::new().into(),
        geo::GeoVelocity::new().into(),
        ip::cidr::IpInCidr::new().into(),
        ip::cidr::IpPrefix::new().into(),
        ip::cidr::IpPrefix::network().into(),
        ip::cidr::IsPrivateIp::new().into(),
        IpLookup::new(LookupKind::Asn, r()).into(),
        IpLookup::new(LookupKind::AsOrg, r()).into(),
        IpLookup::new(LookupKind::Country, r()).into(),
        IpLookup::new(LookupKind::Geo, r()).into(),
        IpLookup::new(LookupKind::Anonymous, r()).into(),
        IpLookup::new(LookupKind::Category, r()).into(),
        asn_category::AsnCategory::new(r()).into(),
        asn_category::AsnCategory::is_hosting(r()).into(),
        UaFunction::new(UaKind::Family).into(),
        UaFunction::new(UaKind::Os).into(),
        UaFunction::new(UaKind::Scripted).into(),
        UaFunction::new(UaKind::Fingerprint).into(),
        useragent::UaSimilarity::new().into(),
        kql::Ago::new().into(),
        kql::DatetimeDiff::new().into(),
        kql::Bin::new().into(),
    ];
    for f in scalars {
        registry.register_udf(Arc::new(f))?;
    }
    Ok(())
}
