//! `tokenhunt watch`: which days one run hunts, and the mark it leaves for the next
//! (`<lake>/_tokenhunt/watch/state.json`).
//!
//! A run pulls its sources (each from its own checkpoint), then hunts with `--new`
//! from the start of the UTC day where the earlier of two times falls — the previous
//! run's mark, and the start of what this run pulled — up to the end of what it
//! pulled. The day start keeps a session that began before midnight whole; `--new`
//! keeps what was reported before from being reported again. The mark moves only once
//! a run's findings went out: the pull checkpoints move as soon as events are in the
//! lake, so after a run whose delivery failed, the mark is what makes the next run
//! hunt those days again.

use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::parse::time::parse_timestamp_micros;
use crate::timerange::{now_micros, rfc3339};

const DAY_MICROS: i64 = 86_400_000_000;

/// What the last successful watch run hunted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchMark {
    /// Everything before this time (RFC 3339, UTC) was hunted and its findings went out.
    pub hunted_until: String,
    /// When the mark was written.
    pub updated: String,
    /// The run that wrote it.
    pub run_id: String,
}

fn path(lake: &Lake) -> object_store::path::Path {
    lake.meta_path(&["watch", "state.json"])
}

/// Where the mark lives, for messages.
pub fn location(lake: &Lake) -> String {
    lake.display_path(&path(lake))
}

/// The previous run's `hunted_until` (microseconds), if a run finished before.
pub async fn load(lake: &Lake) -> Result<Option<i64>> {
    let bytes = match lake.store.get(&path(lake)).await {
        Ok(result) => result.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let mark: WatchMark = serde_json::from_slice(&bytes).map_err(|e| {
        EngineError::location(location(lake), format!("not a watch mark ({e}); delete it"))
    })?;
    parse_timestamp_micros(&mark.hunted_until)
        .map(Some)
        .map_err(|e| EngineError::location(location(lake), format!("hunted_until: {e}")))
}

/// Records that everything before `until` was hunted and delivered.
pub async fn store(lake: &Lake, until: i64, run_id: &str) -> Result<()> {
    let mark = WatchMark {
        hunted_until: rfc3339(until),
        updated: rfc3339(now_micros()),
        run_id: run_id.to_string(),
    };
    let bytes = serde_json::to_vec_pretty(&mark)
        .map_err(|e| EngineError::Invalid(format!("watch mark: {e}")))?;
    lake.put_durable(&path(lake), bytes).await
}

/// `[since, until)` to hunt: from the start of the UTC day of the earlier of
/// `previous` (the last run's mark) and the earliest pulled start, to the latest
/// pulled end. With nothing pulled (no sources: the lake is fed some other way) it
/// ends at `now` and starts at the mark, or a day before `now`.
pub fn hunt_range(previous: Option<i64>, pulled: &[(i64, i64)], now: i64) -> (i64, i64) {
    let until = pulled.iter().map(|&(_, until)| until).max().unwrap_or(now);
    let pulled_since = pulled.iter().map(|&(since, _)| since).min();
    let since = match (previous, pulled_since) {
        (Some(previous), Some(pulled)) => previous.min(pulled),
        (Some(previous), None) => previous,
        (None, Some(pulled)) => pulled,
        (None, None) => now - DAY_MICROS,
    };
    let since = since.min(until);
    (since.div_euclid(DAY_MICROS) * DAY_MICROS, until)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;
    /// 2026-04-15T00:00:00Z.
    const DAY: i64 = 1_776_211_200_000_000;

    #[test]
    fn hunts_from_the_day_of_the_earlier_start_to_the_latest_end() {
        // First run: the pulled window, from its day's start.
        assert_eq!(
            hunt_range(None, &[(DAY - 3 * 24 * HOUR + 5 * HOUR, DAY)], 0),
            (DAY - 3 * 24 * HOUR, DAY)
        );
        // Next run: the pull starts at its checkpoint less the overlap (the day before).
        let pulled = [(DAY - HOUR / 4, DAY + 24 * HOUR)];
        assert_eq!(
            hunt_range(Some(DAY), &pulled, 0),
            (DAY - 24 * HOUR, DAY + 24 * HOUR)
        );
        // After a failed delivery the mark stayed behind: hunt from there.
        assert_eq!(
            hunt_range(Some(DAY - 48 * HOUR), &pulled, 0),
            (DAY - 48 * HOUR, DAY + 24 * HOUR)
        );
        // Two sources: the earliest start, the latest end.
        let two = [
            (DAY + 2 * HOUR, DAY + 10 * HOUR),
            (DAY + HOUR, DAY + 9 * HOUR),
        ];
        assert_eq!(hunt_range(None, &two, 0), (DAY, DAY + 10 * HOUR));
        // Nothing pulled.
        assert_eq!(
            hunt_range(None, &[], DAY + 5 * HOUR),
            (DAY - 24 * HOUR, DAY + 5 * HOUR)
        );
    }
}
