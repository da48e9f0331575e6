//! The `tokenhunt` binary: parses arguments and hands each command to its module.

mod args;
mod commands;
mod context;
mod output;
mod query;
mod redact;
mod repl;
mod report;
mod sql_text;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::context::Context;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            cli.global
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
                .max(1),
        )
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let context = Context::new(cli.global.clone());
    // The prompt's `.scope`, `.hunts`, `.run` and `.show` build their own context
    // from the same options.
    // The SQL commands drive the runtime themselves: the prompt blocks on the
    // terminal between queries, and Ctrl-C must reach each query, not the program.
    let result = match &cli.command {
        None | Some(Command::Repl) => commands::repl::run(&context, &runtime),
        Some(Command::Sql(args)) => commands::sql::run(&context, &runtime, args),
        Some(Command::Ingest(args)) => runtime.block_on(commands::ingest::run(&context, args)),
        Some(Command::Compact(args)) => runtime.block_on(commands::compact::run(&context, args)),
        Some(Command::Pull(args)) => runtime.block_on(commands::pull::run(&context, args)),
        Some(Command::Hunt(args)) => runtime.block_on(commands::hunt::run(&context, args)),
        Some(Command::Watch(args)) => runtime.block_on(commands::watch::run(&context, args)),
        Some(Command::Hunts) => commands::hunt::list(&context),
        Some(Command::Findings(args)) => runtime.block_on(commands::findings::list(&context, args)),
        Some(Command::Suppress(args)) => {
            runtime.block_on(commands::findings::suppress(&context, args))
        }
        Some(Command::Close(args)) => runtime.block_on(commands::findings::close(&context, args)),
        Some(Command::Reopen { ids }) => {
            runtime.block_on(commands::findings::reopen(&context, ids))
        }
        Some(Command::Baseline(args)) => runtime.block_on(commands::hunt::baseline(&context, args)),
        Some(Command::Functions { pattern }) => commands::functions::run(pattern.as_deref()),
        Some(Command::Config(args)) => commands::config::run(&args.action),
        Some(Command::Gen(args)) => commands::generate::run_gen(&context, args),
        Some(Command::Eval(args)) => commands::generate::run_eval(&context, args),
        Some(Command::Demo(args)) => runtime.block_on(commands::demo::run(&context, args)),
        Some(Command::Scope(args)) => runtime.block_on(commands::scope::run(&context, args)),
        Some(Command::Respond(args)) => runtime.block_on(commands::respond::run(&context, args)),
        Some(Command::Completions { shell }) => commands::completions::completions(*shell),
        Some(Command::Man) => commands::completions::man(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `hunt --exit-code`: the findings are out; the status says they alerted.
        Err(error) if error.downcast_ref::<commands::hunt::Alerted>().is_some() => {
            ExitCode::from(commands::hunt::Alerted::EXIT_STATUS)
        }
        // Output piped into a reader that stopped early (`| head`): not a failure.
        Err(error)
            if error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        // A delivery that failed: the same one-line error, its own status.
        Err(error) if output::delivery::failed(&error) => {
            let text = redact::redact(&format!("{error:#}"));
            eprintln!("error: {}", output::terminal_lines(&text));
            ExitCode::from(output::delivery::DELIVERY_FAILED_STATUS)
        }
        Err(error) => {
            // Errors quote records and server replies: nothing in them may drive
            // the terminal (a rendered SQL error keeps its caret lines).
            let text = redact::redact(&format!("{error:#}"));
            eprintln!("error: {}", output::terminal_lines(&text));
            ExitCode::FAILURE
        }
    }
}
