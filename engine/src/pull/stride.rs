//! How long the next window of a pull is: windows grow over empty stretches and
//! shrink back where the events are.
//!
//! A pull over a long range that is mostly empty (`--since` a year back, events
//! only in the last weeks) would otherwise spend a request, and before this an
//! ingest run, on every empty day. So the planner starts at one base window
//! (`--window`, `1d` by default) and doubles the span after each empty window, up
//! to [`MAX_SPAN`] base windows: a year of nothing takes about a dozen requests.
//!
//! A window spanning more than one base window is a probe: it is never ingested.
//! When it turns out to hold events, the pull abandons it before any ingest run
//! starts and the planner narrows in. If the source said when the earliest of those
//! events happened (Okta sorts ascending, so its first page starts with it), the
//! stretch before that event's base window is known to be empty and is skipped,
//! and the base window holding it comes next. Otherwise the span is halved, and the
//! planner grows no further than that until it is past the busy window (a binary
//! search for the first base window holding events). Windows holding events are one
//! base window each, ingested and checkpointed one at a time, as before.

use super::range::{Window, count_windows, window_end};

/// The most base windows one fetch spans: 64 days at the default `--window 1d`.
/// Growing further would save a request or two a year, and a source that cannot
/// say where a busy probe's events start (Graph, Log Analytics) pays one probe per
/// halving, so a larger span costs those sources more when the events do come.
pub const MAX_SPAN: u32 = 64;

/// Where a pull has got to in its range and how far the next fetch reaches.
#[derive(Debug, Clone)]
pub struct Planner {
    since: i64,
    until: i64,
    /// The base window length (`--window`), in microseconds.
    step: i64,
    /// Everything before this has been fetched (and ingested, or found empty).
    at: i64,
    /// Base windows the next fetch spans.
    span: u32,
    /// The span may not grow past this until `at` reaches `narrowed_until`: a window
    /// that long was found busy, and the events have not been reached yet.
    ceiling: u32,
    narrowed_until: i64,
}

/// What became of a probe that held events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Narrowed {
    /// The events start in a later base window: everything before `to` is empty.
    Skipped { to: i64 },
    /// Not known where in the window they start: the next window is shorter.
    Halved,
}

impl Planner {
    /// A plan for `[since, until)` in base windows of `window_micros`.
    pub fn new(since: i64, until: i64, window_micros: i64) -> Self {
        Planner {
            since,
            until,
            step: window_micros,
            at: since,
            span: 1,
            ceiling: MAX_SPAN,
            narrowed_until: since,
        }
    }

    /// The next window to fetch, or `None` when the range is covered.
    pub fn next(&self) -> Option<Window> {
        (self.at < self.until).then(|| Window {
            start: self.at,
            end: window_end(self.at, self.step, self.span, self.until),
        })
    }

    /// Whether `window` (from [`next`](Planner::next)) spans more than one base
    /// window: then it is only a probe, abandoned when it holds events.
    pub fn is_probe(&self, window: &Window) -> bool {
        window.end > window_end(window.start, self.step, 1, self.until)
    }

    /// Base windows in the whole range.
    pub fn windows(&self) -> u64 {
        count_windows(self.since, self.until, self.step)
    }

    /// Base windows covered so far.
    pub fn windows_done(&self) -> u64 {
        count_windows(self.since, self.at, self.step)
    }

    /// `window` held nothing: move past it and try a longer one.
    pub fn empty(&mut self, window: &Window) {
        self.at = window.end;
        if self.at >= self.narrowed_until {
            self.ceiling = MAX_SPAN;
        }
        self.span = self.span.saturating_mul(2).min(self.ceiling);
    }

    /// `window` was ingested: move past it; the next is one base window again, since
    /// events tend to follow events.
    pub fn ingested(&mut self, window: &Window) {
        self.at = window.end;
        self.span = 1;
        self.ceiling = MAX_SPAN;
    }

    /// The probe `window` holds events, the earliest at `earliest` when the source
    /// knows it: narrow in on them.
    pub fn busy(&mut self, window: &Window, earliest: Option<i64>) -> Narrowed {
        // The base window holding the earliest event, if it is inside the probe (a
        // time outside it is not to be trusted: fall back to halving).
        let first = earliest
            .filter(|time| (window.start..window.end).contains(time))
            .map(|time| time.div_euclid(self.step) * self.step)
            .map(|start| start.max(window.start));
        match first {
            Some(start) => {
                self.at = start;
                self.span = 1;
                self.ceiling = MAX_SPAN;
                Narrowed::Skipped { to: start }
            }
            None => {
                // Half of what the probe spanned (less than the span near the end).
                let spanned = count_windows(window.start, window.end, self.step);
                self.span = u32::try_from(spanned / 2).unwrap_or(MAX_SPAN).max(1);
                self.ceiling = self.span;
                self.narrowed_until = window.end;
                Narrowed::Halved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;

    /// Runs a plan over events at `events` (sorted), the source telling the
    /// earliest or not; returns the windows fetched and those ingested.
    fn simulate(
        since: i64,
        until: i64,
        events: &[i64],
        tells_earliest: bool,
    ) -> (Vec<Window>, Vec<Window>) {
        let mut plan = Planner::new(since, until, DAY);
        let (mut fetched, mut ingested) = (Vec::new(), Vec::new());
        while let Some(window) = plan.next() {
            fetched.push(window);
            assert!(fetched.len() < 10_000, "the plan does not end");
            let inside = events
                .iter()
                .copied()
                .find(|t| (window.start..window.end).contains(t));
            match inside {
                None => plan.empty(&window),
                Some(_) if !plan.is_probe(&window) => {
                    ingested.push(window);
                    plan.ingested(&window);
                }
                Some(first) => {
                    let narrowed = plan.busy(&window, tells_earliest.then_some(first));
                    if let Narrowed::Skipped { to } = narrowed {
                        assert!(to >= window.start);
                        assert!(events.iter().all(|t| !(window.start..to).contains(t)));
                    }
                }
            }
        }
        (fetched, ingested)
    }

    #[test]
    fn a_year_of_nothing_is_a_dozen_requests() {
        let (fetched, ingested) = simulate(0, 365 * DAY, &[], true);
        assert!(fetched.len() <= 12, "{}", fetched.len());
        assert!(ingested.is_empty());
        // Contiguous, covering the range, each aligned on days.
        assert_eq!(fetched[0].start, 0);
        assert_eq!(fetched.last().unwrap().end, 365 * DAY);
        for pair in fetched.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        assert!(fetched.iter().all(|w| w.start % DAY == 0));
    }

    #[test]
    fn a_busy_week_after_a_year_is_fetched_day_by_day() {
        let week: Vec<i64> = (0..7 * 24).map(|h| 300 * DAY + h * 3_600_000_000).collect();
        for tells in [true, false] {
            let (fetched, ingested) = simulate(0, 365 * DAY, &week, tells);
            let days: Vec<i64> = ingested.iter().map(|w| w.start / DAY).collect();
            assert_eq!(days, (300..307).collect::<Vec<_>>(), "tells {tells}");
            assert!(ingested.iter().all(|w| w.end - w.start == DAY));
            // The growth, the narrowing, the week, and growth again after it.
            let most = if tells { 30 } else { 40 };
            assert!(
                fetched.len() <= most,
                "tells {tells}: {} fetches",
                fetched.len()
            );
        }
    }

    #[test]
    fn busy_ranges_stay_one_window_a_day() {
        let events: Vec<i64> = (0..10).map(|d| d * DAY + 5).collect();
        let (fetched, ingested) = simulate(0, 10 * DAY, &events, false);
        assert_eq!(fetched, ingested);
        assert_eq!(ingested.len(), 10);
    }

    #[test]
    fn an_unaligned_start_keeps_its_first_window_short() {
        let since = 3 * DAY + 7;
        let plan = Planner::new(since, 10 * DAY, DAY);
        let first = plan.next().unwrap();
        assert_eq!((first.start, first.end), (since, 4 * DAY));
        assert!(!plan.is_probe(&first));
        assert_eq!(plan.windows(), 7);
        assert_eq!(plan.windows_done(), 0);
    }

    #[test]
    fn an_earliest_time_outside_the_probe_is_not_trusted() {
        let mut plan = Planner::new(0, 100 * DAY, DAY);
        plan.empty(&plan.next().unwrap());
        let probe = plan.next().unwrap();
        assert!(plan.is_probe(&probe));
        assert_eq!(plan.busy(&probe, Some(-5)), Narrowed::Halved);
        assert_eq!(
            plan.next().unwrap(),
            Window {
                start: DAY,
                end: 2 * DAY
            }
        );
    }

    #[test]
    fn a_probe_cut_short_by_the_end_is_halved_by_what_it_spans() {
        let mut plan = Planner::new(0, 5 * DAY, DAY);
        plan.empty(&plan.next().unwrap());
        plan.empty(&plan.next().unwrap());
        // Span 4, but only two days left: halving gives one day, not two.
        let probe = plan.next().unwrap();
        assert_eq!((probe.start, probe.end), (3 * DAY, 5 * DAY));
        plan.busy(&probe, None);
        let next = plan.next().unwrap();
        assert_eq!((next.start, next.end), (3 * DAY, 4 * DAY));
        assert!(!plan.is_probe(&next));
    }
}
