//! Okta System Log `LogEvent` records.
//!
//! | column | LogEvent field |
//! |---|---|
//! | `time` | `published` |
//! | `log_type`, `event_type`, `event_id` | `okta`, `eventType`, `uuid` |
//! | `user`, `user_id` | `actor.alternateId` / `actor.id` when the actor is a user, else the first `target` of type `User` (lower-cased; the id when there is no login) |
//! | `session_id` | `authenticationContext.externalSessionId` |
//! | `root_session_id` | `authenticationContext.rootSessionId` |
//! | `correlation_id` | `transaction.id` |
//! | `ip` | `client.ipAddress` (else the first `request.ipChain[].ip`) |
//! | `asn`, `as_org`, `isp`, `is_proxy` | `securityContext.{asNumber,asOrg,isp,isProxy}` |
//! | `country`, `region`, `city`, `lat`, `lon` | `client.geographicalContext.{country (as ISO code),state,city,geolocation}` |
//! | `user_agent`, `device_os`, `browser` | `client.userAgent.{rawUserAgent,os,browser}` |
//! | `device_id` | `debugContext.debugData.dtHash` (else `deviceFingerprint`) |
//! | `device_trust` | `device.managed` / `device.registered` → managed, registered, unmanaged |
//! | `client_app` | `client.device` (Computer, Mobile, …) |
//! | `app`, `app_id` | the first `target` of type `AppInstance` (`displayName`, `id`) |
//! | `token_id` | the first `target` whose type names a token |
//! | `result`, `result_code` | `outcome.result` (lower-cased; ALLOW → success, DENY → denied, CHALLENGE → interrupted), `outcome.reason` |
//! | `risk` | the `level` inside `debugData.risk` (`"{level=LOW}"`, lower-cased) |
//!
//! Top-level keys are matched case-insensitively (Panther's data lake lower-cases
//! them). Authentication, session, SSO, policy-evaluation, OAuth-token and risk
//! events go to `signins`; everything else (admin, lifecycle, application,
//! consent) to `audit`.

use std::borrow::Cow;
use std::sync::LazyLock;

use simd_json::prelude::*;

use super::Rejection;
use super::country::country_code;
use super::json::{Json, KeyTable, bool_of, float_of, int_of, member, str_of, text};
use super::row::{AuditRow, SigninRow, Text};
use super::time::parse_timestamp_micros;

const PUBLISHED: usize = 0;
const UUID: usize = 1;
const EVENT_TYPE: usize = 2;
const ACTOR: usize = 3;
const CLIENT: usize = 4;
const AUTH_CONTEXT: usize = 5;
const DEBUG_CONTEXT: usize = 6;
const OUTCOME: usize = 7;
const SECURITY: usize = 8;
const TARGET: usize = 9;
const TRANSACTION: usize = 10;
const DISPLAY_MESSAGE: usize = 11;
const REQUEST: usize = 12;
const DEVICE: usize = 13;
const LEGACY_EVENT_TYPE: usize = 14;
const SLOTS: usize = 15;

static KEYS: LazyLock<KeyTable> = LazyLock::new(|| {
    KeyTable::new(&[
        &["published"],
        &["uuid"],
        &["eventType"],
        &["actor"],
        &["client"],
        &["authenticationContext"],
        &["debugContext"],
        &["outcome"],
        &["securityContext"],
        &["target"],
        &["transaction"],
        &["displayMessage"],
        &["request"],
        &["device"],
        &["legacyEventType"],
    ])
});

/// The top-level fields of one LogEvent.
pub struct OktaView<'v, 'a> {
    slots: [Option<&'v Json<'a>>; SLOTS],
}

impl<'v, 'a> OktaView<'v, 'a> {
    pub fn new(record: &'v Json<'a>) -> Self {
        let mut slots = [None; SLOTS];
        KEYS.pick(Some(record), &mut slots);
        OktaView { slots }
    }

    /// A LogEvent has an event type and at least one of its identifying fields.
    pub fn is_okta(&self) -> bool {
        self.slots[EVENT_TYPE].is_some()
            && (self.slots[PUBLISHED].is_some()
                || self.slots[UUID].is_some()
                || self.slots[ACTOR].is_some())
    }

    fn event_type(&self) -> Option<&'v str> {
        str_of(self.slots[EVENT_TYPE])
    }

    /// Whether the event belongs in `signins` (else `audit`).
    pub fn is_signin_event(&self) -> bool {
        self.event_type().is_some_and(is_signin_event_type)
    }

    fn time(&self) -> Result<i64, Rejection> {
        let published = text(self.slots[PUBLISHED])
            .ok_or_else(|| Rejection::new("published", "no event time"))?;
        parse_timestamp_micros(&published)
            .map_err(|error| Rejection::new("published", error.to_string()))
    }

    fn debug_data(&self) -> Option<&'v Json<'a>> {
        self.slots[DEBUG_CONTEXT].and_then(|d| member(d, "debugData"))
    }

    fn targets(&self) -> &'v [Json<'a>] {
        match self.slots[TARGET] {
            Some(Json::Array(items)) => items.as_slice(),
            _ => &[],
        }
    }

    fn target_of_type(&self, wanted: impl Fn(&str) -> bool) -> Option<&'v Json<'a>> {
        self.targets()
            .iter()
            .find(|target| str_of(member(target, "type")).is_some_and(&wanted))
    }

    fn ip(&self) -> Text<'v> {
        text(self.slots[CLIENT].and_then(|c| member(c, "ipAddress"))).or_else(|| {
            match self.slots[REQUEST].and_then(|r| member(r, "ipChain")) {
                Some(Json::Array(chain)) => chain.iter().find_map(|hop| text(member(hop, "ip"))),
                _ => None,
            }
        })
    }

    /// The user the event is about: the actor when it is a user, else a user target.
    fn user(&self) -> (Text<'v>, Text<'v>) {
        let actor = self.slots[ACTOR];
        let actor_is_user = str_of(actor.and_then(|a| member(a, "type")))
            .is_some_and(|t| t.eq_ignore_ascii_case("User"));
        let subject = if actor_is_user {
            actor
        } else {
            self.target_of_type(|t| t.eq_ignore_ascii_case("User"))
        };
        let id = text(subject.and_then(|s| member(s, "id")))
            .or_else(|| text(self.debug_data().and_then(|d| member(d, "userId"))));
        // Some events name the user only by id (token-reuse events whose actor is the
        // client app): the id keeps them attached to the user rather than to nobody.
        let login =
            lowercase(text(subject.and_then(|s| member(s, "alternateId")))).or_else(|| id.clone());
        (login, id)
    }
}

/// Event types that describe authentication and session use rather than changes.
pub fn is_signin_event_type(event_type: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "user.session.",
        "user.authentication.",
        "policy.evaluate_sign_on",
        "app.oauth2.",
        "security.session.",
        "user.risk.",
        "security.threat.detected",
        "user.account.unlock_token",
        "app.generic.unauth_app_access_attempt",
    ];
    PREFIXES.iter().any(|prefix| event_type.starts_with(prefix))
}

fn lowercase(value: Text<'_>) -> Text<'_> {
    value.map(|text| {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_lowercase())
        } else {
            text
        }
    })
}

fn result_of(outcome: Option<&str>) -> Option<&'static str> {
    Some(match outcome?.to_ascii_uppercase().as_str() {
        "SUCCESS" | "ALLOW" => "success",
        "FAILURE" => "failure",
        "DENY" => "denied",
        "CHALLENGE" => "interrupted",
        "SKIPPED" => "skipped",
        "UNKNOWN" => "unknown",
        _ => return None,
    })
}

/// `level` out of Okta's Java-map spelling: `"{reasons=..., level=HIGH}"`.
fn risk_level(risk: &str) -> Option<String> {
    let start = risk.find("level=")? + "level=".len();
    let rest = &risk[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    let level = rest[..end].trim();
    (!level.is_empty()).then(|| level.to_ascii_lowercase())
}

fn device_trust(device: Option<&Json<'_>>) -> Text<'static> {
    let device = device?;
    let managed = bool_of(member(device, "managed"));
    let registered = bool_of(member(device, "registered"));
    match (managed, registered) {
        (Some(true), _) => Some(Cow::Borrowed("managed")),
        (_, Some(true)) => Some(Cow::Borrowed("registered")),
        (Some(false), _) | (_, Some(false)) => Some(Cow::Borrowed("unmanaged")),
        _ => None,
    }
}

/// Fills a `signins` row from an Okta authentication/session event.
pub fn extract_signin<'v, 'a>(
    view: &OktaView<'v, 'a>,
    fill: &mut dyn FnMut(SigninRow<'_>),
) -> Result<(), Rejection> {
    let time = view.time()?;
    let client = view.slots[CLIENT];
    let geo = client.and_then(|c| member(c, "geographicalContext"));
    let geolocation = geo.and_then(|g| member(g, "geolocation"));
    let mut lat = geolocation.and_then(|g| float_of(member(g, "lat")));
    let mut lon = geolocation.and_then(|g| float_of(member(g, "lon")));
    if lat == Some(0.0) && lon == Some(0.0) {
        (lat, lon) = (None, None);
    }
    let user_agent = client.and_then(|c| member(c, "userAgent"));
    let security = view.slots[SECURITY];
    let auth = view.slots[AUTH_CONTEXT];
    let debug = view.debug_data();
    let outcome = view.slots[OUTCOME];
    let outcome_result = str_of(outcome.and_then(|o| member(o, "result")));
    let app = view.target_of_type(|t| t.eq_ignore_ascii_case("AppInstance"));
    let token = view.target_of_type(|t| t.to_ascii_lowercase().contains("token"));
    let (user, user_id) = view.user();
    let event_type = view.event_type().unwrap_or_default();
    let row = SigninRow {
        time,
        source: Cow::Borrowed("okta"),
        log_type: Cow::Borrowed("okta"),
        event_type: Cow::Borrowed(event_type),
        event_id: text(view.slots[UUID]).unwrap_or(Cow::Borrowed("")),
        user,
        user_id,
        session_id: text(auth.and_then(|a| member(a, "externalSessionId"))),
        root_session_id: text(auth.and_then(|a| member(a, "rootSessionId"))),
        token_id: text(token.and_then(|t| member(t, "id"))),
        correlation_id: text(view.slots[TRANSACTION].and_then(|t| member(t, "id"))),
        tenant_id: None,
        ip: view.ip(),
        asn: int_of(security.and_then(|s| member(s, "asNumber"))).filter(|asn| *asn > 0),
        as_org: text(security.and_then(|s| member(s, "asOrg"))),
        isp: text(security.and_then(|s| member(s, "isp"))),
        is_proxy: bool_of(security.and_then(|s| member(s, "isProxy"))),
        country: str_of(geo.and_then(|g| member(g, "country"))).map(|name| {
            match country_code(name) {
                Some(code) => Cow::Borrowed(code),
                None => Cow::Borrowed(name),
            }
        }),
        region: text(geo.and_then(|g| member(g, "state"))),
        city: text(geo.and_then(|g| member(g, "city"))),
        lat,
        lon,
        user_agent: text(user_agent.and_then(|u| member(u, "rawUserAgent"))),
        device_id: text(debug.and_then(|d| member(d, "dtHash")))
            .or_else(|| text(debug.and_then(|d| member(d, "deviceFingerprint")))),
        device_os: text(user_agent.and_then(|u| member(u, "os"))),
        browser: text(user_agent.and_then(|u| member(u, "browser"))),
        device_trust: device_trust(view.slots[DEVICE]),
        app: text(app.and_then(|a| member(a, "displayName"))),
        app_id: text(app.and_then(|a| member(a, "id"))),
        resource: None,
        client_app: text(client.and_then(|c| member(c, "device"))),
        incoming_token_type: None,
        token_issuer_type: None,
        auth_requirement: text(auth.and_then(|a| member(a, "credentialType"))),
        result: result_of(outcome_result).map(Cow::Borrowed),
        result_code: text(outcome.and_then(|o| member(o, "reason"))),
        risk: str_of(debug.and_then(|d| member(d, "risk")))
            .and_then(risk_level)
            .map(Cow::Owned),
        auth_protocol: None,
    };
    fill(row);
    Ok(())
}

/// Fills an `audit` row from an Okta admin, lifecycle or application event.
pub fn extract_audit<'v, 'a>(
    view: &OktaView<'v, 'a>,
    fill: &mut dyn FnMut(AuditRow<'_>),
) -> Result<(), Rejection> {
    let time = view.time()?;
    let event_type = view
        .event_type()
        .ok_or_else(|| Rejection::new("eventType", "no event type"))?;
    let actor = view.slots[ACTOR];
    let first_target = view.targets().first();
    let mut details = String::from("{");
    let mut push = |name: &str, value: Option<&Json<'_>>| {
        if let Some(value) = value {
            if details.len() > 1 {
                details.push(',');
            }
            details.push('"');
            details.push_str(name);
            details.push_str("\":");
            details.push_str(&value.encode());
        }
    };
    push("displayMessage", view.slots[DISPLAY_MESSAGE]);
    push("legacyEventType", view.slots[LEGACY_EVENT_TYPE]);
    push("target", view.slots[TARGET]);
    push("debugData", view.debug_data());
    push("outcome", view.slots[OUTCOME]);
    details.push('}');
    let row = AuditRow {
        time,
        source: Cow::Borrowed("okta"),
        event_id: text(view.slots[UUID]).unwrap_or(Cow::Borrowed("")),
        operation: Cow::Borrowed(event_type),
        category: event_type.split('.').next().map(Cow::Borrowed),
        actor: lowercase(text(actor.and_then(|a| member(a, "alternateId"))))
            .or_else(|| text(actor.and_then(|a| member(a, "displayName")))),
        actor_ip: view.ip(),
        target: lowercase(text(first_target.and_then(|t| member(t, "alternateId"))))
            .or_else(|| text(first_target.and_then(|t| member(t, "displayName")))),
        target_id: text(first_target.and_then(|t| member(t, "id"))),
        result: result_of(str_of(
            view.slots[OUTCOME].and_then(|o| member(o, "result")),
        ))
        .map(Cow::Borrowed),
        details: Some(Cow::Owned(details)),
    };
    fill(row);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_levels_from_java_maps() {
        assert_eq!(risk_level("{level=LOW}").as_deref(), Some("low"));
        assert_eq!(
            risk_level("{reasons=Anomalous Device, Anomalous Location, level=HIGH}").as_deref(),
            Some("high")
        );
        assert_eq!(risk_level("{}"), None);
    }

    #[test]
    fn signin_event_types() {
        assert!(is_signin_event_type("user.session.start"));
        assert!(is_signin_event_type("app.oauth2.as.token.detect_reuse"));
        assert!(is_signin_event_type("policy.evaluate_sign_on"));
        assert!(!is_signin_event_type("group.user_membership.add"));
        assert!(!is_signin_event_type("user.lifecycle.create"));
    }
}
