//! The hunt library: the built-in hunts (`data/hunts/*.sql`, embedded at build time)
//! plus any folders the configuration adds.

use std::path::Path;

use super::metadata::{HuntMetadata, parse_hunt};
use crate::config::Config;
use crate::error::{EngineError, Result};

include!(concat!(env!("OUT_DIR"), "/builtin_hunts.rs"));

/// One hunt: its header and SQL.
#[derive(Debug, Clone)]
pub struct Hunt {
    pub metadata: HuntMetadata,
    pub sql: String,
    /// Where it came from (`builtin:<file>` or a path).
    pub origin: String,
}

/// Loads the built-in hunts and those in the configured folders. A user hunt with a
/// built-in's id replaces it.
pub fn load_hunts(config: &Config) -> Result<Vec<Hunt>> {
    let mut hunts: Vec<Hunt> = Vec::new();
    let mut add = |hunt: Hunt| {
        hunts.retain(|existing| existing.metadata.id != hunt.metadata.id);
        hunts.push(hunt);
    };
    for (file, text) in BUILTIN_HUNTS {
        let (metadata, sql) = parse_hunt(file, text)?;
        add(Hunt {
            metadata,
            sql,
            origin: format!("builtin:{file}"),
        });
    }
    for folder in &config.hunt_dirs {
        for hunt in load_folder(folder)? {
            add(hunt);
        }
    }
    hunts.sort_by(|a, b| a.metadata.id.cmp(&b.metadata.id));
    Ok(hunts)
}

fn load_folder(folder: &Path) -> Result<Vec<Hunt>> {
    let entries =
        std::fs::read_dir(folder).map_err(|e| EngineError::io(folder.display().to_string(), e))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| EngineError::io(path.display().to_string(), e))?;
            let (metadata, sql) = parse_hunt(&path.display().to_string(), &text)?;
            Ok(Hunt {
                metadata,
                sql,
                origin: path.display().to_string(),
            })
        })
        .collect()
}

/// Picks hunts by id (all when `ids` is empty), skipping those the config disables.
pub fn select<'h>(hunts: &'h [Hunt], ids: &[String], config: &Config) -> Result<Vec<&'h Hunt>> {
    if ids.is_empty() {
        return Ok(hunts
            .iter()
            .filter(|h| config.hunt_enabled(&h.metadata.id))
            .collect());
    }
    ids.iter()
        .map(|id| {
            hunts.iter().find(|h| h.metadata.id == *id).ok_or_else(|| {
                let known: Vec<&str> = hunts.iter().map(|h| h.metadata.id.as_str()).collect();
                EngineError::Invalid(format!("no hunt {id:?} (known: {})", known.join(", ")))
            })
        })
        .collect()
}
