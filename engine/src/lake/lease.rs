//! The lake's write lease: one writer (an `ingest` run, a `pull` window, a pull
//! checkpoint) commits to a lake at a time, on local disk and object storage alike.
//!
//! The lease is a series of small JSON objects under `<lake>/_tokenhunt/lease/`,
//! one per generation (`g-00000000000000000042.lease`, JSON text), each created with a
//! conditional put ([`PutMode::Create`]: the store refuses to create an object that
//! exists, atomically, on local disk and on S3, Azure and GCS alike). The highest
//! generation is the lease: it names its owner (host, process id, run id) and when
//! it expires. Nothing is ever overwritten, so no store needs conditional updates:
//!
//! * taking a free (released or expired) lease, or renewing one's own, creates
//!   the next generation; of two writers racing for it, exactly one create succeeds;
//! * after a create, the writer lists the generations again: if a higher one
//!   exists, it lost the lease (it was taken over while this writer was stalled);
//! * the holder deletes older generations once its new one is visible, and releasing
//!   creates one more generation marked released, so the highest generation is never
//!   deleted and generation numbers never go back.
//!
//! A holder renews every third of the lease's lifetime; a writer that finds the
//! lease held waits (saying by whom) up to a bound and then fails naming the holder.
//! A crashed writer's lease expires and is taken over. Expiry compares wall clocks,
//! so hosts writing one lake need clocks agreeing to well under the lifetime.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::lake::Lake;

/// Called with one human line when a writer waits for the lease or takes one over.
pub type LeaseNotes = Arc<dyn Fn(&str) + Send + Sync>;

/// How long a lease lives without renewal.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(60);
/// How long a writer waits for another live writer's lease by default.
pub const DEFAULT_LEASE_WAIT: Duration = Duration::from_secs(10 * 60);

/// One generation of the lease, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeaseRecord {
    pub host: String,
    pub pid: u32,
    pub run_id: String,
    /// Microseconds since the epoch (UTC) after which the lease is free.
    pub expires_micros: i64,
    /// The same, RFC 3339, for people reading the file.
    pub expires: String,
    /// Set on the generation written when the holder lets go.
    #[serde(default)]
    pub released: bool,
}

impl LeaseRecord {
    fn describe(&self) -> String {
        format!(
            "run {} (host {}, pid {}, until {})",
            self.run_id, self.host, self.pid, self.expires
        )
    }

    fn free_at(&self, now_micros: i64) -> bool {
        self.released || self.expires_micros <= now_micros || self.holder_is_gone()
    }

    /// True when the holder ran on this host and its process no longer exists (a
    /// killed run): its lease need not run out. Only where `/proc` tells; a reused
    /// process id only makes a writer wait for the expiry.
    fn holder_is_gone(&self) -> bool {
        let proc = std::path::Path::new("/proc");
        self.host == host_name()
            && self.pid != std::process::id()
            && proc.join("self").exists()
            && !proc.join(self.pid.to_string()).exists()
    }
}

/// How to take the lease.
#[derive(Clone)]
pub struct LeaseOptions {
    pub ttl: Duration,
    /// How long to wait for a live holder before failing.
    pub wait: Duration,
    /// How often to look again while waiting.
    pub poll: Duration,
    pub notes: Option<LeaseNotes>,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions {
            ttl: DEFAULT_LEASE_TTL,
            wait: DEFAULT_LEASE_WAIT,
            poll: Duration::from_millis(500),
            notes: None,
        }
    }
}

impl std::fmt::Debug for LeaseOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseOptions")
            .field("ttl", &self.ttl)
            .field("wait", &self.wait)
            .field("poll", &self.poll)
            .finish()
    }
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string())
}

const PREFIX: &str = "g-";
/// Not `.json`: the lake's `.json` files are run manifests and checkpoints.
const SUFFIX: &str = ".lease";

fn folder(lake: &Lake) -> Path {
    lake.meta_path(&["lease"])
}

fn generation_path(lake: &Lake, generation: u64) -> Path {
    folder(lake).join(format!("{PREFIX}{generation:020}{SUFFIX}"))
}

fn generation_of(path: &Path) -> Option<u64> {
    path.filename()?
        .strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

/// The generations present, ascending.
async fn generations(lake: &Lake) -> Result<Vec<u64>> {
    let listed: Vec<_> = match lake.store.list(Some(&folder(lake))).try_collect().await {
        Ok(objects) => objects,
        Err(object_store::Error::NotFound { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let mut found: Vec<u64> = listed
        .iter()
        .filter_map(|object| generation_of(&object.location))
        .collect();
    found.sort_unstable();
    Ok(found)
}

/// The highest generation and its record; `None` when no lease was ever taken.
async fn current(lake: &Lake) -> Result<Option<(u64, LeaseRecord)>> {
    // A generation can vanish between the listing and the read (its holder moved on
    // and deleted it): list again.
    for _ in 0..20 {
        let Some(&highest) = generations(lake).await?.last() else {
            return Ok(None);
        };
        let path = generation_path(lake, highest);
        let bytes = match lake.store.get(&path).await {
            Ok(result) => result.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(error) => return Err(error.into()),
        };
        let record: LeaseRecord = serde_json::from_slice(&bytes).map_err(|e| {
            EngineError::location(
                lake.display_path(&path),
                format!("not a tokenhunt lease ({e}); delete the folder if no writer runs"),
            )
        })?;
        return Ok(Some((highest, record)));
    }
    Err(EngineError::location(
        lake.display_path(&folder(lake)),
        "the write lease keeps changing under us",
    ))
}

/// Creates generation `generation` holding `record`; `Ok(false)` when it exists.
async fn create(lake: &Lake, generation: u64, record: &LeaseRecord) -> Result<bool> {
    let bytes =
        serde_json::to_vec_pretty(record).map_err(|e| EngineError::Invalid(e.to_string()))?;
    let options = PutOptions::from(PutMode::Create);
    match lake
        .store
        .put_opts(
            &generation_path(lake, generation),
            PutPayload::from(bytes),
            options,
        )
        .await
    {
        Ok(_) => Ok(true),
        Err(
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. },
        ) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Claims generation `generation` (created with `record`): true when the create
/// succeeded and no higher generation appeared.
async fn claim(lake: &Lake, generation: u64, record: &LeaseRecord) -> Result<bool> {
    if !create(lake, generation, record).await? {
        return Ok(false);
    }
    let present = generations(lake).await?;
    if present.last().is_some_and(|&highest| highest > generation) {
        // Lost a race against a faster writer: take back what we created.
        let _ = lake.store.delete(&generation_path(lake, generation)).await;
        return Ok(false);
    }
    // Older generations are history; the highest one (ours) always stays.
    for older in present.into_iter().filter(|g| *g < generation) {
        match lake.store.delete(&generation_path(lake, older)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(true)
}

struct Held {
    generation: u64,
    record: LeaseRecord,
    /// Why the lease was lost, once it is.
    lost: Option<String>,
}

/// The lease while held: renewed in the background until released or dropped.
pub struct Lease {
    lake: Lake,
    held: Arc<Mutex<Held>>,
    ttl: Duration,
    stop: Arc<tokio::sync::Notify>,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

/// A cheap handle to check, before each write, that the lease is still held.
#[derive(Clone)]
pub struct LeaseCheck {
    held: Arc<Mutex<Held>>,
}

impl LeaseCheck {
    /// An error when the lease was lost (taken over after this writer stalled past
    /// its expiry, or not renewed in time): the writer must stop writing.
    pub fn check(&self) -> Result<()> {
        let held = self
            .held
            .lock()
            .map_err(|_| lost("the lease state is poisoned"))?;
        if let Some(reason) = &held.lost {
            return Err(lost(reason));
        }
        if held.record.expires_micros <= now_micros() {
            return Err(lost(&format!(
                "it expired at {} without being renewed",
                held.record.expires
            )));
        }
        Ok(())
    }
}

fn lost(reason: &str) -> EngineError {
    EngineError::Invalid(format!(
        "this run lost the lake's write lease ({reason}); it stopped writing so that \
         another writer's rows are not duplicated"
    ))
}

impl Lease {
    /// Takes the lake's write lease for `run_id`: at once when it is free, after
    /// waiting when another writer holds it, or by taking over an expired one.
    pub async fn acquire(lake: &Lake, run_id: &str, options: &LeaseOptions) -> Result<Lease> {
        let started = Instant::now();
        let note = |text: &str| {
            if let Some(notes) = &options.notes {
                notes(text);
            }
        };
        let mut announced: Option<String> = None;
        loop {
            let now = now_micros();
            let found = current(lake).await?;
            let (next, holder) = match &found {
                None => (1, None),
                Some((generation, record)) => (generation + 1, Some(record)),
            };
            if let Some(record) = holder
                && !record.free_at(now)
            {
                let waited = started.elapsed();
                if waited >= options.wait {
                    return Err(EngineError::location(
                        lake.location.clone(),
                        format!(
                            "another writer holds the lake's write lease: {} — gave up after \
                             waiting {}s; if that run is gone, its lease expires by itself",
                            record.describe(),
                            waited.as_secs()
                        ),
                    ));
                }
                let who = record.describe();
                if announced.as_deref() != Some(who.as_str()) {
                    note(&format!(
                        "waiting for the lake's write lease, held by {who} (giving up after {}s)",
                        options.wait.as_secs()
                    ));
                    announced = Some(who);
                }
                let left = options.wait.saturating_sub(waited);
                tokio::time::sleep(options.poll.min(left).max(Duration::from_millis(10))).await;
                continue;
            }
            let expires = now + options.ttl.as_micros().min(i64::MAX as u128 / 2) as i64;
            let record = LeaseRecord {
                host: host_name(),
                pid: std::process::id(),
                run_id: run_id.to_string(),
                expires_micros: expires,
                expires: crate::timerange::rfc3339(expires),
                released: false,
            };
            if claim(lake, next, &record).await? {
                if let Some(previous) = holder
                    && !previous.released
                {
                    let why = if previous.expires_micros <= now {
                        "which expired"
                    } else {
                        "whose process is gone"
                    };
                    note(&format!(
                        "took over the lake's write lease from {}, {why}",
                        previous.describe()
                    ));
                }
                let held = Arc::new(Mutex::new(Held {
                    generation: next,
                    record,
                    lost: None,
                }));
                let stop = Arc::new(tokio::sync::Notify::new());
                let renewer = tokio::spawn(renew_loop(
                    lake.clone(),
                    held.clone(),
                    options.ttl,
                    stop.clone(),
                ));
                return Ok(Lease {
                    lake: lake.clone(),
                    held,
                    ttl: options.ttl,
                    stop,
                    renewer: Some(renewer),
                });
            }
            // Someone else created that generation first: look again.
        }
    }

    pub fn checker(&self) -> LeaseCheck {
        LeaseCheck {
            held: self.held.clone(),
        }
    }

    /// Errors when the lease was lost.
    pub fn check(&self) -> Result<()> {
        self.checker().check()
    }

    /// Renews the lease now (also done in the background every third of its life).
    pub async fn renew(&self) -> Result<()> {
        renew_once(&self.lake, &self.held, self.ttl).await
    }

    /// Lets go of the lease: the next writer takes it at once.
    pub async fn release(mut self) -> Result<()> {
        // The renewer stops between renewals, never inside one.
        self.stop.notify_one();
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.await;
        }
        let (generation, mut record) = {
            let held = self
                .held
                .lock()
                .map_err(|_| lost("the lease state is poisoned"))?;
            if held.lost.is_some() {
                return Ok(());
            }
            (held.generation, held.record.clone())
        };
        record.released = true;
        record.expires_micros = now_micros();
        record.expires = crate::timerange::rfc3339(record.expires_micros);
        // Not claimed: a higher generation means someone else holds it now.
        claim(&self.lake, generation + 1, &record).await?;
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // A lease dropped without release (a failed run) stops being renewed and
        // expires; release is the normal path.
        if let Some(renewer) = &self.renewer {
            renewer.abort();
        }
    }
}

async fn renew_once(lake: &Lake, held: &Mutex<Held>, ttl: Duration) -> Result<()> {
    let (generation, mut record) = {
        let held = held
            .lock()
            .map_err(|_| lost("the lease state is poisoned"))?;
        if let Some(reason) = &held.lost {
            return Err(lost(reason));
        }
        (held.generation, held.record.clone())
    };
    let expires = now_micros() + ttl.as_micros().min(i64::MAX as u128 / 2) as i64;
    record.expires_micros = expires;
    record.expires = crate::timerange::rfc3339(expires);
    if claim(lake, generation + 1, &record).await? {
        let mut held = held
            .lock()
            .map_err(|_| lost("the lease state is poisoned"))?;
        held.generation = generation + 1;
        held.record = record;
        return Ok(());
    }
    let holder = match current(lake).await {
        Ok(Some((_, other))) => other.describe(),
        _ => "another writer".to_string(),
    };
    let reason = format!("taken over by {holder}");
    held.lock()
        .map_err(|_| lost("the lease state is poisoned"))?
        .lost = Some(reason.clone());
    Err(lost(&reason))
}

async fn renew_loop(
    lake: Lake,
    held: Arc<Mutex<Held>>,
    ttl: Duration,
    stop: Arc<tokio::sync::Notify>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(ttl / 3) => {}
            _ = stop.notified() => return,
        }
        match renew_once(&lake, &held, ttl).await {
            Ok(()) => {}
            // Lost: stop; writes check and fail.
            Err(_) if held.lock().map(|h| h.lost.is_some()).unwrap_or(true) => return,
            // A transient store error: try again sooner; past expiry, checks fail.
            Err(_) => tokio::select! {
                _ = tokio::time::sleep(ttl / 12) => {}
                _ = stop.notified() => return,
            },
        }
    }
}

/// The lease's current holder, for messages and tests: `None` when free.
pub async fn holder(lake: &Lake) -> Result<Option<LeaseRecord>> {
    Ok(current(lake)
        .await?
        .map(|(_, record)| record)
        .filter(|record| !record.free_at(now_micros())))
}

#[doc(hidden)]
/// Test support: writes a lease generation as another writer would.
pub async fn write_generation(lake: &Lake, generation: u64, record: &LeaseRecord) -> Result<bool> {
    create(lake, generation, record).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    fn other(expires_micros: i64) -> LeaseRecord {
        LeaseRecord {
            host: "elsewhere".into(),
            pid: 4242,
            run_id: "20260101T000000Z-deadbeef".into(),
            expires_micros,
            expires: crate::timerange::rfc3339(expires_micros),
            released: false,
        }
    }

    fn quick(wait_ms: u64) -> LeaseOptions {
        LeaseOptions {
            wait: Duration::from_millis(wait_ms),
            poll: Duration::from_millis(20),
            ..LeaseOptions::default()
        }
    }

    #[test]
    fn a_live_lease_makes_the_next_writer_wait_and_then_fail_naming_the_holder() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        runtime().block_on(async {
            let first = Lease::acquire(&lake, "run-a", &quick(0)).await.unwrap();
            let seen = Arc::new(Mutex::new(Vec::<String>::new()));
            let sink = seen.clone();
            let options = LeaseOptions {
                notes: Some(Arc::new(move |line: &str| {
                    sink.lock().unwrap().push(line.to_string())
                })),
                ..quick(300)
            };
            let error = match Lease::acquire(&lake, "run-b", &options).await {
                Ok(_) => panic!("two writers held the lease"),
                Err(error) => error.to_string(),
            };
            assert!(
                error.contains("run-a") && error.contains("pid") && error.contains("gave up"),
                "{error}"
            );
            let seen = seen.lock().unwrap().clone();
            assert!(
                seen.len() == 1 && seen[0].contains("waiting") && seen[0].contains("run-a"),
                "{seen:?}"
            );
            // Released, it goes to the next writer at once.
            first.release().await.unwrap();
            let second = Lease::acquire(&lake, "run-b", &quick(0)).await.unwrap();
            assert_eq!(holder(&lake).await.unwrap().unwrap().run_id, "run-b");
            second.renew().await.unwrap();
            second.check().unwrap();
            second.release().await.unwrap();
            assert_eq!(holder(&lake).await.unwrap(), None);
            // History is cleaned up: only the released generation stays.
            assert_eq!(generations(&lake).await.unwrap().len(), 1);
        });
    }

    #[test]
    fn a_waiting_writer_gets_the_lease_when_the_holder_releases_it() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        runtime().block_on(async {
            let first = Lease::acquire(&lake, "run-a", &quick(0)).await.unwrap();
            let waiter = {
                let lake = lake.clone();
                tokio::spawn(async move { Lease::acquire(&lake, "run-b", &quick(5_000)).await })
            };
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert!(!waiter.is_finished());
            first.release().await.unwrap();
            let second = waiter.await.unwrap().unwrap();
            second.check().unwrap();
        });
    }

    #[test]
    fn an_expired_lease_is_taken_over_and_its_stalled_holder_finds_out() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        runtime().block_on(async {
            // A writer that died 10 s ago.
            let stale = other(now_micros() - 10_000_000);
            assert!(write_generation(&lake, 7, &stale).await.unwrap());
            let seen = Arc::new(Mutex::new(Vec::<String>::new()));
            let sink = seen.clone();
            let options = LeaseOptions {
                notes: Some(Arc::new(move |line: &str| {
                    sink.lock().unwrap().push(line.to_string())
                })),
                ..quick(0)
            };
            let lease = Lease::acquire(&lake, "run-new", &options).await.unwrap();
            assert_eq!(holder(&lake).await.unwrap().unwrap().run_id, "run-new");
            assert_eq!(generations(&lake).await.unwrap(), vec![8]);
            let seen = seen.lock().unwrap().clone();
            assert!(
                seen.iter()
                    .any(|l| l.contains("took over") && l.contains("deadbeef")),
                "{seen:?}"
            );

            // A stalled holder whose lease expired and was taken over cannot renew.
            let short = LeaseOptions {
                ttl: Duration::from_millis(50),
                ..quick(0)
            };
            lease.release().await.unwrap();
            let stalled = Lease::acquire(&lake, "run-stalled", &short).await.unwrap();
            stalled.renewer.as_ref().unwrap().abort();
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(stalled.check().is_err(), "expired without renewal");
            let taker = Lease::acquire(&lake, "run-taker", &quick(0)).await.unwrap();
            let error = stalled.renew().await.unwrap_err().to_string();
            assert!(
                error.contains("run-taker") && error.contains("lost"),
                "{error}"
            );
            taker.check().unwrap();
        });
    }

    #[test]
    fn of_many_writers_racing_for_a_free_lease_exactly_one_wins() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        runtime().block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|n| {
                    let lake = lake.clone();
                    tokio::spawn(async move {
                        Lease::acquire(&lake, &format!("run-{n}"), &quick(0)).await
                    })
                })
                .collect();
            let mut winners = Vec::new();
            for task in tasks {
                if let Ok(lease) = task.await.unwrap() {
                    winners.push(lease);
                }
            }
            assert_eq!(winners.len(), 1);
        });
    }

    #[test]
    fn a_lease_of_a_process_gone_from_this_host_is_taken_over_before_it_expires() {
        let folder = tempfile::tempdir().unwrap();
        let lake = Lake::open(folder.path().to_str().unwrap()).unwrap();
        runtime().block_on(async {
            let mut dead = other(now_micros() + 600_000_000);
            dead.host = host_name();
            // Beyond the kernel's largest process id.
            dead.pid = 99_999_999;
            assert!(write_generation(&lake, 1, &dead).await.unwrap());
            let lease = Lease::acquire(&lake, "run-new", &quick(0)).await.unwrap();
            lease.check().unwrap();
            // Live on another host: waited for.
            lease.release().await.unwrap();
            let remote = other(now_micros() + 600_000_000);
            assert!(write_generation(&lake, 5, &remote).await.unwrap());
            assert!(
                Lease::acquire(&lake, "run-other", &quick(50))
                    .await
                    .is_err()
            );
        });
    }
}
