//! The progress line under a query that runs longer than a second: elapsed time,
//! rows and bytes the scans have read (from the live plan's metrics), rows out.
//! It lives on stderr and is erased when the query ends, so results stay clean.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use datafusion::physical_plan::ExecutionPlan;

/// Queries faster than this never show a progress line.
const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// A running progress line; stopping (or dropping) it erases the line.
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the scans of a plan have read so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    pub rows: u64,
    pub bytes: u64,
}

/// Adds up the leaves' output rows and every node's `bytes_scanned` metric. The
/// metrics are shared counters the running operators update, so this can be
/// called while the query runs.
pub fn scanned(plan: &Arc<dyn ExecutionPlan>) -> Scanned {
    let mut total = Scanned::default();
    let mut pending = vec![plan.clone()];
    while let Some(node) = pending.pop() {
        let children = node.children();
        if let Some(metrics) = node.metrics() {
            if children.is_empty() {
                total.rows += metrics.output_rows().unwrap_or(0) as u64;
            }
            total.bytes += metrics
                .sum_by_name("bytes_scanned")
                .map_or(0, |v| v.as_usize() as u64);
        }
        pending.extend(children.into_iter().cloned());
    }
    total
}

/// `1234567` → `1.2M`.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

fn bytes(n: u64) -> String {
    match n {
        0..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// The line's text.
pub fn message(scanned: Scanned, rows_out: u64) -> String {
    let mut text = format!("{} rows scanned", count(scanned.rows));
    if scanned.bytes > 0 {
        text.push_str(&format!(", {} read", bytes(scanned.bytes)));
    }
    text.push_str(&format!(" · {} rows out · Ctrl-C cancels", count(rows_out)));
    text
}

/// Spinner frames, one per tick.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Draws `text` over the current stderr line. Kept a few columns short of the
/// width: the terminal echoes `^C` after it, and a line that wraps could no
/// longer be erased with one `\r`.
fn draw(text: &str) {
    let width =
        terminal_size::terminal_size_of(std::io::stderr()).map_or(80, |(w, _)| w.0 as usize);
    let shown: String = text.chars().take(width.saturating_sub(4)).collect();
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{shown}");
    let _ = err.flush();
}

impl Progress {
    /// Starts watching `plan`; shows nothing unless `enabled` (stderr is a
    /// terminal and the user did not ask for quiet).
    pub fn start(
        plan: Arc<dyn ExecutionPlan>,
        rows_out: Arc<AtomicU64>,
        enabled: bool,
    ) -> Progress {
        if !enabled {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        // A thread, not a task: the query's tasks keep the runtime's workers busy.
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                let started = Instant::now();
                if !matches!(stopped.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
                    return;
                }
                for frame in SPINNER.iter().cycle() {
                    draw(&format!(
                        "{frame} {:.1} s · {}",
                        started.elapsed().as_secs_f64(),
                        message(scanned(&plan), rows_out.load(Ordering::Relaxed))
                    ));
                    if !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                        break;
                    }
                }
                draw("");
            })
            .ok();
        Progress {
            stop: Some(stop),
            thread,
        }
    }

    /// Erases the line (if shown) and waits for it to be gone; safe to call twice.
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_short_and_human() {
        let text = message(
            Scanned {
                rows: 12_345_678,
                bytes: 45_600_000,
            },
            3,
        );
        assert_eq!(
            text,
            "12.3M rows scanned, 45.6 MB read · 3 rows out · Ctrl-C cancels"
        );
    }
}
