//! How far a job of several steps is (hunts, and the slices each runs over; baseline
//! rollups), for a display the caller draws: counters the job advances and the caller
//! reads while it runs. The engine draws nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Steps of a job, each maybe in parts (a hunt's slices).
#[derive(Debug, Default)]
pub struct StepProgress {
    /// Steps to take.
    pub steps: AtomicUsize,
    /// Steps finished, failed ones included.
    pub steps_done: AtomicUsize,
    /// Parts of each step (1 when steps are not cut).
    pub parts: AtomicUsize,
    /// Parts of the current step finished.
    pub parts_done: AtomicUsize,
    /// What runs now.
    current: Mutex<String>,
}

impl StepProgress {
    /// A step named `what` begins.
    pub fn begin(&self, what: &str) {
        self.parts_done.store(0, Ordering::Relaxed);
        if let Ok(mut current) = self.current.lock() {
            *current = what.to_string();
        }
    }

    /// The current step is over.
    pub fn end(&self) {
        self.steps_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The name of the step running now.
    pub fn current(&self) -> String {
        self.current.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_advance_and_name_the_current_one() {
        let progress = StepProgress::default();
        progress.steps.store(2, Ordering::Relaxed);
        progress.begin("first");
        progress.parts_done.fetch_add(1, Ordering::Relaxed);
        progress.end();
        progress.begin("second");
        assert_eq!(progress.current(), "second");
        assert_eq!(progress.steps_done.load(Ordering::Relaxed), 1);
        assert_eq!(progress.parts_done.load(Ordering::Relaxed), 0);
    }
}
