//! Credentials for the APIs: an Okta API token, a Splunk HEC token, a bearer token
//! handed to us, or a Microsoft Entra client credential exchanged for tokens as needed.
//! Pulls and deliveries (`hunt --out`) read them from the environment through
//! [`Env`], the same variable names for both.
//!
//! Values live in [`Secret`]s, whose `Debug` prints nothing of them, and every value
//! (including tokens the client credential obtains) is registered with the HTTP
//! client so error texts taken from responses are scrubbed of it.

use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::error::PullError;
use super::http::{HttpClient, Request, Response};

/// A credential value. Never printed: `Debug` shows `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Reads an environment variable: `std::env::var` in the binary, a map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process's environment, as an [`Env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A set, non-empty variable as a secret (surrounding blanks dropped: a token pasted
/// with its newline is still the token).
pub fn env_secret(env: Env<'_>, name: &str) -> Option<Secret> {
    env(name)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
        .map(Secret::new)
}

/// The default Microsoft Entra sign-in base URL (`TOKENHUNT_LOGIN_URL` overrides it).
pub const LOGIN_URL: &str = "https://login.microsoftonline.com";

/// A Microsoft API credential from the environment: a bearer token from
/// `token_variable`, else the client credential in `AZURE_CLIENT_ID` /
/// `AZURE_CLIENT_SECRET` for `tenant`, exchanged at `login_url` for tokens of `scope`.
pub fn microsoft_credential(
    env: Env<'_>,
    token_variable: &str,
    tenant: Option<&str>,
    login_url: &str,
    scope: &str,
) -> Result<Credential, PullError> {
    if let Some(token) = env_secret(env, token_variable) {
        return Ok(Credential::Bearer {
            token,
            from: token_variable.to_string(),
        });
    }
    let client_id = env("AZURE_CLIENT_ID").unwrap_or_default();
    let secret = env_secret(env, "AZURE_CLIENT_SECRET");
    let (false, Some(secret)) = (client_id.trim().is_empty(), secret) else {
        return Err(PullError::Config(format!(
            "no credential: set {token_variable} to a bearer token, or AZURE_CLIENT_ID and \
             AZURE_CLIENT_SECRET to an app registration's client credential"
        )));
    };
    let Some(tenant) = tenant else {
        return Err(PullError::Config(
            "AZURE_CLIENT_ID / AZURE_CLIENT_SECRET need the tenant: pass --tenant (or set \
             AZURE_TENANT_ID)"
                .into(),
        ));
    };
    let login = super::service_url(login_url, "--login-url")?;
    let credential = ClientCredential::new(&login, tenant, client_id.trim(), secret, scope)?;
    Ok(Credential::Client {
        credential: Box::new(credential),
        from: "AZURE_CLIENT_ID/AZURE_CLIENT_SECRET".into(),
    })
}

/// Tokens are refreshed this long before they expire, so none expires mid-request.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A Microsoft Entra application's client credential (client id and secret),
/// exchanged at the tenant's token endpoint for tokens of one scope.
#[derive(Debug)]
pub struct ClientCredential {
    token_url: Url,
    client_id: String,
    secret: Secret,
    scope: String,
    cached: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

impl ClientCredential {
    /// `login_base` is `https://login.microsoftonline.com` (or a test server);
    /// `scope` e.g. `https://graph.microsoft.com/.default`.
    pub fn new(
        login_base: &Url,
        tenant: &str,
        client_id: impl Into<String>,
        secret: Secret,
        scope: impl Into<String>,
    ) -> Result<Self, PullError> {
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
        if tenant.is_empty() || !tenant.chars().all(valid) {
            return Err(PullError::Config(format!(
                "tenant {tenant:?} is not a tenant id or domain name"
            )));
        }
        let token_url = login_base
            .join(&format!(
                "{}/{}/oauth2/v2.0/token",
                login_base.path().trim_end_matches('/'),
                tenant
            ))
            .map_err(|e| PullError::Config(format!("token endpoint for tenant {tenant}: {e}")))?;
        Ok(ClientCredential {
            token_url,
            client_id: client_id.into(),
            secret,
            scope: scope.into(),
            cached: tokio::sync::Mutex::new(None),
        })
    }

    async fn token(&self, http: &HttpClient, what: &str) -> Result<Secret, PullError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expires)) = cached.as_ref()
            && Instant::now() + REFRESH_MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let body = form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.secret.expose()),
            ("scope", &self.scope),
        ]);
        let request = Request::post_form(self.token_url.clone(), body);
        let response = http
            .send(&request, None)
            .await
            .map_err(|error| match error {
                // The token endpoint answers a bad client id or secret with 400 or 401.
                PullError::Http {
                    status: status @ (400 | 401),
                    url,
                    detail,
                    ..
                }
                | PullError::Unauthorized {
                    status,
                    url,
                    detail,
                    ..
                } => PullError::Unauthorized {
                    service: "Microsoft Entra token endpoint",
                    credential: what.to_string(),
                    url,
                    status,
                    detail,
                },
                other => other,
            })?;
        let issued: TokenResponse = parse_token(&response)?;
        let token = Secret::new(issued.access_token);
        http.add_secret(token.expose());
        let lifetime = token_lifetime(issued.expires_in.as_ref());
        *cached = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Forgets the cached token, so the next request gets a fresh one.
    async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds, as a number or (older endpoints) a string; anything is accepted here
    /// and judged by [`token_lifetime`].
    expires_in: Option<serde_json::Value>,
}

/// A token's lifetime when the endpoint does not say (or says nonsense).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest lifetime believed: a token is fetched again at least this often.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// `expires_in` as a lifetime: whole or fractional seconds, as a number or a
/// string; capped at [`MAX_TOKEN_LIFETIME`]; absent, negative, not finite or not a
/// number is the default hour.
fn token_lifetime(expires_in: Option<&serde_json::Value>) -> Duration {
    let seconds = match expires_in {
        Some(serde_json::Value::Number(number)) => number.as_f64(),
        Some(serde_json::Value::String(text)) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    match seconds {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::from_secs_f64(seconds.min(MAX_TOKEN_LIFETIME.as_secs_f64()))
        }
        _ => DEFAULT_TOKEN_LIFETIME,
    }
}

fn parse_token(response: &Response) -> Result<TokenResponse, PullError> {
    serde_json::from_slice(&response.body).map_err(|e| PullError::MalformedPage {
        service: "Microsoft Entra token endpoint",
        url: response.url.clone(),
        detail: format!("not a token response ({e})"),
    })
}

/// `application/x-www-form-urlencoded` text of some pairs.
fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out.into_bytes()
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so spaces become
/// `%20`, which OData filters and form bodies both accept).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How requests to one API are authorised.
#[derive(Debug)]
pub enum Credential {
    /// An Okta API token: `Authorization: SSWS <token>`.
    OktaToken { token: Secret, from: String },
    /// A Splunk HTTP Event Collector token: `Authorization: Splunk <token>`.
    Splunk { token: Secret, from: String },
    /// A bearer token obtained elsewhere (e.g. `az account get-access-token`).
    Bearer { token: Secret, from: String },
    /// A client credential, exchanged for bearer tokens (refreshed before expiry).
    Client {
        credential: Box<ClientCredential>,
        from: String,
    },
}

impl Credential {
    /// Where the credential came from, for messages (an environment variable name).
    pub fn from(&self) -> &str {
        match self {
            Credential::OktaToken { from, .. }
            | Credential::Splunk { from, .. }
            | Credential::Bearer { from, .. }
            | Credential::Client { from, .. } => from,
        }
    }

    /// Tells the client which values to scrub from anything it reports.
    pub fn register(&self, http: &HttpClient) {
        match self {
            Credential::OktaToken { token, .. }
            | Credential::Splunk { token, .. }
            | Credential::Bearer { token, .. } => {
                http.add_secret(token.expose());
            }
            Credential::Client { credential, .. } => http.add_secret(credential.secret.expose()),
        }
    }

    /// The `Authorization` header value.
    pub async fn header(&self, http: &HttpClient) -> Result<Secret, PullError> {
        Ok(match self {
            Credential::OktaToken { token, .. } => Secret::new(format!("SSWS {}", token.expose())),
            Credential::Splunk { token, .. } => Secret::new(format!("Splunk {}", token.expose())),
            Credential::Bearer { token, .. } => Secret::new(format!("Bearer {}", token.expose())),
            Credential::Client { credential, from } => {
                let token = credential.token(http, from).await?;
                Secret::new(format!("Bearer {}", token.expose()))
            }
        })
    }

    /// Sends an authorised request. A refused token obtained from a client credential
    /// is refreshed once (it may have been revoked or rotated); any other refusal
    /// names the credential's origin.
    pub async fn send(&self, http: &HttpClient, request: &Request) -> Result<Response, PullError> {
        let header = self.header(http).await?;
        let result = http.send(request, Some(&header)).await;
        if let (
            Err(PullError::Unauthorized { status: 401, .. }),
            Credential::Client { credential, .. },
        ) = (&result, self)
        {
            credential.forget().await;
            let header = self.header(http).await?;
            return http
                .send(request, Some(&header))
                .await
                .map_err(|e| self.name_origin(e));
        }
        result.map_err(|e| self.name_origin(e))
    }

    fn name_origin(&self, error: PullError) -> PullError {
        match error {
            PullError::Unauthorized {
                service,
                url,
                status,
                detail,
                ..
            } => PullError::Unauthorized {
                service,
                credential: self.from().to_string(),
                url,
                status,
                detail,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("hunter2-token");
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        let credential = Credential::Bearer {
            token: secret,
            from: "GRAPH_TOKEN".into(),
        };
        assert!(!format!("{credential:?}").contains("hunter2"));
    }

    #[test]
    fn form_bodies_are_percent_encoded() {
        assert_eq!(
            String::from_utf8(form(&[("a", "x y"), ("scope", "https://g/.default")])).unwrap(),
            "a=x%20y&scope=https%3A%2F%2Fg%2F.default"
        );
    }

    #[test]
    fn token_url_keeps_a_base_path() {
        let base = Url::parse("http://127.0.0.1:9/login/").unwrap();
        let credential =
            ClientCredential::new(&base, "t1", "id", Secret::new("s"), "scope").unwrap();
        assert_eq!(
            credential.token_url.as_str(),
            "http://127.0.0.1:9/login/t1/oauth2/v2.0/token"
        );
    }

    #[test]
    fn token_lifetimes_are_capped_and_nonsense_is_the_default() {
        use serde_json::json;
        let hour = Duration::from_secs(3600);
        assert_eq!(
            token_lifetime(Some(&json!(3599))),
            Duration::from_secs(3599)
        );
        assert_eq!(
            token_lifetime(Some(&json!("3599"))),
            Duration::from_secs(3599)
        );
        assert_eq!(token_lifetime(Some(&json!(u64::MAX))), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(&json!(1e300))), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(&json!("1e400"))), hour);
        assert_eq!(token_lifetime(Some(&json!(-5))), hour);
        assert_eq!(token_lifetime(Some(&json!("soon"))), hour);
        assert_eq!(token_lifetime(None), hour);
    }

    #[test]
    fn a_token_that_claims_to_live_forever_does_not_panic() {
        use crate::pull::http::{HttpClient, RetryPolicy, canned};
        use std::sync::Arc;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let make: canned::Make = Arc::new(|_| {
                (
                    200,
                    Vec::new(),
                    r#"{"access_token":"tok-123456","expires_in":18446744073709551615}"#.into(),
                )
            });
            let (base, count) = canned::serve(make).await;
            let credential =
                ClientCredential::new(&base, "contoso", "app", Secret::new("pw-123456"), "s")
                    .unwrap();
            let http =
                HttpClient::new("test", RetryPolicy::default(), Arc::default(), None).unwrap();
            let token = credential.token(&http, "AZURE_CLIENT_ID").await.unwrap();
            assert_eq!(token.expose(), "tok-123456");
            // Cached (for at most a day), not fetched again.
            credential.token(&http, "AZURE_CLIENT_ID").await.unwrap();
            assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
        });
    }
}
