-- DuckDB port of data/hunts/entra_token_reuse.sql (run setup.sql first).
-- Refresh or Primary Refresh Token redeemed from a network the session never started on,
-- and one token identifier used from several networks.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 60, origin_minutes = 60, shared_users = 8, regular_days = 3; whole lake.
WITH tagged AS (
    SELECT e.time, e.user, e.session_id, e.token_id, e.ip, e.asn, e.country, e.app, e.incoming_token_type,
           e.category, e.network, p.users AS shared_by, b.days AS network_days, b.sessions AS network_sessions
    -- ${allowlisted}
    FROM (SELECT * FROM network_events WHERE NOT coalesce(ip_category = 'microsoft', false)) e
    JOIN baseline_prefix_users p ON p.source = e.source AND p.prefix = e.prefix
    JOIN baseline_user_networks b ON b.source = e.source AND b.user = e.user AND b.network = e.network
    LEFT JOIN baseline_network_roaming r ON r.source = e.source AND r.network = e.network
    WHERE e.source = 'entra' AND e.user IS NOT NULL AND e.result = 'success' AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'mobile', 'microsoft')
      -- networks whose geolocation says nothing about where the user is
      AND NOT coalesce(r.roaming_share >= 0.3 AND r.users >= 3, false)
),
sessions AS (
    SELECT user, session_id, min(time) AS session_start FROM tagged
    WHERE session_id IS NOT NULL GROUP BY user, session_id
),
regular_countries AS (
    SELECT user, make_set(country) AS countries FROM baseline_user_countries
    WHERE source = 'entra' AND days >= 3 /* regular_days */ GROUP BY user
),
origin AS (
    -- Countries of shared egress (a corporate VPN exiting elsewhere) say nothing about
    -- where the user is.
    SELECT t.user, t.session_id, make_set(t.network) AS origin_networks,
           make_set(CASE WHEN t.shared_by < 8 /* shared_users */ THEN t.country END) AS origin_countries
    FROM tagged t JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    WHERE t.time <= s.session_start + INTERVAL '60 minutes' /* origin_minutes */
    GROUP BY t.user, t.session_id
),
redemptions AS (
    -- Refresh / PRT redemptions on a network outside the session's first hour.
    SELECT t.user, t.session_id, t.network, t.category,
           min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
           dcount(date_trunc('day', t.time)) AS days_here,
           make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries,
           make_set(t.app) AS apps, make_set(t.incoming_token_type) AS token_types,
           max(t.shared_by) AS shared_by, max(t.network_days) AS network_days, max(t.network_sessions) AS network_sessions,
           max(o.origin_countries) AS origin_countries, max(o.origin_networks) AS origin_networks,
           max(coalesce(r.countries, ['-'])) AS regular_countries
    FROM tagged t
    LEFT JOIN regular_countries r ON r.user = t.user
    JOIN origin o ON t.user = o.user AND t.session_id = o.session_id
    WHERE t.incoming_token_type IN ('refreshToken', 'primaryRefreshToken')
      AND t.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND NOT list_contains(o.origin_networks, t.network)
    GROUP BY t.user, t.session_id, t.network, t.category
),
concurrency AS (
    -- Whether the session was used from its own networks while the new network was
    -- using it: the victim and the attacker at once, not a move.
    SELECT r.user, r.session_id, r.network, count(t.time) AS origin_events_meanwhile
    FROM redemptions r
    LEFT JOIN tagged t ON t.user = r.user AND t.session_id = r.session_id
         AND list_contains(r.origin_networks, t.network) AND t.time > r.first_seen AND t.time < r.last_seen
    GROUP BY r.user, r.session_id, r.network
),
by_session AS (
    SELECT r.user, r.session_id, first_seen, last_seen, ips, asns, countries, apps,
           40 + CASE category WHEN 'hosting' THEN 25 WHEN 'vpn' THEN 20 WHEN 'tor' THEN 30 ELSE 0 END
              + CASE WHEN len(origin_countries) > 0 AND NOT list_has_any(origin_countries, countries)
                          AND NOT list_has_any(regular_countries, countries) THEN 20 ELSE 0 END
              -- Concurrent use weighs only with another signal: a laptop on the office
              -- network and a phone at home share one PRT session too.
              + CASE WHEN c.origin_events_meanwhile > 0
                          AND (category IN ('hosting', 'vpn', 'tor')
                               OR (len(origin_countries) > 0 AND NOT list_has_any(origin_countries, countries)))
                     THEN 15
                     WHEN c.origin_events_meanwhile > 0 THEN 5
                     WHEN category NOT IN ('hosting', 'vpn', 'tor') THEN -15 ELSE 0 END
              + CASE WHEN list_contains(token_types, 'primaryRefreshToken') THEN 5 ELSE 0 END AS score,
           concat(array_to_string(token_types, '/'), ' redeemed ', CAST(events AS VARCHAR), ' time(s) from ', r.network,
                  ' (', category, ', ', array_to_string(countries, ', '), '), a network this session did not start on and the user does not come back to',
                  CASE WHEN c.origin_events_meanwhile > 0 THEN ', while the session was still in use from its own network' ELSE '' END) AS reason,
           concat('session:', r.session_id) AS finding_key,
           struct_pack(kind := 'redeemed on a new network', networks := [r.network], category := category,
                       token_types := token_types, token_id := CAST(NULL AS VARCHAR), events := events) AS evidence
    FROM redemptions r
    JOIN concurrency c ON c.user = r.user AND c.session_id = r.session_id AND c.network = r.network
    -- The user does not come back to this network for days, as people do to theirs
    -- (counting the days of this session too: a device's session can last a week).
    WHERE shared_by < 8 /* shared_users */ AND network_days < 3 /* regular_days */
),
by_token AS (
    -- One UniqueTokenIdentifier seen from more than one network.
    SELECT user, max(session_id) AS session_id, min(time) AS first_seen, max(time) AS last_seen,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           75 AS score,
           concat('token ', token_id, ' was used from ', CAST(dcount(network) AS VARCHAR), ' networks: ',
                  array_to_string(make_set(network), ', ')) AS reason,
           concat('token:', token_id) AS finding_key,
           struct_pack(kind := 'one token from several networks', networks := make_set(network), category := max(category),
                       token_types := make_set(incoming_token_type), token_id := token_id, events := count(*)) AS evidence
    FROM tagged
    WHERE token_id IS NOT NULL AND time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND shared_by < 8 /* shared_users */
    GROUP BY user, token_id
    HAVING dcount(network) > 1
)
SELECT user, session_id, 'entra' AS source, first_seen, last_seen, least(100, score) AS score,
       ips, asns, countries, apps, reason, finding_key, evidence
FROM (SELECT * FROM by_session UNION ALL SELECT * FROM by_token)
WHERE least(100, score) >= 60 /* min_score */
