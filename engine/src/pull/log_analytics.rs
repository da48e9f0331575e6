//! Log Analytics query API, for tenants that already export Entra logs to a
//! workspace: `POST /v1/workspaces/{id}/query` with `{"query": "<KQL>"}`.
//!
//! Windows select rows by the time the workspace received them (`ingestion_time()`),
//! so rows that arrive late are still pulled by the next incremental run.
//!
//! The API has no pagination, and caps a result (500,000 rows, ~64 MB). So each
//! table of a window is first counted, and a window holding more than `max_rows`
//! rows is cut into sub-windows that each fit, recursively; a result that still
//! comes back over the cap (rows arrived in between) or marked partial is cut again.
//! The answer is `{"tables":[{"columns":[{"name","type"}],"rows":[[...]]}]}`; each row
//! becomes one JSON object keyed by column name — the shape of a Log Analytics
//! export, which the parser reads (dynamic columns arrive as JSON strings, which it
//! accepts). Tables the workspace lacks count as empty (`union isfuzzy=true`).
//!
//! The answer is converted while it is parsed, row by row, never held as a tree of
//! values: memory is the body (at most the HTTP cap,
//! [`MAX_RESPONSE_BYTES`](super::http::MAX_RESPONSE_BYTES)) plus the JSON Lines, at
//! most [`MAX_RESULT_BYTES`]; a result whose lines would pass that cap is cut into
//! shorter windows like one over the row limit.

use std::collections::VecDeque;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use url::Url;

use super::credentials::Credential;
use super::error::PullError;
use super::http::{HttpClient, Request, Response};
use super::range::Window;
use super::retention::Retention;
use super::{PageSink, PullSource, endpoint};
use crate::input::InputFormat;
use crate::timerange::rfc3339;

const SERVICE: &str = "Log Analytics";

/// The scope a client credential asks tokens for.
pub const SCOPE: &str = "https://api.loganalytics.io/.default";

/// The Entra tables pulled, in this order.
pub const TABLES: [&str; 5] = [
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
    "AuditLogs",
];

/// The smallest window cut further when a result is too large.
const MIN_WINDOW_MICROS: i64 = 1_000_000;

/// The most bytes of JSON Lines one query's result is converted to (column names
/// repeat on every row, so they can be several times the body). A result past it
/// is cut into shorter windows; one that passes it in a window of a second fails
/// naming this cap.
pub const MAX_RESULT_BYTES: usize = 256 << 20;

/// A Log Analytics workspace holding the Entra tables.
#[derive(Debug)]
pub struct LogAnalytics {
    workspace: String,
    /// `https://api.loganalytics.io`, unless overridden (tests).
    base: Url,
    max_rows: u64,
    /// The cap on one result's JSON Lines ([`MAX_RESULT_BYTES`]).
    max_result_bytes: usize,
    credential: Credential,
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

impl LogAnalytics {
    /// Workspace `workspace` (its GUID) through the query API at `base`, at most
    /// `max_rows` rows a query.
    pub fn new(
        workspace: impl Into<String>,
        base: Url,
        max_rows: u64,
        credential: Credential,
    ) -> Result<Self, PullError> {
        let workspace = workspace.into();
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '-';
        if workspace.is_empty() || !workspace.chars().all(valid) {
            return Err(PullError::Config(format!(
                "workspace {workspace:?} is not a workspace id (a GUID)"
            )));
        }
        Ok(LogAnalytics {
            workspace,
            base,
            max_rows: max_rows.max(1),
            max_result_bytes: MAX_RESULT_BYTES,
            credential,
        })
    }

    /// Another cap on one result's JSON Lines than [`MAX_RESULT_BYTES`].
    pub fn with_max_result_bytes(mut self, bytes: usize) -> Self {
        self.max_result_bytes = bytes.max(1);
        self
    }

    fn query_url(&self) -> Result<Url, PullError> {
        let text = endpoint(
            &self.base,
            &format!("/v1/workspaces/{}/query", self.workspace),
        );
        Url::parse(&text).map_err(|e| PullError::Config(format!("{text}: {e}")))
    }

    async fn run(
        &self,
        http: &HttpClient,
        kql: &str,
        table: &str,
    ) -> Result<(Response, Converted), PullError> {
        let body = serde_json::to_vec(&serde_json::json!({ "query": kql }))
            .map_err(|e| PullError::Config(e.to_string()))?;
        let request = Request::post_json(self.query_url()?, body);
        let response = self.credential.send(http, &request).await?;
        let converted = convert(&response.body, table, self.max_result_bytes).map_err(|e| {
            PullError::MalformedPage {
                service: SERVICE,
                url: response.url.clone(),
                detail: format!("the answer to `{kql}` is not a query result ({e})"),
            }
        })?;
        Ok((response, converted))
    }

    async fn count(
        &self,
        http: &HttpClient,
        table: &str,
        window: &Window,
    ) -> Result<u64, PullError> {
        let kql = format!("{} | count", select(table, window));
        let (response, converted) = self.run(http, &kql, table).await?;
        let value = converted
            .first_cell
            .and_then(|text| serde_json::from_slice::<serde_json::Value>(&text).ok());
        match value {
            Some(serde_json::Value::Number(n)) => n.as_u64().ok_or(()),
            Some(serde_json::Value::String(text)) => text.parse().map_err(|_| ()),
            _ => Err(()),
        }
        .map_err(|()| PullError::MalformedPage {
            service: SERVICE,
            url: response.url,
            detail: format!("the answer to `{kql}` holds no count"),
        })
    }

    /// Brings one table's rows of a window, cutting it as needed.
    async fn fetch_table(
        &self,
        http: &HttpClient,
        stream: usize,
        table: &str,
        window: &Window,
        sink: &mut PageSink<'_>,
    ) -> Result<(), PullError> {
        let mut pending = VecDeque::from([*window]);
        while let Some(part) = pending.pop_front() {
            let rows = self.count(http, table, &part).await?;
            if rows == 0 {
                continue;
            }
            if rows > self.max_rows {
                let pieces = rows.div_ceil(self.max_rows);
                split(&part, pieces, table, &mut pending, TOO_MANY_ROWS)?;
                continue;
            }
            let kql = format!("{} | take {}", select(table, &part), self.max_rows + 1);
            let (_, converted) = self.run(http, &kql, table).await?;
            if converted.over_cap {
                let limit = format!(
                    "come to more JSON than the cap on one result ({}, log_analytics::MAX_RESULT_BYTES)",
                    super::error::size_text(self.max_result_bytes)
                );
                split(&part, 2, table, &mut pending, &limit)?;
                continue;
            }
            if converted.partial || converted.rows > self.max_rows {
                // Partial or over the cap: rows arrived since the count. Cut again.
                split(&part, 2, table, &mut pending, TOO_MANY_ROWS)?;
                continue;
            }
            if converted.rows > 0 {
                sink.page(stream, converted.lines, converted.rows, None)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The KQL selecting a table's rows of a window. Windows are in ingestion time, not
/// event time: a row the workspace receives late still falls in a window after the
/// checkpoint, so incremental runs cannot skip it.
fn select(table: &str, window: &Window) -> String {
    format!(
        "union isfuzzy=true {table} | where ingestion_time() >= datetime({}) and ingestion_time() < datetime({})",
        rfc3339(window.start),
        rfc3339(window.end)
    )
}

/// Why a window is cut when its rows are more than one query may return.
const TOO_MANY_ROWS: &str = "are more than one query may return; raise --page-size";

/// Queues `window` cut into `pieces` equal parts, in time order, ahead of the rest;
/// a window too short to cut fails, saying its rows `limit` (which limit they pass).
fn split(
    window: &Window,
    pieces: u64,
    table: &str,
    pending: &mut VecDeque<Window>,
    limit: &str,
) -> Result<(), PullError> {
    let length = window.end - window.start;
    if length <= MIN_WINDOW_MICROS {
        return Err(PullError::TooLarge {
            service: SERVICE,
            detail: format!(
                "the rows of {table} in [{} .. {}) {limit}",
                rfc3339(window.start),
                rfc3339(window.end)
            ),
        });
    }
    // At least two pieces, and none shorter than the smallest window (roughly).
    let most = (length / MIN_WINDOW_MICROS).max(2) as u64;
    let pieces = pieces.clamp(2, most) as i64;
    let step = (length + pieces - 1) / pieces;
    let mut parts = Vec::new();
    let mut start = window.start;
    while start < window.end {
        let end = (start + step).min(window.end);
        parts.push(Window { start, end });
        start = end;
    }
    for part in parts.into_iter().rev() {
        pending.push_front(part);
    }
    Ok(())
}

/// A query's answer, converted while parsed.
#[derive(Debug, Default)]
struct Converted {
    /// The first table's rows as JSON Lines of `{"Column": value}` objects in column
    /// order (nulls left out, as exports do), each with its table's `Type`; emptied
    /// once they pass the cap.
    lines: Vec<u8>,
    /// Rows of the first table.
    rows: u64,
    /// The first cell of the first row, as JSON text (a count's answer).
    first_cell: Option<Vec<u8>>,
    /// The API said the result is partial (an `error` beside the tables).
    partial: bool,
    /// The lines passed the cap; they were not kept.
    over_cap: bool,
}

/// Converts a query's answer (`{"tables":[{"columns":[...],"rows":[[...]]}]}`) into
/// JSON Lines of `table` rows, at most `max_bytes` of them, without building a tree.
fn convert(body: &[u8], table: &str, max_bytes: usize) -> Result<Converted, serde_json::Error> {
    let mut state = State {
        table,
        max_bytes,
        converted: Converted::default(),
        row: Vec::new(),
        cell: Vec::new(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    ResponseSeed(&mut state).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(state.converted)
}

struct State<'t> {
    table: &'t str,
    max_bytes: usize,
    converted: Converted,
    /// Scratch: the row being written, the cell being written.
    row: Vec<u8>,
    cell: Vec<u8>,
}

struct ResponseSeed<'s, 't>(&'s mut State<'t>);

impl<'de> DeserializeSeed<'de> for ResponseSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResponseSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a query result object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut tables = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tables" => {
                    map.next_value_seed(TablesSeed(&mut *self.0))?;
                    tables = true;
                }
                // Set on a 200 response when the result is partial (over a limit).
                "error" => {
                    self.0.converted.partial |= map.next_value::<Option<IgnoredAny>>()?.is_some();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !tables {
            return Err(de::Error::missing_field("tables"));
        }
        Ok(())
    }
}

/// The tables: the first is the result, the rest are skipped.
struct TablesSeed<'s, 't>(&'s mut State<'t>);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if seq.next_element_seed(TableSeed(&mut *self.0))?.is_some() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }
}

struct TableSeed<'s, 't>(&'s mut State<'t>);

impl<'de> DeserializeSeed<'de> for TableSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table with columns and rows")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut columns: Option<Vec<Column>> = None;
        let mut rows = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "columns" => columns = Some(map.next_value()?),
                "rows" => {
                    let Some(columns) = columns.as_ref() else {
                        return Err(de::Error::custom("rows before columns"));
                    };
                    map.next_value_seed(RowsSeed {
                        state: &mut *self.0,
                        columns,
                    })?;
                    rows = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if columns.is_none() {
            return Err(de::Error::missing_field("columns"));
        }
        if !rows {
            return Err(de::Error::missing_field("rows"));
        }
        Ok(())
    }
}

struct RowsSeed<'s, 't, 'c> {
    state: &'s mut State<'t>,
    columns: &'c [Column],
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let has_type = self.columns.iter().any(|c| c.name == "Type");
        while seq
            .next_element_seed(RowSeed {
                state: &mut *self.state,
                columns: self.columns,
            })?
            .is_some()
        {
            let state = &mut *self.state;
            if !has_type {
                if state.row.len() > 1 {
                    state.row.push(b',');
                }
                state.row.extend_from_slice(b"\"Type\":");
                write_json(&mut state.row, state.table);
            }
            state.row.extend_from_slice(b"}\n");
            state.converted.rows += 1;
            let converted = &mut state.converted;
            if !converted.over_cap {
                if converted.lines.len() + state.row.len() > state.max_bytes {
                    converted.over_cap = true;
                    converted.lines = Vec::new();
                } else {
                    converted.lines.extend_from_slice(&state.row);
                }
            }
        }
        Ok(())
    }
}

/// One row, written to `state.row` as a JSON object (without its closing brace).
struct RowSeed<'s, 't, 'c> {
    state: &'s mut State<'t>,
    columns: &'c [Column],
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row (an array of cells)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.state;
        state.row.clear();
        state.row.push(b'{');
        let mut index = 0;
        loop {
            state.cell.clear();
            if seq.next_element_seed(Transcode(&mut state.cell))?.is_none() {
                break;
            }
            if index == 0 && state.converted.rows == 0 {
                state.converted.first_cell = Some(state.cell.clone());
            }
            // Cells past the columns are ignored, nulls left out.
            if let Some(column) = self.columns.get(index)
                && state.cell != b"null"
            {
                if state.row.len() > 1 {
                    state.row.push(b',');
                }
                write_json(&mut state.row, &column.name);
                state.row.push(b':');
                state.row.extend_from_slice(&state.cell);
            }
            index += 1;
        }
        Ok(())
    }
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing a string or number to a Vec cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// Writes the JSON value it is given to its buffer as compact JSON text, as it is
/// parsed (nesting is bounded by `serde_json`'s recursion limit of 128).
struct Transcode<'o>(&'o mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Transcode<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Transcode<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        write_json(self.0, &v);
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        write_json(self.0, &v);
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        write_json(self.0, &v);
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        write_json(self.0, &v);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        write_json(self.0, v);
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push(b'[');
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if seq.next_element_seed(Transcode(&mut *self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(b']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push(b'{');
        let mut first = true;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !first {
                self.0.push(b',');
            }
            first = false;
            write_json(self.0, key.as_ref());
            self.0.push(b':');
            map.next_value_seed(Transcode(&mut *self.0))?;
        }
        self.0.push(b'}');
        Ok(())
    }
}

/// How far before the checkpoint a pull starts again by default. Windows are in
/// `ingestion_time()`, so a row the workspace receives late falls in a later window
/// anyway: the overlap only covers the edges of a window.
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl PullSource for LogAnalytics {
    fn kind(&self) -> &'static str {
        "entra-la"
    }

    fn service(&self) -> &'static str {
        SERVICE
    }

    fn scope(&self) -> String {
        self.workspace.clone()
    }

    fn name(&self) -> String {
        format!("entra-la-{}", self.workspace)
    }

    fn format(&self) -> InputFormat {
        InputFormat::EntraLogAnalytics
    }

    fn default_overlap(&self) -> std::time::Duration {
        DEFAULT_OVERLAP
    }

    /// None: a workspace's retention is its own setting (30 days by default, up to
    /// 12 years), so no fixed figure would hold.
    fn retention(&self) -> Option<Retention> {
        None
    }

    fn credential(&self) -> &Credential {
        &self.credential
    }

    fn streams(&self, window: &Window) -> Vec<String> {
        let url = endpoint(
            &self.base,
            &format!("/v1/workspaces/{}/query", self.workspace),
        );
        TABLES
            .iter()
            .map(|table| {
                format!(
                    "POST {url} {table} [{} .. {})",
                    rfc3339(window.start),
                    rfc3339(window.end)
                )
            })
            .collect()
    }

    async fn fetch(
        &self,
        http: &HttpClient,
        window: &Window,
        sink: &mut PageSink<'_>,
    ) -> Result<(), PullError> {
        for (stream, table) in TABLES.iter().enumerate() {
            self.fetch_table(http, stream, table, window, sink).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(table: &str) -> String {
        format!(r#"{{"tables":[{table},{{"name":"Other","columns":[],"rows":[[1]]}}]}}"#)
    }

    #[test]
    fn rows_become_records_with_their_table() {
        let body = answer(
            r#"{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"LocationDetails","type":"dynamic"},{"name":"RiskLevel","type":"string"},{"name":"Extra","type":"dynamic"}],
                "rows":[["2026-06-01T10:00:00Z","{\"city\":\"Oslo\"}",null,{"a":[1,2.5,-3,true,null,"\u00e9\n"],"b":{}}],
                        [null,null,null,[]]]}"#,
        );
        let converted = convert(body.as_bytes(), "SigninLogs", MAX_RESULT_BYTES).unwrap();
        assert_eq!(converted.rows, 2);
        assert!(!converted.partial && !converted.over_cap);
        assert_eq!(
            converted.first_cell.as_deref(),
            Some(&b"\"2026-06-01T10:00:00Z\""[..])
        );
        assert_eq!(
            String::from_utf8(converted.lines).unwrap(),
            "{\"TimeGenerated\":\"2026-06-01T10:00:00Z\",\"LocationDetails\":\"{\\\"city\\\":\\\"Oslo\\\"}\",\"Extra\":{\"a\":[1,2.5,-3,true,null,\"é\\n\"],\"b\":{}},\"Type\":\"SigninLogs\"}\n\
             {\"Extra\":[],\"Type\":\"SigninLogs\"}\n"
        );
    }

    #[test]
    fn a_partial_answer_and_malformed_answers_are_told_apart() {
        let partial = format!(
            r#"{{"error":{{"code":"PartialError"}},{}"#,
            &answer(r#"{"columns":[{"name":"Count"}],"rows":[[7]]}"#)[1..]
        );
        let converted = convert(partial.as_bytes(), "T", MAX_RESULT_BYTES).unwrap();
        assert!(converted.partial);
        assert_eq!(converted.first_cell.as_deref(), Some(&b"7"[..]));
        let null_error = r#"{"tables":[{"columns":[],"rows":[]}],"error":null}"#;
        assert!(!convert(null_error.as_bytes(), "T", 10).unwrap().partial);
        for bad in [
            r#"{"tables":[{"rows":[[1]],"columns":[{"name":"A"}]}]}"#,
            r#"{"tables":[{"columns":[{"name":"A"}]}]}"#,
            r#"{"value":[]}"#,
            r#"{"tables":[{"columns":[{"name":"A"}],"rows":[[1]]}]} trailing"#,
            r#"{"tables":[{"columns":[{"name":"A"}],"rows":[[1"#,
        ] {
            assert!(
                convert(bad.as_bytes(), "T", MAX_RESULT_BYTES).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_cell_nested_past_the_recursion_limit_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let body = answer(&format!(
            r#"{{"columns":[{{"name":"A"}}],"rows":[[{deep}]]}}"#
        ));
        // On a small stack, as a parse would run on a worker thread.
        let outcome = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || convert(body.as_bytes(), "T", MAX_RESULT_BYTES).map(|c| c.rows))
            .unwrap()
            .join()
            .unwrap();
        let error = outcome.unwrap_err().to_string();
        assert!(error.contains("recursion limit"), "{error}");
    }

    #[test]
    fn lines_past_the_result_cap_are_not_kept() {
        // Short cells under long column names: the lines are many times the body.
        let name = "N".repeat(200);
        let columns: Vec<String> = (0..20)
            .map(|i| format!(r#"{{"name":"{name}{i}"}}"#))
            .collect();
        let row = format!("[{}]", vec!["1"; 20].join(","));
        let rows = vec![row.as_str(); 1000].join(",");
        let body = answer(&format!(
            r#"{{"columns":[{}],"rows":[{rows}]}}"#,
            columns.join(",")
        ));
        let whole = convert(body.as_bytes(), "T", MAX_RESULT_BYTES).unwrap();
        assert!(whole.lines.len() > 10 * body.len());
        let capped = convert(body.as_bytes(), "T", body.len()).unwrap();
        assert!(capped.over_cap && capped.lines.is_empty());
        // Still counted, so the window is cut rather than taken as empty.
        assert_eq!(capped.rows, 1000);
        // A cut that cannot go further names the cap.
        let mut pending = VecDeque::new();
        let second = Window {
            start: 0,
            end: 1_000_000,
        };
        let error = split(
            &second,
            2,
            "SigninLogs",
            &mut pending,
            "come to more JSON than the cap",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("SigninLogs") && error.contains("come to more JSON than the cap"),
            "{error}"
        );
    }

    #[test]
    fn windows_split_in_time_order_down_to_a_second() {
        let mut pending = VecDeque::from([Window {
            start: 100,
            end: 200,
        }]);
        let whole = pending.pop_front().unwrap();
        assert!(split(&whole, 3, "T", &mut pending, TOO_MANY_ROWS).is_err());
        // Between one and two seconds: still halved.
        let short = Window {
            start: 0,
            end: 1_500_000,
        };
        split(&short, 9, "T", &mut pending, TOO_MANY_ROWS).unwrap();
        assert_eq!(pending.len(), 2);
        pending.clear();
        let whole = Window {
            start: 0,
            end: 10_000_000,
        };
        split(&whole, 3, "T", &mut pending, TOO_MANY_ROWS).unwrap();
        let parts: Vec<_> = pending.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(
            parts,
            vec![
                (0, 3_333_334),
                (3_333_334, 6_666_668),
                (6_666_668, 10_000_000)
            ]
        );
    }

    #[test]
    fn queries_select_a_window() {
        let window = Window {
            start: 1_780_272_000_000_000,
            end: 1_780_275_600_000_000,
        };
        assert_eq!(
            select("SigninLogs", &window),
            "union isfuzzy=true SigninLogs | where ingestion_time() >= datetime(2026-06-01T00:00:00Z) and ingestion_time() < datetime(2026-06-01T01:00:00Z)"
        );
    }
}
