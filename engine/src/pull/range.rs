//! Which time range a pull covers, and the windows it is cut into.
//!
//! A pull covers `[since, until)`: `since` is `--since` when given, else the
//! checkpoint minus an overlap (events that reached the API late, and the edges of
//! the previous range, are fetched again and deduplicated), else a default
//! look-back. The range is cut at multiples of the window length (whole UTC days
//! for `1d`): those are its base windows. A fetch spans one base window or, over
//! empty stretches, several ([`super::stride`]); each is ingested and checkpointed on
//! its own, so an interrupted pull resumes at the last finished window.

const MICROS_PER_SECOND: i64 = 1_000_000;

/// A half-open span of time, in microseconds since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First instant in the window.
    pub start: i64,
    /// First instant after it.
    pub end: i64,
}

/// Where a pull's start came from, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartedFrom {
    /// `--since`.
    Explicit,
    /// The checkpoint, minus the overlap.
    Checkpoint,
    /// No checkpoint yet: the default look-back.
    Default,
}

impl StartedFrom {
    /// `since`, `checkpoint` or `default`, as summaries spell it.
    pub fn name(self) -> &'static str {
        match self {
            StartedFrom::Explicit => "since",
            StartedFrom::Checkpoint => "checkpoint",
            StartedFrom::Default => "default",
        }
    }
}

/// Rounds down to a whole second: the APIs' time filters are most reliable at that
/// precision, and the overlap makes up for what the rounding moves.
pub fn floor_second(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_SECOND) * MICROS_PER_SECOND
}

/// The start of the range.
pub fn start(
    since: Option<i64>,
    checkpoint: Option<i64>,
    overlap_micros: i64,
    lookback_micros: i64,
    until: i64,
) -> (i64, StartedFrom) {
    match (since, checkpoint) {
        (Some(since), _) => (floor_second(since), StartedFrom::Explicit),
        (None, Some(checkpoint)) => (
            floor_second(checkpoint - overlap_micros.max(0)),
            StartedFrom::Checkpoint,
        ),
        (None, None) => (
            floor_second(until - lookback_micros.max(0)),
            StartedFrom::Default,
        ),
    }
}

/// The end of a window starting at `start` and spanning `span` base windows of
/// `window_micros` (the first one up to the next multiple of the length, so windows
/// stay aligned whatever the start), never past `until`.
pub fn window_end(start: i64, window_micros: i64, span: u32, until: i64) -> i64 {
    let step = step(window_micros);
    start
        .div_euclid(step)
        .saturating_add(i64::from(span.max(1)))
        .saturating_mul(step)
        .min(until)
}

/// How many base windows `[since, until)` is cut into: zero when `since >= until`.
pub fn count_windows(since: i64, until: i64, window_micros: i64) -> u64 {
    if since >= until {
        return 0;
    }
    let step = step(window_micros);
    ((until - 1).div_euclid(step) - since.div_euclid(step) + 1) as u64
}

/// The base window length actually used: at least a second.
fn step(window_micros: i64) -> i64 {
    window_micros.max(MICROS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400 * MICROS_PER_SECOND;
    const HOUR: i64 = 3_600 * MICROS_PER_SECOND;

    #[test]
    fn windows_align_on_days() {
        let since = 10 * DAY + 5 * HOUR;
        let until = 12 * DAY + 3 * HOUR;
        assert_eq!(window_end(since, DAY, 1, until), 11 * DAY);
        assert_eq!(window_end(11 * DAY, DAY, 1, until), 12 * DAY);
        assert_eq!(window_end(12 * DAY, DAY, 1, until), until);
        // Spanning several: still ends on a day's boundary, or at the end.
        assert_eq!(window_end(since, DAY, 2, 20 * DAY), 12 * DAY);
        assert_eq!(window_end(since, DAY, 64, until), until);
        assert_eq!(count_windows(since, until, DAY), 3);
        assert_eq!(count_windows(10 * DAY, 12 * DAY, DAY), 2);
        assert_eq!(count_windows(until, since, DAY), 0);
        assert_eq!(count_windows(0, 10, DAY), 1);
    }

    #[test]
    fn start_prefers_since_then_checkpoint() {
        let until = 100 * DAY;
        let overlap = 300 * MICROS_PER_SECOND;
        assert_eq!(
            start(Some(5 * DAY + 7), Some(50 * DAY), overlap, 7 * DAY, until),
            (5 * DAY, StartedFrom::Explicit)
        );
        assert_eq!(
            start(None, Some(50 * DAY), overlap, 7 * DAY, until),
            (50 * DAY - overlap, StartedFrom::Checkpoint)
        );
        assert_eq!(
            start(None, None, overlap, 7 * DAY, until),
            (93 * DAY, StartedFrom::Default)
        );
    }
}
