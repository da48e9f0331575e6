//! The scoring model's gate: context alone never makes an alert.
//!
//! A hunt's score says how suspicious a finding's *context* is (a hosting network, a
//! country the user never signs in from, a scripted client, a network new to the
//! user). Each of those is ordinary somewhere in a real tenant: SaaS integrations and
//! cloud shells act for users from cloud ranges, people run VPNs and fly. What a thief
//! replaying a stolen token cannot avoid is listed by the hunt in its evidence, under
//! `corroboration`: the same session or token used from two networks at once or back
//! and forth, a token redeemed where the session never was, a device or client change
//! inside one session, a directory change from the new network. A finding whose hunt
//! reports `corroboration` (a comma-separated list or an array) but found none of it
//! is capped at [`UNCORROBORATED_CEILING`], below the default alert threshold; its
//! context score stays in `evidence.context_score`, and it still adds to an incident
//! that something corroborates (`--group incidents`). Hunts that do not report
//! `corroboration` at all (a hunter's own SQL) keep their scores.

use serde_json::{Map, Value};

use super::findings::Finding;

/// The highest score of a finding or incident that nothing corroborates: below the
/// default `--min-score 50`.
pub const UNCORROBORATED_CEILING: f64 = 45.0;

/// The evidence key a hunt lists thief-unavoidable facts under.
pub const CORROBORATION: &str = "corroboration";

/// The evidence key holding a capped finding's own score.
pub const CONTEXT_SCORE: &str = "context_score";

/// What corroborates a finding: `None` when its hunt does not report corroboration,
/// else the facts it found (possibly none).
pub fn corroboration(finding: &Finding) -> Option<Vec<String>> {
    let value = finding.evidence.get(CORROBORATION)?;
    let facts = match value {
        Value::Null => Vec::new(),
        Value::String(list) => list
            .split(',')
            .map(str::trim)
            .filter(|fact| !fact.is_empty())
            .map(str::to_string)
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|fact| !fact.is_empty())
            .map(str::to_string)
            .collect(),
        other => vec![other.to_string()],
    };
    Some(facts)
}

/// Whether the gate holds a finding down: its hunt reports corroboration and found none.
pub fn is_uncorroborated(finding: &Finding) -> bool {
    corroboration(finding).is_some_and(|facts| facts.is_empty())
}

/// The score a finding's context earned before the gate.
pub fn context_score(finding: &Finding) -> f64 {
    finding
        .evidence
        .get(CONTEXT_SCORE)
        .and_then(Value::as_f64)
        .unwrap_or(finding.score)
}

/// Applies the gate to one finding as its hunt produced it: normalises
/// `corroboration` to an array and caps an uncorroborated score.
pub fn apply_gate(finding: &mut Finding) {
    let Some(facts) = corroboration(finding) else {
        return;
    };
    if !finding.evidence.is_object() {
        finding.evidence = Value::Object(Map::new());
    }
    let uncapped = finding.score;
    let evidence = finding
        .evidence
        .as_object_mut()
        .expect("evidence is an object");
    let corroborated = !facts.is_empty();
    evidence.insert(CORROBORATION.into(), Value::from(facts));
    if !corroborated && uncapped > UNCORROBORATED_CEILING {
        evidence.insert(CONTEXT_SCORE.into(), Value::from(uncapped));
        finding.score = UNCORROBORATED_CEILING;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(score: f64, evidence: Value) -> Finding {
        crate::hunt::findings::test_finding(score, "r", evidence)
    }

    #[test]
    fn context_alone_is_capped_below_the_alert_threshold() {
        let mut weak = finding(80.0, json!({"corroboration": ""}));
        apply_gate(&mut weak);
        assert_eq!(weak.score, UNCORROBORATED_CEILING);
        assert_eq!(context_score(&weak), 80.0);
        assert!(is_uncorroborated(&weak));
        assert_eq!(weak.evidence["corroboration"], json!([]));
    }

    #[test]
    fn corroborated_and_unreported_findings_keep_their_scores() {
        let mut strong = finding(
            80.0,
            json!({"corroboration": "concurrent_use, client_change"}),
        );
        apply_gate(&mut strong);
        assert_eq!(strong.score, 80.0);
        assert_eq!(
            strong.evidence["corroboration"],
            json!(["concurrent_use", "client_change"])
        );
        let mut own = finding(80.0, json!({"anything": 1}));
        apply_gate(&mut own);
        assert_eq!(own.score, 80.0);
        assert!(!is_uncorroborated(&own));
        let mut low = finding(30.0, json!({"corroboration": null}));
        apply_gate(&mut low);
        assert_eq!(low.score, 30.0);
        assert!(low.evidence.get(CONTEXT_SCORE).is_none());
    }
}
