//! Performing a plan's calls, on the client `pull` uses: transient failures (a
//! connection dropped, HTTP 408/500/502/503/504) and rate limits (429, `Retry-After`)
//! are retried with backoff, a redirect is never followed (it could carry the
//! `Authorization` header elsewhere), and every message is scrubbed of the tokens by
//! that client. Every call runs even when an earlier one failed; each outcome says what
//! happened. API tokens go into `Authorization` headers marked sensitive and nowhere
//! else.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::endpoints::Endpoints;
use super::error::RespondError;
use super::plan::{Plan, Service, action_url};
use crate::pull::{HttpClient, PullError, RetryPolicy, Secret, http::Request};

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

/// How hard a revocation tries: a responder waits seconds, not the minutes a pull may.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(8),
        max_wait: Duration::from_secs(60),
        timeout: Duration::from_secs(30),
        max_body_bytes: 1 << 20,
    }
}

/// Performs every action of the plan, in order, each retried per `policy`.
pub async fn execute(
    plan: &Plan,
    endpoints: &Endpoints,
    tokens: &Tokens,
    policy: RetryPolicy,
) -> Result<Vec<CallOutcome>, RespondError> {
    let client = |service: Service| {
        let name = match service {
            Service::Graph => "Microsoft Graph",
            Service::Okta => "Okta",
        };
        let client = HttpClient::new(name, policy.clone(), Arc::default(), None)
            .map_err(|e| RespondError::Client(e.to_string()))?;
        if let Some(token) = tokens.for_service(service) {
            client.add_secret(token);
        }
        Ok::<_, RespondError>(client)
    };
    let graph = client(Service::Graph)?;
    let okta = client(Service::Okta)?;
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
        let Ok(method) = reqwest::Method::from_bytes(action.method.as_bytes()) else {
            outcome.message = format!("unknown HTTP method {}", action.method);
            outcomes.push(outcome);
            continue;
        };
        let http = match action.service {
            Service::Graph => &graph,
            Service::Okta => &okta,
        };
        let authorization = Secret::new(action.service.authorization(token));
        match http
            .send(&Request::bodiless(method, url), Some(&authorization))
            .await
        {
            Ok(response) => {
                outcome.status = Some(response.status);
                outcome.ok = true;
                outcome.message = format!("HTTP {}", response.status);
            }
            Err(error) => {
                outcome.status = match &error {
                    PullError::Http { status, .. } | PullError::Unauthorized { status, .. } => {
                        Some(*status)
                    }
                    _ => None,
                };
                outcome.message = http.scrub(&error.to_string());
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
