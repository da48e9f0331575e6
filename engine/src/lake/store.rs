//! Opening a lake on local disk or any object store.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::{EngineError, Result};
use crate::schema::{Source, Table};

/// A lake root: an object store and the prefix inside it.
#[derive(Debug, Clone)]
pub struct Lake {
    /// What the user typed, for messages.
    pub location: String,
    /// The store's base URL (`file:///`, `s3://bucket`), as DataFusion registers it.
    pub store_url: Url,
    pub store: Arc<dyn ObjectStore>,
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
                Ok(Lake {
                    location: redacted(&url),
                    store_url,
                    store,
                    root,
                    local_root: None,
                })
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
        Ok(Lake {
            location: location.to_string(),
            store_url,
            store,
            root,
            local_root: Some(absolute),
        })
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

/// Writes bytes to a local path or an object-store URL, atomically.
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
            std::fs::write(&path, bytes).map_err(|e| EngineError::io(path.display().to_string(), e))
        }
        None => {
            std::fs::write(location, bytes).map_err(|e| EngineError::io(location.to_string(), e))
        }
    }
}
