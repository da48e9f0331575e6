-- id: entra_session_off_device
-- title: A device's session used without the device, from other addresses, while the device works
-- technique: T1550.001
-- severity: high
-- sources: entra
-- description: One Entra session whose device (Entra joined or registered) presents its
--   device id with every sign-in, and whose own clients (the same user agents) redeem its
--   tokens without that device id from addresses the device never used, minutes before or
--   after the device itself: the device's cookie or refresh token replayed on another
--   machine while the victim works. It needs no new network, so it sees a thief behind a
--   residential proxy on the victim's own ISP, where hunts that compare networks see one
--   network. An agent that also comes without the device id from the device's own
--   address (a private window, an app that does not send it) says nothing, and native
--   iOS and Android apps, which report the device inconsistently, are left out. Also,
--   at any hour, a desktop system the device is not (Linux in a Windows laptop's
--   session) redeeming its tokens without the device id from an address the device
--   never used, with an agent the user does not run on regular days: a session id is
--   one device's, and a thief's machine presents its own system.
-- materialize: ev
-- param: min_score = 60 | Findings below this score are dropped.
-- param: near_minutes = 30 | Use without the device within this many minutes of the device's own use is at the same time.
-- param: min_events = 2 | Events without the device that make a finding.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- joins: as written
WITH ev AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.prefix, e.network, e.category, e.asn, e.country, e.app,
           e.device_id, e.user_agent, e.admin_tool, e.client_os
    FROM ${user_events} e
    WHERE e.source = 'entra' AND e.session_id IS NOT NULL AND e.user IS NOT NULL AND e.result = 'success'
      AND e.time >= ${since} - INTERVAL '1 day' AND e.time < ${until}
      AND e.category NOT IN ('private', 'microsoft')
),
device_sessions AS (
    -- Sessions of exactly one device, with the addresses and networks it used.
    SELECT user, session_id, max(device_id) AS device_id, make_set(ip) AS device_ips,
           make_set(prefix) AS device_prefixes, make_set(network) AS device_networks,
           make_set(client_os) AS device_oses
    FROM ev WHERE device_id IS NOT NULL
    GROUP BY user, session_id HAVING dcount(device_id) = 1
),
agents AS (
    -- Per session and agent: whether it carried the device id, and whether it also came
    -- without it from one of the device's own addresses (then that is its habit).
    SELECT e.user, e.session_id, e.user_agent,
           bool_or(e.device_id IS NOT NULL) AS carried,
           bool_or(e.device_id IS NULL AND array_has(d.device_ips, e.ip)) AS bare_at_device
    FROM device_sessions d JOIN ev e ON d.user = e.user AND d.session_id = e.session_id
    WHERE e.user_agent IS NOT NULL
    GROUP BY e.user, e.session_id, e.user_agent
),
-- The clients the user shows on regular_days days or more (regular_clients).
known_clients AS ${known_clients},
off_device AS (
    -- Sign-ins without the device id from addresses the device never used (an IPv6
    -- address in one of its /64s is the same home: privacy addresses rotate), by the
    -- device's own agents, or (other_system) by another desktop system than the
    -- device's with an agent that never carried the id in this session and that the
    -- user does not run on regular days.
    SELECT e.user, e.session_id, e.time, e.ip, e.network, e.category, e.asn, e.country, e.app,
           NOT array_has(d.device_networks, e.network) AS other_network, NOT a.carried AS other_system
    FROM device_sessions d
    JOIN agents a ON a.user = d.user AND a.session_id = d.session_id
    JOIN ev e ON e.user = a.user AND e.session_id = a.session_id AND e.user_agent = a.user_agent
    LEFT JOIN known_clients k ON k.source = 'entra' AND k.user = e.user
    WHERE e.device_id IS NULL AND NOT a.bare_at_device AND NOT e.admin_tool
      AND NOT array_has(d.device_ips, e.ip)
      AND NOT (e.ip LIKE '%:%' AND array_has(d.device_prefixes, e.prefix))
      AND e.time >= ${since}
      AND CASE WHEN a.carried THEN coalesce(e.client_os, '') NOT IN ('iOS', 'Android')
               ELSE e.client_os IN ('Windows', 'macOS', 'Linux') AND NOT array_has(d.device_oses, e.client_os)
                    -- A phone's session with the laptop's apps in it is the user's two devices.
                    AND NOT array_has_any(d.device_oses, make_array('iOS', 'Android'))
                    AND e.category NOT IN ('mobile', 'privacy_relay', 'cdn')
                    AND NOT array_has(coalesce(k.regular_clients, make_array('-')), concat('|', e.user_agent)) END
),
beside_device AS (
    -- The device's own agents only within minutes of the device's own use: the victim
    -- working, the thief too. Another system counts at any hour.
    SELECT o.user, o.session_id, o.time, o.ip, o.network, o.category, o.asn, o.country, o.app, o.other_network,
           o.other_system
    FROM off_device o
    JOIN ev h ON h.user = o.user AND h.session_id = o.session_id AND h.device_id IS NOT NULL
     AND h.time BETWEEN o.time - INTERVAL '${near_minutes} minutes' AND o.time + INTERVAL '${near_minutes} minutes'
    WHERE NOT o.other_system
    GROUP BY o.user, o.session_id, o.time, o.ip, o.network, o.category, o.asn, o.country, o.app, o.other_network,
             o.other_system
    UNION ALL
    SELECT * FROM off_device WHERE other_system
),
grouped AS (
    SELECT g.user, g.session_id, min(g.time) AS first_seen, max(g.time) AS last_seen, count(*) AS events,
           make_set(g.ip) AS ips, make_set(g.asn) AS asns, make_set(g.country) AS countries, make_set(g.app) AS apps,
           make_set(g.network) AS networks, max(g.category) AS category, bool_or(g.other_network) AS other_network,
           min(b.days) AS fewest_network_days, bool_or(g.other_system) AS other_system
    FROM beside_device g
    JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = g.user AND b.network = g.network
    GROUP BY g.user, g.session_id
    HAVING count(*) >= ${min_events}
),
scored AS (
    SELECT *,
           least(100, 60 + CASE WHEN other_network THEN 10 ELSE 0 END
                          + CASE WHEN fewest_network_days < ${regular_days} THEN 10 ELSE 0 END
                          + CASE category WHEN 'hosting' THEN 10 WHEN 'vpn' THEN 10 WHEN 'tor' THEN 15 ELSE 0 END
                          + CASE WHEN events >= 5 THEN 5 ELSE 0 END) AS score
    FROM grouped
)
SELECT g.user, g.session_id, 'entra' AS source, g.first_seen, g.last_seen, g.score,
       g.ips, g.asns, g.countries, g.apps,
       concat('session of device ', substr(d.device_id, 1, 8), ' used without the device from ',
              array_to_string(g.ips, ', '), ' (', array_to_string(g.networks, ', '), ') ', CAST(g.events AS VARCHAR),
              CASE WHEN g.other_system
                   THEN concat(' time(s), by another system than the device''s (', array_to_string(d.device_oses, ', '),
                               '), the device itself on ')
                   ELSE concat(' time(s), each within ', CAST(${near_minutes} AS VARCHAR), ' min of the device''s own use from ') END,
              array_to_string(d.device_ips, ', ')) AS reason,
       concat('entra:', g.session_id, ':off_device') AS finding_key,
       named_struct('corroboration', CASE WHEN g.other_system THEN 'token_left_device,new_client' ELSE 'token_left_device' END,
                    'device_id', d.device_id, 'device_ips', d.device_ips, 'other_system', g.other_system,
                    'networks', g.networks, 'category', g.category, 'events', g.events,
                    'network_days', g.fewest_network_days) AS evidence
FROM scored g
JOIN device_sessions d ON d.user = g.user AND d.session_id = g.session_id
WHERE g.score >= ${min_score}
