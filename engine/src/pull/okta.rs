//! Okta System Log API: `GET /api/v1/logs`.
//!
//! Each window is one bounded query (`since`, `until`, `sortOrder=ASCENDING`,
//! `limit` events a page), authorised with `Authorization: SSWS <API token>`. A page
//! is a JSON array of LogEvents; the next page is the `Link: <…>; rel="next"` header.
//! A bounded query ends when a page has no next link; Okta also returns next links
//! on polling queries forever, so an empty page ends the window too. Rate limits:
//! `X-Rate-Limit-Remaining` / `X-Rate-Limit-Reset` and 429s, handled by the client.

use serde::Deserialize;
use url::Url;

use super::credentials::{Credential, percent_encode};
use super::error::PullError;
use super::http::{HttpClient, Pages, Request, next_link};
use super::range::Window;
use super::retention::Retention;
use super::{PageSink, PullSource, endpoint};
use crate::input::InputFormat;
use crate::parse::time::parse_timestamp_micros;

const SERVICE: &str = "Okta";

/// The largest page the System Log API serves.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Okta removes System Log events after 90 days (its Customer Data Retention
/// Policy), and the API serves nothing older.
pub const RETENTION: Retention = Retention {
    days: 90,
    what: "Okta keeps System Log events",
    caveat: "",
};

/// One LogEvent as far as paging needs it: its time. Every other member is skipped
/// unparsed (the ingest run reads the page's own bytes).
#[derive(Deserialize)]
struct Published {
    published: Option<String>,
}

/// An Okta org's System Log.
#[derive(Debug)]
pub struct Okta {
    /// The org as the user named it (`https://acme.okta.com`): the checkpoint's scope.
    org: Url,
    /// Where requests go: the org, unless overridden (tests).
    base: Url,
    page_size: u32,
    credential: Credential,
}

impl Okta {
    /// `org` and `base` as from [`super::service_url`]; pages of `page_size` events
    /// (at most 1000).
    pub fn new(org: Url, base: Option<Url>, page_size: u32, credential: Credential) -> Self {
        Okta {
            base: base.unwrap_or_else(|| org.clone()),
            org,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            credential,
        }
    }

    fn logs_url(&self) -> String {
        endpoint(&self.base, "/api/v1/logs")
    }

    fn first_page(&self, window: &Window) -> Result<Url, PullError> {
        let text = format!(
            "{}?since={}&until={}&limit={}&sortOrder=ASCENDING",
            self.logs_url(),
            percent_encode(&iso_millis(window.start)),
            percent_encode(&iso_millis(window.end)),
            self.page_size
        );
        Url::parse(&text).map_err(|e| PullError::Config(format!("{text}: {e}")))
    }
}

/// `2026-06-01T00:00:00.000Z`, the form Okta's documentation uses.
fn iso_millis(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
    chrono::DateTime::from_timestamp(seconds, nanos)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// How far before the checkpoint a pull starts again by default: the System Log
/// filters on `published`, and events can reach it a little after that time.
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl PullSource for Okta {
    fn kind(&self) -> &'static str {
        "okta"
    }

    fn service(&self) -> &'static str {
        SERVICE
    }

    fn scope(&self) -> String {
        self.org.as_str().trim_end_matches('/').to_string()
    }

    fn name(&self) -> String {
        let host = self.org.host_str().unwrap_or("org");
        match self.org.port() {
            Some(port) => format!("okta-{host}-{port}"),
            None => format!("okta-{host}"),
        }
    }

    fn format(&self) -> InputFormat {
        InputFormat::Okta
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
        vec![format!(
            "GET {} [{} .. {})",
            self.logs_url(),
            iso_millis(window.start),
            iso_millis(window.end)
        )]
    }

    async fn fetch(
        &self,
        http: &HttpClient,
        window: &Window,
        sink: &mut PageSink<'_>,
    ) -> Result<(), PullError> {
        let mut url = self.first_page(window)?;
        let mut pages = Pages::new(SERVICE, &url);
        let mut page = 0u64;
        loop {
            page += 1;
            let response = self
                .credential
                .send(http, &Request::get(url.clone()))
                .await?;
            let events: Vec<Published> =
                serde_json::from_slice(&response.body).map_err(|e| PullError::MalformedPage {
                    service: SERVICE,
                    url: response.url.clone(),
                    detail: format!(
                        "page {page} of the window is not a JSON array of LogEvents ({e})"
                    ),
                })?;
            let count = events.len() as u64;
            // The page is sorted ascending, but the minimum costs nothing more and
            // does not depend on it. An unreadable time is left to the ingest run.
            let earliest = events
                .iter()
                .filter_map(|event| event.published.as_deref())
                .filter_map(|text| parse_timestamp_micros(text).ok())
                .min();
            let next = next_link(&response.headers);
            sink.page(0, response.body.to_vec(), count, earliest)
                .await?;
            let Some(next) = next else { return Ok(()) };
            if count == 0 {
                return Ok(());
            }
            let next = url.join(&next).map_err(|e| PullError::MalformedPage {
                service: SERVICE,
                url: response.url.clone(),
                detail: format!("next link {next:?} is not a URL ({e})"),
            })?;
            match pages.follow(http, &self.base, &url, next)? {
                Some(next) => url = next,
                None => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::Secret;

    #[test]
    fn first_page_query() {
        let org = Url::parse("https://acme.okta.com").unwrap();
        let okta = Okta::new(
            org,
            None,
            5000,
            Credential::OktaToken {
                token: Secret::new("t"),
                from: "OKTA_API_TOKEN".into(),
            },
        );
        let window = Window {
            start: 1_780_272_000_000_000,
            end: 1_780_358_400_000_000,
        };
        assert_eq!(
            okta.first_page(&window).unwrap().as_str(),
            "https://acme.okta.com/api/v1/logs?since=2026-06-01T00%3A00%3A00.000Z&until=2026-06-02T00%3A00%3A00.000Z&limit=1000&sortOrder=ASCENDING"
        );
        assert_eq!(okta.name(), "okta-acme.okta.com");
        assert_eq!(okta.scope(), "https://acme.okta.com");
    }
}
