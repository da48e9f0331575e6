#![warn(missing_docs)]
//! tokenhunt SQL functions: geo-velocity, session stitching, IP intelligence, user agents
//! and KQL helpers, as DataFusion scalar, aggregate and window functions.
//!
//! Everything is registered through [`register_all`], which any `SessionContext` or
//! `SessionState` (including Ballista scheduler and executor states) can call with the same
//! [`ReferenceData`]; no function keeps process-global state.

mod agg_support;
mod args;
pub mod asn_category;
pub mod docs;
pub mod error;
pub mod geo;
pub mod hop_window;
pub mod ip;
pub mod kql;
pub mod kql_aggregates;
pub mod reference;
pub mod session_aggregates;
pub mod useragent;

#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod sql_tests;

use std::sync::Arc;

use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};

pub use docs::{FunctionDoc, FunctionKind, function_docs};
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
    use session_aggregates::{EventAggregate, EventSummary, SessionNetworks};
    let aggregates: Vec<AggregateUDF> = vec![
        SessionNetworks::new().into(),
        SessionNetworks::with_widths().into(),
        EventAggregate::new(EventSummary::MaxHopKmh).into(),
        EventAggregate::new(EventSummary::NetworkSwitches).into(),
        EventAggregate::new(EventSummary::NetworkReturns).into(),
        kql_aggregates::MakeSet::new().into(),
        kql_aggregates::DCount::new().into(),
    ];
    for f in aggregates {
        registry.register_udaf(Arc::new(f))?;
    }
    use hop_window::{Hop, HopOutput};
    for out in [
        HopOutput::Struct,
        HopOutput::Kmh,
        HopOutput::Km,
        HopOutput::Seconds,
        HopOutput::NetworkChanged,
    ] {
        registry.register_udwf(Arc::new(WindowUDF::from(Hop::new(out))))?;
    }
    Ok(())
}
