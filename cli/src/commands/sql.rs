//! `tokenhunt sql`: run SQL in batch and print the results to stdout (or `--out`).

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use tokio::runtime::Runtime;

use crate::args::{OutputFormat, SqlArgs};
use crate::context::Context;
use crate::repl::dot_commands::DotCommands;
use crate::repl::shell::{Mode, Shell, ShellOptions};
use crate::sql_text::split_statements;

pub fn run(context: &Context, runtime: &Runtime, args: &SqlArgs) -> Result<()> {
    let (text, file) = match (&args.command, &args.file) {
        (Some(command), _) => (command.clone(), None),
        (None, Some(file)) => (
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?,
            Some(file.display().to_string()),
        ),
        (None, None) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("cannot read SQL from stdin")?;
            (text, None)
        }
    };
    if split_statements(&text).is_empty() {
        bail!("no SQL statement given");
    }
    let format = context.format_or(OutputFormat::Table);
    if format == OutputFormat::Parquet && args.out.is_none() {
        bail!("--format parquet needs --out <file>");
    }
    let ctx = runtime.block_on(context.session())?;
    let options = ShellOptions {
        mode: Mode::Batch,
        quiet: context.global.quiet,
        format,
        max_rows: args.max_rows,
        out: args.out.as_ref().map(PathBuf::from),
        params: context.params()?,
        extra_words: Vec::new(),
        hunt_ids: Vec::new(),
        commands: DotCommands::builtin(),
        context: context.clone(),
    };
    let mut shell = Shell::new(runtime.handle().clone(), ctx, options)?;
    shell.run_sql(&text, file.as_deref(), 1)
}
