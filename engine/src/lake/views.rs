//! Views with the Microsoft Sentinel table and column names, so a KQL hunt ports to
//! SQL with few edits: `SigninLogs | where ResultType == "0"` becomes
//! `SELECT * FROM SigninLogs WHERE ResultType = '0'`.
//!
//! Dynamic columns become structs with the same member names
//! (`LocationDetails['countryOrRegion']`, `DeviceDetail['deviceId']`).

/// One view: its name and defining query.
pub struct View {
    pub name: &'static str,
    pub query: &'static str,
}

/// Columns shared by the user sign-in tables.
macro_rules! user_signin_view {
    ($event_type:literal) => {
        concat!(
            "SELECT time AS TimeGenerated, time AS CreatedDateTime, event_id AS Id, ",
            "user AS UserPrincipalName, user_id AS UserId, session_id AS SessionId, ",
            "token_id AS UniqueTokenIdentifier, correlation_id AS CorrelationId, tenant_id AS AADTenantId, ",
            "ip AS IPAddress, asn AS AutonomousSystemNumber, country AS Location, ",
            "named_struct('city', city, 'state', region, 'countryOrRegion', country, ",
            "'geoCoordinates', named_struct('latitude', lat, 'longitude', lon)) AS LocationDetails, ",
            "user_agent AS UserAgent, ",
            "named_struct('deviceId', device_id, 'operatingSystem', device_os, 'browser', browser, ",
            "'trustType', device_trust) AS DeviceDetail, ",
            "app AS AppDisplayName, app_id AS AppId, resource AS ResourceDisplayName, ",
            "client_app AS ClientAppUsed, incoming_token_type AS IncomingTokenType, ",
            "token_issuer_type AS TokenIssuerType, auth_requirement AS AuthenticationRequirement, ",
            "auth_protocol AS AuthenticationProtocol, ",
            "result_code AS ResultType, result AS ResultDescription, risk AS RiskLevelDuringSignIn, ",
            "event_type AS Type, raw AS Raw ",
            "FROM signins WHERE source = 'entra' AND event_type = '",
            $event_type,
            "'"
        )
    };
}

/// Columns of the service-principal and managed-identity tables.
macro_rules! principal_signin_view {
    ($event_type:literal) => {
        concat!(
            "SELECT time AS TimeGenerated, time AS CreatedDateTime, event_id AS Id, ",
            "app AS ServicePrincipalName, user_id AS ServicePrincipalId, app_id AS AppId, ",
            "correlation_id AS CorrelationId, tenant_id AS AADTenantId, ip AS IPAddress, ",
            "asn AS AutonomousSystemNumber, country AS Location, ",
            "named_struct('city', city, 'state', region, 'countryOrRegion', country, ",
            "'geoCoordinates', named_struct('latitude', lat, 'longitude', lon)) AS LocationDetails, ",
            "resource AS ResourceDisplayName, result_code AS ResultType, result AS ResultDescription, ",
            "session_id AS SessionId, token_id AS UniqueTokenIdentifier, event_type AS Type, raw AS Raw ",
            "FROM signins WHERE source = 'entra' AND event_type = '",
            $event_type,
            "'"
        )
    };
}

pub const VIEWS: &[View] = &[
    View {
        // Every sign-in with the network it came from, as the hunts and baselines see it:
        // `prefix` is the IPv4 /24 or IPv6 /64; `category` comes from the curated egress
        // ranges and ASN lists (or an IP database) — `isp` for an ASN no list knows;
        // `network` is the ASN, except for hosting, VPN, Tor, Microsoft (Azure) and unknown networks, where
        // one ASN holds many unrelated customers and the prefix is used instead.
        // An anonymised export keeps each record's own ASN and location while its
        // addresses are private: with an ASN a private address is that ASN's network
        // (category from the ASN), so such exports are hunted, not skipped.
        name: "network_events",
        query: concat!(
            "SELECT *, CASE WHEN category IN ('hosting', 'vpn', 'tor', 'unknown', 'microsoft') THEN prefix ",
            "ELSE concat('AS', CAST(asn AS VARCHAR)) END AS network, ",
            "coalesce(ua_os(user_agent), 'unknown') AS client_os, ",
            "coalesce(ua_family(user_agent), 'unknown') AS client ",
            "FROM (SELECT *, ip_network(ip) AS prefix, ",
            "CASE WHEN asn IS NULL THEN coalesce(ip_category(ip), 'unknown') ",
            "ELSE coalesce(nullif(ip_category(ip), 'private'), asn_category(asn), 'isp') END AS category ",
            "FROM signins WHERE ip IS NOT NULL)"
        ),
    },
    View {
        name: "SigninLogs",
        query: user_signin_view!("SigninLogs"),
    },
    View {
        name: "AADNonInteractiveUserSignInLogs",
        query: user_signin_view!("AADNonInteractiveUserSignInLogs"),
    },
    View {
        name: "AADServicePrincipalSignInLogs",
        query: principal_signin_view!("AADServicePrincipalSignInLogs"),
    },
    View {
        name: "AADManagedIdentitySignInLogs",
        query: principal_signin_view!("AADManagedIdentitySignInLogs"),
    },
    View {
        name: "AuditLogs",
        query: concat!(
            "SELECT time AS TimeGenerated, time AS ActivityDateTime, event_id AS Id, ",
            "operation AS OperationName, operation AS ActivityDisplayName, category AS Category, ",
            "result AS Result, named_struct('user', named_struct('userPrincipalName', actor, ",
            "'ipAddress', actor_ip)) AS InitiatedBy, target AS TargetName, target_id AS TargetId, ",
            "details AS TargetResources, raw AS Raw FROM audit WHERE source = 'entra'"
        ),
    },
    View {
        // The Sentinel Okta connector's table and column spellings.
        name: "Okta_CL",
        query: concat!(
            "SELECT time AS TimeGenerated, time AS published_t, event_id AS uuid_g, ",
            "event_type AS eventType_s, user AS actor_alternateId_s, user_id AS actor_id_s, ",
            "session_id AS authenticationContext_externalSessionId_s, ",
            "root_session_id AS authenticationContext_rootSessionId_s, ",
            "ip AS client_ipAddress_s, user_agent AS client_userAgent_rawUserAgent_s, ",
            "device_os AS client_userAgent_os_s, browser AS client_userAgent_browser_s, ",
            "country AS client_geographicalContext_country_s, region AS client_geographicalContext_state_s, ",
            "city AS client_geographicalContext_city_s, lat AS client_geographicalContext_geolocation_lat_d, ",
            "lon AS client_geographicalContext_geolocation_lon_d, asn AS securityContext_asNumber_d, ",
            "as_org AS securityContext_asOrg_s, isp AS securityContext_isp_s, ",
            "is_proxy AS securityContext_isProxy_b, device_id AS debugContext_debugData_dtHash_s, ",
            "result AS outcome_result_s, result_code AS outcome_reason_s, risk AS debugContext_debugData_risk_s, ",
            "app AS target_displayName_s, correlation_id AS transaction_id_s, raw AS Raw ",
            "FROM signins WHERE source = 'okta'"
        ),
    },
];
