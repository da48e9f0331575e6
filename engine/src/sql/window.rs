//! A time window as SQL predicates.
//!
//! Every windowed lake query (scope, respond) filters `time` (Parquet row-group statistics prune on
//! it: rows are sorted by time within a file) *and* the `date` partition column derived
//! from the same bounds, because the listing table skips partition folders only on
//! predicates over its partition columns.

use crate::timerange::{TimeRange, rfc3339};

/// The UTC calendar date (`YYYY-MM-DD`) of a microsecond timestamp.
pub(crate) fn date_of(micros: i64) -> String {
    rfc3339(micros)[..10].to_string()
}

/// `time` and `date` bounds for a table (columns qualified by `alias` when given);
/// `true` for an open range.
pub fn window_predicate(range: &TimeRange, alias: Option<&str>) -> String {
    let column = |name: &str| match alias {
        Some(alias) => format!("{alias}.{name}"),
        None => name.to_string(),
    };
    let mut terms = Vec::new();
    if let Some(since) = range.since {
        terms.push(format!(
            "{} >= TIMESTAMP '{}'",
            column("time"),
            rfc3339(since)
        ));
        terms.push(format!("{} >= '{}'", column("date"), date_of(since)));
    }
    if let Some(until) = range.until {
        terms.push(format!(
            "{} < TIMESTAMP '{}'",
            column("time"),
            rfc3339(until)
        ));
        // `until` is exclusive: an until of midnight ends on the day before.
        terms.push(format!("{} <= '{}'", column("date"), date_of(until - 1)));
    }
    if terms.is_empty() {
        "true".to_string()
    } else {
        terms.join(" AND ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_cover_time_and_date_partitions() {
        let range = TimeRange {
            since: Some(1_788_307_200_000_000), // 2026-09-02T00:00:00Z
            until: Some(1_788_566_400_000_000), // 2026-09-05T00:00:00Z
        };
        assert_eq!(
            window_predicate(&range, Some("s")),
            "s.time >= TIMESTAMP '2026-09-02T00:00:00Z' AND s.date >= '2026-09-02' \
             AND s.time < TIMESTAMP '2026-09-05T00:00:00Z' AND s.date <= '2026-09-04'"
        );
        assert_eq!(window_predicate(&TimeRange::default(), None), "true");
    }
}
