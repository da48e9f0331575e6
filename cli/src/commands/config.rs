//! `tokenhunt config init`.

use anyhow::{Result, bail};
use tokenhunt_engine::config::DEFAULT_CONFIG;

use crate::args::ConfigAction;

pub fn run(action: &ConfigAction) -> Result<()> {
    match action {
        ConfigAction::Init { path, force } => {
            if path == "-" {
                print!("{DEFAULT_CONFIG}");
                return Ok(());
            }
            if std::path::Path::new(path).exists() && !force {
                bail!("{path} exists (use --force to overwrite)");
            }
            std::fs::write(path, DEFAULT_CONFIG)?;
            eprintln!("wrote {path}");
            Ok(())
        }
    }
}
