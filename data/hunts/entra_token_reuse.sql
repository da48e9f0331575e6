-- id: entra_token_reuse
-- title: Refresh or Primary Refresh Token redeemed from a network the session never started on
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: Non-interactive sign-ins that redeem a refresh token or a Primary Refresh
--   Token (IncomingTokenType) from a network the session was not using in its first hour
--   and the user had never used before; and one UniqueTokenIdentifier seen from more than
--   one network. Token theft moves the token, not the user: the redemption appears where
--   the attacker is.
-- param: min_score = 60 | Findings below this score are dropped.
-- param: origin_minutes = 60 | The session's networks in this first period are its own.
-- param: shared_users = 8 | A /24 or /64 used by this many users is shared egress.
WITH tagged AS (
    SELECT time, user, session_id, token_id, ip, asn, country, app, incoming_token_type, prefix, category,
           CASE WHEN category IN ('hosting', 'vpn', 'unknown', 'tor') THEN prefix
                ELSE concat('AS', CAST(asn AS VARCHAR)) END AS network
    FROM (
        SELECT *, ip_network(ip) AS prefix,
               CASE WHEN asn IS NULL THEN coalesce(ip_category(ip), 'unknown')
                    ELSE coalesce(ip_category(ip), asn_category(asn), 'isp') END AS category
        FROM signins
        WHERE source = 'entra' AND user IS NOT NULL AND ip IS NOT NULL AND result = 'success' AND time < ${until}
    )
    WHERE NOT ${allowlisted} AND category NOT IN ('private', 'privacy_relay', 'cdn')
),
shared AS (
    SELECT prefix, dcount(user) AS users FROM tagged GROUP BY prefix
),
user_networks AS (
    SELECT user, network, min(time) AS network_first FROM tagged GROUP BY user, network
),
sessions AS (
    SELECT user, session_id, min(time) AS session_start FROM tagged
    WHERE session_id IS NOT NULL GROUP BY user, session_id
),
origin AS (
    SELECT t.user, t.session_id, make_set(t.network) AS origin_networks
    FROM tagged t JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    WHERE t.time <= s.session_start + INTERVAL '${origin_minutes} minutes'
    GROUP BY t.user, t.session_id
),
redemptions AS (
    SELECT t.user, t.session_id, t.network, t.category,
           min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
           make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries,
           make_set(t.app) AS apps, make_set(t.incoming_token_type) AS token_types,
           max(sh.users) AS shared_by, min(un.network_first) AS network_first, min(s.session_start) AS session_start
    FROM tagged t
    JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    JOIN origin o ON t.user = o.user AND t.session_id = o.session_id
    JOIN shared sh ON sh.prefix = t.prefix
    JOIN user_networks un ON un.user = t.user AND un.network = t.network
    WHERE t.incoming_token_type IN ('refreshToken', 'primaryRefreshToken')
      AND t.time >= ${since} AND NOT array_has(o.origin_networks, t.network)
    GROUP BY t.user, t.session_id, t.network, t.category
),
by_session AS (
    SELECT user, session_id, first_seen, last_seen, ips, asns, countries, apps,
           60 + CASE category WHEN 'hosting' THEN 20 WHEN 'vpn' THEN 15 WHEN 'tor' THEN 25 ELSE 0 END
              + CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN 5 ELSE 0 END AS score,
           concat(array_to_string(token_types, '/'), ' redeemed ', CAST(events AS VARCHAR), ' time(s) from ', network,
                  ' (', category, ', ', array_to_string(countries, ', '), '), a network this session did not start on and the user had not used before') AS reason,
           concat('session:', session_id) AS finding_key,
           named_struct('kind', 'redeemed on a new network', 'networks', make_array(network), 'category', category, 'token_types', token_types, 'token_id', CAST(NULL AS VARCHAR), 'events', events) AS evidence
    FROM redemptions
    WHERE shared_by < ${shared_users} AND network_first >= session_start
),
by_token AS (
    SELECT user, max(session_id) AS session_id, min(time) AS first_seen, max(time) AS last_seen,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           75 AS score,
           concat('token ', token_id, ' was used from ', CAST(dcount(network) AS VARCHAR), ' networks: ',
                  array_to_string(make_set(network), ', ')) AS reason,
           concat('token:', token_id) AS finding_key,
           named_struct('kind', 'one token from several networks', 'networks', make_set(network), 'category', max(category), 'token_types', make_set(incoming_token_type), 'token_id', token_id, 'events', count(*)) AS evidence
    FROM tagged
    WHERE token_id IS NOT NULL AND time >= ${since}
    GROUP BY user, token_id
    HAVING dcount(network) > 1
)
SELECT user, session_id, 'entra' AS source, first_seen, last_seen, least(100, score) AS score,
       ips, asns, countries, apps, reason, finding_key, evidence
FROM (SELECT * FROM by_session UNION ALL SELECT * FROM by_token)
WHERE score >= ${min_score}
