//! Planted attacks. Each incident is planned before generation (victim, time, attacker network and
//! device), then realised in the hour it starts: the attacker's records are built from the victim's live
//! state (their session id, device, address) and queued, and the incident's label is written from exactly
//! those records (first/last attacker record, every attacker address).
//!
//! How each kind appears in the records:
//! * `aitm_cookie_replay` — the victim's interactive sign-in (victim's user agent, MFA performed) comes
//!   from the phishing proxy's hosting address and opens a new SessionId; minutes later the same SessionId
//!   is used from another network (a VPS abroad, a VPS in the victim's country, or a VPN exit): an
//!   interactive "Previously satisfied" sign-in, then refresh-token redemptions (mail, files).
//! * `refresh_token_replay` — days into a long-lived session, non-interactive redemptions with
//!   `refreshToken` from a hosting ASN, same SessionId, no device id.
//! * `prt_theft` — the victim's joined laptop's device id, name and trust type, `primaryRefreshToken`,
//!   same SessionId as the victim's device session, from the attacker's network.
//! * `impossible_travel_proxy` — same session, residential addresses of an ISP far away (another
//!   country, or the far side of the victim's country) minutes after the victim's own activity.
//! * `concurrent_session` — victim and attacker records alternate A-B-A-B in one session for hours.
//! * `okta_session_hijack` — same `externalSessionId`, new address, user agent and dtHash.
//! * `okta_token_reuse` — a refresh-token grant from the attacker and Okta's
//!   `app.oauth2.as.token.detect_reuse` / `app.oauth2.token.detect_reuse` when the other party presents the
//!   rotated token.
//! * `illicit_consent` — "Consent to application", "Add service principal" and "Add delegated permission
//!   grant" by the victim for an app never seen in the tenant, then that app's service-principal sign-ins
//!   from hosting addresses.
//! * `credential_persistence` — within hours of a replay, "Add service principal credentials" or "Update
//!   application – Certificates and secrets management" by the victim account from the attacker's address,
//!   then that service principal signing in from there.
//!
//! * `device_code_phishing` — the victim completes the attacker's device code from their own address and
//!   browser (`authenticationProtocol` `deviceCode`), then the attacker redeems the tokens in that session
//!   from its network (`originalTransferMethod` `deviceCodeFlow`).
//! * `device_registration_prt` — after a device code or AiTM foothold, "Register device" / "Add device" /
//!   "Add registered owner to device" from the attacker's address, then the new device's Primary Refresh
//!   Token redeemed from there.
//!
//! Every incident draws its network, country, user agent, time of day / week, delays and counts from
//! wide ranges ([`Variant`], [`log_uniform`]); the label's `variant` lists the draws as tags.

use std::net::IpAddr;

use crate::catalog::{self, ENTRA_APPS};
use crate::event::{Audit, AuditActivity, Auth, Event, EventKind, OktaType, TokenType, flags};
use crate::labels::{Incident, IncidentKind, rfc3339};
use crate::network::{NetKind, distance_km};
use crate::prng::Rng;
use crate::tenant::{Device, Role, ServicePrincipal, Tenant, Trust, attacker_device};
use crate::time::{DAY, HOUR, MINUTE, SECOND, Ticks};
use crate::timeline::{UserState, make_event, okta_app, pick_resource};

/// Where the attacker's traffic comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttackNet {
    /// A VPS / cloud block.
    Hosting,
    /// Residential proxy exits (home broadband of some ISP).
    ResidentialProxy,
    /// A commercial VPN exit.
    Vpn,
    /// Another home address of the victim's own ISP (residential proxy on the same ISP).
    SameIsp,
    /// Mobile carrier (mobile proxy or the attacker's phone hotspot).
    Mobile,
}

/// Which user agent the attacker sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttackUa {
    /// The attacker's own browser.
    OwnBrowser,
    /// The victim's browser user agent, copied.
    Victim,
    /// A script or command-line tool (python-requests, Go, azure-cli, PowerShell).
    Scripted,
    /// A phone browser.
    Mobile,
}

/// When in the victim's week the attack starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Weekday, 08:00–18:00 victim time.
    Business,
    /// Weekday evening, 18:00–23:00.
    Evening,
    /// Night, 23:00–07:00.
    Night,
    /// Saturday or Sunday, any hour.
    Weekend,
}

/// How an incident is made harder to tell: drawn per incident from wide ranges, and written to the label
/// as comma-separated tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Attacker in the victim's country.
    pub same_country: bool,
    /// Attacker network.
    pub net: AttackNet,
    /// Attacker user agent.
    pub ua: AttackUa,
    /// Time of the attack.
    pub timing: Timing,
}

impl Variant {
    /// Label tags (`same_country`, `vpn_exit`, `victim_user_agent`, …), or `None` for a plain attack
    /// (hosting abroad, own browser, office hours).
    fn tags(self, victim_idle: Option<bool>) -> Option<String> {
        let mut t: Vec<&str> = Vec::new();
        if self.same_country {
            t.push("same_country");
        }
        match self.net {
            AttackNet::Hosting => {}
            AttackNet::ResidentialProxy => t.push("residential_proxy"),
            AttackNet::Vpn => t.push("vpn_exit"),
            AttackNet::SameIsp => t.push("same_isp"),
            AttackNet::Mobile => t.push("mobile_network"),
        }
        match self.ua {
            AttackUa::OwnBrowser => {}
            AttackUa::Victim => t.push("victim_user_agent"),
            AttackUa::Scripted => t.push("scripted_client"),
            AttackUa::Mobile => t.push("mobile_user_agent"),
        }
        match self.timing {
            Timing::Business => {}
            Timing::Evening => t.push("evening"),
            Timing::Night => t.push("night"),
            Timing::Weekend => t.push("weekend"),
        }
        if victim_idle == Some(true) {
            t.push("victim_idle");
        }
        (!t.is_empty()).then(|| t.join(","))
    }
}

/// One planned attack.
#[derive(Clone, Debug)]
pub struct PlannedAttack {
    /// Kind.
    pub kind: IncidentKind,
    /// Victim user index.
    pub victim: u32,
    /// Start.
    pub t0: Ticks,
    /// Variant.
    pub variant: Variant,
    /// Attacker network blocks (first is the main one).
    pub nets: Vec<u16>,
    /// AiTM proxy block.
    pub proxy_net: Option<u16>,
    /// Attacker's device (index into `Tenant::devices`).
    pub device: u32,
    /// The AiTM proxy's relay of the victim's browser (victim's user agent, no device id), or the
    /// victim's browser completing a device code (device code phishing).
    pub relay_device: Option<u32>,
    /// Device the attacker registers (device registration).
    pub new_device: Option<u32>,
    /// Service principal involved (illicit app, or the one credentials are added to).
    pub sp: Option<u32>,
    /// For credential persistence: the replay incident it follows.
    pub base: Option<usize>,
    /// Set once realised: the attacker's main address.
    pub main_ip: Option<IpAddr>,
    /// Realised.
    pub done: bool,
}

/// Names of apps attackers register for consent phishing.
const ILLICIT_APP_NAMES: &[&str] = &[
    "Mail Backup Assistant",
    "Secure PDF Viewer",
    "Outlook Sync Helper",
    "Document Sign Portal",
    "Teams Meeting Scheduler Pro",
    "OneDrive Quick Share",
    "Inbox Cleaner 365",
    "SharePoint File Preview",
];

/// Incidents per kind for a tenant size: at least two, about one per 7,000 user-days, at most a
/// thirtieth of the users.
pub fn per_kind(users: u32, days: u32) -> usize {
    let by_size = ((users as u64 * days as u64) as f64 / 7000.0).ceil() as usize;
    by_size.max(2).min((users as usize / 30).max(2))
}

/// A value drawn log-uniformly in `[lo, hi]` (wide ranges: minutes to days, one to dozens).
pub fn log_uniform(r: &mut Rng, lo: f64, hi: f64) -> f64 {
    (lo.ln() + r.f64() * (hi.ln() - lo.ln())).exp()
}

fn pick_net(
    r: &mut Rng,
    tenant: &Tenant,
    victim_country: &str,
    victim_home: u16,
    kind: NetKind,
    same_country: bool,
    min_km: f64,
) -> u16 {
    let home = tenant.nets.get(victim_home);
    let cands = tenant.nets.select(|n| {
        n.kind == kind
            && !n.is_v6()
            && (n.country == victim_country) == same_country
            && n.city != home.city
            && distance_km(n.lat, n.lon, home.lat, home.lon) >= min_km
    });
    if !cands.is_empty() {
        return *r.pick(&cands);
    }
    // Nothing of that kind there: the same kind in the victim's country, then anywhere.
    let near = tenant
        .nets
        .select(|n| n.kind == kind && !n.is_v6() && n.country == victim_country);
    if same_country && !near.is_empty() {
        return *r.pick(&near);
    }
    let any = tenant
        .nets
        .select(|n| n.kind == kind && !n.is_v6() && n.country != victim_country);
    *r.pick(&any)
}

/// The attacker's network for a variant.
fn attacker_nets(
    r: &mut Rng,
    tenant: &Tenant,
    victim: u32,
    v: &Variant,
    kind: IncidentKind,
) -> Vec<u16> {
    let u = &tenant.users[victim as usize];
    let (country, home) = (u.country.as_str(), u.home_net);
    let same = v.same_country;
    match v.net {
        AttackNet::SameIsp => {
            let asn = tenant.nets.get(home).asn;
            let mut isp = tenant
                .nets
                .select(|n| n.asn == asn && !n.is_v6() && n.kind == NetKind::Residential);
            r.shuffle(&mut isp);
            // Another block of the ISP when it has one (the victim's own block otherwise).
            isp.sort_by_key(|&n| n == home);
            isp.truncate(if kind == IncidentKind::ImpossibleTravelProxy {
                3
            } else {
                1
            });
            isp
        }
        AttackNet::ResidentialProxy => {
            let min_km = match (kind, same) {
                (IncidentKind::ImpossibleTravelProxy, true) => 700.0,
                (IncidentKind::ImpossibleTravelProxy, false) => 3000.0,
                (_, true) => 100.0,
                (_, false) => 0.0,
            };
            let first = pick_net(r, tenant, country, home, NetKind::Residential, same, min_km);
            // Residential proxy pools rotate exits within one ISP.
            let asn = tenant.nets.get(first).asn;
            let mut same_isp = tenant.nets.select(|n| n.asn == asn && !n.is_v6());
            r.shuffle(&mut same_isp);
            let extra = r.below(3) as usize;
            std::iter::once(first)
                .chain(same_isp.into_iter().filter(|&x| x != first).take(extra))
                .collect()
        }
        AttackNet::Vpn => {
            let mut cands = tenant
                .nets
                .select(|n| n.kind == NetKind::Vpn && !n.is_v6() && (n.country == country) == same);
            if cands.is_empty() {
                cands = tenant.nets.select(|n| n.kind == NetKind::Vpn && !n.is_v6());
            }
            vec![*r.pick(&cands)]
        }
        AttackNet::Mobile => vec![pick_net(
            r,
            tenant,
            country,
            home,
            NetKind::Mobile,
            same,
            0.0,
        )],
        AttackNet::Hosting => {
            let n = if r.chance(0.3) { 2 } else { 1 };
            (0..n)
                .map(|_| pick_net(r, tenant, country, home, NetKind::Hosting, same, 0.0))
                .collect()
        }
    }
}

/// Plans every incident: victims (distinct), times and attacker infrastructure, each drawn from wide
/// ranges. Adds attacker devices and illicit apps to the tenant.
pub fn plan(
    seed: u64,
    tenant: &mut Tenant,
    states: &mut [UserState],
    start: Ticks,
    days: u32,
    excluded: &[bool],
) -> Vec<PlannedAttack> {
    let mut r = Rng::derive(seed, 10, 0);
    let users = tenant.users.len() as u32;
    let n = per_kind(users, days);
    let mut taken: Vec<bool> = excluded.to_vec();
    let mut planned: Vec<PlannedAttack> = Vec::new();
    // Credential persistence follows replays of technical users: plan those replays first.
    let order = [
        IncidentKind::AitmCookieReplay,
        IncidentKind::RefreshTokenReplay,
        IncidentKind::PrtTheft,
        IncidentKind::ImpossibleTravelProxy,
        IncidentKind::ConcurrentSession,
        IncidentKind::OktaSessionHijack,
        IncidentKind::OktaTokenReuse,
        IncidentKind::IllicitConsent,
        IncidentKind::DeviceCodePhishing,
        IncidentKind::DeviceRegistrationPrt,
    ];
    for kind in order {
        for i in 0..n {
            let need_technical = matches!(
                kind,
                IncidentKind::AitmCookieReplay | IncidentKind::RefreshTokenReplay
            ) && i < n.div_ceil(2);
            let Some(victim) = pick_victim(&mut r, tenant, &taken, |u, t| {
                (!need_technical || u.role != Role::Staff)
                    && (kind != IncidentKind::PrtTheft
                        || t.devices[u.laptop as usize].trust.has_prt())
                    && (kind != IncidentKind::RefreshTokenReplay || u.phone.is_some())
            }) else {
                continue;
            };
            taken[victim as usize] = true;
            let mut variant = draw_variant(&mut r, kind);
            match kind {
                // Impossible travel through a residential proxy pool, by definition.
                IncidentKind::ImpossibleTravelProxy => variant.net = AttackNet::ResidentialProxy,
                // The illicit app signs in from hosting.
                IncidentKind::IllicitConsent => variant.net = AttackNet::Hosting,
                _ => {}
            }
            // Attacks in office hours find the victim at work (it is when phishing lands); the others
            // come whenever, often while the victim is idle.
            if variant.timing == Timing::Business && r.chance(0.8) {
                states[victim as usize].always_works = true;
            }
            let min_day = if kind == IncidentKind::RefreshTokenReplay {
                2.min(days as i64 - 1)
            } else {
                1.min(days as i64 - 1)
            };
            let t0 = attack_time(&mut r, tenant, victim, start, days, min_day, variant.timing);
            let nets: Vec<u16> = match kind {
                IncidentKind::IllicitConsent => {
                    let u = &tenant.users[victim as usize];
                    let (country, home) = (u.country.clone(), u.home_net);
                    (0..r.range(1, 3))
                        .map(|_| {
                            let same = r.chance(0.3);
                            pick_net(&mut r, tenant, &country, home, NetKind::Hosting, same, 0.0)
                        })
                        .collect()
                }
                _ => attacker_nets(&mut r, tenant, victim, &variant, kind),
            };
            // The label says what the records show: the main network's country.
            variant.same_country =
                tenant.nets.get(nets[0]).country == tenant.users[victim as usize].country;
            let proxy_net = matches!(
                kind,
                IncidentKind::AitmCookieReplay | IncidentKind::DeviceRegistrationPrt
            )
            .then(|| {
                let u = &tenant.users[victim as usize];
                let (country, home) = (u.country.clone(), u.home_net);
                let same = r.chance(0.3);
                pick_net(&mut r, tenant, &country, home, NetKind::Hosting, same, 0.0)
            });
            let device = add_attacker_device(&mut r, tenant, victim, kind, variant);
            let relay_device = matches!(
                kind,
                IncidentKind::AitmCookieReplay
                    | IncidentKind::DeviceCodePhishing
                    | IncidentKind::DeviceRegistrationPrt
            )
            .then(|| {
                // The victim's own browser, as a phishing proxy relays it or as it completes a device
                // code: the victim's user agent, no device id.
                let laptop = tenant.devices[tenant.users[victim as usize].laptop as usize].clone();
                let mut d = attacker_device(&mut r);
                d.os = laptop.os;
                d.browser = laptop.browser;
                d.browser_major = laptop.browser_major;
                d.user_agent = laptop.user_agent.clone();
                d.trust = Trust::None;
                tenant.devices.push(d);
                tenant.devices.len() as u32 - 1
            });
            let new_device = (kind == IncidentKind::DeviceRegistrationPrt).then(|| {
                let mut d = attacker_device(&mut r);
                d.os = crate::catalog::Os::Windows;
                d.browser = crate::catalog::Browser::Edge;
                d.browser_major = crate::tenant::browser_major(&mut r, d.browser);
                d.user_agent = crate::catalog::browser_agent(d.os, d.browser, d.browser_major, 1);
                d.display_name = match r.below(3) {
                    0 => format!("DESKTOP-{:07X}", r.below(1 << 28)),
                    1 => format!("LT-{:07}", r.below(10_000_000)),
                    _ => format!("WIN-{:011X}", r.below(1 << 44)),
                };
                d.trust = if r.chance(0.5) {
                    Trust::Joined
                } else {
                    Trust::Registered
                };
                d.compliant = false;
                tenant.devices.push(d);
                tenant.devices.len() as u32 - 1
            });
            let sp = (kind == IncidentKind::IllicitConsent).then(|| {
                let name = ILLICIT_APP_NAMES[r.index(ILLICIT_APP_NAMES.len())];
                tenant.service_principals.push(ServicePrincipal {
                    name: name.to_string(),
                    app_id: r.guid(),
                    sp_id: r.guid(),
                    key_id: r.guid(),
                    resource: catalog::res::GRAPH,
                    managed_identity: false,
                    certificate: false,
                    nets: nets.clone(),
                    period_min: 60.0,
                    scheduled: false,
                    active_from: t0,
                });
                tenant.service_principals.len() as u32 - 1
            });
            planned.push(PlannedAttack {
                kind,
                victim,
                t0,
                variant,
                nets,
                proxy_net,
                device,
                relay_device,
                new_device,
                sp,
                base: None,
                main_ip: None,
                done: false,
            });
        }
    }
    // Credential persistence: on the technical victims of AiTM / refresh-token replays.
    let bases: Vec<usize> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            matches!(
                p.kind,
                IncidentKind::AitmCookieReplay | IncidentKind::RefreshTokenReplay
            ) && tenant.users[p.victim as usize].role != Role::Staff
        })
        .map(|(i, _)| i)
        .collect();
    let scheduled_sps: Vec<u32> = (0..tenant.service_principals.len() as u32)
        .filter(|&i| {
            let sp = &tenant.service_principals[i as usize];
            sp.scheduled && !sp.managed_identity
        })
        .collect();
    for &b in bases.iter().take(n) {
        let base = planned[b].clone();
        // Minutes to a day after the replay.
        let delay = log_uniform(&mut r, 5.0, 24.0 * 60.0) as i64;
        let t0 = base
            .t0
            .plus(delay * MINUTE)
            .min(start.plus(days as i64 * DAY - 3 * HOUR))
            .max(base.t0.plus(5 * MINUTE));
        planned.push(PlannedAttack {
            kind: IncidentKind::CredentialPersistence,
            victim: base.victim,
            t0,
            variant: base.variant,
            nets: base.nets.clone(),
            proxy_net: None,
            device: base.device,
            relay_device: None,
            new_device: None,
            sp: Some(*r.pick(&scheduled_sps)),
            base: Some(b),
            main_ip: None,
            done: false,
        });
    }
    planned
}

fn draw_variant(r: &mut Rng, kind: IncidentKind) -> Variant {
    let net = match r.weighted(&[35, 22, 20, 11, 12]) {
        0 => AttackNet::Hosting,
        1 => AttackNet::ResidentialProxy,
        2 => AttackNet::Vpn,
        3 => AttackNet::SameIsp,
        _ => AttackNet::Mobile,
    };
    let mut ua = match r.weighted(&[45, 25, 20, 10]) {
        0 => AttackUa::OwnBrowser,
        1 => AttackUa::Victim,
        2 => AttackUa::Scripted,
        _ => AttackUa::Mobile,
    };
    // A stolen PRT is used from Windows (its browser or a tool); Okta sessions from a browser.
    if kind == IncidentKind::PrtTheft && ua == AttackUa::Mobile {
        ua = AttackUa::OwnBrowser;
    }
    if matches!(
        kind,
        IncidentKind::OktaSessionHijack | IncidentKind::IllicitConsent
    ) && ua == AttackUa::Scripted
    {
        ua = AttackUa::Victim;
    }
    let mut timing = match r.weighted(&[50, 18, 16, 16]) {
        0 => Timing::Business,
        1 => Timing::Evening,
        2 => Timing::Night,
        _ => Timing::Weekend,
    };
    // Phishing needs the victim awake: they sign in through the proxy, enter the code, or consent.
    if timing == Timing::Night
        && matches!(
            kind,
            IncidentKind::AitmCookieReplay
                | IncidentKind::DeviceCodePhishing
                | IncidentKind::DeviceRegistrationPrt
                | IncidentKind::IllicitConsent
        )
    {
        timing = Timing::Evening;
    }
    Variant {
        same_country: net == AttackNet::SameIsp || r.chance(0.35),
        net,
        ua,
        timing,
    }
}

fn pick_victim(
    r: &mut Rng,
    tenant: &Tenant,
    taken: &[bool],
    ok: impl Fn(&crate::tenant::User, &Tenant) -> bool,
) -> Option<u32> {
    let users = tenant.users.len() as u64;
    for _ in 0..users * 4 {
        let v = r.below(users) as u32;
        if !taken[v as usize] && ok(&tenant.users[v as usize], tenant) {
            return Some(v);
        }
    }
    (0..users as u32).find(|&v| !taken[v as usize] && ok(&tenant.users[v as usize], tenant))
}

/// A time of the victim's week for the timing, at least `min_day` days in (falls back to any day
/// when the window has no such day).
fn attack_time(
    r: &mut Rng,
    tenant: &Tenant,
    victim: u32,
    start: Ticks,
    days: u32,
    min_day: i64,
    timing: Timing,
) -> Ticks {
    let u = &tenant.users[victim as usize];
    let offset = u.utc_offset_min as i64 * MINUTE;
    let (lo_h, hi_h) = match timing {
        Timing::Business => (8, 18),
        Timing::Evening => (18, 23),
        Timing::Night => (23, 31),
        Timing::Weekend => (0, 24),
    };
    let within = |r: &mut Rng, local_midnight: Ticks| {
        local_midnight.plus(
            lo_h * HOUR
                + r.below(((hi_h - lo_h) * 60) as u64) as i64 * MINUTE
                + r.below(60) as i64 * SECOND,
        )
    };
    let last = (days as i64 - 1).max(0);
    for _ in 0..60 {
        let d = r.range(min_day.max(0), last);
        let local_midnight = Ticks(start.0 + d * DAY - offset);
        // Local day number of that midnight decides the weekday (1970-01-01 was a Thursday).
        let local_day = (local_midnight.0 + offset).div_euclid(DAY);
        let weekend = (local_day + 3).rem_euclid(7) >= 5;
        let t = within(r, local_midnight);
        if (weekend == (timing == Timing::Weekend) || days < 3) && t < start.plus(days as i64 * DAY)
        {
            return t;
        }
    }
    let d = r.range(min_day.max(0), last);
    within(r, Ticks(start.0 + d * DAY - offset)).min(start.plus(days as i64 * DAY - HOUR))
}

fn add_attacker_device(
    r: &mut Rng,
    tenant: &mut Tenant,
    victim: u32,
    kind: IncidentKind,
    variant: Variant,
) -> u32 {
    let u = &tenant.users[victim as usize];
    let laptop = tenant.devices[u.laptop as usize].clone();
    let mut d: Device = match variant.ua {
        AttackUa::Scripted => {
            let agent = *r.pick(crate::catalog::SCRIPT_AGENTS);
            crate::tenant::scripted_device(r, agent)
        }
        AttackUa::Mobile => {
            let mut d = crate::tenant::new_phone(r, "x");
            d.display_name = String::new();
            d.trust = Trust::None;
            d.compliant = false;
            d
        }
        _ => attacker_device(r),
    };
    if variant.ua == AttackUa::Victim {
        d.os = laptop.os;
        d.browser = laptop.browser;
        d.browser_major = laptop.browser_major;
        d.user_agent = laptop.user_agent.clone();
    }
    if kind == IncidentKind::PrtTheft {
        // The stolen PRT carries the victim device's identity.
        d.id = laptop.id;
        d.display_name = laptop.display_name.clone();
        d.trust = laptop.trust;
        d.compliant = laptop.compliant;
        if variant.ua == AttackUa::OwnBrowser {
            d.os = crate::catalog::Os::Windows;
            d.user_agent = crate::catalog::browser_agent(d.os, d.browser, d.browser_major, 1);
        }
    } else {
        d.trust = Trust::None;
    }
    tenant.devices.push(d);
    tenant.devices.len() as u32 - 1
}

/// Events of realised incidents, and their labels.
pub struct Realised {
    /// Attacker (and scripted victim) records.
    pub events: Vec<Event>,
    /// The label.
    pub incident: Incident,
}

/// Realises every planned attack starting in `[h, h + 1 hour)`.
pub fn hour(
    seed: u64,
    plans: &mut [PlannedAttack],
    tenant: &Tenant,
    states: &mut [UserState],
    h: Ticks,
    end_of_data: Ticks,
    next_id: &mut usize,
) -> Vec<Realised> {
    let mut out = Vec::new();
    for i in 0..plans.len() {
        if plans[i].done || plans[i].t0 >= h.plus(HOUR) || plans[i].t0 < h {
            continue;
        }
        let base_ip = plans[i].base.and_then(|b| plans[b].main_ip);
        let p = plans[i].clone();
        let vst = &states[p.victim as usize];
        let victim_idle = !vst.plan.work.is_some_and(|(s, e)| p.t0 >= s && p.t0 < e);
        let mut avoid = vec![vst.home_ip.0, vst.mobile.1];
        avoid.extend(vst.home_ip6);
        let mut r = Rng::derive(seed, 11, i as u64);
        let mut ctx = Ctx {
            r: &mut r,
            tenant,
            p: &p,
            events: Vec::new(),
            attacker_ips: Vec::new(),
            end_of_data,
            avoid,
        };
        let (session, app) = ctx.realise(&mut states[p.victim as usize], base_ip);
        let Ctx {
            mut events,
            attacker_ips,
            ..
        } = ctx;
        // Records past the end of the data are never written, so they must not shape the label either.
        events.retain(|e| e.t < end_of_data);
        let attacker_ips: Vec<IpAddr> = attacker_ips
            .into_iter()
            .filter(|ip| events.iter().any(|e| e.ip == *ip))
            .collect();
        plans[i].done = true;
        let attacker: Vec<&Event> = events
            .iter()
            .filter(|e| is_attacker(e, &attacker_ips, &p))
            .collect();
        let (Some(first), Some(last)) = (
            attacker.iter().map(|e| e.t).min(),
            attacker.iter().map(|e| e.t).max(),
        ) else {
            continue;
        };
        plans[i].main_ip = attacker_ips.last().copied();
        *next_id += 1;
        let u = &tenant.users[p.victim as usize];
        out.push(Realised {
            incident: Incident {
                id: format!("inc-{:04}", *next_id),
                kind: p.kind.name().to_string(),
                technique: p.kind.technique().to_string(),
                source: p.kind.source().to_string(),
                user: u.upn.to_lowercase(),
                session_id: session,
                app,
                start: rfc3339(first),
                end: rfc3339_ceil(last),
                attacker_ips: attacker_ips.iter().map(|ip| ip.to_string()).collect(),
                variant: p.variant.tags(Some(victim_idle)),
            },
            events,
        });
    }
    out
}

/// Labels are whole seconds: round the end up so the window contains the last record.
fn rfc3339_ceil(t: Ticks) -> String {
    rfc3339(Ticks((t.0 + SECOND - 1).div_euclid(SECOND) * SECOND))
}

fn is_attacker(e: &Event, ips: &[IpAddr], p: &PlannedAttack) -> bool {
    // The consent itself is the victim's click, from the victim's own address, but it is the attack;
    // so is the victim completing the attacker's device code.
    (p.kind == IncidentKind::IllicitConsent && e.kind == EventKind::EntraAudit)
        || (matches!(
            p.kind,
            IncidentKind::DeviceCodePhishing | IncidentKind::DeviceRegistrationPrt
        ) && Some(e.device) == p.relay_device)
        || ips.contains(&e.ip)
            && (e.device == p.device
                || Some(e.device) == p.relay_device
                || Some(e.device) == p.new_device
                || e.kind == EventKind::EntraServicePrincipal
                || e.kind == EventKind::EntraAudit
                || matches!(e.kind, EventKind::Okta(_)))
}

struct Ctx<'a, 'b> {
    r: &'b mut Rng,
    tenant: &'a Tenant,
    p: &'b PlannedAttack,
    events: Vec<Event>,
    attacker_ips: Vec<IpAddr>,
    end_of_data: Ticks,
    /// The victim's own current addresses (an attacker on the same ISP never gets exactly those).
    avoid: Vec<IpAddr>,
}

impl Ctx<'_, '_> {
    fn attacker_ip(&mut self, net: u16) -> IpAddr {
        let mut ip = self.tenant.nets.get(net).host(self.r);
        while self.avoid.contains(&ip) {
            ip = self.tenant.nets.get(net).host(self.r);
        }
        self.attacker_ips.push(ip);
        ip
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        t: Ticks,
        kind: EventKind,
        actor: u32,
        device: u32,
        ip: IpAddr,
        net: u16,
        app: u16,
        resource: u16,
        session: u128,
        token_type: TokenType,
        auth: Auth,
    ) -> &mut Event {
        let corr = self.r.guid();
        // Server clocks stamp to 100 ns: no whole-second timestamps on attacker records.
        let t = Ticks(t.0 + self.r.below(SECOND as u64) as i64);
        let mut e = make_event(
            self.r, t, kind, actor, device, ip, net, app, resource, session, corr,
        );
        e.token_type = token_type;
        e.auth = auth;
        self.events.push(e);
        let n = self.events.len() - 1;
        &mut self.events[n]
    }

    /// The victim completes the attacker's device code in their own browser, from their own address: an
    /// interactive sign-in of the attacker's chosen client that opens a new session. Returns the session.
    fn device_code_completion(&mut self, st: &UserState, client: u16) -> u128 {
        let p = self.p;
        let vloc = self.victim_location(st);
        let relay = p.relay_device.unwrap_or(p.device);
        let session = self.r.guid();
        let auth = if self.r.chance(0.55) {
            Auth::Claim { mfa: true }
        } else {
            Auth::PasswordMfa {
                method: self.r.weighted(&[70, 15, 5, 10]) as u8,
            }
        };
        let res = pick_resource(self.r, client);
        let e = self.push(
            p.t0,
            EventKind::EntraInteractive,
            p.victim,
            relay,
            vloc.1,
            vloc.0,
            client,
            res,
            session,
            TokenType::None,
            auth,
        );
        e.flags = flags::DEVICE_CODE;
        session
    }

    /// Marks every record of a session as coming from the device code flow (`originalTransferMethod`).
    fn mark_device_code(&mut self, session: u128) {
        for e in self.events.iter_mut() {
            if e.session == session && e.kind.is_entra() {
                e.flags |= flags::DEVICE_CODE;
            }
        }
    }

    /// Redemptions as another device of the attacker's (the registered one).
    #[allow(clippy::too_many_arguments)]
    fn redemptions_as(
        &mut self,
        device: u32,
        from: Ticks,
        count: usize,
        spacing_min: (i64, i64),
        ips: &[(u16, IpAddr)],
        session: u128,
        token_type: TokenType,
        apps: &[u16],
    ) -> Ticks {
        let first = self.events.len();
        let t = self.redemptions(from, count, spacing_min, ips, session, token_type, apps);
        for e in &mut self.events[first..] {
            e.device = device;
        }
        t
    }

    /// A count drawn log-uniformly in `[lo, hi]`.
    fn count(&mut self, lo: f64, hi: f64) -> usize {
        log_uniform(self.r, lo, hi + 0.999).floor() as usize
    }

    /// A burst of refresh-token redemptions by the attacker.
    #[allow(clippy::too_many_arguments)]
    fn redemptions(
        &mut self,
        from: Ticks,
        count: usize,
        spacing_min: (i64, i64),
        ips: &[(u16, IpAddr)],
        session: u128,
        token_type: TokenType,
        apps: &[u16],
    ) -> Ticks {
        let mut t = from;
        let v = self.p.victim;
        for k in 0..count {
            let (net, ip) = ips[k % ips.len()];
            let app = apps[self.r.index(apps.len())];
            let res = pick_resource(self.r, app);
            let dev = self.p.device;
            self.push(
                t,
                EventKind::EntraNonInteractive,
                v,
                dev,
                ip,
                net,
                app,
                res,
                session,
                token_type,
                Auth::Token { mfa: true },
            );
            // Gaps drawn log-uniformly between the bounds: bursts and long pauses alike.
            let gap = log_uniform(
                self.r,
                spacing_min.0 as f64 * 60.0,
                spacing_min.1 as f64 * 60.0,
            );
            t = t.plus((gap * SECOND as f64) as i64);
        }
        t
    }

    fn victim_location(&mut self, st: &UserState) -> (u16, IpAddr) {
        let u = &self.tenant.users[self.p.victim as usize];
        match (st.plan.mode, u.office) {
            (crate::timeline::DayMode::Office, Some(o)) => {
                let office = &self.tenant.offices[o as usize];
                (office.net, office.ips[0])
            }
            _ => (u.home_net, st.home_ip.0),
        }
    }

    /// Builds the records; returns the session id label and the app label.
    fn realise(&mut self, st: &mut UserState, base_ip: Option<IpAddr>) -> (Option<String>, String) {
        let p = self.p;
        let v = p.victim;
        let t0 = p.t0;
        let main = p.nets[0];
        let u = &self.tenant.users[v as usize];
        match p.kind {
            IncidentKind::AitmCookieReplay => {
                let proxy = p.proxy_net.unwrap_or(main);
                let proxy_ip = self.attacker_ip(proxy);
                let session = self.r.guid();
                let method = self.r.weighted(&[70, 15, 5, 10]) as u8;
                let corr = self.r.guid();
                let app = catalog::app::OFFICE_HOME;
                // The proxy relays the victim's browser.
                let dev = p.relay_device.unwrap_or(p.device);
                if self.r.chance(0.5) {
                    let e = self.push(
                        t0,
                        EventKind::EntraInteractive,
                        v,
                        dev,
                        proxy_ip,
                        proxy,
                        app,
                        catalog::res::OFFICE_PORTAL,
                        session,
                        TokenType::None,
                        Auth::Password,
                    );
                    e.result = 50074;
                    e.correlation = corr;
                }
                let t1 = t0.plus(self.r.range(10, 40) * SECOND);
                let e = self.push(
                    t1,
                    EventKind::EntraInteractive,
                    v,
                    dev,
                    proxy_ip,
                    proxy,
                    app,
                    catalog::res::OFFICE_PORTAL,
                    session,
                    TokenType::None,
                    Auth::PasswordMfa { method },
                );
                e.correlation = corr;
                let replay_ip = self.attacker_ip(main);
                // The cookie is replayed a minute to three days later.
                let delay = log_uniform(self.r, 1.0, 3.0 * 24.0 * 60.0);
                let t2 = t1.plus((delay * MINUTE as f64) as i64);
                let dev = p.device;
                self.push(
                    t2,
                    EventKind::EntraInteractive,
                    v,
                    dev,
                    replay_ip,
                    main,
                    catalog::app::OUTLOOK_WEB,
                    catalog::res::EXCHANGE,
                    session,
                    TokenType::None,
                    Auth::Claim { mfa: true },
                );
                let n = self.count(0.0, 60.0);
                let t3 = t2.plus(self.r.range(20, 200) * SECOND);
                self.redemptions(
                    t3,
                    n,
                    (1, 240),
                    &[(main, replay_ip)],
                    session,
                    TokenType::RefreshToken,
                    &[catalog::app::OUTLOOK_WEB, catalog::app::OFFICE_HOME, 10],
                );
                (
                    Some(crate::ids::guid(session)),
                    ENTRA_APPS[catalog::app::OUTLOOK_WEB as usize]
                        .name
                        .to_string(),
                )
            }
            IncidentKind::RefreshTokenReplay => {
                let sess = if st.phone.id != 0 {
                    st.phone
                } else {
                    st.laptop
                };
                let sess_id = if sess.id != 0 { sess.id } else { self.r.guid() };
                let ip = self.attacker_ip(main);
                let second = if self.r.chance(0.4) {
                    Some((main, self.attacker_ip(main)))
                } else {
                    None
                };
                let mut ips = vec![(main, ip)];
                ips.extend(second);
                let n = self.count(1.0, 60.0);
                self.redemptions(
                    t0,
                    n,
                    (1, 360),
                    &ips,
                    sess_id,
                    TokenType::RefreshToken,
                    &[catalog::app::OFFICE, catalog::app::TEAMS],
                );
                (
                    Some(crate::ids::guid(sess_id)),
                    ENTRA_APPS[catalog::app::OFFICE as usize].name.to_string(),
                )
            }
            IncidentKind::PrtTheft => {
                let sess_id = if st.laptop.id != 0 {
                    st.laptop.id
                } else {
                    self.r.guid()
                };
                let ip = self.attacker_ip(main);
                let dev = p.device;
                self.push(
                    t0,
                    EventKind::EntraInteractive,
                    v,
                    dev,
                    ip,
                    main,
                    catalog::app::OFFICE_HOME,
                    catalog::res::OFFICE_PORTAL,
                    sess_id,
                    TokenType::PrimaryRefreshToken,
                    Auth::Claim { mfa: true },
                );
                let n = self.count(1.0, 60.0);
                let t1 = t0.plus(self.r.range(30, 300) * SECOND);
                self.redemptions(
                    t1,
                    n,
                    (1, 180),
                    &[(main, ip)],
                    sess_id,
                    TokenType::PrimaryRefreshToken,
                    &[
                        catalog::app::OFFICE,
                        catalog::app::TEAMS,
                        catalog::app::BROKER,
                        catalog::app::OFFICE_HOME,
                    ],
                );
                (
                    Some(crate::ids::guid(sess_id)),
                    ENTRA_APPS[catalog::app::OFFICE as usize].name.to_string(),
                )
            }
            IncidentKind::ImpossibleTravelProxy => {
                let sess = st.laptop;
                let sess_id = if sess.id != 0 { sess.id } else { self.r.guid() };
                // The victim's own activity just before, from home.
                let vloc = self.victim_location(st);
                let laptop = st.laptop_device;
                let tv = t0.plus(-(log_uniform(self.r, 1.0, 90.0) * MINUTE as f64) as i64);
                self.push(
                    tv,
                    EventKind::EntraNonInteractive,
                    v,
                    laptop,
                    vloc.1,
                    vloc.0,
                    catalog::app::TEAMS,
                    catalog::res::TEAMS,
                    sess_id,
                    token_for(self.tenant, laptop),
                    Auth::Token { mfa: sess.mfa },
                );
                let ips: Vec<(u16, IpAddr)> =
                    p.nets.iter().map(|&n| (n, self.attacker_ip(n))).collect();
                let n = self.count(2.0, 40.0);
                self.redemptions(
                    t0,
                    n,
                    (1, 90),
                    &ips,
                    sess_id,
                    TokenType::RefreshToken,
                    &[catalog::app::OFFICE, catalog::app::TEAMS],
                );
                (
                    Some(crate::ids::guid(sess_id)),
                    ENTRA_APPS[catalog::app::OFFICE as usize].name.to_string(),
                )
            }
            IncidentKind::ConcurrentSession => {
                let sess = st.laptop;
                let sess_id = if sess.id != 0 { sess.id } else { self.r.guid() };
                let ip = self.attacker_ip(main);
                let vloc = self.victim_location(st);
                let laptop = st.laptop_device;
                let rounds = self.count(2.0, 12.0);
                let mut t = t0;
                for _ in 0..rounds {
                    let dev = p.device;
                    self.push(
                        t,
                        EventKind::EntraNonInteractive,
                        v,
                        dev,
                        ip,
                        main,
                        catalog::app::OFFICE,
                        catalog::res::EXCHANGE,
                        sess_id,
                        TokenType::RefreshToken,
                        Auth::Token { mfa: sess.mfa },
                    );
                    t = t.plus((log_uniform(self.r, 1.0, 60.0) * MINUTE as f64) as i64);
                    self.push(
                        t,
                        EventKind::EntraNonInteractive,
                        v,
                        laptop,
                        vloc.1,
                        vloc.0,
                        catalog::app::TEAMS,
                        catalog::res::TEAMS,
                        sess_id,
                        token_for(self.tenant, laptop),
                        Auth::Token { mfa: sess.mfa },
                    );
                    t = t.plus((log_uniform(self.r, 1.0, 60.0) * MINUTE as f64) as i64);
                }
                (
                    Some(crate::ids::guid(sess_id)),
                    ENTRA_APPS[catalog::app::OFFICE as usize].name.to_string(),
                )
            }
            IncidentKind::OktaSessionHijack => {
                let sess_id = if st.okta.id != 0 {
                    st.okta.id
                } else {
                    self.r.next_u128()
                };
                let ip = self.attacker_ip(main);
                let mut fl = flags::NEW_IP | flags::NEW_DEVICE;
                let net = self.tenant.nets.get(main);
                if net.city != self.tenant.nets.get(u.home_net).city {
                    fl |= flags::NEW_GEO;
                }
                if net.country != u.country {
                    fl |= flags::NEW_COUNTRY;
                }
                let mut t = t0;
                let n = self.count(1.0, 20.0);
                let mut first_app = None;
                for _ in 0..n {
                    let app = okta_app(self.r);
                    first_app.get_or_insert(app);
                    let dev = p.device;
                    let e = self.push(
                        t,
                        EventKind::Okta(OktaType::Sso),
                        v,
                        dev,
                        ip,
                        main,
                        app,
                        0,
                        sess_id,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.flags = fl;
                    t = t.plus((log_uniform(self.r, 1.0, 120.0) * MINUTE as f64) as i64);
                }
                (
                    Some(crate::ids::okta_session(sess_id, false)),
                    catalog::OKTA_APPS[first_app.unwrap_or(0) as usize]
                        .name
                        .to_string(),
                )
            }
            IncidentKind::OktaTokenReuse => {
                let ip = self.attacker_ip(main);
                let app = [catalog::OKTA_DASHBOARD, 12, 13][self.r.index(3)];
                let dev = p.device;
                let reuse_type = if app == catalog::OKTA_DASHBOARD {
                    OktaType::DetectReuseOrg
                } else {
                    OktaType::DetectReuseAs
                };
                let fl = flags::NEW_IP | flags::NEW_DEVICE | flags::NO_SESSION;
                let attacker_first = self.r.chance(0.5);
                let vloc = self.victim_location(st);
                let laptop = st.laptop_device;
                let mut t = t0;
                if !attacker_first {
                    // The victim's client rotates the token first; the attacker then presents the old one.
                    let e = self.push(
                        t,
                        EventKind::Okta(OktaType::TokenGrantRefresh),
                        v,
                        laptop,
                        vloc.1,
                        vloc.0,
                        app,
                        0,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.flags = flags::NO_SESSION;
                    t = t.plus(self.r.range(5, 50) * MINUTE);
                    let e = self.push(
                        t,
                        EventKind::Okta(reuse_type),
                        v,
                        dev,
                        ip,
                        main,
                        app,
                        0,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.flags = fl;
                    e.result = 3;
                } else {
                    for _ in 0..self.r.range(1, 3) {
                        let e = self.push(
                            t,
                            EventKind::Okta(OktaType::TokenGrantRefresh),
                            v,
                            dev,
                            ip,
                            main,
                            app,
                            0,
                            0,
                            TokenType::None,
                            Auth::Token { mfa: true },
                        );
                        e.flags = fl;
                        t = t.plus(self.r.range(1, 20) * MINUTE);
                    }
                    let td = t.plus(self.r.range(5, 50) * MINUTE);
                    let e = self.push(
                        td,
                        EventKind::Okta(reuse_type),
                        v,
                        laptop,
                        vloc.1,
                        vloc.0,
                        app,
                        0,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.flags = flags::NO_SESSION;
                    e.result = 3;
                }
                (None, catalog::OKTA_APPS[app as usize].name.to_string())
            }
            IncidentKind::IllicitConsent => {
                let sp = p.sp.unwrap_or(0);
                let vloc = self.victim_location(st);
                let laptop = st.laptop_device;
                let corr = self.r.guid();
                for (k, act) in [
                    AuditActivity::AddServicePrincipal,
                    AuditActivity::AddDelegatedPermissionGrant,
                    AuditActivity::ConsentToApplication,
                ]
                .into_iter()
                .enumerate()
                {
                    let e = self.push(
                        t0.plus(k as i64 * SECOND / 3),
                        EventKind::EntraAudit,
                        v,
                        laptop,
                        vloc.1,
                        vloc.0,
                        catalog::app::OFFICE_HOME,
                        0,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.correlation = corr;
                    e.audit = Some(Box::new(Audit {
                        activity: act,
                        target_sp: Some(sp),
                        target_user: None,
                        target_device: None,
                    }));
                }
                let ips: Vec<(u16, IpAddr)> =
                    p.nets.iter().map(|&n| (n, self.attacker_ip(n))).collect();
                let mut t = t0.plus(self.r.range(5, 40) * MINUTE);
                let until = t0
                    .plus(self.r.range(12, 48) * HOUR)
                    .min(self.end_of_data.plus(-MINUTE));
                let mut k = 0;
                while t < until {
                    let (net, ip) = ips[k % ips.len()];
                    self.push(
                        t,
                        EventKind::EntraServicePrincipal,
                        sp,
                        crate::event::NO_DEVICE,
                        ip,
                        net,
                        0,
                        catalog::res::GRAPH,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: false },
                    );
                    t = t.plus(self.r.range(20, 120) * MINUTE);
                    k += 1;
                }
                (
                    None,
                    self.tenant.service_principals[sp as usize].name.clone(),
                )
            }
            IncidentKind::DeviceCodePhishing => {
                // The attacker chose the client: a first-party app that may redeem broadly.
                let client = [
                    catalog::app::BROKER,
                    catalog::app::AZURE_CLI,
                    catalog::app::OFFICE,
                    catalog::app::TEAMS,
                    catalog::app::OUTLOOK_MOBILE,
                ][self.r.weighted(&[30, 25, 20, 15, 10])];
                let session = self.device_code_completion(st, client);
                let ip = self.attacker_ip(main);
                let mut ips = vec![(main, ip)];
                if let Some(&second) = p.nets.get(1) {
                    ips.push((second, self.attacker_ip(second)));
                }
                let delay = log_uniform(self.r, 1.0, 6.0 * 60.0);
                let t1 = t0.plus((delay * MINUTE as f64) as i64);
                let n = self.count(1.0, 50.0);
                let apps: Vec<u16> = if client == catalog::app::AZURE_CLI {
                    vec![client]
                } else {
                    vec![client, catalog::app::OFFICE, catalog::app::TEAMS]
                };
                self.redemptions(
                    t1,
                    n,
                    (1, 240),
                    &ips,
                    session,
                    TokenType::RefreshToken,
                    &apps,
                );
                self.mark_device_code(session);
                (
                    Some(crate::ids::guid(session)),
                    ENTRA_APPS[client as usize].name.to_string(),
                )
            }
            IncidentKind::DeviceRegistrationPrt => {
                let broker = catalog::app::BROKER;
                let vloc = self.victim_location(st);
                let laptop = st.laptop_device;
                // Foothold: a device code completed by the victim for the broker, or an AiTM sign-in.
                let device_code = self.r.chance(0.5);
                let (session, t_foot) = if device_code {
                    (self.device_code_completion(st, broker), t0)
                } else {
                    let proxy = p.proxy_net.unwrap_or(main);
                    let proxy_ip = self.attacker_ip(proxy);
                    let session = self.r.guid();
                    let relay = p.relay_device.unwrap_or(p.device);
                    let method = self.r.weighted(&[70, 15, 5, 10]) as u8;
                    self.push(
                        t0,
                        EventKind::EntraInteractive,
                        v,
                        relay,
                        proxy_ip,
                        proxy,
                        catalog::app::OFFICE_HOME,
                        catalog::res::OFFICE_PORTAL,
                        session,
                        TokenType::None,
                        Auth::PasswordMfa { method },
                    );
                    // The victim's browser holds the same session cookie and keeps using it from home.
                    let mut tv = t0.plus(self.r.range(1, 10) * MINUTE);
                    for k in 0..self.count(2.0, 10.0) {
                        let (kind, app, res, tt, auth) = if k == 0 {
                            (
                                EventKind::EntraInteractive,
                                catalog::app::OUTLOOK_WEB,
                                catalog::res::EXCHANGE,
                                TokenType::None,
                                Auth::Claim { mfa: true },
                            )
                        } else {
                            (
                                EventKind::EntraNonInteractive,
                                catalog::app::OUTLOOK_WEB,
                                catalog::res::EXCHANGE,
                                TokenType::RefreshToken,
                                Auth::Token { mfa: true },
                            )
                        };
                        self.push(
                            tv, kind, v, laptop, vloc.1, vloc.0, app, res, session, tt, auth,
                        );
                        tv = tv.plus((log_uniform(self.r, 3.0, 90.0) * MINUTE as f64) as i64);
                    }
                    (session, t0)
                };
                let fl = if device_code { flags::DEVICE_CODE } else { 0 };
                let ip = self.attacker_ip(main);
                let dev = p.device;
                let new_dev = p.new_device.unwrap_or(dev);
                // Minutes later: a token for the Device Registration Service, the registration.
                let mut t = t_foot.plus((log_uniform(self.r, 1.0, 90.0) * MINUTE as f64) as i64);
                let e = self.push(
                    t,
                    EventKind::EntraNonInteractive,
                    v,
                    dev,
                    ip,
                    main,
                    broker,
                    catalog::res::DRS,
                    session,
                    TokenType::RefreshToken,
                    Auth::Token { mfa: true },
                );
                e.flags = fl;
                t = t.plus(self.r.range(5, 60) * SECOND);
                let corr = self.r.guid();
                let mut acts = vec![
                    AuditActivity::RegisterDevice,
                    AuditActivity::AddDevice,
                    AuditActivity::AddRegisteredOwnerToDevice,
                ];
                if self.r.chance(0.7) {
                    acts.push(AuditActivity::AddRegisteredUsersToDevice);
                }
                for act in acts {
                    let e = self.push(
                        t,
                        EventKind::EntraAudit,
                        v,
                        dev,
                        ip,
                        main,
                        broker,
                        0,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: true },
                    );
                    e.correlation = corr;
                    e.audit = Some(Box::new(Audit {
                        activity: act,
                        target_sp: None,
                        target_user: None,
                        target_device: Some(new_dev),
                    }));
                    t = t.plus(self.r.range(200, 3000) * SECOND / 1000);
                }
                // Then the new device's Primary Refresh Token, from the attacker's address.
                t = t.plus((log_uniform(self.r, 1.0, 30.0) * MINUTE as f64) as i64);
                self.push(
                    t,
                    EventKind::EntraInteractive,
                    v,
                    new_dev,
                    ip,
                    main,
                    catalog::app::WINDOWS_SIGN_IN,
                    catalog::res::AAD,
                    session,
                    TokenType::PrimaryRefreshToken,
                    Auth::Claim { mfa: true },
                );
                let n = self.count(2.0, 60.0);
                let t1 = t.plus(self.r.range(20, 300) * SECOND);
                self.redemptions_as(
                    new_dev,
                    t1,
                    n,
                    (1, 180),
                    &[(main, ip)],
                    session,
                    TokenType::PrimaryRefreshToken,
                    &[
                        catalog::app::OFFICE,
                        catalog::app::TEAMS,
                        catalog::app::BROKER,
                        catalog::app::OUTLOOK_WEB,
                    ],
                );
                if device_code {
                    self.mark_device_code(session);
                }
                (
                    Some(crate::ids::guid(session)),
                    ENTRA_APPS[broker as usize].name.to_string(),
                )
            }
            IncidentKind::CredentialPersistence => {
                let sp = p.sp.unwrap_or(0);
                let ip = match base_ip {
                    Some(ip) => {
                        self.attacker_ips.push(ip);
                        ip
                    }
                    None => self.attacker_ip(main),
                };
                let activity = if self.r.chance(0.5) {
                    AuditActivity::AddServicePrincipalCredentials
                } else {
                    AuditActivity::UpdateApplicationSecrets
                };
                let dev = p.device;
                let e = self.push(
                    t0,
                    EventKind::EntraAudit,
                    v,
                    dev,
                    ip,
                    main,
                    catalog::app::AZURE_PORTAL,
                    0,
                    0,
                    TokenType::None,
                    Auth::Token { mfa: true },
                );
                e.audit = Some(Box::new(Audit {
                    activity,
                    target_sp: Some(sp),
                    target_user: None,
                    target_device: None,
                }));
                let mut t = t0.plus(self.r.range(10, 60) * MINUTE);
                for _ in 0..self.r.range(2, 6) {
                    let res = self.tenant.service_principals[sp as usize].resource;
                    self.push(
                        t,
                        EventKind::EntraServicePrincipal,
                        sp,
                        crate::event::NO_DEVICE,
                        ip,
                        main,
                        0,
                        res,
                        0,
                        TokenType::None,
                        Auth::Token { mfa: false },
                    );
                    t = t.plus(self.r.range(15, 90) * MINUTE);
                }
                (
                    None,
                    self.tenant.service_principals[sp as usize].name.clone(),
                )
            }
        }
    }
}

fn token_for(tenant: &Tenant, device: u32) -> TokenType {
    if tenant.devices[device as usize].trust.has_prt() {
        TokenType::PrimaryRefreshToken
    } else {
        TokenType::RefreshToken
    }
}
