//! Performing a plan's calls. Every call runs even when an earlier one failed; each
//! outcome says what happened. API tokens go into `Authorization` headers marked
//! sensitive and nowhere else: outcomes, errors and response excerpts are scrubbed of
//! them before anyone sees them.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Serialize;

use super::endpoints::Endpoints;
use super::error::RespondError;
use super::plan::{Plan, Service, action_url};

/// The API tokens, read from the environment by the caller.
#[derive(Clone, Default)]
pub struct Tokens {
    pub graph: Option<String>,
    pub okta: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("graph", &self.graph.as_ref().map(|_| "[set]"))
            .field("okta", &self.okta.as_ref().map(|_| "[set]"))
            .finish()
    }
}

impl Tokens {
    fn for_service(&self, service: Service) -> Option<&str> {
        match service {
            Service::Graph => self.graph.as_deref(),
            Service::Okta => self.okta.as_deref(),
        }
        .filter(|t| !t.is_empty())
    }

    /// `text` with every token value replaced.
    pub fn scrub(&self, text: &str) -> String {
        let mut clean = text.to_string();
        for token in [&self.graph, &self.okta].into_iter().flatten() {
            if !token.is_empty() {
                clean = clean.replace(token.as_str(), "[REDACTED]");
            }
        }
        clean
    }
}

/// What one call did.
#[derive(Debug, Clone, Serialize)]
pub struct CallOutcome {
    pub id: String,
    pub method: String,
    pub url: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    pub ok: bool,
    pub message: String,
}

/// At most this much of an error response is shown.
const EXCERPT: usize = 300;

/// Performs every action of the plan, in order.
pub async fn execute(
    plan: &Plan,
    endpoints: &Endpoints,
    tokens: &Tokens,
) -> Result<Vec<CallOutcome>, RespondError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        // A redirect could carry the Authorization header elsewhere: never follow one.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tokenhunt/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RespondError::Client(e.to_string()))?;
    let mut outcomes = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let mut outcome = CallOutcome {
            id: action.id.clone(),
            method: action.method.clone(),
            url: action.url.clone(),
            status: None,
            ok: false,
            message: String::new(),
        };
        let Some(url) = action_url(action, endpoints) else {
            outcome.message = "no Okta org: pass --okta-org <https://your-org.okta.com>".into();
            outcomes.push(outcome);
            continue;
        };
        let Some(token) = tokens.for_service(action.service) else {
            outcome.message = format!(
                "{} is not set in the environment",
                action.service.token_variable()
            );
            outcomes.push(outcome);
            continue;
        };
        let mut authorization = match HeaderValue::from_str(&action.service.authorization(token)) {
            Ok(value) => value,
            Err(_) => {
                outcome.message = format!(
                    "{} holds characters not allowed in an HTTP header",
                    action.service.token_variable()
                );
                outcomes.push(outcome);
                continue;
            }
        };
        authorization.set_sensitive(true);
        let method = match reqwest::Method::from_bytes(action.method.as_bytes()) {
            Ok(method) => method,
            Err(_) => {
                outcome.message = format!("unknown HTTP method {}", action.method);
                outcomes.push(outcome);
                continue;
            }
        };
        let mut request = client
            .request(method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json");
        if method == reqwest::Method::POST {
            request = request.body("");
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                outcome.status = Some(status.as_u16());
                outcome.ok = status.is_success();
                let body = response.text().await.unwrap_or_default();
                outcome.message = if outcome.ok {
                    format!("HTTP {}", status.as_u16())
                } else {
                    let excerpt: String = body.trim().chars().take(EXCERPT).collect();
                    if excerpt.is_empty() {
                        format!("HTTP {}", status.as_u16())
                    } else {
                        format!("HTTP {}: {excerpt}", status.as_u16())
                    }
                };
            }
            Err(error) => {
                // Without the source chain's URL repeated; the outcome has the URL.
                let kind = if error.is_timeout() {
                    "timed out".to_string()
                } else if error.is_connect() {
                    "cannot connect".to_string()
                } else {
                    error.without_url().to_string()
                };
                outcome.message = format!("request failed: {kind}");
            }
        }
        outcome.message = tokens.scrub(&outcome.message);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
