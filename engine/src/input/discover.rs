//! Expanding the user's inputs (files, folders, globs, object-store URLs) into a
//! sorted list of files.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{EngineError, Result};
use crate::lake::store::{parse_url, redacted, store_for_url};

/// Where an input file lives.
#[derive(Debug, Clone)]
pub enum InputLocation {
    Local(PathBuf),
    Object {
        store: Arc<dyn ObjectStore>,
        path: Path,
    },
}

/// One file to ingest.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// How messages name the file.
    pub display: String,
    pub location: InputLocation,
    pub size: u64,
    /// Named by the user (never skipped) rather than found in a folder or by a glob
    /// (skipped with a note when it is not a log, like a README or labels.json).
    pub explicit: bool,
    /// Which of the user's inputs it came from.
    pub input: usize,
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Expands inputs in the order given; within a folder or glob, files are sorted by
/// name so runs are repeatable.
pub async fn discover(inputs: &[String]) -> Result<Vec<InputFile>> {
    let mut files = Vec::new();
    for (input_index, input) in inputs.iter().enumerate() {
        let before = files.len();
        match parse_url(input) {
            Some(url) if url.scheme() != "file" => discover_object(input, &url, &mut files).await?,
            Some(url) => {
                let path = url
                    .to_file_path()
                    .map_err(|()| EngineError::location(input, "not a local file URL"))?;
                discover_local(input, &path.display().to_string(), &mut files)?;
            }
            None => discover_local(input, input, &mut files)?,
        }
        if files.len() == before {
            return Err(EngineError::location(
                input,
                "no such file, or nothing matched",
            ));
        }
        for file in &mut files[before..] {
            file.input = input_index;
        }
    }
    Ok(files)
}

/// Dot-files, and the lake's own bookkeeping folder when a lake sits inside an input.
fn is_hidden(path: &FsPath) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.') || name == "_tokenhunt")
}

fn discover_local(input: &str, path_text: &str, files: &mut Vec<InputFile>) -> Result<()> {
    if has_glob(path_text) {
        let paths =
            glob::glob(path_text).map_err(|e| EngineError::location(input, e.to_string()))?;
        let mut matched: Vec<PathBuf> = paths
            .filter_map(|entry| entry.ok())
            .filter(|p| p.is_file())
            .collect();
        matched.sort();
        for path in matched {
            push_local(path, false, files)?;
        }
        return Ok(());
    }
    let path = PathBuf::from(path_text);
    let metadata = std::fs::metadata(&path).map_err(|e| EngineError::io(input.to_string(), e))?;
    if metadata.is_dir() {
        let mut found = Vec::new();
        walk(&path, &mut found).map_err(|e| EngineError::io(input.to_string(), e))?;
        found.sort();
        for file in found {
            push_local(file, false, files)?;
        }
        Ok(())
    } else {
        push_local(path, true, files)
    }
}

fn walk(folder: &FsPath, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if is_hidden(&path) {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

fn push_local(path: PathBuf, explicit: bool, files: &mut Vec<InputFile>) -> Result<()> {
    let size = std::fs::metadata(&path)
        .map_err(|e| EngineError::io(path.display().to_string(), e))?
        .len();
    files.push(InputFile {
        display: path.display().to_string(),
        location: InputLocation::Local(path),
        size,
        explicit,
        input: 0,
    });
    Ok(())
}

async fn discover_object(input: &str, url: &url::Url, files: &mut Vec<InputFile>) -> Result<()> {
    let (store, base_url, prefix) = store_for_url(url)?;
    let shown_base = redacted(&base_url);
    let shown = |path: &Path| format!("{}/{}", shown_base.trim_end_matches('/'), path);
    let raw_path = url.path().trim_start_matches('/');
    if has_glob(raw_path) {
        let fixed: Vec<&str> = raw_path
            .split('/')
            .take_while(|part| !has_glob(part))
            .collect();
        let list_prefix = Path::from(fixed.join("/"));
        let pattern = glob::Pattern::new(raw_path)
            .map_err(|e| EngineError::location(input, e.to_string()))?;
        let mut objects: Vec<_> = store
            .list(Some(&list_prefix))
            .try_filter(|meta| futures::future::ready(pattern.matches(meta.location.as_ref())))
            .try_collect()
            .await?;
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        for meta in objects {
            files.push(InputFile {
                display: shown(&meta.location),
                location: InputLocation::Object {
                    store: store.clone(),
                    path: meta.location,
                },
                size: meta.size,
                explicit: false,
                input: 0,
            });
        }
        return Ok(());
    }
    if let Ok(meta) = store.head(&prefix).await {
        files.push(InputFile {
            display: shown(&meta.location),
            location: InputLocation::Object {
                store,
                path: meta.location,
            },
            size: meta.size,
            explicit: true,
            input: 0,
        });
        return Ok(());
    }
    let mut objects: Vec<_> = store.list(Some(&prefix)).try_collect().await?;
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    for meta in objects {
        let hidden = meta.location.parts().any(|part| {
            let part = part.as_ref();
            part.starts_with('.') || part == "_tokenhunt"
        });
        if hidden {
            continue;
        }
        files.push(InputFile {
            display: shown(&meta.location),
            location: InputLocation::Object {
                store: store.clone(),
                path: meta.location,
            },
            size: meta.size,
            explicit: false,
            input: 0,
        });
    }
    Ok(())
}
