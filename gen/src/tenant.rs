//! The synthetic organisation: tenant ids, users (with home networks, offices, devices and habits),
//! service principals and managed identities. Built once from the seed, before any event.

use std::net::IpAddr;

use crate::catalog::{self, Browser, Os};
use crate::network::{NetKind, NetworkTable, distance_km};
use crate::prng::Rng;

/// What a user does for a living (drives apps and audit activity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everyone else.
    Staff,
    /// Engineers: Azure CLI, Visual Studio, Azure Portal.
    Developer,
    /// IT administrators: Azure Portal, directory changes, application credentials.
    Admin,
}

/// How a device is known to Entra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Entra joined (holds a Primary Refresh Token).
    Joined,
    /// Hybrid joined (PRT too).
    HybridJoined,
    /// Registered (BYOD phone).
    Registered,
    /// Unknown to Entra (no device id in logs).
    None,
}

impl Trust {
    /// `deviceDetail.trustType`.
    pub fn entra_name(self) -> &'static str {
        match self {
            Trust::Joined => "Azure AD joined",
            Trust::HybridJoined => "Hybrid Azure AD joined",
            Trust::Registered => "Azure AD registered",
            Trust::None => "",
        }
    }

    /// Whether the device holds a PRT (its tokens are `primaryRefreshToken`).
    pub fn has_prt(self) -> bool {
        matches!(self, Trust::Joined | Trust::HybridJoined)
    }
}

/// A device (users' and attackers').
#[derive(Clone, Debug)]
pub struct Device {
    /// Entra device id (`deviceDetail.deviceId`; empty when `trust` is `None`).
    pub id: u128,
    /// `deviceDetail.displayName`.
    pub display_name: String,
    /// Operating system.
    pub os: Os,
    /// Browser family.
    pub browser: Browser,
    /// Browser major version.
    pub browser_major: u32,
    /// Browser user agent.
    pub user_agent: String,
    /// Entra trust type.
    pub trust: Trust,
    /// Intune compliant.
    pub compliant: bool,
    /// Okta device-token hash halves (`dtHash`).
    pub dt_hash: (u128, u128),
    /// Okta `deviceFingerprint` bits.
    pub fingerprint: u128,
    /// A script or command-line tool (`user_agent` is its own string, not a browser's).
    pub scripted: bool,
}

impl Device {
    /// Entra `deviceDetail.browser` ("Edge 152.0.3107").
    pub fn entra_browser(&self) -> String {
        format!("{} {}.0.0", self.browser.entra_name(), self.browser_major)
    }
}

/// An office with its egress addresses.
#[derive(Clone, Debug)]
pub struct Office {
    /// Network block of the egress.
    pub net: u16,
    /// Egress addresses (NAT pool).
    pub ips: Vec<IpAddr>,
}

/// A person in the directory.
#[derive(Clone, Debug)]
pub struct User {
    /// `first.last@domain`.
    pub upn: String,
    /// "First Last".
    pub display_name: String,
    /// Entra object id.
    pub object_id: u128,
    /// Okta user id bits (`00u…`).
    pub okta_id: u128,
    /// Role.
    pub role: Role,
    /// Country (ISO code).
    pub country: String,
    /// Minutes east of UTC of the user's local time.
    pub utc_offset_min: i32,
    /// Home broadband block.
    pub home_net: u16,
    /// Home IPv6 block of the same ISP, for dual-stack homes.
    pub home_net6: Option<u16>,
    /// Mobile carrier blocks (one carrier) in the user's country.
    pub mobile_nets: Vec<u16>,
    /// Office the user goes to on office days.
    pub office: Option<u16>,
    /// Relative activity (heavy-tailed: most near 1, a few far above, some far below).
    pub activity: f64,
    /// Laptop (index into `Tenant::devices`).
    pub laptop: u32,
    /// Phone, if the user has one enrolled.
    pub phone: Option<u32>,
    /// Uses the corporate VPN on some home days.
    pub vpn_user: bool,
    /// Safari traffic goes through iCloud Private Relay.
    pub private_relay: bool,
    /// Has a desktop OAuth client with its own Okta device token (two dtHash values in one session).
    pub okta_native_client: bool,
    /// Runs a personal / commercial VPN (index into the VPN products) on some days.
    pub personal_vpn: Option<u8>,
    /// Signs in to Okta with Okta Verify FastPass, under a policy that logs session context changes.
    pub okta_fastpass: bool,
    /// The phone's broker shares the laptop's Entra session on some days (one SessionId, two devices).
    pub shared_session: bool,
    /// Share of the home's laptop traffic over IPv6 (dual-stack homes).
    pub v6_share: f64,
}

/// A service principal or managed identity that signs in on its own.
#[derive(Clone, Debug)]
pub struct ServicePrincipal {
    /// Display name.
    pub name: String,
    /// Application (client) id.
    pub app_id: u128,
    /// Service principal object id.
    pub sp_id: u128,
    /// Credential key id.
    pub key_id: u128,
    /// Resource it calls (index into `RESOURCES`).
    pub resource: u16,
    /// Managed identity (else app registration with a secret/certificate).
    pub managed_identity: bool,
    /// Certificate credential (else client secret).
    pub certificate: bool,
    /// Hosting blocks it runs in.
    pub nets: Vec<u16>,
    /// Mean minutes between sign-ins.
    pub period_min: f64,
    /// Signs in on its own schedule from `active_from` on (an illicit app's sign-ins are scripted by the
    /// attack instead).
    pub scheduled: bool,
    /// First time it exists in the tenant (consented apps appear mid-window).
    pub active_from: crate::time::Ticks,
}

/// The organisation.
#[derive(Debug)]
pub struct Tenant {
    /// Entra tenant id.
    pub tenant_id: u128,
    /// Mail / UPN domain.
    pub domain: String,
    /// Okta org host (`<name>.okta.com`).
    pub okta_host: String,
    /// People.
    pub users: Vec<User>,
    /// All devices, users' first, attackers' appended later.
    pub devices: Vec<Device>,
    /// Offices.
    pub offices: Vec<Office>,
    /// Corporate VPN egress block and address (shared by every VPN user).
    pub vpn_egress: (u16, IpAddr),
    /// Automation identities.
    pub service_principals: Vec<ServicePrincipal>,
    /// The network table.
    pub nets: NetworkTable,
}

const USER_COUNTRIES: &[(&str, u32)] = &[
    ("US", 40),
    ("GB", 12),
    ("DE", 10),
    ("FR", 7),
    ("NL", 5),
    ("CA", 5),
    ("IN", 7),
    ("ES", 4),
    ("SE", 3),
    ("AU", 4),
    ("BR", 3),
];

/// Local offset in minutes for a place (summer time of September–October where it applies; the generator
/// does not model the change of clocks).
pub fn utc_offset_minutes(country: &str, lon: f64) -> i32 {
    match country {
        "US" | "CA" => ((lon / 15.0).round() as i32 + 1) * 60,
        "MX" => -360,
        "BR" => -180,
        "GB" | "IE" => 60,
        "IN" => 330,
        "JP" | "KR" => 540,
        "AU" => 600,
        "VN" | "ID" | "TH" => 420,
        "TW" | "SG" | "HK" | "CN" => 480,
        "TR" => 180,
        _ => 120,
    }
}

/// Fictional apps that automation identities are named after.
const SERVICE_PRINCIPAL_NAMES: &[(&str, u16, bool)] = &[
    ("Terraform-Prod", catalog::res::AZURE_MGMT, false),
    ("Veeam-M365-Backup", catalog::res::EXCHANGE, false),
    ("ServiceNow-Graph-Connector", catalog::res::GRAPH, false),
    ("Datadog-Azure-Integration", catalog::res::AZURE_MGMT, false),
    ("GitHub-Actions-Deploy", catalog::res::AZURE_MGMT, false),
    ("Workday-HR-Sync", catalog::res::GRAPH, false),
    ("PowerBI-Refresh", catalog::res::GRAPH, false),
    ("Okta-Provisioning", catalog::res::GRAPH, false),
    ("Splunk-Add-on-Microsoft-Cloud", catalog::res::GRAPH, false),
    ("Jenkins-Build", catalog::res::AZURE_MGMT, false),
    ("func-invoices-prod", catalog::res::KEY_VAULT, true),
    ("vm-build-agent-01", catalog::res::STORAGE, true),
    ("aks-payments-prod", catalog::res::KEY_VAULT, true),
    ("logic-app-onboarding", catalog::res::GRAPH, true),
];

impl Tenant {
    /// Builds the organisation for a seed and a head count.
    pub fn build(seed: u64, users: u32, nets: NetworkTable) -> Tenant {
        let mut rng = Rng::derive(seed, 1, 0);
        let tenant_id = rng.guid();
        let domain = rng.pick(catalog::TENANT_DOMAINS).to_string();
        let okta_host = format!("{}.okta.com", domain.split('.').next().unwrap_or("org"));

        // Offices: HQ in the US on a business line, and European offices on Colt.
        let mut offices = Vec::new();
        for (asn, country) in [(3356u32, "US"), (8220, "GB"), (8220, "DE"), (8220, "FR")] {
            let cands = nets.select(|n| n.asn == asn && n.country == country);
            if cands.is_empty() {
                continue;
            }
            let net = *rng.pick(&cands);
            let ips = (0..2).map(|_| nets.get(net).host(&mut rng)).collect();
            offices.push(Office { net, ips });
        }
        let vpn_net = offices.first().map(|o| o.net).unwrap_or(0);
        let vpn_ip = nets.get(vpn_net).host(&mut rng);

        let mut devices = Vec::new();
        let mut people = Vec::with_capacity(users as usize);
        let mut used_upns = std::collections::HashSet::new();
        let country_weights: Vec<u32> = USER_COUNTRIES.iter().map(|c| c.1).collect();
        for i in 0..users {
            let mut r = Rng::derive(seed, 2, i as u64);
            let first = *r.pick(catalog::FIRST_NAMES);
            let last = *r.pick(catalog::LAST_NAMES);
            let base = format!(
                "{}.{}",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', '\''], "")
            );
            let mut upn = format!("{base}@{domain}");
            let mut k = 2;
            while !used_upns.insert(upn.clone()) {
                upn = format!("{base}{k}@{domain}");
                k += 1;
            }
            let country = USER_COUNTRIES[r.weighted(&country_weights)].0.to_string();
            let office = offices
                .iter()
                .position(|o| nets.get(o.net).country == country)
                .filter(|_| r.chance(0.6))
                .map(|p| p as u16);
            let residential = nets
                .select(|n| n.kind == NetKind::Residential && !n.is_v6() && n.country == country);
            let home_net = match office {
                // Office workers live near the office: one of the three closest home blocks.
                Some(o) => {
                    let on = nets.get(offices[o as usize].net);
                    let mut by_dist: Vec<(u64, u16)> = residential
                        .iter()
                        .map(|&h| {
                            let hn = nets.get(h);
                            (
                                (distance_km(on.lat, on.lon, hn.lat, hn.lon) * 10.0) as u64,
                                h,
                            )
                        })
                        .collect();
                    by_dist.sort();
                    by_dist[r.index(by_dist.len().min(3))].1
                }
                None => *r.pick(&residential),
            };
            let home = nets.get(home_net);
            let home_asn = home.asn;
            let v6 = nets.select(|n| n.asn == home_asn && n.is_v6());
            let home_net6 = if !v6.is_empty() && r.chance(0.5) {
                Some(*r.pick(&v6))
            } else {
                None
            };
            let carriers: Vec<u32> = {
                let mut a: Vec<u32> = nets
                    .rows
                    .iter()
                    .filter(|n| n.kind == NetKind::Mobile && n.country == country)
                    .map(|n| n.asn)
                    .collect();
                a.dedup();
                a
            };
            let mobile_nets = if carriers.is_empty() {
                Vec::new()
            } else {
                let asn = *r.pick(&carriers);
                nets.select(|n| n.asn == asn && n.kind == NetKind::Mobile)
            };
            let role = match r.below(100) {
                0..=4 => Role::Admin,
                5..=14 => Role::Developer,
                _ => Role::Staff,
            };
            let laptop = devices.len() as u32;
            devices.push(new_laptop(&mut r, first, role));
            let phone = if r.chance(0.75) {
                devices.push(new_phone(&mut r, first));
                Some(devices.len() as u32 - 1)
            } else {
                None
            };
            let apple = matches!(devices[laptop as usize].os, Os::MacOs)
                || phone.is_some_and(|p| devices[p as usize].os == Os::Ios);
            people.push(User {
                display_name: format!("{first} {last}"),
                upn,
                object_id: r.guid(),
                okta_id: r.next_u128(),
                role,
                utc_offset_min: utc_offset_minutes(&country, home.lon),
                country,
                home_net,
                home_net6,
                mobile_nets,
                office,
                // Log-normal (σ = 1): median ≈ 1, a long tail of very heavy users (p99 ≈ 10×), and
                // a fringe of people who barely use their account.
                activity: (r.normal() - 0.03).exp().clamp(0.08, 25.0),
                laptop,
                phone,
                vpn_user: r.chance(0.35),
                private_relay: apple && r.chance(0.3),
                okta_native_client: r.chance(0.2),
                personal_vpn: r.chance(0.06).then(|| r.below(5) as u8),
                okta_fastpass: r.chance(0.35),
                shared_session: phone.is_some() && r.chance(0.15),
                v6_share: 0.15 + r.f64() * 0.8,
            });
        }

        // Automation identities: a fixed core plus more in bigger tenants.
        let mut service_principals = Vec::new();
        let hosting_us_eu = |n: &crate::network::Network, asns: &[u32]| {
            n.kind == NetKind::Hosting && asns.contains(&n.asn) && !n.is_v6()
        };
        let extra = (users / 400) as usize;
        for k in 0..(SERVICE_PRINCIPAL_NAMES.len() + extra) {
            let (name, resource, mi) = SERVICE_PRINCIPAL_NAMES[k % SERVICE_PRINCIPAL_NAMES.len()];
            let name = if k < SERVICE_PRINCIPAL_NAMES.len() {
                name.to_string()
            } else {
                format!("{name}-{}", k / SERVICE_PRINCIPAL_NAMES.len() + 1)
            };
            let asns: &[u32] = if mi {
                &[8075]
            } else {
                match rng.below(4) {
                    0 => &[16509, 14618],
                    1 => &[8075],
                    2 => &[396982],
                    _ => &[16509, 8075],
                }
            };
            let all = nets.select(|n| hosting_us_eu(n, asns));
            let start = rng.index(all.len().max(1));
            let nets_for_sp: Vec<u16> = (0..2)
                .filter_map(|j| all.get((start + j) % all.len().max(1)).copied())
                .collect();
            service_principals.push(ServicePrincipal {
                name,
                app_id: rng.guid(),
                sp_id: rng.guid(),
                key_id: rng.guid(),
                resource,
                managed_identity: mi,
                certificate: rng.chance(0.4),
                nets: nets_for_sp,
                period_min: 5.0 + rng.f64() * 55.0,
                scheduled: true,
                active_from: crate::time::Ticks(i64::MIN),
            });
        }

        Tenant {
            tenant_id,
            domain,
            okta_host,
            users: people,
            devices,
            offices,
            vpn_egress: (vpn_net, vpn_ip),
            service_principals,
            nets,
        }
    }
}

fn new_device_ids(r: &mut Rng) -> (u128, (u128, u128), u128) {
    (r.guid(), (r.next_u128(), r.next_u128()), r.next_u128())
}

/// A laptop for a user (Windows mostly, joined; Macs; a few Linux for developers).
pub fn new_laptop(r: &mut Rng, first: &str, role: Role) -> Device {
    let roll = r.below(100);
    let os = if role == Role::Developer && roll < 10 {
        Os::Linux
    } else if roll < 75 {
        Os::Windows
    } else {
        Os::MacOs
    };
    let browser = match os {
        Os::Windows => [
            Browser::Edge,
            Browser::Edge,
            Browser::Edge,
            Browser::Chrome,
            Browser::Chrome,
            Browser::Firefox,
        ][r.index(6)],
        Os::MacOs => [
            Browser::Chrome,
            Browser::Safari,
            Browser::Safari,
            Browser::Chrome,
            Browser::Firefox,
        ][r.index(5)],
        _ => [Browser::Firefox, Browser::Chrome][r.index(2)],
    };
    let trust = match os {
        Os::Windows if r.chance(0.5) => Trust::HybridJoined,
        Os::Windows => Trust::Joined,
        Os::MacOs if r.chance(0.5) => Trust::Registered,
        _ => Trust::None,
    };
    let major = browser_major(r, browser);
    let (id, dt_hash, fingerprint) = new_device_ids(r);
    let display_name = match os {
        Os::Windows => format!("LT-{:07}", r.below(10_000_000)),
        Os::MacOs => format!("{first}'s MacBook Pro"),
        _ => format!("dev-{}", first.to_lowercase()),
    };
    Device {
        id,
        display_name,
        os,
        browser,
        browser_major: major,
        user_agent: catalog::browser_agent(os, browser, major, r.below(4) as u32),
        trust,
        compliant: trust != Trust::None,
        dt_hash,
        fingerprint,
        scripted: false,
    }
}

/// A phone (iPhone or Android), registered in Entra.
pub fn new_phone(r: &mut Rng, first: &str) -> Device {
    let os = if r.chance(0.6) { Os::Ios } else { Os::Android };
    let browser = if os == Os::Ios {
        Browser::Safari
    } else {
        Browser::Chrome
    };
    let major = browser_major(r, browser);
    let (id, dt_hash, fingerprint) = new_device_ids(r);
    Device {
        id,
        display_name: if os == Os::Ios {
            format!("{first}'s iPhone")
        } else {
            "Galaxy S24".to_string()
        },
        os,
        browser,
        browser_major: major,
        user_agent: catalog::browser_agent(os, browser, major, r.below(4) as u32),
        trust: Trust::Registered,
        compliant: r.chance(0.8),
        dt_hash,
        fingerprint,
        scripted: false,
    }
}

/// A browser version current in autumn 2026 (a little spread, as fleets are).
pub fn browser_major(r: &mut Rng, browser: Browser) -> u32 {
    match browser {
        Browser::Safari => 26,
        Browser::Firefox => 142 + r.below(4) as u32,
        _ => 150 + r.below(4) as u32,
    }
}

/// A script or command-line client (Cloud Shell, automation, attacker tooling): no device id, its own
/// user agent.
pub fn scripted_device(r: &mut Rng, agent: &str) -> Device {
    let os = if agent.contains("Windows") {
        Os::Windows
    } else {
        Os::Linux
    };
    let (id, dt_hash, fingerprint) = new_device_ids(r);
    Device {
        id,
        display_name: String::new(),
        os,
        browser: Browser::Chrome,
        browser_major: 0,
        user_agent: agent.to_string(),
        trust: Trust::None,
        compliant: false,
        dt_hash,
        fingerprint,
        scripted: true,
    }
}

/// A device an attacker uses: a browser on a common OS, indistinguishable in kind from users' devices.
pub fn attacker_device(r: &mut Rng) -> Device {
    let os = match r.below(10) {
        0..=5 => Os::Windows,
        6..=7 => Os::MacOs,
        _ => Os::Linux,
    };
    let browser = match os {
        Os::Windows => [Browser::Chrome, Browser::Edge, Browser::Firefox][r.index(3)],
        Os::MacOs => [Browser::Chrome, Browser::Safari][r.index(2)],
        _ => [Browser::Firefox, Browser::Chrome][r.index(2)],
    };
    let major = browser_major(r, browser);
    let (id, dt_hash, fingerprint) = new_device_ids(r);
    Device {
        id,
        display_name: String::new(),
        os,
        browser,
        browser_major: major,
        user_agent: catalog::browser_agent(os, browser, major, r.below(4) as u32),
        trust: Trust::None,
        compliant: false,
        dt_hash,
        fingerprint,
        scripted: false,
    }
}
