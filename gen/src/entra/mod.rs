//! Entra ID sign-in and audit records, in the two export formats: Log Analytics rows ([`la`]) and
//! diagnostic-settings records ([`diagnostic`]). The nested objects (device, location, status,
//! Conditional Access, authentication steps) have the same camelCase inside both formats; they are
//! written here once.

pub mod audit;
pub mod diagnostic;
pub mod la;

use std::borrow::Cow;

use crate::catalog::{ENTRA_APPS, NativeAgent, RESOURCES, native_agent};
use crate::event::{Auth, Event, MFA_METHODS, NO_DEVICE, TokenType};
use crate::jsonw::{Obj, TimeStyle, push_str};
use crate::network::Network;
use crate::tenant::{Tenant, Trust};

/// What a failure code means (`status.failureReason` / `ResultDescription`).
pub fn failure_reason(code: u32) -> &'static str {
    match code {
        0 => "",
        50126 => "Error validating credentials due to invalid username or password.",
        50074 => "Strong Authentication is required.",
        50076 => {
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource."
        }
        50140 => {
            "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."
        }
        53003 => {
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."
        }
        50053 => {
            "Account is locked because user tried to sign in too many times with an incorrect user ID or password."
        }
        70044 => {
            "The session has expired or is invalid due to sign-in frequency checks by conditional access."
        }
        _ => "Other.",
    }
}

fn additional_details(code: u32) -> Option<&'static str> {
    match code {
        50074 | 50076 => Some("MFA required in Azure AD"),
        50140 => Some("MFA requirement satisfied by claim in the token"),
        53003 => Some("Conditional Access policy requires a compliant device"),
        _ => None,
    }
}

/// Values every Entra writer needs, computed once.
pub struct EntraContext<'a> {
    /// The tenant.
    pub tenant: &'a Tenant,
    /// Tenant id text.
    pub tenant_id: String,
    /// `/tenants/<id>/providers/Microsoft.aadiam`.
    pub resource_id: String,
    /// Conditional Access policy ids.
    pub policy_ids: [u128; 3],
}

impl<'a> EntraContext<'a> {
    /// Context for a tenant.
    pub fn new(tenant: &'a Tenant) -> Self {
        let tenant_id = crate::ids::guid(tenant.tenant_id);
        let resource_id = format!("/tenants/{tenant_id}/providers/Microsoft.aadiam");
        let t = tenant.tenant_id;
        EntraContext {
            tenant,
            tenant_id,
            resource_id,
            policy_ids: [
                t.rotate_left(7) ^ 1,
                t.rotate_left(19) ^ 2,
                t.rotate_left(37) ^ 3,
            ],
        }
    }

    /// The network block of an event.
    pub fn net(&self, ev: &Event) -> &Network {
        self.tenant.nets.get(ev.net)
    }

    /// The user agent an Entra user sign-in carries (native clients send their own).
    pub fn user_agent(&self, ev: &Event) -> Option<Cow<'a, str>> {
        let app = &ENTRA_APPS[ev.app as usize % ENTRA_APPS.len()];
        if ev.device == NO_DEVICE {
            // Services calling from their own cloud send their HTTP library's agent.
            return match (ev.kind, app.native_agent) {
                (crate::event::EventKind::EntraNonInteractive, NativeAgent::Fixed(s))
                    if !s.is_empty() =>
                {
                    Some(Cow::Borrowed(s))
                }
                _ => None,
            };
        }
        let d = &self.tenant.devices[ev.device as usize];
        if d.scripted {
            return Some(Cow::Borrowed(d.user_agent.as_str()));
        }
        if ev.kind != crate::event::EventKind::EntraNonInteractive {
            return Some(Cow::Borrowed(d.user_agent.as_str()));
        }
        match app.native_agent {
            NativeAgent::Browser => Some(Cow::Borrowed(d.user_agent.as_str())),
            other => native_agent(other, d.os, &d.user_agent).map(Cow::Owned),
        }
    }

    /// Whether the address is a trusted named location (offices, VPN egress).
    pub fn named_location(&self, ev: &Event) -> Option<&'static str> {
        if ev.ip == self.tenant.vpn_egress.1 {
            return Some("Corporate VPN");
        }
        for (i, o) in self.tenant.offices.iter().enumerate() {
            if o.ips.contains(&ev.ip) {
                return Some(
                    [
                        "HQ Office",
                        "London Office",
                        "Hamburg Office",
                        "Paris Office",
                    ][i.min(3)],
                );
            }
        }
        None
    }
}

/// `deviceDetail` object.
pub fn write_device_detail(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let mut o = Obj::begin(out);
    if ev.device == NO_DEVICE {
        o.s("deviceId", "")
            .s("operatingSystem", "")
            .s("browser", "");
        o.end();
        return;
    }
    let d = &ctx.tenant.devices[ev.device as usize];
    if d.trust == Trust::None {
        o.s("deviceId", "");
    } else {
        o.guid("deviceId", d.id);
        o.s("displayName", &d.display_name);
    }
    o.s("operatingSystem", d.os.entra_name());
    let app = &ENTRA_APPS[ev.app as usize % ENTRA_APPS.len()];
    if d.scripted
        || ev.kind == crate::event::EventKind::EntraNonInteractive
            && app.native_agent != NativeAgent::Browser
    {
        o.s("browser", "Rich Client 5.2.0.0");
    } else {
        o.s("browser", &d.entra_browser());
    }
    if d.trust != Trust::None {
        o.b("isCompliant", d.compliant)
            .b("isManaged", d.trust != Trust::Registered || d.compliant);
        o.s("trustType", d.trust.entra_name());
    }
    o.end();
}

/// `location` / `LocationDetails` object.
pub fn write_location(out: &mut Vec<u8>, net: &Network) {
    let mut o = Obj::begin(out);
    o.s("city", &net.city)
        .s("state", &net.region)
        .s("countryOrRegion", &net.country);
    o.obj("geoCoordinates", |g| {
        g.f("latitude", net.lat).f("longitude", net.lon);
    });
    o.end();
}

/// `status` object.
pub fn write_status(out: &mut Vec<u8>, code: u32) {
    let mut o = Obj::begin(out);
    o.n("errorCode", code as i64);
    if code != 0 {
        o.s("failureReason", failure_reason(code));
        if let Some(d) = additional_details(code) {
            o.s("additionalDetails", d);
        }
    }
    o.end();
}

/// `mfaDetail` object (empty unless a second factor was used or claimed).
pub fn write_mfa_detail(out: &mut Vec<u8>, auth: Auth) {
    let mut o = Obj::begin(out);
    match auth {
        Auth::PasswordMfa { method } => {
            o.s(
                "authMethod",
                MFA_METHODS[method as usize % MFA_METHODS.len()],
            );
            o.null("authDetail");
        }
        Auth::Claim { mfa: true } => {
            o.s("authMethod", "Previously satisfied");
        }
        _ => {}
    }
    o.end();
}

/// `conditionalAccessStatus` for an event.
pub fn ca_status(ev: &Event) -> &'static str {
    match ev.result {
        53003 => "failure",
        0 if ev.auth.multi_factor() => "success",
        _ => "notApplied",
    }
}

/// `appliedConditionalAccessPolicies` array.
pub fn write_ca_policies(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event, trusted: bool) {
    out.push(b'[');
    let mfa_result = if trusted {
        "notApplied"
    } else if ev.auth.multi_factor() {
        "success"
    } else if ev.result == 50074 || ev.result == 50076 {
        "failure"
    } else {
        "notApplied"
    };
    let device_result = if ev.result == 53003 {
        "failure"
    } else {
        "notApplied"
    };
    let policies: [(&str, &str, &str); 3] = [
        (
            "CA001: Require multifactor authentication for all users",
            "Mfa",
            mfa_result,
        ),
        ("CA002: Block legacy authentication", "Block", "notApplied"),
        (
            "CA003: Require compliant device for unmanaged platforms",
            "RequireCompliantDevice",
            device_result,
        ),
    ];
    for (i, (name, grant, result)) in policies.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut o = Obj::begin(out);
        o.guid("id", ctx.policy_ids[i]).s("displayName", name);
        o.with("enforcedGrantControls", |v| {
            v.push(b'[');
            push_str(v, grant);
            v.push(b']');
        });
        o.raw("enforcedSessionControls", b"[]").s("result", result);
        o.end();
    }
    out.push(b']');
}

/// `authenticationDetails` array.
pub fn write_auth_details(out: &mut Vec<u8>, ev: &Event) {
    out.push(b'[');
    let step = |out: &mut Vec<u8>,
                method: &str,
                detail: &str,
                ok: bool,
                result: &str,
                req: &str,
                seq: i64| {
        let mut o = Obj::begin(out);
        o.t("authenticationStepDateTime", ev.t, TimeStyle::Entra7Offset)
            .s("authenticationMethod", method)
            .s("authenticationMethodDetail", detail)
            .b("succeeded", ok)
            .s("authenticationStepResultDetail", result)
            .s("authenticationStepRequirement", req)
            .n("StatusSequence", 0)
            .n("RequestSequence", seq);
        o.end();
    };
    match ev.auth {
        Auth::Token { .. } => {}
        Auth::Password => {
            let ok = ev.result != 50126 && ev.result != 50053;
            step(
                out,
                "Password",
                "Password in the cloud",
                ok,
                if ok {
                    "Correct password"
                } else {
                    "Invalid username or password or Invalid on-premise username or password."
                },
                "Primary authentication",
                0,
            );
        }
        Auth::PasswordMfa { method } => {
            step(
                out,
                "Password",
                "Password in the cloud",
                true,
                "Correct password",
                "Primary authentication",
                0,
            );
            out.push(b',');
            step(
                out,
                MFA_METHODS[method as usize % MFA_METHODS.len()],
                "",
                true,
                "MFA successfully completed",
                "",
                1,
            );
        }
        Auth::Claim { mfa } => {
            step(
                out,
                "Previously satisfied",
                "",
                true,
                "First factor requirement satisfied by claim in the token",
                "Primary authentication",
                0,
            );
            if mfa {
                out.push(b',');
                step(
                    out,
                    "Previously satisfied",
                    "",
                    true,
                    "MFA requirement satisfied by claim in the token",
                    "",
                    0,
                );
            }
        }
    }
    out.push(b']');
}

/// `authenticationProcessingDetails` array.
pub fn write_processing_details(out: &mut Vec<u8>, ev: &Event) {
    let scope = match ev.resource {
        crate::catalog::res::EXCHANGE => {
            r#"["EWS.AccessAsUser.All","Mail.ReadWrite","Calendars.ReadWrite","offline_access"]"#
        }
        crate::catalog::res::GRAPH => {
            r#"["User.Read","Files.ReadWrite.All","Sites.ReadWrite.All","offline_access"]"#
        }
        crate::catalog::res::AZURE_MGMT => r#"["user_impersonation"]"#,
        _ => "",
    };
    out.push(b'[');
    let mut first = true;
    let mut kv = |out: &mut Vec<u8>, k: &str, v: &str| {
        if !first {
            out.push(b',');
        }
        first = false;
        let mut o = Obj::begin(out);
        o.s("key", k).s("value", v);
        o.end();
    };
    if ev.kind == crate::event::EventKind::EntraInteractive {
        kv(out, "Login Hint Present", "True");
    }
    kv(out, "Legacy TLS (TLS 1.0, 1.1, 3DES)", "False");
    if ev.token_type != TokenType::None {
        kv(out, "Oauth Scope Info", scope);
    }
    kv(
        out,
        "Is CAE Token",
        if ev.token_type == TokenType::None {
            "False"
        } else {
            "True"
        },
    );
    out.push(b']');
}

/// `networkLocationDetails` array.
pub fn write_network_locations(out: &mut Vec<u8>, named: Option<&str>) {
    match named {
        None => out.extend_from_slice(b"[]"),
        Some(name) => {
            out.extend_from_slice(b"[{\"networkType\":\"trustedNamedLocation\",\"networkNames\":[");
            push_str(out, name);
            out.extend_from_slice(b"]}]");
        }
    }
}

/// A small number derived from an event's random bits, for values nobody hunts on (processing time).
pub fn small_number(ev: &Event, modulo: u64) -> i64 {
    ((ev.id as u64) % modulo.max(1)) as i64
}

/// Resource of an event.
pub fn resource(ev: &Event) -> &'static crate::catalog::Resource {
    &RESOURCES[ev.resource as usize % RESOURCES.len()]
}

/// `authenticationProtocol` of a user sign-in: `deviceCode` on the interactive record that completed a
/// device code flow, else `none` (as Entra writes for browser and broker sign-ins).
pub fn authentication_protocol(ev: &Event) -> &'static str {
    // The record that completed the flow is the interactive one that redeemed no token.
    if ev.kind == crate::event::EventKind::EntraInteractive
        && ev.flags & crate::event::flags::DEVICE_CODE != 0
        && ev.token_type == TokenType::None
    {
        "deviceCode"
    } else {
        "none"
    }
}

/// `originalTransferMethod`: `deviceCodeFlow` on every record of a session that began with the device
/// code flow (the interactive sign-in and the token redemptions after it), else `none`.
pub fn original_transfer_method(ev: &Event) -> &'static str {
    if ev.flags & crate::event::flags::DEVICE_CODE != 0 {
        "deviceCodeFlow"
    } else {
        "none"
    }
}

/// `SessionId` value: the GUID, or an empty string for sign-ins that established no session (failed
/// password attempts).
pub fn push_session(out: &mut Vec<u8>, session: u128) {
    out.push(b'"');
    if session != 0 {
        crate::ids::push_guid(out, session);
    }
    out.push(b'"');
}
