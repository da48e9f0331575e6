//! The in-memory event: one compact record per log line to write, whatever the output format. Strings
//! (names, user agents, locations) are not copied into events: an event points into the tenant, the
//! catalogue and the network table, and the format writers spell it out.

use std::net::IpAddr;

use crate::time::Ticks;

/// Which log an event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Entra interactive user sign-in (`SigninLogs` / `SignInLogs`).
    EntraInteractive,
    /// Entra non-interactive user sign-in (`AADNonInteractiveUserSignInLogs`).
    EntraNonInteractive,
    /// Entra service-principal sign-in.
    EntraServicePrincipal,
    /// Entra managed-identity sign-in.
    EntraManagedIdentity,
    /// Entra directory audit record.
    EntraAudit,
    /// Okta System Log event.
    Okta(OktaType),
}

impl EventKind {
    /// Whether it is an Entra record.
    pub fn is_entra(self) -> bool {
        !matches!(self, EventKind::Okta(_))
    }
}

/// Okta event types the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OktaType {
    /// `policy.evaluate_sign_on`.
    PolicyEvaluateSignOn,
    /// `user.authentication.auth_via_mfa`.
    AuthViaMfa,
    /// `user.session.start`.
    SessionStart,
    /// `user.authentication.sso`.
    Sso,
    /// `app.oauth2.as.token.grant.access_token`.
    TokenGrantAccess,
    /// `app.oauth2.as.token.grant.refresh_token`.
    TokenGrantRefresh,
    /// `app.oauth2.as.token.detect_reuse` (custom authorization server).
    DetectReuseAs,
    /// `app.oauth2.token.detect_reuse` (org authorization server).
    DetectReuseOrg,
    /// `user.session.end`.
    SessionEnd,
    /// `user.session.context.change` (the session's network or device context changed).
    SessionContextChange,
    /// `security.session.detect_client_roaming` (the session cookie moved to another client context).
    DetectClientRoaming,
}

impl OktaType {
    /// `eventType`.
    pub fn event_type(self) -> &'static str {
        match self {
            OktaType::PolicyEvaluateSignOn => "policy.evaluate_sign_on",
            OktaType::AuthViaMfa => "user.authentication.auth_via_mfa",
            OktaType::SessionStart => "user.session.start",
            OktaType::Sso => "user.authentication.sso",
            OktaType::TokenGrantAccess => "app.oauth2.as.token.grant.access_token",
            OktaType::TokenGrantRefresh => "app.oauth2.as.token.grant.refresh_token",
            OktaType::DetectReuseAs => "app.oauth2.as.token.detect_reuse",
            OktaType::DetectReuseOrg => "app.oauth2.token.detect_reuse",
            OktaType::SessionEnd => "user.session.end",
            OktaType::SessionContextChange => "user.session.context.change",
            OktaType::DetectClientRoaming => "security.session.detect_client_roaming",
        }
    }
}

/// The token a sign-in redeemed (`incomingTokenType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// `none`: credentials or a session cookie.
    None,
    /// `refreshToken`.
    RefreshToken,
    /// `primaryRefreshToken`.
    PrimaryRefreshToken,
}

impl TokenType {
    /// Spelling in logs.
    pub fn name(self) -> &'static str {
        match self {
            TokenType::None => "none",
            TokenType::RefreshToken => "refreshToken",
            TokenType::PrimaryRefreshToken => "primaryRefreshToken",
        }
    }
}

/// How the user authenticated in this record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Password only (single factor).
    Password,
    /// Password then a second factor (`method` indexes [`MFA_METHODS`]).
    PasswordMfa {
        /// Second factor.
        method: u8,
    },
    /// Satisfied by claims in the session cookie / token ("Previously satisfied").
    Claim {
        /// The session carries an MFA claim.
        mfa: bool,
    },
    /// A token redemption (non-interactive: no authentication steps).
    Token {
        /// The session carries an MFA claim.
        mfa: bool,
    },
}

impl Auth {
    /// Whether the record's `authenticationRequirement` is multi-factor.
    pub fn multi_factor(self) -> bool {
        match self {
            Auth::Password => false,
            Auth::PasswordMfa { .. } => true,
            Auth::Claim { mfa } | Auth::Token { mfa } => mfa,
        }
    }
}

/// Second factors as Entra names them.
pub const MFA_METHODS: &[&str] = &[
    "Mobile app notification",
    "OATH verification code",
    "Text message",
    "Passkey (Microsoft Authenticator)",
];

/// Directory changes the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditActivity {
    /// "Consent to application".
    ConsentToApplication,
    /// "Add service principal".
    AddServicePrincipal,
    /// "Add delegated permission grant".
    AddDelegatedPermissionGrant,
    /// "Add service principal credentials".
    AddServicePrincipalCredentials,
    /// "Update application – Certificates and secrets management ".
    UpdateApplicationSecrets,
    /// "Update user".
    UpdateUser,
    /// "Add member to group".
    AddMemberToGroup,
    /// "User registered security info".
    UserRegisteredSecurityInfo,
    /// "Reset password (self-service)".
    ResetPasswordSelfService,
    /// "Register device" (Device Registration Service).
    RegisterDevice,
    /// "Add device".
    AddDevice,
    /// "Add registered owner to device".
    AddRegisteredOwnerToDevice,
    /// "Add registered users to device".
    AddRegisteredUsersToDevice,
}

impl AuditActivity {
    /// `activityDisplayName` / `operationName`.
    pub fn name(self) -> &'static str {
        match self {
            AuditActivity::ConsentToApplication => "Consent to application",
            AuditActivity::AddServicePrincipal => "Add service principal",
            AuditActivity::AddDelegatedPermissionGrant => "Add delegated permission grant",
            AuditActivity::AddServicePrincipalCredentials => "Add service principal credentials",
            // The real activity name ends with an en dash and a trailing space.
            AuditActivity::UpdateApplicationSecrets => {
                "Update application \u{2013} Certificates and secrets management "
            }
            AuditActivity::UpdateUser => "Update user",
            AuditActivity::AddMemberToGroup => "Add member to group",
            AuditActivity::UserRegisteredSecurityInfo => "User registered security info",
            AuditActivity::ResetPasswordSelfService => "Reset password (self-service)",
            AuditActivity::RegisterDevice => "Register device",
            AuditActivity::AddDevice => "Add device",
            AuditActivity::AddRegisteredOwnerToDevice => "Add registered owner to device",
            AuditActivity::AddRegisteredUsersToDevice => "Add registered users to device",
        }
    }

    /// Audit `category`.
    pub fn category(self) -> &'static str {
        match self {
            AuditActivity::ConsentToApplication
            | AuditActivity::AddServicePrincipal
            | AuditActivity::AddDelegatedPermissionGrant
            | AuditActivity::AddServicePrincipalCredentials
            | AuditActivity::UpdateApplicationSecrets => "ApplicationManagement",
            AuditActivity::UpdateUser => "UserManagement",
            AuditActivity::AddMemberToGroup => "GroupManagement",
            AuditActivity::UserRegisteredSecurityInfo | AuditActivity::ResetPasswordSelfService => {
                "UserManagement"
            }
            AuditActivity::RegisterDevice
            | AuditActivity::AddDevice
            | AuditActivity::AddRegisteredOwnerToDevice
            | AuditActivity::AddRegisteredUsersToDevice => "Device",
        }
    }

    /// `operationType`.
    pub fn operation_type(self) -> &'static str {
        match self {
            AuditActivity::ConsentToApplication
            | AuditActivity::AddServicePrincipal
            | AuditActivity::AddDelegatedPermissionGrant
            | AuditActivity::AddMemberToGroup
            | AuditActivity::AddRegisteredOwnerToDevice
            | AuditActivity::AddRegisteredUsersToDevice => "Assign",
            AuditActivity::UserRegisteredSecurityInfo
            | AuditActivity::RegisterDevice
            | AuditActivity::AddDevice => "Add",
            _ => "Update",
        }
    }

    /// `loggedByService`.
    pub fn service(self) -> &'static str {
        match self {
            AuditActivity::UserRegisteredSecurityInfo => "Authentication Methods",
            AuditActivity::ResetPasswordSelfService => "Self-service Password Management",
            AuditActivity::RegisterDevice => "Device Registration Service",
            _ => "Core Directory",
        }
    }
}

/// Details of a directory audit record.
#[derive(Clone, Debug)]
pub struct Audit {
    /// What happened.
    pub activity: AuditActivity,
    /// Target service principal (index into `Tenant::service_principals`), for application changes.
    pub target_sp: Option<u32>,
    /// Target user, for user and group changes.
    pub target_user: Option<u32>,
    /// Target device (index into `Tenant::devices`), for device registrations.
    pub target_device: Option<u32>,
}

/// Okta behaviour flags (`debugData.behaviors`), and other per-event switches.
pub mod flags {
    /// New IP for the user.
    pub const NEW_IP: u8 = 1;
    /// New device.
    pub const NEW_DEVICE: u8 = 2;
    /// New geo-location (city).
    pub const NEW_GEO: u8 = 4;
    /// New country.
    pub const NEW_COUNTRY: u8 = 8;
    /// Okta event from the user's native OAuth client (its own device token).
    pub const NATIVE_CLIENT: u8 = 16;
    /// Okta pre-authentication session id spelling (`idx…`).
    pub const PRE_AUTH: u8 = 32;
    /// No session id in the record (Okta token events outside a browser session).
    pub const NO_SESSION: u8 = 64;
    /// Entra: the session began with the device code flow (`originalTransferMethod` `deviceCodeFlow`;
    /// on the interactive record that completed the flow also `authenticationProtocol` `deviceCode`).
    pub const DEVICE_CODE: u8 = 128;
    /// Okta (same bit, other source): Okta Verify FastPass (signed nonce) authentication.
    pub const FASTPASS: u8 = 128;
}

/// No device.
pub const NO_DEVICE: u32 = u32::MAX;

/// One record to write.
#[derive(Clone, Debug)]
pub struct Event {
    /// When.
    pub t: Ticks,
    /// Which log.
    pub kind: EventKind,
    /// User index, or service-principal index for service-principal / managed-identity records.
    pub actor: u32,
    /// Device index (`NO_DEVICE` for none).
    pub device: u32,
    /// Client address.
    pub ip: IpAddr,
    /// Network block of `ip`.
    pub net: u16,
    /// Entra app or Okta app index.
    pub app: u16,
    /// Entra resource index.
    pub resource: u16,
    /// Entra SessionId / Okta session bits (0: none).
    pub session: u128,
    /// Correlation id (Entra) / transaction id (Okta).
    pub correlation: u128,
    /// Record id (Entra `id`, Okta `uuid`).
    pub id: u128,
    /// Unique token identifier (Entra) / request id (Okta).
    pub token: u128,
    /// Error code (0 success; Okta: 0 success, else a failure reason code).
    pub result: u32,
    /// Incoming token type.
    pub token_type: TokenType,
    /// Authentication in this record.
    pub auth: Auth,
    /// See [`flags`].
    pub flags: u8,
    /// Directory change details.
    pub audit: Option<Box<Audit>>,
}
