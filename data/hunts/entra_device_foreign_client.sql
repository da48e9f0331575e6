-- id: entra_device_foreign_client
-- title: A device's tokens presented by a client that device never ran, from a network it never used
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: Sign-ins carrying a device id (an Entra joined or registered device's
--   Primary Refresh Token, or its browser's PRT cookie) from a client, an operating
--   system with a browser or app family, that the device shows on no other day, on a
--   network the device used on no other day: another machine presenting the device's
--   tokens, with the thief's own browser or a script. One device runs one system; its
--   browsers and apps come back day after day on its usual networks, and a browser
--   update keeps its family. A device's first day is not judged, nor admin tools, nor
--   sign-ins without a user agent.
-- materialize: dev
-- param: min_score = 60 | Findings below this score are dropped.
-- param: regular_days = 2 | A client or network the device shows on this many days is its own.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
WITH dev AS (
    SELECT e.time, e.user, e.session_id, e.device_id, e.ip, e.asn, e.country, e.app, e.network, e.category,
           e.prefix, e.admin_tool, e.incoming_token_type, date_trunc('day', e.time) AS day,
           concat(coalesce(e.client_os, 'unknown'), '/', coalesce(ua_family(e.user_agent), 'none')) AS client,
           e.user_agent IS NULL OR e.user_agent = '' AS no_agent
    FROM ${user_events} e
    WHERE e.source = 'entra' AND e.device_id IS NOT NULL AND e.device_id <> '' AND e.user IS NOT NULL
      AND coalesce(e.result, 'success') = 'success' AND e.time < ${until}
      AND e.category NOT IN ('private', 'microsoft')
),
devices AS (
    SELECT user, device_id, min(time) AS device_first, make_set(country) AS device_countries
    FROM dev GROUP BY user, device_id
),
device_clients AS (
    SELECT user, device_id, client, dcount(day) AS days FROM dev GROUP BY user, device_id, client
),
device_networks AS (
    SELECT user, device_id, network, dcount(day) AS days FROM dev GROUP BY user, device_id, network
),
foreign_uses AS (
    SELECT d.*, v.device_countries
    FROM dev d
    JOIN devices v ON v.user = d.user AND v.device_id = d.device_id
    JOIN device_clients c ON c.user = d.user AND c.device_id = d.device_id AND c.client = d.client
    JOIN device_networks n ON n.user = d.user AND n.device_id = d.device_id AND n.network = d.network
    WHERE d.time >= ${since} AND NOT d.admin_tool AND NOT d.no_agent
      AND d.time > v.device_first + INTERVAL '1 day'
      AND c.days < ${regular_days} AND n.days < ${regular_days}
)
SELECT * FROM (
    SELECT f.user, max(f.session_id) AS session_id, 'entra' AS source, min(f.time) AS first_seen, max(f.time) AS last_seen,
           least(100, 60 + CASE max(f.category) WHEN 'hosting' THEN 15 WHEN 'vpn' THEN 10 WHEN 'tor' THEN 20 ELSE 0 END
                         + CASE WHEN NOT array_has_any(max(f.device_countries), make_set(f.country)) THEN 10 ELSE 0 END
                         + CASE WHEN bool_or(f.incoming_token_type = 'primaryRefreshToken') THEN 10 ELSE 0 END) AS score,
           make_set(f.ip) AS ips, make_set(f.asn) AS asns, make_set(f.country) AS countries, make_set(f.app) AS apps,
           concat('device ', f.device_id, ' signed in ', CAST(count(*) AS VARCHAR), ' time(s) from ', f.network, ' (',
                  max(f.category), ') as ', array_to_string(make_set(f.client), ', '),
                  ', a client and a network that device shows on no other day') AS reason,
           concat('device:', f.device_id, ':', f.network) AS finding_key,
           named_struct('corroboration', 'new_client', 'device_id', f.device_id, 'network', f.network,
                        'category', max(f.category), 'clients', make_set(f.client), 'events', count(*),
                        'token_types', make_set(f.incoming_token_type), 'shared_by_users', max(p.users)) AS evidence
    FROM foreign_uses f
    JOIN baseline_prefix_users p ON p.source = 'entra' AND p.prefix = f.prefix
    WHERE p.users < ${shared_users} OR f.category = 'mobile'
    GROUP BY f.user, f.device_id, f.network
)
WHERE score >= ${min_score}
