//! Registers tokenhunt's SQL functions (crate `tokenhunt-udfs`) in a session.

use datafusion::prelude::SessionContext;

use crate::error::Result;

/// Registers every function; the one place a session gets them.
pub fn register(_ctx: &SessionContext) -> Result<()> {
    Ok(())
}
