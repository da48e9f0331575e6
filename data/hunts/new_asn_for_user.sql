-- id: new_asn_for_user
-- title: A user signs in from a network and country new to them
-- technique: T1078.004
-- severity: low
-- sources: entra, okta
-- description: A successful sign-in from an ASN the user uses on at most one day, in a
--   country that is not one of theirs, when the network is not shared by many users and
--   is not a mobile carrier, relay or Microsoft's. On its own this is a trip as often as
--   an attacker, so it scores low and is dropped by the default `--min-score 50`; it
--   raises an incident's score when it lands on the same user and time as another
--   finding (`--group incidents`).
-- param: min_score = 30 | Findings below this score are dropped.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: regular_days = 3 | A country the user signs in from on this many days is theirs.
-- joins: as written
WITH ev AS (
    SELECT e.source, e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.app, e.network, e.category
    FROM (
        -- The user's networks of at most one day come first (few), then their sign-ins.
        SELECT e.*, b.days AS network_days
        FROM (SELECT b.source, b.user, b.network, b.days
              -- The first network a user is seen on is theirs, whatever the history's
              -- length (a one-day export has no other baseline).
              FROM (SELECT source, user, min(first_seen) AS first_seen FROM baseline_user_networks GROUP BY source, user) u
              JOIN baseline_user_networks b ON u.source = b.source AND u.user = b.user AND b.first_seen > u.first_seen
              WHERE b.days <= 1) b
        JOIN (SELECT * FROM network_events WHERE NOT ${allowlisted}) e
          ON b.source = e.source AND b.user = e.user AND b.network = e.network
        WHERE e.user IS NOT NULL AND e.result = 'success' AND e.time >= ${since} AND e.time < ${until}
          AND e.asn IS NOT NULL AND e.country IS NOT NULL
          AND e.category NOT IN ('private', 'mobile', 'privacy_relay', 'cdn', 'microsoft')
    ) e
    JOIN baseline_prefix_users p ON p.source = e.source AND p.prefix = e.prefix
    LEFT JOIN baseline_user_countries c ON c.source = e.source AND c.user = e.user AND c.country = e.country
    WHERE p.users < ${shared_users} AND coalesce(c.days, 0) < ${regular_days}
)
SELECT user, max(session_id) AS session_id, source, min(time) AS first_seen, max(time) AS last_seen,
       40 AS score, make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
       concat(user, ' signed in from ', network, ' (', max(category), ', ', array_to_string(make_set(country), ', '),
              '), a network and country they do not otherwise use') AS reason,
       concat(source, ':', network) AS finding_key,
       named_struct('corroboration', '', 'network', network, 'events', count(*), 'sessions', make_set(session_id)) AS evidence
FROM ev
GROUP BY source, user, network
HAVING 40 >= ${min_score}
