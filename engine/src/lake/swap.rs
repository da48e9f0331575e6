//! How compaction swaps a partition's files for their rewrite so that a reader never
//! sees both (every event twice) or neither (events missing), and the store every
//! reader of the lake goes through, which applies the rule.
//!
//! Readers find a partition's files by listing its folder: DataFusion's listing table
//! does, and so does ingest when it loads a partition's dedup keys. A listing is no
//! snapshot and an object store has no atomic "replace these files by that one", so
//! the swap is a commit record in the partition folder itself, read with the listing:
//!
//! ```text
//! <partition>/part-<run>-<n>.parquet             written by ingest: visible
//! <partition>/compacted-<run>-<n>.parquet        a compaction's output: visible only
//!                                                while its marker exists
//! <partition>/_compacted-<run>.json              the marker: {outputs, replaces}
//! ```
//!
//! A compaction (under the lake's write lease, so no ingest commits meanwhile)
//! 1. writes its outputs (`compacted-…`; invisible, having no marker yet),
//! 2. **commits** by putting the marker (one atomic put): from then on a listing
//!    that shows the marker and all its outputs hides the files the marker
//!    `replaces` and shows the outputs,
//! 3. waits a grace period (readers that listed before the commit finish reading
//!    the old files), then deletes the replaced files. The marker stays as long as
//!    its outputs do: the next compaction of the partition replaces them and then
//!    deletes the old marker.
//!
//! The rule ([`visible_files`]), per folder: markers whose outputs are all listed
//! are *live*; a file named in a live marker's `replaces` is hidden; a `compacted-…`
//! file is shown only when a live marker names it among its outputs (an output whose
//! run never committed is an orphan: invisible, deleted by the next compaction);
//! markers themselves are never shown. Because outputs are put before their marker,
//! a listing racing the commit sees either the marker with every output (new view)
//! or misses the marker or an output (old view, since then nothing is hidden and
//! the unclaimed outputs are not shown): never both views, never neither.
//!
//! A crash anywhere leaves one of those states: before the commit, orphans that no
//! reader sees; after it, replaced files that no reader sees. `compact` removes both
//! at its start. Files a live marker replaces are always deleted before the marker's
//! own outputs, so a replaced file can never become visible again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};
use serde::{Deserialize, Serialize};

/// File names of compaction outputs start with this.
pub const OUTPUT_PREFIX: &str = "compacted-";
/// File names of compaction markers start with this (and end in `.json`).
pub const MARKER_PREFIX: &str = "_compacted-";

/// One compaction of one partition: what it wrote and what that replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// The compaction run.
    pub run_id: String,
    /// File names (in the same folder) the compaction wrote.
    pub outputs: Vec<String>,
    /// File names (in the same folder) the outputs replace.
    pub replaces: Vec<String>,
    /// Rows in the outputs (equal to the rows of the replaced files).
    pub rows: u64,
    /// When the marker was written, RFC 3339 (for people; the store's time counts).
    pub committed: String,
}

/// The marker's file name for a compaction run.
pub fn marker_name(run_id: &str) -> String {
    format!("{MARKER_PREFIX}{run_id}.json")
}

/// True for a marker's file name.
pub fn is_marker(name: &str) -> bool {
    name.starts_with(MARKER_PREFIX) && name.ends_with(".json")
}

/// True for a compaction output's file name.
pub fn is_output(name: &str) -> bool {
    name.starts_with(OUTPUT_PREFIX)
}

/// The folder a listed object is in, and its name.
pub fn split_path(path: &Path) -> (Path, String) {
    let parts: Vec<_> = path.parts().collect();
    let name = parts
        .last()
        .map(|p| p.as_ref().to_string())
        .unwrap_or_default();
    let folder = Path::from_iter(parts[..parts.len().saturating_sub(1)].iter().cloned());
    (folder, name)
}

/// What one folder's listing holds, sorted out by the rule.
#[derive(Debug, Default)]
pub struct FolderState {
    /// Files readers see.
    pub visible: Vec<ObjectMeta>,
    /// Live markers: (marker object, its record), oldest first.
    pub live: Vec<(ObjectMeta, Arc<Marker>)>,
    /// Markers some of whose outputs are gone (replaced by a later compaction).
    pub stale: Vec<ObjectMeta>,
    /// Files hidden because a live marker replaces them (awaiting deletion).
    pub replaced: Vec<ObjectMeta>,
    /// Compaction outputs no live marker claims (a run that never committed).
    pub orphans: Vec<ObjectMeta>,
}

/// Applies the rule to one folder's listing; `markers` holds the record of every
/// marker listed there (by path).
pub fn sort_folder(objects: Vec<ObjectMeta>, markers: &HashMap<Path, Arc<Marker>>) -> FolderState {
    let names: HashSet<String> = objects.iter().map(|o| split_path(&o.location).1).collect();
    let mut state = FolderState::default();
    let mut hidden: HashSet<String> = HashSet::new();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut files = Vec::new();
    for object in objects {
        let (_, name) = split_path(&object.location);
        if !is_marker(&name) {
            files.push(object);
            continue;
        }
        match markers.get(&object.location) {
            Some(marker) if marker.outputs.iter().all(|o| names.contains(o)) => {
                hidden.extend(marker.replaces.iter().cloned());
                claimed.extend(marker.outputs.iter().cloned());
                state.live.push((object, marker.clone()));
            }
            _ => state.stale.push(object),
        }
    }
    state.live.sort_by(|a, b| {
        (a.0.last_modified, &a.0.location).cmp(&(b.0.last_modified, &b.0.location))
    });
    for file in files {
        let (_, name) = split_path(&file.location);
        if hidden.contains(&name) {
            state.replaced.push(file);
        } else if is_output(&name) && !claimed.contains(&name) {
            state.orphans.push(file);
        } else {
            state.visible.push(file);
        }
    }
    state
}

/// Groups a listing by folder (keeping each folder's entries in listing order).
pub fn by_folder(objects: Vec<ObjectMeta>) -> BTreeMap<Path, Vec<ObjectMeta>> {
    let mut folders: BTreeMap<Path, Vec<ObjectMeta>> = BTreeMap::new();
    for object in objects {
        let (folder, _) = split_path(&object.location);
        folders.entry(folder).or_default().push(object);
    }
    folders
}

/// Reads the markers of a listing (from `cache` when read before: a marker is written
/// once under a unique name and never changed).
pub async fn read_markers(
    store: &dyn ObjectStore,
    objects: &[ObjectMeta],
    cache: &Mutex<HashMap<Path, Arc<Marker>>>,
) -> object_store::Result<HashMap<Path, Arc<Marker>>> {
    let mut found = HashMap::new();
    for object in objects {
        let (_, name) = split_path(&object.location);
        if !is_marker(&name) {
            continue;
        }
        let cached = cache
            .lock()
            .ok()
            .and_then(|c| c.get(&object.location).cloned());
        let marker = match cached {
            Some(marker) => marker,
            None => {
                let bytes = match store.get(&object.location).await {
                    Ok(result) => result.bytes().await?,
                    // Deleted since the listing (a stale marker being cleaned up):
                    // as if never listed.
                    Err(object_store::Error::NotFound { .. }) => continue,
                    Err(error) => return Err(error),
                };
                let marker: Marker =
                    serde_json::from_slice(&bytes).map_err(|e| object_store::Error::Generic {
                        store: "tokenhunt lake",
                        source: format!("compaction marker {} is unreadable: {e}", object.location)
                            .into(),
                    })?;
                let marker = Arc::new(marker);
                if let Ok(mut cache) = cache.lock() {
                    cache.insert(object.location.clone(), marker.clone());
                }
                marker
            }
        };
        found.insert(object.location.clone(), marker);
    }
    Ok(found)
}

/// The files of a listing that readers see: [`sort_folder`]'s `visible`, per folder.
pub fn visible_files(
    objects: Vec<ObjectMeta>,
    markers: &HashMap<Path, Arc<Marker>>,
) -> Vec<ObjectMeta> {
    by_folder(objects)
        .into_values()
        .flat_map(|folder| sort_folder(folder, markers).visible)
        .collect()
}

/// The object store the lake is read and written through: the real store, except
/// that listings under the tables' folders show only the files the compaction rule
/// makes visible. DataFusion (whose listing table lists the folders) and ingest's
/// dedup-key loading both list through it, so every reader honours a swap.
pub struct LakeStore {
    inner: Arc<dyn ObjectStore>,
    /// The tables' folders (`<root>/signins`, `<root>/audit`).
    tables: Vec<Path>,
    markers: Arc<Mutex<HashMap<Path, Arc<Marker>>>>,
    /// Bytes fetched from the tables' files (data pages and footers alike).
    bytes_read: Arc<AtomicU64>,
}

impl LakeStore {
    /// `bytes_read` counts what is fetched from the tables' files through this store.
    pub fn new(inner: Arc<dyn ObjectStore>, tables: Vec<Path>, bytes_read: Arc<AtomicU64>) -> Self {
        LakeStore {
            inner,
            tables,
            markers: Arc::new(Mutex::new(HashMap::new())),
            bytes_read,
        }
    }

    /// The store underneath, whose listings show everything (compaction's own view).
    pub fn raw(&self) -> Arc<dyn ObjectStore> {
        self.inner.clone()
    }

    /// Whether a listing under `prefix` can reach a table's files.
    fn touches_tables(&self, prefix: Option<&Path>) -> bool {
        match prefix {
            None => true,
            Some(prefix) => self
                .tables
                .iter()
                .any(|table| prefix.prefix_matches(table) || table.prefix_matches(prefix)),
        }
    }

    fn under_tables(&self, path: &Path) -> bool {
        self.tables.iter().any(|table| path.prefix_matches(table))
    }
}

impl fmt::Debug for LakeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeStore({})", self.inner)
    }
}

impl fmt::Display for LakeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeStore({})", self.inner)
    }
}

/// Applies the rule to the part of a listing under the tables' folders.
async fn filter_listing(
    inner: &dyn ObjectStore,
    tables: &[Path],
    cache: &Mutex<HashMap<Path, Arc<Marker>>>,
    objects: Vec<ObjectMeta>,
) -> object_store::Result<Vec<ObjectMeta>> {
    let (table_objects, mut other): (Vec<_>, Vec<_>) = objects
        .into_iter()
        .partition(|o| tables.iter().any(|t| o.location.prefix_matches(t)));
    let markers = read_markers(inner, &table_objects, cache).await?;
    other.extend(visible_files(table_objects, &markers));
    other.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(other)
}

#[async_trait::async_trait]
impl ObjectStore for LakeStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let result = self.inner.get_opts(location, options).await?;
        if self.under_tables(location) {
            self.bytes_read
                .fetch_add(result.range.end - result.range.start, Ordering::Relaxed);
        }
        Ok(result)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        let read = self.inner.get_ranges(location, ranges).await?;
        if self.under_tables(location) {
            let bytes: usize = read.iter().map(Bytes::len).sum();
            self.bytes_read.fetch_add(bytes as u64, Ordering::Relaxed);
        }
        Ok(read)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        if !self.touches_tables(prefix) {
            return self.inner.list(prefix);
        }
        // The whole listing first: the rule needs each folder's markers and files
        // together, and a listing's order is the store's.
        let listing = self.inner.list(prefix);
        let inner = self.inner.clone();
        let tables = self.tables.clone();
        let cache = self.markers.clone();
        futures::stream::once(async move {
            let objects: Vec<ObjectMeta> = listing.try_collect().await?;
            let visible = filter_listing(inner.as_ref(), &tables, &cache, objects).await?;
            Ok::<_, object_store::Error>(futures::stream::iter(visible.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let offset = offset.clone();
        self.list(prefix)
            .try_filter(move |o| futures::future::ready(o.location > offset))
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let mut result = self.inner.list_with_delimiter(prefix).await?;
        if result
            .objects
            .iter()
            .any(|o| self.under_tables(&o.location))
        {
            let objects = std::mem::take(&mut result.objects);
            result.objects =
                filter_listing(self.inner.as_ref(), &self.tables, &self.markers, objects).await?;
        }
        Ok(result)
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(path: &str, age_s: i64) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(path),
            last_modified: chrono::Utc::now() - chrono::Duration::seconds(age_s),
            size: 10,
            e_tag: None,
            version: None,
        }
    }

    fn names(objects: &[ObjectMeta]) -> Vec<String> {
        let mut names: Vec<String> = objects.iter().map(|o| split_path(&o.location).1).collect();
        names.sort();
        names
    }

    fn marker(run: &str, outputs: &[&str], replaces: &[&str]) -> Arc<Marker> {
        Arc::new(Marker {
            run_id: run.into(),
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            replaces: replaces.iter().map(|s| s.to_string()).collect(),
            rows: 0,
            committed: String::new(),
        })
    }

    const DIR: &str = "lake/signins/source=okta/date=2026-06-01";

    fn at(name: &str) -> String {
        format!("{DIR}/{name}")
    }

    #[test]
    fn before_the_commit_the_old_files_and_after_it_the_outputs_are_visible() {
        let old = ["part-a-00001.parquet", "part-b-00001.parquet"];
        let mut listing: Vec<ObjectMeta> = old.iter().map(|n| meta(&at(n), 60)).collect();
        // Output written, no marker yet: an orphan nobody sees.
        listing.push(meta(&at("compacted-c-00001.parquet"), 5));
        let none = HashMap::new();
        let state = sort_folder(listing.clone(), &none);
        assert_eq!(names(&state.visible), old);
        assert_eq!(names(&state.orphans), ["compacted-c-00001.parquet"]);

        // The marker committed: outputs in, replaced files out, in one listing.
        listing.push(meta(&at("_compacted-c.json"), 1));
        let markers = HashMap::from([(
            Path::from(at("_compacted-c.json")),
            marker("c", &["compacted-c-00001.parquet"], &old),
        )]);
        let state = sort_folder(listing.clone(), &markers);
        assert_eq!(names(&state.visible), ["compacted-c-00001.parquet"]);
        assert_eq!(names(&state.replaced), old);

        // A listing that saw the marker but not (yet) the output: the old view.
        let racing: Vec<ObjectMeta> = listing
            .iter()
            .filter(|o| !o.location.as_ref().contains("compacted-c-00001"))
            .cloned()
            .collect();
        let state = sort_folder(racing, &markers);
        assert_eq!(names(&state.visible), old);
        assert_eq!(names(&state.stale), ["_compacted-c.json"]);

        // A file ingested after the compaction stays visible beside the output.
        listing.push(meta(&at("part-d-00001.parquet"), 0));
        let state = sort_folder(listing, &markers);
        assert_eq!(
            names(&state.visible),
            ["compacted-c-00001.parquet", "part-d-00001.parquet"]
        );
    }

    #[test]
    fn a_second_compaction_replaces_the_first_ones_output() {
        let listing = vec![
            meta(&at("_compacted-c.json"), 100),
            meta(&at("compacted-c-00001.parquet"), 101),
            meta(&at("part-d-00001.parquet"), 50),
            meta(&at("compacted-e-00001.parquet"), 2),
            meta(&at("_compacted-e.json"), 1),
        ];
        let markers = HashMap::from([
            (
                Path::from(at("_compacted-c.json")),
                marker(
                    "c",
                    &["compacted-c-00001.parquet"],
                    &["part-a-00001.parquet"],
                ),
            ),
            (
                Path::from(at("_compacted-e.json")),
                marker(
                    "e",
                    &["compacted-e-00001.parquet"],
                    &["compacted-c-00001.parquet", "part-d-00001.parquet"],
                ),
            ),
        ]);
        let state = sort_folder(listing, &markers);
        assert_eq!(names(&state.visible), ["compacted-e-00001.parquet"]);
        assert_eq!(
            names(&state.replaced),
            ["compacted-c-00001.parquet", "part-d-00001.parquet"]
        );
        // Oldest first: the first marker's replaced files go before its outputs.
        assert_eq!(state.live[0].1.run_id, "c");
    }

    #[test]
    fn listings_outside_the_tables_pass_through() {
        let objects = vec![
            meta("lake/_tokenhunt/ingest/run.json", 0),
            meta(&at("part-a-00001.parquet"), 0),
            meta(&at("compacted-x-00001.parquet"), 0),
        ];
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = object_store::memory::InMemory::new();
        let cache = Mutex::new(HashMap::new());
        let tables = vec![Path::from("lake/signins"), Path::from("lake/audit")];
        let kept = runtime
            .block_on(filter_listing(&store, &tables, &cache, objects))
            .unwrap();
        assert_eq!(
            kept.iter()
                .map(|o| o.location.to_string())
                .collect::<Vec<_>>(),
            vec![
                "lake/_tokenhunt/ingest/run.json".to_string(),
                at("part-a-00001.parquet")
            ]
        );
    }
}
