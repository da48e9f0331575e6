//! Opening a lake on local disk or any object store.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use super::swap::LakeStore;
use crate::error::{EngineError, Result};
use crate::schema::{Source, Table};

/// A lake root: an object store and the prefix inside it.
#[derive(Debug, Clone)]
pub struct Lake {
    /// What the user typed, for messages.
    pub location: String,
    /// The store's base URL (`file:///`, `s3://bucket`), as DataFusion registers it.
    pub store_url: Url,
    /// The store every reader and writer goes through: its listings of the tables'
    /// folders honour compaction swaps (see [`super::swap`]).
    pub store: Arc<dyn ObjectStore>,
    /// The store underneath, listing every object: compaction's own view.
    pub raw_store: Arc<dyn ObjectStore>,
    /// Bytes read from the tables' files through `store` (by this lake and its clones).
    bytes_read: Arc<AtomicU64>,
    /// The lake's root inside the store.
    pub root: Path,
    /// The local folder, when the lake is on local disk.
    pub local_root: Option<PathBuf>,
}

/// Splits `s3://bucket/prefix` style locations from local paths (a Windows drive
/// letter is not a scheme).
pub fn parse_url(location: &str) -> Option<Url> {
    let url = Url::parse(location).ok()?;
    (url.scheme().len() > 1).then_some(url)
}

/// Builds the object store for a URL; credentials come from the environment
/// (`AWS_*`, `AZURE_*`/`AZURE_STORAGE_*`, `GOOGLE_*`), as each cloud's tools read them.
pub fn store_for_url(url: &Url) -> Result<(Arc<dyn ObjectStore>, Url, Path)> {
    let location = redacted(url);
    let prefix = Path::from_url_path(url.path())
        .map_err(|e| EngineError::location(&location, e.to_string()))?;
    let base = |url: &Url| -> Result<Url> {
        Url::parse(&format!(
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or_default()
        ))
        .map_err(|e| EngineError::location(&location, e.to_string()))
    };
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|()| EngineError::location(&location, "not a local file URL"))?;
            return local_store(&path).map(|(store, url, root, _)| (store, url, root));
        }
        "s3" | "s3a" => Arc::new(
            AmazonS3Builder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(|e| EngineError::location(&location, e.to_string()))?,
        ),
        "az" | "abfs" | "abfss" | "azure" | "adl" => Arc::new(
            MicrosoftAzureBuilder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(|e| EngineError::location(&location, e.to_string()))?,
        ),
        "gs" => Arc::new(
            GoogleCloudStorageBuilder::from_env()
                .with_url(url.as_str())
                .build()
                .map_err(|e| EngineError::location(&location, e.to_string()))?,
        ),
        scheme => {
            return Err(EngineError::location(
                &location,
                format!(
                    "unsupported scheme {scheme:?} (use a local path, file://, s3://, az://, abfss:// or gs://)"
                ),
            ));
        }
    };
    Ok((store, base(url)?, prefix))
}

fn local_store(path: &FsPath) -> Result<(Arc<dyn ObjectStore>, Url, Path, PathBuf)> {
    let absolute =
        std::path::absolute(path).map_err(|e| EngineError::io(path.display().to_string(), e))?;
    let root = Path::from_absolute_path(&absolute)
        .map_err(|e| EngineError::location(path.display().to_string(), e.to_string()))?;
    let url = Url::parse("file:///").expect("static URL");
    Ok((Arc::new(LocalFileSystem::new()), url, root, absolute))
}

/// A URL without user info or query (where credentials could hide), for messages.
pub fn redacted(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.to_string()
}

impl Lake {
    /// Opens a lake at a local path or URL. Nothing is created until ingest writes.
    pub fn open(location: &str) -> Result<Lake> {
        match parse_url(location) {
            Some(url) if url.scheme() != "file" => {
                let (store, store_url, root) = store_for_url(&url)?;
                Ok(Lake::assemble(redacted(&url), store_url, store, root, None))
            }
            Some(url) => {
                let path = url
                    .to_file_path()
                    .map_err(|()| EngineError::location(location, "not a local file URL"))?;
                Self::open_local(location, &path)
            }
            None => Self::open_local(location, FsPath::new(location)),
        }
    }

    fn open_local(location: &str, path: &FsPath) -> Result<Lake> {
        let (store, store_url, root, absolute) = local_store(path)?;
        Ok(Lake::assemble(
            location.to_string(),
            store_url,
            store,
            root,
            Some(absolute),
        ))
    }

    fn assemble(
        location: String,
        store_url: Url,
        raw_store: Arc<dyn ObjectStore>,
        root: Path,
        local_root: Option<PathBuf>,
    ) -> Lake {
        let tables = Table::ALL
            .iter()
            .map(|table| root.clone().join(table.name()))
            .collect();
        let bytes_read = Arc::new(AtomicU64::new(0));
        Lake {
            location,
            store_url,
            store: Arc::new(LakeStore::new(
                raw_store.clone(),
                tables,
                bytes_read.clone(),
            )),
            raw_store,
            bytes_read,
            root,
            local_root,
        }
    }

    /// Bytes read so far from the tables' Parquet files (data and footers) by every
    /// session and run over this lake in this process: what a hunt or query cost in I/O.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// The bytes of the tables' files readers see (what [`Lake::bytes_read`] is a
    /// share of).
    pub async fn table_bytes(&self) -> Result<u64> {
        use futures::TryStreamExt;
        let mut total = 0;
        for table in Table::ALL {
            let listed: Vec<object_store::ObjectMeta> = match self
                .store
                .list(Some(&self.table_path(table)))
                .try_collect()
                .await
            {
                Ok(listed) => listed,
                Err(object_store::Error::NotFound { .. }) => Vec::new(),
                Err(error) => return Err(error.into()),
            };
            total += listed
                .iter()
                .filter(|o| o.location.as_ref().ends_with(".parquet"))
                .map(|o| o.size)
                .sum::<u64>();
        }
        Ok(total)
    }

    /// A path under the lake root.
    pub fn path(&self, parts: &[&str]) -> Path {
        parts
            .iter()
            .fold(self.root.clone(), |path, part| path.join(*part))
    }

    /// The folder of a table.
    pub fn table_path(&self, table: Table) -> Path {
        self.path(&[table.name()])
    }

    /// The folder of one partition.
    pub fn partition_path(&self, table: Table, source: Source, date: &str) -> Path {
        self.path(&[
            table.name(),
            &format!("source={}", source.name()),
            &format!("date={date}"),
        ])
    }

    /// The URL DataFusion lists a table under (always ending in `/`).
    pub fn table_url(&self, table: Table) -> String {
        let mut url = self.store_url.as_str().to_string();
        if !url.ends_with('/') {
            url.push('/');
        }
        url.push_str(self.table_path(table).as_ref());
        url.push('/');
        url
    }

    /// How messages show a path of the lake: a local path, or the object's URL.
    pub fn display_path(&self, path: &Path) -> String {
        match &self.local_root {
            Some(_) => format!("/{path}"),
            None => format!("{}/{path}", redacted(&self.store_url).trim_end_matches('/')),
        }
    }

    /// The tool's own folder (`_tokenhunt/...`).
    pub fn meta_path(&self, parts: &[&str]) -> Path {
        let mut all = vec!["_tokenhunt"];
        all.extend_from_slice(parts);
        self.path(&all)
    }

    /// Whether anything has been written to the lake yet.
    pub async fn exists(&self) -> Result<bool> {
        if let Some(root) = &self.local_root {
            return Ok(root.is_dir());
        }
        use futures::TryStreamExt;
        let mut listing = self.store.list(Some(&self.root));
        Ok(listing.try_next().await?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_and_urls() {
        let lake = Lake::open("/tmp/some-lake").unwrap();
        assert_eq!(
            lake.table_url(Table::Signins),
            "file:///tmp/some-lake/signins/"
        );
        assert_eq!(
            lake.partition_path(Table::Audit, Source::Okta, "2024-01-02")
                .as_ref(),
            "tmp/some-lake/audit/source=okta/date=2024-01-02"
        );
        assert!(parse_url("C:\\lake").is_none());
        assert!(parse_url("s3://bucket/prefix").is_some());
    }

    #[test]
    fn redaction_drops_credentials() {
        let url = Url::parse("s3://key:secret@bucket/p?X-Amz-Signature=abc").unwrap();
        let text = redacted(&url);
        assert!(!text.contains("secret") && !text.contains("abc"), "{text}");
    }
}

/// Writes bytes to a local path or an object-store URL, atomically (and, on local
/// disk, durably: see [`write_durable`]).
pub fn write_location(location: &str, bytes: Vec<u8>) -> Result<()> {
    match parse_url(location) {
        Some(url) if url.scheme() != "file" => {
            let (store, _, path) = store_for_url(&url)?;
            let handle = tokio::runtime::Handle::current();
            let payload = object_store::PutPayload::from(bytes);
            tokio::task::block_in_place(|| {
                handle.block_on(async { store.put(&path, payload).await })
            })?;
            Ok(())
        }
        Some(url) => {
            let path = url
                .to_file_path()
                .map_err(|()| EngineError::location(location, "not a local file URL"))?;
            write_durable(&path, &bytes)
        }
        None => write_durable(FsPath::new(location), &bytes),
    }
}

impl Lake {
    /// Stores an object so that, once this returns, it survives a crash or a power
    /// loss whole or not at all: on local disk through [`write_durable`] (temporary
    /// file, fsync, rename, fsync of the folder); on an object store by its put,
    /// which is atomic and durable when it returns. Data files, manifests and pull
    /// checkpoints go through here, so a checkpoint stored after a window's files
    /// never covers files a crash could lose.
    pub async fn put_durable(&self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        if self.local_root.is_none() {
            self.store
                .put(path, object_store::PutPayload::from(bytes))
                .await?;
            return Ok(());
        }
        let file = LocalFileSystem::new()
            .path_to_filesystem(path)
            .map_err(|e| EngineError::location(path.as_ref(), e.to_string()))?;
        tokio::task::spawn_blocking(move || write_durable(&file, &bytes))
            .await
            .map_err(|e| EngineError::Invalid(format!("durable write stopped: {e}")))?
    }
}

impl Lake {
    /// Flushes an object the store already wrote whole (a multipart upload, renamed
    /// into place by the store) to disk, with its folder's entry: local lakes only;
    /// an object store's completed upload is durable already.
    pub async fn sync_written(&self, path: &Path) -> Result<()> {
        if self.local_root.is_none() {
            return Ok(());
        }
        let file = LocalFileSystem::new()
            .path_to_filesystem(path)
            .map_err(|e| EngineError::location(path.as_ref(), e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let io = |e: std::io::Error| EngineError::io(file.display().to_string(), e);
            std::fs::File::open(&file)
                .and_then(|f| f.sync_all())
                .map_err(io)?;
            match file.parent() {
                Some(folder) => sync_folder(folder, &mut |_, f| f.sync_all()),
                None => Ok(()),
            }
        })
        .await
        .map_err(|e| EngineError::Invalid(format!("durable write stopped: {e}")))?
    }
}

/// What [`write_durable_with`] asks to be flushed to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncTarget {
    /// The temporary file, with all its bytes, before it is renamed.
    File,
    /// A folder, after an entry (the renamed file, a new sub-folder) appeared in it.
    Folder,
}

/// Writes `bytes` to `path` atomically and durably: into a temporary file in the
/// same folder (`<name>#<digits>`, a name object-store listings skip), fsynced,
/// renamed over `path`, and the folder fsynced so the rename itself survives a
/// power loss. Folders created on the way are fsynced into their parents. Readers
/// see the old file or the new one, never a part; a failure removes the temporary
/// file.
pub fn write_durable(path: &FsPath, bytes: &[u8]) -> Result<()> {
    write_durable_with(path, bytes, &mut |_, file| file.sync_all())
}

/// [`write_durable`] with the fsync as a parameter (tests observe the order).
pub fn write_durable_with(
    path: &FsPath,
    bytes: &[u8],
    sync: &mut dyn FnMut(SyncTarget, &std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);

    let io = |at: &FsPath, e: std::io::Error| EngineError::io(at.display().to_string(), e);
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| EngineError::location(path.display().to_string(), "not a file name"))?;
    create_folders(&folder, sync)?;

    let temporary = loop {
        let mut candidate = name.to_os_string();
        candidate.push(format!(
            "#{}{:06}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let candidate = folder.join(candidate);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&candidate, e)),
        }
    };
    let (temporary_path, mut file) = temporary;
    let written = file
        .write_all(bytes)
        .and_then(|()| sync(SyncTarget::File, &file))
        .map_err(|e| io(&temporary_path, e))
        .and_then(|()| {
            drop(file);
            std::fs::rename(&temporary_path, path).map_err(|e| io(path, e))
        });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary_path);
        return Err(error);
    }
    sync_folder(&folder, sync)
}

/// Creates `folder` and its missing parents, each fsynced into its parent.
fn create_folders(
    folder: &FsPath,
    sync: &mut dyn FnMut(SyncTarget, &std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut next = Some(folder);
    while let Some(at) = next {
        if at.as_os_str().is_empty() || at.is_dir() {
            break;
        }
        missing.push(at.to_path_buf());
        next = at.parent();
    }
    std::fs::create_dir_all(folder)
        .map_err(|e| EngineError::io(folder.display().to_string(), e))?;
    // Outermost first: each new folder's entry made durable in its parent.
    for created in missing.iter().rev() {
        if let Some(parent) = created.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_folder(parent, sync)?;
        }
    }
    Ok(())
}

fn sync_folder(
    folder: &FsPath,
    sync: &mut dyn FnMut(SyncTarget, &std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| EngineError::io(folder.display().to_string(), e);
    // Folders open read-only for fsync on Unix; Windows cannot open them this way
    // (and NTFS journals the rename), so there it is skipped.
    if cfg!(windows) {
        return Ok(());
    }
    let handle = std::fs::File::open(folder).map_err(io)?;
    sync(SyncTarget::Folder, &handle).map_err(io)
}

#[cfg(test)]
mod durable_tests {
    use super::*;

    fn names(folder: &FsPath) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn durable_write_syncs_the_file_before_the_rename_and_the_folder_after() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("new/sub/file.json");
        std::fs::create_dir(dir.path().join("new")).unwrap();
        let mut seen = Vec::new();
        write_durable_with(&target, b"second", &mut |what, file| {
            // What exists under the final name at each sync.
            let final_name = std::fs::read(&target).ok();
            let length = (what == SyncTarget::File).then(|| file.metadata().unwrap().len());
            seen.push((what, final_name, length));
            file.sync_all()
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                // The new folder `sub` made durable in `new`.
                (SyncTarget::Folder, None, None),
                // The temporary file, whole, while the final name does not exist yet.
                (SyncTarget::File, None, Some(6)),
                // The folder, once the file is in place.
                (SyncTarget::Folder, Some(b"second".to_vec()), None),
            ]
        );
        assert_eq!(names(&dir.path().join("new/sub")), vec!["file.json"]);
    }

    #[test]
    fn durable_write_replaces_atomically_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("checkpoint.json");
        write_durable(&target, b"old contents").unwrap();
        let mut during = Vec::new();
        write_durable_with(&target, b"new", &mut |what, file| {
            if what == SyncTarget::File {
                // Until the rename, readers see the old file whole.
                during.push(std::fs::read(&target).unwrap());
            }
            file.sync_all()
        })
        .unwrap();
        assert_eq!(during, vec![b"old contents".to_vec()]);
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(names(dir.path()), vec!["checkpoint.json"]);
    }

    #[test]
    fn a_failed_sync_keeps_the_old_file_and_removes_the_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("part.parquet");
        write_durable(&target, b"old").unwrap();
        let error = write_durable_with(&target, b"new", &mut |what, file| match what {
            SyncTarget::File => Err(std::io::Error::other("disk gone")),
            SyncTarget::Folder => file.sync_all(),
        })
        .unwrap_err();
        assert!(error.to_string().contains("disk gone"), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(names(dir.path()), vec!["part.parquet"]);
    }

    #[test]
    fn lake_puts_on_local_disk_are_durable_writes() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let path = lake.meta_path(&["pull", "okta-a.json"]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            lake.put_durable(&path, b"one".to_vec()).await.unwrap();
            lake.put_durable(&path, b"two".to_vec()).await.unwrap();
            let read = lake.store.get(&path).await.unwrap().bytes().await.unwrap();
            assert_eq!(&read[..], b"two");
        });
        let folder = dir.path().join("_tokenhunt/pull");
        assert_eq!(names(&folder), vec!["okta-a.json"]);
    }
}
