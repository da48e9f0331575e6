//! `tokenhunt completions <shell>` and `tokenhunt man`: generated from the argument
//! definitions, so they never drift from what the binary accepts.

use std::io::Write;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use crate::args::Cli;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    // clap_complete panics when its writer fails; write to memory, then to stdout, so a
    // reader that stops early (`| head`) is an ordinary closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tokenhunt", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .context("writing the completion script")
}

/// Writes the manual page (roff) to stdout.
pub fn man() -> Result<()> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .context("writing the manual page")?;
    out.flush().context("writing the manual page")
}
