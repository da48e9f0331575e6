//! The static catalogue: Microsoft first-party applications and the resources they call (real public app
//! ids), Okta application integrations, and user-agent strings of the clients people use.

/// An Entra resource (the API a token is for).
#[derive(Debug)]
pub struct Resource {
    /// Resource app id.
    pub id: &'static str,
    /// Display name as sign-in logs write it.
    pub name: &'static str,
}

/// Resources, referred to by index.
pub const RESOURCES: &[Resource] = &[
    Resource {
        id: "00000002-0000-0ff1-ce00-000000000000",
        name: "Office 365 Exchange Online",
    },
    Resource {
        id: "00000003-0000-0000-c000-000000000000",
        name: "Microsoft Graph",
    },
    Resource {
        id: "00000003-0000-0ff1-ce00-000000000000",
        name: "Office 365 SharePoint Online",
    },
    Resource {
        id: "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        name: "Microsoft Teams Services",
    },
    Resource {
        id: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        name: "Windows Azure Service Management API",
    },
    Resource {
        id: "00000002-0000-0000-c000-000000000000",
        name: "Windows Azure Active Directory",
    },
    Resource {
        id: "0000000a-0000-0000-c000-000000000000",
        name: "Microsoft Intune",
    },
    Resource {
        id: "499b84ac-1321-427f-aa17-267ca6975798",
        name: "Azure DevOps",
    },
    Resource {
        id: "00000006-0000-0ff1-ce00-000000000000",
        name: "Microsoft Office 365 Portal",
    },
    Resource {
        id: "00000004-0000-0ff1-ce00-000000000000",
        name: "Skype for Business Online",
    },
    Resource {
        id: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        name: "Azure Key Vault",
    },
    Resource {
        id: "e406a681-f3d4-42a8-90b6-c2b029497af1",
        name: "Azure Storage",
    },
    Resource {
        id: "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
        name: "Device Registration Service",
    },
];

/// Index constants into [`RESOURCES`].
pub mod res {
    /// Exchange Online.
    pub const EXCHANGE: u16 = 0;
    /// Microsoft Graph.
    pub const GRAPH: u16 = 1;
    /// SharePoint Online.
    pub const SHAREPOINT: u16 = 2;
    /// Teams services.
    pub const TEAMS: u16 = 3;
    /// Azure Resource Manager.
    pub const AZURE_MGMT: u16 = 4;
    /// Azure AD Graph (legacy).
    pub const AAD: u16 = 5;
    /// Intune.
    pub const INTUNE: u16 = 6;
    /// Azure DevOps.
    pub const DEVOPS: u16 = 7;
    /// Office 365 portal.
    pub const OFFICE_PORTAL: u16 = 8;
    /// Skype for Business Online.
    pub const SKYPE: u16 = 9;
    /// Key Vault.
    pub const KEY_VAULT: u16 = 10;
    /// Storage.
    pub const STORAGE: u16 = 11;
    /// Device Registration Service.
    pub const DRS: u16 = 12;
}

/// Where a client application runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// Desktop or mobile native app ("Mobile Apps and Desktop clients").
    Native,
    /// Browser.
    Browser,
}

/// A Microsoft client application users sign in to.
#[derive(Debug)]
pub struct EntraApp {
    /// App id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Native or browser.
    pub client: ClientKind,
    /// Resources it asks tokens for, with relative weights.
    pub resources: &'static [(u16, u32)],
    /// Relative use on laptops (0 = never).
    pub laptop_weight: u32,
    /// Relative use on phones (0 = never).
    pub phone_weight: u32,
    /// Only developers / IT use it.
    pub technical: bool,
    /// Native client's user agent family (for the non-interactive `UserAgent`), when it has one.
    pub native_agent: NativeAgent,
}

/// The user-agent family a native client sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeAgent {
    /// No native agent: the device's browser user agent.
    Browser,
    /// Outlook desktop / mobile.
    Outlook,
    /// Teams.
    Teams,
    /// OneDrive.
    OneDrive,
    /// Windows/OS broker (no user agent in logs).
    Empty,
    /// Azure CLI (python).
    AzureCli,
    /// A fixed string (third-party services calling from their cloud; "" for none).
    Fixed(&'static str),
}

/// Microsoft applications, referred to by index.
pub const ENTRA_APPS: &[EntraApp] = &[
    EntraApp {
        id: "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        name: "Microsoft Office",
        client: ClientKind::Native,
        resources: &[
            (res::EXCHANGE, 6),
            (res::GRAPH, 3),
            (res::SHAREPOINT, 3),
            (res::OFFICE_PORTAL, 1),
        ],
        laptop_weight: 30,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Outlook,
    },
    EntraApp {
        id: "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        name: "Microsoft Teams",
        client: ClientKind::Native,
        resources: &[
            (res::TEAMS, 5),
            (res::GRAPH, 3),
            (res::SKYPE, 2),
            (res::SHAREPOINT, 1),
        ],
        laptop_weight: 30,
        phone_weight: 25,
        technical: false,
        native_agent: NativeAgent::Teams,
    },
    EntraApp {
        id: "27922004-5251-4030-b22d-91ecd9a37ea4",
        name: "Outlook Mobile",
        client: ClientKind::Native,
        resources: &[(res::EXCHANGE, 5), (res::GRAPH, 2)],
        laptop_weight: 0,
        phone_weight: 40,
        technical: false,
        native_agent: NativeAgent::Outlook,
    },
    EntraApp {
        id: "ab9b8c07-8f02-4f72-87fa-80105867a763",
        name: "OneDrive SyncEngine",
        client: ClientKind::Native,
        resources: &[(res::SHAREPOINT, 1)],
        laptop_weight: 12,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::OneDrive,
    },
    EntraApp {
        id: "af124e86-4e96-495a-b70a-90f90ab96707",
        name: "OneDrive iOS App",
        client: ClientKind::Native,
        resources: &[(res::SHAREPOINT, 3), (res::GRAPH, 1)],
        laptop_weight: 0,
        phone_weight: 6,
        technical: false,
        native_agent: NativeAgent::OneDrive,
    },
    EntraApp {
        id: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        name: "Azure Portal",
        client: ClientKind::Browser,
        resources: &[(res::AZURE_MGMT, 3), (res::GRAPH, 1)],
        laptop_weight: 10,
        phone_weight: 0,
        technical: true,
        native_agent: NativeAgent::Browser,
    },
    EntraApp {
        id: "4765445b-32c6-49b0-83e6-1d93765276ca",
        name: "OfficeHome",
        client: ClientKind::Browser,
        resources: &[(res::OFFICE_PORTAL, 2), (res::GRAPH, 1)],
        laptop_weight: 4,
        phone_weight: 1,
        technical: false,
        native_agent: NativeAgent::Browser,
    },
    EntraApp {
        id: "29d9ed98-a469-4536-ade2-f981bc1d605e",
        name: "Microsoft Authentication Broker",
        client: ClientKind::Native,
        resources: &[(res::GRAPH, 2), (res::INTUNE, 1), (res::AAD, 1)],
        laptop_weight: 5,
        phone_weight: 6,
        technical: false,
        native_agent: NativeAgent::Empty,
    },
    EntraApp {
        id: "38aa3b87-a06d-4817-b275-7a316988d93b",
        name: "Windows Sign In",
        client: ClientKind::Native,
        resources: &[(res::AAD, 1)],
        laptop_weight: 3,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Empty,
    },
    EntraApp {
        id: "ecd6b820-32c2-49b6-98a6-444530e5a77a",
        name: "Microsoft Edge",
        client: ClientKind::Native,
        resources: &[(res::GRAPH, 1)],
        laptop_weight: 4,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Browser,
    },
    EntraApp {
        id: "08e18876-6177-487e-b8b5-cf950c1e598c",
        name: "SharePoint Online Web Client Extensibility",
        client: ClientKind::Browser,
        resources: &[(res::GRAPH, 2), (res::SHAREPOINT, 1)],
        laptop_weight: 6,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Browser,
    },
    EntraApp {
        id: "9199bf20-a13f-4107-85dc-02114787ef48",
        name: "One Outlook Web",
        client: ClientKind::Browser,
        resources: &[(res::EXCHANGE, 3), (res::GRAPH, 1)],
        laptop_weight: 5,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Browser,
    },
    EntraApp {
        id: "872cd9fa-d31f-45e0-9eab-6e460a02d1f1",
        name: "Visual Studio - Legacy",
        client: ClientKind::Native,
        resources: &[(res::DEVOPS, 3), (res::AZURE_MGMT, 1)],
        laptop_weight: 8,
        phone_weight: 0,
        technical: true,
        native_agent: NativeAgent::Empty,
    },
    EntraApp {
        id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        name: "Microsoft Azure CLI",
        client: ClientKind::Native,
        resources: &[(res::AZURE_MGMT, 4), (res::GRAPH, 1), (res::KEY_VAULT, 1)],
        laptop_weight: 6,
        phone_weight: 0,
        technical: true,
        native_agent: NativeAgent::AzureCli,
    },
    EntraApp {
        id: "1950a258-227b-4e31-a9cf-717495945fc2",
        name: "Microsoft Azure PowerShell",
        client: ClientKind::Native,
        resources: &[(res::AZURE_MGMT, 4), (res::GRAPH, 1), (res::KEY_VAULT, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: true,
        native_agent: NativeAgent::Browser,
    },
    // Third-party SaaS integrations that redeem a user's delegated refresh token from the vendor's
    // cloud. The app ids are FICTIONAL (stable per vendor, not the vendors' real registrations).
    EntraApp {
        id: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
        name: "Zoom for Outlook",
        client: ClientKind::Native,
        resources: &[(res::EXCHANGE, 3), (res::GRAPH, 2)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed("okhttp/4.12.0"),
    },
    EntraApp {
        id: "a2b6f2a4-1f0c-4f35-9f4e-3c6f1c3d8b21",
        name: "Salesforce Inbox Sync",
        client: ClientKind::Native,
        resources: &[(res::EXCHANGE, 4), (res::GRAPH, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed("Apache-HttpClient/4.5.14 (Java/17.0.12)"),
    },
    EntraApp {
        id: "7c1e0d2b-94a3-4b8e-a6d1-0f2e8c5b9a13",
        name: "Slack Calendar for Outlook",
        client: ClientKind::Native,
        resources: &[(res::GRAPH, 3), (res::EXCHANGE, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed("Go-http-client/2.0"),
    },
    EntraApp {
        id: "c8d4a1e7-36b2-4f0a-8e5c-91d7b2f4a6e0",
        name: "DocuSign for Microsoft 365",
        client: ClientKind::Native,
        resources: &[(res::GRAPH, 2), (res::SHAREPOINT, 2), (res::EXCHANGE, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed(""),
    },
    EntraApp {
        id: "3f9b7e21-d4c6-4a8f-b1e3-6a2d0c9e5f47",
        name: "HubSpot Email Integration",
        client: ClientKind::Native,
        resources: &[(res::EXCHANGE, 4), (res::GRAPH, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed("node-fetch/1.0"),
    },
    EntraApp {
        id: "9a6e4c0d-7b3f-4e21-8c5a-d2f1b0e6a937",
        name: "Asana for Outlook",
        client: ClientKind::Native,
        resources: &[(res::GRAPH, 3), (res::EXCHANGE, 1)],
        laptop_weight: 0,
        phone_weight: 0,
        technical: false,
        native_agent: NativeAgent::Fixed("python-requests/2.32.3"),
    },
];

/// Third-party SaaS integrations (indexes into [`ENTRA_APPS`]) and the clouds they run in (ASNs).
pub const SAAS_VENDORS: &[(u16, &[u32])] = &[
    (15, &[16509, 8075]),
    (16, &[16509, 14618]),
    (17, &[16509]),
    (18, &[8075, 396982]),
    (19, &[16509, 396982]),
    (20, &[16509, 14618, 8075]),
];

/// Index constants into [`ENTRA_APPS`].
pub mod app {
    /// Microsoft Office.
    pub const OFFICE: u16 = 0;
    /// Teams.
    pub const TEAMS: u16 = 1;
    /// Outlook Mobile.
    pub const OUTLOOK_MOBILE: u16 = 2;
    /// Azure Portal.
    pub const AZURE_PORTAL: u16 = 5;
    /// OfficeHome (office.com).
    pub const OFFICE_HOME: u16 = 6;
    /// Authentication broker.
    pub const BROKER: u16 = 7;
    /// Windows Sign In.
    pub const WINDOWS_SIGN_IN: u16 = 8;
    /// Outlook on the web.
    pub const OUTLOOK_WEB: u16 = 11;
    /// Azure CLI.
    pub const AZURE_CLI: u16 = 13;
    /// Azure PowerShell.
    pub const AZURE_POWERSHELL: u16 = 14;
}

/// An Okta application integration.
#[derive(Debug)]
pub struct OktaApp {
    /// Display name (`target[].displayName`).
    pub name: &'static str,
    /// App label (`target[].alternateId`).
    pub label: &'static str,
    /// `detailEntry.signOnModeType`.
    pub sign_on_mode: &'static str,
    /// Relative popularity.
    pub weight: u32,
    /// OIDC client that grants OAuth tokens (token-grant events).
    pub oauth: bool,
}

/// Okta apps, referred to by index.
pub const OKTA_APPS: &[OktaApp] = &[
    OktaApp {
        name: "Slack",
        label: "Slack",
        sign_on_mode: "SAML_2_0",
        weight: 30,
        oauth: false,
    },
    OktaApp {
        name: "Salesforce.com",
        label: "Salesforce",
        sign_on_mode: "SAML_2_0",
        weight: 12,
        oauth: false,
    },
    OktaApp {
        name: "Zoom",
        label: "Zoom",
        sign_on_mode: "SAML_2_0",
        weight: 20,
        oauth: false,
    },
    OktaApp {
        name: "Workday",
        label: "Workday",
        sign_on_mode: "SAML_2_0",
        weight: 6,
        oauth: false,
    },
    OktaApp {
        name: "AWS IAM Identity Center",
        label: "AWS Production",
        sign_on_mode: "SAML_2_0",
        weight: 6,
        oauth: false,
    },
    OktaApp {
        name: "GitHub Enterprise Cloud - Organization",
        label: "GitHub",
        sign_on_mode: "SAML_2_0",
        weight: 8,
        oauth: false,
    },
    OktaApp {
        name: "Atlassian Cloud",
        label: "Jira and Confluence",
        sign_on_mode: "SAML_2_0",
        weight: 18,
        oauth: false,
    },
    OktaApp {
        name: "Google Workspace",
        label: "Google Workspace",
        sign_on_mode: "SAML_2_0",
        weight: 10,
        oauth: false,
    },
    OktaApp {
        name: "Box",
        label: "Box",
        sign_on_mode: "SAML_2_0",
        weight: 6,
        oauth: false,
    },
    OktaApp {
        name: "DocuSign",
        label: "DocuSign",
        sign_on_mode: "SAML_2_0",
        weight: 3,
        oauth: false,
    },
    OktaApp {
        name: "ServiceNow UD",
        label: "ServiceNow",
        sign_on_mode: "SAML_2_0",
        weight: 8,
        oauth: false,
    },
    OktaApp {
        name: "Okta Dashboard",
        label: "Okta Dashboard",
        sign_on_mode: "OPENID_CONNECT",
        weight: 10,
        oauth: true,
    },
    OktaApp {
        name: "Expenses Portal",
        label: "Expenses Portal",
        sign_on_mode: "OPENID_CONNECT",
        weight: 3,
        oauth: true,
    },
    OktaApp {
        name: "Tableau Cloud",
        label: "Tableau",
        sign_on_mode: "OPENID_CONNECT",
        weight: 3,
        oauth: true,
    },
];

/// The Okta dashboard app (sessions start there).
pub const OKTA_DASHBOARD: u16 = 11;

/// Operating system of a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// Windows 10/11.
    Windows,
    /// macOS.
    MacOs,
    /// iOS.
    Ios,
    /// Android.
    Android,
    /// Linux desktop.
    Linux,
}

impl Os {
    /// Entra `deviceDetail.operatingSystem`.
    pub fn entra_name(self) -> &'static str {
        match self {
            Os::Windows => "Windows10",
            Os::MacOs => "MacOs",
            Os::Ios => "Ios",
            Os::Android => "Android",
            Os::Linux => "Linux",
        }
    }

    /// Okta `client.userAgent.os`.
    pub fn okta_name(self) -> &'static str {
        match self {
            Os::Windows => "Windows 10",
            Os::MacOs => "Mac OS X",
            Os::Ios => "iOS",
            Os::Android => "Android",
            Os::Linux => "Linux",
        }
    }

    /// Whether it is a phone OS.
    pub fn is_mobile(self) -> bool {
        matches!(self, Os::Ios | Os::Android)
    }
}

/// Browser family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    /// Microsoft Edge.
    Edge,
    /// Google Chrome.
    Chrome,
    /// Safari.
    Safari,
    /// Firefox.
    Firefox,
}

impl Browser {
    /// Okta `client.userAgent.browser`.
    pub fn okta_name(self) -> &'static str {
        match self {
            Browser::Edge => "EDGE",
            Browser::Chrome => "CHROME",
            Browser::Safari => "SAFARI",
            Browser::Firefox => "FIREFOX",
        }
    }

    /// Entra `deviceDetail.browser` prefix.
    pub fn entra_name(self) -> &'static str {
        match self {
            Browser::Edge => "Edge",
            Browser::Chrome => "Chrome",
            Browser::Safari => "Safari",
            Browser::Firefox => "Firefox",
        }
    }
}

/// Browser user agent for an OS, browser and major version (`minor` varies build numbers).
pub fn browser_agent(os: Os, browser: Browser, major: u32, minor: u32) -> String {
    match (os, browser) {
        (Os::Windows, Browser::Edge) => format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36 Edg/{major}.0.{}.{}",
            3100 + minor * 7,
            40 + minor
        ),
        (Os::Windows, Browser::Firefox) => format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"
        ),
        (Os::Windows, _) => format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
        ),
        (Os::MacOs, Browser::Safari) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.{minor} Safari/605.1.15"
        ),
        (Os::MacOs, Browser::Firefox) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"
        ),
        (Os::MacOs, Browser::Edge) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36 Edg/{major}.0.{}.{}",
            3100 + minor * 7,
            40 + minor
        ),
        (Os::MacOs, _) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
        ),
        (Os::Ios, _) => format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 26_{minor} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.{minor} Mobile/15E148 Safari/604.1"
        ),
        (Os::Android, _) => format!(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36"
        ),
        (Os::Linux, Browser::Firefox) => format!(
            "Mozilla/5.0 (X11; Linux x86_64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"
        ),
        (Os::Linux, _) => format!(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
        ),
    }
}

/// User agent a native Microsoft client sends on an OS (`None`: the broker sends none).
pub fn native_agent(agent: NativeAgent, os: Os, browser_ua: &str) -> Option<String> {
    Some(match (agent, os) {
        (NativeAgent::Browser, _) => browser_ua.to_string(),
        (NativeAgent::Empty, _) => return None,
        (NativeAgent::Outlook, Os::Windows) => {
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18227; Pro)".to_string()
        }
        (NativeAgent::Outlook, Os::MacOs) => {
            "Microsoft Outlook/16.101.25091414 (Intel Mac OS X 15.6)".to_string()
        }
        (NativeAgent::Outlook, Os::Ios) => "Outlook-iOS/2.0".to_string(),
        (NativeAgent::Outlook, _) => "Outlook-Android/2.0".to_string(),
        (NativeAgent::Teams, Os::Ios) => "Teams/7.21.1 (iPhone; iOS 26.0; Scale/3.00)".to_string(),
        (NativeAgent::Teams, Os::Android) => "Teams/1416/7.21.1 (Android 15)".to_string(),
        (NativeAgent::Teams, _) => format!("{browser_ua} Teams/25198.1109.3837.4725/49"),
        (NativeAgent::OneDrive, Os::Windows) => {
            "Microsoft SkyDriveSync 25.149.0803.0002 ship; Windows NT 10.0 (26100)".to_string()
        }
        (NativeAgent::OneDrive, Os::MacOs) => {
            "Microsoft SkyDriveSync 25.149.0803.0001 ship; Mac OS X 15.6".to_string()
        }
        (NativeAgent::OneDrive, _) => "OneDrive/25.160 (iPhone; iOS 26.0)".to_string(),
        (NativeAgent::AzureCli, _) => {
            "python/3.12.10 (Windows-10-10.0.26100-SP0) msal/1.31.2 azure-cli/2.77.0".to_string()
        }
        (NativeAgent::Fixed(""), _) => return None,
        (NativeAgent::Fixed(s), _) => s.to_string(),
    })
}

/// User agents of scripts and command-line tools (Cloud Shell, automation, attacker tooling).
pub const SCRIPT_AGENTS: &[&str] = &[
    "python/3.12.10 (Linux-6.8.0-1030-azure-x86_64-with-glibc2.39) AZURECLI/2.77.0 (DEB) azsdk-python-core/1.35.0 cloud-shell/1.0",
    "python/3.12.10 (Linux-6.8.0-1030-azure-x86_64-with-glibc2.39) msal/1.31.2 azure-cli/2.77.0",
    "Mozilla/5.0 (Linux; Ubuntu 24.04.2 LTS; en-US) PowerShell/7.5.2",
    "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.26100; en-US) PowerShell/7.5.2",
    "python-requests/2.32.3",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "Go-http-client/1.1",
    "azsdk-python-identity/1.19.0 Python/3.11.9 (Linux-6.8.0-1030-aws-x86_64-with-glibc2.39)",
];

/// Fictional company domains the tenant is given (one per seed).
pub const TENANT_DOMAINS: &[&str] = &[
    "fabrikam.com",
    "contoso.com",
    "northwindtraders.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "adatum.com",
    "woodgrovebank.com",
    "litwareinc.com",
];

/// Given names.
pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Ava",
    "Jack",
    "Mia",
    "Lukas",
    "Hannah",
    "Leon",
    "Lena",
    "Felix",
    "Anna",
    "Jonas",
    "Marie",
    "Hugo",
    "Chloe",
    "Louis",
    "Camille",
    "Lucas",
    "Manon",
    "Daan",
    "Sanne",
    "Sem",
    "Julia",
    "Pablo",
    "Lucia",
    "Javier",
    "Carmen",
    "Arjun",
    "Priya",
    "Rahul",
    "Ananya",
    "Vikram",
    "Sneha",
    "Liam",
    "Emma",
    "Noah",
    "Olivia",
    "Erik",
    "Elsa",
    "Lars",
    "Ingrid",
    "Mateus",
    "Beatriz",
    "Kenji",
    "Yui",
    "Chen",
    "Mei",
    "Omar",
    "Fatima",
    "Wei",
    "Aisha",
    "Diego",
    "Sofia",
    "Aleksander",
    "Zofia",
];

/// Family names.
pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "de Jong",
    "Jansen",
    "de Vries",
    "van Dijk",
    "Bakker",
    "Fernandez",
    "Gomez",
    "Diaz",
    "Patel",
    "Sharma",
    "Singh",
    "Kumar",
    "Gupta",
    "Reddy",
    "Johansson",
    "Andersson",
    "Karlsson",
    "Nilsson",
    "Silva",
    "Santos",
    "Oliveira",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Wang",
    "Li",
    "Zhang",
    "Khan",
    "Ali",
    "Murphy",
    "O'Brien",
    "Kowalski",
    "Novak",
    "Rossi",
    "Bianchi",
];
