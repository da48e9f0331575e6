-- DuckDB port of data/hunts/entra_new_hosting_network.sql (run setup.sql first).
-- Sign-in or token use from a hosting or VPN network new to the user.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 60, shared_users = 8; whole lake.
-- ip_network(ip) / ip_category(ip) come from ip_info, asn_category(asn) from asn_categories.
WITH tagged AS (
    SELECT s.time, s.user, s.session_id, s.ip, s.asn, s.country, s.app, s.log_type, s.incoming_token_type,
           i.prefix, i.ip_category,
           coalesce(i.ip_category, a.category, CASE WHEN s.asn IS NULL THEN 'unknown' ELSE 'isp' END) AS category
    FROM signins s
    JOIN ip_info i ON i.ip = s.ip
    LEFT JOIN asn_categories a ON a.asn = s.asn
    WHERE s.source = 'entra' AND s.user IS NOT NULL AND s.ip IS NOT NULL AND s.result = 'success'
      AND s.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
),
usable AS (
    -- ${allowlisted}
    SELECT * FROM tagged WHERE NOT coalesce(ip_category = 'microsoft', false)
),
shared AS (
    SELECT prefix, dcount(user) AS users FROM usable GROUP BY prefix
),
user_first AS (
    SELECT user, min(time) AS first_time, make_set(country) AS countries_ever FROM usable GROUP BY user
),
firsts AS (
    -- Each user's use of each hosting / VPN / Tor / Microsoft prefix.
    SELECT user, prefix, min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           make_set(session_id) AS sessions, make_set(log_type) AS log_types,
           make_set(incoming_token_type) AS token_types, max(category) AS category
    FROM usable
    WHERE category IN ('hosting', 'vpn', 'tor', 'microsoft')
    GROUP BY user, prefix
),
scored AS (
    SELECT f.*, s.users AS shared_by, u.first_time,
           CASE f.category WHEN 'tor' THEN 75 WHEN 'hosting' THEN 65 WHEN 'microsoft' THEN 50 ELSE 55 END
           + CASE WHEN list_has_any(f.token_types, ['refreshToken', 'primaryRefreshToken']) THEN 10 ELSE 0 END
           + CASE WHEN u.first_time < f.first_seen - INTERVAL '1 day' THEN 10 ELSE 0 END AS score
    FROM firsts f
    JOIN shared s ON s.prefix = f.prefix
    JOIN user_first u ON u.user = f.user
    WHERE s.users < 8 /* shared_users */ AND f.first_seen >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
      -- One or two events from Microsoft's AS are its services acting for the user.
      AND NOT (f.category = 'microsoft' AND f.events <= 3)
)
SELECT user, sessions[1] AS session_id, 'entra' AS source, first_seen, last_seen,
       least(100, score) AS score, ips, asns, countries, apps,
       concat(user, ' signed in from ', prefix, ' (', category, ', ', array_to_string(countries, ', '),
              '), a network they had not used before: ', CAST(events AS VARCHAR), ' event(s), ',
              array_to_string(log_types, '/'), CASE WHEN len(token_types) > 0
                  THEN concat(', tokens ', array_to_string(token_types, '/')) ELSE '' END) AS reason,
       prefix AS finding_key,
       struct_pack(prefix := prefix, category := category, events := events, sessions := sessions,
                   token_types := token_types, shared_by_users := shared_by) AS evidence
FROM scored
WHERE least(100, score) >= 60 /* min_score */
