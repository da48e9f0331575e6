//! Entra ID as exported from Log Analytics / Microsoft Sentinel: one JSON object per line, PascalCase
//! columns, the table in `Type`. Dynamic columns are JSON objects in `SigninLogs` and JSON-encoded
//! strings in `AADNonInteractiveUserSignInLogs` (and in the service-principal tables), as real exports
//! show them; `AuthenticationDetails` and `AuthenticationProcessingDetails` are strings in every table.

use crate::entra::push_session;
use crate::entra::{
    EntraContext, audit, ca_status, failure_reason, resource, small_number, write_auth_details,
    write_ca_policies, write_device_detail, write_location, write_mfa_detail,
    write_network_locations, write_processing_details, write_status,
};
use crate::event::{Event, EventKind};
use crate::jsonw::{Obj, TimeStyle, push_str};

/// Log Analytics table of an Entra event.
pub fn table(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::EntraInteractive => "SigninLogs",
        EventKind::EntraNonInteractive => "AADNonInteractiveUserSignInLogs",
        EventKind::EntraServicePrincipal => "AADServicePrincipalSignInLogs",
        EventKind::EntraManagedIdentity => "AADManagedIdentitySignInLogs",
        EventKind::EntraAudit => "AuditLogs",
        EventKind::Okta(_) => return None,
    })
}

/// Writes one row (no trailing newline) into `out`; `scratch` is reused for string-encoded columns.
pub fn write_row(out: &mut Vec<u8>, scratch: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    match ev.kind {
        EventKind::EntraInteractive | EventKind::EntraNonInteractive => {
            write_user_signin(out, scratch, ctx, ev)
        }
        EventKind::EntraServicePrincipal | EventKind::EntraManagedIdentity => {
            write_sp_signin(out, scratch, ctx, ev)
        }
        EventKind::EntraAudit => write_audit(out, ctx, ev),
        EventKind::Okta(_) => {}
    }
}

/// Writes a dynamic column either as an object (`as_string == false`) or as its JSON text.
fn dynamic(
    o: &mut Obj<'_>,
    scratch: &mut Vec<u8>,
    key: &str,
    as_string: bool,
    f: impl FnOnce(&mut Vec<u8>),
) {
    scratch.clear();
    f(scratch);
    if as_string {
        o.json_string(key, scratch);
    } else {
        o.raw(key, scratch);
    }
}

fn common_head(o: &mut Obj<'_>, ctx: &EntraContext<'_>, ev: &Event, category: &str) {
    o.s("TenantId", &ctx.tenant_id)
        .s("SourceSystem", "Azure AD")
        .t("TimeGenerated", ev.t, TimeStyle::Entra7Z)
        .s("ResourceId", &ctx.resource_id)
        .s("OperationName", "Sign-in activity")
        .s("OperationVersion", "1.0")
        .s("Category", category)
        .with("ResultType", |v| {
            v.push(b'"');
            crate::jsonw::push_int(v, ev.result as i64);
            v.push(b'"');
        })
        .s("ResultSignature", "None")
        .s("ResultDescription", failure_reason(ev.result))
        .s("DurationMs", "0")
        .guid("CorrelationId", ev.correlation)
        .s("Resource", "Microsoft.aadiam")
        .s("ResourceGroup", "Microsoft.aadiam")
        .s("ResourceProvider", "Microsoft.aadiam");
}

fn write_user_signin(out: &mut Vec<u8>, scratch: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let interactive = ev.kind == EventKind::EntraInteractive;
    let strings = !interactive;
    let user = &ctx.tenant.users[ev.actor as usize];
    let net = ctx.net(ev);
    let app = &crate::catalog::ENTRA_APPS[ev.app as usize % crate::catalog::ENTRA_APPS.len()];
    let res = resource(ev);
    let named = ctx.named_location(ev);
    let ua = ctx.user_agent(ev);
    let mut o = Obj::begin(out);
    common_head(
        &mut o,
        ctx,
        ev,
        if interactive {
            "SignInLogs"
        } else {
            "NonInteractiveUserSignInLogs"
        },
    );
    o.s("Identity", &user.display_name)
        .s("Level", "4")
        .s("Location", &net.country)
        .s("AlternateSignInName", &user.upn)
        .s("AppDisplayName", app.name)
        .s("AppId", app.id)
        .s("AuthenticationContextClassReferences", "[]");
    dynamic(&mut o, scratch, "AuthenticationDetails", true, |b| {
        write_auth_details(b, ev)
    });
    o.s("AuthenticationMethodsUsed", "[]");
    dynamic(
        &mut o,
        scratch,
        "AuthenticationProcessingDetails",
        true,
        |b| write_processing_details(b, ev),
    );
    o.s(
        "AuthenticationProtocol",
        crate::entra::authentication_protocol(ev),
    )
    .s(
        "AuthenticationRequirement",
        if ev.auth.multi_factor() {
            "multiFactorAuthentication"
        } else {
            "singleFactorAuthentication"
        },
    )
    .s("AuthenticationRequirementPolicies", "[]")
    .n("AutonomousSystemNumber", net.asn as i64)
    .s(
        "ClientAppUsed",
        match app.client {
            crate::catalog::ClientKind::Browser => "Browser",
            crate::catalog::ClientKind::Native => "Mobile Apps and Desktop clients",
        },
    );
    dynamic(&mut o, scratch, "ConditionalAccessPolicies", strings, |b| {
        write_ca_policies(b, ctx, ev, named.is_some())
    });
    o.s("ConditionalAccessStatus", ca_status(ev))
        .t("CreatedDateTime", ev.t, TimeStyle::Entra7Z)
        .s("CrossTenantAccessType", "none");
    dynamic(&mut o, scratch, "DeviceDetail", strings, |b| {
        write_device_detail(b, ctx, ev)
    });
    o.s("HomeTenantId", &ctx.tenant_id)
        .s("IncomingTokenType", ev.token_type.name())
        .ip("IPAddress", ev.ip)
        .b("IsInteractive", interactive)
        .b("IsRisky", false)
        .guid("Id", ev.id);
    dynamic(&mut o, scratch, "LocationDetails", strings, |b| {
        write_location(b, net)
    });
    dynamic(&mut o, scratch, "MfaDetail", strings, |b| {
        write_mfa_detail(b, ev.auth)
    });
    dynamic(&mut o, scratch, "NetworkLocationDetails", true, |b| {
        write_network_locations(b, named)
    });
    o.guid("OriginalRequestId", ev.id)
        .s(
            "OriginalTransferMethod",
            crate::entra::original_transfer_method(ev),
        )
        .with("ProcessingTimeInMilliseconds", |v| {
            v.push(b'"');
            crate::jsonw::push_int(v, 20 + small_number(ev, 400));
            v.push(b'"');
        })
        .s("ResourceDisplayName", res.name)
        .s("ResourceIdentity", res.id)
        .guid(
            "ResourceServicePrincipalId",
            ctx.tenant.tenant_id ^ (ev.resource as u128 + 1),
        )
        .s("ResourceTenantId", &ctx.tenant_id)
        .s("RiskDetail", "none")
        .s("RiskEventTypes", "[]")
        .s("RiskEventTypes_V2", "[]")
        .s("RiskLevelAggregated", "none")
        .s("RiskLevelDuringSignIn", "none")
        .s("RiskState", "none")
        .s("ServicePrincipalId", "")
        .with("SessionId", |v| push_session(v, ev.session))
        .s("SignInIdentifier", &user.upn)
        .s("SignInIdentifierType", "")
        .s(
            "SignInEventTypes",
            if interactive {
                "[\"interactiveUser\"]"
            } else {
                "[\"nonInteractiveUser\"]"
            },
        );
    dynamic(&mut o, scratch, "Status", strings, |b| {
        write_status(b, ev.result)
    });
    o.s("TokenIssuerName", "")
        .s("TokenIssuerType", "AzureAD")
        .with("UniqueTokenIdentifier", |v| {
            v.push(b'"');
            crate::ids::push_uti(v, ev.token);
            v.push(b'"');
        })
        .s("UserAgent", ua.as_deref().unwrap_or(""))
        .s("UserDisplayName", &user.display_name)
        .guid("UserId", user.object_id)
        .s("UserPrincipalName", &user.upn)
        .s("UserType", "Member")
        .s(
            "Type",
            if interactive {
                "SigninLogs"
            } else {
                "AADNonInteractiveUserSignInLogs"
            },
        );
    o.end();
}

fn write_sp_signin(out: &mut Vec<u8>, scratch: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let mi = ev.kind == EventKind::EntraManagedIdentity;
    let sp = &ctx.tenant.service_principals[ev.actor as usize];
    let net = ctx.net(ev);
    let res = resource(ev);
    let mut o = Obj::begin(out);
    common_head(
        &mut o,
        ctx,
        ev,
        if mi {
            "ManagedIdentitySignInLogs"
        } else {
            "ServicePrincipalSignInLogs"
        },
    );
    o.s("Identity", "")
        .s("Level", "4")
        .s("Location", &net.country)
        .guid("AppId", sp.app_id);
    dynamic(
        &mut o,
        scratch,
        "AuthenticationProcessingDetails",
        true,
        |b| {
            b.extend_from_slice(
                b"[{\"key\":\"Azure AD App Authentication Library\",\"value\":\"\"}]",
            )
        },
    );
    o.s(
        "ClientCredentialType",
        if mi {
            "managedIdentity"
        } else if sp.certificate {
            "certificate"
        } else {
            "clientSecret"
        },
    )
    .s("ConditionalAccessPolicies", "[]")
    .s("ConditionalAccessStatus", "notApplied")
    .s("FederatedCredentialId", "")
    .guid("Id", ev.id)
    .s("IncomingTokenType", "none")
    .ip("IPAddress", ev.ip);
    dynamic(&mut o, scratch, "LocationDetails", true, |b| {
        write_location(b, net)
    });
    o.s("ResourceDisplayName", res.name)
        .s("ResourceIdentity", res.id)
        .guid(
            "ResourceServicePrincipalId",
            ctx.tenant.tenant_id ^ (ev.resource as u128 + 1),
        );
    if mi {
        o.s("ServicePrincipalCredentialKeyId", "");
    } else {
        o.guid("ServicePrincipalCredentialKeyId", sp.key_id);
    }
    o.s("ServicePrincipalCredentialThumbprint", "")
        .guid("ServicePrincipalId", sp.sp_id)
        .s("ServicePrincipalName", &sp.name)
        .with("UniqueTokenIdentifier", |v| {
            v.push(b'"');
            crate::ids::push_uti(v, ev.token);
            v.push(b'"');
        })
        .s(
            "Type",
            if mi {
                "AADManagedIdentitySignInLogs"
            } else {
                "AADServicePrincipalSignInLogs"
            },
        );
    o.end();
}

fn write_audit(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let Some(a) = ev.audit.as_ref() else { return };
    let ua = ctx.user_agent(ev).unwrap_or_default();
    let mut o = Obj::begin(out);
    o.s("TenantId", &ctx.tenant_id)
        .s("SourceSystem", "Azure AD")
        .t("TimeGenerated", ev.t, TimeStyle::Entra7Z)
        .s("ResourceId", &ctx.resource_id)
        .s("OperationName", a.activity.name())
        .s("OperationVersion", "1.0")
        .s("Category", a.activity.category())
        .s("ResultType", "")
        .s("ResultSignature", "None")
        .s("ResultDescription", "")
        .s("DurationMs", "0")
        .guid("CorrelationId", ev.correlation)
        .s("Resource", "Microsoft.aadiam")
        .s("ResourceGroup", "Microsoft.aadiam")
        .s("ResourceProvider", "")
        .s("Identity", audit::initiator_name(ctx, ev))
        .s("Level", "4")
        .s("Location", "")
        .with("AdditionalDetails", |v| {
            audit::write_additional_details(v, ctx, ev, &ua)
        })
        .with("Id", |v| audit::push_audit_id(v, ev))
        .with("InitiatedBy", |v| audit::write_initiated_by(v, ctx, ev))
        .s("LoggedByService", a.activity.service())
        .s("Result", "success")
        .s("ResultReason", audit::result_reason(ev))
        .with("TargetResources", |v| {
            audit::write_target_resources(v, ctx, ev)
        })
        .s("AADTenantId", &ctx.tenant_id)
        .s("ActivityDisplayName", a.activity.name())
        .t("ActivityDateTime", ev.t, TimeStyle::Entra7Z)
        .s("AADOperationType", a.activity.operation_type())
        .s("Type", "AuditLogs");
    o.end();
    let _ = push_str;
}
