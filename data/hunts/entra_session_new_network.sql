-- id: entra_session_new_network
-- title: Entra session used from a network it did not start on
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: One SessionId (the session behind a session cookie or refresh token)
--   seen from a network other than the ones it started on (network: the ASN, or the
--   /24 or /64 for hosting, VPN and unknown networks, so carrier IP rotation and one
--   ISP's IPv4 and IPv6 are not changes). Ranked up for hosting and VPN networks, networks
--   the user does not come back to across days and sessions, a country that is neither the
--   session's nor one of the user's regular ones, another operating system, impossible
--   speed and back-and-forth (concurrent) use, and a sign-in relayed through a new hosting
--   network that the relay's own address then uses in another operating system's
--   browser; ranked down for addresses many users share
--   (corporate egress), privacy relays and mobile carriers. Microsoft's infrastructure and
--   allowlisted networks are ignored.
-- materialize: ev
-- param: min_score = 50 | Findings below this score are dropped, except corroborated ones (the incident weighs them); above 100 drops every finding.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: origin_minutes = 10 | Networks seen within this many minutes of a session's first event are its origin.
-- param: travel_kmh = 900 | Faster than an airliner (after 100 km of geolocation tolerance) is impossible travel.
-- param: regular_days = 3 | A country or network the user used on this many days is theirs.
-- joins: as written
WITH ev AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.lat, e.lon, e.app,
           e.category, e.network, e.client_os, e.device_id, e.user_agent, e.log_type, e.admin_tool, e.network_days, e.shared_by AS prefix_users,
           least(e.network_spread_km, 3000.0) AS tolerance,
           e.category IN ('mobile', 'privacy_relay', 'cdn')
               OR coalesce(e.roaming_share >= 0.3 AND e.roaming_users >= 3, false) AS roaming
    FROM ${user_events_profiled} e
    WHERE e.source = 'entra' AND e.session_id IS NOT NULL AND e.user IS NOT NULL AND e.result = 'success'
      AND e.time < ${until} AND e.category <> 'private'
),
sessions AS (
    -- A session signed in interactively through a hosting or VPN network new to the user
    -- is relayed: its origin is that first network alone, so the replay minutes later
    -- (an adversary-in-the-middle's proxy, then the stolen cookie) is not taken for it.
    -- A proxy relays the browser but cannot present the device: a sign-in that carries a
    -- device id came from the device itself (a personal VPN), not through a relay.
    SELECT user, session_id, min(time) AS session_start,
           coalesce(first_value(category IN ('hosting', 'vpn', 'tor') AND log_type = 'interactive'
                                AND network_days < ${regular_days} AND device_id IS NULL ORDER BY time), false) AS relayed,
           first_value(asn ORDER BY time) AS relay_asn
    FROM ev
    GROUP BY user, session_id HAVING max(time) >= ${since}
),
relay_elsewhere AS (
    -- A relayed sign-in is interactive: the user sat at the relay's keyboard only if none
    -- of their own fixed networks (no carrier, hosting or VPN; used on regular_days days;
    -- Okta's too) saw them within two hours at a distance no flight covers. An adversary
    -- in the middle relays the victim's sign-in from its server while the victim is at
    -- home. (A personal VPN at home looks the same, so this alone corroborates nothing.)
    SELECT s.user, s.session_id
    FROM sessions s
    JOIN ev r ON r.user = s.user AND r.session_id = s.session_id AND r.time = s.session_start
    JOIN network_events h ON h.user = s.user AND coalesce(h.session_id, '') <> s.session_id
     AND h.time BETWEEN s.session_start - INTERVAL '2 hours' AND s.session_start + INTERVAL '2 hours'
    JOIN baseline_user_networks hb ON hb.source = h.source AND hb.user = h.user AND hb.network = h.network
    WHERE s.relayed AND hb.days >= ${regular_days} AND h.lat IS NOT NULL
      AND h.category NOT IN ('mobile', 'hosting', 'vpn', 'tor', 'privacy_relay', 'cdn', 'microsoft', 'private')
      AND geo_velocity_kmh(h.time, h.lat, h.lon, r.time, r.lat, r.lon,
                           100.0 + least(hb.spread_km, 3000.0) + r.tolerance) > 2 * ${travel_kmh}
    GROUP BY s.user, s.session_id
),
origin AS (
    SELECT ev.user, ev.session_id, make_set(network) AS origin_networks, make_set(country) AS origin_countries,
           array_remove(make_set(client_os), 'unknown') AS origin_oses, make_set(device_id) AS origin_devices,
           bool_or(s.relayed) AS origin_relayed
    FROM sessions s JOIN ev ON ev.user = s.user AND ev.session_id = s.session_id
    WHERE ev.time <= s.session_start + CASE WHEN s.relayed THEN INTERVAL '0 minutes'
                                            ELSE INTERVAL '${origin_minutes} minutes' END
    GROUP BY ev.user, ev.session_id
),
hops AS (
    -- Speeds between consecutive located events on different networks. Each side's
    -- geolocation error is the spread of that network's positions for this user;
    -- mobile carriers and relays geolocate their gateways, not the user, and are left out.
    SELECT user, session_id, network, previous_network,
           date_part('epoch', time - previous_time) AS seconds,
           geo_distance_km(previous_lat, previous_lon, lat, lon) - tolerance - previous_tolerance AS km,
           geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon,
                            100.0 + tolerance + previous_tolerance) AS kmh
    FROM (
        SELECT user, session_id, time, lat, lon, network, tolerance,
               lag(network) OVER w AS previous_network, lag(time) OVER w AS previous_time,
               lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
               lag(tolerance) OVER w AS previous_tolerance
        FROM ev WHERE lat IS NOT NULL AND category NOT IN ('mobile', 'privacy_relay', 'cdn', 'microsoft')
        WINDOW w AS (PARTITION BY user, session_id ORDER BY time)
    )
    WHERE previous_network IS NOT NULL AND previous_network <> network
),
switches AS (
    -- Each hop counts for both of its networks: a hop between two of the user's own
    -- networks (home and a corporate VPN exiting abroad) says nothing about a third
    -- network the session reached days later.
    SELECT user, session_id, network,
           max(kmh) AS max_switch_kmh,
           sum(CASE WHEN seconds < 3600 AND km > 50 THEN 1 ELSE 0 END) AS fast_far_switches
    FROM (
        SELECT user, session_id, network, seconds, km, kmh FROM hops
        UNION ALL
        SELECT user, session_id, previous_network AS network, seconds, km, kmh FROM hops
    )
    GROUP BY user, session_id, network
),
regular_countries AS (
    SELECT user, make_set(country) AS countries FROM baseline_user_countries
    WHERE source = 'entra' AND days >= ${regular_days} GROUP BY user
),
-- The clients and devices the user shows on regular_days days or more, or at home.
known_clients AS ${known_clients},
session_agents AS (
    -- Every user agent the session showed on each network.
    SELECT user, session_id, network, make_set(user_agent) AS agents FROM ev GROUP BY user, session_id, network
),
agents_elsewhere AS (
    SELECT c.user, c.session_id, c.network, array_distinct(flatten(array_agg(m.agents))) AS agents
    FROM session_agents c
    JOIN session_agents m ON m.user = c.user AND m.session_id = c.session_id AND m.network <> c.network
    GROUP BY c.user, c.session_id, c.network
),
session_clients AS (
    -- Per network: the applications the session works in there (admin tools aside, and
    -- not an app signed in to once, as when the user authorises an integration) and the
    -- user agents it showed without a device id.
    SELECT user, session_id, network, make_set(CASE WHEN events >= 3 THEN data_app END) AS data_apps,
           array_distinct(flatten(array_agg(bare_agents))) AS bare_agents
    FROM (SELECT user, session_id, network, CASE WHEN NOT admin_tool THEN app END AS data_app, count(*) AS events,
                 make_set(CASE WHEN device_id IS NULL THEN user_agent END) AS bare_agents
          FROM ev GROUP BY user, session_id, network, CASE WHEN NOT admin_tool THEN app END)
    GROUP BY user, session_id, network
),
clients_elsewhere AS (
    SELECT c.user, c.session_id, c.network,
           array_distinct(flatten(array_agg(m.data_apps))) AS data_apps,
           array_distinct(flatten(array_agg(m.bare_agents))) AS bare_agents
    FROM session_clients c
    JOIN session_clients m ON m.user = c.user AND m.session_id = c.session_id AND m.network <> c.network
    GROUP BY c.user, c.session_id, c.network
),
usage AS (
    SELECT user, session_id, network,
           min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           dcount(date_trunc('day', time)) AS days_here,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           array_remove(make_set(client_os), 'unknown') AS oses, make_set(device_id) AS devices, bool_and(admin_tool) AS admin_only, max(category) AS category,
           make_set(CASE WHEN NOT admin_tool THEN app END) AS data_apps, make_set(user_agent) AS agents,
           -- The clients of the session's own work here: admin tools (Azure CLI in a
           -- cloud shell beside the browser) are the user's, whatever system they report.
           make_set(CASE WHEN NOT admin_tool THEN user_agent END) AS data_agents,
           array_remove(make_set(CASE WHEN NOT admin_tool THEN client_os END), 'unknown') AS data_oses,
           make_set(CASE WHEN user_agent IS NOT NULL AND NOT admin_tool
                         THEN concat(coalesce(device_id, ''), '|', user_agent) END) AS clients,
           max(prefix_users) AS shared_by, bool_or(roaming) AS roaming
    FROM ev WHERE time >= ${since}
    GROUP BY user, session_id, network
),
scored AS (
    SELECT u.*, s.session_start, o.origin_networks, o.origin_countries, o.origin_oses,
           -- What a thief cannot avoid: a session signed in through a hosting or VPN
           -- network the user never uses and moved on within the hour to another new
           -- network (the adversary-in-the-middle's proxy, then the cookie's replay); or
           -- a device's session whose tokens turn up without the device's id.
           concat_ws(',',
               -- A move within the relay's own provider is a VPN reconnecting to
               -- another server, not a replay.
               CASE WHEN o.origin_relayed
                         AND NOT coalesce(array_has(u.asns, s.relay_asn), false)
                         AND ((b.days < ${regular_days} AND u.first_seen <= s.session_start + INTERVAL '60 minutes'
                               -- A VPN user switching servers keeps their browser: from
                               -- one hosting or VPN exit to another, the client must change.
                               AND (u.category NOT IN ('hosting', 'vpn', 'tor')
                                    OR NOT array_has_all(coalesce(ae.agents, make_array('-')), u.data_agents)))
                              -- ... and, later that day, the replay: a network new to the user
                              -- that no VPN user hops to (a home or carrier address).
                              OR (b.days < ${regular_days} AND re.session_id IS NOT NULL
                                  AND u.first_seen <= s.session_start + INTERVAL '24 hours'
                                  AND u.category NOT IN ('hosting', 'vpn', 'tor', 'privacy_relay', 'cdn', 'microsoft'))
                              -- ... or within the day by another machine: user agents the
                              -- relayed browser did not show, that the user shows nowhere
                              -- else (the cookie replayed hours later from the thief's own
                              -- browser or script; a VPN user moving on keeps their browser),
                              -- on any network: a residential proxy on the victim's own
                              -- provider is no less a second machine.
                              OR (u.first_seen <= s.session_start + INTERVAL '24 hours'
                                  AND u.category NOT IN ('privacy_relay', 'cdn', 'microsoft')
                                  AND cardinality(u.data_agents) > 0
                                  AND NOT array_has_any(coalesce(ae.agents, make_array('-')), u.data_agents)
                                  AND NOT array_has_any(coalesce(k.regular_clients, make_array('-')), u.clients)))
                    THEN 'relayed_sign_in'
                    -- ... or by the relay's own server in another system's browser: the
                    -- proxy that relayed a Windows sign-in replays the cookie from Linux,
                    -- in agents the user does not run on regular days. One session id is
                    -- one device's sign-in; a VPN user's session shows their one machine.
                    WHEN o.origin_relayed AND array_has(o.origin_networks, u.network)
                         AND u.category IN ('hosting', 'vpn', 'tor') AND b.days < ${regular_days}
                         AND u.shared_by < ${shared_users} AND cardinality(u.devices) = 0
                         AND cardinality(o.origin_oses) > 0
                         AND NOT array_has_all(o.origin_oses, array_intersect(u.data_oses, make_array('Windows', 'macOS', 'Linux')))
                         AND NOT array_has_all(coalesce(k.regular_clients, make_array('-')), u.clients)
                    THEN 'relayed_sign_in' END,
               -- Microsoft's cloud (Cloud Shell, Azure services) carries a user's tokens
               -- off the device by design. A SaaS integration acting for the user runs its
               -- own application, a stolen token the session's own; and a client the
               -- session shows without a device id elsewhere too (a laptop beside the
               -- phone that started the session) is the user's.
               CASE WHEN cardinality(o.origin_devices) > 0 AND cardinality(u.devices) = 0
                         AND b.days < ${regular_days} AND u.category <> 'microsoft' AND NOT u.admin_only
                         AND array_has_any(coalesce(x.data_apps, make_array('-')), u.data_apps)
                         AND NOT array_has_all(coalesce(x.bare_agents, make_array('-')), u.data_agents)
                    THEN 'token_left_device' END,
               -- Another machine in the session: on a network new to the user (no
               -- carrier, relay or Microsoft), an operating system the session did not
               -- start on, with user agents the session showed on no other network and
               -- the user shows on no regular day nor at home, working in the session's
               -- own apps. One session id is one device's sign-in; a thief's machine
               -- presents its own system, and copying an agent string does not copy the
               -- device the session started on.
               CASE WHEN b.days < ${regular_days} AND u.category NOT IN ('mobile', 'privacy_relay', 'cdn', 'microsoft')
                         AND NOT u.admin_only AND u.shared_by < ${shared_users}
                         AND cardinality(o.origin_oses) > 0 AND cardinality(u.data_oses) > 0
                         AND NOT array_has_any(o.origin_oses, u.data_oses)
                         AND NOT array_has_all(coalesce(ae.agents, make_array('-')), u.data_agents)
                         AND NOT array_has_all(coalesce(k.clients, make_array('-')), u.clients)
                         AND array_has_any(coalesce(x.data_apps, make_array('-')), u.data_apps)
                    THEN 'new_client' END) AS corroboration,
           w.max_switch_kmh, w.fast_far_switches,
           b.days AS network_days, b.sessions AS network_sessions,
           CASE u.category WHEN 'hosting' THEN 35 WHEN 'vpn' THEN 30 WHEN 'tor' THEN 45 WHEN 'microsoft' THEN 25
                WHEN 'privacy_relay' THEN -30 WHEN 'cdn' THEN -20 WHEN 'mobile' THEN -10 ELSE 0 END
           + CASE WHEN u.roaming AND u.category NOT IN ('mobile', 'privacy_relay', 'cdn') THEN -10 ELSE 0 END
           + CASE WHEN b.days >= ${regular_days} THEN -40 ELSE 20 END
           + CASE WHEN cardinality(u.countries) > 0 AND cardinality(o.origin_countries) > 0
                       AND NOT array_has_any(o.origin_countries, u.countries)
                       AND NOT array_has_any(coalesce(r.countries, make_array('-')), u.countries) THEN 20 ELSE 0 END
           + CASE WHEN cardinality(u.oses) > 0 AND cardinality(o.origin_oses) > 0
                       AND NOT array_has_any(o.origin_oses, u.oses) THEN 15 ELSE 0 END
           -- Just above airliner speed is a flight measured with geolocation error;
           -- twice that is no flight.
           + CASE WHEN coalesce(w.max_switch_kmh, 0) > 2 * ${travel_kmh} THEN 25
                  WHEN coalesce(w.max_switch_kmh, 0) > ${travel_kmh} THEN 10 ELSE 0 END
           + CASE WHEN coalesce(w.fast_far_switches, 0) >= 3 THEN 25 ELSE 0 END
           + CASE WHEN u.shared_by >= ${shared_users} THEN -60 ELSE 0 END AS score
    FROM usage u
    JOIN sessions s ON u.user = s.user AND u.session_id = s.session_id
    JOIN origin o ON u.user = o.user AND u.session_id = o.session_id
    JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = u.user AND b.network = u.network
    LEFT JOIN switches w ON u.user = w.user AND u.session_id = w.session_id AND u.network = w.network
    LEFT JOIN clients_elsewhere x ON x.user = u.user AND x.session_id = u.session_id AND x.network = u.network
    LEFT JOIN regular_countries r ON r.user = u.user
    LEFT JOIN relay_elsewhere re ON re.user = u.user AND re.session_id = u.session_id
    LEFT JOIN agents_elsewhere ae ON ae.user = u.user AND ae.session_id = u.session_id AND ae.network = u.network
    LEFT JOIN known_clients k ON k.source = 'entra' AND k.user = u.user
    -- The session's own origin is no move, but for the relay's own replay (above).
    WHERE (NOT array_has(o.origin_networks, u.network) OR o.origin_relayed)
      -- Microsoft's services act for the user for an event or two inside a session;
      -- sustained use from Microsoft's AS is someone's Azure VM.
      AND NOT (u.category = 'microsoft' AND u.events <= 3)
),
ranked AS (
    -- Another machine in the session weighs like an impossible hop: the session's own
    -- device cannot be in two places, nor be two systems, nor leave its id behind.
    SELECT * REPLACE (score + CASE WHEN corroboration LIKE '%new_client%' OR corroboration LIKE '%token_left_device%'
                                   THEN 40 ELSE 0 END AS score),
           row_number() OVER (PARTITION BY user, session_id ORDER BY corroboration LIKE '%relayed_sign_in%' DESC,
                                                                    corroboration <> '' DESC, score DESC, first_seen) AS rank
    FROM scored
    WHERE NOT array_has(origin_networks, network) OR corroboration = 'relayed_sign_in'
)
SELECT user, session_id, 'entra' AS source, first_seen, last_seen,
       least(100, score) AS score, ips, asns, countries, apps,
       CASE WHEN array_has(origin_networks, network)
            THEN concat('session signed in through ', network, ' (', category, ', ', array_to_string(countries, ', '),
                        '), a network new to the user, was used there by ', array_to_string(data_oses, ', '),
                        ' while the sign-in showed ', array_to_string(origin_oses, ', '),
                        ': the relay replaying the session on another machine')
            ELSE concat('session started on ', array_to_string(origin_networks, ', '),
                        ' (', array_to_string(origin_countries, ', '), ') was used from ', network,
                        ' (', category, ', ', array_to_string(countries, ', '), ') ',
                        CAST(round(date_part('epoch', first_seen - session_start) / 60) AS BIGINT),
                        ' min after it started; the user used that network on ', CAST(network_days AS VARCHAR),
                        ' day(s) in all') END AS reason,
       named_struct('corroboration', corroboration, 'network', network, 'category', category, 'events', events, 'oses', oses,
                    'origin_networks', origin_networks, 'origin_countries', origin_countries,
                    'origin_oses', origin_oses, 'network_days', network_days, 'network_sessions', network_sessions,
                    'shared_by_users', shared_by, 'max_switch_kmh', max_switch_kmh,
                    'fast_far_switches', fast_far_switches) AS evidence
FROM ranked
-- A corroborated finding (a relayed sign-in's move, another machine in the session) is
-- kept whatever the network weighs (the replay from a carrier or from the victim's own
-- country's broadband): the incident weighs it with the other hunts' findings. A
-- min_score above 100 turns the hunt's findings off, corroborated ones too.
WHERE rank = 1 AND (least(100, score) >= ${min_score} OR (${min_score} <= 100 AND corroboration <> ''))
