//! Entra ID as diagnostic settings deliver it (storage account / Event Hub): one record per line with
//! `time`, `category`, `resultType` (a string), `callerIpAddress`, `Level`, `location`, and the
//! camelCase `properties` object as in the real samples.

use crate::entra::{
    EntraContext, audit, ca_status, failure_reason, resource, small_number, write_auth_details,
    write_ca_policies, write_device_detail, write_location, write_mfa_detail,
    write_network_locations, write_processing_details, write_status,
};
use crate::event::{Event, EventKind};
use crate::jsonw::{Obj, TimeStyle};

/// Diagnostic `category` of an Entra event.
pub fn category(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::EntraInteractive => "SignInLogs",
        EventKind::EntraNonInteractive => "NonInteractiveUserSignInLogs",
        EventKind::EntraServicePrincipal => "ServicePrincipalSignInLogs",
        EventKind::EntraManagedIdentity => "ManagedIdentitySignInLogs",
        EventKind::EntraAudit => "AuditLogs",
        EventKind::Okta(_) => return None,
    })
}

/// Writes one record (no trailing newline).
pub fn write_record(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let Some(cat) = category(ev.kind) else { return };
    match ev.kind {
        EventKind::EntraAudit => write_audit(out, ctx, ev),
        _ => write_signin(out, ctx, ev, cat),
    }
}

fn write_signin(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event, cat: &str) {
    let user_event = matches!(
        ev.kind,
        EventKind::EntraInteractive | EventKind::EntraNonInteractive
    );
    let interactive = ev.kind == EventKind::EntraInteractive;
    let net = ctx.net(ev);
    let res = resource(ev);
    let mut o = Obj::begin(out);
    o.t("time", ev.t, TimeStyle::Entra7Z)
        .s("resourceId", &ctx.resource_id)
        .s("operationName", "Sign-in activity")
        .s("operationVersion", "1.0")
        .s("category", cat)
        .s("tenantId", &ctx.tenant_id)
        .with("resultType", |v| {
            v.push(b'"');
            crate::jsonw::push_int(v, ev.result as i64);
            v.push(b'"');
        })
        .s("resultSignature", "None");
    if ev.result != 0 {
        o.s("resultDescription", failure_reason(ev.result));
    }
    o.n("durationMs", 0)
        .ip("callerIpAddress", ev.ip)
        .guid("correlationId", ev.correlation);
    if user_event {
        o.s(
            "identity",
            &ctx.tenant.users[ev.actor as usize].display_name,
        );
    }
    o.n("Level", 4).s("location", &net.country);
    o.obj("properties", |p| {
        p.guid("id", ev.id)
            .t("createdDateTime", ev.t, TimeStyle::Entra7Offset);
        if user_event {
            write_user_properties(p, ctx, ev, interactive);
        } else {
            let sp = &ctx.tenant.service_principals[ev.actor as usize];
            let mi = ev.kind == EventKind::EntraManagedIdentity;
            p.null("userId")
                .guid("appId", sp.app_id)
                .ip("ipAddress", ev.ip)
                .with("status", |b| write_status(b, ev.result))
                .with("location", |b| write_location(b, net))
                .guid("correlationId", ev.correlation)
                .s("conditionalAccessStatus", "notApplied")
                .raw("appliedConditionalAccessPolicies", b"[]")
                .b("isInteractive", false)
                .s("tokenIssuerType", "AzureAD")
                .raw(
                    "authenticationProcessingDetails",
                    b"[{\"key\":\"Azure AD App Authentication Library\",\"value\":\"\"}]",
                )
                .n("processingTimeInMilliseconds", small_number(ev, 200))
                .s("riskDetail", "none")
                .s("riskLevelAggregated", "none")
                .s("riskLevelDuringSignIn", "none")
                .s("riskState", "none")
                .s("resourceDisplayName", res.name)
                .s("resourceId", res.id)
                .s("servicePrincipalName", &sp.name)
                .guid("servicePrincipalId", sp.sp_id)
                .b("flaggedForReview", false)
                .b("isTenantRestricted", false)
                .s("crossTenantAccessType", "none");
            if mi {
                p.s("servicePrincipalCredentialKeyId", "")
                    .s("clientCredentialType", "managedIdentity");
            } else {
                p.guid("servicePrincipalCredentialKeyId", sp.key_id).s(
                    "clientCredentialType",
                    if sp.certificate {
                        "certificate"
                    } else {
                        "clientSecret"
                    },
                );
            }
            p.with("uniqueTokenIdentifier", |v| {
                v.push(b'"');
                crate::ids::push_uti(v, ev.token);
                v.push(b'"');
            })
            .s("incomingTokenType", "none")
            .s("authenticationProtocol", "none");
        }
    });
    o.end();
}

fn write_user_properties(p: &mut Obj<'_>, ctx: &EntraContext<'_>, ev: &Event, interactive: bool) {
    let user = &ctx.tenant.users[ev.actor as usize];
    let net = ctx.net(ev);
    let app = &crate::catalog::ENTRA_APPS[ev.app as usize % crate::catalog::ENTRA_APPS.len()];
    let res = resource(ev);
    let named = ctx.named_location(ev);
    let ua = ctx.user_agent(ev);
    p.s("userDisplayName", &user.display_name)
        .s("userPrincipalName", &user.upn)
        .guid("userId", user.object_id)
        .s("appId", app.id)
        .s("appDisplayName", app.name)
        .ip("ipAddress", ev.ip)
        .with("status", |b| write_status(b, ev.result))
        .s(
            "clientAppUsed",
            match app.client {
                crate::catalog::ClientKind::Browser => "Browser",
                crate::catalog::ClientKind::Native => "Mobile Apps and Desktop clients",
            },
        );
    if let Some(ua) = ua.as_deref() {
        p.s("userAgent", ua);
    }
    p.with("deviceDetail", |b| write_device_detail(b, ctx, ev))
        .with("location", |b| write_location(b, net))
        .with("mfaDetail", |b| write_mfa_detail(b, ev.auth))
        .guid("correlationId", ev.correlation)
        .s("conditionalAccessStatus", ca_status(ev))
        .with("appliedConditionalAccessPolicies", |b| {
            write_ca_policies(b, ctx, ev, named.is_some())
        })
        .guid("originalRequestId", ev.id)
        .b("isInteractive", interactive)
        .s("tokenIssuerName", "")
        .s("tokenIssuerType", "AzureAD")
        .with("authenticationProcessingDetails", |b| {
            write_processing_details(b, ev)
        })
        .with("networkLocationDetails", |b| {
            write_network_locations(b, named)
        })
        .n("processingTimeInMilliseconds", 20 + small_number(ev, 400))
        .s("riskDetail", "none")
        .s("riskLevelAggregated", "none")
        .s("riskLevelDuringSignIn", "none")
        .s("riskState", "none")
        .raw("riskEventTypes", b"[]")
        .raw("riskEventTypes_v2", b"[]")
        .s("resourceDisplayName", res.name)
        .s("resourceId", res.id)
        .s("resourceTenantId", &ctx.tenant_id)
        .s("homeTenantId", &ctx.tenant_id)
        .with("authenticationDetails", |b| write_auth_details(b, ev))
        .raw("authenticationRequirementPolicies", b"[]")
        .s(
            "authenticationRequirement",
            if ev.auth.multi_factor() {
                "multiFactorAuthentication"
            } else {
                "singleFactorAuthentication"
            },
        )
        .s("servicePrincipalId", "")
        .s("userType", "Member")
        .b("flaggedForReview", false)
        .b("isTenantRestricted", false)
        .n("autonomousSystemNumber", net.asn as i64)
        .s("crossTenantAccessType", "none")
        .raw("privateLinkDetails", b"{}")
        .s("ssoExtensionVersion", "")
        .with("uniqueTokenIdentifier", |v| {
            v.push(b'"');
            crate::ids::push_uti(v, ev.token);
            v.push(b'"');
        })
        .s("incomingTokenType", ev.token_type.name())
        .s(
            "authenticationProtocol",
            crate::entra::authentication_protocol(ev),
        )
        .s(
            "originalTransferMethod",
            crate::entra::original_transfer_method(ev),
        )
        .with("sessionId", |v| crate::entra::push_session(v, ev.session))
        .raw(
            "signInEventTypes",
            if interactive {
                b"[\"interactiveUser\"]"
            } else {
                b"[\"nonInteractiveUser\"]"
            },
        );
}

fn write_audit(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let Some(a) = ev.audit.as_ref() else { return };
    let ua = ctx.user_agent(ev).unwrap_or_default();
    let mut o = Obj::begin(out);
    o.t("time", ev.t, TimeStyle::Entra7Z)
        .s("resourceId", &ctx.resource_id)
        .s("operationName", a.activity.name())
        .s("operationVersion", "1.0")
        .s("category", "AuditLogs")
        .s("tenantId", &ctx.tenant_id)
        .s("resultSignature", "None")
        .n("durationMs", 0)
        .ip("callerIpAddress", ev.ip)
        .guid("correlationId", ev.correlation)
        .n("Level", 4)
        .obj("properties", |p| {
            p.with("id", |v| audit::push_audit_id(v, ev))
                .s("category", a.activity.category())
                .guid("correlationId", ev.correlation)
                .s("result", "success")
                .s("resultReason", audit::result_reason(ev))
                .s("activityDisplayName", a.activity.name())
                .t("activityDateTime", ev.t, TimeStyle::Entra7Offset)
                .s("loggedByService", a.activity.service())
                .s("operationType", a.activity.operation_type())
                .with("initiatedBy", |v| audit::write_initiated_by(v, ctx, ev))
                .with("targetResources", |v| {
                    audit::write_target_resources(v, ctx, ev)
                })
                .with("additionalDetails", |v| {
                    audit::write_additional_details(v, ctx, ev, &ua)
                });
        });
    o.end();
}
