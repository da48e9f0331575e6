-- id: session_concurrent_use
-- title: One session used from two networks at once
-- technique: T1550.001
-- severity: high
-- sources: entra, okta
-- description: The same session (Entra SessionId, Okta externalSessionId) switching back
--   and forth between two networks, again and again within minutes: the victim's device
--   and the thief's replayed token or cookie using one session at the same time. People
--   move a session from one network to another (home, office, a hotel), toggle a VPN for
--   an hour at a time, or carry a phone on a carrier (carriers, relays and Microsoft's
--   services are not counted as networks here); they do not alternate between two
--   networks several times with only minutes on each, nor go there and back faster than
--   an airliner flies. This is the corroboration a thief
--   cannot avoid while the victim keeps working; the score then weighs what the other
--   network is: new to the user, hosting or VPN, far away, another country. Lists only
--   the other network's addresses, never the session's own.
-- materialize: ev
-- param: min_score = 60 | Findings below this score are dropped.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: min_switches = 3 | Switches between the two networks (A→B→A→B is three) that make use concurrent.
-- param: minutes_per_switch = 30 | At most this many minutes per switch on average: alternation, not a move.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- param: far_km = 500 | Networks farther apart than this (after each side's geolocation spread) cannot both be one person's.
-- param: travel_kmh = 900 | A round trip between the two networks faster than this is no trip.
-- joins: as written
WITH ev AS (
    -- Okta OAuth token grants come from the sign-in widget or an SDK with a device hash
    -- and agent of their own: they count as use of the session, not as a client.
    SELECT e.source, e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.lat, e.lon, e.app,
           CASE WHEN e.event_type NOT LIKE 'app.oauth2.%' THEN e.device_id END AS device_id,
           CASE WHEN e.event_type NOT LIKE 'app.oauth2.%' THEN e.user_agent END AS user_agent,
           CASE WHEN e.event_type NOT LIKE 'app.oauth2.%' THEN 1 ELSE 0 END AS client_event,
           CASE WHEN NOT e.admin_tool THEN e.app END AS data_app,
           e.network, e.category, e.network_days, least(e.network_spread_km, 3000.0) AS spread_km,
           -- Carriers put strangers behind one address (CGNAT): that is no shared office.
           CASE WHEN e.category = 'mobile' THEN 0 ELSE e.shared_by END AS shared_by
    FROM ${user_events_profiled} e
    WHERE e.session_id IS NOT NULL AND e.user IS NOT NULL AND coalesce(e.result, 'success') = 'success'
      AND e.time >= ${since} - INTERVAL '1 day' AND e.time < ${until}
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'microsoft')
      -- A carrier's addresses rotate and geolocate far apart, so the user's own carriers
      -- are no network here; a carrier new to the user may be the thief's phone or proxy.
      AND (e.category <> 'mobile' OR e.network_days < ${regular_days})
),
steps AS (
    SELECT source, user, session_id, time, network,
           lag(network) OVER w AS previous_network, lag(time) OVER w AS previous_time
    FROM ev
    WINDOW w AS (PARTITION BY source, user, session_id ORDER BY time)
),
pairs AS (
    -- Every switch counts for the unordered pair of networks it joins.
    SELECT source, user, session_id,
           least(network, previous_network) AS network_a, greatest(network, previous_network) AS network_b,
           count(*) AS switches, min(previous_time) AS first_switch, max(time) AS last_switch
    FROM steps
    WHERE previous_network IS NOT NULL AND previous_network <> network
    GROUP BY source, user, session_id, least(network, previous_network), greatest(network, previous_network)
    HAVING count(*) >= 2 AND max(time) >= ${since}
),
sessions AS (
    SELECT source, user, session_id, min(time) AS session_start FROM ev GROUP BY source, user, session_id
),
per_network AS (
    SELECT e.source, e.user, e.session_id, e.network,
           min(e.time) AS first_seen, max(e.time) AS last_seen, count(*) AS events,
           make_set(e.ip) AS ips, make_set(e.asn) AS asns, make_set(e.country) AS countries, make_set(e.app) AS apps, make_set(e.data_app) AS data_apps,
           max(e.category) AS category, bool_or(e.category = 'mobile') AS mobile, max(e.network_days) AS network_days, max(e.shared_by) AS shared_by,
           avg(e.lat) AS lat, avg(e.lon) AS lon, max(e.spread_km) AS spread_km,
           make_set(e.device_id) AS devices, make_set(e.user_agent) AS agents,
           make_set(CASE WHEN e.user_agent IS NOT NULL THEN concat(coalesce(e.device_id, ''), '|', e.user_agent) END) AS clients
    FROM (SELECT DISTINCT source, user, session_id FROM pairs) s
    JOIN ev e ON s.source = e.source AND s.user = e.user AND s.session_id = e.session_id
    GROUP BY e.source, e.user, e.session_id, e.network
),
elsewhere AS (
    -- The clients the session showed on every other network.
    SELECT n.source, n.user, n.session_id, n.network,
           array_distinct(flatten(array_agg(m.devices))) AS devices,
           array_distinct(flatten(array_agg(m.agents))) AS agents,
           array_distinct(flatten(array_agg(m.data_apps))) AS data_apps
    FROM per_network n
    JOIN per_network m ON m.source = n.source AND m.user = n.user AND m.session_id = n.session_id AND m.network <> n.network
    GROUP BY n.source, n.user, n.session_id, n.network
),
agent_devices AS (
    -- Per network and user agent: whether it came with a device id, without one, or both.
    SELECT e.source, e.user, e.session_id, e.network, e.user_agent,
           bool_or(e.device_id IS NULL) AS bare, bool_or(e.device_id IS NOT NULL) AS carried
    FROM (SELECT DISTINCT source, user, session_id FROM pairs) s
    JOIN ev e ON s.source = e.source AND s.user = e.user AND s.session_id = e.session_id
    WHERE e.user_agent IS NOT NULL AND e.client_event = 1
    GROUP BY e.source, e.user, e.session_id, e.network, e.user_agent
),
stripped AS (
    -- A user agent that on every other network of the session came with a device id,
    -- here without one: the agent copied, the device not (a second machine). A laptop
    -- without a device id beside a phone with one shows its agent bare everywhere.
    SELECT DISTINCT source, user, session_id, network FROM (
        SELECT o.source, o.user, o.session_id, o.network, o.user_agent
        FROM agent_devices o
        JOIN agent_devices m ON m.source = o.source AND m.user = o.user AND m.session_id = o.session_id
         AND m.user_agent = o.user_agent AND m.network <> o.network
        WHERE o.bare
        GROUP BY o.source, o.user, o.session_id, o.network, o.user_agent
        HAVING bool_and(m.carried AND NOT m.bare))
),
-- The clients and devices the user shows on regular_days days or more (one definition,
-- filled in by the engine; see "known_clients" in the README).
known_clients AS ${known_clients},
sides AS (
    -- The other network is the one the user knows least; on a tie, the one the session
    -- did not start on. A network many users share (the office's egress, a corporate
    -- VPN) is someone's own, never the other.
    SELECT p.source, p.user, p.session_id, p.switches, p.first_switch, p.last_switch,
           CASE WHEN b.shared_by >= ${shared_users} OR a.network_days < b.network_days
                     OR (a.network_days = b.network_days AND a.first_seen > b.first_seen)
                THEN p.network_a ELSE p.network_b END AS other_network,
           CASE WHEN b.shared_by >= ${shared_users} OR a.network_days < b.network_days
                     OR (a.network_days = b.network_days AND a.first_seen > b.first_seen)
                THEN p.network_b ELSE p.network_a END AS own_network
    FROM pairs p
    JOIN per_network a ON a.source = p.source AND a.user = p.user AND a.session_id = p.session_id AND a.network = p.network_a
    JOIN per_network b ON b.source = p.source AND b.user = p.user AND b.session_id = p.session_id AND b.network = p.network_b
),
scored AS (
    SELECT s.*, o.ips, o.asns, o.countries, o.apps, o.category, o.network_days, o.events, o.mobile, w.mobile AS own_mobile,
           w.countries AS own_countries, geo_distance_km(w.lat, w.lon, o.lat, o.lon) AS km,
           geo_distance_km(w.lat, w.lon, o.lat, o.lon) - coalesce(w.spread_km, 0) - coalesce(o.spread_km, 0) AS separated_km,
           -- With one day of history every network is new: the session's own network
           -- is then the one it started on (first-seen within the data is the baseline).
           45 + CASE WHEN o.network_days < ${regular_days} THEN 10 ELSE 0 END
              + CASE o.category WHEN 'hosting' THEN 15 WHEN 'vpn' THEN 15 WHEN 'tor' THEN 20 ELSE 0 END
              + CASE WHEN geo_distance_km(w.lat, w.lon, o.lat, o.lon) - coalesce(w.spread_km, 0) - coalesce(o.spread_km, 0) > ${far_km}
                     THEN 15 ELSE 0 END
              + CASE WHEN cardinality(o.countries) > 0 AND cardinality(w.countries) > 0
                          AND NOT array_has_any(o.countries, w.countries) THEN 10 ELSE 0 END AS score
    FROM sides s
    JOIN per_network o ON o.source = s.source AND o.user = s.user AND o.session_id = s.session_id AND o.network = s.other_network
    JOIN per_network w ON w.source = s.source AND w.user = s.user AND w.session_id = s.session_id AND w.network = s.own_network
    JOIN elsewhere x ON x.source = s.source AND x.user = s.user AND x.session_id = s.session_id AND x.network = s.other_network
    LEFT JOIN known_clients k ON k.source = s.source AND k.user = s.user
    LEFT JOIN stripped st ON st.source = s.source AND st.user = s.user AND st.session_id = s.session_id AND st.network = s.other_network
    -- Two clients: the other network shows a user agent the session showed nowhere else,
    -- from a client (device id and agent) the user does not show on many days; or a
    -- device id neither the session showed elsewhere nor the user shows on many days (a
    -- laptop abroad beside the phone its session started on is still the user's); or an
    -- agent without the device id it always carried elsewhere. One machine toggling a
    -- VPN or a tether shows the same clients on both, however fast (its native clients
    -- and its browser each carry their own agent, and each is seen on many days). A
    -- SaaS integration acting with the user's token
    -- from its cloud uses its own application; a stolen token is used with the
    -- session's own apps. A network the user comes back to for days is theirs.
    WHERE o.shared_by < ${shared_users} AND o.network_days < ${regular_days} AND array_has_any(x.data_apps, o.data_apps)
      AND ((NOT array_has_all(x.agents, o.agents) AND NOT array_has_all(coalesce(k.clients, make_array('-')), o.clients))
           OR NOT array_has_all(array_concat(x.devices, coalesce(k.devices, make_array('-'))), o.devices)
           OR st.network IS NOT NULL)
)
SELECT user, session_id, source, first_switch AS first_seen, last_switch AS last_seen, least(100, score) AS score,
       ips, asns, countries, apps,
       concat('session used from ', own_network, ' and ', other_network, ' (', category, ', ',
              array_to_string(countries, ', '), ') at once: ', CAST(switches AS VARCHAR),
              ' switches between them in ', CAST(CAST(round(date_part('epoch', last_switch - first_switch) / 60) AS BIGINT) AS VARCHAR),
              ' min', CASE WHEN separated_km > ${far_km}
                           THEN concat(', ', CAST(CAST(km AS BIGINT) AS VARCHAR), ' km apart') ELSE '' END,
              '; the user used ', other_network, ' on ', CAST(network_days AS VARCHAR), ' day(s)') AS reason,
       concat(source, ':', session_id, ':', other_network) AS finding_key,
       named_struct('corroboration', 'concurrent_use', 'own_network', own_network, 'other_network', other_network,
                    'category', category, 'switches', switches, 'km', km, 'network_days', network_days,
                    'events', events) AS evidence
FROM scored
-- Alternating again and again with minutes on each, or there and back in less time than
-- any travel between the two places takes. A new carrier counts only as the other side,
-- in another country, there and back faster than travel: a phone and a laptop of one
-- person on a carrier and a hotel's network alternate too, in one city.
WHERE ((NOT mobile AND NOT own_mobile AND switches >= ${min_switches}
        AND date_part('epoch', last_switch - first_switch) / 60.0 <= ${minutes_per_switch} * switches)
       OR (separated_km > ${far_km} AND NOT own_mobile
           AND (NOT mobile OR NOT array_has_any(countries, own_countries))
           AND date_part('epoch', last_switch - first_switch) / 3600.0 * ${travel_kmh} < 2 * separated_km))
  AND least(100, score) >= ${min_score}
