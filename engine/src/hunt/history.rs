//! How much history the baselines had: with less than a few days, "new to the user"
//! means "first seen within the data", and every finding says so.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::prelude::SessionContext;
use serde_json::Value;

use super::findings::Finding;
use crate::error::Result;

/// Below this many days of history a network or country cannot yet be "one the user
/// comes back to" (the hunts' `regular_days`), so the data's own first-seen is the
/// baseline.
pub const SHORT_HISTORY_DAYS: f64 = 3.0;

/// Days between the first and last event the baselines saw (`None` for an empty lake).
pub async fn history_days(ctx: &SessionContext) -> Result<Option<f64>> {
    let batches = ctx
        .sql("SELECT min(first_seen) AS first, max(last_seen) AS last FROM baseline_user_networks")
        .await?
        .collect()
        .await?;
    let Some(batch) = batches.first().filter(|b| b.num_rows() > 0) else {
        return Ok(None);
    };
    let micros = |index: usize| -> Option<i64> {
        let column = batch
            .column(index)
            .as_primitive_opt::<TimestampMicrosecondType>()?;
        (!column.is_null(0)).then(|| column.value(0))
    };
    Ok(match (micros(0), micros(1)) {
        (Some(first), Some(last)) => Some((last - first) as f64 / 86_400e6),
        _ => None,
    })
}

/// Marks findings judged against a short history: `evidence.history_days` and a note at
/// the end of the reason, so a responder reading one export knows what "new" meant.
pub fn note_short_history(findings: &mut [Finding], days: f64) {
    if days >= SHORT_HISTORY_DAYS {
        return;
    }
    let shown = (days * 10.0).ceil() / 10.0;
    for finding in findings {
        finding.reason.push_str(&format!(
            " (only {shown} day(s) of history: first seen within the data is the baseline)"
        ));
        if let Some(evidence) = finding.evidence.as_object_mut() {
            evidence.insert("history_days".into(), Value::from(shown));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding() -> Finding {
        crate::hunt::findings::test_finding(80.0, "session used from two networks", json!({}))
    }

    #[test]
    fn a_short_history_is_named_in_reason_and_evidence() {
        let mut findings = vec![finding()];
        note_short_history(&mut findings, 0.42);
        assert!(
            findings[0].reason.ends_with(
                "(only 0.5 day(s) of history: first seen within the data is the baseline)"
            )
        );
        assert_eq!(findings[0].evidence["history_days"], json!(0.5));
        let mut long = vec![finding()];
        note_short_history(&mut long, 30.0);
        assert_eq!(long[0].reason, "session used from two networks");
        assert!(long[0].evidence.get("history_days").is_none());
    }
}
