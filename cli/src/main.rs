//! The `tokenhunt` binary: parses arguments and hands each command to its module.

mod args;
mod commands;
mod context;
mod output;
mod redact;

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
    let result = runtime.block_on(async {
        match &cli.command {
            Some(Command::Ingest(args)) => commands::ingest::run(&context, args).await,
            Some(Command::Sql(args)) => commands::sql::run(&context, args).await,
            Some(Command::Hunt(args)) => commands::hunt::run(&context, args).await,
            Some(Command::Hunts) => commands::hunt::list(&context),
            Some(Command::Baseline) => commands::hunt::baseline(&context).await,
            Some(Command::Functions { pattern }) => commands::functions::run(pattern.as_deref()),
            Some(Command::Config(args)) => commands::config::run(&args.action),
            Some(Command::Gen(args)) => commands::generate::run_gen(&context, args),
            Some(Command::Eval(args)) => commands::generate::run_eval(&context, args),
            None => anyhow::bail!("no command given (see `tokenhunt --help`)"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", redact::redact(&format!("{error:#}")));
            ExitCode::FAILURE
        }
    }
}
