-- DuckDB port of data/hunts/okta_session_hijack.sql (run setup.sql first).
-- Okta session used from another network with another device fingerprint.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 60, shared_users = 8, origin_minutes = 10; whole lake.
-- ip_network / ip_category from ip_info, asn_category from asn_categories, and
-- ua_fingerprint from ua_info (the unhashed "family|major|os"; only compared for equality).
WITH tagged AS (
    SELECT time, user, coalesce(root_session_id, session_id) AS session_id, ip, asn, country, app,
           device_id, prefix, category,
           coalesce(fingerprint, 'none') AS client,
           CASE WHEN category IN ('hosting', 'vpn', 'unknown', 'tor') THEN prefix
                ELSE concat('AS', CAST(asn AS VARCHAR)) END AS network
    FROM (
        SELECT s.*, i.prefix, i.ip_category, u.fingerprint,
               CASE WHEN s.asn IS NULL THEN coalesce(i.ip_category, 'unknown')
                    ELSE coalesce(i.ip_category, a.category, 'isp') END AS category
        FROM signins s
        JOIN ip_info i ON i.ip = s.ip
        LEFT JOIN asn_categories a ON a.asn = s.asn
        LEFT JOIN ua_info u ON u.ua = s.user_agent
        WHERE s.source = 'okta' AND s.session_id IS NOT NULL AND s.user IS NOT NULL AND s.ip IS NOT NULL
          AND coalesce(s.result, 'success') = 'success' AND s.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
    )
    -- ${allowlisted}
    WHERE NOT coalesce(ip_category = 'microsoft', false) AND category <> 'private'
),
shared AS (
    SELECT prefix, dcount(user) AS users FROM tagged GROUP BY prefix
),
user_networks AS (
    SELECT user, network, min(time) AS network_first FROM tagged GROUP BY user, network
),
sessions AS (
    SELECT user, session_id, min(time) AS session_start
    FROM tagged GROUP BY user, session_id
    HAVING max(time) >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND dcount(network) > 1
),
origin AS (
    SELECT t.user, t.session_id,
           make_set(t.network) AS origin_networks, make_set(t.country) AS origin_countries,
           make_set(t.client) AS origin_clients, make_set(t.device_id) AS origin_devices
    FROM tagged t JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    WHERE t.time <= s.session_start + INTERVAL '10 minutes' /* origin_minutes */
    GROUP BY t.user, t.session_id
),
returns AS (
    -- network_returns(time, network): switches back to a network already seen, in time
    -- order (A-B-A-B = 2). Every run of one network starts with a switch; the first run of
    -- each network is new, every other run is a return: returns = runs - networks.
    -- Ties in time are ordered by network (ours: by the network's hash).
    SELECT user, session_id,
           count(*) FILTER (WHERE previous_network IS DISTINCT FROM network) - dcount(network) AS returns
    FROM (
        SELECT t.user, t.session_id, t.network,
               lag(t.network) OVER (PARTITION BY t.user, t.session_id ORDER BY t.time, t.network) AS previous_network
        FROM tagged t JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    )
    GROUP BY user, session_id
),
later AS (
    -- Each session's use of each network.
    SELECT t.user, t.session_id, t.network,
           min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
           make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries,
           make_set(t.app) AS apps, make_set(t.client) AS clients, make_set(t.device_id) AS devices,
           max(t.category) AS category, max(sh.users) AS shared_by
    FROM tagged t
    JOIN sessions s ON t.user = s.user AND t.session_id = s.session_id
    JOIN shared sh ON sh.prefix = t.prefix
    WHERE t.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
    GROUP BY t.user, t.session_id, t.network
),
scored AS (
    SELECT l.*, s.session_start, o.origin_networks, o.origin_countries, o.origin_clients, o.origin_devices, r.returns,
           CASE WHEN len(l.devices) > 0 AND NOT list_has_any(o.origin_devices, l.devices) THEN 25 ELSE 0 END
           + CASE WHEN NOT list_has_any(o.origin_clients, l.clients) THEN 20 ELSE 0 END
           + CASE l.category WHEN 'hosting' THEN 30 WHEN 'vpn' THEN 25 WHEN 'tor' THEN 40
                             WHEN 'privacy_relay' THEN -30 WHEN 'cdn' THEN -20 ELSE 0 END
           + CASE WHEN un.network_first < s.session_start - INTERVAL '1 hour' THEN -40 ELSE 20 END
           + CASE WHEN len(o.origin_countries) > 0 AND len(l.countries) > 0
                       AND NOT list_has_any(o.origin_countries, l.countries) THEN 15 ELSE 0 END
           + CASE WHEN r.returns >= 1 THEN 20 ELSE 0 END
           + CASE WHEN l.shared_by >= 8 /* shared_users */ THEN -60 ELSE 0 END AS score
    FROM later l
    JOIN sessions s ON l.user = s.user AND l.session_id = s.session_id
    JOIN origin o ON l.user = o.user AND l.session_id = o.session_id
    JOIN returns r ON l.user = r.user AND l.session_id = r.session_id
    JOIN user_networks un ON l.user = un.user AND l.network = un.network
    WHERE NOT list_contains(o.origin_networks, l.network)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY user, session_id ORDER BY score DESC, first_seen) AS rank
    FROM scored
)
SELECT user, session_id, 'okta' AS source, first_seen, last_seen,
       least(100, score) AS score, ips, asns, countries, apps,
       concat('Okta session started on ', array_to_string(origin_networks, ', '), ' (',
              array_to_string(origin_countries, ', '), ') was used from ', network, ' (', category, ', ',
              array_to_string(countries, ', '), ') with ',
              CASE WHEN NOT list_has_any(origin_devices, devices) THEN 'another device hash' ELSE 'the same device hash' END,
              ' and ', CASE WHEN NOT list_has_any(origin_clients, clients) THEN 'another user agent' ELSE 'the same user agent' END) AS reason,
       struct_pack(network := network, category := category, events := events, devices := devices,
                   origin_networks := origin_networks, returns := returns, shared_by_users := shared_by) AS evidence
FROM ranked
WHERE rank = 1 AND least(100, score) >= 60 /* min_score */
