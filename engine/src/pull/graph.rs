//! Microsoft Graph audit logs: `auditLogs/signIns` (beta) and
//! `auditLogs/directoryAudits`.
//!
//! The beta `signIns` endpoint returns interactive sign-ins unless filtered on
//! `signInEventTypes`, so each window queries every event type separately —
//! interactive, non-interactive, service principal, managed identity — plus the
//! directory audits; each is one stream of the window's ingest run. Pages are
//! `{"value":[...], "@odata.nextLink": "..."}`, followed until a page has no next
//! link. Throttling (429, 503) comes with `Retry-After`, handled by the client.

use serde::Deserialize;
use serde::de::IgnoredAny;
use url::Url;

use super::credentials::{Credential, percent_encode};
use super::error::PullError;
use super::http::{HttpClient, Pages, Request};
use super::range::Window;
use super::retention::Retention;
use super::{PageSink, PullSource, endpoint};
use crate::input::InputFormat;
use crate::timerange::rfc3339;

const SERVICE: &str = "Microsoft Graph";

/// The largest `$top` both endpoints accept.
pub const MAX_PAGE_SIZE: u32 = 999;

/// How far before the checkpoint a pull starts again by default. Graph filters on
/// the event's own time, and Entra publishes sign-ins late — often minutes, at
/// times hours after they happen — so a run looks two hours back; what it fetches
/// again comes back as duplicates.
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

/// The scope a client credential asks tokens for.
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Entra keeps sign-ins and directory audits 30 days with Entra ID P1 or P2, 7
/// without (Microsoft Entra data retention); Graph serves nothing older.
pub const RETENTION: Retention = Retention {
    days: 30,
    what: "Microsoft Entra keeps sign-ins and directory audits",
    caveat: " (7 without Entra ID P1/P2)",
};

/// `signInEventTypes` values, one query each.
const SIGN_IN_EVENT_TYPES: [&str; 4] = [
    "interactiveUser",
    "nonInteractiveUser",
    "servicePrincipal",
    "managedIdentity",
];

/// One endpoint of a window: its path and `$filter`.
struct Query {
    path: &'static str,
    label: String,
    filter: String,
}

/// A tenant's sign-in and directory-audit logs through Microsoft Graph.
#[derive(Debug)]
pub struct Graph {
    tenant: String,
    /// `https://graph.microsoft.com`, unless overridden (tests).
    base: Url,
    page_size: u32,
    credential: Credential,
}

/// One page of a Graph collection; the items stay unparsed (the ingest run reads them
/// from the page's own bytes).
#[derive(Deserialize)]
struct Page {
    #[serde(rename = "@odata.nextLink")]
    next: Option<String>,
    value: Vec<IgnoredAny>,
}

impl Graph {
    /// `tenant` (id or domain) names the checkpoint; requests go to `base`, in pages
    /// of `page_size` items (at most 999).
    pub fn new(
        tenant: impl Into<String>,
        base: Url,
        page_size: u32,
        credential: Credential,
    ) -> Self {
        Graph {
            tenant: tenant.into(),
            base,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            credential,
        }
    }

    fn queries(&self, window: &Window) -> Vec<Query> {
        let (start, end) = (rfc3339(window.start), rfc3339(window.end));
        let mut queries: Vec<Query> = SIGN_IN_EVENT_TYPES
            .iter()
            .map(|event_type| Query {
                path: "/beta/auditLogs/signIns",
                label: format!("signIns ({event_type})"),
                filter: format!(
                    "createdDateTime ge {start} and createdDateTime lt {end} and signInEventTypes/any(t: t eq '{event_type}')"
                ),
            })
            .collect();
        queries.push(Query {
            path: "/v1.0/auditLogs/directoryAudits",
            label: "directoryAudits".into(),
            filter: format!("activityDateTime ge {start} and activityDateTime lt {end}"),
        });
        queries
    }

    fn first_page(&self, query: &Query) -> Result<Url, PullError> {
        let text = format!(
            "{}?$filter={}&$top={}",
            endpoint(&self.base, query.path),
            percent_encode(&query.filter),
            self.page_size
        );
        Url::parse(&text).map_err(|e| PullError::Config(format!("{text}: {e}")))
    }

    async fn fetch_query(
        &self,
        http: &HttpClient,
        stream: usize,
        query: &Query,
        sink: &mut PageSink<'_>,
    ) -> Result<(), PullError> {
        let mut url = self.first_page(query)?;
        let mut pages = Pages::new(SERVICE, &url);
        let mut page_number = 0u64;
        loop {
            page_number += 1;
            let response = self
                .credential
                .send(http, &Request::get(url.clone()))
                .await?;
            let page: Page =
                serde_json::from_slice(&response.body).map_err(|e| PullError::MalformedPage {
                    service: SERVICE,
                    url: response.url.clone(),
                    detail: format!(
                        "page {page_number} of {} is not a Graph collection page ({e})",
                        query.label
                    ),
                })?;
            // Graph returns the newest first: a page's earliest record is not the
            // window's, so it is not told (a busy probe is halved instead).
            sink.page(
                stream,
                response.body.to_vec(),
                page.value.len() as u64,
                None,
            )
            .await?;
            let Some(next) = page.next else {
                return Ok(());
            };
            let next = Url::parse(&next).map_err(|e| PullError::MalformedPage {
                service: SERVICE,
                url: response.url.clone(),
                detail: format!("@odata.nextLink is not a URL ({e})"),
            })?;
            match pages.follow(http, &self.base, &url, next)? {
                Some(next) => url = next,
                None => return Ok(()),
            }
        }
    }
}

impl PullSource for Graph {
    fn kind(&self) -> &'static str {
        "entra"
    }

    fn service(&self) -> &'static str {
        SERVICE
    }

    fn scope(&self) -> String {
        self.tenant.clone()
    }

    fn name(&self) -> String {
        format!("entra-{}", self.tenant)
    }

    fn format(&self) -> InputFormat {
        InputFormat::EntraGraph
    }

    fn default_overlap(&self) -> std::time::Duration {
        DEFAULT_OVERLAP
    }

    fn retention(&self) -> Option<Retention> {
        Some(RETENTION)
    }

    fn credential(&self) -> &Credential {
        &self.credential
    }

    fn streams(&self, window: &Window) -> Vec<String> {
        self.queries(window)
            .iter()
            .map(|query| {
                format!(
                    "GET {} {} [{} .. {})",
                    endpoint(&self.base, query.path),
                    query.label,
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
        for (stream, query) in self.queries(window).iter().enumerate() {
            self.fetch_query(http, stream, query, sink).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::Secret;

    #[test]
    fn one_query_per_event_type_and_the_audits() {
        let graph = Graph::new(
            "contoso.onmicrosoft.com",
            Url::parse("https://graph.microsoft.com").unwrap(),
            1000,
            Credential::Bearer {
                token: Secret::new("t"),
                from: "GRAPH_TOKEN".into(),
            },
        );
        let window = Window {
            start: 1_780_272_000_000_000,
            end: 1_780_358_400_000_000,
        };
        let queries = graph.queries(&window);
        assert_eq!(queries.len(), 5);
        assert_eq!(
            graph.first_page(&queries[1]).unwrap().as_str(),
            "https://graph.microsoft.com/beta/auditLogs/signIns?$filter=createdDateTime%20ge%202026-06-01T00%3A00%3A00Z%20and%20createdDateTime%20lt%202026-06-02T00%3A00%3A00Z%20and%20signInEventTypes%2Fany%28t%3A%20t%20eq%20%27nonInteractiveUser%27%29&$top=999"
        );
        assert_eq!(
            queries[4].filter,
            "activityDateTime ge 2026-06-01T00:00:00Z and activityDateTime lt 2026-06-02T00:00:00Z"
        );
        assert_eq!(graph.streams(&window).len(), 5);
        assert_eq!(graph.name(), "entra-contoso.onmicrosoft.com");
    }
}
