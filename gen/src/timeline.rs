//! Benign behaviour, hour by hour: each user's working day, where their devices are, their Entra
//! sessions (an interactive sign-in opens one; non-interactive token redemptions follow while they work)
//! and their Okta sessions. State is per user (O(users)); events are pushed into the caller's hour buffer.
//!
//! Habits that look like attacks are produced here too, and noted in the [`ConfounderLog`]: VPN egress,
//! CGNAT rotation, dual stack, laptop and phone, Microsoft front ends in a session, iCloud Private Relay,
//! Okta's pre/post-authentication session ids, native Okta clients with their own dtHash, home/office
//! switches, trips (planned in [`crate::confounders`]) and new devices, personal VPNs toggled within a
//! session, in-flight Wi-Fi, roaming phones exiting at home, Okta session context changes of the
//! user's own device, phones sharing the laptop's session, IPv6 privacy addresses.

use std::net::IpAddr;

use crate::catalog::{self, ClientKind, ENTRA_APPS, OKTA_APPS, Os};
use crate::event::{Auth, Event, EventKind, NO_DEVICE, OktaType, TokenType, flags};
use crate::labels::{ConfounderCategory as C, ConfounderLog};
use crate::network::NetKind;
use crate::prng::Rng;
use crate::tenant::{Role, Tenant, User};
use crate::time::{DAY, HOUR, MINUTE, SECOND, Ticks};

/// A planned trip (see `confounders`).
#[derive(Clone, Debug)]
pub struct Trip {
    /// Outbound departure.
    pub depart: Ticks,
    /// Outbound arrival.
    pub arrive: Ticks,
    /// Return departure.
    pub back_depart: Ticks,
    /// Return arrival.
    pub back_arrive: Ticks,
    /// Hotel network block at the destination.
    pub dest_net: u16,
    /// Hotel address.
    pub dest_ip: IpAddr,
    /// Whether the user signs in anew on arrival (else the laptop session carries on).
    pub new_session: bool,
    /// In-flight Wi-Fi: the satellite operator's blocks (empty: the laptop stays offline in the air).
    pub wifi: Vec<u16>,
    /// Abroad, the phone's data roams through the home carrier (exits at home) besides hotel Wi-Fi.
    pub roaming: bool,
}

/// Consumer VPN products and the networks their exits are in (ASNs of `gen_networks.csv`): NordVPN
/// (PacketHub, M247), Mullvad (31173 Services, its own AS, M247), Proton VPN (Proton, Datacamp),
/// Private Internet Access (Datacamp, M247), Surfshark (M247, Datacamp).
pub const VPN_PRODUCTS: &[(&str, &[u32])] = &[
    ("NordVPN", &[136787, 147049, 9009, 16247]),
    ("Mullvad", &[39351, 216025, 9009]),
    ("Proton VPN", &[209103, 62371, 212238, 60068]),
    ("Private Internet Access", &[212238, 60068, 9009]),
    ("Surfshark", &[16247, 9009, 212238]),
];

/// An Entra sign-in session on one device.
#[derive(Clone, Copy, Debug, Default)]
pub struct EntraSession {
    /// SessionId bits (0: none yet).
    pub id: u128,
    /// When it was created.
    pub started: Ticks,
    /// After this, the next use signs in again.
    pub expires: Ticks,
    /// Carries an MFA claim.
    pub mfa: bool,
}

/// The user's current Okta browser session.
#[derive(Clone, Copy, Debug, Default)]
pub struct OktaSession {
    /// Session bits (0: none).
    pub id: u128,
    /// Expiry.
    pub expires: Ticks,
}

/// Where the user works today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayMode {
    /// From home (maybe over the VPN).
    Home,
    /// At the office.
    Office,
    /// Home in the morning, office after `switch_at`.
    HomeThenOffice,
}

/// Today's plan.
#[derive(Clone, Copy, Debug)]
pub struct DayPlan {
    /// Local day number (days since epoch in the user's time zone).
    pub local_day: i64,
    /// Working interval (UTC), if the user works today.
    pub work: Option<(Ticks, Ticks)>,
    /// Where.
    pub mode: DayMode,
    /// Home→office switch time.
    pub switch_at: Ticks,
    /// Connects to the VPN at this time (home days), if at all.
    pub vpn_from: Option<Ticks>,
    /// Phone use interval (UTC).
    pub phone: (Ticks, Ticks),
    /// Okta session started today.
    pub okta_started: bool,
    /// Personal VPN toggled on and off in this interval today.
    pub pvpn: Option<(Ticks, Ticks)>,
}

/// Everything the generator remembers about one user.
#[derive(Clone, Debug)]
pub struct UserState {
    /// The user's own random stream.
    pub rng: Rng,
    /// Today.
    pub plan: DayPlan,
    /// Laptop session.
    pub laptop: EntraSession,
    /// Phone session.
    pub phone: EntraSession,
    /// Okta session.
    pub okta: OktaSession,
    /// Current home IPv4 address and until when the ISP keeps it.
    pub home_ip: (IpAddr, Ticks),
    /// Current home IPv6 address (dual-stack homes).
    pub home_ip6: Option<IpAddr>,
    /// Current mobile address: block, address, until.
    pub mobile: (u16, IpAddr, Ticks),
    /// Relay address for Safari traffic today.
    pub relay: Option<(u16, IpAddr)>,
    /// Laptop device index now (changes on a new-device day).
    pub laptop_device: u32,
    /// Planned laptop replacement: when and the new device.
    pub new_laptop: Option<(Ticks, u32)>,
    /// Planned trip.
    pub trip: Option<Trip>,
    /// Never absent (attack victims must be at work on the attack day).
    pub always_works: bool,
    /// Recently seen Okta addresses (for `debugData.behaviors`).
    pub okta_ips: [Option<IpAddr>; 6],
    /// Personal VPN: on, until when, exit block and address.
    pub pvpn: (bool, Ticks, u16, IpAddr),
    /// In-flight satellite exit: block, address, until.
    pub sat: (u16, IpAddr, Ticks),
    /// Network block and device of the last event in the current Okta session.
    pub okta_ctx: Option<(u16, u32)>,
    /// Planned device change: when, the device, and whether it is a new device (else the same device
    /// with an updated browser).
    pub device_change: Option<(Ticks, u32, bool)>,
}

/// Context shared by every user's hour.
pub struct World<'a> {
    /// The tenant.
    pub tenant: &'a Tenant,
    /// Microsoft front-end blocks.
    pub microsoft_nets: Vec<u16>,
    /// iCloud Private Relay blocks.
    pub relay_nets: Vec<u16>,
}

impl<'a> World<'a> {
    /// Indexes for a tenant.
    pub fn new(tenant: &'a Tenant) -> Self {
        World {
            tenant,
            microsoft_nets: tenant.nets.select(|n| n.kind == NetKind::Microsoft),
            relay_nets: tenant.nets.select(|n| n.kind == NetKind::IcloudRelay),
        }
    }
}

/// Builds an event with fresh record id and token id.
#[allow(clippy::too_many_arguments)]
pub fn make_event(
    rng: &mut Rng,
    t: Ticks,
    kind: EventKind,
    actor: u32,
    device: u32,
    ip: IpAddr,
    net: u16,
    app: u16,
    resource: u16,
    session: u128,
    correlation: u128,
) -> Event {
    Event {
        t,
        kind,
        actor,
        device,
        ip,
        net,
        app,
        resource,
        session,
        correlation,
        id: rng.guid(),
        token: rng.next_u128(),
        result: 0,
        token_type: TokenType::None,
        auth: Auth::Token { mfa: false },
        flags: 0,
        audit: None,
    }
}

/// A resource of an app, by the app's weights.
pub fn pick_resource(rng: &mut Rng, app: u16) -> u16 {
    let a = &ENTRA_APPS[app as usize];
    let w: Vec<u32> = a.resources.iter().map(|r| r.1).collect();
    a.resources[rng.weighted(&w)].0
}

fn local_day(t: Ticks, offset_min: i32) -> i64 {
    (t.0 + offset_min as i64 * MINUTE).div_euclid(DAY)
}

fn local_midnight_utc(local_day: i64, offset_min: i32) -> Ticks {
    Ticks(local_day * DAY - offset_min as i64 * MINUTE)
}

impl UserState {
    /// Initial state of user `index`.
    pub fn new(seed: u64, index: u32, tenant: &Tenant, start: Ticks) -> UserState {
        let u = &tenant.users[index as usize];
        let mut rng = Rng::derive(seed, 3, index as u64);
        let home = tenant.nets.get(u.home_net).host(&mut rng);
        let home6 = u.home_net6.map(|n| tenant.nets.get(n).host(&mut rng));
        let (mnet, mip) = match u.mobile_nets.first() {
            Some(_) => {
                let n = *rng.pick(&u.mobile_nets);
                (n, tenant.nets.get(n).host(&mut rng))
            }
            None => (u.home_net, home),
        };
        // The tenant existed before the window: sessions are already open, at various ages.
        let laptop_prt = tenant.devices[u.laptop as usize].trust.has_prt();
        let laptop_life = if laptop_prt { 7 * DAY } else { 3 * DAY };
        let laptop = EntraSession {
            id: rng.guid(),
            started: Ticks(start.0 - rng.below(laptop_life as u64) as i64),
            expires: Ticks(start.0 + rng.below(laptop_life as u64) as i64),
            mfa: true,
        };
        let phone = EntraSession {
            id: rng.guid(),
            started: Ticks(start.0 - rng.below(40 * DAY as u64) as i64),
            expires: Ticks(start.0 + rng.below(40 * DAY as u64) as i64),
            mfa: true,
        };
        UserState {
            rng,
            plan: DayPlan {
                local_day: i64::MIN,
                work: None,
                mode: DayMode::Home,
                switch_at: Ticks(0),
                vpn_from: None,
                phone: (Ticks(0), Ticks(0)),
                okta_started: false,
                pvpn: None,
            },
            laptop,
            phone,
            okta: OktaSession::default(),
            home_ip: (home, Ticks(0)),
            home_ip6: home6,
            mobile: (mnet, mip, Ticks(0)),
            relay: None,
            laptop_device: u.laptop,
            new_laptop: None,
            trip: None,
            always_works: false,
            okta_ips: [Some(home), None, None, None, None, None],
            pvpn: (false, Ticks(0), u.home_net, home),
            sat: (u.home_net, home, Ticks(0)),
            okta_ctx: None,
            device_change: None,
        }
    }

    /// Whether the user is in the air at `t`.
    pub fn flying(&self, t: Ticks) -> bool {
        self.trip.as_ref().is_some_and(|tr| {
            (t >= tr.depart && t < tr.arrive) || (t >= tr.back_depart && t < tr.back_arrive)
        })
    }

    /// Whether the laptop is unreachable at `t` (in the air without Wi-Fi).
    pub fn offline(&self, t: Ticks) -> bool {
        self.flying(t) && self.trip.as_ref().is_some_and(|tr| tr.wifi.is_empty())
    }

    /// The hotel, when the user is away at `t`.
    pub fn away(&self, t: Ticks) -> Option<(u16, IpAddr)> {
        self.trip
            .as_ref()
            .filter(|tr| t >= tr.arrive && t < tr.back_depart)
            .map(|tr| (tr.dest_net, tr.dest_ip))
    }

    fn plan_day(&mut self, u: &User, tenant: &Tenant, day: i64) {
        let r = &mut self.rng;
        let midnight = local_midnight_utc(day, u.utc_offset_min);
        // 1970-01-01 was a Thursday: day 0 → weekday index 3 (Mon = 0).
        let weekday = (day + 3).rem_euclid(7);
        let weekend = weekday >= 5;
        let absent = !self.always_works && r.chance(0.04);
        let works = !absent && (!weekend || r.chance(0.12));
        let work = works.then(|| {
            let start_h = if weekend {
                10.0 + r.f64() * 4.0
            } else {
                8.3 + r.normal() * 0.7
            };
            let len_h = if weekend {
                1.0 + r.f64() * 2.5
            } else {
                8.2 + r.normal() * 1.0
            };
            let s = midnight.plus((start_h.clamp(5.5, 12.0) * HOUR as f64) as i64);
            (s, s.plus((len_h.clamp(3.0, 12.0) * HOUR as f64) as i64))
        });
        let mode = match (u.office, weekend) {
            (Some(_), false) => match r.below(10) {
                0..=4 => DayMode::Office,
                5..=6 => DayMode::HomeThenOffice,
                _ => DayMode::Home,
            },
            _ => DayMode::Home,
        };
        let switch_at = work.map_or(midnight, |(s, e)| {
            Ticks(s.0 + (e.0 - s.0) * (3 + r.below(3) as i64) / 10)
        });
        let vpn_from = (mode == DayMode::Home && u.vpn_user && work.is_some() && r.chance(0.5))
            .then(|| work.map_or(midnight, |(s, _)| s.plus(r.range(2, 40) * MINUTE)));
        let phone = (
            midnight.plus(((6.8 + r.f64()) * HOUR as f64) as i64),
            midnight.plus(((21.0 + r.f64() * 1.5) * HOUR as f64) as i64),
        );
        // Home ISPs renew DHCP leases every week or two.
        if self.home_ip.1 <= midnight {
            self.home_ip = (
                tenant.nets.get(u.home_net).host(r),
                midnight.plus(r.range(5, 16) * DAY),
            );
            if let Some(n6) = u.home_net6 {
                self.home_ip6 = Some(tenant.nets.get(n6).host(r));
            }
        } else if let (Some(n6), Some(IpAddr::V6(old))) = (u.home_net6, self.home_ip6) {
            // IPv6 privacy extensions: a new temporary interface id every day in the same /64, and
            // now and then a new delegated prefix.
            self.home_ip6 = Some(if r.chance(0.12) {
                tenant.nets.get(n6).host(r)
            } else {
                let prefix = u128::from(old) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(
                    prefix | (r.next_u64() as u128 | 1),
                ))
            });
        }
        // A personal VPN on some days, switched on and off for hours (not at the office).
        let pvpn = match (u.personal_vpn, work) {
            (Some(_), Some((ws, we))) if mode != DayMode::Office && r.chance(0.45) => {
                let a = ws.plus(r.range(0, 5 * 60) * MINUTE);
                Some((
                    a,
                    a.plus(r.range(60, 7 * 60) * MINUTE).min(we.plus(2 * HOUR)),
                ))
            }
            _ => None,
        };
        self.relay = None;
        self.plan = DayPlan {
            local_day: day,
            work,
            mode,
            switch_at,
            vpn_from,
            phone,
            okta_started: false,
            pvpn,
        };
    }

    /// Laptop address at `t` (`None` while flying).
    fn laptop_location(
        &mut self,
        u: &User,
        tenant: &Tenant,
        t: Ticks,
        log: &mut ConfounderLog,
        idx: u32,
    ) -> (u16, IpAddr) {
        if self.flying(t) {
            // In-flight Wi-Fi: the satellite operator's exit, which moves during the flight.
            let wifi = self
                .trip
                .as_ref()
                .map(|tr| tr.wifi.clone())
                .unwrap_or_default();
            if !wifi.is_empty() {
                if t >= self.sat.2 || !wifi.contains(&self.sat.0) {
                    let n = *self.rng.pick(&wifi);
                    let ip = tenant.nets.get(n).host(&mut self.rng);
                    self.sat = (n, ip, t.plus(self.rng.range(12, 80) * MINUTE));
                }
                // One window per flight.
                if let Some(tr) = self.trip.as_ref() {
                    let (d, a) = if t < tr.arrive {
                        (tr.depart, tr.arrive)
                    } else {
                        (tr.back_depart, tr.back_arrive)
                    };
                    log.note(idx, C::InflightWifi, d, a);
                }
                return (self.sat.0, self.sat.1);
            }
        }
        if let (Some(product), Some((vs, ve))) = (u.personal_vpn, self.plan.pvpn)
            && t >= vs
            && t < ve
        {
            if t >= self.pvpn.1 {
                let on = !self.pvpn.0;
                let until = t.plus(self.rng.range(8, if on { 150 } else { 60 }) * MINUTE);
                let (mut net, mut ip) = (self.pvpn.2, self.pvpn.3);
                if on {
                    let asns = VPN_PRODUCTS[product as usize % VPN_PRODUCTS.len()].1;
                    let exits = tenant.nets.select(|n| asns.contains(&n.asn) && !n.is_v6());
                    if !exits.is_empty() {
                        net = *self.rng.pick(&exits);
                        ip = tenant.nets.get(net).host(&mut self.rng);
                    }
                }
                self.pvpn = (on, until, net, ip);
            }
            if self.pvpn.0 {
                log.note(idx, C::PersonalVpn, vs, t);
                return (self.pvpn.2, self.pvpn.3);
            }
        }
        if let Some(a) = self.away(t) {
            return a;
        }
        let at_office = match self.plan.mode {
            DayMode::Office => true,
            DayMode::HomeThenOffice => t >= self.plan.switch_at,
            DayMode::Home => false,
        };
        if at_office && let Some(o) = u.office {
            let office = &tenant.offices[o as usize];
            if self.plan.mode == DayMode::HomeThenOffice {
                log.note(idx, C::HomeOfficeSwitch, self.plan.switch_at.plus(-HOUR), t);
            }
            return (office.net, office.ips[self.rng.index(office.ips.len())]);
        }
        if let Some(v) = self.plan.vpn_from
            && t >= v
        {
            log.note(idx, C::CorporateVpnEgress, v, t);
            return tenant.vpn_egress;
        }
        if let (Some(n6), Some(ip6)) = (u.home_net6, self.home_ip6)
            && self.rng.chance(u.v6_share)
        {
            log.note(idx, C::DualStackIpv6, t, t);
            return (n6, ip6);
        }
        (u.home_net, self.home_ip.0)
    }

    /// Phone address at `t`.
    fn phone_location(
        &mut self,
        u: &User,
        tenant: &Tenant,
        t: Ticks,
        log: &mut ConfounderLog,
        idx: u32,
    ) -> (u16, IpAddr) {
        let mut roaming = false;
        if let Some(a) = self.away(t) {
            // Abroad on the home carrier's roaming: data is tunnelled home and exits there.
            let roams = self.trip.as_ref().is_some_and(|tr| tr.roaming);
            if !(roams && !u.mobile_nets.is_empty() && self.rng.chance(0.55)) {
                return a;
            }
            roaming = true;
        }
        let working = self.plan.work.is_some_and(|(s, e)| t >= s && t < e);
        let wifi = if roaming {
            false
        } else if working {
            self.rng.chance(0.5)
        } else {
            self.rng.chance(0.45)
        };
        if wifi || u.mobile_nets.is_empty() {
            return if working && matches!(self.plan.mode, DayMode::Office) && u.office.is_some() {
                let office = &tenant.offices[u.office.unwrap_or(0) as usize];
                (office.net, office.ips[0])
            } else {
                (u.home_net, self.home_ip.0)
            };
        }
        // Carrier-grade NAT: the public address changes every so often, anywhere in the carrier's pools.
        if t >= self.mobile.2 {
            let old_city = tenant.nets.get(self.mobile.0).city.clone();
            let mut n = *self.rng.pick(&u.mobile_nets);
            if u.shared_session && !roaming && self.rng.chance(0.7) {
                // Phones that share the laptop's session mostly sit on the carrier's pools nearest
                // home: another network, the same city.
                let home = tenant.nets.get(u.home_net);
                let d = |x: u16| {
                    let m = tenant.nets.get(x);
                    crate::network::distance_km(m.lat, m.lon, home.lat, home.lon) as u64
                };
                n = u
                    .mobile_nets
                    .iter()
                    .copied()
                    .min_by_key(|&x| d(x))
                    .unwrap_or(n);
            }
            let ip = tenant.nets.get(n).host(&mut self.rng);
            let until = t.plus(self.rng.range(15, 90) * MINUTE);
            if tenant.nets.get(n).city != old_city && self.phone.id != 0 {
                log.note(idx, C::MobileCarrierRotation, t.plus(-HOUR), t);
            }
            self.mobile = (n, ip, until);
        }
        if roaming && let Some(tr) = self.trip.as_ref() {
            // One window per stay abroad.
            log.note(idx, C::MobileRoamingHomeCarrier, tr.arrive, tr.back_depart);
        }
        (self.mobile.0, self.mobile.1)
    }

    /// Opens a new Entra session on a device with an interactive sign-in flow (failures, MFA
    /// interrupts, KMSI) and returns it.
    #[allow(clippy::too_many_arguments)]
    fn sign_in(
        &mut self,
        w: &World<'_>,
        idx: u32,
        device: u32,
        phone: bool,
        t: Ticks,
        loc: (u16, IpAddr),
        out: &mut Vec<Event>,
    ) -> EntraSession {
        let tenant = w.tenant;
        let d = &tenant.devices[device as usize];
        let r = &mut self.rng;
        let app = if phone {
            if r.chance(0.5) {
                catalog::app::OUTLOOK_MOBILE
            } else {
                catalog::app::BROKER
            }
        } else if d.trust.has_prt() {
            catalog::app::WINDOWS_SIGN_IN
        } else {
            [
                catalog::app::OFFICE_HOME,
                catalog::app::OFFICE,
                catalog::app::TEAMS,
            ][r.index(3)]
        };
        let trusted =
            tenant.vpn_egress.1 == loc.1 || tenant.offices.iter().any(|o| o.ips.contains(&loc.1));
        let session = r.guid();
        let corr = r.guid();
        let mut tt = t;
        let resource = pick_resource(r, app);
        let mut push = |r: &mut Rng, tt: Ticks, code: u32, auth: Auth| {
            let mut e = make_event(
                r,
                tt,
                EventKind::EntraInteractive,
                idx,
                device,
                loc.1,
                loc.0,
                app,
                resource,
                session,
                corr,
            );
            e.result = code;
            e.auth = auth;
            out.push(e);
        };
        if r.chance(0.04) {
            push(r, tt, 50126, Auth::Password);
            tt = tt.plus(r.range(8, 40) * SECOND);
        }
        let mfa = !trusted || r.chance(0.1);
        let method = r.weighted(&[70, 15, 5, 10]) as u8;
        if mfa && r.chance(0.35) {
            let code = if r.chance(0.5) { 50074 } else { 50076 };
            push(r, tt, code, Auth::Password);
            tt = tt.plus(r.range(6, 30) * SECOND);
        }
        if !phone && d.browser_major > 0 && r.chance(0.3) {
            push(
                r,
                tt,
                50140,
                if mfa {
                    Auth::PasswordMfa { method }
                } else {
                    Auth::Password
                },
            );
            tt = tt.plus(r.range(2, 9) * SECOND);
        }
        push(
            r,
            tt,
            0,
            if mfa {
                Auth::PasswordMfa { method }
            } else {
                Auth::Password
            },
        );
        let lifetime = if phone {
            r.range(10, 60) * DAY
        } else if d.trust.has_prt() {
            r.range(3, 10) * DAY
        } else {
            r.range(1, 4) * DAY
        };
        EntraSession {
            id: session,
            started: t,
            expires: t.plus(lifetime),
            mfa,
        }
    }

    /// One flow of token redemptions by a client app (1–3 records, one correlation id).
    #[allow(clippy::too_many_arguments)]
    fn token_flow(
        &mut self,
        w: &World<'_>,
        idx: u32,
        device: u32,
        sess: EntraSession,
        app: u16,
        t: Ticks,
        loc: (u16, IpAddr),
        out: &mut Vec<Event>,
    ) {
        let d = &w.tenant.devices[device as usize];
        let token_type = if d.trust.has_prt() {
            TokenType::PrimaryRefreshToken
        } else {
            TokenType::RefreshToken
        };
        let corr = self.rng.guid();
        let n = 1 + self.rng.weighted(&[50, 35, 15]);
        let mut tt = t;
        for _ in 0..n {
            let res = pick_resource(&mut self.rng, app);
            let mut e = make_event(
                &mut self.rng,
                tt,
                EventKind::EntraNonInteractive,
                idx,
                device,
                loc.1,
                loc.0,
                app,
                res,
                sess.id,
                corr,
            );
            e.token_type = token_type;
            e.auth = Auth::Token { mfa: sess.mfa };
            if self.rng.chance(0.004) {
                e.result = 50076;
            }
            out.push(e);
            tt = tt.plus(self.rng.range(1, 4000) * SECOND / 1000);
        }
    }

    /// Generates this user's events in `[h, h + 1 hour)`.
    pub fn hour(
        &mut self,
        w: &World<'_>,
        idx: u32,
        h: Ticks,
        out: &mut Vec<Event>,
        log: &mut ConfounderLog,
    ) {
        let tenant = w.tenant;
        let u = &tenant.users[idx as usize];
        let end = h.plus(HOUR);
        let day = local_day(h, u.utc_offset_min);
        if day != self.plan.local_day {
            self.plan_day(u, tenant, day);
        }
        if let Some((when, dev)) = self.new_laptop
            && when < end
        {
            // New laptop on the usual network: a new device id, a new session, same address.
            self.laptop_device = dev;
            self.laptop = EntraSession::default();
            self.new_laptop = None;
            log.note(idx, C::NewDeviceSameNetwork, when, when.plus(4 * HOUR));
        }
        if let Some((when, dev, new_device)) = self.device_change
            && when < end
        {
            // The user's own device changes: a browser / OS update (same device, new user agent) or a
            // new device of theirs (new device id and dtHash) that carries on the Okta session.
            self.laptop_device = dev;
            if new_device {
                self.laptop = EntraSession::default();
            }
            self.device_change = None;
        }
        if let Some(tr) = self.trip.as_ref()
            && tr.new_session
            && tr.arrive >= h
            && tr.arrive < end
        {
            self.laptop = EntraSession::default();
            self.okta = OktaSession::default();
        }
        let mut laptop_active = false;
        if let Some((ws, we)) = self.plan.work {
            let a = ws.max(h);
            let b = we.min(end);
            if a < b {
                laptop_active = true;
                self.laptop_hour(w, idx, a, b, out, log);
            }
        }
        let mut phone_active = false;
        if let Some(p) = u.phone {
            let (ps, pe) = self.plan.phone;
            let a = ps.max(h);
            let b = pe.min(end);
            if a < b {
                phone_active = self.phone_hour(w, idx, p, a, b, out, log);
            }
        }
        if laptop_active && phone_active {
            if u.shared_session && self.phone.id == self.laptop.id {
                log.note(idx, C::LaptopAndPhoneSharedSession, h, end);
            } else {
                log.note(idx, C::LaptopAndPhone, h, end);
            }
        }
    }

    fn laptop_hour(
        &mut self,
        w: &World<'_>,
        idx: u32,
        a: Ticks,
        b: Ticks,
        out: &mut Vec<Event>,
        log: &mut ConfounderLog,
    ) {
        let tenant = w.tenant;
        let u = &tenant.users[idx as usize];
        let device = self.laptop_device;
        let span = (b.0 - a.0) as f64 / HOUR as f64;
        let rate = 3.6 * u.activity * span;
        let flows = poisson(&mut self.rng, rate);
        let mut times: Vec<Ticks> = (0..flows)
            .map(|_| Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64))
            .collect();
        times.sort();
        // The first activity of a day where the session has lapsed signs in again.
        let first_t = times.first().copied().unwrap_or(a);
        if self.offline(first_t) {
            return;
        }
        if self.laptop.id == 0 || self.laptop.expires <= first_t {
            let loc = self.laptop_location(u, tenant, first_t, log, idx);
            self.laptop = self.sign_in(w, idx, device, false, first_t, loc, out);
        }
        if !self.plan.okta_started {
            self.plan.okta_started = true;
            let loc = self.laptop_location(u, tenant, first_t, log, idx);
            let t_okta = first_t.plus(self.rng.range(5, 120) * SECOND);
            self.okta_login(w, idx, device, t_okta, loc, out, log);
        }
        let technical = u.role != Role::Staff;
        let weights: Vec<u32> = ENTRA_APPS
            .iter()
            .map(|app| {
                if app.technical && !technical {
                    0
                } else {
                    app.laptop_weight
                }
            })
            .collect();
        for t in times {
            if self.offline(t) {
                continue;
            }
            let loc = self.laptop_location(u, tenant, t, log, idx);
            let app = self.rng.weighted(&weights) as u16;
            let sess = self.laptop;
            self.token_flow(w, idx, device, sess, app, t, loc, out);
        }
        // Browser sign-ins to web apps ride the session cookie: interactive records, no new session.
        for _ in 0..poisson(&mut self.rng, 1.3 * span * u.activity.sqrt()) {
            let t = Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64);
            if !self.offline(t) {
                let mut loc = self.laptop_location(u, tenant, t, log, idx);
                let d = &tenant.devices[device as usize];
                if u.private_relay && d.browser == catalog::Browser::Safari {
                    loc = self.relay_location(w, u, t, log, idx);
                }
                let web: Vec<u16> = (0..ENTRA_APPS.len() as u16)
                    .filter(|&i| {
                        ENTRA_APPS[i as usize].client == ClientKind::Browser
                            && (technical || !ENTRA_APPS[i as usize].technical)
                    })
                    .collect();
                let app = *self.rng.pick(&web);
                let res = pick_resource(&mut self.rng, app);
                let corr = self.rng.guid();
                let mut e = make_event(
                    &mut self.rng,
                    t,
                    EventKind::EntraInteractive,
                    idx,
                    device,
                    loc.1,
                    loc.0,
                    app,
                    res,
                    self.laptop.id,
                    corr,
                );
                e.auth = Auth::Claim {
                    mfa: self.laptop.mfa,
                };
                out.push(e);
            }
        }
        self.okta_hour(w, idx, device, a, b, out, log);
    }

    fn relay_location(
        &mut self,
        w: &World<'_>,
        u: &User,
        t: Ticks,
        log: &mut ConfounderLog,
        idx: u32,
    ) -> (u16, IpAddr) {
        if self.relay.is_none() && !w.relay_nets.is_empty() {
            let local: Vec<u16> = w
                .relay_nets
                .iter()
                .copied()
                .filter(|&n| w.tenant.nets.get(n).country == u.country)
                .collect();
            let pool = if local.is_empty() {
                &w.relay_nets
            } else {
                &local
            };
            let n = *self.rng.pick(pool);
            self.relay = Some((n, w.tenant.nets.get(n).host(&mut self.rng)));
        }
        log.note(idx, C::IcloudPrivateRelay, t, t);
        self.relay.unwrap_or((u.home_net, self.home_ip.0))
    }

    #[allow(clippy::too_many_arguments)]
    fn phone_hour(
        &mut self,
        w: &World<'_>,
        idx: u32,
        device: u32,
        a: Ticks,
        b: Ticks,
        out: &mut Vec<Event>,
        log: &mut ConfounderLog,
    ) -> bool {
        let tenant = w.tenant;
        let u = &tenant.users[idx as usize];
        let weekend = ((self.plan.local_day + 3).rem_euclid(7)) >= 5;
        let span = (b.0 - a.0) as f64 / HOUR as f64;
        let rate = 1.3 * u.activity * span * if weekend { 0.5 } else { 1.0 };
        let flows = poisson(&mut self.rng, rate);
        if flows == 0 {
            return false;
        }
        let mut times: Vec<Ticks> = (0..flows)
            .map(|_| Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64))
            .collect();
        times.sort();
        let weights: Vec<u32> = ENTRA_APPS.iter().map(|app| app.phone_weight).collect();
        let mut any = false;
        for t in times {
            if self.flying(t) {
                continue;
            }
            any = true;
            let loc = self.phone_location(u, tenant, t, log, idx);
            // The broker on the phone rides the laptop's session (one SessionId on two devices).
            if u.shared_session && self.laptop.id != 0 && self.laptop.expires > t {
                self.phone = self.laptop;
            }
            if self.phone.id == 0 || self.phone.expires <= t {
                self.phone = self.sign_in(w, idx, device, true, t, loc, out);
            }
            let app = self.rng.weighted(&weights) as u16;
            let sess = self.phone;
            self.token_flow(w, idx, device, sess, app, t, loc, out);
            // Outlook mobile's mail sync runs in Microsoft's cloud: tokens redeemed from Microsoft's own
            // addresses show up in the same session within the minute.
            if app == catalog::app::OUTLOOK_MOBILE
                && self.rng.chance(0.12)
                && !w.microsoft_nets.is_empty()
            {
                let n = *self.rng.pick(&w.microsoft_nets);
                let ip = tenant.nets.get(n).host(&mut self.rng);
                let tt = t.plus(self.rng.range(2, 55) * SECOND);
                let corr = self.rng.guid();
                let mut e = make_event(
                    &mut self.rng,
                    tt,
                    EventKind::EntraNonInteractive,
                    idx,
                    device,
                    ip,
                    n,
                    app,
                    catalog::res::EXCHANGE,
                    sess.id,
                    corr,
                );
                e.token_type = TokenType::RefreshToken;
                e.auth = Auth::Token { mfa: sess.mfa };
                out.push(e);
                log.note(idx, C::MicrosoftAuthProxy, t, tt);
            }
        }
        any
    }

    /// Okta sign-in: policy evaluation and MFA under the pre-authentication id, then the session.
    #[allow(clippy::too_many_arguments)]
    fn okta_login(
        &mut self,
        w: &World<'_>,
        idx: u32,
        device: u32,
        t: Ticks,
        loc: (u16, IpAddr),
        out: &mut Vec<Event>,
        log: &mut ConfounderLog,
    ) {
        let r = &mut self.rng;
        let pre = r.next_u128();
        let session = r.next_u128();
        let corr = r.next_u128();
        let fl = okta_flags(&mut self.okta_ips, w.tenant, idx, loc);
        let fastpass = if w.tenant.users[idx as usize].okta_fastpass {
            flags::FASTPASS
        } else {
            0
        };
        let mut tt = t;
        let r = &mut self.rng;
        let mut ok = |r: &mut Rng,
                      ty: OktaType,
                      tt: Ticks,
                      sess: u128,
                      pre_auth: bool,
                      app: u16,
                      result: u32| {
            let mut e = make_event(
                r,
                tt,
                EventKind::Okta(ty),
                idx,
                device,
                loc.1,
                loc.0,
                app,
                0,
                sess,
                corr,
            );
            e.flags = fl | if pre_auth { flags::PRE_AUTH } else { 0 };
            if ty == OktaType::AuthViaMfa || ty == OktaType::SessionStart && result == 0 {
                e.flags |= fastpass;
            }
            e.result = result;
            out.push(e);
        };
        if r.chance(0.03) {
            ok(
                r,
                OktaType::SessionStart,
                tt,
                pre,
                true,
                catalog::OKTA_DASHBOARD,
                1,
            );
            tt = tt.plus(r.range(5, 30) * SECOND);
        }
        ok(
            r,
            OktaType::PolicyEvaluateSignOn,
            tt,
            pre,
            true,
            catalog::OKTA_DASHBOARD,
            0,
        );
        tt = tt.plus(r.range(4, 25) * SECOND);
        ok(
            r,
            OktaType::AuthViaMfa,
            tt,
            pre,
            true,
            catalog::OKTA_DASHBOARD,
            0,
        );
        tt = tt.plus(r.range(300, 1500) * SECOND / 1000);
        ok(
            r,
            OktaType::SessionStart,
            tt,
            session,
            false,
            catalog::OKTA_DASHBOARD,
            0,
        );
        tt = tt.plus(r.range(1, 5) * SECOND);
        let app = okta_app(r);
        ok(r, OktaType::Sso, tt, session, false, app, 0);
        log.note(idx, C::OktaSessionIdChange, t, tt);
        if fastpass != 0 {
            log.note(idx, C::OktaFastpassDeviceChange, t, tt);
        }
        self.okta = OktaSession {
            id: session,
            expires: t.plus(14 * HOUR),
        };
        self.okta_ctx = Some((loc.0, device));
    }

    #[allow(clippy::too_many_arguments)]
    fn okta_hour(
        &mut self,
        w: &World<'_>,
        idx: u32,
        device: u32,
        a: Ticks,
        b: Ticks,
        out: &mut Vec<Event>,
        log: &mut ConfounderLog,
    ) {
        if self.okta.id == 0 || self.okta.expires <= a {
            return;
        }
        let u = &w.tenant.users[idx as usize];
        let span = (b.0 - a.0) as f64 / HOUR as f64;
        let n_sso = poisson(&mut self.rng, 0.8 * span * u.activity.sqrt());
        let mut events: Vec<(Ticks, OktaType, u16, u8)> = Vec::new();
        for _ in 0..n_sso {
            let t = Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64);
            let app = okta_app(&mut self.rng);
            events.push((t, OktaType::Sso, app, 0));
        }
        if self.rng.chance(0.3 * span) {
            let t = Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64);
            let app = [catalog::OKTA_DASHBOARD, 12, 13][self.rng.index(3)];
            events.push((t, OktaType::TokenGrantAccess, app, 0));
        }
        if u.okta_native_client && self.rng.chance(0.25 * span) {
            let t = Ticks(a.0 + self.rng.below((b.0 - a.0) as u64) as i64);
            events.push((t, OktaType::TokenGrantAccess, 12, flags::NATIVE_CLIENT));
            log.note(idx, C::OktaOauthTwoDthash, t, t);
        }
        if let Some((_, we)) = self.plan.work
            && we <= b
            && we > a
            && self.rng.chance(0.3)
        {
            events.push((we, OktaType::SessionEnd, catalog::OKTA_DASHBOARD, 0));
        }
        events.sort_by_key(|e| e.0);
        for (t, ty, app, extra) in events {
            if self.offline(t) || self.okta.id == 0 {
                continue;
            }
            let loc = self.laptop_location(u, w.tenant, t, log, idx);
            let fl = okta_flags(&mut self.okta_ips, w.tenant, idx, loc);
            // Session context changes of the user's own device (network moved, browser updated, a new
            // device of theirs), logged for users under a FastPass / continuous-access policy.
            if let Some((lnet, ldev)) = self.okta_ctx {
                let (a_net, b_net) = (w.tenant.nets.get(lnet), w.tenant.nets.get(loc.0));
                let moved = a_net.asn != b_net.asn || a_net.city != b_net.city;
                let dev_changed = ldev != device;
                if dev_changed || (u.okta_fastpass && moved) {
                    let tc = t.plus(-self.rng.range(1, 20) * SECOND).max(a);
                    let d_old = &w.tenant.devices[ldev as usize];
                    let d_new = &w.tenant.devices[device as usize];
                    let mut cf = fl;
                    if d_old.dt_hash != d_new.dt_hash {
                        cf |= flags::NEW_DEVICE;
                    }
                    let mut kinds = vec![OktaType::SessionContextChange];
                    if moved && self.rng.chance(0.35) {
                        kinds.push(OktaType::DetectClientRoaming);
                    }
                    for ty in kinds {
                        let corr = self.rng.next_u128();
                        let mut e = make_event(
                            &mut self.rng,
                            tc,
                            EventKind::Okta(ty),
                            idx,
                            device,
                            loc.1,
                            loc.0,
                            catalog::OKTA_DASHBOARD,
                            0,
                            self.okta.id,
                            corr,
                        );
                        e.flags = cf;
                        out.push(e);
                    }
                    log.note(idx, C::OktaFastpassDeviceChange, tc, t);
                }
            }
            self.okta_ctx = Some((loc.0, device));
            let corr = self.rng.next_u128();
            let mut e = make_event(
                &mut self.rng,
                t,
                EventKind::Okta(ty),
                idx,
                device,
                loc.1,
                loc.0,
                app,
                0,
                self.okta.id,
                corr,
            );
            e.flags = fl | extra;
            out.push(e);
            if ty == OktaType::SessionEnd {
                self.okta = OktaSession::default();
                self.okta_ctx = None;
            }
        }
        let _ = NO_DEVICE;
        let _ = Os::Windows;
        let _ = OKTA_APPS;
    }
}

/// Okta `behaviors` flags for an address, updating the user's recent-address memory.
pub fn okta_flags(
    recent: &mut [Option<IpAddr>; 6],
    tenant: &Tenant,
    idx: u32,
    loc: (u16, IpAddr),
) -> u8 {
    let u = &tenant.users[idx as usize];
    let net = tenant.nets.get(loc.0);
    let mut f = 0;
    if !recent.contains(&Some(loc.1)) {
        f |= flags::NEW_IP;
        recent.rotate_right(1);
        recent[0] = Some(loc.1);
    }
    let home = tenant.nets.get(u.home_net);
    if net.city != home.city {
        f |= flags::NEW_GEO;
    }
    if net.country != u.country {
        f |= flags::NEW_COUNTRY;
    }
    f
}

/// An Okta app by popularity.
pub fn okta_app(r: &mut Rng) -> u16 {
    let w: Vec<u32> = OKTA_APPS.iter().map(|a| a.weight).collect();
    r.weighted(&w) as u16
}

/// Poisson-distributed count (Knuth for small means, normal approximation above 30).
pub fn poisson(r: &mut Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + mean.sqrt() * r.normal()).round().max(0.0) as u32;
    }
    let l = (-mean).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= r.f64();
        if p <= l {
            return k;
        }
        k += 1;
    }
}
