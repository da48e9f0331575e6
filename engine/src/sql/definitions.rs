//! `${user_events}`: the sign-ins a hunt may take for a second party, one definition
//! for every hunt that looks for one.
//!
//! It is `network_events` without the allowlisted networks and without the user's own
//! automation — a scripted client the user has run from one ASN on two days or more,
//! starting a day before (Azure CLI in Cloud Shell, jobs on a cloud VM); the same tool
//! from another provider is not theirs, or a thief using python-requests would hide
//! behind a developer's cron job — plus `admin_tool` ([`ADMIN_TOOL`]): Azure CLI,
//! Azure PowerShell, Graph PowerShell and Visual Studio, which run a user's own work
//! from clouds, where a thief uses a session for mail, files and chat.
//!
//! ```sql
//! SELECT user, network, admin_tool FROM ${user_events} e WHERE e.source = 'entra'
//! ```
//!
//! The small baseline is the join's left side, so the hash table is built on it and
//! the months of events stream past it (as the left side of a `LEFT JOIN` the events
//! themselves were held in memory); the user's own automation is matched in the `ON`
//! clause and dropped by `own_user IS NULL`, an anti-join. The baseline's columns are
//! renamed so that no name is on both sides: DataFusion 55 pushed `own.user IS NULL`
//! into the events' scan as `user IS NULL` and returned nothing. `IS NOT DISTINCT FROM`
//! comes last, in parentheses: it binds looser than AND. The allowlist applies to the
//! events alone, where `ip` and `asn` name their columns only.

const TEMPLATE: &str = "(SELECT n.*, {admin_tool} AS admin_tool
    FROM (SELECT source AS own_source, user AS own_user, client AS own_client, asn AS own_asn,
                 first_seen AS own_first_seen
          FROM baseline_user_automation WHERE days >= 2) own
    RIGHT JOIN (SELECT * FROM network_events WHERE NOT {allowlisted}) n
      ON own.own_source = n.source AND own.own_user = n.user AND own.own_client = ua_family(n.user_agent)
     AND coalesce(ua_is_scripted(n.user_agent), false) AND own.own_first_seen < n.time - INTERVAL '1 day'
     AND (own.own_asn IS NOT DISTINCT FROM n.asn)
    WHERE own.own_user IS NULL)";

/// `${admin_tool}`: whether a sign-in's application (`app_id` and `app` in scope) is
/// one of the tools people run their own work from clouds with — Azure CLI, Azure
/// PowerShell, Microsoft Graph PowerShell (Graph Command Line Tools), Visual Studio and
/// Visual Studio Code — where a thief uses a session for mail, files and chat.
///
/// ```sql
/// SELECT user, app FROM network_events WHERE ${admin_tool}
/// ```
pub const ADMIN_TOOL: &str = "coalesce(app_id IN ('04b07795-8ddb-461a-bbee-02f9e1bf7b46', '1950a258-227b-4e31-a9cf-717495945fc2',
                              '872cd9fa-d31f-45e0-9eab-6e460a02d1f1', 'aebc6443-996d-45c2-90f0-388ff96faa56',
                              '14d82eec-204b-4c2f-b7e8-296a70dab67e')
                 OR app IN ('Microsoft Azure CLI', 'Microsoft Azure PowerShell', 'Visual Studio',
                            'Visual Studio - Legacy', 'Visual Studio Code', 'Microsoft Graph Command Line Tools',
                            'Microsoft Graph PowerShell'), false)";

/// `${microsoft_client}`: whether a sign-in's application (`app_id` and `app` in scope)
/// is one of Microsoft's own user-facing clients — Office, Teams, Outlook (mobile and
/// web), OneDrive, OfficeHome, SharePoint, Edge, Windows Sign In, the Authentication
/// Broker, Authenticator and Company Portal. A SaaS integration acting for a user
/// redeems tokens as its own registered application and cannot present one of these;
/// a thief replaying a stolen Microsoft token (a cookie's session, a family refresh
/// token, a PRT) does, whatever tool drives it. The admin tools ([`ADMIN_TOOL`]) are
/// not in it.
///
/// ```sql
/// SELECT user, app, user_agent FROM network_events WHERE ${microsoft_client} AND ua_is_scripted(user_agent)
/// ```
pub const MICROSOFT_CLIENT: &str = "coalesce(app_id IN ('d3590ed6-52b3-4102-aeff-aad2292ab01c', '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
                              '27922004-5251-4030-b22d-91ecd9a37ea4', '4813382a-8fa7-425e-ab75-3b753aab3abb',
                              '29d9ed98-a469-4536-ade2-f981bc1d605e', '9ba1a5c7-f17a-4de9-a1f1-6178c8d51223',
                              'ab9b8c07-8f02-4f72-87fa-80105867a763', '4765445b-32c6-49b0-83e6-1d93765276ca',
                              '9199bf20-a13f-4107-85dc-02114787ef48', '08e18876-6177-487e-b8b5-cf950c1e598c',
                              'ecd6b820-32c2-49b6-98a6-444530e5a77a', '38aa3b87-a06d-4817-b275-7a316988d93b')
                 OR app IN ('Microsoft Office', 'Microsoft Teams', 'Outlook Mobile', 'Microsoft Authenticator App',
                            'Microsoft Authentication Broker', 'Microsoft Intune Company Portal', 'OneDrive SyncEngine',
                            'OfficeHome', 'One Outlook Web', 'SharePoint Online Web Client Extensibility',
                            'Microsoft Edge', 'Windows Sign In'), false)";

/// `${user_events_profiled}`: `${user_events}` with what the baselines say of each
/// sign-in's network and address: `network_days`, `network_sessions`,
/// `network_spread_km` (the user's history on that network), `shared_by` (users behind
/// the address's prefix) and `roaming_share`, `roaming_users` (null when the network is
/// not in `baseline_network_roaming`). Inner joins: a sign-in whose network or prefix no
/// baseline knows is left out. The baselines are each join's left side, its hash table,
/// with the events streaming past; each join is a derived table of its own because
/// DataFusion reorders nested joins, and the roaming table's columns are renamed so
/// that no name is on both sides of its outer join.
///
/// ```sql
/// SELECT user, network, network_days, shared_by FROM ${user_events_profiled} e
/// ```
const PROFILED: &str = "(SELECT e.*, b.days AS network_days, b.sessions AS network_sessions,
            b.spread_km AS network_spread_km
    FROM baseline_user_networks b
    JOIN (SELECT e.*, p.users AS shared_by
          FROM baseline_prefix_users p
          JOIN (SELECT e.*, r.roaming_share, r.roaming_users
                FROM (SELECT source AS roaming_source, network AS roaming_network, roaming_share,
                             users AS roaming_users
                      FROM baseline_network_roaming) r
                RIGHT JOIN {user_events} e
                  ON r.roaming_source = e.source AND r.roaming_network = e.network) e
            ON p.source = e.source AND p.prefix = e.prefix) e
      ON b.source = e.source AND b.user = e.user AND b.network = e.network)";

/// The `${user_events_profiled}` subquery, given `${user_events}`'s.
pub fn user_events_profiled_sql(user_events: &str) -> String {
    PROFILED.replace("{user_events}", user_events)
}

/// The subquery, given the allowlist predicate (SQL). The user's own automation comes
/// from the stored baseline (`baseline_user_automation`), so a daily run reads only its
/// own days.
pub fn user_events_sql(allowlisted: &str) -> String {
    TEMPLATE
        .replace("{allowlisted}", allowlisted)
        .replace("{admin_tool}", ADMIN_TOOL)
}

/// `${known_clients}`: per source and user, the clients (device id and user agent
/// together, `device|agent`) and the device ids the user shows on the hunt's
/// `regular_days` days or more — their own machines' browsers and native clients,
/// whatever network they are on today — plus every client seen on one of the user's own
/// fixed networks (home or office: used on `regular_days` days, not hosting, VPN, a
/// carrier or a relay): a sync client the user runs now and then is still their laptop's
/// when it turns up behind their personal VPN, and a thief's client never ran at the
/// victim's home. Native mobile agents are alike on every phone, so an agent counts with
/// its device. `regular_clients` holds the first kind alone: a thief on a residential
/// proxy of the victim's own provider is "at home" by network, never by days. The hunts that ask whether a session shows "another machine" use it, one
/// definition for all.
///
/// ```sql
/// WITH known_clients AS ${known_clients}
/// SELECT user, clients, devices, regular_clients FROM known_clients WHERE source = 'entra'
/// ```
const KNOWN_CLIENTS: &str = "(SELECT a.source, a.user,
           make_set(CASE WHEN a.days >= {days} OR coalesce(array_has_any(a.fixed_networks, r.networks), false)
                         THEN concat(a.device_id, '|', a.user_agent) END) AS clients,
           make_set(CASE WHEN a.days >= {days} THEN nullif(a.device_id, '') END) AS devices,
           make_set(CASE WHEN a.days >= {days} THEN concat(a.device_id, '|', a.user_agent) END) AS regular_clients
    FROM baseline_user_agents a
    LEFT JOIN (SELECT source, user, make_set(network) AS networks
               FROM baseline_user_networks WHERE days >= {days} GROUP BY source, user) r
      ON r.source = a.source AND r.user = a.user
    GROUP BY a.source, a.user)";

/// The `${known_clients}` subquery, given the days that make a client the user's. It
/// reads the stored baselines (`baseline_user_agents`, `baseline_user_networks`), so a
/// daily run reads only its own days.
pub fn known_clients_sql(regular_days: &str) -> String {
    KNOWN_CLIENTS.replace("{days}", regular_days)
}

/// `sql` with `${user_events}` and `${known_clients}` spelled out (their parameters left
/// open): the text that says which baseline tables a hunt reads, so a run without a
/// stored baseline computes those too.
pub fn spelled_out(sql: &str) -> String {
    sql.replace(
        "${user_events_profiled}",
        &PROFILED.replace("{user_events}", TEMPLATE),
    )
    .replace("${user_events}", TEMPLATE)
    .replace("${admin_tool}", ADMIN_TOOL)
    .replace("${microsoft_client}", MICROSOFT_CLIENT)
    .replace("${known_clients}", KNOWN_CLIENTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowlist_is_filled_in_and_automation_comes_from_the_baseline() {
        let sql = user_events_sql("false");
        assert!(sql.contains("WHERE NOT false"));
        assert!(sql.contains("FROM baseline_user_automation WHERE days >= 2) own"));
        assert!(sql.contains("WHERE own.own_user IS NULL"));
        assert!(!sql.contains('{'));
    }

    #[test]
    fn spelled_out_hunts_name_the_baselines_behind_the_placeholders() {
        let sql = spelled_out("SELECT * FROM ${user_events} e JOIN ${known_clients} k ON true");
        for table in [
            "baseline_user_automation",
            "baseline_user_agents",
            "baseline_user_networks",
        ] {
            assert!(sql.contains(table), "{table}");
        }
    }

    #[test]
    fn profiled_events_wrap_user_events_with_the_network_baselines() {
        let sql = user_events_profiled_sql(&user_events_sql("false"));
        assert!(sql.contains("RIGHT JOIN (SELECT n.*"));
        assert!(sql.contains("FROM baseline_prefix_users p"));
        assert!(!sql.contains('{'));
        let spelled = spelled_out("SELECT * FROM ${user_events_profiled} e");
        for table in [
            "baseline_user_automation",
            "baseline_network_roaming",
            "baseline_prefix_users",
        ] {
            assert!(spelled.contains(table), "{table}");
        }
    }

    #[test]
    fn microsofts_own_clients_leave_the_admin_tools_out() {
        let ids = |sql: &str| -> Vec<String> {
            sql.split('\'')
                .filter(|s| s.len() == 36 && s.matches('-').count() == 4)
                .map(str::to_string)
                .collect()
        };
        let admin = ids(ADMIN_TOOL);
        let clients = ids(MICROSOFT_CLIENT);
        assert!(
            admin.len() >= 5 && clients.len() >= 10,
            "{admin:?} {clients:?}"
        );
        assert!(clients.iter().all(|id| !admin.contains(id)), "{clients:?}");
    }

    #[test]
    fn known_clients_take_the_hunts_days() {
        let sql = known_clients_sql("3");
        assert!(sql.contains("a.days >= 3 OR"));
        assert!(sql.contains("WHERE days >= 3 GROUP BY"));
        assert!(sql.contains("a.days >= 3 THEN nullif"));
        assert!(sql.contains(
            "a.days >= 3 THEN concat(a.device_id, '|', a.user_agent) END) AS regular_clients"
        ));
        assert!(!sql.contains('{'));
    }
}
