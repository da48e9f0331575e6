//! `tokenhunt completions <shell>` and `tokenhunt man`: generated from the argument
//! definitions, so they never drift from what the binary accepts.

use std::io::Write;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use crate::args::Cli;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "tokenhunt", &mut out);
    out.flush().context("writing the completion script")
}

/// Writes the manual page (roff) to stdout.
pub fn man() -> Result<()> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .context("writing the manual page")?;
    out.flush().context("writing the manual page")
}
