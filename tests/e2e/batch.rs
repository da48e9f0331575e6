//! Batch SQL: `sql -c`, `sql -f`, piped stdin. Exit codes, every output format,
//! errors that point into the SQL, parameters, and the README's seed hunts.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::{Value, json};

use crate::support::*;

/// A lake of the real fixtures (plus the crafted ones when `crafted`).
fn lake(crafted: bool) -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    let real = fixture("real");
    let extra = fixture("crafted");
    let mut args = vec![
        "--lake",
        lake.path().to_str().unwrap(),
        "-q",
        "ingest",
        real.to_str().unwrap(),
    ];
    if crafted {
        args.push(extra.to_str().unwrap());
    }
    run_ok(&args);
    lake
}

/// Runs the binary with `stdin` piped in.
fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = tokenhunt()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const BY_LOG_TYPE: &str =
    "SELECT log_type, count(*) AS n FROM signins GROUP BY log_type ORDER BY log_type";

/// (log_type, rows) of the real fixture lake.
const LOG_TYPES: &[(&str, u64)] = &[
    ("interactive", 38),
    ("managed_identity", 1),
    ("non_interactive", 11),
    ("okta", 20),
    ("service_principal", 12),
];

#[test]
fn exit_codes_tell_success_sql_errors_and_missing_lakes() {
    let lake = lake(false);
    let path = lake.path().to_str().unwrap();

    let ok = tokenhunt()
        .args(["--lake", path, "sql", "-c", "SELECT 1 AS one"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok.stderr));

    let bad = tokenhunt()
        .args(["--lake", path, "sql", "-c", "SELECT * FRM signins"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let stderr = text(&bad.stderr);
    assert!(
        stderr.starts_with("error: Expected: end of statement, found: FRM"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 | SELECT * FRM signins\n  |          ^^^"),
        "{stderr}"
    );

    let unknown_column = tokenhunt()
        .args(["--lake", path, "sql", "-c", "SELECT nope FROM SigninLogs"])
        .output()
        .unwrap();
    assert!(!unknown_column.status.success());
    let stderr = text(&unknown_column.stderr);
    assert!(
        stderr.contains("No field named nope") && stderr.contains("^^^^"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Valid fields are"),
        "the field list is noise: {stderr}"
    );

    let missing = lake.path().join("no-such-lake");
    let gone = tokenhunt()
        .args(["--lake", missing.to_str().unwrap(), "sql", "-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(!gone.status.success());
    let stderr = text(&gone.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("no lake at"), "{stderr}");

    // No command and piped stdin: a script; the first error stops it, non-zero.
    let piped = run_with_stdin(
        &["--lake", path],
        "SELECT 1 AS a;\nSELECT nope;\nSELECT 3 AS c;\n",
    );
    assert!(!piped.status.success());
    assert!(text(&piped.stdout).contains('1') && !text(&piped.stdout).contains('c'));
    let piped_ok = run_with_stdin(&["--lake", path], "SELECT 1 AS a;\n");
    assert!(piped_ok.status.success(), "{}", text(&piped_ok.stderr));

    let gone_piped = run_with_stdin(&["--lake", missing.to_str().unwrap()], "SELECT 1;\n");
    assert!(!gone_piped.status.success());
    assert!(text(&gone_piped.stderr).contains("no lake at"));
}

fn format_output(lake: &Path, format: &str) -> String {
    let output = run_ok(&[
        "--lake",
        lake.to_str().unwrap(),
        "--format",
        format,
        "sql",
        "-c",
        BY_LOG_TYPE,
    ]);
    text(&output.stdout)
}

#[test]
fn every_format_prints_the_same_rows() {
    let lake = lake(false);

    let table = format_output(lake.path(), "table");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "log_type          │ n");
    assert!(lines[1].starts_with("──────"));
    assert_eq!(lines[2], "interactive       │ 38");
    assert_eq!(lines.len(), 2 + LOG_TYPES.len());

    let mut csv = String::from("log_type,n\n");
    for (log_type, n) in LOG_TYPES {
        csv.push_str(&format!("{log_type},{n}\n"));
    }
    assert_eq!(format_output(lake.path(), "csv"), csv);

    let expected: Vec<Value> = LOG_TYPES
        .iter()
        .map(|(t, n)| json!({"log_type": t, "n": n}))
        .collect();
    let json: Value = serde_json::from_str(&format_output(lake.path(), "json")).unwrap();
    assert_eq!(json, Value::Array(expected.clone()));

    let jsonl: Vec<Value> = format_output(lake.path(), "jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(jsonl, expected);

    let vertical = format_output(lake.path(), "vertical");
    assert!(vertical.starts_with("-[ row 1 ]"), "{vertical}");
    assert!(
        vertical.contains("log_type │ interactive\nn        │ 38\n"),
        "{vertical}"
    );
    assert_eq!(vertical.matches("-[ row ").count(), LOG_TYPES.len());

    // Parquet needs a file, and holds the same rows.
    let no_file = tokenhunt()
        .args([
            "--lake",
            lake.path().to_str().unwrap(),
            "--format",
            "parquet",
            "sql",
            "-c",
            BY_LOG_TYPE,
        ])
        .output()
        .unwrap();
    assert!(!no_file.status.success());
    assert!(text(&no_file.stderr).contains("--out"));
    let out = lake.path().join("by-type.parquet");
    run_ok(&[
        "--lake",
        lake.path().to_str().unwrap(),
        "--format",
        "parquet",
        "sql",
        "-c",
        BY_LOG_TYPE,
        "--out",
        out.to_str().unwrap(),
    ]);
    let file = std::fs::File::open(&out).unwrap();
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).sum::<usize>(),
        LOG_TYPES.len()
    );
    assert_eq!(batches[0].schema().field(0).name(), "log_type");

    // Text formats go to --out too.
    let csv_out = lake.path().join("by-type.csv");
    run_ok(&[
        "--lake",
        lake.path().to_str().unwrap(),
        "--format",
        "csv",
        "sql",
        "-c",
        BY_LOG_TYPE,
        "--out",
        csv_out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(csv_out).unwrap(), csv);
}

#[test]
fn sql_files_report_errors_at_their_line_and_column() {
    let lake = lake(false);
    let hunt = lake.path().join("hunt.sql");
    std::fs::write(
        &hunt,
        "-- a hunt\nSELECT 1 AS fine;\n\nSELECT *\n  FRM signins;\n",
    )
    .unwrap();
    let output = tokenhunt()
        .args([
            "--lake",
            lake.path().to_str().unwrap(),
            "sql",
            "-f",
            hunt.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("--> {}:5:3", hunt.display())),
        "{stderr}"
    );
    assert!(stderr.contains("5 |   FRM signins\n  |   ^^^"), "{stderr}");
    assert!(
        text(&output.stdout).contains("fine"),
        "statements before the error ran"
    );
}

#[test]
fn since_and_until_become_sql_parameters() {
    let lake = lake(false);
    let path = lake.path().to_str().unwrap();
    let count = |args: &[&str], sql: &str| -> u64 {
        let mut all = vec!["--lake", path, "--format", "jsonl"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["sql", "-c", sql]);
        let output = run_ok(&all);
        let row: Value = serde_json::from_str(text(&output.stdout).trim()).unwrap();
        row["n"].as_u64().unwrap()
    };
    let since_2025 = count(
        &[],
        "SELECT count(*) AS n FROM signins WHERE time >= TIMESTAMP '2025-01-01T00:00:00Z'",
    );
    assert!(since_2025 > 0);
    let window = "SELECT count(*) AS n FROM signins WHERE time >= $since AND time < $until";
    assert_eq!(count(&["--since", "2025-01-01"], window), since_2025);
    assert_eq!(
        count(&[], window),
        count(&[], "SELECT count(*) AS n FROM signins")
    );
    assert_eq!(
        count(
            &["--since", "2025-01-01", "--until", "2025-01-01T00:00:00Z"],
            window
        ),
        0
    );
    // A duration counts back from now: nothing in the fixtures is that recent.
    assert_eq!(count(&["--since", "1h"], window), 0);

    let bad = tokenhunt()
        .args([
            "--lake",
            path,
            "--since",
            "last tuesday",
            "sql",
            "-c",
            window,
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("--since"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn piped_scripts_mix_sql_and_dot_commands() {
    let lake = lake(false);
    let script = ".format csv\nSELECT 1 AS a;\n.format jsonl\n-- comment\nSELECT 'x;y' AS b,\n       2 AS c;\n.set who alice@contoso.com\nSELECT $who AS who;\n";
    let output = run_with_stdin(&["--lake", lake.path().to_str().unwrap()], script);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "a\n1\n{\"b\":\"x;y\",\"c\":2}\n{\"who\":\"alice@contoso.com\"}\n"
    );
}

#[test]
fn a_reader_that_leaves_early_is_not_an_error() {
    let lake = lake(false);
    let mut child = tokenhunt()
        .args([
            "--lake",
            lake.path().to_str().unwrap(),
            "--format",
            "csv",
            "sql",
            "-c",
            "SELECT value FROM generate_series(1, 2000000)",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "value\n");
    // Dropping the reader closes the pipe, as `| head -1` does.
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// The SQL blocks of the README's seed-hunt section, by name (`-- seed: <name>`).
fn readme_seed_hunts() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let mut hunts = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```sql\n") {
        let body = &rest[start + 7..];
        let end = body.find("```").unwrap();
        let block = &body[..end];
        if let Some(name) = block
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("-- seed: "))
        {
            hunts.push((name.trim().to_string(), block.to_string()));
        }
        rest = &body[end..];
    }
    hunts
}

#[test]
fn readme_seed_hunts_find_the_replays_in_the_fixtures() {
    let lake = lake(true);
    let hunts = readme_seed_hunts();
    let names: Vec<&str> = hunts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "session-several-ips",
            "non-interactive-new-country",
            "okta-session-several-user-agents"
        ]
    );
    let rows = |name: &str| -> Vec<Value> {
        let sql = &hunts.iter().find(|(n, _)| n == name).unwrap().1;
        crate::support::sql(lake.path(), sql)
    };

    // The crafted replay: gandalf's session comes back from a second IP.
    let sessions = rows("session-several-ips");
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["SessionId"], "session-abc-123");
    assert_eq!(sessions[0]["user"], "gandalf@lotr.com");
    assert_eq!(sessions[0]["ips"], json!(["198.51.100.23", "5.5.5.5"]));

    // Non-interactive sign-ins from a country the user never signed in from
    // interactively: the replay (NL) and the real users with only non-interactive
    // sign-ins; mpliftrelastic's IN is known from interactive sign-ins.
    let countries: Vec<(String, String)> = rows("non-interactive-new-country")
        .iter()
        .map(|r| {
            (
                r["UserPrincipalName"].as_str().unwrap().into(),
                r["Location"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("c3813493-bf92-5123-2717-8a8b2979c38b", "FR"),
        ("dyoung@lotr.com", "US"),
        ("gandalf@lotr.com", "NL"),
        ("hello.world@company.de", "DE"),
        ("sam@lotr.com", "US"),
    ]
    .iter()
    .map(|(u, c)| (u.to_string(), c.to_string()))
    .collect();
    assert_eq!(countries, expected);

    // Real Okta sessions seen with two user agents.
    let okta = rows("okta-session-several-user-agents");
    let sessions: Vec<(&str, u64, &str)> = okta
        .iter()
        .map(|r| {
            (
                r["session"].as_str().unwrap(),
                r["ua_count"].as_u64().unwrap(),
                r["user"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sessions,
        [
            ("100-abc-9999", 2, "homer.simpson@duff.com"),
            ("102nZHzd6OHSfGG51vsoc22gw", 2, "test1@test.com")
        ]
    );
}

/// Shell completions and the manual page come from the argument definitions: every
/// command is in them, and a shell loads the script.
#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let bash = String::from_utf8(run_ok(&["completions", "bash"]).stdout).unwrap();
    assert!(bash.contains("_tokenhunt()"), "{bash}");
    for command in [
        "ingest",
        "compact",
        "pull",
        "hunt",
        "scope",
        "respond",
        "findings",
        "suppress",
        "close",
        "reopen",
        "completions",
        "man",
    ] {
        assert!(
            bash.contains(command),
            "{command} missing from the bash script"
        );
    }
    assert!(bash.contains("--exit-code"), "hunt's options are completed");
    assert!(bash.contains("--new"), "hunt's options are completed");
    let zsh = String::from_utf8(run_ok(&["completions", "zsh"]).stdout).unwrap();
    assert!(zsh.starts_with("#compdef tokenhunt"), "{zsh}");
    // The script is valid bash: sourcing it defines the completion.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &bash).unwrap();
    let sourced = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "source {} && complete -p tokenhunt",
                script.path().display()
            ),
        ])
        .output()
        .unwrap();
    assert!(sourced.status.success(), "{sourced:?}");
    assert!(
        String::from_utf8_lossy(&sourced.stdout).contains("_tokenhunt"),
        "{sourced:?}"
    );
    let man = String::from_utf8(run_ok(&["man"]).stdout).unwrap();
    assert!(man.contains(".TH tokenhunt 1"), "{man}");
    for command in ["ingest", "hunt", "scope", "completions"] {
        assert!(
            man.contains(command),
            "{command} missing from the manual page"
        );
    }
    let unknown = tokenhunt()
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    // A reader that stops at once (`| head -1`) is no crash.
    for args in [&["completions", "zsh"][..], &["man"][..]] {
        let mut child = tokenhunt()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let closed = child.wait_with_output().unwrap();
        assert!(closed.status.success(), "{args:?}: {closed:?}");
        assert!(
            !String::from_utf8_lossy(&closed.stderr).contains("panicked"),
            "{args:?}: {closed:?}"
        );
    }
}
