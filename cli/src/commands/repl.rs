//! `tokenhunt repl`, and `tokenhunt` with no command: the prompt when stdin is a
//! terminal, a script of SQL and dot commands when it is piped.

use std::io::IsTerminal;

use anyhow::Result;
use tokio::runtime::Runtime;

use crate::args::OutputFormat;
use crate::context::Context;
use crate::repl::dot_commands::DotCommands;
use crate::repl::hunts;
use crate::repl::shell::{Mode, Shell, ShellOptions};

/// Rows a table shows at the prompt before `… N more rows` (`.maxrows` changes it).
pub const DEFAULT_MAX_ROWS: usize = 1000;

pub fn run(context: &Context, runtime: &Runtime) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let ctx = runtime.block_on(context.session())?;
    let mut commands = DotCommands::builtin();
    hunts::register(&mut commands);
    let options = ShellOptions {
        mode: if interactive {
            Mode::Interactive
        } else {
            Mode::Batch
        },
        quiet: context.global.quiet,
        format: context.format_or(OutputFormat::Table),
        max_rows: if interactive { DEFAULT_MAX_ROWS } else { 0 },
        out: None,
        params: context.params()?,
        extra_words: Vec::new(),
        hunt_ids: hunts::hunt_ids(context),
        commands,
        context: context.clone(),
    };
    let shell = Shell::new(runtime.handle().clone(), ctx, options)?;
    if interactive {
        let banner = format!(
            "tokenhunt {} · lake {} · .help lists commands, Ctrl-D leaves",
            env!("CARGO_PKG_VERSION"),
            context.global.lake.as_deref().unwrap_or("?")
        );
        crate::repl::run_interactive(shell, &banner)
    } else {
        crate::repl::run_piped(shell)
    }
}
