//! Sign-in events as the scope reads them: the lake's columns a responder looks at,
//! plus the network the hunts and baselines reason about (`prefix`, `category`,
//! `network`), computed with the same expressions as the `network_events` view.

use std::collections::BTreeSet;

use serde::Deserialize;

/// One sign-in or session event.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// Microseconds since the epoch (UTC).
    pub t: i64,
    pub source: String,
    pub log_type: String,
    pub event_type: String,
    pub event_id: String,
    pub user: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub root_session_id: Option<String>,
    pub token_id: Option<String>,
    pub correlation_id: Option<String>,
    pub ip: Option<String>,
    pub asn: Option<i64>,
    pub as_org: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub user_agent: Option<String>,
    pub device_id: Option<String>,
    pub device_os: Option<String>,
    pub browser: Option<String>,
    pub app: Option<String>,
    pub app_id: Option<String>,
    pub resource: Option<String>,
    pub incoming_token_type: Option<String>,
    pub result: Option<String>,
    pub prefix: Option<String>,
    pub category: Option<String>,
    pub client: Option<String>,
}

/// Categories whose ASN holds many unrelated customers: the prefix is the network.
const PREFIX_CATEGORIES: [&str; 4] = ["hosting", "vpn", "tor", "unknown"];

impl Event {
    /// The network as the hunts and baselines name it: the /24 or /64 for hosting, VPN,
    /// Tor and unknown addresses, `AS<n>` otherwise.
    pub fn network(&self) -> Option<String> {
        self.ip.as_ref()?;
        let category = self.category.as_deref().unwrap_or("unknown");
        if PREFIX_CATEGORIES.contains(&category) {
            self.prefix.clone()
        } else {
            Some(format!(
                "AS{}",
                self.asn.map(|a| a.to_string()).unwrap_or_default()
            ))
        }
    }

    /// Whether the event is a failed attempt.
    pub fn failed(&self) -> bool {
        self.result.as_deref().is_some_and(|r| r != "success")
    }

    /// The device as a responder reads it: id, else OS and browser.
    pub fn device(&self) -> Option<String> {
        let described: Vec<&str> = [self.device_os.as_deref(), self.browser.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        match (&self.device_id, described.is_empty()) {
            (Some(id), true) => Some(id.clone()),
            (Some(id), false) => Some(format!("{id} ({})", described.join(", "))),
            (None, false) => Some(described.join(", ")),
            (None, true) => None,
        }
    }
}

/// The columns of [`Event`] that the table does not have, computed over `signins`
/// aliased as `alias` with the `network_events` view's expressions.
pub fn computed_columns(alias: &str) -> String {
    format!(
        "CAST({alias}.time AS BIGINT) AS t, ip_network({alias}.ip) AS prefix, \
         CASE WHEN {alias}.ip IS NULL THEN NULL \
              WHEN {alias}.asn IS NULL THEN coalesce(ip_category({alias}.ip), 'unknown') \
              ELSE coalesce(ip_category({alias}.ip), asn_category({alias}.asn), 'isp') END AS category, \
         ua_family({alias}.user_agent) AS client"
    )
}

/// Distinct non-empty values of one text field over events.
pub fn distinct<'e>(
    events: impl IntoIterator<Item = &'e Event>,
    field: impl Fn(&Event) -> Option<String>,
) -> Vec<String> {
    events
        .into_iter()
        .filter_map(field)
        .filter(|v| !v.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
