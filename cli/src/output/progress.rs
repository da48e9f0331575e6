//! One spinner line on stderr for a long job (ingest, pull, hunt): redrawn five
//! times a second from a message the job's counters give, cleared when dropped.
//! Callers make one only when [`crate::context::Context::progress_allowed`] (stderr is
//! a terminal and not `--quiet`), so nothing is drawn into logs or pipes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tokenhunt_engine::progress::StepProgress;

/// A running spinner; dropping it stops the redraws and clears the line.
pub struct Spinner {
    bar: ProgressBar,
    ticker: tokio::task::JoinHandle<()>,
}

impl Spinner {
    /// Starts redrawing `message()` (on the current tokio runtime).
    pub fn start(message: impl Fn() -> String + Send + 'static) -> Spinner {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("static template"),
        );
        let shown = bar.clone();
        let ticker = tokio::spawn(async move {
            loop {
                shown.set_message(message());
                shown.tick();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Spinner { bar, ticker }
    }

    /// A handle for printing lines above the spinner without tearing it (notes from
    /// another task).
    pub fn printer(&self) -> ProgressBar {
        self.bar.clone()
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.ticker.abort();
        self.bar.finish_and_clear();
    }
}

/// `hunt 3/15 · entra_token_reuse · slice 2/7` for a job of steps (`noun` names a
/// step; parts are slices).
pub fn steps(noun: &'static str, progress: Arc<StepProgress>) -> Spinner {
    Spinner::start(move || {
        let steps = progress.steps.load(Ordering::Relaxed);
        let done = progress.steps_done.load(Ordering::Relaxed);
        let parts = progress.parts.load(Ordering::Relaxed);
        let part = match parts {
            0 | 1 => String::new(),
            _ => format!(
                " · slice {}/{parts}",
                (progress.parts_done.load(Ordering::Relaxed) + 1).min(parts)
            ),
        };
        format!(
            "{noun} {}/{steps} · {}{part}",
            (done + 1).min(steps.max(1)),
            progress.current()
        )
    })
}
