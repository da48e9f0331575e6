-- id: entra_token_reuse
-- title: Refresh or Primary Refresh Token redeemed from a network the session never started on
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: Non-interactive sign-ins that redeem a refresh token or a Primary Refresh
--   Token (IncomingTokenType) from a network the session was not using in its first hour
--   and the user does not come back to on other days; and one UniqueTokenIdentifier
--   seen from more than one network. Ranked up for hosting and VPN networks, another
--   country, and the session still being used from its own network afterwards (the
--   victim and the attacker at once); a session that simply moves to a residential
--   network and stays there is more likely a trip. Token theft moves the token, not the user: the redemption appears where
--   the attacker is.
-- materialize: tagged
-- param: min_score = 60 | Findings below this score are dropped.
-- param: origin_minutes = 60 | The session's networks in this first period are its own.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- joins: as written
WITH tagged AS (
    SELECT e.time, e.user, e.session_id, e.token_id, e.ip, e.asn, e.country, e.app, e.incoming_token_type, e.device_id, e.user_agent, e.admin_tool,
           e.category, e.network, e.shared_by, e.network_days, e.network_sessions
    FROM ${user_events_profiled} e
    WHERE e.source = 'entra' AND e.user IS NOT NULL AND e.result = 'success' AND e.time < ${until}
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'mobile', 'microsoft')
      AND NOT coalesce(e.roaming_share >= 0.3 AND e.roaming_users >= 3, false)
),
sessions AS (
    SELECT user, session_id, min(time) AS session_start FROM tagged
    WHERE session_id IS NOT NULL GROUP BY user, session_id
),
regular_countries AS (
    SELECT user, make_set(country) AS countries FROM baseline_user_countries
    WHERE source = 'entra' AND days >= ${regular_days} GROUP BY user
),
origin AS (
    -- Countries of shared egress (a corporate VPN exiting elsewhere) say nothing about
    -- where the user is.
    SELECT t.user, t.session_id, make_set(t.network) AS origin_networks, make_set(t.device_id) AS origin_devices,
           make_set(CASE WHEN t.shared_by < ${shared_users} THEN t.country END) AS origin_countries
    FROM sessions s JOIN tagged t ON t.user = s.user AND t.session_id = s.session_id
    WHERE t.time <= s.session_start + INTERVAL '${origin_minutes} minutes'
    GROUP BY t.user, t.session_id
),
redemptions AS (
    SELECT x.*, coalesce(r.countries, make_array('-')) AS regular_countries
    FROM (
        SELECT t.user, t.session_id, t.network, t.category,
               min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
               dcount(date_trunc('day', t.time)) AS days_here,
               make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries,
               make_set(t.app) AS apps, make_set(t.incoming_token_type) AS token_types, make_set(t.device_id) AS devices, bool_and(t.admin_tool) AS admin_only,
               make_set(t.user_agent) AS agents,
               max(o.origin_devices) AS origin_devices,
               max(t.shared_by) AS shared_by, max(t.network_days) AS network_days, max(t.network_sessions) AS network_sessions,
               max(o.origin_countries) AS origin_countries, max(o.origin_networks) AS origin_networks
        FROM origin o
        JOIN tagged t ON t.user = o.user AND t.session_id = o.session_id
        WHERE t.incoming_token_type IN ('refreshToken', 'primaryRefreshToken')
          AND t.time >= ${since} AND NOT array_has(o.origin_networks, t.network)
        GROUP BY t.user, t.session_id, t.network, t.category
    ) x
    LEFT JOIN regular_countries r ON r.user = x.user
),
bare_elsewhere AS (
    -- The user agents the session showed without a device id on its other networks: a
    -- laptop without one beside the phone that started the session is the user's. Every
    -- network counts here, carriers and roaming ISPs too: the laptop at home on an ISP
    -- whose customers roam is still the user's laptop.
    SELECT r.user, r.session_id, r.network, make_set(n.user_agent) AS agents
    FROM redemptions r
    JOIN network_events n ON n.source = 'entra' AND n.user = r.user AND n.session_id = r.session_id
     AND n.network <> r.network AND n.device_id IS NULL AND n.time < ${until}
    GROUP BY r.user, r.session_id, r.network
),
concurrency AS (
    -- Whether the session was used from its own networks while the new network was
    -- using it: the victim and the attacker at once, not a move.
    SELECT r.user, r.session_id, r.network, count(t.time) AS origin_events_meanwhile
    FROM redemptions r
    LEFT JOIN tagged t ON t.user = r.user AND t.session_id = r.session_id
         AND array_has(r.origin_networks, t.network) AND t.time > r.first_seen AND t.time < r.last_seen
    GROUP BY r.user, r.session_id, r.network
),
by_session AS (
    SELECT r.user, r.session_id, first_seen, last_seen, ips, asns, countries, apps,
           40 + CASE category WHEN 'hosting' THEN 25 WHEN 'vpn' THEN 20 WHEN 'tor' THEN 30 ELSE 0 END
              + CASE WHEN cardinality(origin_countries) > 0 AND NOT array_has_any(origin_countries, countries)
                          AND NOT array_has_any(regular_countries, countries) THEN 20 ELSE 0 END
              -- Concurrent use weighs only with another signal: a laptop on the office
              -- network and a phone at home share one PRT session too.
              + CASE WHEN c.origin_events_meanwhile > 0
                          AND (category IN ('hosting', 'vpn', 'tor')
                               OR (cardinality(origin_countries) > 0 AND NOT array_has_any(origin_countries, countries)))
                     THEN 15
                     WHEN c.origin_events_meanwhile > 0 THEN 5
                     WHEN category NOT IN ('hosting', 'vpn', 'tor') THEN -15 ELSE 0 END
              + CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN 5 ELSE 0 END AS score,
           concat(array_to_string(token_types, '/'), ' redeemed ', CAST(events AS VARCHAR), ' time(s) from ', r.network,
                  ' (', category, ', ', array_to_string(countries, ', '), '), a network this session did not start on and the user does not come back to', CASE WHEN c.origin_events_meanwhile > 0 THEN ', while the session was still in use from its own network' ELSE '' END) AS reason,
           concat('session:', r.session_id, ':', r.network) AS finding_key,
           -- A device's own tokens carry its device id; the same session's tokens redeemed
           -- without one have left the device: the thief's machine, not the user's.
           named_struct('corroboration', CASE WHEN cardinality(origin_devices) > 0 AND cardinality(devices) = 0 AND NOT admin_only
                                                   AND NOT array_has_all(coalesce(be.agents, make_array('-')), r.agents)
                                              THEN 'token_left_device' ELSE '' END,
                        'kind', 'redeemed on a new network', 'networks', make_array(r.network), 'category', category, 'token_types', token_types, 'token_id', CAST(NULL AS VARCHAR), 'events', events) AS evidence
    FROM redemptions r
    JOIN concurrency c ON c.user = r.user AND c.session_id = r.session_id AND c.network = r.network
    LEFT JOIN bare_elsewhere be ON be.user = r.user AND be.session_id = r.session_id AND be.network = r.network
    -- The user does not come back to this network for days, as people do to theirs
    -- (counting the days of this session too: a device's session can last a week).
    WHERE shared_by < ${shared_users} AND network_days < ${regular_days}
),
by_token AS (
    SELECT user, max(session_id) AS session_id, min(time) AS first_seen, max(time) AS last_seen,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           75 AS score,
           concat('token ', token_id, ' was used from ', CAST(dcount(network) AS VARCHAR), ' networks: ',
                  array_to_string(make_set(network), ', ')) AS reason,
           concat('token:', token_id) AS finding_key,
           named_struct('corroboration', 'token_multi_network', 'kind', 'one token from several networks', 'networks', make_set(network), 'category', max(category), 'token_types', make_set(incoming_token_type), 'token_id', token_id, 'events', count(*)) AS evidence
    FROM tagged
    WHERE token_id IS NOT NULL AND time >= ${since} AND shared_by < ${shared_users}
    GROUP BY user, token_id
    HAVING dcount(network) > 1
)
SELECT user, session_id, 'entra' AS source, first_seen, last_seen, least(100, score) AS score,
       ips, asns, countries, apps, reason, finding_key, evidence
FROM (SELECT * FROM by_session UNION ALL SELECT * FROM by_token)
WHERE least(100, score) >= ${min_score}
