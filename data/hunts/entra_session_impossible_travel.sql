-- id: entra_session_impossible_travel
-- title: Impossible travel inside one Entra session
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: Two consecutive events of one session on different networks, farther
--   apart than an airliner could fly in the time between them (after a tolerance for
--   geolocation error). One session cannot move that fast: the token is being used in two
--   places, for example through a residential proxy that no ASN list flags. Carrier IP
--   rotation stays within one network, and privacy relays and Microsoft's own
--   infrastructure are ignored.
-- materialize: tagged
-- param: min_score = 60 | Findings below this score are dropped.
-- param: travel_kmh = 900 | Speed above which travel is impossible.
-- param: min_km = 500 | Hops shorter than this are ignored (geolocation noise).
-- param: tolerance_km = 100 | Geolocation error subtracted from every distance.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: regular_days = 3 | Hops between two networks the user used on this many days each are not reported.
-- joins: as written
WITH tagged AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.city, e.lat, e.lon, e.app, e.prefix, e.device_id, e.user_agent,
           CASE WHEN NOT e.admin_tool THEN e.app END AS data_app,
           e.category, e.network, e.shared_by, b.days AS network_days, b.first_seen AS network_first,
           least(b.spread_km, 3000.0) AS tolerance
    -- Baselines on the left of each join (its hash table), the events streaming past
    -- them; each join is a derived table of its own, so the optimizer keeps that order
    -- (it reorders a nested join).
    FROM baseline_user_networks b
    JOIN (SELECT e.*, p.users AS shared_by
          FROM baseline_prefix_users p
          JOIN ${user_events} e ON p.source = e.source AND p.prefix = e.prefix) e
      ON b.source = e.source AND b.user = e.user AND b.network = e.network
    WHERE e.source = 'entra' AND e.session_id IS NOT NULL AND e.user IS NOT NULL AND e.lat IS NOT NULL
      AND e.result = 'success' AND e.time >= ${since} AND e.time < ${until}
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'microsoft')
      -- A carrier's addresses rotate and geolocate far apart, so the user's own carriers
      -- are no network here; a carrier new to the user may be the thief's phone or proxy.
      AND (e.category <> 'mobile' OR b.days < ${regular_days})
      -- Carriers put strangers behind one address (CGNAT): that is no shared office.
      AND (e.shared_by < ${shared_users} OR e.category = 'mobile')
),
steps AS (
    SELECT t.*,
           lag(network) OVER w AS previous_network, lag(time) OVER w AS previous_time,
           lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
           lag(country) OVER w AS previous_country, lag(city) OVER w AS previous_city,
           lag(ip) OVER w AS previous_ip, lag(category) OVER w AS previous_category, lag(network_days) OVER w AS previous_network_days,
           lag(network_first) OVER w AS previous_network_first,
           lag(tolerance) OVER w AS previous_tolerance
    FROM tagged t
    WINDOW w AS (PARTITION BY t.user, t.session_id ORDER BY t.time)
),
jumps AS (
    -- Each side's geolocation error: the spread of that network's positions for this user.
    SELECT *, geo_distance_km(previous_lat, previous_lon, lat, lon) AS km,
           geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon,
                            ${tolerance_km} + tolerance + previous_tolerance) AS kmh
    FROM steps
    -- Two networks the user comes back to for days (home and a second home) are theirs.
    WHERE previous_network IS NOT NULL AND previous_network <> network
      AND least(network_days, previous_network_days) < ${regular_days}
),
clients AS (
    SELECT user, session_id, network, make_set(device_id) AS devices, make_set(user_agent) AS agents,
           make_set(CASE WHEN user_agent IS NOT NULL THEN concat(coalesce(device_id, ''), '|', user_agent) END) AS client_keys,
           make_set(data_app) AS apps
    FROM tagged GROUP BY user, session_id, network
),
agent_devices AS (
    -- Per network and user agent: whether it came with a device id, without one, or both.
    SELECT t.user, t.session_id, t.network, t.user_agent,
           bool_or(t.device_id IS NULL) AS bare, bool_or(t.device_id IS NOT NULL) AS carried
    FROM (SELECT DISTINCT user, session_id FROM jumps WHERE km >= ${min_km} AND kmh > ${travel_kmh}) j
    JOIN tagged t ON j.user = t.user AND j.session_id = t.session_id
    WHERE t.user_agent IS NOT NULL
    GROUP BY t.user, t.session_id, t.network, t.user_agent
),
stripped AS (
    -- A user agent that on every other network of the session came with a device id,
    -- here without one: the agent copied, the device not. A laptop without a device id
    -- beside a phone with one shows its agent bare everywhere.
    SELECT DISTINCT user, session_id, network FROM (
        SELECT o.user, o.session_id, o.network, o.user_agent
        FROM agent_devices o
        JOIN agent_devices m ON m.user = o.user AND m.session_id = o.session_id
         AND m.user_agent = o.user_agent AND m.network <> o.network
        WHERE o.bare
        GROUP BY o.user, o.session_id, o.network, o.user_agent
        HAVING bool_and(m.carried AND NOT m.bare))
),
-- The clients and devices the user shows on regular_days days or more (one definition,
-- filled in by the engine; see "known_clients" in the README).
known_clients AS ${known_clients},
elsewhere AS (
    -- The clients each fast hop's session showed on every other network.
    SELECT j.user, j.session_id, j.network,
           array_distinct(flatten(array_agg(c.devices))) AS devices,
           array_distinct(flatten(array_agg(c.agents))) AS agents,
           array_distinct(flatten(array_agg(c.apps))) AS apps
    FROM (SELECT DISTINCT user, session_id, network FROM jumps WHERE km >= ${min_km} AND kmh > ${travel_kmh}) j
    JOIN clients c ON c.user = j.user AND c.session_id = j.session_id AND c.network <> j.network
    GROUP BY j.user, j.session_id, j.network
),
fast AS (
    -- Whether the new side is another client: a user agent the session never showed on
    -- any other network, from a client (device id and agent) the user does not show on
    -- many days; a device id neither the session showed on any other network nor the
    -- user shows on many days; or an agent without the device id it always carried
    -- elsewhere.
    -- One machine behind a VPN or a phone's home carrier shows the same clients, however
    -- fast it seems to move.
    -- A SaaS integration redeeming the user's token from its cloud is another client too,
    -- but with its own application: a stolen token is used with the session's own apps.
    SELECT j.*, ((NOT array_has_all(x.agents, a.agents) AND NOT array_has_all(coalesce(k.clients, make_array('-')), a.client_keys))
                 OR NOT array_has_all(array_concat(x.devices, coalesce(k.devices, make_array('-'))), a.devices)
                 OR st.network IS NOT NULL)
                AND array_has_any(x.apps, a.apps) AS two_clients
    FROM jumps j
    JOIN clients a ON a.user = j.user AND a.session_id = j.session_id AND a.network = j.network
    JOIN clients b ON b.user = j.user AND b.session_id = j.session_id AND b.network = j.previous_network
    JOIN elsewhere x ON x.user = j.user AND x.session_id = j.session_id AND x.network = j.network
    LEFT JOIN known_clients k ON k.source = 'entra' AND k.user = j.user
    LEFT JOIN stripped st ON st.user = j.user AND st.session_id = j.session_id AND st.network = j.network
    WHERE j.km >= ${min_km} AND j.kmh > ${travel_kmh}
),
returned AS (
    -- The session jumped back as impossibly fast: used in both places, not a trip
    -- (in-flight Wi-Fi and carriers hop one way between their gateways).
    SELECT DISTINCT a.user, a.session_id
    FROM fast a
    JOIN fast b ON a.user = b.user AND a.session_id = b.session_id
     AND b.previous_network = a.network AND b.network = a.previous_network AND b.time > a.time
)
SELECT f.user, f.session_id, 'entra' AS source, min(previous_time) AS first_seen, max(time) AS last_seen,
       least(100, 65 + CASE WHEN max(kmh) > 5000 THEN 15 ELSE 0 END
                      + CASE WHEN bool_or(previous_country <> country) THEN 10 ELSE 0 END) AS score,
       -- The addresses of the side the user knows least (fewer days, else first seen later):
       -- the session's own address is the victim's, not the thief's.
       make_set(CASE WHEN network_days < previous_network_days
                          OR (network_days = previous_network_days AND network_first > previous_network_first)
                     THEN ip ELSE previous_ip END) AS ips, make_set(asn) AS asns,
       array_distinct(array_concat(make_set(previous_country), make_set(country))) AS countries, make_set(app) AS apps,
       concat('session moved ', CAST(CAST(max(km) AS BIGINT) AS VARCHAR), ' km between networks at ',
              CAST(CAST(least(max(kmh), 99999) AS BIGINT) AS VARCHAR), ' km/h (',
              array_to_string(make_set(concat(coalesce(previous_city, previous_country), ' → ', coalesce(city, country))), '; '), ')',
              CASE WHEN bool_or(r.user IS NOT NULL) THEN ' and back' ELSE '' END) AS reason,
       -- A VPN, a relay or in-flight Wi-Fi moves one machine's session instantly; a session
       -- that lands at twice airliner speed on a network the user never used, with another
       -- client running the session's own apps, is a second machine: the thief's server or
       -- residential proxy. The rest is context.
       -- The thief is the side the user knows least: a hop back onto the better-known
       -- network is the victim's. A hop onto a new carrier counts only into another
       -- country, and none from a carrier: carriers geolocate their addresses far from
       -- the phone.
       named_struct('corroboration', CASE WHEN bool_or(two_clients AND network_days < ${regular_days}
                                                      AND previous_category <> 'mobile'
                                                      AND (network_days < previous_network_days
                                                           OR (network_days = previous_network_days
                                                               AND network_first > previous_network_first))
                                                      AND (category <> 'mobile' OR previous_country <> country)
                                                      AND kmh > 2 * ${travel_kmh}
                                                      AND km - tolerance - previous_tolerance > ${min_km})
                                          THEN 'instant_hop' ELSE '' END,
                    'returned', bool_or(r.user IS NOT NULL),
                    'jumps', count(*), 'max_kmh', max(kmh), 'max_km', max(km),
                    'networks', array_distinct(array_concat(make_set(previous_network), make_set(network)))) AS evidence
FROM fast f
LEFT JOIN returned r ON r.user = f.user AND r.session_id = f.session_id
GROUP BY f.user, f.session_id
HAVING least(100, 65 + CASE WHEN max(kmh) > 5000 THEN 15 ELSE 0 END
                     + CASE WHEN bool_or(previous_country <> country) THEN 10 ELSE 0 END) >= ${min_score}
