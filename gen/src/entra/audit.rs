//! Nested objects of Entra directory audit records (`initiatedBy`, `targetResources`,
//! `additionalDetails`), shared by the Log Analytics and diagnostic-settings writers.

use crate::entra::EntraContext;
use crate::event::{AuditActivity, Event};
use crate::ids::{push_base62, push_guid};
use crate::jsonw::{Obj, push_str};

/// Display name of whoever initiated the change (`Identity`).
pub fn initiator_name<'a>(ctx: &'a EntraContext<'_>, ev: &Event) -> &'a str {
    &ctx.tenant.users[ev.actor as usize].display_name
}

/// Audit record id (`Directory_<correlation>_<5 chars>_<9 digits>`).
pub fn push_audit_id(out: &mut Vec<u8>, ev: &Event) {
    out.push(b'"');
    out.extend_from_slice(
        if ev
            .audit
            .as_ref()
            .is_some_and(|a| a.activity.service() == "Core Directory")
        {
            b"Directory_"
        } else {
            b"UserManagement_"
        },
    );
    push_guid(out, ev.correlation);
    out.push(b'_');
    push_base62(out, ev.id, 5);
    out.push(b'_');
    crate::jsonw::push_int(out, (ev.token % 900_000_000) as i64 + 100_000_000);
    out.push(b'"');
}

/// `initiatedBy` object.
pub fn write_initiated_by(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let u = &ctx.tenant.users[ev.actor as usize];
    let mut o = Obj::begin(out);
    o.obj("user", |o| {
        o.guid("id", u.object_id)
            .null("displayName")
            .s("userPrincipalName", &u.upn)
            .ip("ipAddress", ev.ip)
            .raw("roles", b"[]");
    });
    o.end();
}

/// `resultReason`.
pub fn result_reason(ev: &Event) -> &'static str {
    match ev.audit.as_ref().map(|a| a.activity) {
        Some(AuditActivity::UserRegisteredSecurityInfo) => {
            "User registered Authenticator App with Notification and Code"
        }
        Some(AuditActivity::ResetPasswordSelfService) => "Successfully completed reset.",
        _ => "",
    }
}

fn modified(out: &mut Vec<u8>, first: &mut bool, name: &str, old: Option<&str>, new: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    let mut o = Obj::begin(out);
    o.s("displayName", name);
    match old {
        Some(v) => o.s("oldValue", v),
        None => o.null("oldValue"),
    };
    o.s("newValue", new);
    o.end();
}

/// `targetResources` array.
pub fn write_target_resources(out: &mut Vec<u8>, ctx: &EntraContext<'_>, ev: &Event) {
    let Some(audit) = ev.audit.as_ref() else {
        out.extend_from_slice(b"[]");
        return;
    };
    out.push(b'[');
    if let Some(dev_index) = audit.target_device {
        write_device_target(out, ctx, ev, audit.activity, dev_index);
    } else if let Some(sp_index) = audit.target_sp {
        let sp = &ctx.tenant.service_principals[sp_index as usize];
        let app_id = crate::ids::guid(sp.app_id);
        let key_id = crate::ids::guid(sp.key_id ^ ev.id);
        let mut o = Obj::begin(out);
        let (ty, id) = match audit.activity {
            AuditActivity::UpdateApplicationSecrets => ("Application", sp.app_id.rotate_left(17)),
            _ => ("ServicePrincipal", sp.sp_id),
        };
        o.guid("id", id).s("displayName", &sp.name).s("type", ty);
        o.with("modifiedProperties", |m| {
            m.push(b'[');
            let mut first = true;
            match audit.activity {
                AuditActivity::ConsentToApplication => {
                    modified(m, &mut first, "ConsentContext.IsAdminConsent", None, "\"False\"");
                    modified(m, &mut first, "ConsentContext.IsAppOnly", None, "\"False\"");
                    modified(m, &mut first, "ConsentContext.OnBehalfOfAll", None, "\"False\"");
                    modified(m, &mut first, "ConsentContext.Tags", None, "\"WindowsAzureActiveDirectoryIntegratedApp\"");
                    let perms = format!(
                        "\"[] => [[Id: {}, ClientId: {}, PrincipalId: {}, ResourceId: {}, ConsentType: Principal, Scope:  User.Read Mail.Read Mail.Send Files.ReadWrite.All offline_access openid profile, CreatedDateTime: , LastModifiedDateTime ]]; \"",
                        crate::ids::guid(ev.token), crate::ids::guid(sp.sp_id),
                        crate::ids::guid(ctx.tenant.users[ev.actor as usize].object_id),
                        crate::ids::guid(ctx.tenant.tenant_id.rotate_left(5)),
                    );
                    modified(m, &mut first, "ConsentAction.Permissions", None, &perms);
                    modified(m, &mut first, "TargetId.ServicePrincipalNames", None, &format!("\"{app_id}\""));
                }
                AuditActivity::AddServicePrincipal => {
                    modified(m, &mut first, "AccountEnabled", Some("[]"), "[true]");
                    modified(m, &mut first, "AppPrincipalId", Some("[]"), &format!("[\"{app_id}\"]"));
                    modified(m, &mut first, "DisplayName", Some("[]"), &format!("[\"{}\"]", sp.name));
                    modified(m, &mut first, "ServicePrincipalNames", Some("[]"), &format!("[\"{app_id}\"]"));
                    modified(m, &mut first, "Included Updated Properties", None, "\"AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalNames\"");
                }
                AuditActivity::AddDelegatedPermissionGrant => {
                    modified(m, &mut first, "DelegatedPermissionGrant.Scope", Some(""), "\" User.Read Mail.Read Mail.Send Files.ReadWrite.All offline_access openid profile\"");
                    modified(m, &mut first, "DelegatedPermissionGrant.ConsentType", Some(""), "\"Principal\"");
                    modified(m, &mut first, "ServicePrincipal.ObjectID", Some(""), &format!("\"{}\"", crate::ids::guid(sp.sp_id)));
                }
                AuditActivity::AddServicePrincipalCredentials | AuditActivity::UpdateApplicationSecrets => {
                    let kind = if sp.certificate { "AsymmetricX509Cert" } else { "Password" };
                    let new = format!("\"[\\\"[KeyIdentifier={key_id},KeyType={kind},KeyUsage=Verify,DisplayName=]\\\"]\"");
                    modified(m, &mut first, "KeyDescription", Some("\"[]\""), &new);
                    modified(m, &mut first, "Included Updated Properties", None, "\"KeyDescription\"");
                }
                _ => {}
            }
            m.push(b']');
        });
        o.end();
    } else {
        let target = audit.target_user.unwrap_or(ev.actor);
        let u = &ctx.tenant.users[target as usize];
        let mut o = Obj::begin(out);
        o.guid("id", u.object_id)
            .s("displayName", &u.display_name)
            .s("type", "User")
            .s("userPrincipalName", &u.upn);
        o.with("modifiedProperties", |m| {
            m.push(b'[');
            let mut first = true;
            if audit.activity == AuditActivity::UpdateUser {
                modified(m, &mut first, "Included Updated Properties", None, "\"\"");
            }
            m.push(b']');
        });
        o.end();
        if audit.activity == AuditActivity::AddMemberToGroup {
            out.push(b',');
            let mut g = Obj::begin(out);
            g.guid("id", ctx.tenant.tenant_id.rotate_left(ev.id as u32 % 7 + 3))
                .s(
                    "displayName",
                    [
                        "All Staff",
                        "VPN Users",
                        "Engineering",
                        "Sales EMEA",
                        "Finance",
                    ][(ev.id % 5) as usize],
                )
                .s("type", "Group")
                .raw("modifiedProperties", b"[]");
            g.end();
        }
    }
    out.push(b']');
}

/// A device target (device registrations): the device object, and the owner / user when one is added.
fn write_device_target(
    out: &mut Vec<u8>,
    ctx: &EntraContext<'_>,
    ev: &Event,
    activity: AuditActivity,
    dev_index: u32,
) {
    let d = &ctx.tenant.devices[dev_index as usize];
    let device_id = crate::ids::guid(d.id);
    let mut o = Obj::begin(out);
    // The directory object id of a device differs from its deviceId.
    o.guid("id", d.id.rotate_left(23) ^ 0x5EED)
        .s("displayName", &d.display_name)
        .s("type", "Device");
    o.with("modifiedProperties", |m| {
        m.push(b'[');
        let mut first = true;
        match activity {
            AuditActivity::RegisterDevice | AuditActivity::AddDevice => {
                let os = match d.os {
                    crate::catalog::Os::Windows => "Windows",
                    crate::catalog::Os::MacOs => "MacOS",
                    crate::catalog::Os::Ios => "IOS",
                    crate::catalog::Os::Android => "Android",
                    crate::catalog::Os::Linux => "Linux",
                };
                let trust = match d.trust {
                    crate::tenant::Trust::Joined | crate::tenant::Trust::HybridJoined => "AzureAd",
                    _ => "Workplace",
                };
                modified(m, &mut first, "AccountEnabled", Some("[]"), "[true]");
                modified(
                    m,
                    &mut first,
                    "DeviceId",
                    Some("[]"),
                    &format!("[\"{device_id}\"]"),
                );
                modified(
                    m,
                    &mut first,
                    "DisplayName",
                    Some("[]"),
                    &format!("[\"{}\"]", d.display_name),
                );
                modified(
                    m,
                    &mut first,
                    "DeviceOSType",
                    Some("[]"),
                    &format!("[\"{os}\"]"),
                );
                modified(
                    m,
                    &mut first,
                    "DeviceTrustType",
                    Some("[]"),
                    &format!("[\"{trust}\"]"),
                );
                modified(
                    m,
                    &mut first,
                    "Included Updated Properties",
                    None,
                    "\"AccountEnabled, DeviceId, DisplayName, DeviceOSType, DeviceTrustType\"",
                );
            }
            _ => {
                modified(
                    m,
                    &mut first,
                    "Device.ObjectID",
                    Some(""),
                    &format!("\"{}\"", crate::ids::guid(d.id.rotate_left(23) ^ 0x5EED)),
                );
                modified(
                    m,
                    &mut first,
                    "Device.DisplayName",
                    Some(""),
                    &format!("\"{}\"", d.display_name),
                );
            }
        }
        m.push(b']');
    });
    o.end();
    if matches!(
        activity,
        AuditActivity::AddRegisteredOwnerToDevice | AuditActivity::AddRegisteredUsersToDevice
    ) {
        let u = &ctx.tenant.users[ev.actor as usize];
        out.push(b',');
        let mut t = Obj::begin(out);
        t.guid("id", u.object_id)
            .s("displayName", &u.display_name)
            .s("type", "User")
            .s("userPrincipalName", &u.upn)
            .raw("modifiedProperties", b"[]");
        t.end();
    }
}

/// `additionalDetails` array.
pub fn write_additional_details(
    out: &mut Vec<u8>,
    ctx: &EntraContext<'_>,
    ev: &Event,
    user_agent: &str,
) {
    out.push(b'[');
    let mut o = Obj::begin(out);
    o.s("key", "User-Agent").s("value", user_agent);
    o.end();
    if let Some(sp_index) = ev.audit.as_ref().and_then(|a| a.target_sp) {
        out.push(b',');
        let mut o = Obj::begin(out);
        o.s("key", "AppId").with("value", |v| {
            push_str(
                v,
                &crate::ids::guid(ctx.tenant.service_principals[sp_index as usize].app_id),
            )
        });
        o.end();
    }
    out.push(b']');
}
