//! The shell: one DataFusion session plus the REPL's settings, parameters and
//! dot commands. The interactive prompt, piped scripts, `.read` and the `sql`
//! command all run SQL through it, so they behave the same.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::Utc;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::SessionContext;
use tokio::runtime::Handle;

use super::catalog;
use super::complete::{SharedVocabulary, Vocabulary};
use super::dot_commands::DotCommands;
use super::pager::Screen;
use super::params::Params;
use crate::args::OutputFormat;
use crate::context::Context;
use crate::output::error::{SqlSource, render};
use crate::output::{TableStyle, sink};
use crate::query::{self, Destination, Outcome, QueryError};
use crate::sql_text::{Statement, ends_statement, split_statements, tokenize};

/// What to do after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Interactive (prompt, pager, Ctrl-C cancels the query) or batch (stop at the
/// first error, plain stdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    Batch,
}

/// Where results go.
pub enum Output {
    Screen,
    File {
        path: PathBuf,
        writer: BufWriter<File>,
    },
}

/// What `.format`, `.timer`, `.maxrows` and `.output` change.
pub struct Settings {
    pub format: OutputFormat,
    /// Show the elapsed time under each result.
    pub timer: bool,
    /// At most this many rows in table output on the screen (0: all).
    pub max_rows: usize,
    pub output: Output,
}

/// How a shell starts.
pub struct ShellOptions {
    pub mode: Mode,
    /// No status lines (row counts, progress) on stderr.
    pub quiet: bool,
    pub format: OutputFormat,
    pub max_rows: usize,
    /// Results to this file instead of the screen (`sql --out`).
    pub out: Option<PathBuf>,
    /// Parameters set before the first input (`--since`, `--until`).
    pub params: Params,
    /// Words Tab completes besides the catalog's.
    pub extra_words: Vec<String>,
    /// Hunt ids, which Tab completes after `.run` and `.show`.
    pub hunt_ids: Vec<String>,
    /// Dot commands besides the built-in ones.
    pub commands: DotCommands,
    /// The command line's options, for dot commands that read the configuration or
    /// the lake (`.hunts`, `.run`, `.show`, `.scope`).
    pub context: Context,
}

/// The user pressed Ctrl-C during a query: not a failure, but the rest of the
/// input (more statements, the rest of a `.read` file) must not run.
#[derive(Debug)]
pub struct Cancelled {
    pub after_seconds: f64,
}

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cancelled after {:.1} s", self.after_seconds)
    }
}

impl std::error::Error for Cancelled {}

/// Nested `.read` deeper than this is a loop.
const MAX_READ_DEPTH: usize = 16;

/// The REPL's state around a DataFusion session.
pub struct Shell {
    runtime: Handle,
    ctx: SessionContext,
    pub settings: Settings,
    pub params: Params,
    mode: Mode,
    quiet: bool,
    commands: Arc<DotCommands>,
    vocabulary: SharedVocabulary,
    extra_words: Vec<String>,
    hunt_ids: Vec<String>,
    context: Context,
    read_depth: usize,
}

/// `1 row`, `3 rows`.
fn rows_text(rows: u64) -> String {
    format!("{rows} row{}", if rows == 1 { "" } else { "s" })
}

impl Shell {
    /// A shell over `ctx`; `runtime` runs its queries.
    pub fn new(runtime: Handle, ctx: SessionContext, options: ShellOptions) -> Result<Shell> {
        let output = match options.out {
            Some(path) => Output::File {
                writer: BufWriter::new(
                    File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                ),
                path,
            },
            None => Output::Screen,
        };
        // The planner says where an unknown column or table is in the SQL only when
        // it keeps the parser's spans; the cost is a few bytes per identifier.
        ctx.state_ref()
            .write()
            .config_mut()
            .options_mut()
            .sql_parser
            .collect_spans = true;
        let mut shell = Shell {
            runtime,
            ctx,
            settings: Settings {
                format: options.format,
                timer: true,
                max_rows: options.max_rows,
                output,
            },
            params: options.params,
            mode: options.mode,
            quiet: options.quiet,
            commands: Arc::new(options.commands),
            vocabulary: Arc::new(RwLock::new(Vocabulary::default())),
            extra_words: options.extra_words,
            hunt_ids: options.hunt_ids,
            context: options.context,
            read_depth: 0,
        };
        if shell.mode == Mode::Interactive {
            // Catch SIGINT for the whole session, not only while a query listens
            // for it: Ctrl-C during a dot command or a pager must not end the
            // program. (tokio keeps the handler once installed.)
            {
                let _runtime = shell.runtime.enter();
                drop(
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                        .context("cannot catch Ctrl-C")?,
                );
            }
            shell.refresh_vocabulary();
        }
        Ok(shell)
    }

    /// The DataFusion session.
    /// The command line's options.
    pub fn context(&self) -> &Context {
        &self.context
    }

    pub fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs a future on the shell's runtime (dot commands are synchronous).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Runs a future on the shell's runtime; at the prompt, Ctrl-C drops it and
    /// returns [`Cancelled`].
    pub fn block_on_cancellable<F: std::future::Future>(&self, future: F) -> Result<F::Output> {
        if self.mode != Mode::Interactive {
            return Ok(self.runtime.block_on(future));
        }
        let started = Instant::now();
        self.runtime.block_on(async {
            tokio::select! {
                output = future => Ok(output),
                _ = tokio::signal::ctrl_c() => Err(Cancelled {
                    after_seconds: started.elapsed().as_secs_f64(),
                }
                .into()),
            }
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The dot commands this shell knows.
    pub fn commands(&self) -> Arc<DotCommands> {
        self.commands.clone()
    }

    /// The words completion uses, shared with the line editor.
    pub fn vocabulary(&self) -> SharedVocabulary {
        self.vocabulary.clone()
    }

    /// Colours on stderr: a terminal and no NO_COLOR.
    pub fn color(&self) -> bool {
        std::io::stderr().is_terminal() && !crate::output::no_color()
    }

    /// A status line on stderr (row counts, confirmations) unless `--quiet`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            if self.color() {
                eprintln!("\x1b[2m{text}\x1b[0m");
            } else {
                eprintln!("{text}");
            }
        }
    }

    /// Prints an error the way the prompt shows them (a cancelled query as a
    /// plain status line).
    pub fn print_error(&self, error: &anyhow::Error) {
        if let Some(cancelled) = error.downcast_ref::<Cancelled>() {
            self.status(&cancelled.to_string());
            return;
        }
        let text = crate::redact::redact(&format!("{error:#}"));
        let text = crate::output::terminal_lines(&text);
        if self.color() {
            eprintln!("\x1b[1;31merror:\x1b[0m {text}");
        } else {
            eprintln!("error: {text}");
        }
    }

    /// Re-reads tables, columns, functions and parameters for completion.
    pub fn refresh_vocabulary(&mut self) {
        let tables = self
            .runtime
            .block_on(catalog::tables(&self.ctx))
            .unwrap_or_default();
        let functions = catalog::functions(&self.ctx);
        let mut columns: Vec<String> = tables
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| c.name.clone()))
            .filter(|name| name.chars().all(crate::sql_text::is_word_char))
            .collect();
        columns.sort();
        columns.dedup();
        let vocabulary = Vocabulary {
            tables: tables.iter().map(|t| t.name.clone()).collect(),
            columns,
            table_functions: functions
                .iter()
                .filter(|f| f.kind == catalog::FunctionKind::Table)
                .map(|f| f.name.clone())
                .collect(),
            functions: catalog::function_names(&functions),
            params: self.params.names().map(str::to_string).collect(),
            extra: self.extra_words.clone(),
            hunts: self.hunt_ids.clone(),
            commands: self
                .commands
                .iter()
                .map(|c| (c.name.to_string(), c.completion))
                .collect(),
        };
        if let Ok(mut shared) = self.vocabulary.write() {
            *shared = vocabulary;
        }
    }

    /// One input from the prompt: a dot command, a quit word, or SQL statements.
    pub fn execute(&mut self, input: &str) -> Result<Flow> {
        let trimmed = input.trim();
        if trimmed.starts_with('.') {
            return self.dot_command(trimmed);
        }
        if matches!(trimmed, "quit" | "exit" | "\\q") {
            return Ok(Flow::Quit);
        }
        self.run_sql(input, None, 1)?;
        Ok(Flow::Continue)
    }

    /// Runs a dot command line (`.format csv`).
    pub fn dot_command(&mut self, line: &str) -> Result<Flow> {
        let body = line.trim().trim_start_matches('.');
        let (name, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let commands = self.commands.clone();
        match commands.find(name) {
            Some(command) => (command.run)(self, args.trim()),
            None => bail!("unknown command .{name} (.help lists the commands)"),
        }
    }

    /// A script of SQL statements and dot commands (piped stdin, `.read`): dot
    /// commands count only at the start of a line between statements. Stops at
    /// the first error.
    pub fn run_script(&mut self, text: &str, file: Option<&str>) -> Result<Flow> {
        let mut pending = String::new();
        let mut pending_line = 1;
        for (index, line) in text.lines().enumerate() {
            let blank = tokenize(&pending).iter().all(|t| t.is_trivia());
            if blank && line.trim_start().starts_with('.') {
                pending.clear();
                let flow = self.dot_command(line).map_err(|e| match file {
                    Some(file) => e.context(format!("{file}:{}", index + 1)),
                    None => e,
                })?;
                if flow == Flow::Quit {
                    return Ok(Flow::Quit);
                }
                continue;
            }
            if blank {
                pending.clear();
                pending_line = index + 1;
            }
            pending.push_str(line);
            pending.push('\n');
            if ends_statement(&pending) {
                self.run_sql(&pending, file, pending_line)?;
                pending.clear();
            }
        }
        if !tokenize(&pending).iter().all(|t| t.is_trivia()) {
            self.run_sql(&pending, file, pending_line)?;
        }
        Ok(Flow::Continue)
    }

    /// Runs a file of SQL and dot commands (`.read`).
    pub fn run_file(&mut self, path: &str) -> Result<Flow> {
        if self.read_depth >= MAX_READ_DEPTH {
            bail!(
                "{path}: .read nested more than {MAX_READ_DEPTH} deep (does a file read itself?)"
            );
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
        self.read_depth += 1;
        let result = self.run_script(&text, Some(path));
        self.read_depth -= 1;
        result
    }

    /// Runs every statement of `text`, which starts at `first_line` of `file`.
    pub fn run_sql(&mut self, text: &str, file: Option<&str>, first_line: usize) -> Result<()> {
        for mut statement in split_statements(text) {
            statement.line += first_line - 1;
            self.run_statement(&statement, file)?;
        }
        Ok(())
    }

    fn run_statement(&mut self, statement: &Statement, file: Option<&str>) -> Result<()> {
        let sql = self.params.substitute(&statement.text, Utc::now())?;
        let source = SqlSource {
            text: &sql,
            file,
            line: statement.line,
            column: statement.column,
        };
        let started = Instant::now();
        let runtime = self.runtime.clone();
        let interactive = self.mode == Mode::Interactive;
        let progress = !self.quiet && std::io::stderr().is_terminal();
        let result = runtime.block_on(async {
            let work = self.query(&sql, progress);
            if interactive {
                tokio::select! {
                    result = work => Some(result),
                    _ = tokio::signal::ctrl_c() => None,
                }
            } else {
                Some(work.await)
            }
        });
        let elapsed = started.elapsed().as_secs_f64();
        let outcome = match result {
            None => {
                return Err(Cancelled {
                    after_seconds: elapsed,
                }
                .into());
            }
            Some(Err(QueryError::DataFusion(error))) => {
                return Err(anyhow!(render(&error, &source)));
            }
            Some(Err(QueryError::Output(error))) => {
                return Err(anyhow!("cannot write the result: {error}"));
            }
            Some(Ok((outcome, screen))) => {
                match screen.map(Screen::finish) {
                    Some(Err(error)) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(anyhow!("cannot write the result: {error}"));
                    }
                    _ => {}
                }
                outcome
            }
        };
        let elapsed = outcome.elapsed.as_secs_f64();
        if !outcome.has_result {
            // CREATE VIEW and friends may have changed what Tab should offer.
            if interactive {
                self.refresh_vocabulary();
                self.status(&format!("ok ({elapsed:.3} s)"));
            }
            return Ok(());
        }
        let show = interactive || self.settings.format == OutputFormat::Table;
        if show && !outcome.reader_left {
            let mut line = rows_text(outcome.rows);
            if self.settings.timer {
                line.push_str(&format!(" in {elapsed:.3} s"));
            }
            if let Output::File { path, .. } = &self.settings.output {
                line.push_str(&format!(" → {}", path.display()));
            }
            self.status(&line);
        }
        Ok(())
    }

    /// Runs one query into the current destination. A screen comes back still
    /// open: waiting for the pager to be closed is not part of the query, and
    /// Ctrl-C in the pager must not count as cancelling it.
    async fn query(
        &mut self,
        sql: &str,
        progress: bool,
    ) -> Result<(Outcome, Option<Screen>), QueryError> {
        let format = self.settings.format;
        match &mut self.settings.output {
            Output::Screen => {
                if format == OutputFormat::Parquet {
                    return Err(QueryError::Output(std::io::Error::other(
                        "parquet output needs a file (--out <file>), or use COPY (SELECT ...) TO 'file.parquet'",
                    )));
                }
                let mut screen = match self.mode {
                    Mode::Interactive => Screen::paged(),
                    Mode::Batch => Screen::direct(),
                };
                let destination = Destination {
                    out: &mut screen,
                    format,
                    style: TableStyle::for_stdout(self.settings.max_rows),
                    streams_to_terminal: std::io::stdout().is_terminal(),
                };
                let outcome = query::run(&self.ctx, sql, destination, progress).await?;
                Ok((outcome, Some(screen)))
            }
            Output::File { path, writer } => {
                if format == OutputFormat::Parquet {
                    // One Parquet file holds one result: each result replaces the file.
                    *writer = BufWriter::new(File::create(&path)?);
                }
                let destination = Destination {
                    out: writer,
                    format,
                    // A file gets every row: an export must not be cut silently.
                    style: TableStyle::plain(0),
                    streams_to_terminal: false,
                };
                let outcome = query::run(&self.ctx, sql, destination, progress).await?;
                writer.flush()?;
                Ok((outcome, None))
            }
        }
    }

    /// Prints rows of text (the answers of `.tables`, `.schema`, `.functions`) in
    /// the current format and to the current destination, like a query result.
    pub fn print_rows(&mut self, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
        let schema = Arc::new(Schema::new(
            headers
                .iter()
                .map(|h| Field::new(*h, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        let columns: Vec<ArrayRef> = (0..headers.len())
            .map(|i| {
                Arc::new(StringArray::from(
                    rows.iter()
                        .map(|r| r.get(i).cloned())
                        .collect::<Vec<Option<String>>>(),
                )) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        // Parquet is for query results; listings use the table layout then.
        let format = match self.settings.format {
            OutputFormat::Parquet => OutputFormat::Table,
            other => other,
        };
        // Listings are never cut at `.maxrows`.
        self.write_to_destination(format, 0, |out, format, style| {
            let mut out = sink(format, schema, style, out)?;
            out.write(&batch)?;
            out.finish()?;
            Ok(())
        })
    }

    /// Writes one result (the findings of `.run`) with `write` in the current
    /// format to the current destination, as a query's result goes: the screen (paged
    /// at the prompt, tables cut at `.maxrows`) or the `.output` file (every row).
    /// `write` gets the destination, the format and the table layout.
    pub fn print_result(
        &mut self,
        write: impl FnOnce(&mut (dyn Write + Send), OutputFormat, TableStyle) -> Result<()>,
    ) -> Result<()> {
        let (format, max_rows) = (self.settings.format, self.settings.max_rows);
        self.write_to_destination(format, max_rows, write)
    }

    fn write_to_destination(
        &mut self,
        format: OutputFormat,
        max_rows: usize,
        write: impl FnOnce(&mut (dyn Write + Send), OutputFormat, TableStyle) -> Result<()>,
    ) -> Result<()> {
        match &mut self.settings.output {
            Output::Screen => {
                if format == OutputFormat::Parquet {
                    bail!("parquet output needs a file: `.output result.parquet` first");
                }
                let mut screen = match self.mode {
                    Mode::Interactive => Screen::paged(),
                    Mode::Batch => Screen::direct(),
                };
                write(&mut screen, format, TableStyle::for_stdout(max_rows))?;
                match screen.finish() {
                    // A reader that stopped early (`| head`) is not an error.
                    Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
                    other => other?,
                }
            }
            Output::File { path, writer } => {
                if format == OutputFormat::Parquet {
                    // One Parquet file holds one result: each result replaces the file.
                    *writer = BufWriter::new(File::create(path)?);
                }
                write(writer, format, TableStyle::plain(0))?;
                writer.flush()?;
            }
        }
        Ok(())
    }
}
