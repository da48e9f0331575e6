//! Directory changes by or to the scope's users (consents, credentials, MFA and
//! security-info changes, role changes), and any made from attacker addresses.

use datafusion::prelude::SessionContext;
use serde::Deserialize;

use super::report::AuditChange;
use crate::error::Result;
use crate::sql::{ScanStats, fetch};
use crate::sql::{in_list, window_predicate};
use crate::timerange::{TimeRange, rfc3339};

/// One `audit` row as the scope reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditRow {
    pub t: i64,
    pub source: String,
    pub event_id: String,
    pub operation: String,
    pub actor: Option<String>,
    pub actor_ip: Option<String>,
    pub target: Option<String>,
    pub target_id: Option<String>,
    pub result: Option<String>,
}

const AUDIT_COLUMNS: &str = "CAST(time AS BIGINT) AS t, source, event_id, operation, actor, \
    actor_ip, target, target_id, result";

/// What kind of change an operation is, from its name (Entra AuditLogs activity names
/// and Okta event types).
pub fn category(operation: &str) -> &'static str {
    let op = operation.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| op.contains(w));
    if has(&[
        "consent",
        "permission grant",
        "oauth2",
        "app role assignment grant",
        "grant.",
    ]) {
        "consent"
    } else if has(&[
        "credential",
        "certificates and secrets",
        "api_token",
        "client_secret",
    ]) {
        "credentials"
    } else if has(&[
        "security info",
        "strongauthentication",
        "authentication method",
        "mfa",
        "factor",
        "authenticator",
    ]) {
        "mfa"
    } else if has(&["role", "privilege", "admin"]) {
        "role"
    } else if has(&["password"]) {
        "password"
    } else if has(&["user", "account", "member"]) {
        "account"
    } else {
        "other"
    }
}

/// Changes made by or to the users in the window.
pub async fn user_changes(
    ctx: &SessionContext,
    users: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Vec<AuditRow>> {
    // `actor` and `target` carry bloom filters; the lake stores user names lower-cased.
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit WHERE ({} OR {}) AND {} ORDER BY time, event_id",
        in_list("actor", users),
        in_list("target", users),
        window_predicate(range, None)
    );
    fetch(ctx, &sql, stats).await
}

/// Changes made from the given addresses in the window.
pub async fn changes_from(
    ctx: &SessionContext,
    ips: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Vec<AuditRow>> {
    if ips.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit WHERE {} AND {} ORDER BY time, event_id",
        in_list("actor_ip", ips),
        window_predicate(range, None)
    );
    fetch(ctx, &sql, stats).await
}

/// Every change about the given applications (by id or name): all consents to an
/// application the user consented to, whoever gave them, so the hunts can tell a
/// first consent in the tenant from a known application.
pub async fn application_changes(
    ctx: &SessionContext,
    target_ids: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Vec<AuditRow>> {
    if target_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit WHERE {} AND {} ORDER BY time, event_id",
        in_list("target_id", target_ids),
        window_predicate(range, None)
    );
    fetch(ctx, &sql, stats).await
}

/// The row as the report shows it.
pub fn change(row: &AuditRow, users: &[String], attacker_ips: &[String]) -> AuditChange {
    let is_user = |who: &Option<String>| {
        who.as_deref()
            .is_some_and(|w| users.iter().any(|u| u.eq_ignore_ascii_case(w)))
    };
    let from_attacker = row
        .actor_ip
        .as_deref()
        .is_some_and(|ip| attacker_ips.iter().any(|a| a == ip));
    let relation = if is_user(&row.actor) {
        "by"
    } else if is_user(&row.target) {
        "to"
    } else {
        "attacker_ip"
    };
    AuditChange {
        time: rfc3339(row.t),
        source: row.source.clone(),
        operation: row.operation.trim().to_string(),
        category: category(&row.operation).to_string(),
        relation: relation.to_string(),
        actor: row.actor.clone(),
        actor_ip: row.actor_ip.clone(),
        target: row.target.clone(),
        target_id: row.target_id.clone(),
        result: row.result.clone(),
        from_attacker,
        event_id: row.event_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::category;

    #[test]
    fn operations_fall_into_categories() {
        assert_eq!(category("Consent to application"), "consent");
        assert_eq!(category("Add delegated permission grant"), "consent");
        assert_eq!(category("Add service principal credentials"), "credentials");
        assert_eq!(
            category("Update application – Certificates and secrets management "),
            "credentials"
        );
        assert_eq!(category("User registered security info"), "mfa");
        assert_eq!(category("user.mfa.factor.activate"), "mfa");
        assert_eq!(category("Add member to role"), "role");
        assert_eq!(category("Reset password (self-service)"), "password");
        assert_eq!(category("Update user"), "account");
        assert_eq!(category("Add policy"), "other");
    }
}
