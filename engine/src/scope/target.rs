//! What a scope starts from: a user, a session id or an IP address.

use std::net::IpAddr;

use serde::Serialize;

use crate::error::{EngineError, Result};

/// The subject of an incident-response scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ScopeTarget {
    /// A user principal name or Okta login (compared lower-cased, as the lake stores them).
    User(String),
    /// An Entra `SessionId` or Okta `externalSessionId` / `rootSessionId`.
    Session(String),
    /// An IPv4 or IPv6 address, in the lake's spelling.
    Ip(String),
}

impl ScopeTarget {
    /// A user target, normalised like ingest does (trimmed, lower-case).
    pub fn user(text: &str) -> Result<ScopeTarget> {
        let user = text.trim().to_lowercase();
        if user.is_empty() {
            return Err(EngineError::Invalid("--user needs a user name".into()));
        }
        Ok(ScopeTarget::User(user))
    }

    /// A session target; session ids are matched exactly.
    pub fn session(text: &str) -> Result<ScopeTarget> {
        let session = text.trim();
        if session.is_empty() {
            return Err(EngineError::Invalid("--session needs a session id".into()));
        }
        Ok(ScopeTarget::Session(session.to_string()))
    }

    /// An IP target; the address is parsed so `2001:DB8::1` finds `2001:db8::1`.
    pub fn ip(text: &str) -> Result<ScopeTarget> {
        let address: IpAddr = text.trim().parse().map_err(|_| {
            EngineError::Invalid(format!("--ip {text:?} is not an IPv4 or IPv6 address"))
        })?;
        Ok(ScopeTarget::Ip(address.to_string()))
    }

    /// `user`, `session` or `ip`.
    pub fn kind(&self) -> &'static str {
        match self {
            ScopeTarget::User(_) => "user",
            ScopeTarget::Session(_) => "session",
            ScopeTarget::Ip(_) => "ip",
        }
    }

    /// The value searched for.
    pub fn value(&self) -> &str {
        match self {
            ScopeTarget::User(v) | ScopeTarget::Session(v) | ScopeTarget::Ip(v) => v,
        }
    }
}

impl std::fmt::Display for ScopeTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind(), self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalised_and_checked() {
        assert_eq!(
            ScopeTarget::user(" Alice@Contoso.com ").unwrap(),
            ScopeTarget::User("alice@contoso.com".into())
        );
        assert_eq!(
            ScopeTarget::ip("2001:DB8::1").unwrap().value(),
            "2001:db8::1"
        );
        assert!(ScopeTarget::ip("10.0.0.300").is_err());
        assert!(ScopeTarget::user("  ").is_err());
        assert!(ScopeTarget::session("").is_err());
    }
}
