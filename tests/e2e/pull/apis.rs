//! Fake Okta, Microsoft Graph, Entra token endpoint and Log Analytics APIs over the
//! test server: real response shapes, records taken from `tests/fixtures/real/` with
//! ids and times varied, and faults injected on chosen requests.

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::server::{Reply, Request, encode};
use crate::support::fixture;

/// 2026-06-01T00:00:00Z in microseconds.
pub const DAY0: i64 = 1_780_272_000_000_000;
pub const HOUR: i64 = 3_600_000_000;
pub const MINUTE: i64 = 60_000_000;
pub const DAY: i64 = 24 * HOUR;

/// RFC 3339 with milliseconds, as the APIs write times.
pub fn iso(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn parse_time(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("time {text:?}: {e}"))
        .timestamp_micros()
}

fn epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// What a fault does to the reply it hits.
#[derive(Clone)]
pub enum Effect {
    /// Answer this instead.
    Replace(Reply),
    /// Answer normally, but say the rate limit is spent until `seconds` from now
    /// (whole epoch seconds, as Okta does).
    Spend { seconds: u64 },
    /// Answer normally with the body cut in half (invalid JSON).
    Truncate,
    /// Answer normally, this much later.
    Delay(Duration),
    /// Tell the test, then hold the reply a minute (the test kills the client).
    Hang(mpsc::Sender<()>),
}

/// A fault: which requests it hits and how many times (`usize::MAX`: until cleared).
pub struct Fault {
    pub when: Box<dyn Fn(&Request) -> bool + Send + Sync>,
    pub times: usize,
    pub effect: Effect,
}

impl Fault {
    pub fn new(
        when: impl Fn(&Request) -> bool + Send + Sync + 'static,
        times: usize,
        effect: Effect,
    ) -> Fault {
        Fault {
            when: Box::new(when),
            times,
            effect,
        }
    }
}

/// Faults of one API, shared with the test so it can "repair" the server.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<Vec<Fault>>>);

impl Faults {
    pub fn add(&self, fault: Fault) {
        self.0.lock().unwrap().push(fault);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// Applies the first fault that hits `request` to the normal reply.
    fn apply(&self, request: &Request, normal: impl FnOnce() -> Reply) -> Reply {
        let effect = {
            let mut faults = self.0.lock().unwrap();
            faults
                .iter_mut()
                .find(|f| f.times > 0 && (f.when)(request))
                .map(|fault| {
                    fault.times = fault.times.saturating_sub(1);
                    fault.effect.clone()
                })
        };
        match effect {
            None => normal(),
            Some(Effect::Replace(reply)) => reply,
            Some(Effect::Spend { seconds }) => {
                let mut reply = normal();
                reply
                    .headers
                    .retain(|(name, _)| !name.starts_with("X-Rate-Limit"));
                reply
                    .header("X-Rate-Limit-Limit", "600")
                    .header("X-Rate-Limit-Remaining", "0")
                    .header(
                        "X-Rate-Limit-Reset",
                        (epoch_seconds() + seconds).to_string(),
                    )
            }
            Some(Effect::Truncate) => {
                let mut reply = normal();
                let half = reply.body.len() / 2;
                reply.body.truncate(half);
                reply
            }
            Some(Effect::Delay(delay)) => {
                let mut reply = normal();
                reply.delay = Some(delay);
                reply
            }
            Some(Effect::Hang(notify)) => {
                let _ = notify.send(());
                let mut reply = normal();
                reply.delay = Some(Duration::from_secs(60));
                reply
            }
        }
    }
}

/// One event of a fake API.
#[derive(Debug, Clone)]
pub struct Event {
    pub time: i64,
    /// Graph sign-ins: the `signInEventTypes` value; Log Analytics: the table.
    pub kind: String,
    pub record: Value,
}

/// Events shared with the test, which may add more between runs.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<Event>>>);

impl Events {
    pub fn push(&self, event: Event) {
        let mut events = self.0.lock().unwrap();
        events.push(event);
        events.sort_by_key(|e| e.time);
    }

    fn select(&self, kind: Option<&str>, since: i64, until: i64) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.time >= since && e.time < until)
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .cloned()
            .collect()
    }
}

fn fixture_json(relative: &str) -> Value {
    let text = std::fs::read_to_string(fixture(relative)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn fixture_line(relative: &str, line: usize) -> Value {
    let text = std::fs::read_to_string(fixture(relative)).unwrap();
    serde_json::from_str(text.lines().nth(line - 1).unwrap()).unwrap()
}

// ---------------------------------------------------------------- Okta

/// An Okta LogEvent at `time`: the System Log API documentation's example
/// `user.session.start` (or its rate-limit violation example, an audit event, for
/// every fifth), with its own uuid, session and address.
pub fn okta_event(n: usize, time: i64) -> Event {
    let mut record = if n % 5 == 4 {
        fixture_json("real/okta/okta-developer-docs/rl-system-log-events_example1.json")
    } else {
        fixture_json("real/okta/okta-developer-docs/system-log-api_example-logevent.json")
    };
    record["uuid"] = json!(format!("5b2c4e9a-{n:04x}-4c1e-9d6f-pulltest{n:04}"));
    record["published"] = json!(iso(time));
    record["client"]["ipAddress"] = json!(format!("198.51.100.{}", n % 250 + 1));
    if record["authenticationContext"].is_object() {
        record["authenticationContext"]["externalSessionId"] = json!(format!("idxPull{n:04}"));
    }
    Event {
        time,
        kind: "okta".into(),
        record,
    }
}

/// `/api/v1/logs`: bounded queries with `since`/`until`/`limit`/`after`, pages as
/// JSON arrays, `Link` headers, rate-limit headers.
pub struct OktaApi {
    pub events: Events,
    pub faults: Faults,
    pub token: String,
    /// Send a next link on every page, even past the end (Okta's polling behaviour):
    /// the client must stop at an empty page.
    pub always_next: bool,
}

impl OktaApi {
    pub fn handle(&self, request: &Request) -> Reply {
        if request.path != "/api/v1/logs" || request.method != "GET" {
            return Reply::json(
                404,
                r#"{"errorCode":"E0000022","errorSummary":"The endpoint does not support the provided HTTP method"}"#,
            );
        }
        let presented = request.header("authorization").unwrap_or_default();
        if presented != format!("SSWS {}", self.token) {
            // Echoes what it was given, so the test sees the client scrub it.
            let body = json!({
                "errorCode": "E0000011",
                "errorSummary": format!("Invalid token provided ({presented})"),
                "errorLink": "E0000011",
                "errorId": "oaeKWvbIfSBRnmvYw5ZRIxMpQ",
                "errorCauses": []
            });
            return Reply::json(401, body.to_string());
        }
        self.faults.apply(request, || self.page(request))
    }

    fn page(&self, request: &Request) -> Reply {
        let since = parse_time(request.param("since").unwrap_or("1970-01-01T00:00:00Z"));
        let until = parse_time(request.param("until").unwrap_or("2200-01-01T00:00:00Z"));
        let limit: usize = request.param("limit").map_or(100, |l| l.parse().unwrap());
        let after: usize = request.param("after").map_or(0, |a| a.parse().unwrap());
        let selected = self.events.select(None, since, until);
        let page: Vec<&Value> = selected
            .iter()
            .skip(after)
            .take(limit)
            .map(|e| &e.record)
            .collect();
        let host = request.header("host").unwrap_or_default();
        let link = |after: usize| {
            format!(
                "http://{host}/api/v1/logs?since={}&until={}&limit={limit}&sortOrder=ASCENDING&after={after}",
                encode(&iso(since)),
                encode(&iso(until))
            )
        };
        let mut links = format!("<{}>; rel=\"self\"", link(after));
        let next = after + page.len();
        if next < selected.len() || self.always_next {
            links.push_str(&format!(", <{}>; rel=\"next\"", link(next)));
        }
        Reply::json(200, serde_json::to_vec(&page).unwrap())
            .header("Link", links)
            .header("X-Rate-Limit-Limit", "600")
            .header("X-Rate-Limit-Remaining", "599")
            .header("X-Rate-Limit-Reset", (epoch_seconds() + 60).to_string())
    }
}

/// The `after` cursor of an Okta request (0 for a window's first page).
pub fn okta_after(request: &Request) -> usize {
    request.param("after").map_or(0, |a| a.parse().unwrap())
}

// ------------------------------------------------------- Microsoft Graph

pub const SIGN_IN_TYPES: [&str; 4] = [
    "interactiveUser",
    "nonInteractiveUser",
    "servicePrincipal",
    "managedIdentity",
];

/// A Graph beta signIn at `time` of one `signInEventTypes` value: the Graph
/// documentation's example with its own id, session and unique token identifier.
pub fn graph_sign_in(n: usize, time: i64, event_type: &str) -> Event {
    let page = fixture_json(
        "real/entra-graph/microsoft-graph-docs-contrib/beta_signin-list_example1_response.json",
    );
    let mut record = page["value"][0].clone();
    record["id"] = json!(format!("4d5e6f70-{n:04x}-4a1b-8c2d-{n:012x}"));
    record["createdDateTime"] = json!(iso(time));
    record["signInEventTypes"] = json!([event_type]);
    record["isInteractive"] = json!(event_type == "interactiveUser");
    record["sessionId"] = json!(format!("a1b2c3d4-0000-4000-8000-{n:012x}"));
    record["uniqueTokenIdentifier"] = json!(format!("UTIpull{n:04}AAAAAAAAAAAAAA"));
    record["status"]["errorCode"] = json!(0);
    Event {
        time,
        kind: event_type.into(),
        record,
    }
}

/// A Graph directoryAudit at `time`: the `properties` of a real diagnostic-settings
/// AuditLogs record (the Graph item's shape), with its own id.
pub fn graph_audit(n: usize, time: i64) -> Event {
    let diagnostic = fixture_line(
        "real/entra-diagnostic/panther-analysis/_derived_test_logs.ndjson",
        19,
    );
    let mut record = diagnostic["properties"].clone();
    record["id"] = json!(format!("Directory_pull_{n:04}"));
    record["activityDateTime"] = json!(iso(time));
    Event {
        time,
        kind: "audit".into(),
        record,
    }
}

/// `beta/auditLogs/signIns` (filtered per event type) and
/// `v1.0/auditLogs/directoryAudits`: `$filter` on time, `$top`, `$skiptoken` paging.
pub struct GraphApi {
    pub events: Events,
    pub faults: Faults,
    /// The bearer token the API accepts.
    pub token: String,
}

impl GraphApi {
    pub fn handle(&self, request: &Request) -> Reply {
        let (kind, time_field) = match request.path.as_str() {
            "/beta/auditLogs/signIns" => (None, "createdDateTime"),
            "/v1.0/auditLogs/directoryAudits" => (Some("audit"), "activityDateTime"),
            _ => {
                return Reply::json(
                    404,
                    r#"{"error":{"code":"ResourceNotFound","message":"Invalid request"}}"#,
                );
            }
        };
        if request.header("authorization") != Some(&format!("Bearer {}", self.token)) {
            return Reply::json(
                401,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience."}}"#,
            );
        }
        self.faults.apply(request, || {
            let filter = request.param("$filter").unwrap_or_default().to_string();
            let event_type = filter
                .split("eq '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .map(str::to_string);
            let kind = kind.map(str::to_string).or(event_type);
            let bound = |operator: &str| {
                let marker = format!("{time_field} {operator} ");
                let rest = filter.split(&marker).nth(1).expect("time bound in $filter");
                parse_time(rest.split(' ').next().unwrap())
            };
            let (since, until) = (bound("ge"), bound("lt"));
            let top: usize = request.param("$top").map_or(100, |t| t.parse().unwrap());
            let skip: usize = request
                .param("$skiptoken")
                .map_or(0, |s| s.parse().unwrap());
            let selected = self.events.select(kind.as_deref(), since, until);
            let page: Vec<&Value> = selected
                .iter()
                .skip(skip)
                .take(top)
                .map(|e| &e.record)
                .collect();
            let mut body = serde_json::Map::new();
            body.insert(
                "@odata.context".into(),
                json!("https://graph.microsoft.com/beta/$metadata#auditLogs/signIns"),
            );
            if skip + page.len() < selected.len() {
                let host = request.header("host").unwrap_or_default();
                body.insert(
                    "@odata.nextLink".into(),
                    json!(format!(
                        "http://{host}{}?$filter={}&$top={top}&$skiptoken={}",
                        request.path,
                        encode(&filter),
                        skip + page.len()
                    )),
                );
            }
            body.insert("value".into(), json!(page));
            Reply::json(200, Value::Object(body).to_string())
        })
    }
}

/// `POST /{tenant}/oauth2/v2.0/token` with the client credential grant.
pub struct LoginApi {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    /// The access token it issues.
    pub issues: String,
}

impl LoginApi {
    pub fn handle(&self, request: &Request) -> Reply {
        if request.path != format!("/{}/oauth2/v2.0/token", self.tenant) || request.method != "POST"
        {
            return Reply::json(404, r#"{"error":"not_found"}"#);
        }
        let form: std::collections::HashMap<String, String> =
            String::from_utf8_lossy(&request.body)
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (super::server::decode(k), super::server::decode(v)))
                .collect();
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
        if field("grant_type") != "client_credentials"
            || field("client_id") != self.client_id
            || field("client_secret") != self.client_secret
        {
            return Reply::json(
                401,
                json!({
                    "error": "invalid_client",
                    "error_description": format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value ({}).\r\nTrace ID: 0f6a", field("client_secret")),
                    "error_codes": [7000215]
                })
                .to_string(),
            );
        }
        Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": self.issues})
                .to_string(),
        )
    }
}

// ------------------------------------------------------- Log Analytics

pub const LA_TABLES: [&str; 5] = [
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
    "AuditLogs",
];

/// `camelCase` → `PascalCase`, as Log Analytics names the exported columns.
fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A Log Analytics row of `table` at `time`, built from a real diagnostic record's
/// `properties` as the workspace stores it: PascalCase columns, dynamic columns as
/// JSON text, `TimeGenerated` and `Type`.
pub fn la_row(n: usize, time: i64, table: &str) -> Event {
    let properties = if table == "AuditLogs" {
        fixture_line(
            "real/entra-diagnostic/panther-analysis/_derived_test_logs.ndjson",
            19,
        )["properties"]
            .clone()
    } else {
        fixture_line(
            "real/entra-diagnostic/elastic-integrations/test-signinlogs-sample.log",
            1,
        )["properties"]
            .clone()
    };
    let mut row = serde_json::Map::new();
    row.insert(
        "TenantId".into(),
        json!("6f1c2d3e-0000-4000-8000-00000000beef"),
    );
    row.insert("TimeGenerated".into(), json!(iso(time)));
    for (name, value) in properties.as_object().unwrap() {
        let column = match name.as_str() {
            "location" => "LocationDetails".to_string(),
            "ipAddress" => "IPAddress".to_string(),
            other => pascal(other),
        };
        let value = match value {
            Value::Object(_) | Value::Array(_) => Value::String(value.to_string()),
            other => other.clone(),
        };
        row.insert(column, value);
    }
    row.insert(
        "Id".into(),
        json!(format!("9e8d7c6b-{n:04x}-4000-8000-{n:012x}")),
    );
    if table == "AuditLogs" {
        row.insert("ActivityDateTime".into(), json!(iso(time)));
    } else {
        row.insert("CreatedDateTime".into(), json!(iso(time)));
        row.insert("SessionId".into(), json!(format!("la-session-{n:04}")));
    }
    row.insert("Type".into(), json!(table));
    Event {
        time,
        kind: table.into(),
        record: Value::Object(row),
    }
}

/// `POST /v1/workspaces/{id}/query`: reads the table and time range out of the KQL
/// the client sends (`union isfuzzy=true T | where ingestion_time() >= datetime(a)
/// and ingestion_time() < datetime(b)`, then `| count` or `| take n`); here rows are
/// received when they happen.
pub struct LogAnalyticsApi {
    pub workspace: String,
    pub events: Events,
    pub faults: Faults,
    pub token: String,
}

impl LogAnalyticsApi {
    pub fn handle(&self, request: &Request) -> Reply {
        if request.path != format!("/v1/workspaces/{}/query", self.workspace) {
            return Reply::json(
                404,
                r#"{"error":{"code":"WorkspaceNotFoundError","message":"Workspace could not be found"}}"#,
            );
        }
        if request.header("authorization") != Some(&format!("Bearer {}", self.token)) {
            return Reply::json(
                403,
                r#"{"error":{"code":"InvalidTokenError","message":"The provided authentication is not valid for this resource"}}"#,
            );
        }
        self.faults.apply(request, || {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let query = body["query"].as_str().unwrap().to_string();
            let table = query
                .strip_prefix("union isfuzzy=true ")
                .and_then(|rest| rest.split(' ').next())
                .unwrap()
                .to_string();
            let times: Vec<i64> = query
                .split("datetime(")
                .skip(1)
                .map(|rest| parse_time(rest.split(')').next().unwrap()))
                .collect();
            let selected = self.events.select(Some(&table), times[0], times[1]);
            if query.ends_with("| count") {
                let result = json!({"tables": [{"name": "PrimaryResult",
                    "columns": [{"name": "Count", "type": "long"}],
                    "rows": [[selected.len()]]}]});
                return Reply::json(200, result.to_string());
            }
            let take: usize = query
                .rsplit("| take ")
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(usize::MAX);
            let rows: Vec<&Event> = selected.iter().take(take).collect();
            let mut columns: Vec<String> = Vec::new();
            for row in &rows {
                for name in row.record.as_object().unwrap().keys() {
                    if !columns.contains(name) {
                        columns.push(name.clone());
                    }
                }
            }
            let values: Vec<Vec<Value>> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| row.record.get(c).cloned().unwrap_or(Value::Null))
                        .collect()
                })
                .collect();
            let described: Vec<Value> = columns
                .iter()
                .map(|c| json!({"name": c, "type": "string"}))
                .collect();
            let result = json!({"tables": [{"name": "PrimaryResult", "columns": described, "rows": values}]});
            Reply::json(200, result.to_string())
        })
    }
}
