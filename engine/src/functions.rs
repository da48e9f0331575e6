//! Registers tokenhunt's SQL functions (crate `tokenhunt-udfs`) in a session, with
//! the reference data the configuration names.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use tokenhunt_udfs::{ReferenceConfig, ReferenceData, register_all};

use crate::config::Config;
use crate::error::{EngineError, Result};

/// Loads the IP databases and ASN lists named in the configuration, plus extra
/// database files (from `--geoip` / `--asn-db`). Done once per process.
pub fn load_reference(
    config: &Config,
    extra_databases: &[std::path::PathBuf],
) -> Result<Arc<ReferenceData>> {
    let section = &config.reference;
    let mut reference = ReferenceConfig {
        mmdb_paths: section.mmdb.clone(),
        range_files: section.ranges.clone(),
        asn_category_files: section.asn_categories.clone(),
        extra_asn_categories: Vec::new(),
    };
    for (asn, category) in &section.asn_category {
        let asn: i64 = asn.parse().map_err(|_| {
            EngineError::Invalid(format!(
                "[reference] asn_category: {asn:?} is not an ASN number"
            ))
        })?;
        reference.extra_asn_categories.push((asn, category.clone()));
    }
    for path in extra_databases {
        let is_mmdb = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("mmdb"));
        if is_mmdb {
            reference.mmdb_paths.push(path.clone());
        } else {
            reference.range_files.push(path.clone());
        }
    }
    let loaded =
        ReferenceData::load(&reference).map_err(|e| EngineError::Invalid(e.to_string()))?;
    Ok(Arc::new(loaded))
}

/// Registers every function; the one place a session gets them.
pub fn register(ctx: &SessionContext, reference: Arc<ReferenceData>) -> Result<()> {
    let state = ctx.state_ref();
    let mut state = state.write();
    register_all(&mut *state, reference)?;
    Ok(())
}
