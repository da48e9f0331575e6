//! Microsoft Entra ID records: sign-ins and directory audits, in the three export
//! shapes (Log Analytics / Sentinel rows, diagnostic-settings records, Microsoft
//! Graph `signIns` / `directoryAudits` items).
//!
//! | column | diagnostic `properties.*` / Graph | Log Analytics column |
//! |---|---|---|
//! | `time` | `createdDateTime` (else top-level `time`) | `CreatedDateTime` (else `TimeGenerated`) |
//! | `log_type` | `category` / `signInEventTypes[0]` / `isInteractive` | `Type` / `Category` |
//! | `event_type` | the Log Analytics table the category lands in | `Type` |
//! | `event_id` | `id` | `Id` |
//! | `user` | `userPrincipalName`, lower-cased (null for service principals) | `UserPrincipalName` |
//! | `user_id` | `userId` (service principals: `servicePrincipalId`) | `UserId` / `ServicePrincipalId` |
//! | `session_id` | `sessionId` | `SessionId` |
//! | `token_id` | `uniqueTokenIdentifier` | `UniqueTokenIdentifier` |
//! | `correlation_id` | `correlationId` | `CorrelationId` |
//! | `tenant_id` | `tenantId` | `AADTenantId` (LA `TenantId` is the workspace) |
//! | `ip` | `ipAddress` (else `callerIpAddress`) | `IPAddress` |
//! | `asn` | `autonomousSystemNumber` | `AutonomousSystemNumber` |
//! | `country`, `region`, `city`, `lat`, `lon` | `location.{countryOrRegion,state,city,geoCoordinates}` | `LocationDetails.*` |
//! | `user_agent` | `userAgent` | `UserAgent` |
//! | `device_id`, `device_os`, `browser`, `device_trust` | `deviceDetail.{deviceId,operatingSystem,browser,trustType}` | `DeviceDetail.*` |
//! | `app`, `app_id`, `resource` | `appDisplayName` (service principals: `servicePrincipalName`), `appId`, `resourceDisplayName` | same, PascalCase |
//! | `client_app`, `incoming_token_type`, `token_issuer_type`, `auth_requirement` | `clientAppUsed`, `incomingTokenType` (display text such as `Primary Refresh Token` normalised to `primaryRefreshToken`), `tokenIssuerType`, `authenticationRequirement` | same, PascalCase |
//! | `result`, `result_code` | `status.errorCode` (else `resultType`): 0 → success, interrupt codes → interrupted, else failure | `ResultType` / `Status.errorCode` |
//! | `risk` | `riskLevelDuringSignIn` (else `riskLevelAggregated`) | same |
//! | `auth_protocol` | `authenticationProtocol` (`deviceCode` also when only `originalTransferMethod` says `deviceCodeFlow`) | same, PascalCase |
//!
//! `as_org`, `isp`, `is_proxy` and `root_session_id` are not in Entra logs (null).
//! Coordinates of exactly (0, 0) are "unknown" in these exports and become null.

use std::borrow::Cow;
use std::sync::LazyLock;

use simd_json::prelude::*;

use super::Rejection;
use super::json::{
    self, Json, KeyTable, Nested, bool_of, float_of, int_of, member, nested, str_of, text,
};
use super::row::{AuditRow, SigninRow, Text};
use super::time::parse_timestamp_micros;

/// Where one Entra record belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntraKind {
    SignIn {
        log_type: &'static str,
        event_type: &'static str,
    },
    Audit,
}

/// Maps a diagnostic `category` or Log Analytics `Type` to where the record lands.
pub fn kind_of_category(category: &str) -> Option<EntraKind> {
    let sign_in = |log_type, event_type| {
        Some(EntraKind::SignIn {
            log_type,
            event_type,
        })
    };
    let lowered = category.to_ascii_lowercase();
    match lowered.as_str() {
        "signinlogs" => sign_in("interactive", "SigninLogs"),
        "noninteractiveusersigninlogs" | "aadnoninteractiveusersigninlogs" => {
            sign_in("non_interactive", "AADNonInteractiveUserSignInLogs")
        }
        "serviceprincipalsigninlogs" | "aadserviceprincipalsigninlogs" => {
            sign_in("service_principal", "AADServicePrincipalSignInLogs")
        }
        "microsoftserviceprincipalsigninlogs" => {
            sign_in("service_principal", "MicrosoftServicePrincipalSignInLogs")
        }
        "managedidentitysigninlogs" | "aadmanagedidentitysigninlogs" => {
            sign_in("managed_identity", "AADManagedIdentitySignInLogs")
        }
        "adfssigninlogs" => sign_in("interactive", "ADFSSignInLogs"),
        "auditlogs"
        | "policy"
        | "directorymanagement"
        | "applicationmanagement"
        | "usermanagement"
        | "groupmanagement"
        | "rolemanagement"
        | "devicemanagement"
        | "authentication"
        | "authorization"
        | "other"
        | "provisioningmanagement"
        | "agreement"
        | "entitlementmanagement"
        | "kerberosdomain"
        | "policymanagement"
        | "resourcemanagement"
        | "selfservicepasswordmanagement" => Some(EntraKind::Audit),
        _ => None,
    }
}

/// Maps a Graph beta `signInEventTypes` entry to (log type, table).
fn kind_of_event_type(event_type: &str) -> Option<EntraKind> {
    let sign_in = |log_type, event_type| {
        Some(EntraKind::SignIn {
            log_type,
            event_type,
        })
    };
    match event_type.to_ascii_lowercase().as_str() {
        "interactiveuser" => sign_in("interactive", "SigninLogs"),
        "noninteractiveuser" => sign_in("non_interactive", "AADNonInteractiveUserSignInLogs"),
        "serviceprincipal" => sign_in("service_principal", "AADServicePrincipalSignInLogs"),
        "managedidentity" => sign_in("managed_identity", "AADManagedIdentitySignInLogs"),
        _ => None,
    }
}

// Slots of the merged view (properties first, then the top level).
const CREATED: usize = 0;
const GENERATED: usize = 1;
const TIME: usize = 2;
const ID: usize = 3;
const UPN: usize = 4;
const USER_ID: usize = 5;
const SESSION_ID: usize = 6;
const TOKEN_ID: usize = 7;
const CORRELATION: usize = 8;
const TENANT: usize = 9;
const AAD_TENANT: usize = 10;
const IP: usize = 11;
const CALLER_IP: usize = 12;
const ASN: usize = 13;
const LOCATION: usize = 14;
const USER_AGENT: usize = 15;
const DEVICE: usize = 16;
const APP: usize = 17;
const APP_ID: usize = 18;
const RESOURCE: usize = 19;
const CLIENT_APP: usize = 20;
const INCOMING: usize = 21;
const ISSUER_TYPE: usize = 22;
const AUTH_REQUIREMENT: usize = 23;
const STATUS: usize = 24;
const RESULT_TYPE: usize = 25;
const RISK: usize = 26;
const RISK_AGGREGATED: usize = 27;
const SP_NAME: usize = 28;
const SP_ID: usize = 29;
const IS_INTERACTIVE: usize = 30;
const EVENT_TYPES: usize = 31;
const CATEGORY: usize = 32;
const TYPE: usize = 33;
const PROPERTIES: usize = 34;
const ACTIVITY_TIME: usize = 35;
const ACTIVITY_NAME: usize = 36;
const OPERATION_NAME: usize = 37;
const RESULT: usize = 38;
const RESULT_REASON: usize = 39;
const INITIATED_BY: usize = 40;
const TARGETS: usize = 41;
const ADDITIONAL: usize = 42;
const LOGGED_BY: usize = 43;
const IDENTITY: usize = 44;
const LOCATION_DETAILS: usize = 45;
const AUTH_PROTOCOL: usize = 46;
const TRANSFER_METHOD: usize = 47;
const SLOTS: usize = 48;

static KEYS: LazyLock<KeyTable> = LazyLock::new(|| {
    KeyTable::new(&[
        &["createdDateTime"],
        &["TimeGenerated"],
        &["time"],
        &["id"],
        &["userPrincipalName"],
        &["userId"],
        &["sessionId"],
        &["uniqueTokenIdentifier"],
        &["correlationId"],
        &["tenantId"],
        &["AADTenantId"],
        &["ipAddress"],
        &["callerIpAddress"],
        &["autonomousSystemNumber"],
        &["location"],
        &["userAgent"],
        &["deviceDetail"],
        &["appDisplayName"],
        &["appId"],
        &["resourceDisplayName"],
        &["clientAppUsed"],
        &["incomingTokenType"],
        &["tokenIssuerType"],
        &["authenticationRequirement"],
        &["status"],
        &["resultType"],
        &["riskLevelDuringSignIn"],
        &["riskLevelAggregated"],
        &["servicePrincipalName"],
        &["servicePrincipalId"],
        &["isInteractive"],
        &["signInEventTypes"],
        &["category"],
        &["Type"],
        &["properties"],
        &["activityDateTime"],
        &["activityDisplayName"],
        &["operationName"],
        &["result"],
        &["resultReason"],
        &["initiatedBy"],
        &["targetResources"],
        &["additionalDetails"],
        &["loggedByService"],
        &["identity"],
        // Log Analytics has both: `Location` is the country code, `LocationDetails`
        // the object. One slot for both would keep whichever came last.
        &["LocationDetails"],
        &["authenticationProtocol"],
        &["originalTransferMethod"],
    ])
});

/// A record's fields: `properties.*` where present, else the top level.
pub struct EntraView<'v, 'a> {
    inner: [Option<&'v Json<'a>>; SLOTS],
    top: [Option<&'v Json<'a>>; SLOTS],
}

impl<'v, 'a> EntraView<'v, 'a> {
    pub fn new(record: &'v Json<'a>) -> Self {
        let mut top = [None; SLOTS];
        KEYS.pick(Some(record), &mut top);
        let mut inner = [None; SLOTS];
        if let Some(properties @ Json::Object(_)) = top[PROPERTIES] {
            KEYS.pick(Some(properties), &mut inner);
        }
        EntraView { inner, top }
    }

    fn get(&self, slot: usize) -> Option<&'v Json<'a>> {
        self.inner[slot].or(self.top[slot])
    }

    /// True when the record looks like an Entra record at all.
    pub fn is_entra(&self) -> bool {
        [
            CATEGORY,
            TYPE,
            PROPERTIES,
            CREATED,
            ACTIVITY_TIME,
            GENERATED,
        ]
        .iter()
        .any(|&slot| self.top[slot].is_some())
    }

    /// Sign-in or audit, and which log, from the category / table name or, for Graph
    /// items, from their fields.
    pub fn kind(&self) -> Result<EntraKind, Rejection> {
        let named = [self.top[TYPE], self.top[CATEGORY], self.inner[CATEGORY]];
        for name in named.into_iter().filter_map(|value| str_of(value)) {
            if let Some(kind) = kind_of_category(name) {
                return Ok(kind);
            }
        }
        if let Some(Json::Array(types)) = self.get(EVENT_TYPES)
            && let Some(kind) = types
                .iter()
                .find_map(|t| str_of(Some(t)).and_then(kind_of_event_type))
        {
            return Ok(kind);
        }
        if self.get(CREATED).is_some() && (self.get(UPN).is_some() || self.get(APP_ID).is_some()) {
            let interactive = bool_of(self.get(IS_INTERACTIVE)).unwrap_or(true);
            return Ok(if interactive {
                EntraKind::SignIn {
                    log_type: "interactive",
                    event_type: "SigninLogs",
                }
            } else {
                EntraKind::SignIn {
                    log_type: "non_interactive",
                    event_type: "AADNonInteractiveUserSignInLogs",
                }
            });
        }
        if self.get(ACTIVITY_NAME).is_some() || self.get(INITIATED_BY).is_some() {
            return Ok(EntraKind::Audit);
        }
        let category = named.into_iter().find_map(|value| str_of(value));
        Err(match category {
            Some(category) => Rejection::new(
                "category",
                format!("unsupported Entra log category {category:?}"),
            ),
            None => Rejection::new(
                "category",
                "Entra record without a category, table type or sign-in fields",
            ),
        })
    }

    /// The event time: the sign-in's creation time before the export's own time.
    fn event_time(&self, preferred: &[usize]) -> Result<i64, Rejection> {
        let mut first_error = None;
        for &slot in preferred {
            if let Some(value) = text(self.get(slot)) {
                match parse_timestamp_micros(&value) {
                    Ok(micros) => return Ok(micros),
                    Err(error) => {
                        first_error
                            .get_or_insert(Rejection::new(slot_field(slot), error.to_string()));
                    }
                }
            }
        }
        Err(first_error.unwrap_or_else(|| Rejection::new("time", "no event time")))
    }

    fn event_id(&self) -> Text<'v> {
        text(self.get(ID))
    }
}

fn slot_field(slot: usize) -> &'static str {
    match slot {
        CREATED => "createdDateTime",
        GENERATED => "TimeGenerated",
        ACTIVITY_TIME => "activityDateTime",
        _ => "time",
    }
}

/// Entra error codes that mark an interrupted sign-in (the user was asked for more,
/// e.g. MFA or "stay signed in?"), not a failed one.
const INTERRUPT_CODES: &[i64] = &[
    16000, 50058, 50072, 50074, 50076, 50079, 50097, 50125, 50140, 50158, 50199, 65001,
];

fn result_of(code: Option<&str>) -> Option<&'static str> {
    let code = code?;
    match code.parse::<i64>() {
        Ok(0) => Some("success"),
        Ok(number) if INTERRUPT_CODES.contains(&number) => Some("interrupted"),
        Ok(_) => Some("failure"),
        Err(_) => match code.to_ascii_lowercase().as_str() {
            "success" | "succeeded" => Some("success"),
            "failure" | "failed" => Some("failure"),
            "interrupted" => Some("interrupted"),
            _ => None,
        },
    }
}

/// `Primary Refresh Token` (Graph beta display text) → `primaryRefreshToken`, the
/// enum spelling the other exports use; `None` → `none`.
fn token_type_of(value: Option<Cow<'_, str>>) -> Text<'_> {
    let value = value?;
    if !value.contains(' ') && !value.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Some(value);
    }
    let mut normalized = String::with_capacity(value.len());
    for (index, word) in value.split_whitespace().enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if index == 0 {
                normalized.extend(first.to_lowercase());
            } else {
                normalized.extend(first.to_uppercase());
            }
            normalized.push_str(&chars.as_str().to_ascii_lowercase());
        }
    }
    Some(Cow::Owned(normalized))
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

/// Owns the nested objects so the row can borrow from them.
struct Nests<'v, 'a> {
    location: Option<Nested<'v, 'a>>,
    device: Option<Nested<'v, 'a>>,
    status: Option<Nested<'v, 'a>>,
}

/// Fills a `signins` row from an Entra sign-in record.
pub fn extract_signin<'v, 'a>(
    view: &EntraView<'v, 'a>,
    log_type: &'static str,
    event_type: &'static str,
    fill: &mut dyn FnMut(SigninRow<'_>),
) -> Result<(), Rejection> {
    let time = view.event_time(&[CREATED, GENERATED, TIME])?;
    let nests = Nests {
        location: nested(view.get(LOCATION_DETAILS)).or_else(|| nested(view.get(LOCATION))),
        device: nested(view.get(DEVICE)),
        status: nested(view.get(STATUS)),
    };
    let location = nests.location.as_ref().map(Nested::get);
    let device = nests.device.as_ref().map(Nested::get);
    let status = nests.status.as_ref().map(Nested::get);
    let in_location = |key: &str| location.and_then(|l| member(l, key));
    let coordinates = in_location("geoCoordinates");
    let mut lat = coordinates.and_then(|c| float_of(member(c, "latitude")));
    let mut lon = coordinates.and_then(|c| float_of(member(c, "longitude")));
    if lat == Some(0.0) && lon == Some(0.0) {
        (lat, lon) = (None, None);
    }
    // The diagnostic record's top-level `location` is the country code as a string.
    let country = text(in_location("countryOrRegion")).or_else(|| match view.top[LOCATION] {
        Some(value @ Json::String(code)) if code.len() == 2 => text(Some(value)),
        _ => None,
    });
    let in_device = |key: &str| device.and_then(|d| member(d, key));
    let code =
        text(status.and_then(|s| member(s, "errorCode"))).or_else(|| text(view.get(RESULT_TYPE)));
    let is_principal = matches!(log_type, "service_principal" | "managed_identity");
    let (user, user_id, app) = if is_principal {
        (
            None,
            text(view.get(SP_ID)).or_else(|| text(view.get(USER_ID))),
            text(view.get(SP_NAME)).or_else(|| text(view.get(APP))),
        )
    } else {
        (
            lowercase(text(view.get(UPN))),
            text(view.get(USER_ID)),
            text(view.get(APP)),
        )
    };
    let event_id = view.event_id();
    let row = SigninRow {
        time,
        source: Cow::Borrowed("entra"),
        log_type: Cow::Borrowed(log_type),
        event_type: Cow::Borrowed(event_type),
        event_id: event_id.unwrap_or(Cow::Borrowed("")),
        user,
        user_id,
        session_id: text(view.get(SESSION_ID)),
        root_session_id: None,
        token_id: text(view.get(TOKEN_ID)),
        correlation_id: text(view.get(CORRELATION)),
        tenant_id: text(view.get(AAD_TENANT)).or_else(|| text(view.get(TENANT))),
        ip: text(view.get(IP)).or_else(|| text(view.get(CALLER_IP))),
        asn: int_of(view.get(ASN)).filter(|asn| *asn > 0),
        as_org: None,
        isp: None,
        is_proxy: None,
        country,
        region: text(in_location("state")),
        city: text(in_location("city")),
        lat,
        lon,
        user_agent: text(view.get(USER_AGENT)),
        device_id: text(in_device("deviceId")),
        device_os: text(in_device("operatingSystem")),
        browser: text(in_device("browser")),
        device_trust: text(in_device("trustType")),
        app,
        app_id: text(view.get(APP_ID)),
        resource: text(view.get(RESOURCE)),
        client_app: text(view.get(CLIENT_APP)),
        incoming_token_type: token_type_of(text(view.get(INCOMING))),
        token_issuer_type: text(view.get(ISSUER_TYPE)),
        auth_requirement: text(view.get(AUTH_REQUIREMENT)),
        result: result_of(code.as_deref()).map(Cow::Borrowed),
        result_code: code,
        risk: text(view.get(RISK)).or_else(|| text(view.get(RISK_AGGREGATED))),
        auth_protocol: auth_protocol_of(
            text(view.get(AUTH_PROTOCOL)),
            text(view.get(TRANSFER_METHOD)),
        ),
    };
    fill(row);
    Ok(())
}

/// `authenticationProtocol`, or `originalTransferMethod` when the protocol is
/// `none`: a device-code sign-in is `deviceCode` whichever of the two says so
/// (`deviceCode`, `deviceCodeFlow`), since the hunts look for exactly that.
fn auth_protocol_of<'v>(protocol: Text<'v>, transfer: Text<'v>) -> Text<'v> {
    let meaningful = |value: &Text<'v>| {
        value
            .as_deref()
            .is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
    };
    let is_device_code = |value: &Text<'v>| {
        value
            .as_deref()
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("devicecode"))
    };
    if is_device_code(&protocol) || is_device_code(&transfer) {
        return Some(Cow::Borrowed("deviceCode"));
    }
    if meaningful(&protocol) {
        return protocol;
    }
    if meaningful(&transfer) {
        return transfer;
    }
    protocol
}

/// Fills an `audit` row from an Entra directory-audit record.
pub fn extract_audit<'v, 'a>(
    view: &EntraView<'v, 'a>,
    fill: &mut dyn FnMut(AuditRow<'_>),
) -> Result<(), Rejection> {
    let time = view.event_time(&[ACTIVITY_TIME, GENERATED, TIME])?;
    let operation = text(view.get(ACTIVITY_NAME))
        .or_else(|| text(view.get(OPERATION_NAME)))
        .ok_or_else(|| {
            Rejection::new(
                "activityDisplayName",
                "audit record without an activity name",
            )
        })?;
    let initiated = nested(view.get(INITIATED_BY));
    let targets = nested(view.get(TARGETS));
    let initiated_by = initiated.as_ref().map(Nested::get);
    let user = initiated_by.and_then(|i| member(i, "user"));
    let app = initiated_by.and_then(|i| member(i, "app"));
    let actor = lowercase(text(user.and_then(|u| member(u, "userPrincipalName"))))
        .or_else(|| text(app.and_then(|a| member(a, "displayName"))))
        .or_else(|| text(app.and_then(|a| member(a, "servicePrincipalName"))))
        .or_else(|| text(view.get(IDENTITY)));
    let first_target = match targets.as_ref().map(Nested::get) {
        Some(Json::Array(items)) => items.first(),
        _ => None,
    };
    let target = lowercase(text(
        first_target.and_then(|t| member(t, "userPrincipalName")),
    ))
    .or_else(|| text(first_target.and_then(|t| member(t, "displayName"))));
    // The diagnostic wrapper's category is the log ("AuditLogs"); the audit category
    // (e.g. "ApplicationManagement") is inside, or is the wrapper's category for
    // records exported per audit category.
    let category = text(view.inner[CATEGORY])
        .or_else(|| text(view.top[CATEGORY]).filter(|c| !c.eq_ignore_ascii_case("AuditLogs")));
    let details = audit_details(view, targets.as_ref().map(Nested::get));
    let row = AuditRow {
        time,
        source: Cow::Borrowed("entra"),
        event_id: view.event_id().unwrap_or(Cow::Borrowed("")),
        operation,
        category,
        actor,
        actor_ip: text(user.and_then(|u| member(u, "ipAddress")))
            .or_else(|| text(view.get(CALLER_IP))),
        target,
        target_id: text(first_target.and_then(|t| member(t, "id"))),
        result: text(view.get(RESULT)).map(|r| Cow::Owned(r.to_ascii_lowercase())),
        details: Some(Cow::Owned(details)),
    };
    fill(row);
    Ok(())
}

/// The parts of an audit record a responder reads: what changed, on what, and why.
fn audit_details(view: &EntraView<'_, '_>, targets: Option<&Json<'_>>) -> String {
    let mut details = String::from("{");
    let mut push = |name: &str, value: Option<&Json<'_>>| {
        if let Some(value) = value.filter(|v| !json::is_null(v)) {
            if details.len() > 1 {
                details.push(',');
            }
            details.push('"');
            details.push_str(name);
            details.push_str("\":");
            details.push_str(&value.encode());
        }
    };
    push("targetResources", targets);
    let additional = nested(view.get(ADDITIONAL));
    push("additionalDetails", additional.as_ref().map(Nested::get));
    push("resultReason", view.get(RESULT_REASON));
    push("loggedByService", view.get(LOGGED_BY));
    details.push('}');
    details
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_analytics_location_code_and_details_in_either_order() {
        use crate::parse::row::{AuditBuilder, SigninBuilder};
        use crate::parse::{RecordParser, SourceHint};
        use datafusion::arrow::array::{AsArray, Float64Array};
        let details = r#"{"city":"London","state":"England","countryOrRegion":"GB","geoCoordinates":{"latitude":51.5,"longitude":-0.12}}"#;
        let records = [
            format!(
                r#"{{"Type":"SigninLogs","TimeGenerated":"2024-05-01T10:00:00Z","Id":"a","Location":"GB","LocationDetails":{details}}}"#
            ),
            format!(
                r#"{{"Type":"SigninLogs","TimeGenerated":"2024-05-01T10:00:00Z","Id":"b","LocationDetails":{details},"Location":"GB"}}"#
            ),
        ];
        let mut parser = RecordParser::new(SourceHint::Auto);
        let mut signins = SigninBuilder::with_capacity(2);
        let mut audit = AuditBuilder::with_capacity(0);
        for record in &records {
            parser
                .parse(record.as_bytes(), &mut signins, &mut audit)
                .unwrap();
        }
        let batch = signins.finish().unwrap();
        let lat = batch.column_by_name("lat").unwrap();
        let lat: &Float64Array = lat.as_primitive();
        assert_eq!(lat.value(0), 51.5);
        assert_eq!(lat.value(1), 51.5);
        let city = batch.column_by_name("city").unwrap();
        for row in 0..2 {
            let text = datafusion::arrow::util::display::array_value_to_string(city, row).unwrap();
            assert_eq!(text, "London");
        }
    }

    #[test]
    fn token_type_display_text_is_normalised() {
        assert_eq!(
            token_type_of(Some("Primary Refresh Token".into())).as_deref(),
            Some("primaryRefreshToken")
        );
        assert_eq!(
            token_type_of(Some("refreshToken".into())).as_deref(),
            Some("refreshToken")
        );
        assert_eq!(token_type_of(Some("None".into())).as_deref(), Some("none"));
    }

    #[test]
    fn results_from_codes() {
        assert_eq!(result_of(Some("0")), Some("success"));
        assert_eq!(result_of(Some("50140")), Some("interrupted"));
        assert_eq!(result_of(Some("50126")), Some("failure"));
        assert_eq!(result_of(Some("Failure")), Some("failure"));
        assert_eq!(result_of(None), None);
    }
}
