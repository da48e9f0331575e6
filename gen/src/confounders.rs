//! Benign look-alikes that are planned rather than habitual: trips (airliner speed, with and without a
//! new session, with or without in-flight Wi-Fi, roaming phones abroad), new laptops on the usual
//! network, browser updates and new devices under an Okta session, password sprays from hosting
//! addresses, consents to legitimate new SaaS apps, third-party SaaS integrations redeeming users'
//! refresh tokens from their clouds, Cloud Shell / automation sessions of admins and developers,
//! administrators rotating application secrets; and the background every
//! tenant has: service principals and managed identities signing in from cloud ASNs around the clock,
//! and routine directory changes. Habitual look-alikes live in [`crate::timeline`]. Each is noted in the
//! [`ConfounderLog`] with its user and window.

use std::net::IpAddr;

use crate::catalog;
use crate::event::{Audit, AuditActivity, Auth, Event, EventKind, NO_DEVICE, OktaType, TokenType};
use crate::labels::{ConfounderCategory as C, ConfounderLog};
use crate::network::{NetKind, distance_km};
use crate::prng::Rng;
use crate::tenant::{
    Role, ServicePrincipal, Tenant, attacker_device, browser_major, new_laptop, scripted_device,
};
use crate::time::{DAY, HOUR, MINUTE, SECOND, Ticks};
use crate::timeline::{Trip, UserState, make_event, poisson};

/// Offset added to service-principal indexes when they are noted in the confounder log.
pub const SP_ACTOR_BASE: u32 = 1 << 30;

/// A planned password spray.
#[derive(Clone, Debug)]
pub struct Spray {
    /// Start.
    pub t: Ticks,
    /// Source blocks.
    pub nets: Vec<u16>,
    /// Targeted users.
    pub targets: Vec<u32>,
    /// Sprayer's device.
    pub device: u32,
    /// Also sprays the Okta org.
    pub okta: bool,
}

/// A planned one-off directory change by a user.
#[derive(Clone, Debug)]
pub struct PlannedChange {
    /// When.
    pub t: Ticks,
    /// Who.
    pub user: u32,
    /// Service principal concerned.
    pub sp: u32,
    /// Consent to a new app (else a credential rotation).
    pub consent: bool,
}

/// A third-party SaaS integration holding a user's delegated refresh token.
#[derive(Clone, Debug)]
pub struct SaasGrant {
    /// The user.
    pub user: u32,
    /// The vendor's app (index into `ENTRA_APPS`).
    pub app: u16,
    /// Service principal of the vendor app in the tenant (audit target of an in-window consent).
    pub sp: u32,
    /// The vendor's cloud blocks (shared by every user of the vendor).
    pub nets: Vec<u16>,
    /// Consent time (before the window for grants that already existed).
    pub consent: Ticks,
    /// Whether the consent happens inside the window (interactive sign-in and consent records).
    pub in_window: bool,
    /// The session the user consented in (set at the consent for in-window grants).
    pub session: u128,
    /// Mean minutes between the vendor's redemptions.
    pub period_min: f64,
    /// Syncs only in the user's daytime (else around the clock).
    pub daytime: bool,
    /// Last day of syncing (the user disconnects, or the window ends).
    pub until: Ticks,
}

/// How a Cloud Shell / automation episode authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellMode {
    /// Cloud Shell opened in the portal: tokens for the browser's session, redeemed from Azure.
    BrowserSession,
    /// `az login --use-device-code` / `Connect-AzAccount -UseDeviceAuthentication`: the user completes the
    /// device code in their browser, the shell redeems from the cloud in that new session.
    DeviceCode,
    /// Interactive sign-in on a cloud VM / jump box itself (its own session from the cloud address).
    CloudVm,
}

/// An admin's or developer's scripted session from a cloud range.
#[derive(Clone, Debug)]
pub struct ShellEpisode {
    /// Who.
    pub user: u32,
    /// Start.
    pub t: Ticks,
    /// Scripted client device.
    pub device: u32,
    /// Cloud block.
    pub net: u16,
    /// Mode.
    pub mode: ShellMode,
    /// Redemptions.
    pub count: u32,
    /// Mean minutes between them.
    pub spacing_min: f64,
    /// App (Azure CLI or Azure PowerShell).
    pub app: u16,
}

/// Everything planned.
#[derive(Debug, Default)]
pub struct Plan {
    /// Sprays.
    pub sprays: Vec<Spray>,
    /// Consents and rotations.
    pub changes: Vec<PlannedChange>,
    /// Admins (for routine directory changes).
    pub admins: Vec<u32>,
    /// SaaS integrations.
    pub saas: Vec<SaasGrant>,
    /// Cloud Shell / automation episodes.
    pub shells: Vec<ShellEpisode>,
}

/// Satellite operators of in-flight Wi-Fi (ASNs in `gen_networks.csv`).
const INFLIGHT_ASNS: &[u32] = &[7155, 22351, 64294, 400110, 14593, 25222];

const SAAS_APPS: &[&str] = &[
    "Calendly",
    "Miro",
    "Grammarly",
    "Lucidchart",
    "Smartsheet",
    "Zoom for Outlook",
    "Loom",
    "Asana",
];

fn some_day_time(
    r: &mut Rng,
    start: Ticks,
    days: u32,
    utc_offset_min: i32,
    local_hour: (f64, f64),
) -> Ticks {
    let d = r.below(days.max(1) as u64) as i64;
    let h = local_hour.0 + r.f64() * (local_hour.1 - local_hour.0);
    Ticks(start.0 + d * DAY - utc_offset_min as i64 * MINUTE + (h * HOUR as f64) as i64)
}

/// Plans trips, new devices, sprays, consents and rotations. `excluded` users (attack victims are chosen
/// after this, among the rest) get no trip or new device, so the two never overlap by accident.
pub fn plan(
    seed: u64,
    tenant: &mut Tenant,
    states: &mut [UserState],
    start: Ticks,
    days: u32,
) -> (Plan, Vec<bool>) {
    let mut r = Rng::derive(seed, 20, 0);
    let users = tenant.users.len() as u32;
    let mut busy = vec![false; users as usize];
    let user_days = users as u64 * days as u64;
    // Trips.
    let n_trips = (user_days / 150).max(2) as usize;
    for _ in 0..n_trips.min(users as usize / 3) {
        let uid = r.below(users as u64) as u32;
        if busy[uid as usize] || days < 2 {
            continue;
        }
        let u = &tenant.users[uid as usize];
        let home = tenant.nets.get(u.home_net);
        let dests = tenant.nets.select(|n| {
            n.kind == NetKind::Residential
                && !n.is_v6()
                && distance_km(n.lat, n.lon, home.lat, home.lon) > 800.0
        });
        if dests.is_empty() {
            continue;
        }
        let dest = *r.pick(&dests);
        let dn = tenant.nets.get(dest);
        let km = distance_km(dn.lat, dn.lon, home.lat, home.lon);
        // Airliner: ~820 km/h block speed plus taxi and boarding.
        let flight = ((km / 820.0 + 0.6) * HOUR as f64) as i64;
        let depart = some_day_time(
            &mut r,
            start,
            days.saturating_sub(1).max(1),
            u.utc_offset_min,
            (5.0, 22.0),
        );
        let arrive = depart.plus(flight);
        let back_depart = arrive.plus(r.range(1, 8) * DAY + r.range(0, 12) * HOUR);
        let back_arrive = back_depart.plus(flight);
        let dest_ip = dn.host(&mut r);
        let new_session = r.chance(0.5);
        // Wi-Fi in the air on some flights: one operator per airline, exits anywhere it has them.
        let wifi = if r.chance(0.5) {
            let asn = *r.pick(INFLIGHT_ASNS);
            tenant
                .nets
                .select(|n| n.asn == asn && n.kind == NetKind::Satellite)
        } else {
            Vec::new()
        };
        let roaming = dn.country != u.country && r.chance(0.7);
        states[uid as usize].trip = Some(Trip {
            depart,
            arrive,
            back_depart,
            back_arrive,
            dest_net: dest,
            dest_ip,
            new_session,
            wifi,
            roaming,
        });
        busy[uid as usize] = true;
    }
    // New laptops.
    let n_new = (user_days / 500).max(2) as usize;
    for _ in 0..n_new {
        let uid = r.below(users as u64) as u32;
        if busy[uid as usize] {
            continue;
        }
        let first = tenant.users[uid as usize]
            .display_name
            .split(' ')
            .next()
            .unwrap_or("User")
            .to_string();
        let role = tenant.users[uid as usize].role;
        let off = tenant.users[uid as usize].utc_offset_min;
        let dev = new_laptop(&mut r, &first, role);
        tenant.devices.push(dev);
        let t = some_day_time(&mut r, start, days, off, (7.0, 19.0));
        states[uid as usize].new_laptop = Some((t, tenant.devices.len() as u32 - 1));
        busy[uid as usize] = true;
    }
    // The user's own device changes under an Okta session: a browser / OS update (same device, new
    // user agent), or a new device of theirs (new device id and dtHash).
    let n_dev = (user_days / 400).max(3) as usize;
    for k in 0..n_dev {
        let uid = r.below(users as u64) as u32;
        if busy[uid as usize] {
            continue;
        }
        let u = &tenant.users[uid as usize];
        let (off, role, laptop) = (u.utc_offset_min, u.role, u.laptop);
        let first = u
            .display_name
            .split(' ')
            .next()
            .unwrap_or("User")
            .to_string();
        let new_device = k % 3 == 2;
        let dev = if new_device {
            new_laptop(&mut r, &first, role)
        } else {
            let mut d = tenant.devices[laptop as usize].clone();
            d.browser_major = (browser_major(&mut r, d.browser) + 1).max(d.browser_major + 1);
            d.user_agent =
                crate::catalog::browser_agent(d.os, d.browser, d.browser_major, r.below(4) as u32);
            d
        };
        tenant.devices.push(dev);
        let t = some_day_time(&mut r, start, days, off, (9.0, 16.0));
        states[uid as usize].device_change = Some((t, tenant.devices.len() as u32 - 1, new_device));
        busy[uid as usize] = true;
    }
    // Password sprays.
    let mut sprays = Vec::new();
    let n_sprays = (days as usize / 5).max(1);
    let spray_asns = [9009u32, 20473, 51167, 16276, 14061, 24940];
    for _ in 0..n_sprays {
        let asn = *r.pick(&spray_asns);
        let nets = tenant.nets.select(|n| n.asn == asn && !n.is_v6());
        let nets: Vec<u16> = (0..r.range(1, 3)).map(|_| *r.pick(&nets)).collect();
        let count = (30 + r.below(150) as u32).min(users);
        let mut all: Vec<u32> = (0..users).collect();
        r.shuffle(&mut all);
        all.truncate(count as usize);
        let t = Ticks(start.0 + r.below((days as u64).max(1) * DAY as u64) as i64);
        let dev = attacker_device(&mut r);
        tenant.devices.push(dev);
        sprays.push(Spray {
            t,
            nets,
            targets: all,
            device: tenant.devices.len() as u32 - 1,
            okta: r.chance(0.5),
        });
    }
    // Consents to legitimate new apps and secret rotations.
    let admins: Vec<u32> = (0..users)
        .filter(|&i| tenant.users[i as usize].role == Role::Admin)
        .collect();
    let mut changes = Vec::new();
    let n_consents = (user_days / 3000).max(2) as usize;
    // Legitimate SaaS vendors run in the big clouds and on smaller hosts alike.
    let aws = tenant.nets.select(|n| {
        n.kind == NetKind::Hosting
            && [16509, 14618, 396982, 8075, 14061, 63949].contains(&n.asn)
            && !n.is_v6()
    });
    for k in 0..n_consents {
        let uid = r.below(users as u64) as u32;
        let off = tenant.users[uid as usize].utc_offset_min;
        let t = some_day_time(&mut r, start, days, off, (7.0, 22.0));
        let base = SAAS_APPS[k % SAAS_APPS.len()];
        let name = if k < SAAS_APPS.len() {
            base.to_string()
        } else {
            format!("{base} ({})", k / SAAS_APPS.len() + 1)
        };
        let nets: Vec<u16> = (0..2).map(|_| *r.pick(&aws)).collect();
        tenant.service_principals.push(ServicePrincipal {
            name,
            app_id: r.guid(),
            sp_id: r.guid(),
            key_id: r.guid(),
            resource: catalog::res::GRAPH,
            managed_identity: false,
            certificate: true,
            nets,
            period_min: 30.0 + r.f64() * 90.0,
            scheduled: true,
            active_from: t.plus(10 * MINUTE),
        });
        changes.push(PlannedChange {
            t,
            user: uid,
            sp: tenant.service_principals.len() as u32 - 1,
            consent: true,
        });
    }
    let n_rotations = (user_days / 2000).max(2) as usize;
    let rotatable: Vec<u32> = (0..tenant.service_principals.len() as u32)
        .filter(|&i| {
            let sp = &tenant.service_principals[i as usize];
            sp.scheduled && !sp.managed_identity && sp.active_from.0 == i64::MIN
        })
        .collect();
    if !admins.is_empty() && !rotatable.is_empty() {
        for _ in 0..n_rotations {
            let uid = *r.pick(&admins);
            let off = tenant.users[uid as usize].utc_offset_min;
            let t = some_day_time(&mut r, start, days, off, (6.0, 23.0));
            changes.push(PlannedChange {
                t,
                user: uid,
                sp: *r.pick(&rotatable),
                consent: false,
            });
        }
    }
    // SaaS integrations: a few vendors, each in its own cloud blocks, each used by several users.
    let mut saas = Vec::new();
    let mut vendor_nets: Vec<Vec<u16>> = Vec::new();
    let mut vendor_sps: Vec<u32> = Vec::new();
    for &(app, asns) in catalog::SAAS_VENDORS {
        let all = tenant
            .nets
            .select(|n| n.kind == NetKind::Hosting && asns.contains(&n.asn) && !n.is_v6());
        let k = r.range(1, 3) as usize;
        let mut nets = Vec::new();
        for _ in 0..k.min(all.len()) {
            nets.push(*r.pick(&all));
        }
        nets.dedup();
        vendor_nets.push(nets.clone());
        let a = &catalog::ENTRA_APPS[app as usize];
        tenant.service_principals.push(ServicePrincipal {
            name: a.name.to_string(),
            app_id: u128::from_str_radix(&a.id.replace('-', ""), 16).unwrap_or(0),
            sp_id: r.guid(),
            key_id: r.guid(),
            resource: catalog::res::GRAPH,
            managed_identity: false,
            certificate: false,
            nets: Vec::new(),
            period_min: 60.0,
            scheduled: false,
            active_from: Ticks(i64::MIN),
        });
        vendor_sps.push(tenant.service_principals.len() as u32 - 1);
    }
    let n_saas = (users as usize / 12).max(3);
    let end = start.plus(days as i64 * DAY);
    for k in 0..n_saas {
        let uid = r.below(users as u64) as u32;
        // Popular vendors are shared: the first vendors get more users.
        let v = if k < catalog::SAAS_VENDORS.len() {
            k
        } else {
            r.weighted(&[30, 20, 18, 10, 12, 10])
        };
        let off = tenant.users[uid as usize].utc_offset_min;
        let in_window = r.chance(0.4);
        let consent = if in_window {
            some_day_time(
                &mut r,
                start,
                days.saturating_sub(1).max(1),
                off,
                (8.5, 17.5),
            )
        } else {
            start.plus(-r.range(1, 90) * DAY)
        };
        let until = if r.chance(0.2) {
            consent.max(start).plus(r.range(1, 6) * DAY)
        } else {
            end
        };
        saas.push(SaasGrant {
            user: uid,
            app: catalog::SAAS_VENDORS[v].0,
            sp: vendor_sps[v],
            nets: vendor_nets[v].clone(),
            consent,
            in_window,
            // Grants from before the window keep the session they were consented in.
            session: if in_window { 0 } else { r.guid() },
            period_min: [20.0, 45.0, 90.0, 180.0, 360.0][r.index(5)] * (0.7 + r.f64() * 0.6),
            daytime: r.chance(0.4),
            until,
        });
    }
    // Cloud Shell and automation from cloud ranges by admins and developers.
    let technical: Vec<u32> = (0..users)
        .filter(|&i| tenant.users[i as usize].role != Role::Staff)
        .collect();
    let mut shells = Vec::new();
    if !technical.is_empty() {
        let azure = tenant
            .nets
            .select(|n| n.kind == NetKind::Hosting && n.asn == 8075 && !n.is_v6());
        let aws = tenant.nets.select(|n| {
            n.kind == NetKind::Hosting && (n.asn == 16509 || n.asn == 14618) && !n.is_v6()
        });
        // A minority of technical users do this, and they do it repeatedly.
        let mut shell_users = technical.clone();
        r.shuffle(&mut shell_users);
        shell_users.truncate((technical.len() / 3).max(1));
        let n_shell = (user_days / 120).max(4) as usize;
        for k in 0..n_shell {
            let uid = shell_users[k % shell_users.len()];
            let off = tenant.users[uid as usize].utc_offset_min;
            let mode = match r.below(10) {
                0..=4 => ShellMode::BrowserSession,
                5..=7 => ShellMode::DeviceCode,
                _ => ShellMode::CloudVm,
            };
            let net = if r.chance(0.75) || aws.is_empty() {
                *r.pick(&azure)
            } else {
                *r.pick(&aws)
            };
            let agent = match mode {
                ShellMode::BrowserSession => catalog::SCRIPT_AGENTS[r.index(3)],
                _ => *r.pick(catalog::SCRIPT_AGENTS),
            };
            let dev = scripted_device(&mut r, agent);
            tenant.devices.push(dev);
            let app = if agent.contains("PowerShell") {
                catalog::app::AZURE_POWERSHELL
            } else {
                catalog::app::AZURE_CLI
            };
            let t = some_day_time(&mut r, start, days, off, (7.0, 22.0));
            shells.push(ShellEpisode {
                user: uid,
                t,
                device: tenant.devices.len() as u32 - 1,
                net,
                mode,
                count: (2.0 * (30.0f64).powf(r.f64())) as u32 + r.below(3) as u32,
                spacing_min: 0.5 + r.f64() * r.f64() * 40.0,
                app,
            });
        }
    }
    (
        Plan {
            sprays,
            changes,
            admins,
            saas,
            shells,
        },
        busy,
    )
}

fn user_location(tenant: &Tenant, st: &UserState, uid: u32) -> (u16, IpAddr) {
    let u = &tenant.users[uid as usize];
    match (st.plan.mode, u.office) {
        (crate::timeline::DayMode::Office, Some(o)) => {
            let office = &tenant.offices[o as usize];
            (office.net, office.ips[0])
        }
        _ => (u.home_net, st.home_ip.0),
    }
}

/// Generates the planned and background events of `[h, h + 1 hour)`.
#[allow(clippy::too_many_arguments)]
pub fn hour(
    seed: u64,
    plan: &mut Plan,
    tenant: &Tenant,
    states: &[UserState],
    h: Ticks,
    out: &mut Vec<Event>,
    log: &mut ConfounderLog,
) {
    let end = h.plus(HOUR);
    let hour_index = (h.0.div_euclid(HOUR)) as u64;
    let mut r = Rng::derive(seed, 21, hour_index);
    // Automation identities, every hour of every day.
    for (i, sp) in tenant.service_principals.iter().enumerate() {
        if !sp.scheduled || sp.active_from >= end || sp.nets.is_empty() {
            continue;
        }
        let from = sp.active_from.max(h);
        let span = (end.0 - from.0) as f64 / HOUR as f64;
        let n = poisson(&mut r, 60.0 / sp.period_min * span);
        for _ in 0..n {
            let t = Ticks(from.0 + r.below((end.0 - from.0) as u64) as i64);
            let net = *r.pick(&sp.nets);
            let ip = tenant.nets.get(net).host(&mut r);
            let kind = if sp.managed_identity {
                EventKind::EntraManagedIdentity
            } else {
                EventKind::EntraServicePrincipal
            };
            let corr = r.guid();
            out.push(make_event(
                &mut r,
                t,
                kind,
                i as u32,
                NO_DEVICE,
                ip,
                net,
                0,
                sp.resource,
                0,
                corr,
            ));
        }
        if n > 0 {
            log.note(
                SP_ACTOR_BASE + i as u32,
                C::ServicePrincipalCloud,
                from,
                end,
            );
        }
    }
    // Routine directory changes by administrators, and self-service resets.
    if !plan.admins.is_empty() {
        let users = tenant.users.len() as f64;
        for _ in 0..poisson(&mut r, users / 50.0 / 24.0) {
            let admin = *r.pick(&plan.admins);
            let target = r.below(users as u64) as u32;
            let t = Ticks(h.0 + r.below(HOUR as u64) as i64);
            let loc = user_location(tenant, &states[admin as usize], admin);
            let activity = if r.chance(0.5) {
                AuditActivity::UpdateUser
            } else {
                AuditActivity::AddMemberToGroup
            };
            let corr = r.guid();
            let mut e = make_event(
                &mut r,
                t,
                EventKind::EntraAudit,
                admin,
                tenant.users[admin as usize].laptop,
                loc.1,
                loc.0,
                catalog::app::AZURE_PORTAL,
                0,
                0,
                corr,
            );
            e.audit = Some(Box::new(Audit {
                activity,
                target_sp: None,
                target_user: Some(target),
                target_device: None,
            }));
            out.push(e);
        }
        for _ in 0..poisson(&mut r, users / 400.0 / 24.0) {
            let uid = r.below(users as u64) as u32;
            let t = Ticks(h.0 + r.below(HOUR as u64) as i64);
            let loc = user_location(tenant, &states[uid as usize], uid);
            let activity = if r.chance(0.6) {
                AuditActivity::ResetPasswordSelfService
            } else {
                AuditActivity::UserRegisteredSecurityInfo
            };
            let corr = r.guid();
            let mut e = make_event(
                &mut r,
                t,
                EventKind::EntraAudit,
                uid,
                tenant.users[uid as usize].laptop,
                loc.1,
                loc.0,
                catalog::app::OFFICE_HOME,
                0,
                0,
                corr,
            );
            e.audit = Some(Box::new(Audit {
                activity,
                target_sp: None,
                target_user: Some(uid),
                target_device: None,
            }));
            out.push(e);
        }
    }
    // Trips (noted once, at departure).
    for (uid, st) in states.iter().enumerate() {
        if let Some(tr) = st.trip.as_ref()
            && tr.depart >= h
            && tr.depart < end
        {
            log.note(uid as u32, C::TravelFlight, tr.depart, tr.back_arrive);
        }
    }
    // Password sprays: one failed attempt per targeted user, no session.
    for (k, s) in plan.sprays.iter().enumerate() {
        if s.t < h || s.t >= end {
            continue;
        }
        let mut sr = Rng::derive(seed, 22, k as u64);
        let mut t = s.t;
        let ips: Vec<(u16, IpAddr)> = s
            .nets
            .iter()
            .map(|&n| (n, tenant.nets.get(n).host(&mut sr)))
            .collect();
        for (j, &uid) in s.targets.iter().enumerate() {
            let (net, ip) = ips[j % ips.len()];
            let corr = sr.guid();
            let app = if sr.chance(0.5) {
                catalog::app::OFFICE_HOME
            } else {
                catalog::app::OFFICE
            };
            let mut e = make_event(
                &mut sr,
                t,
                EventKind::EntraInteractive,
                uid,
                s.device,
                ip,
                net,
                app,
                catalog::res::OFFICE_PORTAL,
                0,
                corr,
            );
            e.result = if sr.chance(0.03) { 50053 } else { 50126 };
            e.auth = Auth::Password;
            e.token_type = TokenType::None;
            out.push(e);
            if s.okta {
                let corr = sr.next_u128();
                let to = t.plus(sr.range(1, 30) * SECOND);
                let pre = sr.next_u128();
                let mut o = make_event(
                    &mut sr,
                    to,
                    EventKind::Okta(OktaType::SessionStart),
                    uid,
                    s.device,
                    ip,
                    net,
                    catalog::OKTA_DASHBOARD,
                    0,
                    pre,
                    corr,
                );
                o.result = 1;
                o.flags = crate::event::flags::PRE_AUTH
                    | crate::event::flags::NEW_IP
                    | crate::event::flags::NEW_DEVICE;
                out.push(o);
            }
            log.note(uid, C::PasswordSpray, t, t.plus(MINUTE));
            t = t.plus(sr.range(3, 40) * SECOND);
        }
    }
    // Consents and rotations.
    for c in &plan.changes {
        if c.t < h || c.t >= end {
            continue;
        }
        let st = &states[c.user as usize];
        let loc = user_location(tenant, st, c.user);
        let device = st.laptop_device;
        let corr = r.guid();
        let activities: &[AuditActivity] = if c.consent {
            &[
                AuditActivity::AddServicePrincipal,
                AuditActivity::AddDelegatedPermissionGrant,
                AuditActivity::ConsentToApplication,
            ]
        } else if r.chance(0.5) {
            &[AuditActivity::UpdateApplicationSecrets]
        } else {
            &[AuditActivity::AddServicePrincipalCredentials]
        };
        for (k, &activity) in activities.iter().enumerate() {
            let mut e = make_event(
                &mut r,
                c.t.plus(k as i64 * SECOND / 3),
                EventKind::EntraAudit,
                c.user,
                device,
                loc.1,
                loc.0,
                catalog::app::AZURE_PORTAL,
                0,
                0,
                corr,
            );
            e.audit = Some(Box::new(Audit {
                activity,
                target_sp: Some(c.sp),
                target_user: None,
                target_device: None,
            }));
            out.push(e);
        }
        let cat = if c.consent {
            C::BenignAppConsent
        } else {
            C::AdminCredentialRotation
        };
        log.note(
            c.user,
            cat,
            c.t,
            c.t.plus(if c.consent { DAY } else { HOUR }),
        );
    }
    saas_hour(&mut r, plan, tenant, states, h, out, log);
    shell_hour(seed, plan, tenant, states, h, out, log);
}

/// Local hour of the day of a user at `t`.
fn local_hour(tenant: &Tenant, uid: u32, t: Ticks) -> i64 {
    let off = tenant.users[uid as usize].utc_offset_min as i64 * MINUTE;
    (t.0 + off).rem_euclid(DAY) / HOUR
}

/// SaaS integrations: the consent (in-window grants) in the user's laptop session, then the vendor's
/// redemptions of the delegated refresh token from its cloud, in that session, for days.
fn saas_hour(
    r: &mut Rng,
    plan: &mut Plan,
    tenant: &Tenant,
    states: &[UserState],
    h: Ticks,
    out: &mut Vec<Event>,
    log: &mut ConfounderLog,
) {
    let end = h.plus(HOUR);
    for g in plan.saas.iter_mut() {
        if g.in_window && g.consent >= h && g.consent < end {
            let st = &states[g.user as usize];
            let loc = user_location(tenant, st, g.user);
            let device = st.laptop_device;
            g.session = if st.laptop.id != 0 {
                st.laptop.id
            } else {
                r.guid()
            };
            let corr = r.guid();
            let res = catalog::ENTRA_APPS[g.app as usize].resources[0].0;
            let mut e = make_event(
                r,
                g.consent,
                EventKind::EntraInteractive,
                g.user,
                device,
                loc.1,
                loc.0,
                g.app,
                res,
                g.session,
                corr,
            );
            e.auth = Auth::Claim { mfa: st.laptop.mfa };
            out.push(e);
            let corr = r.guid();
            for (k, activity) in [
                AuditActivity::AddServicePrincipal,
                AuditActivity::AddDelegatedPermissionGrant,
                AuditActivity::ConsentToApplication,
            ]
            .into_iter()
            .enumerate()
            {
                let mut e = make_event(
                    r,
                    g.consent.plus(20 * SECOND + k as i64 * SECOND / 3),
                    EventKind::EntraAudit,
                    g.user,
                    device,
                    loc.1,
                    loc.0,
                    g.app,
                    0,
                    0,
                    corr,
                );
                e.audit = Some(Box::new(Audit {
                    activity,
                    target_sp: Some(g.sp),
                    target_user: None,
                    target_device: None,
                }));
                out.push(e);
            }
            log.note(
                g.user,
                C::SaasIntegrationCloud,
                g.consent,
                g.consent.plus(MINUTE),
            );
        }
        if g.consent >= h || g.until < h || g.nets.is_empty() || g.session == 0 {
            continue;
        }
        if g.daytime && !(7..21).contains(&local_hour(tenant, g.user, h)) {
            continue;
        }
        let from = g.consent.max(h);
        let span = (end.0 - from.0) as f64 / HOUR as f64;
        let n = poisson(r, 60.0 / g.period_min * span);
        for _ in 0..n {
            let t = Ticks(from.0 + r.below((end.0 - from.0).max(1) as u64) as i64);
            let net = *r.pick(&g.nets);
            let ip = tenant.nets.get(net).host(r);
            let res = crate::timeline::pick_resource(r, g.app);
            let corr = r.guid();
            let mut e = make_event(
                r,
                t,
                EventKind::EntraNonInteractive,
                g.user,
                NO_DEVICE,
                ip,
                net,
                g.app,
                res,
                g.session,
                corr,
            );
            e.token_type = TokenType::RefreshToken;
            e.auth = Auth::Token { mfa: true };
            out.push(e);
            log.note(g.user, C::SaasIntegrationCloud, t, t);
        }
    }
}

/// Cloud Shell / automation episodes starting in this hour (later records wait in the generator's queue).
fn shell_hour(
    seed: u64,
    plan: &Plan,
    tenant: &Tenant,
    states: &[UserState],
    h: Ticks,
    out: &mut Vec<Event>,
    log: &mut ConfounderLog,
) {
    let end = h.plus(HOUR);
    for (k, ep) in plan.shells.iter().enumerate() {
        if ep.t < h || ep.t >= end {
            continue;
        }
        let mut r = Rng::derive(seed, 23, k as u64);
        let st = &states[ep.user as usize];
        let uloc = user_location(tenant, st, ep.user);
        let cloud_ip = tenant.nets.get(ep.net).host(&mut r);
        let mut t = ep.t;
        let (session, flags_, mfa) = match ep.mode {
            ShellMode::BrowserSession => {
                // The portal opened in the browser's session, then Cloud Shell's tokens from Azure.
                let sess = if st.laptop.id != 0 {
                    st.laptop.id
                } else {
                    r.guid()
                };
                let corr = r.guid();
                let mut e = make_event(
                    &mut r,
                    t,
                    EventKind::EntraInteractive,
                    ep.user,
                    st.laptop_device,
                    uloc.1,
                    uloc.0,
                    catalog::app::AZURE_PORTAL,
                    catalog::res::AZURE_MGMT,
                    sess,
                    corr,
                );
                e.auth = Auth::Claim { mfa: st.laptop.mfa };
                out.push(e);
                (sess, 0u8, st.laptop.mfa)
            }
            ShellMode::DeviceCode => {
                // The user enters the code in their own browser: the interactive record carries the
                // user's address and browser, the client app is the shell's.
                let sess = r.guid();
                let corr = r.guid();
                let mut e = make_event(
                    &mut r,
                    t,
                    EventKind::EntraInteractive,
                    ep.user,
                    st.laptop_device,
                    uloc.1,
                    uloc.0,
                    ep.app,
                    catalog::res::AZURE_MGMT,
                    sess,
                    corr,
                );
                e.flags = crate::event::flags::DEVICE_CODE;
                e.auth = if r.chance(0.6) {
                    Auth::Claim { mfa: true }
                } else {
                    Auth::PasswordMfa {
                        method: r.weighted(&[70, 15, 5, 10]) as u8,
                    }
                };
                out.push(e);
                (sess, crate::event::flags::DEVICE_CODE, true)
            }
            ShellMode::CloudVm => {
                let sess = r.guid();
                let corr = r.guid();
                let mut e = make_event(
                    &mut r,
                    t,
                    EventKind::EntraInteractive,
                    ep.user,
                    ep.device,
                    cloud_ip,
                    ep.net,
                    ep.app,
                    catalog::res::AZURE_MGMT,
                    sess,
                    corr,
                );
                e.auth = Auth::PasswordMfa {
                    method: r.weighted(&[70, 15, 5, 10]) as u8,
                };
                out.push(e);
                (sess, 0u8, true)
            }
        };
        let first = t;
        t = t.plus(r.range(5, 90) * SECOND);
        for _ in 0..ep.count {
            let res = crate::timeline::pick_resource(&mut r, ep.app);
            let corr = r.guid();
            let mut e = make_event(
                &mut r,
                t,
                EventKind::EntraNonInteractive,
                ep.user,
                ep.device,
                cloud_ip,
                ep.net,
                ep.app,
                res,
                session,
                corr,
            );
            e.token_type = TokenType::RefreshToken;
            e.auth = Auth::Token { mfa };
            e.flags = flags_;
            out.push(e);
            t = t.plus(((r.exp(ep.spacing_min) + 0.2) * MINUTE as f64) as i64);
        }
        log.note(ep.user, C::CloudShellAdmin, first, t);
    }
}
