//! The ground truth written beside the logs (`labels.json`): every planted attack (incident) with its
//! exact attacker activity, and every benign look-alike (confounder) with the user and window it covers.

use serde::{Deserialize, Serialize};

use crate::time::Ticks;

/// The attack kinds the generator plants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentKind {
    /// AiTM phishing, session cookie replayed.
    AitmCookieReplay,
    /// Stolen refresh token redeemed later from hosting.
    RefreshTokenReplay,
    /// Stolen Primary Refresh Token (victim's device id claimed).
    PrtTheft,
    /// Impossible travel inside one session through a residential proxy.
    ImpossibleTravelProxy,
    /// Victim and attacker interleaved in one session.
    ConcurrentSession,
    /// Okta session cookie hijacked.
    OktaSessionHijack,
    /// Okta refresh-token reuse detected.
    OktaTokenReuse,
    /// Illicit OAuth consent grant.
    IllicitConsent,
    /// Credentials added to an application after a replay.
    CredentialPersistence,
    /// Device code phishing: the victim completes the attacker's device code sign-in, the attacker
    /// redeems the tokens.
    DeviceCodePhishing,
    /// A device registered by the attacker with the victim's tokens, then its Primary Refresh Token used.
    DeviceRegistrationPrt,
}

impl IncidentKind {
    /// All kinds.
    pub const ALL: [IncidentKind; 11] = [
        IncidentKind::AitmCookieReplay,
        IncidentKind::RefreshTokenReplay,
        IncidentKind::PrtTheft,
        IncidentKind::ImpossibleTravelProxy,
        IncidentKind::ConcurrentSession,
        IncidentKind::OktaSessionHijack,
        IncidentKind::OktaTokenReuse,
        IncidentKind::IllicitConsent,
        IncidentKind::CredentialPersistence,
        IncidentKind::DeviceCodePhishing,
        IncidentKind::DeviceRegistrationPrt,
    ];

    /// Label name.
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::AitmCookieReplay => "aitm_cookie_replay",
            IncidentKind::RefreshTokenReplay => "refresh_token_replay",
            IncidentKind::PrtTheft => "prt_theft",
            IncidentKind::ImpossibleTravelProxy => "impossible_travel_proxy",
            IncidentKind::ConcurrentSession => "concurrent_session",
            IncidentKind::OktaSessionHijack => "okta_session_hijack",
            IncidentKind::OktaTokenReuse => "okta_token_reuse",
            IncidentKind::IllicitConsent => "illicit_consent",
            IncidentKind::CredentialPersistence => "credential_persistence",
            IncidentKind::DeviceCodePhishing => "device_code_phishing",
            IncidentKind::DeviceRegistrationPrt => "device_registration_prt",
        }
    }

    /// MITRE ATT&CK technique.
    pub fn technique(self) -> &'static str {
        match self {
            IncidentKind::AitmCookieReplay | IncidentKind::OktaSessionHijack => "T1539",
            IncidentKind::IllicitConsent | IncidentKind::DeviceCodePhishing => "T1528",
            IncidentKind::DeviceRegistrationPrt => "T1098.005",
            IncidentKind::CredentialPersistence => "T1098.001",
            _ => "T1550.001",
        }
    }

    /// `entra` or `okta`.
    pub fn source(self) -> &'static str {
        match self {
            IncidentKind::OktaSessionHijack | IncidentKind::OktaTokenReuse => "okta",
            _ => "entra",
        }
    }
}

/// Benign look-alike categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfounderCategory {
    /// One VPN egress IP shared by hundreds of users.
    CorporateVpnEgress,
    /// CGNAT addresses geolocated far apart within one session.
    MobileCarrierRotation,
    /// IPv4 and IPv6 of one ISP in one session.
    DualStackIpv6,
    /// Two devices of one user with overlapping sessions.
    LaptopAndPhone,
    /// Flight at airliner speed, with and without a new session.
    TravelFlight,
    /// Microsoft front-end addresses in the user's session within the same minute.
    MicrosoftAuthProxy,
    /// Service principals / managed identities signing in from cloud ASNs.
    ServicePrincipalCloud,
    /// Okta session id changes between pre- and post-authentication.
    OktaSessionIdChange,
    /// Two dtHash values in one Okta session from a native OAuth client.
    OktaOauthTwoDthash,
    /// Apple iCloud Private Relay egress.
    IcloudPrivateRelay,
    /// Password spray from hosting addresses (failures, no session).
    PasswordSpray,
    /// A new device on the user's usual network.
    NewDeviceSameNetwork,
    /// Home ISP and office egress in one session, same metro area.
    HomeOfficeSwitch,
    /// A user consents to a legitimate new SaaS app whose service principal then signs in from hosting.
    BenignAppConsent,
    /// IT rotates an application's secret / certificate.
    AdminCredentialRotation,
    /// A third-party SaaS integration redeems the user's delegated refresh token from the vendor's cloud,
    /// in the session the user consented in, while the user works elsewhere.
    SaasIntegrationCloud,
    /// Admins / developers in Azure Cloud Shell or automation: scripted clients from cloud ranges, in
    /// their browser's session or their own (sometimes a device code sign-in).
    CloudShellAdmin,
    /// A personal / commercial VPN switched on and off within a session, exits in other countries.
    PersonalVpn,
    /// In-flight Wi-Fi: satellite exits far from the aircraft, changing during the flight.
    InflightWifi,
    /// A phone abroad whose traffic exits through the home carrier (geolocated at home), mixed with
    /// hotel Wi-Fi.
    MobileRoamingHomeCarrier,
    /// Okta FastPass sign-ins and benign `user.session.context.change` /
    /// `security.session.detect_client_roaming` when the user's own device changes network or browser
    /// version, or a new device of the user joins.
    OktaFastpassDeviceChange,
    /// Laptop and phone share one Entra SessionId (broker) in the same hour, on different networks.
    LaptopAndPhoneSharedSession,
}

impl ConfounderCategory {
    /// All categories.
    pub const ALL: [ConfounderCategory; 22] = [
        ConfounderCategory::CorporateVpnEgress,
        ConfounderCategory::MobileCarrierRotation,
        ConfounderCategory::DualStackIpv6,
        ConfounderCategory::LaptopAndPhone,
        ConfounderCategory::TravelFlight,
        ConfounderCategory::MicrosoftAuthProxy,
        ConfounderCategory::ServicePrincipalCloud,
        ConfounderCategory::OktaSessionIdChange,
        ConfounderCategory::OktaOauthTwoDthash,
        ConfounderCategory::IcloudPrivateRelay,
        ConfounderCategory::PasswordSpray,
        ConfounderCategory::NewDeviceSameNetwork,
        ConfounderCategory::HomeOfficeSwitch,
        ConfounderCategory::BenignAppConsent,
        ConfounderCategory::AdminCredentialRotation,
        ConfounderCategory::SaasIntegrationCloud,
        ConfounderCategory::CloudShellAdmin,
        ConfounderCategory::PersonalVpn,
        ConfounderCategory::InflightWifi,
        ConfounderCategory::MobileRoamingHomeCarrier,
        ConfounderCategory::OktaFastpassDeviceChange,
        ConfounderCategory::LaptopAndPhoneSharedSession,
    ];

    /// Label name.
    pub fn name(self) -> &'static str {
        match self {
            ConfounderCategory::CorporateVpnEgress => "corporate_vpn_egress",
            ConfounderCategory::MobileCarrierRotation => "mobile_carrier_rotation",
            ConfounderCategory::DualStackIpv6 => "dual_stack_ipv6",
            ConfounderCategory::LaptopAndPhone => "laptop_and_phone",
            ConfounderCategory::TravelFlight => "travel_flight",
            ConfounderCategory::MicrosoftAuthProxy => "microsoft_auth_proxy",
            ConfounderCategory::ServicePrincipalCloud => "service_principal_cloud",
            ConfounderCategory::OktaSessionIdChange => "okta_session_id_change",
            ConfounderCategory::OktaOauthTwoDthash => "okta_oauth_two_dthash",
            ConfounderCategory::IcloudPrivateRelay => "icloud_private_relay",
            ConfounderCategory::PasswordSpray => "password_spray",
            ConfounderCategory::NewDeviceSameNetwork => "new_device_same_network",
            ConfounderCategory::HomeOfficeSwitch => "home_office_switch",
            ConfounderCategory::BenignAppConsent => "benign_app_consent",
            ConfounderCategory::AdminCredentialRotation => "admin_credential_rotation",
            ConfounderCategory::SaasIntegrationCloud => "saas_integration_cloud",
            ConfounderCategory::CloudShellAdmin => "cloud_shell_admin",
            ConfounderCategory::PersonalVpn => "personal_vpn",
            ConfounderCategory::InflightWifi => "inflight_wifi",
            ConfounderCategory::MobileRoamingHomeCarrier => "mobile_roaming_home_carrier",
            ConfounderCategory::OktaFastpassDeviceChange => "okta_fastpass_device_change",
            ConfounderCategory::LaptopAndPhoneSharedSession => "laptop_and_phone_shared_session",
        }
    }

    /// Whether it is Okta-only.
    pub fn source(self) -> &'static str {
        match self {
            ConfounderCategory::OktaSessionIdChange
            | ConfounderCategory::OktaOauthTwoDthash
            | ConfounderCategory::OktaFastpassDeviceChange => "okta",
            _ => "entra",
        }
    }

    /// Windows of the same user closer than this are merged into one: recurring habits become one long
    /// window, one-off episodes stay apart.
    pub fn merge_gap(self) -> i64 {
        match self {
            ConfounderCategory::TravelFlight
            | ConfounderCategory::PasswordSpray
            | ConfounderCategory::NewDeviceSameNetwork
            | ConfounderCategory::BenignAppConsent
            | ConfounderCategory::AdminCredentialRotation
            | ConfounderCategory::CloudShellAdmin
            | ConfounderCategory::InflightWifi
            | ConfounderCategory::MobileRoamingHomeCarrier => crate::time::HOUR,
            _ => 3 * crate::time::DAY,
        }
    }
}

/// Tenant description.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TenantInfo {
    /// Users.
    pub users: u64,
    /// Days.
    pub days: u64,
    /// First day (`YYYY-MM-DD`).
    pub start: String,
    /// Seed.
    pub seed: u64,
    /// Primary domain.
    #[serde(default)]
    pub domain: String,
    /// Entra tenant id.
    #[serde(default)]
    pub tenant_id: String,
}

/// One planted attack.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Incident {
    /// Stable id (`inc-0001`).
    pub id: String,
    /// Kind (see [`IncidentKind::name`]).
    pub kind: String,
    /// MITRE technique.
    pub technique: String,
    /// `entra` or `okta`.
    pub source: String,
    /// Victim (lower-case UPN / Okta login).
    pub user: String,
    /// Session the attacker rode (Entra SessionId / Okta externalSessionId), or null.
    pub session_id: Option<String>,
    /// Application the attacker used (display name).
    pub app: String,
    /// First attacker activity (RFC 3339 UTC).
    pub start: String,
    /// Last attacker activity.
    pub end: String,
    /// Every address the attacker's records carry.
    pub attacker_ips: Vec<String>,
    /// How the attack was made subtle, if it was (`same_country`, `victim_user_agent`, `vpn_exit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// One benign look-alike window.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Confounder {
    /// User (lower-case UPN; service principal name for `service_principal_cloud`).
    pub user: String,
    /// Category (see [`ConfounderCategory::name`]).
    pub category: String,
    /// Window start (RFC 3339 UTC).
    pub start: String,
    /// Window end.
    pub end: String,
}

/// The whole file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Labels {
    /// Tenant description.
    pub tenant: TenantInfo,
    /// Planted attacks.
    pub incidents: Vec<Incident>,
    /// Benign look-alikes.
    pub confounders: Vec<Confounder>,
}

/// Error reading labels.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// Reading the file failed.
    #[error("reading {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not labels JSON.
    #[error("parsing {path}: {source}")]
    Json {
        /// File.
        path: String,
        /// Cause.
        source: serde_json::Error,
    },
}

impl Labels {
    /// Reads `labels.json`.
    pub fn read(path: &std::path::Path) -> Result<Labels, LabelsError> {
        let text = std::fs::read(path).map_err(|source| LabelsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| LabelsError::Json {
            path: path.display().to_string(),
            source,
        })
    }
}

/// RFC 3339 UTC, whole seconds, as labels spell times.
pub fn rfc3339(t: Ticks) -> String {
    crate::jsonw::time_string(t, crate::jsonw::TimeStyle::Seconds)
}

/// Collects confounder windows as generation runs: per user and category, the current open window is
/// extended while the behaviour recurs within the category's merge gap, and closed otherwise.
#[derive(Debug, Default)]
pub struct ConfounderLog {
    open: std::collections::HashMap<(u32, ConfounderCategory), (Ticks, Ticks)>,
    closed: Vec<(u32, ConfounderCategory, Ticks, Ticks)>,
}

impl ConfounderLog {
    /// Records that `user` showed `category` behaviour over `[start, end]`.
    pub fn note(&mut self, user: u32, category: ConfounderCategory, start: Ticks, end: Ticks) {
        let gap = category.merge_gap();
        match self.open.get_mut(&(user, category)) {
            Some(w) if start.0 <= w.1.0 + gap => {
                w.0 = w.0.min(start);
                w.1 = w.1.max(end);
            }
            Some(w) => {
                let old = *w;
                *w = (start, end);
                self.closed.push((user, category, old.0, old.1));
            }
            None => {
                self.open.insert((user, category), (start, end));
            }
        }
    }

    /// All windows, sorted by start, user and category; `name` spells a user index (service principals
    /// are passed with an offset by the caller's naming function).
    pub fn into_confounders(
        mut self,
        name: impl Fn(u32) -> String,
        keep: impl Fn(ConfounderCategory) -> bool,
    ) -> Vec<Confounder> {
        let open: Vec<_> = self
            .open
            .drain()
            .map(|((u, c), (s, e))| (u, c, s, e))
            .collect();
        self.closed.extend(open);
        self.closed.sort_by_key(|&(u, c, s, _)| (s, u, c));
        self.closed
            .into_iter()
            .filter(|&(_, c, _, _)| keep(c))
            .map(|(u, c, s, e)| Confounder {
                user: name(u),
                category: c.name().to_string(),
                start: rfc3339(s),
                end: rfc3339(e),
            })
            .collect()
    }
}
