//! `${user_events}`: the sign-ins a hunt may take for a second party, one definition
//! for every hunt that looks for one.
//!
//! It is `network_events` without the allowlisted networks and without the user's own
//! automation — a scripted client the user has run from one ASN on two days or more,
//! starting a day before (Azure CLI in Cloud Shell, jobs on a cloud VM); the same tool
//! from another provider is not theirs, or a thief using python-requests would hide
//! behind a developer's cron job — plus `admin_tool`: Azure CLI,
//! Azure PowerShell and Visual Studio, which run a user's own work from clouds, where a
//! thief uses a session for mail, files and chat.
//!
//! ```sql
//! SELECT user, network, admin_tool FROM ${user_events} e WHERE e.source = 'entra'
//! ```

const TEMPLATE: &str = "(SELECT n.*,
        coalesce(n.app_id IN ('04b07795-8ddb-461a-bbee-02f9e1bf7b46', '1950a258-227b-4e31-a9cf-717495945fc2',
                              '872cd9fa-d31f-45e0-9eab-6e460a02d1f1', 'aebc6443-996d-45c2-90f0-388ff96faa56')
                 OR n.app IN ('Microsoft Azure CLI', 'Microsoft Azure PowerShell', 'Visual Studio',
                              'Visual Studio - Legacy', 'Visual Studio Code'), false) AS admin_tool
    FROM network_events n
    LEFT JOIN (SELECT source, user, ua_family(user_agent) AS client, asn, dcount(date_trunc('day', time)) AS days,
                      min(time) AS first_seen
               FROM signins
               WHERE user IS NOT NULL AND coalesce(ua_is_scripted(user_agent), false) AND time < {until}
               GROUP BY source, user, ua_family(user_agent), asn) own
      ON own.source = n.source AND own.user = n.user AND own.client = ua_family(n.user_agent)
     AND own.asn IS NOT DISTINCT FROM n.asn
    WHERE NOT {allowlisted}
      AND NOT (coalesce(ua_is_scripted(n.user_agent), false) AND coalesce(own.days, 0) >= 2
               AND own.first_seen < n.time - INTERVAL '1 day'))";

/// The subquery, given the allowlist predicate and the run's upper time bound (SQL).
pub fn user_events_sql(allowlisted: &str, until: &str) -> String {
    TEMPLATE
        .replace("{until}", until)
        .replace("{allowlisted}", allowlisted)
}

/// `${known_clients}`: per source and user, the clients (device id and user agent
/// together, `device|agent`) and the device ids the user shows on the hunt's
/// `regular_days` days or more — their own machines' browsers and native clients,
/// whatever network they are on today — plus every client seen on one of the user's own
/// fixed networks (home or office: used on `regular_days` days, not hosting, VPN, a
/// carrier or a relay): a sync client the user runs now and then is still their laptop's
/// when it turns up behind their personal VPN, and a thief's client never ran at the
/// victim's home. Native mobile agents are alike on every phone, so an agent counts with
/// its device. The hunts that ask whether a session shows "another machine" use it, one
/// definition for all.
///
/// ```sql
/// WITH known_clients AS ${known_clients}
/// SELECT user, clients, devices FROM known_clients WHERE source = 'entra'
/// ```
const KNOWN_CLIENTS: &str = "(SELECT source, user,
           make_set(CASE WHEN client_days >= {days} OR at_home THEN client END) AS clients,
           make_set(CASE WHEN client_days >= {days} THEN device_id END) AS devices
    FROM (SELECT n.source, n.user, n.device_id, concat(coalesce(n.device_id, ''), '|', n.user_agent) AS client,
                 dcount(date_trunc('day', n.time)) AS client_days,
                 bool_or(b.days >= {days} AND n.category NOT IN ('hosting', 'vpn', 'tor', 'mobile', 'privacy_relay',
                                                                 'cdn', 'microsoft')) AS at_home
          FROM network_events n
          JOIN baseline_user_networks b ON b.source = n.source AND b.user = n.user AND b.network = n.network
          WHERE n.user_agent IS NOT NULL AND n.user IS NOT NULL AND n.time < {until}
          GROUP BY n.source, n.user, n.device_id, concat(coalesce(n.device_id, ''), '|', n.user_agent))
    GROUP BY source, user)";

/// The `${known_clients}` subquery, given the days that make a client the user's and the
/// run's upper time bound (SQL).
pub fn known_clients_sql(regular_days: &str, until: &str) -> String {
    KNOWN_CLIENTS
        .replace("{days}", regular_days)
        .replace("{until}", until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_allowlist_are_filled_in() {
        let sql = user_events_sql("false", "TIMESTAMP '2026-01-01T00:00:00Z'");
        assert!(sql.contains("time < TIMESTAMP '2026-01-01T00:00:00Z'"));
        assert!(sql.contains("WHERE NOT false"));
        assert!(!sql.contains('{'));
    }

    #[test]
    fn known_clients_take_the_hunts_days_and_bound() {
        let sql = known_clients_sql("3", "TIMESTAMP '2026-01-01T00:00:00Z'");
        assert!(sql.contains("client_days >= 3 OR at_home THEN client"));
        assert!(sql.contains("b.days >= 3 AND"));
        assert!(sql.contains("client_days >= 3 THEN device_id"));
        assert!(sql.contains("time < TIMESTAMP '2026-01-01T00:00:00Z'"));
        assert!(!sql.contains('{'));
    }
}
