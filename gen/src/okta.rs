//! Okta System Log `LogEvent` objects, as the `/api/v1/logs` API returns them (JSON array pages).
//!
//! Field order and spellings follow Okta's documented examples: `uuid`, `published` (milliseconds, `Z`),
//! `eventType`, `displayMessage`, `client` (user agent, `zone:"null"`, device, IP, geographical context),
//! `actor`, `outcome`, `target`, `transaction`, `debugContext.debugData` (Java-map-style `behaviors` and
//! `risk` strings), `authenticationContext.externalSessionId`, `securityContext`, `request.ipChain`.

use crate::catalog::{OKTA_APPS, OktaApp};
use crate::event::{Event, EventKind, NO_DEVICE, OktaType, flags};
use crate::ids::{push_base62, push_dt_hash, push_okta_request, push_okta_session};
use crate::jsonw::{Obj, TimeStyle, push_str};
use crate::network::{NetKind, Network, country_name};
use crate::tenant::Tenant;

/// Okta failure reasons, by the event's `result` code.
pub fn failure_reason(code: u32) -> Option<&'static str> {
    match code {
        0 => None,
        1 => Some("INVALID_CREDENTIALS"),
        2 => Some("VERIFICATION_ERROR"),
        3 => Some("Refresh token reuse detected"),
        _ => Some("UNKNOWN"),
    }
}

fn display_message(t: OktaType) -> &'static str {
    match t {
        OktaType::PolicyEvaluateSignOn => "Evaluation of sign-on policy",
        OktaType::AuthViaMfa => "Authentication of user via MFA",
        OktaType::SessionStart => "User login to Okta",
        OktaType::Sso => "User single sign on to app",
        OktaType::TokenGrantAccess => "OIDC access token is granted",
        OktaType::TokenGrantRefresh => "OAuth2 refresh token is granted",
        OktaType::DetectReuseAs | OktaType::DetectReuseOrg => "Refresh token reuse detected",
        OktaType::SessionEnd => "User logout from Okta",
        OktaType::SessionContextChange => "User session context changed",
        OktaType::DetectClientRoaming => "Roaming session detected",
    }
}

fn legacy_type(t: OktaType, failed: bool) -> Option<&'static str> {
    match t {
        OktaType::SessionStart if failed => Some("core.user_auth.login_failed"),
        OktaType::SessionStart => Some("core.user_auth.login_success"),
        OktaType::AuthViaMfa => Some("core.user.factor.attempt_success"),
        OktaType::Sso => Some("app.auth.sso"),
        OktaType::TokenGrantAccess => Some("app.oauth2.as.token.grant.access_token_success"),
        OktaType::TokenGrantRefresh => Some("app.oauth2.as.token.grant.refresh_token_success"),
        OktaType::SessionEnd => Some("core.user_auth.logout_success"),
        OktaType::DetectReuseAs | OktaType::DetectReuseOrg => Some("app.oauth2.token.detect_reuse"),
        OktaType::PolicyEvaluateSignOn
        | OktaType::SessionContextChange
        | OktaType::DetectClientRoaming => None,
    }
}

/// Writes one LogEvent (no separator) into `out`.
pub fn write_event(out: &mut Vec<u8>, tenant: &Tenant, ev: &Event) {
    let EventKind::Okta(ty) = ev.kind else { return };
    let user = &tenant.users[ev.actor as usize];
    let net = tenant.nets.get(ev.net);
    let device = (ev.device != NO_DEVICE).then(|| &tenant.devices[ev.device as usize]);
    let app: &OktaApp = &OKTA_APPS[ev.app as usize % OKTA_APPS.len()];
    let failed = ev.result != 0;
    let mut o = Obj::begin(out);
    o.guid("uuid", ev.id)
        .t("published", ev.t, TimeStyle::Millis)
        .s("eventType", ty.event_type())
        .s("version", "0")
        .s("displayMessage", display_message(ty))
        .s("severity", if failed { "WARN" } else { "INFO" });
    o.obj("client", |c| {
        c.obj("userAgent", |u| match device {
            Some(d) if ev.flags & flags::NATIVE_CLIENT != 0 => {
                u.s(
                    "rawUserAgent",
                    &format!(
                        "okta-auth-js/7.8.1 okta-signin-widget-7.24.0 {}",
                        d.os.okta_name()
                    ),
                )
                .s("os", d.os.okta_name())
                .s("browser", "UNKNOWN");
            }
            Some(d) => {
                u.s("rawUserAgent", &d.user_agent)
                    .s("os", d.os.okta_name())
                    .s(
                        "browser",
                        if d.scripted {
                            "UNKNOWN"
                        } else {
                            d.browser.okta_name()
                        },
                    );
            }
            None => {
                u.s("rawUserAgent", "unknown")
                    .s("os", "Unknown")
                    .s("browser", "UNKNOWN");
            }
        });
        c.s("zone", "null")
            .s(
                "device",
                match device {
                    Some(d) if d.os.is_mobile() => "Mobile",
                    Some(_) => "Computer",
                    None => "Unknown",
                },
            )
            .null("id")
            .ip("ipAddress", ev.ip)
            .with("geographicalContext", |g| write_geo(g, net));
    });
    o.null("device");
    o.obj("actor", |a| {
        a.with("id", |v| {
            v.push(b'"');
            crate::ids::push_okta_id(v, "00u", user.okta_id);
            v.push(b'"');
        })
        .s("type", "User")
        .s("alternateId", &user.upn)
        .s("displayName", &user.display_name)
        .null("detailEntry");
    });
    o.obj("outcome", |oc| {
        let result = match (ty, failed) {
            (OktaType::PolicyEvaluateSignOn, false) => "ALLOW",
            (OktaType::PolicyEvaluateSignOn, true) => "DENY",
            (_, false) => "SUCCESS",
            (_, true) => "FAILURE",
        };
        oc.s("result", result)
            .opt_s("reason", failure_reason(ev.result));
    });
    o.with("target", |v| write_targets(v, tenant, ev, ty, app));
    o.obj("transaction", |t| {
        t.s("type", "WEB")
            .with("id", |v| {
                v.push(b'"');
                push_okta_request(v, ev.correlation);
                v.push(b'"');
            })
            .raw("detail", b"{}");
    });
    o.obj("debugContext", |d| {
        d.obj("debugData", |dd| {
            write_debug_data(dd, tenant, ev, ty, device.map(|x| x.dt_hash))
        });
    });
    match legacy_type(ty, failed) {
        Some(l) => o.s("legacyEventType", l),
        None => o.null("legacyEventType"),
    };
    o.obj("authenticationContext", |a| {
        let provider = match ty {
            OktaType::AuthViaMfa => Some("FACTOR_PROVIDER"),
            OktaType::SessionStart => Some("OKTA_AUTHENTICATION_PROVIDER"),
            _ => None,
        };
        a.opt_s("authenticationProvider", provider)
            .opt_s(
                "credentialProvider",
                (ty == OktaType::AuthViaMfa).then_some("OKTA_CREDENTIAL_PROVIDER"),
            )
            .opt_s(
                "credentialType",
                match ty {
                    OktaType::SessionStart if ev.flags & flags::FASTPASS != 0 => {
                        Some("SIGNED_NONCE")
                    }
                    OktaType::SessionStart => Some("PASSWORD"),
                    OktaType::AuthViaMfa if ev.flags & flags::FASTPASS != 0 => Some("SIGNED_NONCE"),
                    _ => None,
                },
            )
            .null("issuer")
            .n("authenticationStep", 0);
        if ev.flags & flags::NO_SESSION != 0 || ev.session == 0 {
            a.null("externalSessionId");
        } else {
            a.with("externalSessionId", |v| {
                v.push(b'"');
                push_okta_session(v, ev.session, ev.flags & flags::PRE_AUTH != 0);
                v.push(b'"');
            });
        }
        a.null("interface");
    });
    o.obj("securityContext", |s| {
        s.n("asNumber", net.asn as i64)
            .s("asOrg", &net.as_org_lower)
            .s("isp", &net.as_org_lower)
            .s("domain", &net.domain)
            .b(
                "isProxy",
                matches!(net.kind, NetKind::Vpn | NetKind::IcloudRelay),
            );
    });
    o.obj("request", |r| {
        r.with("ipChain", |v| {
            v.push(b'[');
            let mut c = Obj::begin(v);
            c.ip("ip", ev.ip)
                .with("geographicalContext", |g| write_geo(g, net))
                .s("version", if ev.ip.is_ipv6() { "V6" } else { "V4" })
                .null("source");
            c.end();
            v.push(b']');
        });
    });
    o.null("insertionTimestamp");
    o.end();
}

fn write_geo(out: &mut Vec<u8>, net: &Network) {
    let mut g = Obj::begin(out);
    g.s("city", &net.city)
        .s("state", &net.region)
        .s("country", country_name(&net.country))
        .null("postalCode")
        .obj("geolocation", |l| {
            l.f("lat", net.lat).f("lon", net.lon);
        });
    g.end();
}

fn write_targets(out: &mut Vec<u8>, tenant: &Tenant, ev: &Event, ty: OktaType, app: &OktaApp) {
    let user = &tenant.users[ev.actor as usize];
    let user_target = |out: &mut Vec<u8>| {
        let mut t = Obj::begin(out);
        t.with("id", |v| {
            v.push(b'"');
            crate::ids::push_okta_id(v, "00u", user.okta_id);
            v.push(b'"');
        })
        .s("type", "User")
        .s("alternateId", &user.upn)
        .s("displayName", &user.display_name)
        .null("detailEntry");
        t.end();
    };
    let app_target = |out: &mut Vec<u8>| {
        let mut t = Obj::begin(out);
        t.with("id", |v| {
            v.push(b'"');
            crate::ids::push_okta_id(v, "0oa", tenant.tenant_id ^ ev.app as u128);
            v.push(b'"');
        })
        .s("type", "AppInstance")
        .s("alternateId", app.label)
        .s("displayName", app.name)
        .obj("detailEntry", |d| {
            d.s("signOnModeType", app.sign_on_mode);
        });
        t.end();
    };
    out.push(b'[');
    match ty {
        OktaType::PolicyEvaluateSignOn => {
            let mut p = Obj::begin(out);
            p.with("id", |v| {
                v.push(b'"');
                crate::ids::push_okta_id(v, "00p", tenant.tenant_id);
                v.push(b'"');
            })
            .s("type", "PolicyEntity")
            .s("alternateId", "unknown")
            .s("displayName", "Default Policy")
            .obj("detailEntry", |d| {
                d.s("policyType", "OktaSignOn");
            });
            p.end();
            out.push(b',');
            let mut r = Obj::begin(out);
            r.with("id", |v| {
                v.push(b'"');
                crate::ids::push_okta_id(v, "0pr", tenant.tenant_id.rotate_left(9));
                v.push(b'"');
            })
            .s("type", "PolicyRule")
            .s("alternateId", "00p_unknown")
            .s("displayName", "Require MFA off-network")
            .null("detailEntry");
            r.end();
        }
        OktaType::Sso => {
            app_target(out);
            out.push(b',');
            let mut t = Obj::begin(out);
            t.with("id", |v| {
                v.push(b'"');
                crate::ids::push_okta_id(v, "0ua", user.okta_id ^ ev.app as u128);
                v.push(b'"');
            })
            .s("type", "AppUser")
            .s("alternateId", &user.upn)
            .s("displayName", &user.display_name)
            .null("detailEntry");
            t.end();
        }
        OktaType::TokenGrantAccess
        | OktaType::TokenGrantRefresh
        | OktaType::DetectReuseAs
        | OktaType::DetectReuseOrg => {
            app_target(out);
            out.push(b',');
            let (ty_name, disp) = match ty {
                OktaType::TokenGrantAccess => ("access_token", "Access Token"),
                _ => ("refresh_token", "Refresh Token"),
            };
            let mut t = Obj::begin(out);
            t.with("id", |v| {
                v.push(b'"');
                v.extend_from_slice(b"oar");
                push_base62(v, ev.token, 17);
                v.push(b'"');
            })
            .s("type", ty_name)
            .s("alternateId", "unknown")
            .s("displayName", disp)
            .obj("detailEntry", |d| {
                d.with("subject", |v| {
                    v.push(b'"');
                    crate::ids::push_okta_id(v, "00u", user.okta_id);
                    v.push(b'"');
                });
            });
            t.end();
        }
        _ => user_target(out),
    }
    out.push(b']');
}

fn behaviors(ev: &Event) -> String {
    let f = |bit: u8| {
        if ev.flags & bit != 0 {
            "POSITIVE"
        } else {
            "NEGATIVE"
        }
    };
    format!(
        "{{New Geo-Location={}, New Device={}, New IP={}, New State={}, New Country={}, Velocity={}, New City={}}}",
        f(flags::NEW_GEO),
        f(flags::NEW_DEVICE),
        f(flags::NEW_IP),
        f(flags::NEW_GEO),
        f(flags::NEW_COUNTRY),
        "NEGATIVE",
        f(flags::NEW_GEO)
    )
}

fn write_debug_data(
    d: &mut Obj<'_>,
    tenant: &Tenant,
    ev: &Event,
    ty: OktaType,
    dt: Option<(u128, u128)>,
) {
    let request = |v: &mut Vec<u8>| {
        v.push(b'"');
        push_okta_request(v, ev.token);
        v.push(b'"');
    };
    d.with("requestId", request);
    if let Some((a, b)) = dt {
        // A native OAuth client keeps its own device token, so its dtHash differs from the browser's.
        let (a, b) = if ev.flags & flags::NATIVE_CLIENT != 0 {
            (a ^ 0x5A5A, b.rotate_left(29))
        } else {
            (a, b)
        };
        d.with("dtHash", |v| {
            v.push(b'"');
            push_dt_hash(v, a, b);
            v.push(b'"');
        });
    }
    let uri = match ty {
        OktaType::PolicyEvaluateSignOn => "/idp/idx/introspect",
        OktaType::AuthViaMfa => "/idp/idx/challenge/answer",
        OktaType::SessionStart => "/idp/idx/identify",
        OktaType::Sso => "/app/sso/saml",
        OktaType::TokenGrantAccess | OktaType::TokenGrantRefresh => "/oauth2/v1/token",
        OktaType::DetectReuseAs | OktaType::DetectReuseOrg => "/oauth2/v1/token",
        OktaType::SessionEnd => "/login/signout",
        OktaType::SessionContextChange | OktaType::DetectClientRoaming => "/api/v1/sessions/me",
    };
    d.s("requestUri", uri).with("url", |v| {
        v.push(b'"');
        v.extend_from_slice(uri.as_bytes());
        v.push(b'?');
        v.push(b'"');
    });
    match ty {
        OktaType::PolicyEvaluateSignOn | OktaType::SessionStart | OktaType::AuthViaMfa => {
            d.s("behaviors", &behaviors(ev));
            let risky = ev.flags & (flags::NEW_COUNTRY | flags::NEW_DEVICE) != 0;
            d.s(
                "risk",
                if risky {
                    "{reasons=Anomalous Device, level=MEDIUM}"
                } else {
                    "{level=LOW}"
                },
            );
            if ty == OktaType::AuthViaMfa {
                d.s(
                    "factor",
                    if ev.flags & flags::FASTPASS != 0 {
                        "SIGNED_NONCE"
                    } else {
                        "OKTA_VERIFY_PUSH"
                    },
                );
            }
        }
        OktaType::TokenGrantAccess
        | OktaType::TokenGrantRefresh
        | OktaType::DetectReuseAs
        | OktaType::DetectReuseOrg => {
            d.s(
                "grantType",
                if ty == OktaType::TokenGrantAccess && ev.flags & flags::NO_SESSION == 0 {
                    "authorization_code"
                } else {
                    "refresh_token"
                },
            )
            .s("requestedScopes", "openid, profile, email, offline_access")
            .s("grantedScopes", "openid, profile, email, offline_access")
            .with("clientId", |v| {
                v.push(b'"');
                crate::ids::push_okta_id(v, "0oa", tenant.tenant_id ^ ev.app as u128);
                v.push(b'"');
            });
        }
        OktaType::SessionContextChange | OktaType::DetectClientRoaming => {
            d.s("behaviors", &behaviors(ev));
            d.s(
                "risk",
                if ev.flags & flags::NEW_COUNTRY != 0 {
                    "{reasons=Anomalous Location, level=MEDIUM}"
                } else {
                    "{level=LOW}"
                },
            );
        }
        _ => {}
    }
    d.s("threatSuspected", "false");
    let _ = push_str;
}
