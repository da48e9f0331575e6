//! Delivering findings to where a SOC reads them: a webhook, Splunk's HTTP Event
//! Collector, or the Azure Monitor Logs ingestion API (a data collection rule).
//!
//! ```text
//!  findings (after --min-score, suppressions, --new) ──▶ records (the findings contract as JSON)
//!      ──▶ encoded per destination (body) ──▶ batches under the request cap
//!      ──▶ one POST at a time through the pull's HTTP client (retries, no redirects, caps)
//! ```
//!
//! Requests go out one after another; a batch that keeps failing stops the delivery
//! and the error names the destination and how many records were accepted before.
//! `hunt --new` records an alert as reported only when the whole delivery succeeded,
//! so delivery is at least once: a failed run's records are sent again by the next.
//! Credentials come from the environment ([`Env`]), are registered with the client's
//! scrubber, and never appear in a message.

pub mod body;
pub mod destination;
pub mod error;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

pub use self::destination::Destination;
pub use self::error::DeliveryError;
use crate::hunt::Finding;
use crate::hunt::state::Reported;
use crate::pull::credentials::LOGIN_URL;
use crate::pull::http::Request;
use crate::pull::{
    Credential, Env, HttpClient, Notes, PullProgress, RetryPolicy, env_secret, microsoft_credential,
};
use crate::timerange::{now_micros, rfc3339};

/// The largest request body sent: the Logs ingestion API takes at most 1 MB a call,
/// and Splunk Cloud's HEC the same by default; webhooks get the same bound.
pub const MAX_BATCH_BYTES: usize = 1_000_000;

/// The token scope of the Logs ingestion API.
pub const MONITOR_SCOPE: &str = "https://monitor.azure.com/.default";

/// Environment variables the destinations read their credentials from.
pub const WEBHOOK_TOKEN_VARIABLE: &str = "TOKENHUNT_WEBHOOK_TOKEN";
pub const HEC_TOKEN_VARIABLE: &str = "SPLUNK_HEC_TOKEN";
pub const MONITOR_TOKEN_VARIABLE: &str = "AZURE_MONITOR_TOKEN";

/// How to deliver.
#[derive(Clone)]
pub struct DeliveryOptions {
    /// Attempts, backoff and timeouts of each request.
    pub retry: RetryPolicy,
    /// The largest request body ([`MAX_BATCH_BYTES`]).
    pub max_batch_bytes: usize,
    /// Receives one line per retry (scrubbed of credentials).
    pub notes: Option<Notes>,
}

impl Default for DeliveryOptions {
    /// A few attempts with short waits: a delivery runs while `hunt --new` holds the
    /// lake's lease, and a destination down for minutes is better retried by the
    /// next scheduled run, which sends the same records again.
    fn default() -> Self {
        DeliveryOptions {
            retry: RetryPolicy {
                max_attempts: 5,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(30),
                max_wait: Duration::from_secs(120),
                timeout: Duration::from_secs(60),
                // Answers are acknowledgements; anything long is not one.
                max_body_bytes: 1 << 20,
            },
            max_batch_bytes: MAX_BATCH_BYTES,
            notes: None,
        }
    }
}

/// What a delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Records accepted (all of them, when this is returned).
    pub records: usize,
    /// Requests carrying records.
    pub batches: usize,
    /// HTTP requests sent, retries and token requests included.
    pub requests: u64,
    /// Requests sent again after a transient failure.
    pub retries: u64,
}

/// A destination ready to send to: parsed, its credential read, its client built.
pub struct Delivery {
    destination: Destination,
    credential: Option<Credential>,
    http: HttpClient,
    progress: Arc<PullProgress>,
    max_batch_bytes: usize,
}

impl Delivery {
    /// Prepares delivery to `destination`, reading its credential from `env`: fails
    /// here, before any hunt runs, when one is missing.
    pub fn new(
        destination: Destination,
        env: Env<'_>,
        options: DeliveryOptions,
    ) -> Result<Delivery, DeliveryError> {
        let credential = credential(&destination, env)?;
        let progress = Arc::new(PullProgress::default());
        let http = HttpClient::new(
            destination.service(),
            options.retry,
            progress.clone(),
            options.notes,
        )?;
        for secret in destination.url_secrets() {
            http.add_secret(&secret);
        }
        if let Some(credential) = &credential {
            credential.register(&http);
        }
        Ok(Delivery {
            destination,
            credential,
            http,
            progress,
            max_batch_bytes: options.max_batch_bytes.max(1),
        })
    }

    /// The destination, for messages (no credential in it).
    pub fn label(&self) -> String {
        self.destination.label()
    }

    /// Sends `records` (findings as JSON objects) in as few requests as the cap
    /// allows, in order, one at a time. Nothing is sent when there are none, or when
    /// one of them cannot fit in a request.
    pub async fn send(&self, records: &[Value]) -> Result<Delivered, DeliveryError> {
        let now = rfc3339(now_micros());
        let encoded: Vec<Vec<u8>> = records
            .iter()
            .map(|record| body::encode(&self.destination, record, &now))
            .collect();
        let batches = body::batches(&self.destination, encoded, self.max_batch_bytes).map_err(
            |oversized| DeliveryError::RecordTooLarge {
                destination: self.label(),
                finding: records[oversized.index]["finding_id"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
                bytes: oversized.bytes,
                limit: self.max_batch_bytes,
            },
        )?;
        let mut delivered = Delivered::default();
        for batch in batches {
            let request = Request {
                method: reqwest::Method::POST,
                url: self.destination.url().clone(),
                content_type: Some(body::content_type(&self.destination)),
                body: batch.body,
            };
            let sent = match &self.credential {
                Some(credential) => credential.send(&self.http, &request).await,
                None => self.http.send(&request, None).await,
            };
            if let Err(cause) = sent {
                return Err(DeliveryError::Failed {
                    destination: self.label(),
                    accepted: delivered.records,
                    total: records.len(),
                    cause: Box::new(cause),
                });
            }
            delivered.records += batch.records;
            delivered.batches += 1;
        }
        delivered.requests = self.progress.requests.load(Ordering::Relaxed);
        delivered.retries = self.progress.retries.load(Ordering::Relaxed);
        Ok(delivered)
    }
}

/// The destination's credential from the environment: an optional bearer token for
/// a webhook, the HEC token for Splunk, a bearer token or the Entra client
/// credential (the variables `pull entra` reads) for Azure Monitor.
fn credential(
    destination: &Destination,
    env: Env<'_>,
) -> Result<Option<Credential>, DeliveryError> {
    Ok(match destination {
        Destination::Webhook { .. } => {
            env_secret(env, WEBHOOK_TOKEN_VARIABLE).map(|token| Credential::Bearer {
                token,
                from: WEBHOOK_TOKEN_VARIABLE.into(),
            })
        }
        Destination::SplunkHec { .. } => {
            let token = env_secret(env, HEC_TOKEN_VARIABLE).ok_or_else(|| {
                DeliveryError::Config(format!(
                    "set {HEC_TOKEN_VARIABLE} to the HTTP Event Collector token \
                     (Splunk › Settings › Data inputs › HTTP Event Collector)"
                ))
            })?;
            Some(Credential::Splunk {
                token,
                from: HEC_TOKEN_VARIABLE.into(),
            })
        }
        Destination::AzureMonitor { .. } => {
            let tenant = env("AZURE_TENANT_ID").filter(|tenant| !tenant.trim().is_empty());
            let login = env("TOKENHUNT_LOGIN_URL").unwrap_or_else(|| LOGIN_URL.to_string());
            let credential = microsoft_credential(
                env,
                MONITOR_TOKEN_VARIABLE,
                tenant.as_deref().map(str::trim),
                &login,
                MONITOR_SCOPE,
            )
            .map_err(|error| {
                DeliveryError::Config(format!(
                    "{} (Azure Monitor needs an app registration with the Monitoring Metrics \
                     Publisher role on the data collection rule; the tenant from AZURE_TENANT_ID)",
                    error
                ))
            })?;
            Some(credential)
        }
    })
}

/// Findings as delivered records: the findings contract, one JSON object each.
pub fn finding_records(findings: &[Finding]) -> Vec<Value> {
    findings
        .iter()
        .map(|finding| serde_json::to_value(finding).unwrap_or(Value::Null))
        .collect()
}

/// What `hunt --new` reports as records: each finding with `"change"`: `new` or
/// `updated`.
pub fn reported_records(reported: &[Reported]) -> Vec<Value> {
    reported
        .iter()
        .map(|reported| {
            let mut value = serde_json::to_value(&reported.finding).unwrap_or(Value::Null);
            if let Some(object) = value.as_object_mut() {
                object.insert("change".into(), reported.change.name().into());
            }
            value
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::http::canned;
    use std::collections::HashMap;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn quick() -> DeliveryOptions {
        let mut options = DeliveryOptions::default();
        options.retry.base_delay = Duration::from_millis(10);
        options.retry.max_attempts = 3;
        options
    }

    fn records(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| serde_json::json!({"finding_id": format!("f{i}"), "last_seen": "2026-04-14T10:00:00Z", "reason": "x".repeat(200)}))
            .collect()
    }

    #[test]
    fn missing_credentials_fail_before_anything_is_sent() {
        let hec = Destination::parse("hec+https://s:8088").unwrap().unwrap();
        let error = Delivery::new(hec, &env(&[]), quick()).err().unwrap();
        assert!(error.to_string().contains("SPLUNK_HEC_TOKEN"), "{error}");
        assert!(!error.is_delivery_failure());
        let dcr = Destination::parse("dcr+https://h/dcr-1/Custom-X")
            .unwrap()
            .unwrap();
        let error = Delivery::new(dcr.clone(), &env(&[]), quick())
            .err()
            .unwrap();
        assert!(error.to_string().contains("AZURE_CLIENT_ID"), "{error}");
        let error = Delivery::new(
            dcr,
            &env(&[
                ("AZURE_CLIENT_ID", "app"),
                ("AZURE_CLIENT_SECRET", "pw-123456"),
            ]),
            quick(),
        )
        .err()
        .unwrap();
        assert!(error.to_string().contains("AZURE_TENANT_ID"), "{error}");
    }

    #[test]
    fn large_deliveries_are_split_and_a_failing_batch_names_what_was_accepted() {
        runtime().block_on(async {
            // The third request is refused for good (400).
            let make: canned::Make = Arc::new(|n| {
                if n == 2 {
                    (
                        400,
                        vec![],
                        r#"{"text":"Invalid data format","code":6}"#.into(),
                    )
                } else {
                    (200, vec![], r#"{"text":"Success","code":0}"#.into())
                }
            });
            let (base, count) = canned::serve(make).await;
            let out = format!("hec+{}", base.as_str().trim_end_matches('/'));
            let destination = Destination::parse(&out).unwrap().unwrap();
            let options = DeliveryOptions {
                max_batch_bytes: 2_000,
                ..quick()
            };
            let delivery = Delivery::new(
                destination,
                &env(&[("SPLUNK_HEC_TOKEN", "hec-token-5f2e9a")]),
                options,
            )
            .unwrap();
            let first = delivery.send(&records(6)).await.unwrap();
            assert_eq!(first.records, 6);
            assert!(first.batches >= 2, "{first:?}");
            count.store(0, std::sync::atomic::Ordering::SeqCst);
            let error = delivery.send(&records(30)).await.unwrap_err();
            let text = error.to_string();
            assert!(error.is_delivery_failure());
            assert!(
                text.contains("Splunk HEC http://127.0.0.1")
                    && text.contains("of 30 record(s) accepted")
                    && text.contains("Invalid data format")
                    && !text.contains("hec-token-5f2e9a"),
                "{text}"
            );
        });
    }
}
