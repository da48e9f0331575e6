//! Which time range a pull covers, and the windows it is cut into.
//!
//! A pull covers `[since, until)`: `since` is `--since` when given, else the
//! checkpoint minus an overlap (events that reached the API late, and the edges of
//! the previous range, are fetched again and deduplicated), else a default
//! look-back. The range is cut into windows aligned on multiples of the window
//! length (whole UTC days for `1d`); each window is ingested and checkpointed on
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

/// Cuts `[since, until)` at multiples of `window_micros` since the epoch. Empty when
/// `since >= until`.
pub fn windows(since: i64, until: i64, window_micros: i64) -> Vec<Window> {
    let mut windows = Vec::new();
    if since >= until {
        return windows;
    }
    let step = window_micros.max(MICROS_PER_SECOND);
    let mut start = since;
    while start < until {
        let boundary = (start.div_euclid(step) + 1) * step;
        let end = boundary.min(until);
        windows.push(Window { start, end });
        start = end;
    }
    windows
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
        let cut = windows(since, until, DAY);
        assert_eq!(
            cut,
            vec![
                Window {
                    start: since,
                    end: 11 * DAY
                },
                Window {
                    start: 11 * DAY,
                    end: 12 * DAY
                },
                Window {
                    start: 12 * DAY,
                    end: until
                },
            ]
        );
        assert!(windows(until, since, DAY).is_empty());
        assert_eq!(windows(0, 10, DAY).len(), 1);
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
