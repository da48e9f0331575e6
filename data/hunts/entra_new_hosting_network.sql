-- id: entra_new_hosting_network
-- title: Sign-in or token use from a hosting or VPN network new to the user
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: A user's successful sign-in — interactive, or a non-interactive refresh
--   or Primary Refresh Token redemption — from a hosting, VPN or Tor network the user
--   had never used before. Attackers replay stolen tokens and run adversary-in-the-middle
--   proxies from rented servers; people sign in from their ISP, carrier or office.
--   Networks shared by many users (a corporate VPN in a cloud) are not reported.
--   Context only: SaaS integrations, cloud shells and personal VPNs look the same, so
--   alone it stays below the alert threshold and adds to an incident that another hunt
--   corroborates.
-- materialize: usable
-- param: min_score = 60 | Findings below this score are dropped.
-- param: shared_users = 8 | A prefix (/24 or /64) this many users sign in from is shared egress (a corporate VPN or proxy in a cloud), not an attacker's.
WITH tagged AS (
    SELECT time, user, session_id, ip, asn, country, app, log_type, incoming_token_type,
           ip_network(ip) AS prefix,
           coalesce(nullif(ip_category(ip), 'private'), asn_category(asn), CASE WHEN asn IS NULL THEN 'unknown' ELSE 'isp' END) AS category
    FROM signins
    WHERE source = 'entra' AND user IS NOT NULL AND ip IS NOT NULL AND result = 'success'
      AND time >= ${since} AND time < ${until}
),
usable AS (
    SELECT * FROM tagged WHERE NOT ${allowlisted}
),
firsts AS (
    SELECT user, prefix, min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           make_set(session_id) AS sessions, make_set(log_type) AS log_types,
           make_set(incoming_token_type) AS token_types, max(category) AS category
    FROM usable
    WHERE category IN ('hosting', 'vpn', 'tor', 'microsoft')
    GROUP BY user, prefix
),
user_first AS (
    SELECT user, min(first_seen) AS first_time FROM baseline_user_prefixes WHERE source = 'entra' GROUP BY user
),
scored AS (
    -- Which prefixes are new to the user and how many users share one come from the
    -- stored baselines (the user's first use of each prefix, the users of each), so a
    -- daily run reads its own days only.
    SELECT f.*, s.distinct_users AS shared_by, u.first_time,
           CASE f.category WHEN 'tor' THEN 75 WHEN 'hosting' THEN 65 WHEN 'microsoft' THEN 50 ELSE 55 END
           + CASE WHEN array_has_any(f.token_types, make_array('refreshToken', 'primaryRefreshToken')) THEN 10 ELSE 0 END
           + CASE WHEN u.first_time < f.first_seen - INTERVAL '1 day' THEN 10 ELSE 0 END AS score
    FROM firsts f
    JOIN baseline_user_prefixes p ON p.source = 'entra' AND p.user = f.user AND p.prefix = f.prefix
    JOIN baseline_prefix_users s ON s.source = 'entra' AND s.prefix = f.prefix
    JOIN user_first u ON u.user = f.user
    WHERE s.distinct_users < ${shared_users} AND p.first_seen >= ${since}
      -- One or two events from Microsoft's AS are its services acting for the user.
      AND NOT (f.category = 'microsoft' AND f.events <= 3)
)
SELECT user, array_element(sessions, 1) AS session_id, 'entra' AS source, first_seen, last_seen,
       least(100, score) AS score, ips, asns, countries, apps,
       concat(user, ' signed in from ', prefix, ' (', category, ', ', array_to_string(countries, ', '),
              '), a network they had not used before: ', CAST(events AS VARCHAR), ' event(s), ',
              array_to_string(log_types, '/'), CASE WHEN cardinality(token_types) > 0
                  THEN concat(', tokens ', array_to_string(token_types, '/')) ELSE '' END) AS reason,
       prefix AS finding_key,
       named_struct('corroboration', '', 'prefix', prefix, 'category', category, 'events', events, 'sessions', sessions,
                    'token_types', token_types, 'shared_by_users', shared_by) AS evidence
FROM scored
WHERE least(100, score) >= ${min_score}
