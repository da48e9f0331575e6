//! Where the last pull of a source ended: `<lake>/_tokenhunt/pull/<source>.json`.
//!
//! A checkpoint is written only after the events of the range it covers are in
//! the lake (their ingest run finished), through the store's atomic put, so it
//! never claims more than the lake holds: a crash at any point leaves either the
//! old checkpoint or the new one, and re-pulling a range the lake already holds
//! adds only duplicates, which deduplication absorbs.

use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::lake::lease::{Lease, LeaseOptions};
use crate::parse::time::parse_timestamp_micros;
use crate::timerange::rfc3339;

/// One source's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `okta`, `entra` or `entra-la`.
    pub kind: String,
    /// The org URL, tenant or workspace pulled from.
    pub scope: String,
    /// Everything before this time (RFC 3339, UTC) has been pulled into the lake.
    pub until: String,
    /// When the checkpoint was written.
    pub updated: String,
    /// The ingest run that brought the last events in (kept when the checkpoint
    /// moves over empty windows; empty when no run has).
    pub run_id: String,
}

impl Checkpoint {
    /// `until` in microseconds.
    pub fn until_micros(&self) -> Result<i64> {
        parse_timestamp_micros(&self.until)
            .map_err(|e| EngineError::Invalid(format!("checkpoint time {:?}: {e}", self.until)))
    }
}

/// A file-name-safe form of a source name (`okta-acme.okta.com`).
pub fn file_name(source: &str) -> String {
    let safe: String = source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}.json")
}

fn path(lake: &Lake, source: &str) -> object_store::path::Path {
    lake.meta_path(&["pull", &file_name(source)])
}

/// Where a source's checkpoint lives, for messages.
pub fn location(lake: &Lake, source: &str) -> String {
    lake.display_path(&path(lake, source))
}

/// The source's checkpoint, if it has one. A checkpoint that cannot be read is an
/// error (naming the file), never silently a fresh start.
pub async fn load(lake: &Lake, source: &str) -> Result<Option<Checkpoint>> {
    let bytes = match lake.store.get(&path(lake, source)).await {
        Ok(result) => result.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let checkpoint: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| {
        EngineError::location(
            location(lake, source),
            format!("not a pull checkpoint ({e}); delete it or pass --since"),
        )
    })?;
    checkpoint
        .until_micros()
        .map_err(|e| EngineError::location(location(lake, source), e.to_string()))?;
    Ok(Some(checkpoint))
}

/// Records that everything before `until` is in the lake: brought in by ingest run
/// `run_id`, or (`None`) found empty. A checkpoint never moves
/// back: when the stored one is already later (another pull of the same source ran
/// at the same time, or this one re-pulled an older range), it stays and is returned.
/// The read and the write happen under the lake's write lease, so two pulls finishing
/// at once cannot interleave them.
pub async fn store(
    lake: &Lake,
    source: &str,
    kind: &str,
    scope: &str,
    until: i64,
    run_id: Option<&str>,
    lease: &LeaseOptions,
) -> Result<Checkpoint> {
    // The lease names its holder: the run, or for empty windows a run id of its own.
    let holder = run_id.map_or_else(crate::ingest::new_run_id, str::to_string);
    let held = Lease::acquire(lake, &holder, lease).await?;
    let stored = store_latest(lake, source, kind, scope, until, run_id).await;
    let released = held.release().await;
    let stored = stored?;
    released?;
    Ok(stored)
}

async fn store_latest(
    lake: &Lake,
    source: &str,
    kind: &str,
    scope: &str,
    until: i64,
    run_id: Option<&str>,
) -> Result<Checkpoint> {
    let existing = load(lake, source).await?;
    if let Some(existing) = &existing
        && existing.until_micros()? >= until
    {
        return Ok(existing.clone());
    }
    let run_id = match (run_id, existing) {
        (Some(run_id), _) => run_id.to_string(),
        (None, Some(existing)) => existing.run_id,
        (None, None) => String::new(),
    };
    let checkpoint = Checkpoint {
        kind: kind.to_string(),
        scope: scope.to_string(),
        until: rfc3339(until),
        updated: rfc3339(chrono::Utc::now().timestamp_micros()),
        run_id,
    };
    let mut bytes =
        serde_json::to_vec_pretty(&checkpoint).map_err(|e| EngineError::Invalid(e.to_string()))?;
    bytes.push(b'\n');
    // Durable before it returns, like the window's files before it (stored by
    // the window's ingest run, which returned before this was called).
    lake.put_durable(&path(lake, source), bytes).await?;
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_safe() {
        assert_eq!(file_name("okta-ACME.okta.com"), "okta-acme.okta.com.json");
        assert_eq!(file_name("okta-127.0.0.1:8080"), "okta-127.0.0.1-8080.json");
        assert_eq!(file_name("entra-../x"), "entra-..-x.json");
    }

    #[test]
    fn round_trip_through_a_lake() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            assert_eq!(load(&lake, "okta-a").await.unwrap(), None);
            let until = 1_780_000_000_000_000;
            let lease = LeaseOptions::default();
            let stored = store(
                &lake,
                "okta-a",
                "okta",
                "https://a",
                until,
                Some("run-1"),
                &lease,
            )
            .await
            .unwrap();
            let loaded = load(&lake, "okta-a").await.unwrap().unwrap();
            assert_eq!(loaded, stored);
            assert_eq!(loaded.until_micros().unwrap(), until);
            let file = folder.path().join("_tokenhunt/pull/okta-a.json");
            std::fs::write(&file, "{oops").unwrap();
            let error = load(&lake, "okta-a").await.unwrap_err().to_string();
            assert!(
                error.contains("okta-a.json") && error.contains("--since"),
                "{error}"
            );
        });
    }

    #[test]
    fn a_checkpoint_never_moves_back() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let lease = LeaseOptions::default();
            let later = 1_780_000_000_000_000;
            let earlier = later - 86_400_000_000;
            // Two pulls of one source at once: the one with the later window stores
            // first, the other's earlier window after it.
            store(
                &lake,
                "okta-a",
                "okta",
                "https://a",
                later,
                Some("run-late"),
                &lease,
            )
            .await
            .unwrap();
            let kept = store(
                &lake,
                "okta-a",
                "okta",
                "https://a",
                earlier,
                Some("run-early"),
                &lease,
            )
            .await
            .unwrap();
            assert_eq!(kept.until_micros().unwrap(), later);
            let loaded = load(&lake, "okta-a").await.unwrap().unwrap();
            assert_eq!(loaded.until_micros().unwrap(), later);
            assert_eq!(loaded.run_id, "run-late");
            // Moved on over empty windows: the run that brought the last events in stays.
            let moved = store(
                &lake,
                "okta-a",
                "okta",
                "https://a",
                later + 86_400_000_000,
                None,
                &lease,
            )
            .await
            .unwrap();
            assert_eq!(moved.run_id, "run-late");
            assert_eq!(moved.until_micros().unwrap(), later + 86_400_000_000);
        });
    }
}
