//! Turning global options into the engine's objects.

use anyhow::{Context as _, Result, bail};
use datafusion::prelude::SessionContext;
use tokenhunt_engine::config::Config;
use tokenhunt_engine::functions::load_reference;
use tokenhunt_engine::lake::Lake;
use tokenhunt_engine::session::{SessionOptions, open_session};

use crate::args::{GlobalArgs, OutputFormat};
use crate::repl::params::Params;

/// Parses `512MiB`, `4GiB`, `2G`, `1000000` into bytes.
pub fn parse_size(text: &str) -> Result<usize> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .with_context(|| format!("not a size: {text:?}"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0_f64.powi(4),
        other => bail!("unknown size unit {other:?} in {text:?} (use KiB, MiB, GiB)"),
    };
    Ok((value * scale) as usize)
}

/// What every command needs from the global options. The prompt's shell holds one
/// too, for the dot commands that run other commands' work (`.scope`, `.run`).
#[derive(Clone)]
pub struct Context {
    pub global: GlobalArgs,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        Context { global }
    }

    pub fn format_or(&self, default: OutputFormat) -> OutputFormat {
        self.global.format.unwrap_or(default)
    }

    /// The configuration: --config, else ./tokenhunt.toml when present, else defaults.
    pub fn config(&self) -> Result<Config> {
        Ok(match &self.global.config {
            Some(path) => Config::load(path)?,
            None => Config::load_default_location()?,
        })
    }

    /// The lake named by --lake (or TOKENHUNT_LAKE, or the configuration's `lake`).
    pub fn lake(&self) -> Result<Lake> {
        let configured = match &self.global.lake {
            Some(location) => location.clone(),
            None => self
                .config()?
                .lake
                .context("no lake given: pass --lake <folder or URL> (or set TOKENHUNT_LAKE)")?,
        };
        Ok(Lake::open(&configured)?)
    }

    pub fn session_options(&self) -> Result<SessionOptions> {
        let mut options = SessionOptions::default();
        if let Some(limit) = &self.global.memory_limit {
            options.memory_limit = parse_size(limit)?;
        }
        if let Some(threads) = self.global.threads {
            options.threads = threads.max(1);
        }
        options.reference = load_reference(&self.config()?, &self.global.ip_databases)?;
        Ok(options)
    }

    /// A session over the lake; fails with one line when the lake does not exist.
    pub async fn session(&self) -> Result<SessionContext> {
        self.session_over(&self.lake()?).await
    }

    /// A session over an opened lake (whose [`Lake::bytes_read`] then counts the
    /// session's reads).
    pub async fn session_over(&self, lake: &Lake) -> Result<SessionContext> {
        let lake = lake.clone();
        if !lake.exists().await? {
            bail!(tokenhunt_engine::error::EngineError::MissingLake(
                lake.location.clone()
            ));
        }
        Ok(open_session(Some(&lake), &self.session_options()?).await?)
    }

    /// `$since`/`$until` from `--since`/`--until`, for SQL that uses them.
    pub fn params(&self) -> Result<Params> {
        let mut params = Params::default();
        if let Some(since) = &self.global.since {
            params.set("since", since).context("--since")?;
        }
        if let Some(until) = &self.global.until {
            params.set("until", until).context("--until")?;
        }
        Ok(params)
    }

    pub fn progress_allowed(&self) -> bool {
        use std::io::IsTerminal;
        !self.global.quiet && std::io::stderr().is_terminal()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("12 parsecs").is_err());
    }
}
