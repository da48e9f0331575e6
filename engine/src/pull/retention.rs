//! How far back an API keeps its events, and the note a pull gives when its range
//! starts before that.
//!
//! Okta keeps the System Log 90 days; Entra keeps sign-ins and directory audits 30
//! days (7 on tenants without Entra ID P1/P2), and Microsoft Graph serves no more. A
//! range starting earlier is not an error — a hunter backfilling "everything there
//! is" may well type `--since 2020-01-01` — but the part before the retention will
//! come back empty however long it is searched, which the user should know once.
//! Log Analytics has no such note: a workspace's retention is its own setting
//! (30 days to 12 years), so any fixed figure would be wrong for many of them.

use std::fmt;
use std::time::Duration;

use super::range::{StartedFrom, floor_second};
use crate::timerange::rfc3339;

const DAY_SECONDS: u64 = 86_400;

/// How long a source's API keeps events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long, in days.
    pub days: u64,
    /// What is kept and by whom, as the note says it ("Okta keeps System Log
    /// events").
    pub what: &'static str,
    /// Anything the figure depends on, appended to the note ("" when nothing).
    pub caveat: &'static str,
}

impl Retention {
    /// The retention as a duration.
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.days * DAY_SECONDS)
    }
}

/// Something a pull tells its user once, that is not an error: the pull goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullNote {
    /// The range starts before the oldest events the API keeps.
    BeforeRetention {
        retention: Retention,
        /// Where the start came from (`--since`, the checkpoint, the look-back).
        started_from: StartedFrom,
        /// The range's start and the oldest time the API still keeps, RFC 3339.
        since: String,
        oldest: String,
    },
}

impl fmt::Display for PullNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PullNote::BeforeRetention {
                retention,
                started_from,
                since,
                oldest,
            } => {
                let start = match started_from {
                    StartedFrom::Explicit => format!("--since {since}"),
                    StartedFrom::Checkpoint => {
                        format!("the checkpoint less the overlap ({since})")
                    }
                    StartedFrom::Default => format!("the look-back ({since})"),
                };
                write!(
                    f,
                    "{start} is before the oldest events the API still holds: {} {} days{}, so nothing before {oldest} can come back; pulling the whole range anyway",
                    retention.what, retention.days, retention.caveat
                )
            }
        }
    }
}

/// The note for a range starting at `since` (from `started_from`) at `now`, if it
/// starts before `retention` (microseconds since the epoch).
pub fn check(
    retention: Option<Retention>,
    since: i64,
    started_from: StartedFrom,
    now: i64,
) -> Option<PullNote> {
    let retention = retention?;
    let kept = i64::try_from(retention.duration().as_micros()).unwrap_or(i64::MAX);
    let oldest = now.saturating_sub(kept);
    (since < oldest).then(|| PullNote::BeforeRetention {
        retention,
        started_from,
        since: rfc3339(since),
        oldest: rfc3339(floor_second(oldest)),
    })
}

/// Called once per note, as the pull finds it (before its first request).
pub type OnNote = std::sync::Arc<dyn Fn(&PullNote) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    const OKTA: Retention = Retention {
        days: 90,
        what: "Okta keeps System Log events",
        caveat: "",
    };
    const DAY: i64 = 86_400_000_000;

    #[test]
    fn a_start_before_the_retention_is_noted() {
        let now = 1_796_601_600_000_000; // 2026-12-07T00:00:00Z
        assert_eq!(
            check(Some(OKTA), now - 89 * DAY, StartedFrom::Explicit, now),
            None
        );
        assert_eq!(check(None, 0, StartedFrom::Explicit, now), None);
        let note = check(Some(OKTA), now - 365 * DAY, StartedFrom::Explicit, now).unwrap();
        assert_eq!(
            note.to_string(),
            "--since 2025-12-07T00:00:00Z is before the oldest events the API still holds: Okta keeps System Log events 90 days, so nothing before 2026-09-08T00:00:00Z can come back; pulling the whole range anyway"
        );
        let resumed = check(Some(OKTA), now - 100 * DAY, StartedFrom::Checkpoint, now).unwrap();
        assert!(
            resumed
                .to_string()
                .starts_with("the checkpoint less the overlap (2026-08-29T00:00:00Z)"),
            "{resumed}"
        );
    }
}
