//! A pull over a long, mostly empty range (issue 17, item 6): windows grow over the
//! empty stretches, an empty window costs one request and no ingest run, and a
//! `--since` before Okta's 90-day retention is noted once.

use super::*;

/// A year and three days before the end of `three_days_of_okta`.
const SINCE: &str = "2025-06-01T00:00:00Z";
const UNTIL: &str = "2026-06-04T00:00:00Z";
/// Days from `SINCE` to `UNTIL`: the base windows of `--window 1d`.
const RANGE_DAYS: u64 = 368;
/// The lone event in the middle of the empty stretch.
const LONE: i64 = DAY0 - 168 * DAY + 5 * HOUR; // 2025-12-15T05:00Z

/// The three busy days (31 events) and one lone event six months earlier.
fn sparse_year() -> Events {
    let events = three_days_of_okta();
    events.push(okta_event(31, LONE));
    events
}

fn note_lines(output: &Output) -> Vec<String> {
    stderr_of(output)
        .lines()
        .filter(|line| line.starts_with("note: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_mostly_empty_year_pulls_in_few_requests_and_no_empty_ingest_runs() {
    let server = okta_server(&sparse_year(), &Faults::default(), false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let args = okta_args(&server, &["--since", SINCE, "--until", UNTIL]);

    let (summary, output) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(lake_counts(lake), (32, 32), "every event once: {summary}");
    assert_eq!(field(&summary, "written"), 32, "{summary}");
    assert_eq!(field(&summary, "windows"), RANGE_DAYS, "{summary}");
    assert_eq!(field(&summary, "windows_done"), RANGE_DAYS, "{summary}");
    // One ingest run, hence one manifest, for each of the four days with events;
    // none for the empty windows.
    assert_eq!(field(&summary, "runs"), 4, "{summary}");
    assert_eq!(manifests(lake).len(), 4);
    // One request per window (each busy day fits one page); a day per request
    // would be 368.
    let requests = server.requests().len() as u64;
    assert_eq!(requests, field(&summary, "requests"), "{summary}");
    assert_eq!(requests, field(&summary, "fetches"), "{summary}");
    assert!(requests <= 30, "{requests} requests: {summary}");
    assert_eq!(
        field(&summary, "empty_fetches") + field(&summary, "narrowed") + 4,
        field(&summary, "fetches"),
        "a fetch is empty, a probe found busy, or a day ingested: {summary}"
    );
    // The probes that found events were narrowed to the day of their first event
    // (the lone one, and the first busy day), never ingested.
    assert_eq!(field(&summary, "narrowed"), 2, "{summary}");
    // Windows are day-aligned and grow over the empty stretches, up to 64 days.
    let windows: Vec<(i64, i64)> = server
        .requests()
        .iter()
        .map(|r| {
            let bound = |name| parse_time(r.param(name).unwrap());
            (bound("since"), bound("until"))
        })
        .collect();
    assert!(windows.iter().all(|(start, _)| start % DAY == 0));
    let longest = windows.iter().map(|(s, u)| (u - s) / DAY).max().unwrap();
    assert_eq!(longest, 64, "{windows:?}");
    assert_eq!(
        checkpoint(lake, "okta-acme.okta.com").unwrap()["until"],
        UNTIL
    );

    // A year back is before Okta's retention: said once, on stderr and in the summary.
    let notes = note_lines(&output);
    assert_eq!(notes.len(), 1, "{}", stderr_of(&output));
    assert!(
        notes[0].starts_with(&format!(
            "note: --since {SINCE} is before the oldest events"
        )) && notes[0].contains("Okta keeps System Log events 90 days"),
        "{}",
        notes[0]
    );
    assert_eq!(summary["notes"].as_array().unwrap().len(), 1, "{summary}");
    // -q keeps it quiet.
    let mut quiet = args.clone();
    quiet.push("-q");
    let output = pull(lake, &quiet, OKTA_ENV);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(note_lines(&output).is_empty(), "{}", stderr_of(&output));

    // Pulling the whole year again lands nothing twice.
    let (summary, _) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(field(&summary, "written"), 0, "{summary}");
    assert_eq!(field(&summary, "duplicates"), 32, "{summary}");
    assert_eq!(lake_counts(lake), (32, 32));
}

/// A pull that fails on the probe reaching the busy days keeps what the empty
/// stretch showed (the checkpoint moves over it, never past the first event left),
/// and the next run lands the rest once.
#[test]
fn a_pull_failing_after_an_empty_stretch_keeps_its_place() {
    let faults = Faults::default();
    let reaches_busy_days = |r: &Request| {
        let bound = |name| r.param(name).map(parse_time);
        bound("since") <= Some(DAY0) && bound("until") > Some(DAY0)
    };
    faults.add(Fault::new(
        reaches_busy_days,
        usize::MAX,
        Effect::Replace(Reply::json(
            500,
            r#"{"errorSummary":"Internal Server Error"}"#,
        )),
    ));
    let server = okta_server(&sparse_year(), &faults, false);
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path();
    let mut args = okta_args(&server, &["--since", SINCE, "--until", UNTIL]);
    args.extend(["--max-attempts", "2"]);

    let output = pull(lake, &args, OKTA_ENV);
    assert!(!output.status.success());
    assert_eq!(note_lines(&output).len(), 1, "{}", stderr_of(&output));
    let saved = checkpoint(lake, "okta-acme.okta.com").unwrap();
    let until = parse_time(saved["until"].as_str().unwrap());
    assert!(
        until > LONE && until <= DAY0,
        "the checkpoint is past the lone event and not past the busy days: {saved}"
    );
    assert_eq!(lake_counts(lake), (1, 1));

    // Repaired: the next run starts at the checkpoint (less the overlap), not a year back.
    faults.clear();
    let args = okta_args(&server, &["--until", UNTIL]);
    let (summary, _) = pull_ok(lake, &args, OKTA_ENV);
    assert_eq!(summary["started_from"], "checkpoint");
    assert_eq!(field(&summary, "written"), 31, "{summary}");
    assert_eq!(lake_counts(lake), (32, 32));
}
