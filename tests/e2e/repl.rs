//! The interactive prompt, driven through a pseudo-terminal as a person would:
//! completion, multi-line input, Ctrl-C, dot commands, the pager and history.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Regex, Session};

use crate::support::*;

/// The prompt without its trailing space: with colours on, an escape code sits
/// between the two.
const PROMPT: &str = "tokenhunt>";

/// What rustyline writes when it hands a finished line over (it turns bracketed
/// paste off): everything after it is output, not the echo of typing.
const ACCEPTED: &str = "\x1b[?2004l";

/// A prompt running in a pseudo-terminal (80×24), with its own home and history.
struct Prompt {
    session: OsSession,
    home: tempfile::TempDir,
}

/// A lake of the real fixtures.
fn fixture_lake() -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    let real = fixture("real");
    run_ok(&[
        "--lake",
        lake.path().to_str().unwrap(),
        "-q",
        "ingest",
        real.to_str().unwrap(),
    ]);
    lake
}

/// A lake of the real and the crafted fixtures, where `session_scripted_client` flags
/// gandalf@lotr.com at score 45 (see `hunts_run_on_the_real_fixtures_and_flag_the_known_cases`).
fn hunted_lake() -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    run_ok(&[
        "--lake",
        lake.path().to_str().unwrap(),
        "-q",
        "ingest",
        fixture("real").to_str().unwrap(),
        fixture("crafted").to_str().unwrap(),
    ]);
    lake
}

impl Prompt {
    /// Starts `tokenhunt --lake <lake> <args>` with colours off and no pager, unless
    /// `env` says otherwise.
    fn start(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> Prompt {
        let home = tempfile::tempdir().unwrap();
        Prompt::start_in(home, lake, args, env)
    }

    fn start_in(
        home: tempfile::TempDir,
        lake: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Prompt {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tokenhunt"));
        command.arg("--lake").arg(lake).args(args);
        command
            .env("TERM", "xterm")
            .env("HOME", home.path())
            .env("TOKENHUNT_HISTORY", home.path().join("history"))
            .env("NO_COLOR", "1")
            .env("PAGER", "")
            .env_remove("XDG_STATE_HOME");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut session = Session::spawn(command).expect("spawn in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(30)));
        let mut prompt = Prompt { session, home };
        prompt.expect(PROMPT);
        prompt
    }

    fn history(&self) -> PathBuf {
        self.home.path().join("history")
    }

    /// Waits for `text`; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
            Err(error) => panic!("waiting for {text:?}: {error}"),
        }
    }

    fn expect_regex(&mut self, pattern: &str) -> String {
        match self.session.expect(Regex(pattern)) {
            Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
            Err(error) => panic!("waiting for /{pattern}/: {error}"),
        }
    }

    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("write to the pty");
    }

    /// Types `line` and Enter; returns the output up to the next prompt.
    fn run(&mut self, line: &str) -> String {
        self.send(line);
        self.send("\r");
        self.expect(ACCEPTED);
        self.expect(PROMPT)
    }

    /// Ctrl-C at the prompt, then waits for the fresh prompt.
    fn interrupt_line(&mut self) {
        self.send("\x03");
        self.expect(ACCEPTED);
        self.expect(PROMPT);
    }

    /// Leaves with Ctrl-D and returns how the process ended.
    fn quit(&mut self) -> String {
        self.send("\x04");
        self.session
            .expect(Eof)
            .expect("the prompt exits on Ctrl-D");
        format!("{:?}", self.session.get_process().wait().unwrap())
    }
}

#[test]
fn tab_completes_columns_tables_functions_and_dot_commands() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    prompt.send("SELECT UserPrinc\t");
    prompt.expect("UserPrincipalName");
    prompt.send(", date_tr\t");
    prompt.expect("date_trunc");
    prompt.send("('day', TimeGenerated) AS day FROM SigninL\t");
    prompt.expect("SigninLogs");
    let output = prompt.run(" LIMIT 1;");
    assert!(output.contains("UserPrincipalName"), "{output}");

    prompt.send(".sch\t");
    prompt.expect(".schema");
    prompt.send("Okta\t");
    prompt.expect("Okta_CL");
    let schema = prompt.run("");
    assert!(schema.contains("column"), "{schema}");
    assert!(prompt.quit().contains("Exited"), "clean exit");
}

#[test]
fn sql_spans_lines_until_the_semicolon() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    prompt.send("SELECT 40 +\r");
    prompt.send("  -- still typing\r");
    let output = prompt.run("2 AS answer;");
    assert!(output.contains("answer"), "{output}");
    assert!(output.contains("42"), "{output}");
    // Quotes hide semicolons: Enter inside a string keeps editing.
    prompt.send("SELECT 'a;\r");
    let output = prompt.run("b' AS text;");
    assert!(output.contains("a;"), "{output}");
}

#[test]
fn ctrl_c_cancels_the_running_query_and_the_prompt_comes_back() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    prompt.send("SELECT count(*) FROM generate_series(1, 10000000000);\r");
    // The progress line appears once the query has run for a second.
    prompt.expect("rows scanned");
    prompt.send("\x03");
    prompt.expect("cancelled after");
    prompt.expect(PROMPT);
    let output = prompt.run("SELECT 5 AS five;");
    assert!(output.contains('5'), "{output}");

    // At the prompt, Ctrl-C drops the line being typed; Ctrl-D leaves.
    prompt.send("SELECT this is not finished");
    prompt.interrupt_line();
    let output = prompt.run("SELECT 6 AS six;");
    assert!(output.contains("six"), "{output}");
    assert!(prompt.quit().contains("Exited"));
}

#[test]
fn sql_errors_point_at_the_spot_and_the_prompt_stays() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    let output = prompt.run("SELECT *\r  FRM signins;");
    assert!(
        output.contains("error: Expected: end of statement, found: FRM"),
        "{output}"
    );
    assert!(output.contains("2 |   FRM signins"), "{output}");
    let output = prompt.run("SELECT nope FROM SigninLogs;");
    assert!(output.contains("No field named nope"), "{output}");
    let output = prompt.run("SELECT 1 AS still_here;");
    assert!(output.contains("still_here"), "{output}");
}

#[test]
fn format_switches_how_results_print() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &[], &[]);
    let query = "SELECT 1 AS a, 'x' AS b;";
    prompt.run(".format csv");
    let csv = prompt.run(query);
    assert!(csv.contains("a,b\r\n1,x\r\n"), "{csv:?}");
    prompt.run(".format json");
    let json = prompt.run(query);
    assert!(json.contains(r#"[{"a":1,"b":"x"}]"#), "{json:?}");
    prompt.run(".format jsonl");
    let jsonl = prompt.run(query);
    assert!(
        jsonl.contains(r#"{"a":1,"b":"x"}"#) && !jsonl.contains("[{"),
        "{jsonl:?}"
    );
    prompt.run(".format vertical");
    let vertical = prompt.run(query);
    assert!(
        vertical.contains("-[ row 1 ]") && vertical.contains("b │ x"),
        "{vertical:?}"
    );
    prompt.run(".format table");
    let table = prompt.run(query);
    assert!(
        table.contains("a │ b") && table.contains("1 │ x"),
        "{table:?}"
    );
    let refused = prompt.run(".format yaml");
    assert!(refused.contains("error"), "{refused:?}");
}

#[test]
fn output_sends_results_to_a_file_until_reset() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    let file = prompt.home.path().join("by-type.csv");
    prompt.run(&format!(".output {}", file.display()));
    prompt.run(".format csv");
    let shown = prompt
        .run("SELECT log_type, count(*) AS n FROM signins GROUP BY log_type ORDER BY log_type;");
    assert!(
        !shown.contains("interactive,38"),
        "results went to the screen: {shown}"
    );
    prompt.run(".output");
    let back = prompt.run("SELECT 'screen' AS here;");
    assert!(back.contains("screen"), "{back}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "log_type,n\ninteractive,38\nmanaged_identity,1\nnon_interactive,11\nokta,20\nservice_principal,12\n"
    );
}

#[test]
fn history_survives_across_sessions() {
    let lake = fixture_lake();
    let mut first = Prompt::start(lake.path(), &["repl"], &[]);
    first.run("SELECT 11 AS first_session;");
    let history = first.history();
    assert!(first.quit().contains("Exited"));
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("SELECT 11 AS first_session;"), "{saved}");

    // A new session on the same history file: Up brings the line back.
    let home = tempfile::tempdir().unwrap();
    std::fs::copy(&history, home.path().join("history")).unwrap();
    let mut second = Prompt::start_in(home, lake.path(), &["repl"], &[]);
    second.send("\x1b[A");
    second.expect("first_session");
    let output = second.run("");
    assert!(output.contains("11"), "{output}");
}

#[test]
fn dot_commands_list_tables_schemas_functions_and_parameters() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    let help = prompt.run(".help");
    for command in [
        ".tables",
        ".schema",
        ".functions",
        ".format",
        ".timer",
        ".maxrows",
        ".output",
        ".read",
        ".set",
    ] {
        assert!(
            help.contains(command),
            "{command} missing from .help: {help}"
        );
    }
    let tables = prompt.run(".tables");
    assert!(
        tables.contains("SigninLogs") && tables.contains("Okta_CL"),
        "{tables}"
    );
    let functions = prompt.run(".functions date_tr");
    assert!(functions.contains("scalar"), "{functions}");
    let doc = prompt.run(".functions upper");
    assert!(doc.contains("upper(str)"), "{doc}");
    prompt.run(".set since 2025-01-01");
    let params = prompt.run(".set");
    assert!(params.contains("$since"), "{params}");
    let counted = prompt.run("SELECT count(*) AS n FROM signins WHERE time >= $since;");
    assert!(counted.contains("n"), "{counted}");
    let unknown = prompt.run(".nope");
    assert!(
        unknown.contains("unknown command .nope (.help lists the commands)"),
        "{unknown}"
    );
    let script = prompt.home.path().join("setup.sql");
    std::fs::write(&script, ".format csv\nSELECT 'from a file' AS origin;\n").unwrap();
    let read = prompt.run(&format!(".read {}", script.display()));
    assert!(read.contains("origin\r\nfrom a file"), "{read:?}");
    prompt.run(".timer off");
    let untimed = prompt.run("SELECT 1 AS t;");
    assert!(!untimed.contains(" s\r\n"), "{untimed:?}");
    assert!(prompt.quit().contains("Exited"));
}

#[test]
fn tall_results_go_through_the_pager_and_colours_follow_no_color() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[("PAGER", "sed -e s/^/paged:/")]);
    let output = prompt.run("SELECT value FROM generate_series(1, 100);");
    assert!(output.contains("paged:   50"), "{output}");
    let short = prompt.run("SELECT 1 AS short;");
    assert!(!short.contains("paged:"), "{short}");
    assert!(!short.contains("\x1b[1m"), "NO_COLOR is set: {short:?}");

    // Colours on: keywords light up as they are typed.
    let mut coloured = Prompt::start(lake.path(), &["repl"], &[("NO_COLOR", "")]);
    coloured.send("SELECT 1");
    coloured.expect("\x1b[1;34mSELECT\x1b[0m");
}

#[test]
fn no_command_on_a_terminal_opens_the_prompt_and_a_missing_lake_says_so() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &[], &[]);
    prompt.run("SELECT 2 AS two;");
    assert!(prompt.quit().contains("Exited"));

    let missing = lake.path().join("nothing-here");
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokenhunt"));
    command
        .arg("--lake")
        .arg(&missing)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut session = Session::spawn(command).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("no lake at").unwrap();
    session.expect(Eof).unwrap();
    let status = format!("{:?}", session.get_process().wait().unwrap());
    assert!(status.ends_with(", 1)"), "exit status 1, got {status}");
}

#[test]
fn results_end_with_the_row_count_and_time() {
    let lake = fixture_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    prompt.send("SELECT 3 AS three;\r");
    prompt.expect_regex(r"1 row in \d+\.\d{3} s");
}

#[test]
fn hunts_are_listed_run_and_shown_at_the_prompt() {
    let lake = hunted_lake();
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    let help = prompt.run(".help");
    for command in [".hunts [pattern]", ".run <hunt>", ".show <hunt>"] {
        assert!(
            help.contains(command),
            "{command} missing from .help: {help}"
        );
    }

    // The library, as `tokenhunt hunts` lists it, and filtered.
    let listed = prompt.run(".hunts");
    assert!(
        listed.contains("entra_token_reuse") && listed.contains("okta_native_signals"),
        "{listed}"
    );
    assert!(
        listed.contains("T1550.001") && listed.contains("high"),
        "{listed}"
    );
    let okta = prompt.run(".hunts okta_*");
    assert!(
        okta.contains("okta_native_signals") && !okta.contains("entra_token_reuse"),
        "{okta}"
    );
    let none = prompt.run(".hunts zzz_nothing");
    assert!(
        none.contains("error: no hunt matches \"zzz_nothing\""),
        "{none}"
    );

    // Tab completes the hunt id; the finding prints like a query result.
    prompt.send(".run session_scr\t");
    prompt.expect("session_scripted_client");
    let found = prompt.run(" --min-score 0");
    // 80 columns squeeze the table's wide cells.
    assert!(
        found.contains("score │ severi") && found.contains(" 45.0 │ medium "),
        "{found}"
    );
    assert!(
        found.contains("1 finding from session_scripted_client in "),
        "{found}"
    );
    prompt.run(".format vertical");
    let whole = prompt.run(".run session_scripted_client --min-score 0");
    assert!(
        whole.contains("-[ row 1 ]") && whole.contains("│ gandalf@lotr.com"),
        "{whole}"
    );
    assert!(whole.contains("│ session-abc-123"), "{whole}");
    // `tokenhunt hunt`'s default threshold (50) keeps the 45-point finding back.
    let above = prompt.run(".run session_scripted_client");
    assert!(!above.contains("-[ row 1 ]"), "{above}");
    assert!(
        above.contains("0 findings from session_scripted_client (1 more under score 50"),
        "{above}"
    );
    // A time range after the fixtures' events finds nothing.
    let later = prompt.run(".run session_scripted_client --min-score 0 --since 2030-01-01");
    assert!(
        !later.contains("-[ row 1 ]") && later.contains("0 findings from"),
        "{later}"
    );

    // `.format` applies: JSON Lines carry the whole finding.
    prompt.run(".format jsonl");
    let jsonl = prompt.run(".run session_scripted_client --min-score 0");
    let line = jsonl
        .lines()
        .find(|l| l.starts_with("{\"finding_id\""))
        .unwrap_or_else(|| panic!("no JSON finding in {jsonl:?}"));
    let finding: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(finding["hunt"], "session_scripted_client");
    assert_eq!(finding["user"], "gandalf@lotr.com");
    assert!(finding["evidence"].is_object(), "{finding}");

    // `.output` applies: the findings go to the file, every column as CSV.
    let file = prompt.home.path().join("findings.csv");
    prompt.run(&format!(".output {}", file.display()));
    prompt.run(".format csv");
    let sent = prompt.run(".run session_scripted_client --min-score 0");
    assert!(!sent.contains("gandalf@lotr.com"), "{sent}");
    assert!(
        sent.contains("1 finding from session_scripted_client"),
        "{sent}"
    );
    prompt.run(".output");
    prompt.run(".format table");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("finding_id,hunt,technique,"), "{csv}");
    assert!(
        csv.contains(",session_scripted_client,") && csv.contains(",gandalf@lotr.com,"),
        "{csv}"
    );

    // An unknown hunt is an error that names it, and the prompt carries on.
    let unknown = prompt.run(".run no_such_hunt");
    assert!(
        unknown.contains("error: no hunt named \"no_such_hunt\"; .hunts lists the hunts"),
        "{unknown}"
    );
    let still = prompt.run("SELECT 7 AS still_here;");
    assert!(still.contains("still_here"), "{still}");

    // `.show`: the SQL with every placeholder bound, which then runs at the prompt
    // (the `.run` above put the baseline tables it reads in the session).
    prompt.run(".set since 2024-01-01");
    let shown = prompt.run(".show entra_token_reuse");
    assert!(shown.contains("-- entra_token_reuse: "), "{shown}");
    assert!(shown.contains("FROM network_events"), "{shown}");
    assert!(
        shown.contains("t.time >= TIMESTAMP '2024-01-01T00:00:00Z'"),
        "$since bound: {shown}"
    );
    assert!(!shown.contains("${"), "placeholders left: {shown}");
    assert!(prompt.quit().contains("Exited"));
}

#[test]
fn piped_scripts_run_hunts_and_show_their_sql() {
    let lake = hunted_lake();
    let script =
        ".format jsonl\n.run session_scripted_client --min-score 0\n.show entra_token_reuse\n";
    let mut child = tokenhunt()
        .args(["--lake", lake.path().to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let finding: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(finding["user"], "gandalf@lotr.com");
    assert!(stdout.contains("-- entra_token_reuse: "), "{stdout}");
    assert!(!stdout.contains("${"), "{stdout}");
    // A script stops at an unknown hunt, with exit code 1.
    let mut child = tokenhunt()
        .args(["--lake", lake.path().to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        b".run no_such_hunt\nSELECT 'not reached' AS x;\n",
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no hunt named \"no_such_hunt\""),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("not reached"));
}

#[test]
fn the_findings_table_shows_what_other_runs_decided_while_the_prompt_is_open() {
    let lake = tempfile::tempdir().unwrap();
    let lake_arg = lake.path().to_str().unwrap();
    run_ok(&[
        "--lake",
        lake_arg,
        "-q",
        "ingest",
        fixture("aitm-replay/entra-aitm-replay.ndjson")
            .to_str()
            .unwrap(),
    ]);
    let mut prompt = Prompt::start(lake.path(), &["repl"], &[]);
    prompt.run(".format csv");
    let before = prompt.run("SELECT count(*) AS tracked FROM findings;");
    assert!(before.contains("tracked\r\n0\r\n"), "{before}");

    // A scheduled `hunt --new` records the incidents in another process.
    let run = hunt_incidents(lake.path(), &["--new"]);
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&run.stdout).lines().next().unwrap()).unwrap();
    let id = first["finding_id"].as_str().unwrap().to_string();
    let recorded = prompt.run("SELECT count(*) AS tracked FROM findings WHERE status = 'new';");
    assert!(recorded.contains("tracked\r\n2\r\n"), "{recorded}");

    // A colleague suppresses one: the open prompt sees the decision and its reason.
    run_ok(&[
        "--lake",
        lake_arg,
        "suppress",
        &id,
        "--reason",
        "red team exercise RT-12",
    ]);
    let decided = prompt.run(&format!(
        "SELECT status, status_reason FROM findings WHERE id = '{id}';"
    ));
    assert!(
        decided.contains("suppressed,red team exercise RT-12"),
        "{decided}"
    );
    assert!(prompt.quit().contains("Exited"));
}

/// `hunt` and `baseline` show their progress line when stderr is a terminal, naming the
/// step (`hunt 1/16 · <id>`), and nothing when it is piped.
#[test]
fn hunt_and_baseline_show_progress_on_a_terminal_only() {
    let lake = hunted_lake();
    for (args, line) in [
        (&["baseline"][..], r"baseline \d+/\d+ · "),
        (&["hunt", "--all"][..], r"hunt \d+/\d+ · "),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tokenhunt"));
        command
            .arg("--lake")
            .arg(lake.path())
            .args(args)
            .env("TERM", "xterm")
            .env("NO_COLOR", "1");
        let mut session = Session::spawn(command).expect("spawn in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(120)));
        session
            .expect(Regex(line))
            .unwrap_or_else(|e| panic!("no progress line /{line}/: {e}"));
        session.expect(Eof).unwrap();
        let piped = tokenhunt()
            .arg("--lake")
            .arg(lake.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&piped.stderr);
        assert!(!stderr.contains(&format!("{} 1/", args[0])), "{stderr}");
    }
}
