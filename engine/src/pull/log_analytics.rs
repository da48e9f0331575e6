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

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::credentials::Credential;
use super::error::PullError;
use super::http::{HttpClient, Request, Response};
use super::range::Window;
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

/// A Log Analytics workspace holding the Entra tables.
#[derive(Debug)]
pub struct LogAnalytics {
    workspace: String,
    /// `https://api.loganalytics.io`, unless overridden (tests).
    base: Url,
    max_rows: u64,
    credential: Credential,
}

#[derive(Deserialize)]
struct QueryResponse {
    tables: Vec<Table>,
    /// Set on a 200 response when the result is partial (over a limit).
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<Value>>,
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
            credential,
        })
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
    ) -> Result<(Response, QueryResponse), PullError> {
        let body = serde_json::to_vec(&serde_json::json!({ "query": kql }))
            .map_err(|e| PullError::Config(e.to_string()))?;
        let request = Request::post_json(self.query_url()?, body);
        let response = self.credential.send(http, &request).await?;
        let parsed: QueryResponse =
            serde_json::from_slice(&response.body).map_err(|e| PullError::MalformedPage {
                service: SERVICE,
                url: response.url.clone(),
                detail: format!("the answer to `{kql}` is not a query result ({e})"),
            })?;
        Ok((response, parsed))
    }

    async fn count(
        &self,
        http: &HttpClient,
        table: &str,
        window: &Window,
    ) -> Result<u64, PullError> {
        let kql = format!("{} | count", select(table, window));
        let (response, parsed) = self.run(http, &kql).await?;
        let value = parsed
            .tables
            .first()
            .and_then(|t| t.rows.first())
            .and_then(|row| row.first())
            .cloned();
        match value {
            Some(Value::Number(n)) => n.as_u64().ok_or(()),
            Some(Value::String(text)) => text.parse().map_err(|_| ()),
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
                split(&part, pieces, table, &mut pending)?;
                continue;
            }
            let kql = format!("{} | take {}", select(table, &part), self.max_rows + 1);
            let (_, parsed) = self.run(http, &kql).await?;
            let result = parsed.tables.into_iter().next();
            let row_count = result.as_ref().map_or(0, |t| t.rows.len() as u64);
            if parsed.error.is_some() || row_count > self.max_rows {
                // Partial or over the cap: rows arrived since the count. Cut again.
                split(&part, 2, table, &mut pending)?;
                continue;
            }
            if let Some(result) = result {
                let lines = json_lines(table, &result)?;
                sink.page(stream, lines, row_count).await?;
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

/// Queues `window` cut into `pieces` equal parts, in time order, ahead of the rest.
fn split(
    window: &Window,
    pieces: u64,
    table: &str,
    pending: &mut VecDeque<Window>,
) -> Result<(), PullError> {
    let length = window.end - window.start;
    if length <= MIN_WINDOW_MICROS {
        return Err(PullError::TooLarge {
            service: SERVICE,
            detail: format!(
                "{table} holds more rows in [{} .. {}) than one query may return; raise --page-size",
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

/// Rows as JSON Lines of `{"Column": value}` objects in column order (nulls left
/// out, as exports do), each with its table's `Type`.
fn json_lines(table: &str, result: &Table) -> Result<Vec<u8>, PullError> {
    let has_type = result.columns.iter().any(|c| c.name == "Type");
    let table_type = Value::String(table.into());
    let mut out = Vec::new();
    for row in &result.rows {
        let mut members: Vec<(&str, &Value)> = result
            .columns
            .iter()
            .zip(row)
            .filter(|(_, value)| !value.is_null())
            .map(|(column, value)| (column.name.as_str(), value))
            .collect();
        if !has_type {
            members.push(("Type", &table_type));
        }
        out.push(b'{');
        for (index, (name, value)) in members.into_iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, name).map_err(|e| PullError::Config(e.to_string()))?;
            out.push(b':');
            serde_json::to_writer(&mut out, value).map_err(|e| PullError::Config(e.to_string()))?;
        }
        out.extend_from_slice(b"}\n");
    }
    Ok(out)
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

    #[test]
    fn rows_become_records_with_their_table() {
        let result: Table = serde_json::from_str(
            r#"{"columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"LocationDetails","type":"dynamic"},{"name":"RiskLevel","type":"string"}],
                "rows":[["2026-06-01T10:00:00Z","{\"city\":\"Oslo\"}",null]]}"#,
        )
        .unwrap();
        let lines = String::from_utf8(json_lines("SigninLogs", &result).unwrap()).unwrap();
        assert_eq!(
            lines,
            "{\"TimeGenerated\":\"2026-06-01T10:00:00Z\",\"LocationDetails\":\"{\\\"city\\\":\\\"Oslo\\\"}\",\"Type\":\"SigninLogs\"}\n"
        );
    }

    #[test]
    fn windows_split_in_time_order_down_to_a_second() {
        let mut pending = VecDeque::from([Window {
            start: 100,
            end: 200,
        }]);
        let whole = pending.pop_front().unwrap();
        assert!(split(&whole, 3, "T", &mut pending).is_err());
        // Between one and two seconds: still halved.
        let short = Window {
            start: 0,
            end: 1_500_000,
        };
        split(&short, 9, "T", &mut pending).unwrap();
        assert_eq!(pending.len(), 2);
        pending.clear();
        let whole = Window {
            start: 0,
            end: 10_000_000,
        };
        split(&whole, 3, "T", &mut pending).unwrap();
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
