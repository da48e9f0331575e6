//! Dot commands (`.tables`, `.format csv`, ...): a table of name, usage, help,
//! argument completion and handler. Other commands (`.hunts`, `.run` and `.show`,
//! in `hunts`) join by [`DotCommands::register`]ing an entry; `.help` and Tab pick
//! them up.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::Utc;

use super::catalog::{self, FunctionHelp};
use super::complete::ArgCompletion;
use super::shell::{Flow, Mode, Output, Shell};
use crate::args::OutputFormat;

/// What a dot command runs: the shell and the text after the command name.
pub type DotHandler = fn(&mut Shell, &str) -> Result<Flow>;

/// One dot command.
#[derive(Clone)]
pub struct DotCommand {
    /// Without the dot.
    pub name: &'static str,
    /// Argument synopsis for `.help`.
    pub usage: &'static str,
    /// One line for `.help`; empty hides the command from the list (aliases).
    pub help: &'static str,
    pub completion: ArgCompletion,
    pub run: DotHandler,
}

/// The dot commands a shell knows, in `.help` order.
#[derive(Clone)]
pub struct DotCommands {
    list: Vec<DotCommand>,
}

/// The formats `.format` accepts at the prompt.
pub const FORMATS: &[&str] = &["table", "csv", "json", "jsonl", "vertical", "parquet"];

impl DotCommands {
    /// The built-in commands.
    pub fn builtin() -> Self {
        let command = |name, usage, help, completion, run| DotCommand {
            name,
            usage,
            help,
            completion,
            run,
        };
        use ArgCompletion::*;
        DotCommands {
            list: vec![
                command("help", "", "this list", Nothing, help as DotHandler),
                command("tables", "", "tables and views", Nothing, tables),
                command(
                    "schema",
                    "<table>",
                    "columns of a table or view",
                    Tables,
                    schema,
                ),
                command(
                    "functions",
                    "[pattern]",
                    "functions whose name contains pattern; an exact name shows its documentation",
                    Functions,
                    functions,
                ),
                command(
                    "format",
                    "table|csv|json|jsonl|vertical",
                    "how results print",
                    Words(FORMATS),
                    format,
                ),
                command(
                    "timer",
                    "on|off",
                    "show how long each query took",
                    Words(&["on", "off"]),
                    timer,
                ),
                command(
                    "maxrows",
                    "<n>",
                    "at most n rows in tables on the screen (0: all)",
                    Nothing,
                    maxrows,
                ),
                command(
                    "output",
                    "[file]",
                    "send results to a file; without a file, back to the screen",
                    Files,
                    output,
                ),
                command(
                    "read",
                    "<file.sql>",
                    "run the SQL and dot commands in a file",
                    Files,
                    read,
                ),
                command(
                    "set",
                    "[name [value]]",
                    "parameters: `.set since 30d` makes $since a timestamp; no arguments lists them",
                    Params,
                    set,
                ),
                command("unset", "<name>", "forget a parameter", Params, unset),
                command(
                    "scope",
                    "<user|session|ip>",
                    "incident scope of a user, session or IP over $since/$until: sessions, attacker infrastructure, other users on it, directory changes",
                    Nothing,
                    scope,
                ),
                command("quit", "", "leave (also .exit, Ctrl-D)", Nothing, quit),
                command("exit", "", "", Nothing, quit),
            ],
        }
    }

    /// Adds a command, replacing a built-in one of the same name.
    pub fn register(&mut self, command: DotCommand) {
        match self.list.iter_mut().find(|c| c.name == command.name) {
            Some(existing) => *existing = command,
            None => {
                // Keep `.quit` and its alias last in `.help`.
                let at = self
                    .list
                    .iter()
                    .position(|c| c.name == "quit")
                    .unwrap_or(self.list.len());
                self.list.insert(at, command);
            }
        }
    }

    /// The command called `name` (without the dot).
    pub fn find(&self, name: &str) -> Option<&DotCommand> {
        self.list.iter().find(|c| c.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &DotCommand> {
        self.list.iter()
    }
}

fn help(shell: &mut Shell, _args: &str) -> Result<Flow> {
    let commands = shell.commands();
    let shown: Vec<(String, &str)> = commands
        .iter()
        .filter(|c| !c.help.is_empty())
        .map(|c| {
            (
                format!(".{} {}", c.name, c.usage).trim_end().to_string(),
                c.help,
            )
        })
        .collect();
    let width = shown.iter().map(|(u, _)| u.len()).max().unwrap_or(0);
    let mut text = String::from(
        "SQL runs when a statement ends with `;` (Enter before that continues it).\n\n",
    );
    for (usage, help) in shown {
        text.push_str(&format!("  {usage:<width$}  {help}\n"));
    }
    text.push_str(concat!(
        "\nTab completes tables, columns, functions, commands and hunt ids; Ctrl-C cancels a running\n",
        "query, Ctrl-D leaves. Tables: signins, audit; Sentinel views: SigninLogs, AADNonInteractiveUserSignInLogs,\n",
        "AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs, AuditLogs, Okta_CL.\n",
        "Export a result to Parquet: COPY (SELECT ...) TO 'out.parquet';\n",
    ));
    print!("{text}");
    Ok(Flow::Continue)
}

/// `.scope <user|session|ip>`: the `scope` command's terminal view, over the prompt's
/// session and time parameters.
fn scope(shell: &mut Shell, args: &str) -> Result<Flow> {
    if args.trim().is_empty() {
        bail!("usage: .scope <user|session|ip> (or .scope user|session|ip <value>)");
    }
    let now = Utc::now();
    let bound = |name: &str| {
        shell
            .params
            .describe(now)
            .into_iter()
            .find(|(n, typed, _)| n == name && typed != "(not set)")
            .map(|(_, typed, _)| typed)
    };
    let (since, until) = (bound("since"), bound("until"));
    let text = shell.block_on(crate::commands::scope::prompt_scope(
        shell.context(),
        shell.ctx(),
        args,
        since.as_deref(),
        until.as_deref(),
    ))?;
    print!("{text}");
    Ok(Flow::Continue)
}

fn tables(shell: &mut Shell, _args: &str) -> Result<Flow> {
    let found = shell.block_on(catalog::tables(shell.ctx()))?;
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.kind.to_string(),
                t.columns.len().to_string(),
            ]
        })
        .collect();
    shell.print_rows(&["name", "type", "columns"], &rows)?;
    Ok(Flow::Continue)
}

fn schema(shell: &mut Shell, args: &str) -> Result<Flow> {
    let name = args.trim().trim_matches('"');
    if name.is_empty() {
        bail!("usage: .schema <table> (.tables lists them)");
    }
    let Some(table) = shell.block_on(catalog::table(shell.ctx(), name))? else {
        bail!("no table or view named {name:?} (.tables lists them)");
    };
    let rows: Vec<Vec<String>> = table
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.data_type.to_string(),
                if c.nullable { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    shell.print_rows(&["column", "type", "nullable"], &rows)?;
    Ok(Flow::Continue)
}

/// `*` and `?` make a glob; anything else matches as a substring; case ignored.
pub fn name_matches(name: &str, pattern: &str) -> bool {
    fn glob(name: &[u8], pattern: &[u8]) -> bool {
        match (pattern.first(), name.first()) {
            (None, _) => name.is_empty(),
            (Some(b'*'), _) => {
                glob(name, &pattern[1..]) || (!name.is_empty() && glob(&name[1..], pattern))
            }
            (Some(b'?'), Some(_)) => glob(&name[1..], &pattern[1..]),
            (Some(p), Some(n)) if p.eq_ignore_ascii_case(n) => glob(&name[1..], &pattern[1..]),
            _ => false,
        }
    }
    if pattern.contains(['*', '?']) {
        glob(name.as_bytes(), pattern.as_bytes())
    } else {
        name.to_ascii_lowercase()
            .contains(&pattern.to_ascii_lowercase())
    }
}

/// The first sentence of a description, for one-line listings.
fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.find(". ") {
        Some(end) => line[..=end].to_string(),
        None => line.to_string(),
    }
}

fn print_doc(help: &FunctionHelp) {
    let mut text = format!(
        "{} ({})\n\n  {}\n\n",
        help.name,
        help.kind,
        help.signature.trim()
    );
    for line in help.description.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(example) = &help.example {
        text.push_str("\nExample:\n");
        // DataFusion's examples are Markdown: drop the code fences.
        for line in example
            .lines()
            .filter(|l| !l.trim_start().starts_with("```"))
        {
            text.push_str(&format!("  {line}\n"));
        }
    }
    print!("{text}");
}

fn functions(shell: &mut Shell, args: &str) -> Result<Flow> {
    let pattern = args.trim();
    let all = catalog::functions(shell.ctx());
    if !pattern.is_empty() && !pattern.contains(['*', '?']) {
        let exact = all.iter().find(|f| {
            f.name.eq_ignore_ascii_case(pattern)
                || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(pattern))
        });
        if let Some(function) = exact {
            // DataFusion's documentation of the function: ours come from the
            // functions crate's catalogue (signature with types, runnable example).
            match function.help.clone() {
                Some(help) => print_doc(&help),
                None => println!(
                    "{} ({}): no documentation",
                    function.name,
                    function.kind.name()
                ),
            }
            return Ok(Flow::Continue);
        }
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .filter(|f| pattern.is_empty() || name_matches(&f.name, pattern))
        .map(|f| {
            let description = f
                .help
                .as_ref()
                .map(|h| h.description.clone())
                .unwrap_or_default();
            vec![
                f.name.clone(),
                f.kind.name().to_string(),
                first_sentence(&description),
            ]
        })
        .collect();
    if rows.is_empty() {
        bail!("no function matches {pattern:?}");
    }
    shell.print_rows(&["name", "kind", "description"], &rows)?;
    Ok(Flow::Continue)
}

fn format(shell: &mut Shell, args: &str) -> Result<Flow> {
    use clap::ValueEnum;
    let name = args.trim();
    if name.is_empty() {
        println!(
            "{}",
            shell
                .settings
                .format
                .to_possible_value()
                .map_or("?".into(), |v| v.get_name().to_string())
        );
        return Ok(Flow::Continue);
    }
    let format = OutputFormat::from_str(name, true).map_err(|_| {
        anyhow::anyhow!("unknown format {name:?}: use table, csv, json, jsonl or vertical")
    })?;
    if format == OutputFormat::Parquet && matches!(shell.settings.output, Output::Screen) {
        bail!(
            "parquet needs a file: `.output result.parquet` first, or COPY (SELECT ...) TO 'result.parquet'"
        );
    }
    shell.settings.format = format;
    Ok(Flow::Continue)
}

fn on_off(args: &str) -> Result<bool> {
    match args.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        other => bail!("expected on or off, not {other:?}"),
    }
}

fn timer(shell: &mut Shell, args: &str) -> Result<Flow> {
    shell.settings.timer = on_off(args)?;
    Ok(Flow::Continue)
}

fn maxrows(shell: &mut Shell, args: &str) -> Result<Flow> {
    let text = args.trim();
    if text.is_empty() {
        println!("{}", shell.settings.max_rows);
        return Ok(Flow::Continue);
    }
    shell.settings.max_rows = text
        .parse()
        .with_context(|| format!("{text:?} is not a row count (0 shows all)"))?;
    Ok(Flow::Continue)
}

fn output(shell: &mut Shell, args: &str) -> Result<Flow> {
    let target = args.trim();
    if let Output::File { writer, .. } = &mut shell.settings.output {
        std::io::Write::flush(writer)?;
    }
    if target.is_empty() {
        shell.settings.output = Output::Screen;
        if shell.settings.format == OutputFormat::Parquet {
            shell.settings.format = OutputFormat::Table;
        }
        return Ok(Flow::Continue);
    }
    let path = PathBuf::from(target);
    let file =
        std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    shell.status(&format!(
        "results go to {} (.output alone: back to the screen)",
        path.display()
    ));
    shell.settings.output = Output::File {
        path,
        writer: std::io::BufWriter::new(file),
    };
    Ok(Flow::Continue)
}

fn read(shell: &mut Shell, args: &str) -> Result<Flow> {
    let path = args.trim();
    if path.is_empty() {
        bail!("usage: .read <file.sql>");
    }
    shell.run_file(path)
}

fn set(shell: &mut Shell, args: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() {
        let rows: Vec<Vec<String>> = shell
            .params
            .describe(Utc::now())
            .into_iter()
            .map(|(name, typed, sql)| vec![format!("${name}"), typed, sql])
            .collect();
        shell.print_rows(&["parameter", "value", "stands for"], &rows)?;
        return Ok(Flow::Continue);
    }
    let (name, value) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let name = name.trim_start_matches('$');
    if value.trim().is_empty() {
        bail!("usage: .set {name} <value> (.unset {name} forgets it)");
    }
    shell.params.set(name, value)?;
    if shell.mode() == Mode::Interactive {
        shell.refresh_vocabulary();
    }
    Ok(Flow::Continue)
}

fn unset(shell: &mut Shell, args: &str) -> Result<Flow> {
    let name = args.trim().trim_start_matches('$');
    if !shell.params.unset(name) {
        bail!("parameter {name:?} is not set");
    }
    Ok(Flow::Continue)
}

fn quit(_shell: &mut Shell, _args: &str) -> Result<Flow> {
    Ok(Flow::Quit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_substrings_or_globs() {
        assert!(name_matches("date_trunc", "TRUNC"));
        assert!(name_matches("geo_distance_km", "geo_*_km"));
        assert!(!name_matches("geo_distance_km", "geo_*_mi"));
        assert!(name_matches("abs", "a?s"));
    }

    #[test]
    fn registering_adds_before_quit_and_replaces_by_name() {
        let mut commands = DotCommands::builtin();
        let extra = DotCommand {
            name: "hunts",
            usage: "",
            help: "list hunts",
            completion: ArgCompletion::Extra,
            run: quit,
        };
        commands.register(extra.clone());
        let names: Vec<&str> = commands.iter().map(|c| c.name).collect();
        let hunts = names.iter().position(|n| *n == "hunts").unwrap();
        assert_eq!(names[hunts + 1], "quit");
        commands.register(extra);
        assert_eq!(commands.iter().filter(|c| c.name == "hunts").count(), 1);
    }

    #[test]
    fn first_sentence_cuts_at_the_first_full_stop() {
        assert_eq!(first_sentence("Returns x. Then more."), "Returns x.");
        assert_eq!(first_sentence("One line\nsecond"), "One line");
    }
}
