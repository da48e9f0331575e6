//! Hunting months of history in slices (`hunt --slice 7d`).
//!
//! A hunt over the whole history at once holds months of events in its joins, and
//! DataFusion's hash joins cannot spill. Run over consecutive slices of the range
//! instead, each slice is a run like the daily one (the same look-backs before its
//! start, the same stored baselines), so memory follows the slice, not the history.
//! A finding that straddles a slice boundary comes out of both slices under the same
//! id; [`merge_same_id`] reports it once, spanning both.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;

use super::findings::Finding;
use crate::error::Result;
use crate::timerange::TimeRange;

/// `range` cut into consecutive slices of `slice_micros` (the last one shorter). An
/// open end is closed at the lake's first or last event; a lake without events gives
/// the range itself.
pub async fn slices(
    ctx: &SessionContext,
    range: &TimeRange,
    slice_micros: i64,
) -> Result<Vec<TimeRange>> {
    let (first, last) = match (range.since, range.until) {
        (Some(since), Some(until)) => (since, until),
        _ => {
            let Some((first, last)) = event_bounds(ctx).await? else {
                return Ok(vec![*range]);
            };
            (
                range.since.unwrap_or(first),
                range.until.unwrap_or(last + 1),
            )
        }
    };
    Ok(cut(first, last, slice_micros))
}

/// `[first, end)` cut into slices of `slice_micros`.
fn cut(first: i64, end: i64, slice_micros: i64) -> Vec<TimeRange> {
    let step = slice_micros.max(1);
    let mut out = Vec::new();
    let mut start = first;
    while start < end {
        let stop = start.saturating_add(step).min(end);
        out.push(TimeRange {
            since: Some(start),
            until: Some(stop),
        });
        start = stop;
    }
    if out.is_empty() {
        out.push(TimeRange {
            since: Some(first),
            until: Some(end),
        });
    }
    out
}

/// The first and last event time (microseconds) over sign-ins and audit events.
async fn event_bounds(ctx: &SessionContext) -> Result<Option<(i64, i64)>> {
    let batches = ctx
        .sql(
            "SELECT CAST(min(t) AS BIGINT) AS first, CAST(max(t) AS BIGINT) AS last FROM \
             (SELECT min(time) AS t FROM signins UNION ALL SELECT max(time) FROM signins \
              UNION ALL SELECT min(time) FROM audit UNION ALL SELECT max(time) FROM audit)",
        )
        .await?
        .collect()
        .await?;
    Ok(batches.first().and_then(|batch| {
        let first = batch.column(0).as_primitive::<Int64Type>();
        let last = batch.column(1).as_primitive::<Int64Type>();
        (batch.num_rows() > 0 && first.is_valid(0) && last.is_valid(0))
            .then(|| (first.value(0), last.value(0)))
    }))
}

/// One finding per id: a finding that two slices both reported (or one run reported
/// twice, row for row) keeps the higher score's reason and evidence, and spans both
/// (earliest first seen, latest last seen, every address, network, country and
/// application). The first report's place in the list is kept.
pub fn merge_same_id(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut position: std::collections::HashMap<String, usize> = Default::default();
    for finding in findings {
        let Some(&at) = position.get(&finding.finding_id) else {
            position.insert(finding.finding_id.clone(), merged.len());
            merged.push(finding);
            continue;
        };
        let kept = &mut merged[at];
        let (mut winner, other) = if finding.score > kept.score {
            (finding, std::mem::take(kept))
        } else {
            (std::mem::take(kept), finding)
        };
        if other.first_seen < winner.first_seen {
            winner.first_seen = other.first_seen;
        }
        if other.last_seen > winner.last_seen {
            winner.last_seen = other.last_seen;
        }
        union_into(&mut winner.ips, other.ips);
        union_into(&mut winner.asns, other.asns);
        union_into(&mut winner.countries, other.countries);
        union_into(&mut winner.apps, other.apps);
        merged[at] = winner;
    }
    merged
}

fn union_into<T: PartialEq>(into: &mut Vec<T>, from: Vec<T>) {
    for item in from {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const DAY: i64 = 86_400_000_000;

    #[test]
    fn a_range_is_cut_into_whole_slices_and_a_shorter_last_one() {
        let slices = cut(0, 10 * DAY + 5, 7 * DAY);
        let bounds: Vec<(i64, i64)> = slices
            .iter()
            .map(|s| (s.since.unwrap(), s.until.unwrap()))
            .collect();
        assert_eq!(bounds, vec![(0, 7 * DAY), (7 * DAY, 10 * DAY + 5)]);
        // A range shorter than a slice is one slice.
        assert_eq!(cut(3, 9, 7 * DAY).len(), 1);
    }

    fn finding(id: &str, score: f64, first: &str, last: &str, ip: &str) -> Finding {
        Finding {
            finding_id: id.into(),
            first_seen: first.into(),
            last_seen: last.into(),
            ips: vec![ip.into()],
            ..crate::hunt::findings::test_finding(score, &format!("score {score}"), Value::Null)
        }
    }

    #[test]
    fn a_finding_reported_by_two_slices_is_reported_once_spanning_both() {
        let merged = merge_same_id(vec![
            finding(
                "a",
                60.0,
                "2026-01-06T23:00:00Z",
                "2026-01-06T23:59:00Z",
                "1.1.1.1",
            ),
            finding(
                "b",
                40.0,
                "2026-01-05T10:00:00Z",
                "2026-01-05T11:00:00Z",
                "3.3.3.3",
            ),
            finding(
                "a",
                80.0,
                "2026-01-07T00:00:00Z",
                "2026-01-07T01:00:00Z",
                "2.2.2.2",
            ),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].finding_id, "a");
        assert_eq!(merged[0].score, 80.0);
        assert_eq!(merged[0].reason, "score 80");
        assert_eq!(merged[0].first_seen, "2026-01-06T23:00:00Z");
        assert_eq!(merged[0].last_seen, "2026-01-07T01:00:00Z");
        assert_eq!(merged[0].ips, vec!["2.2.2.2", "1.1.1.1"]);
        assert_eq!(merged[1].finding_id, "b");
    }
}
