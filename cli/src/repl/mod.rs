//! The interactive SQL prompt: a line editor (rustyline) in front of a [`Shell`].
//!
//! Files: `shell` runs inputs (SQL and dot commands), `dot_commands` is the table
//! of dot commands (`hunts` adds `.hunts`, `.run` and `.show`), `helper` plugs `complete` and `highlight` into the editor,
//! `params` substitutes `$since`-style parameters, `catalog` reads what the
//! session knows, `progress` draws the progress line and `pager` pages results.

pub mod catalog;
pub mod complete;
pub mod dot_commands;
pub mod helper;
pub mod highlight;
pub mod hunts;
pub mod pager;
pub mod params;
pub mod progress;
pub mod shell;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{ColorMode, CompletionType, Config, Editor};

use self::helper::ReplHelper;
use self::shell::{Flow, Shell};

/// Where the prompt's history lives: `$TOKENHUNT_HISTORY` (empty: no history),
/// else `$XDG_STATE_HOME/tokenhunt/history`, else `~/.tokenhunt_history`.
pub fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TOKENHUNT_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(state).join("tokenhunt").join("history"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".tokenhunt_history"))
}

/// Runs the prompt until `.quit` or Ctrl-D.
pub fn run_interactive(mut shell: Shell, banner: &str) -> Result<()> {
    let color = std::io::stdout().is_terminal() && !crate::output::no_color();
    let config = Config::builder()
        .max_history_size(10_000)
        .context("history size")?
        .history_ignore_dups(true)
        .context("history settings")?
        // A leading space keeps a line (say, one with a secret) out of history.
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .auto_add_history(false)
        .build();
    let mut editor: Editor<ReplHelper, FileHistory> =
        Editor::with_config(config).context("cannot open the terminal")?;
    editor.set_helper(Some(ReplHelper::new(shell.vocabulary(), color)));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(folder) = path.parent() {
            let _ = std::fs::create_dir_all(folder);
        }
        // No file yet is the normal first run.
        if path.exists()
            && let Err(error) = editor.load_history(path)
        {
            shell.status(&format!(
                "warning: cannot read the history {}: {error}",
                path.display()
            ));
        }
    }
    shell.status(banner);
    let prompt = ("tokenhunt> ", "\x1b[1;32mtokenhunt>\x1b[0m ");
    let mut history_warned = false;
    loop {
        let input = match editor.readline(&prompt) {
            Ok(input) => input,
            // Ctrl-C at the prompt drops the line being typed, as in a shell.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(error) => return Err(error).context("cannot read from the terminal"),
        };
        if input.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(input.as_str());
        if let Some(path) = &history
            && let Err(error) = editor.append_history(path)
            && !history_warned
        {
            history_warned = true;
            shell.status(&format!(
                "warning: cannot save the history to {}: {error}",
                path.display()
            ));
        }
        match shell.execute(&input) {
            Ok(Flow::Quit) => break,
            Ok(Flow::Continue) => {}
            Err(error) => shell.print_error(&error),
        }
    }
    Ok(())
}

/// Runs SQL and dot commands piped on stdin; stops at the first error.
pub fn run_piped(mut shell: Shell) -> Result<()> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read SQL from stdin")?;
    if text.trim().is_empty() {
        anyhow::bail!("no SQL on stdin (pipe statements in, or run on a terminal for the prompt)");
    }
    shell.run_script(&text, None)?;
    Ok(())
}
