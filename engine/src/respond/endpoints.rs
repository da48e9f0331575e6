//! Where revocation calls go: Microsoft Graph and the tenant's Okta org, or — for
//! tests only — a server on the loopback interface.
//!
//! API tokens must never travel anywhere else, so an override of either base URL is
//! accepted only when it points at 127.0.0.0/8, ::1 or `localhost`.

use std::net::IpAddr;

use url::Url;

use super::error::RespondError;

/// Microsoft Graph.
pub const GRAPH_URL: &str = "https://graph.microsoft.com";

/// The base URLs of the two services.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub graph: Url,
    /// `None` when no Okta org was given (the plan then prints `$OKTA_ORG_URL`).
    pub okta: Option<Url>,
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn parse(flag: &str, text: &str) -> Result<Url, RespondError> {
    let url = Url::parse(text.trim()).map_err(|e| RespondError::Endpoint {
        flag: flag.to_string(),
        message: format!("{text:?} is not a URL: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(RespondError::Endpoint {
            flag: flag.to_string(),
            message: format!("{text:?} is not an http(s) URL"),
        });
    }
    Ok(url)
}

/// A test override: loopback only.
fn loopback(flag: &str, text: &str) -> Result<Url, RespondError> {
    let url = parse(flag, text)?;
    if !is_loopback(&url) {
        return Err(RespondError::Endpoint {
            flag: flag.to_string(),
            message: "only a loopback address (127.0.0.1, ::1, localhost) is accepted: it exists so tests can run a local server".into(),
        });
    }
    Ok(url)
}

/// The Okta org: `https://acme.okta.com`, or just `acme` for `https://acme.okta.com`.
/// Always HTTPS: the API token goes with every call.
fn okta_org(text: &str) -> Result<Url, RespondError> {
    let trimmed = text.trim().trim_end_matches('/');
    let full = if trimmed.contains("://") {
        trimmed.to_string()
    } else if trimmed.contains('.') {
        format!("https://{trimmed}")
    } else {
        format!("https://{trimmed}.okta.com")
    };
    let url = parse("--okta-org", &full)?;
    if url.scheme() != "https" {
        return Err(RespondError::Endpoint {
            flag: "--okta-org".into(),
            message: "the Okta org must be an https:// URL".into(),
        });
    }
    Ok(url)
}

impl Endpoints {
    /// From the command line: the real services unless overridden for a test.
    pub fn new(
        graph_override: Option<&str>,
        okta_org_name: Option<&str>,
        okta_override: Option<&str>,
    ) -> Result<Endpoints, RespondError> {
        let graph = match graph_override {
            Some(text) => loopback("--graph-url", text)?,
            None => Url::parse(GRAPH_URL).expect("static URL"),
        };
        let okta = match (okta_override, okta_org_name) {
            (Some(text), _) => Some(loopback("--okta-url", text)?),
            (None, Some(org)) => Some(okta_org(org)?),
            (None, None) => None,
        };
        Ok(Endpoints { graph, okta })
    }
}

/// `base` with path segments appended (each percent-encoded) and an optional query.
pub fn join(base: &Url, segments: &[&str], query: Option<&str>) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        for segment in segments {
            path.push(segment);
        }
    }
    url.set_query(query);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_loopback_only() {
        assert!(Endpoints::new(Some("http://127.0.0.1:8080"), None, None).is_ok());
        assert!(Endpoints::new(Some("http://[::1]:9"), None, None).is_ok());
        assert!(Endpoints::new(Some("http://localhost:9"), None, None).is_ok());
        assert!(Endpoints::new(Some("https://evil.example"), None, None).is_err());
        assert!(Endpoints::new(None, None, Some("http://10.0.0.1")).is_err());
        let org = Endpoints::new(None, Some("acme"), None).unwrap();
        assert_eq!(org.okta.unwrap().as_str(), "https://acme.okta.com/");
        assert!(Endpoints::new(None, Some("http://acme.okta.com"), None).is_err());
        assert_eq!(
            Endpoints::new(None, None, None).unwrap().graph.as_str(),
            "https://graph.microsoft.com/"
        );
    }

    #[test]
    fn segments_are_encoded() {
        let base = Url::parse("https://graph.microsoft.com").unwrap();
        let url = join(
            &base,
            &["v1.0", "users", "a b@x.com", "revokeSignInSessions"],
            None,
        );
        assert_eq!(
            url.as_str(),
            "https://graph.microsoft.com/v1.0/users/a%20b@x.com/revokeSignInSessions"
        );
    }
}
