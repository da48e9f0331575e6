//! Query parameters: `.set since 30d` in the REPL (or `--since 30d` on the command
//! line) makes `$since` in SQL a timestamp literal, so one hunt text serves any
//! time range. Other names (`.set user alice@contoso.com`) become plain literals.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::sql_text::{TokenKind, tokenize};

/// The parameters that hold time bounds; unset, they cover the whole lake.
pub const TIME_PARAMS: [&str; 2] = ["since", "until"];

/// A point in time given either relative to now or absolutely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeBound {
    /// `30d`, `12h`: that long before the moment the query runs.
    Ago(Duration),
    At(DateTime<Utc>),
}

impl TimeBound {
    /// The moment this bound names when a query runs at `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeBound::Ago(duration) => now
                .checked_sub_signed(*duration)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            TimeBound::At(time) => *time,
        }
    }
}

/// Parses a look-back (`30d`, `12h`, `90m`, `1.5h`, `2w`: the one duration grammar of
/// [`tokenhunt_engine::timerange`]) or a time (RFC 3339, `2024-05-01T10:00:00` in UTC,
/// a date at midnight UTC), as `--since`/`--until` do.
pub fn parse_time_bound(text: &str) -> Result<TimeBound> {
    let text = text.trim();
    if let Some(look_back) = tokenhunt_engine::timerange::parse_look_back(text) {
        let look_back = look_back.map_err(|error| anyhow!(error))?;
        let duration =
            Duration::from_std(look_back).map_err(|_| anyhow!("{text:?} is too large"))?;
        return Ok(TimeBound::Ago(duration));
    }
    match tokenhunt_engine::parse::time::parse_timestamp_micros(text) {
        Ok(micros) => DateTime::from_timestamp_micros(micros)
            .map(TimeBound::At)
            .ok_or_else(|| anyhow!("{text:?} is out of range")),
        Err(_) => bail!(
            "{text:?} is not a time: use a duration back from now (30d, 12h, 90m, 2w) or a time (2024-05-01, 2024-05-01T10:00:00Z)"
        ),
    }
}

/// A SQL timestamp literal DataFusion compares with the lake's UTC `time` column.
pub fn timestamp_literal(time: DateTime<Utc>) -> String {
    format!(
        "TIMESTAMP '{}'",
        time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    )
}

/// One parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Time(TimeBound),
    /// SQL text to put in place of the parameter (a quoted string, a number, ...).
    Literal(String),
}

/// The parameters of a session, by lower-case name.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: BTreeMap<String, (String, Value)>,
}

/// `alice` → `'alice'`, `42` → `42`, `true` → `TRUE`, `'x'` stays `'x'`.
fn literal(text: &str) -> String {
    let numeric = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && text.parse::<f64>().is_ok();
    let quoted = {
        let tokens = tokenize(text);
        tokens.len() == 1 && tokens[0].kind == TokenKind::String { closed: true }
    };
    if numeric || quoted {
        text.to_string()
    } else if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        text.to_ascii_uppercase()
    } else {
        tokenhunt_engine::sql::quote(text)
    }
}

fn valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(crate::sql_text::is_word_char)
}

impl Params {
    /// Sets `name` from the text the user typed; `since`/`until` must be times.
    pub fn set(&mut self, name: &str, text: &str) -> Result<()> {
        if !valid_name(name) {
            bail!(
                "{name:?} is not a parameter name (letters, digits and _, not starting with a digit)"
            );
        }
        let key = name.to_ascii_lowercase();
        let text = text.trim();
        let value = if TIME_PARAMS.contains(&key.as_str()) {
            Value::Time(parse_time_bound(text)?)
        } else {
            Value::Literal(literal(text))
        };
        self.values.insert(key, (text.to_string(), value));
        Ok(())
    }

    /// Forgets `name`; false when it was not set.
    pub fn unset(&mut self, name: &str) -> bool {
        self.values.remove(&name.to_ascii_lowercase()).is_some()
    }

    /// The names that are set, for completion.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// `(name, as typed, what it stands for now)` for every set parameter, plus
    /// the time bounds that are not set.
    pub fn describe(&self, now: DateTime<Utc>) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for name in TIME_PARAMS {
            if !self.values.contains_key(name) {
                rows.push((
                    name.to_string(),
                    "(not set)".to_string(),
                    "whole lake".to_string(),
                ));
            }
        }
        for (name, (typed, value)) in &self.values {
            let sql = match value {
                Value::Time(bound) => timestamp_literal(bound.resolve(now)),
                Value::Literal(sql) => sql.clone(),
            };
            rows.push((name.clone(), typed.clone(), sql));
        }
        rows
    }

    /// The moment a time parameter (`since`, `until`) names at `now`; None when it
    /// is not set.
    pub fn time(&self, name: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.values.get(&name.to_ascii_lowercase()) {
            Some((_, Value::Time(bound))) => Some(bound.resolve(now)),
            _ => None,
        }
    }

    /// The SQL text standing for `$name`, if it is set or a time bound.
    fn sql_for(&self, name: &str, now: DateTime<Utc>) -> Option<String> {
        let key = name.to_ascii_lowercase();
        match self.values.get(&key) {
            Some((_, Value::Time(bound))) => Some(timestamp_literal(bound.resolve(now))),
            Some((_, Value::Literal(sql))) => Some(sql.clone()),
            // Without a range a query covers the whole lake; the bounds are the
            // widest times DataFusion's nanosecond timestamps hold.
            None if key == "since" => Some("TIMESTAMP '1970-01-01T00:00:00Z'".to_string()),
            None if key == "until" => Some("TIMESTAMP '2262-01-01T00:00:00Z'".to_string()),
            None => None,
        }
    }

    /// Replaces every `$name` (or `${name}`, as hunt files write it) outside strings and
    /// comments; positional `$1` is left for DataFusion. An unknown name is an error that says how to set it.
    pub fn substitute(&self, sql: &str, now: DateTime<Utc>) -> Result<String> {
        let mut out = String::with_capacity(sql.len());
        for token in tokenize(sql) {
            let text = token.text(sql);
            if token.kind == TokenKind::Param
                && !text[1..].starts_with(|c: char| c.is_ascii_digit())
            {
                let name = text[1..].trim_start_matches('{').trim_end_matches('}');
                match self.sql_for(name, now) {
                    Some(replacement) => out.push_str(&replacement),
                    None => bail!(
                        "parameter {text} is not set (set it with `.set {name} <value>` or use a literal)"
                    ),
                }
            } else {
                out.push_str(text);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn durations_and_times_parse() {
        assert_eq!(
            parse_time_bound("30d").unwrap(),
            TimeBound::Ago(Duration::days(30))
        );
        assert_eq!(
            parse_time_bound("12h").unwrap(),
            TimeBound::Ago(Duration::hours(12))
        );
        let at = |text| parse_time_bound(text).unwrap().resolve(now());
        assert_eq!(at("2024-05-01"), at("2024-05-01T00:00:00Z"));
        assert_eq!(at("2024-05-01T02:00:00+02:00"), at("2024-05-01 00:00:00"));
        assert!(parse_time_bound("30 parsecs").is_err());
        assert!(parse_time_bound("99999999999999999999d").is_err());
        assert!(parse_time_bound("99999999d").is_err());
    }

    #[test]
    fn substitution_skips_strings_comments_and_positional() {
        let mut params = Params::default();
        params.set("since", "1d").unwrap();
        params.set("user", "o'brien@contoso.com").unwrap();
        params.set("threshold", "500").unwrap();
        let sql = "SELECT '$user', $1 FROM t -- $user\nWHERE time >= $since AND user = $USER AND n > $threshold";
        let out = params.substitute(sql, now()).unwrap();
        assert_eq!(
            out,
            "SELECT '$user', $1 FROM t -- $user\nWHERE time >= TIMESTAMP '2024-05-31T12:00:00Z' AND user = 'o''brien@contoso.com' AND n > 500"
        );
    }

    #[test]
    fn hunt_file_placeholders_bind_like_prompt_parameters() {
        let mut params = Params::default();
        params.set("since", "1d").unwrap();
        params.set("min_score", "60").unwrap();
        let out = params
            .substitute(
                "t >= ${since} AND score >= ${min_score} AND s = '${since}'",
                now(),
            )
            .unwrap();
        assert_eq!(
            out,
            "t >= TIMESTAMP '2024-05-31T12:00:00Z' AND score >= 60 AND s = '${since}'"
        );
        let error = params
            .substitute("x = ${regular_days}", now())
            .unwrap_err()
            .to_string();
        assert!(error.contains(".set regular_days"), "{error}");
    }

    #[test]
    fn unset_bounds_cover_everything_and_unknown_names_fail() {
        let params = Params::default();
        let out = params
            .substitute("t >= $since AND t < $until", now())
            .unwrap();
        assert!(
            out.contains("1970-01-01") && out.contains("2262-01-01"),
            "{out}"
        );
        let error = params
            .substitute("x = $nope", now())
            .unwrap_err()
            .to_string();
        assert!(error.contains(".set nope"), "{error}");
    }

    #[test]
    fn bad_names_and_times_are_refused() {
        let mut params = Params::default();
        assert!(params.set("1x", "a").is_err());
        assert!(params.set("since", "yesterday-ish").is_err());
        assert!(params.set("flag", "true").is_ok());
        assert_eq!(params.substitute("$flag", now()).unwrap(), "TRUE");
    }

    fn run_binder(input: &[u8]) {
        let text = String::from_utf8_lossy(input);
        let (value, sql) = text.split_once('\0').unwrap_or((&text, "SELECT $v"));
        let mut params = Params::default();
        let _ = params.set("since", value);
        let _ = params.set("until", value);
        let _ = params.set(value, "1");
        if params.set("v", value).is_ok() {
            // A value is one literal wherever it is bound: never a comment, a second
            // statement, an identifier or an open string.
            let bound = params.substitute("SELECT $v FROM t", now()).unwrap();
            let tokens: Vec<_> = tokenize(&bound)
                .into_iter()
                .filter(|t| t.kind != TokenKind::Whitespace)
                .collect();
            let n = tokens.len();
            assert!(n >= 4, "{value:?} bound as {bound:?}");
            assert_eq!(
                tokens[n - 2].text(&bound),
                "FROM",
                "{value:?} bound as {bound:?}"
            );
            let strings = tokens[1..n - 2]
                .iter()
                .filter(|t| matches!(t.kind, TokenKind::String { .. }))
                .count();
            for token in &tokens[1..n - 2] {
                let part = token.text(&bound);
                let allowed = match token.kind {
                    TokenKind::String { closed } => closed && strings == 1,
                    TokenKind::Number => true,
                    TokenKind::Punct => matches!(part, "." | "-" | "+"),
                    TokenKind::Word => {
                        part == "TRUE"
                            || part == "FALSE"
                            || part
                                .chars()
                                .all(|c| c.is_ascii_digit() || c == 'e' || c == 'E')
                    }
                    _ => false,
                };
                assert!(
                    allowed,
                    "{value:?} bound as {bound:?}: {:?} {part:?}",
                    token.kind
                );
            }
        }
        let _ = params.substitute(sql, now());
        let _ = params.describe(now());
    }

    /// The parameter binder under the engine's fuzzing harness (see
    /// `tokenhunt_engine::fuzz`): a value, a NUL, the SQL it is bound into.
    #[test]
    fn fuzz_params() {
        use tokenhunt_engine::fuzz;
        let seeds: Vec<Vec<u8>> = [
            "alice@contoso.com\0SELECT * FROM signins WHERE user = $user AND time >= $since AND time < $until",
            "o'brien@contoso.com\0SELECT '$v' -- $v\n/* $v */ $1, $v, $V, \"$v\"",
            "30d\0SELECT count(*) FROM signins WHERE time >= $since",
            "2024-05-01T10:00:00+02:00\0SELECT $since, $until",
            "2024-05-01\0SELECT $v",
            "1e5\0SELECT $v + 1",
            "-1.5\0SELECT $v",
            "'quoted'\0SELECT $v",
            "true\0SELECT $v; SELECT $v",
            "99999999999999999999d\0SELECT $since",
            "12h\0SELECT $since /* unclosed",
            "x\0SELECT '$v",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        let (duration, seed) = fuzz::test_budget();
        let report = fuzz::fuzz(run_binder, &seeds, seed, 0, duration, &mut |_| {});
        eprintln!(
            "fuzz params: {} executions in {:.1} s, {} crashes",
            report.executions,
            report.seconds,
            report.crashes.len()
        );
        let crashes: Vec<String> = report
            .crashes
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "input {} {:?}: {}",
                    c.iteration,
                    String::from_utf8_lossy(&c.input),
                    c.message
                )
            })
            .collect();
        assert!(crashes.is_empty(), "seed {seed}: {crashes:#?}");
    }
}
