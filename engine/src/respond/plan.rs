//! The revocation plan: the API calls that end a compromised user's sessions and
//! tokens, and the follow-ups a responder does by hand, each as a ready-to-run
//! command (`az rest`, `curl`) that names the API token by its environment variable,
//! never by value.
//!
//! Calls (checked against the services' API references):
//! * Microsoft Graph `POST /v1.0/users/{id}/revokeSignInSessions` — invalidates every
//!   refresh token and session cookie of the user (Entra cannot end one session alone);
//! * Okta `DELETE /api/v1/sessions/{sessionId}` — one Okta session, with `--session`;
//! * Okta `DELETE /api/v1/users/{userId}/sessions?oauthTokens=true` — every Okta
//!   session of the user, and the OpenID Connect / OAuth tokens issued to the user;
//! * Okta `DELETE /api/v1/users/{userId}/clients/{clientId}/tokens` — the refresh tokens
//!   of each OAuth client the user was seen with (belt and braces over the previous).

use serde::Serialize;
use url::Url;

use super::endpoints::{Endpoints, join};
use super::identity::Identity;
use crate::scope::report::AuditChange;

/// Which API a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Graph,
    Okta,
}

impl Service {
    /// The environment variable holding the service's API token.
    pub fn token_variable(self) -> &'static str {
        match self {
            Service::Graph => "GRAPH_TOKEN",
            Service::Okta => "OKTA_API_TOKEN",
        }
    }

    /// The `Authorization` header value for a token.
    pub fn authorization(self, token: &str) -> String {
        match self {
            Service::Graph => format!("Bearer {token}"),
            Service::Okta => format!("SSWS {token}"),
        }
    }
}

/// One revocation call.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// Stable name (`graph.revoke_sign_in_sessions`, `okta.clear_user_sessions`, ...).
    pub id: String,
    pub service: Service,
    pub method: String,
    /// Path segments under the service's base URL (encoded when the URL is built).
    pub segments: Vec<String>,
    pub query: Option<String>,
    pub description: String,
    /// The URL the call goes to (text, with `$OKTA_ORG_URL` when no org was given).
    pub url: String,
    /// Ready-to-run commands.
    pub commands: Vec<String>,
}

/// Something a responder does by hand after the revocation.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub title: String,
    pub detail: Vec<String>,
    pub commands: Vec<String>,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub identity: Identity,
    pub session: Option<String>,
    pub actions: Vec<Action>,
    pub follow_ups: Vec<FollowUp>,
    pub notes: Vec<String>,
}

/// Single-quotes a word for a POSIX shell.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The URL of a call, or its text with a shell variable when the base is unknown.
fn url_text(base: Option<&Url>, segments: &[&str], query: Option<&str>) -> (Option<Url>, String) {
    match base {
        Some(base) => {
            let url = join(base, segments, query);
            let text = url.to_string();
            (Some(url), text)
        }
        None => {
            let placeholder = Url::parse("https://okta.invalid").expect("static URL");
            let url = join(&placeholder, segments, query);
            let rest = &url.as_str()["https://okta.invalid".len()..];
            (None, format!("{ORG_VARIABLE}{rest}"))
        }
    }
}

/// The URL as one shell word. Its path holds text from the lake (user and session
/// ids, which records supply), so it is single-quoted: a pasted command never runs
/// a `$( )`, backtick or variable a record contains. Only the org variable, when
/// the org is unknown, is left for the shell to expand, in double quotes of its own.
fn quoted_url(url: &Option<Url>, text: &str) -> String {
    match (url, text.strip_prefix(ORG_VARIABLE)) {
        (None, Some(rest)) => format!("\"{ORG_VARIABLE}\"{}", shell_quote(rest)),
        _ => shell_quote(text),
    }
}

/// Stands for the Okta org's URL in commands when it is not known.
const ORG_VARIABLE: &str = "$OKTA_ORG_URL";

fn curl(service: Service, method: &str, url: &Option<Url>, text: &str) -> String {
    let variable = service.token_variable();
    let auth = match service {
        Service::Graph => format!("\"Authorization: Bearer ${variable}\""),
        Service::Okta => format!("\"Authorization: SSWS ${variable}\""),
    };
    let extra = match (service, method) {
        (Service::Graph, "POST") => " -H 'Content-Length: 0'",
        (Service::Okta, _) => " -H 'Accept: application/json'",
        _ => "",
    };
    format!(
        "curl -sS --fail-with-body -X {method} -H {auth}{extra} {}",
        quoted_url(url, text)
    )
}

fn action(
    endpoints: &Endpoints,
    service: Service,
    id: &str,
    method: &str,
    segments: &[&str],
    query: Option<&str>,
    description: String,
) -> Action {
    let base = match service {
        Service::Graph => Some(&endpoints.graph),
        Service::Okta => endpoints.okta.as_ref(),
    };
    let (url, text) = url_text(base, segments, query);
    let mut commands = Vec::new();
    if service == Service::Graph {
        commands.push(format!(
            "az rest --method {} --url {}",
            method.to_lowercase(),
            shell_quote(&text)
        ));
    }
    commands.push(curl(service, method, &url, &text));
    Action {
        id: id.to_string(),
        service,
        method: method.to_string(),
        segments: segments.iter().map(|s| s.to_string()).collect(),
        query: query.map(str::to_string),
        description,
        url: text,
        commands,
    }
}

fn graph_get(endpoints: &Endpoints, segments: &[&str], query: Option<&str>) -> String {
    let url = join(&endpoints.graph, segments, query);
    format!("az rest --method get --url {}", shell_quote(url.as_str()))
}

fn okta_call(
    endpoints: &Endpoints,
    method: &str,
    segments: &[&str],
    query: Option<&str>,
) -> String {
    let (url, text) = url_text(endpoints.okta.as_ref(), segments, query);
    curl(Service::Okta, method, &url, &text)
}

/// Which product a session id belongs to, when known.
#[derive(Debug, Clone)]
pub struct SessionTarget {
    pub id: String,
    pub source: String,
}

/// Builds the plan for a user (and optionally one of their sessions), with follow-ups
/// for the directory changes the scope found.
pub fn build(
    identity: Identity,
    session: Option<SessionTarget>,
    changes: &[AuditChange],
    endpoints: &Endpoints,
) -> Plan {
    let mut actions = Vec::new();
    let mut notes = Vec::new();
    let mut follow_ups = Vec::new();
    let user = identity.user.clone();
    let entra = identity.entra_id.clone();
    let okta = identity.okta_id.clone();
    if let Some(session) = &session
        && session.source == "entra"
    {
        notes.push(format!(
            "Entra ID cannot end one session: revoking {user}'s sign-in sessions ends session {} and every other one",
            session.id
        ));
    }
    match &entra {
        Some(id) => actions.push(action(
            endpoints,
            Service::Graph,
            "graph.revoke_sign_in_sessions",
            "POST",
            &["v1.0", "users", id, "revokeSignInSessions"],
            None,
            format!(
                "Entra ID: invalidate every refresh token and session cookie of {user} (object id {id})"
            ),
        )),
        None => notes.push(format!(
            "no Entra ID sign-in of {user} in the lake: no Graph call planned"
        )),
    }
    match &okta {
        Some(id) => {
            if let Some(session) = &session
                && session.source == "okta"
            {
                actions.push(action(
                    endpoints,
                    Service::Okta,
                    "okta.revoke_session",
                    "DELETE",
                    &["api", "v1", "sessions", &session.id],
                    None,
                    format!("Okta: end session {}", session.id),
                ));
            }
            actions.push(action(
                endpoints,
                Service::Okta,
                "okta.clear_user_sessions",
                "DELETE",
                &["api", "v1", "users", id, "sessions"],
                Some("oauthTokens=true"),
                format!(
                    "Okta: end every session of {user} (user id {id}) and revoke the OAuth tokens issued to them"
                ),
            ));
            for client in &identity.okta_clients {
                actions.push(action(
                    endpoints,
                    Service::Okta,
                    "okta.revoke_client_tokens",
                    "DELETE",
                    &[
                        "api",
                        "v1",
                        "users",
                        id,
                        "clients",
                        &client.client_id,
                        "tokens",
                    ],
                    None,
                    format!(
                        "Okta: revoke {user}'s refresh tokens for client {}{}",
                        client.client_id,
                        client
                            .name
                            .as_ref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        None => notes.push(format!(
            "no Okta event of {user} in the lake: no Okta call planned"
        )),
    }
    if endpoints.okta.is_none() && okta.is_some() {
        notes.push(
            "no Okta org given (--okta-org): the Okta commands use $OKTA_ORG_URL".to_string(),
        );
    }

    // Credentials: the attacker may know the password and may have added a factor.
    let mut reset = FollowUp {
        title: "Reset the user's credentials and review their MFA methods".into(),
        detail: vec![
            "Revoking sessions does not stop someone who knows the password or registered their own authentication method.".into(),
        ],
        commands: Vec::new(),
    };
    if let Some(id) = &entra {
        reset.commands.push(format!(
            "az ad user update --id {} --force-change-password-next-sign-in true",
            shell_quote(&user)
        ));
        reset.commands.push(graph_get(
            endpoints,
            &["v1.0", "users", id, "authentication", "methods"],
            None,
        ));
    }
    if let Some(id) = &okta {
        reset.commands.push(okta_call(
            endpoints,
            "POST",
            &["api", "v1", "users", id, "lifecycle", "reset_password"],
            Some("sendEmail=true"),
        ));
        reset.commands.push(okta_call(
            endpoints,
            "GET",
            &["api", "v1", "users", id, "factors"],
            None,
        ));
    }
    for change in changes.iter().filter(|c| c.category == "mfa") {
        reset.detail.push(describe(change));
    }
    follow_ups.push(reset);

    let consents: Vec<&AuditChange> = changes.iter().filter(|c| c.category == "consent").collect();
    if !consents.is_empty() {
        let mut follow = FollowUp {
            title: "Review the applications the user consented to".into(),
            detail: consents.iter().map(|c| describe(c)).collect(),
            commands: Vec::new(),
        };
        for id in distinct_targets(&consents) {
            follow.commands.push(graph_get(
                endpoints,
                &["v1.0", "servicePrincipals", &id, "oauth2PermissionGrants"],
                None,
            ));
            let url = join(&endpoints.graph, &["v1.0", "servicePrincipals", &id], None);
            follow.commands.push(format!(
                "az rest --method patch --url {} --body '{{\"accountEnabled\": false}}'",
                shell_quote(url.as_str())
            ));
        }
        follow_ups.push(follow);
    }
    let credentials: Vec<&AuditChange> = changes
        .iter()
        .filter(|c| c.category == "credentials")
        .collect();
    if !credentials.is_empty() {
        let mut follow = FollowUp {
            title: "Remove credentials added to applications".into(),
            detail: credentials.iter().map(|c| describe(c)).collect(),
            commands: Vec::new(),
        };
        for id in distinct_targets(&credentials) {
            follow.commands.push(graph_get(
                endpoints,
                &["v1.0", "servicePrincipals", &id],
                Some("$select=displayName,passwordCredentials,keyCredentials"),
            ));
        }
        follow.detail.push(
            "Remove the unknown ones: POST /v1.0/servicePrincipals/{id}/removePassword (or removeKey) with their keyId.".into(),
        );
        follow_ups.push(follow);
    }
    let roles: Vec<&AuditChange> = changes.iter().filter(|c| c.category == "role").collect();
    if !roles.is_empty() {
        let mut follow = FollowUp {
            title: "Review role changes".into(),
            detail: roles.iter().map(|c| describe(c)).collect(),
            commands: Vec::new(),
        };
        if let Some(id) = &entra {
            follow.commands.push(graph_get(
                endpoints,
                &["v1.0", "users", id, "memberOf"],
                None,
            ));
        }
        follow_ups.push(follow);
    }
    Plan {
        identity,
        session: session.map(|s| s.id),
        actions,
        follow_ups,
        notes,
    }
}

fn describe(change: &AuditChange) -> String {
    format!(
        "{} {} by {} from {} on {}{}",
        change.time,
        change.operation,
        change.actor.as_deref().unwrap_or("?"),
        change.actor_ip.as_deref().unwrap_or("?"),
        change.target.as_deref().unwrap_or("?"),
        if change.from_attacker {
            " (from the attacker's address)"
        } else {
            ""
        }
    )
}

fn distinct_targets(changes: &[&AuditChange]) -> Vec<String> {
    let mut ids: Vec<String> = changes
        .iter()
        .filter(|c| c.source == "entra")
        .filter_map(|c| c.target_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The URL an action calls, when its service's base URL is known.
pub fn action_url(action: &Action, endpoints: &Endpoints) -> Option<Url> {
    let base = match action.service {
        Service::Graph => Some(&endpoints.graph),
        Service::Okta => endpoints.okta.as_ref(),
    }?;
    let segments: Vec<&str> = action.segments.iter().map(String::as_str).collect();
    Some(join(base, &segments, action.query.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::identity::OktaClient;

    fn identity() -> Identity {
        Identity {
            user: "alice@contoso.com".into(),
            entra_id: Some("11111111-2222-3333-4444-555555555555".into()),
            okta_id: Some("00uabc".into()),
            okta_clients: vec![OktaClient {
                client_id: "0oaclient".into(),
                name: Some("Portal".into()),
            }],
        }
    }

    #[test]
    fn commands_name_tokens_by_variable() {
        let endpoints = Endpoints::new(None, Some("acme"), None).unwrap();
        let plan = build(identity(), None, &[], &endpoints);
        let ids: Vec<&str> = plan.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "graph.revoke_sign_in_sessions",
                "okta.clear_user_sessions",
                "okta.revoke_client_tokens"
            ]
        );
        assert_eq!(
            plan.actions[0].commands[0],
            "az rest --method post --url 'https://graph.microsoft.com/v1.0/users/11111111-2222-3333-4444-555555555555/revokeSignInSessions'"
        );
        assert!(plan.actions[0].commands[1].contains("\"Authorization: Bearer $GRAPH_TOKEN\""));
        assert_eq!(
            plan.actions[1].url,
            "https://acme.okta.com/api/v1/users/00uabc/sessions?oauthTokens=true"
        );
        assert!(plan.actions[2].commands[0].contains("\"Authorization: SSWS $OKTA_API_TOKEN\""));
        assert!(
            plan.actions[2]
                .url
                .ends_with("/api/v1/users/00uabc/clients/0oaclient/tokens")
        );
    }

    #[test]
    fn without_an_org_the_commands_use_a_variable() {
        let endpoints = Endpoints::new(None, None, None).unwrap();
        let plan = build(
            identity(),
            Some(SessionTarget {
                id: "102xyz".into(),
                source: "okta".into(),
            }),
            &[],
            &endpoints,
        );
        assert_eq!(plan.actions[1].id, "okta.revoke_session");
        assert_eq!(plan.actions[1].url, "$OKTA_ORG_URL/api/v1/sessions/102xyz");
        assert!(
            plan.actions[1].commands[0].ends_with("\"$OKTA_ORG_URL\"'/api/v1/sessions/102xyz'"),
            "{}",
            plan.actions[1].commands[0]
        );
        assert!(action_url(&plan.actions[1], &endpoints).is_none());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    /// The URL argument of a `curl` command (its last word, quoted).
    fn curl_url_argument(command: &str) -> &str {
        command
            .rsplit_once("application/json' ")
            .expect("an Okta curl command")
            .1
    }

    #[test]
    fn lake_text_in_okta_commands_is_never_run_by_a_shell() {
        // Session and user ids come from the lake, that is from records.
        let hostile = "102$(touch pwned-a)`touch pwned-b`${HOME}'\"x";
        let mut who = identity();
        who.okta_id = Some("00u$(touch pwned-c)'".into());
        let endpoints = Endpoints::new(None, None, None).unwrap();
        let plan = build(
            who,
            Some(SessionTarget {
                id: hostile.into(),
                source: "okta".into(),
            }),
            &[],
            &endpoints,
        );
        let folder = tempfile::tempdir().unwrap();
        let mut checked = 0;
        let commands = plan
            .actions
            .iter()
            .filter(|a| a.service == Service::Okta)
            .flat_map(|a| a.commands.iter().map(move |c| (Some(a), c)))
            .chain(
                plan.follow_ups
                    .iter()
                    .flat_map(|f| f.commands.iter().map(|c| (None, c))),
            )
            .filter(|(_, c)| c.starts_with("curl"));
        for (action, command) in commands {
            let argument = curl_url_argument(command);
            // What a POSIX shell makes of the argument, with the org variable set.
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s' {argument}"))
                .env("OKTA_ORG_URL", "https://acme.okta.com")
                .current_dir(folder.path())
                .output()
                .unwrap();
            assert!(output.status.success(), "{command}");
            let printed = String::from_utf8(output.stdout).unwrap();
            assert!(
                printed.starts_with("https://acme.okta.com/api/v1/"),
                "{printed}"
            );
            if let Some(action) = action {
                let expected = action
                    .url
                    .replacen("$OKTA_ORG_URL", "https://acme.okta.com", 1);
                assert_eq!(printed, expected, "{command}");
            }
            checked += 1;
        }
        assert!(checked >= 3, "{plan:#?}");
        let created: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
        assert!(
            created.is_empty(),
            "a pasted command ran record text: {created:?}"
        );
    }
}
