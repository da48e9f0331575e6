//! When a running pull writes its checkpoint down.
//!
//! After a window whose events were ingested, at once: the rows are in the lake,
//! and a crash must not fetch them again. After a window found empty, not at once:
//! writing takes the lake's lease and a durable put, and a long empty stretch would
//! pay that on every window. Empty windows only move a pending mark, written with
//! the next ingested window's checkpoint (which lies past it), at the end of the
//! run, before the run reports an error, and at least every
//! [`EMPTY_FLUSH_INTERVAL`] while a stretch goes on. A crash loses at most that
//! mark: the next run fetches the empty windows again, a few requests.
//!
//! The checkpoint never moves past a window that is not finished: windows are
//! fetched in order, and the mark is only ever the end of a finished one.

use std::time::{Duration, Instant};

use super::checkpoint;
use crate::error::Result;
use crate::lake::Lake;
use crate::lake::lease::LeaseOptions;

/// The longest a pending mark over empty windows waits to be written.
pub const EMPTY_FLUSH_INTERVAL: Duration = Duration::from_secs(10);

/// A pull's checkpoint as it moves.
pub struct Cursor<'a> {
    lake: &'a Lake,
    /// The checkpoint's name, and what it records (kind, scope).
    name: String,
    kind: &'static str,
    scope: String,
    lease: &'a LeaseOptions,
    /// The checkpoint as last read or written (another pull may have moved it on).
    stored: Option<i64>,
    /// The end of the empty windows fetched since, not yet written.
    pending: Option<i64>,
    /// When the checkpoint was last written, or the pull started.
    last_write: Instant,
    /// How long a pending mark may wait ([`EMPTY_FLUSH_INTERVAL`] unless set).
    flush_after: Duration,
    /// The stored checkpoint, RFC 3339, for the summary.
    text: Option<String>,
}

impl<'a> Cursor<'a> {
    /// A cursor over the checkpoint `name`, found at `stored` (`text` as stored).
    pub fn new(
        lake: &'a Lake,
        name: String,
        kind: &'static str,
        scope: String,
        lease: &'a LeaseOptions,
        stored: Option<i64>,
        text: Option<String>,
    ) -> Self {
        Cursor {
            lake,
            name,
            kind,
            scope,
            lease,
            stored,
            pending: None,
            last_write: Instant::now(),
            flush_after: EMPTY_FLUSH_INTERVAL,
            text,
        }
    }

    /// The same cursor, writing a pending mark once it is `interval` old instead of
    /// [`EMPTY_FLUSH_INTERVAL`] (zero: after every empty window).
    pub fn flush_after(mut self, interval: Duration) -> Self {
        self.flush_after = interval;
        self
    }

    /// The checkpoint as stored (RFC 3339), if there is one.
    pub fn checkpoint(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Ingest run `run_id` put every event before `end` in the lake: write it now.
    pub async fn landed(&mut self, end: i64, run_id: &str) -> Result<()> {
        self.pending = None;
        self.write(end, Some(run_id)).await
    }

    /// Everything before `end` was fetched and held nothing: mark it, and write the
    /// mark when the last write is [`EMPTY_FLUSH_INTERVAL`] old (see
    /// [`flush_after`](Cursor::flush_after)).
    pub async fn empty(&mut self, end: i64) -> Result<()> {
        self.pending = Some(self.pending.map_or(end, |pending| pending.max(end)));
        if self.last_write.elapsed() >= self.flush_after {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the pending mark, if any.
    pub async fn flush(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(end) => self.write(end, None).await,
            None => Ok(()),
        }
    }

    /// Moves the checkpoint to `end`, never back (an explicit `--since`/`--until`
    /// re-pulling an older range leaves a later checkpoint alone).
    async fn write(&mut self, end: i64, run_id: Option<&str>) -> Result<()> {
        if self.stored.is_some_and(|known| end <= known) {
            return Ok(());
        }
        let stored = checkpoint::store(
            self.lake,
            &self.name,
            self.kind,
            &self.scope,
            end,
            run_id,
            self.lease,
        )
        .await?;
        // Another pull of this source may have stored a later one.
        self.stored = Some(stored.until_micros().unwrap_or(end));
        self.text = Some(stored.until);
        self.last_write = Instant::now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;
    const T0: i64 = 1_780_272_000_000_000; // 2026-06-01T00:00:00Z

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// The checkpoint `okta-a` as stored: its end and run.
    async fn stored(lake: &Lake) -> Option<(i64, String)> {
        let saved = checkpoint::load(lake, "okta-a").await.unwrap()?;
        Some((saved.until_micros().unwrap(), saved.run_id))
    }

    fn cursor<'a>(lake: &'a Lake, lease: &'a LeaseOptions, at: Option<i64>) -> Cursor<'a> {
        let text = at.map(crate::timerange::rfc3339);
        Cursor::new(
            lake,
            "okta-a".into(),
            "okta",
            "https://a".into(),
            lease,
            at,
            text,
        )
    }

    #[test]
    fn empty_windows_are_written_on_flush_and_landed_ones_at_once() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let lease = LeaseOptions::default();
        block_on(async {
            let mut cursor = cursor(&lake, &lease, None);
            // Empty windows only move the pending mark: nothing is written yet.
            cursor.empty(T0 + DAY).await.unwrap();
            cursor.empty(T0 + 3 * DAY).await.unwrap();
            assert_eq!(stored(&lake).await, None);
            assert_eq!(cursor.checkpoint(), None);
            // A window with events is written at once, past the pending mark.
            cursor.landed(T0 + 4 * DAY, "run-1").await.unwrap();
            assert_eq!(stored(&lake).await, Some((T0 + 4 * DAY, "run-1".into())));
            assert_eq!(cursor.checkpoint(), Some("2026-06-05T00:00:00Z"));
            // More empty windows: flushed at the end, keeping the run that brought
            // the last events in.
            cursor.empty(T0 + 64 * DAY).await.unwrap();
            assert_eq!(stored(&lake).await.unwrap().0, T0 + 4 * DAY);
            cursor.flush().await.unwrap();
            assert_eq!(stored(&lake).await, Some((T0 + 64 * DAY, "run-1".into())));
            // Nothing pending: a second flush writes nothing.
            cursor.flush().await.unwrap();
            assert_eq!(stored(&lake).await.unwrap().0, T0 + 64 * DAY);
        });
    }

    #[test]
    fn a_pending_mark_is_written_once_it_is_old_enough() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let lease = LeaseOptions::default();
        block_on(async {
            let mut cursor = cursor(&lake, &lease, None).flush_after(Duration::ZERO);
            cursor.empty(T0 + 2 * DAY).await.unwrap();
            assert_eq!(stored(&lake).await, Some((T0 + 2 * DAY, String::new())));
        });
    }

    #[test]
    fn the_checkpoint_never_moves_back() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let lease = LeaseOptions::default();
        block_on(async {
            let mut first = cursor(&lake, &lease, None);
            first.landed(T0 + 10 * DAY, "run-late").await.unwrap();
            // A re-pull of an older range (or a slower pull of the same source)
            // ends before the stored checkpoint: it stays.
            let mut older = cursor(&lake, &lease, None);
            older.landed(T0 + 2 * DAY, "run-early").await.unwrap();
            older.empty(T0 + 5 * DAY).await.unwrap();
            older.flush().await.unwrap();
            assert_eq!(
                stored(&lake).await,
                Some((T0 + 10 * DAY, "run-late".into()))
            );
            // And the cursor now knows the later one.
            assert_eq!(older.checkpoint(), Some("2026-06-11T00:00:00Z"));
            // A cursor that starts at a stored checkpoint does not write below it.
            let mut resumed = cursor(&lake, &lease, Some(T0 + 10 * DAY));
            resumed.empty(T0 + 9 * DAY).await.unwrap();
            resumed.flush().await.unwrap();
            assert_eq!(stored(&lake).await.unwrap().0, T0 + 10 * DAY);
        });
    }
}
