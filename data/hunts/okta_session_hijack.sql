-- id: okta_session_hijack
-- title: Okta session used from another network with another device fingerprint
-- technique: T1539
-- severity: high
-- sources: okta
-- description: One Okta session (authenticationContext.externalSessionId, or its
--   rootSessionId) used from a network other than the one it started on, with a
--   different device hash (dtHash) or user agent, or without the hash its browser always
--   sent: a stolen session cookie replayed on the attacker's machine; on the session's
--   own network (a residential proxy on the victim's ISP) when the other device hash
--   comes from an address block neither the session nor the user had used. Ranked up
--   for hosting and VPN networks, networks new to the user, another country and
--   back-and-forth use; ranked down for shared egress networks. Another browser in the
--   session (corroborated) weighs +40, except on a carrier. A new device hash that
--   opens a session of the user's own (a browser update, a cleared profile) is the
--   user's browser, not another machine. OAuth
--   token grants (the sign-in widget's or an SDK's own dtHash and agent) do not count as
--   a client on any network.
-- materialize: tagged
-- param: min_score = 60 | Findings below this score are dropped.
-- param: shared_users = 8 | A prefix (/24 or /64) this many users sign in from is shared egress (a corporate VPN or proxy in a cloud), not an attacker's.
-- param: origin_minutes = 10 | Events within this many minutes of the session start define its origin.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- joins: as written
WITH tagged AS (
    SELECT time, user, coalesce(root_session_id, session_id) AS session_id, ip, asn, country, app,
           -- OAuth token grants come from the sign-in widget or an SDK with a device hash and
           -- agent of their own, on whatever network the user's browser is: they say nothing
           -- about which machine holds the session.
           CASE WHEN event_type NOT LIKE 'app.oauth2.%' THEN device_id END AS device_id, prefix, category,
           CASE WHEN event_type NOT LIKE 'app.oauth2.%' THEN coalesce(ua_fingerprint(user_agent), 'none') END AS client,
           CASE WHEN category IN ('hosting', 'vpn', 'unknown', 'tor') THEN prefix
                ELSE concat('AS', CAST(asn AS VARCHAR)) END AS network
    FROM (
        SELECT *, ip_network(ip) AS prefix,
               CASE WHEN asn IS NULL THEN coalesce(ip_category(ip), 'unknown')
                    ELSE coalesce(nullif(ip_category(ip), 'private'), asn_category(asn), 'isp') END AS category
        FROM signins
        WHERE source = 'okta' AND session_id IS NOT NULL AND user IS NOT NULL AND ip IS NOT NULL
          AND coalesce(result, 'success') = 'success' AND time < ${until}
    )
    WHERE NOT ${allowlisted} AND category <> 'private'
),
shared AS (
    -- Corporate egress and proxies put many users behind one address; a VPN provider's or
    -- an ISP's /24 holds many customers, each on their own address, and a thief renting
    -- an exit there is no less a thief for it.
    SELECT prefix, max(users) AS users
    FROM (SELECT prefix, ip, dcount(user) AS users FROM tagged GROUP BY prefix, ip)
    GROUP BY prefix
),
user_networks AS (
    SELECT user, network, min(time) AS network_first, dcount(date_trunc('day', time)) AS network_days
    FROM tagged GROUP BY user, network
),
sessions AS (
    SELECT user, session_id, min(time) AS session_start
    FROM tagged GROUP BY user, session_id
    -- Another network, another hash, or another address block with requests that sent none.
    HAVING max(time) >= ${since}
       AND (dcount(network) > 1 OR dcount(device_id) > 1
            OR (dcount(prefix) > 1 AND count(client) > count(device_id)))
),
origin AS (
    SELECT t.user, t.session_id,
           make_set(t.network) AS origin_networks, make_set(t.country) AS origin_countries,
           make_set(t.client) AS origin_clients, make_set(t.device_id) AS origin_devices
    FROM sessions s JOIN tagged t ON t.user = s.user AND t.session_id = s.session_id
    WHERE t.time <= s.session_start + INTERVAL '${origin_minutes} minutes'
    GROUP BY t.user, t.session_id
),
returns AS (
    SELECT t.user, t.session_id, network_returns(t.time, t.network) AS returns
    FROM sessions s JOIN tagged t ON t.user = s.user AND t.session_id = s.session_id
    GROUP BY t.user, t.session_id
),
client_firsts AS (
    SELECT user, client, min(time) AS first_time FROM tagged WHERE client IS NOT NULL GROUP BY user, client
),
own_hashes AS (
    -- Device hashes that opened a session of the user (within its first minutes): the
    -- user's own browsers. A browser update or a cleared profile gives the user's
    -- browser a new hash mid-session, and that browser signs in afresh later on; a
    -- copied cookie's machine has no password or second factor to sign in with, so its
    -- hash opens no session of the user's.
    SELECT DISTINCT t.user, t.device_id
    FROM (SELECT user, session_id, min(time) AS started FROM tagged GROUP BY user, session_id) st
    JOIN tagged t ON t.user = st.user AND t.session_id = st.session_id
    WHERE t.device_id IS NOT NULL AND t.time <= st.started + INTERVAL '${origin_minutes} minutes'
),
later AS (
    SELECT t.user, t.session_id, t.network,
           min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
           make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries,
           make_set(t.app) AS apps, make_set(t.client) AS clients, make_set(t.device_id) AS devices,
           max(t.category) AS category, max(sh.users) AS shared_by,
           -- Whether every user agent here first appeared for the user in this use.
           coalesce(min(cf.first_time) >= min(t.time), false) AS clients_new_to_user,
           -- Whether every device hash here opened a session of the user's (their browser).
           count(t.device_id) > 0 AND count(oh.device_id) = count(t.device_id) AS own_browser
    FROM shared sh
    JOIN (SELECT t.* FROM sessions s JOIN tagged t ON t.user = s.user AND t.session_id = s.session_id
          WHERE t.time >= ${since}) t ON sh.prefix = t.prefix
    LEFT JOIN client_firsts cf ON cf.user = t.user AND cf.client = t.client
    LEFT JOIN own_hashes oh ON oh.user = t.user AND oh.device_id = t.device_id
    GROUP BY t.user, t.session_id, t.network
),
scored AS (
    SELECT l.*, s.session_start, o.origin_networks, o.origin_countries, o.origin_clients, o.origin_devices, r.returns,
           -- On a network new to the user that they do not go on using for days (home,
           -- first seen in a short history, is theirs), and not a privacy relay or CDN
           -- (they carry Safari, which clears the device token's storage itself): the
           -- thief's browser has a device hash of its own (device_change), and a copied
           -- cookie comes without the hash the session's browser always sent
           -- (token_left_device; the sign-in widget's OAuth grants aside).
           CASE WHEN l.own_browser THEN ''
                WHEN cardinality(o.origin_devices) > 0
                     AND un.network_first >= s.session_start - INTERVAL '1 hour'
                     AND un.network_days < ${regular_days} AND l.category NOT IN ('privacy_relay', 'cdn')
                -- (A corporate egress many users share is the company's proxy, whatever
                -- hash the browser sends through it.)
                THEN CASE WHEN cardinality(l.devices) > 0 AND NOT array_has_any(o.origin_devices, l.devices)
                               AND l.shared_by < ${shared_users}
                          THEN 'device_change'
                          WHEN cardinality(l.devices) = 0 AND cardinality(l.clients) > 0
                               AND l.category <> 'mobile' AND l.shared_by < ${shared_users}
                          THEN 'token_left_device' ELSE '' END
                -- On a network the user knows (a carrier, their ISP): a browser session's
                -- cookie presented without its device hash by a user agent the user had
                -- never shown. A browser keeps its hash and its agent; a new machine of
                -- the user starts a session of its own.
                WHEN cardinality(o.origin_devices) > 0 AND cardinality(l.devices) = 0 AND cardinality(l.clients) > 0
                     AND NOT array_has_any(o.origin_clients, l.clients) AND l.clients_new_to_user
                     AND l.category NOT IN ('privacy_relay', 'cdn')
                     AND (l.shared_by < ${shared_users} OR l.category = 'mobile')
                THEN 'client_change'
                ELSE '' END AS corroboration,
           -- Another device hash, or none where the session's browser always sent one
           -- (Safari behind a privacy relay or CDN clears its storage itself).
           CASE WHEN cardinality(l.devices) > 0 AND NOT array_has_any(o.origin_devices, l.devices)
                     AND NOT l.own_browser THEN 25
                WHEN cardinality(l.devices) = 0 AND cardinality(l.clients) > 0 AND cardinality(o.origin_devices) > 0
                     AND l.category NOT IN ('privacy_relay', 'cdn') THEN 25
                ELSE 0 END
           + CASE WHEN NOT array_has_any(o.origin_clients, l.clients) THEN 20 ELSE 0 END
           + CASE l.category WHEN 'hosting' THEN 30 WHEN 'vpn' THEN 25 WHEN 'tor' THEN 40
                             WHEN 'privacy_relay' THEN -30 WHEN 'cdn' THEN -20 ELSE 0 END
           + CASE WHEN un.network_first < s.session_start - INTERVAL '1 hour' THEN -40 ELSE 20 END
           + CASE WHEN cardinality(o.origin_countries) > 0 AND cardinality(l.countries) > 0
                       AND NOT array_has_any(o.origin_countries, l.countries) THEN 15 ELSE 0 END
           + CASE WHEN r.returns >= 1 THEN 20 ELSE 0 END
           + CASE WHEN l.shared_by >= ${shared_users} THEN -60 ELSE 0 END AS score
    FROM later l
    JOIN sessions s ON l.user = s.user AND l.session_id = s.session_id
    JOIN origin o ON l.user = o.user AND l.session_id = o.session_id
    JOIN returns r ON l.user = r.user AND l.session_id = r.session_id
    JOIN user_networks un ON l.user = un.user AND l.network = un.network
    WHERE NOT array_has(o.origin_networks, l.network)
),
user_firsts AS (
    -- When the user first used each prefix and first showed each device hash.
    SELECT user, prefix AS item, min(time) AS first_time FROM tagged GROUP BY user, prefix
    UNION ALL
    SELECT user, device_id AS item, min(time) AS first_time FROM tagged WHERE device_id IS NOT NULL GROUP BY user, device_id
),
same_network AS (
    -- A thief behind a residential proxy on the victim's own ISP stays on the session's
    -- network (or another the user had used before the session, in Okta or Entra ID),
    -- but not on its address, and not in its browser: another device hash, from a /24 (or /64) neither
    -- the session nor the user had used, with a hash the user had never shown. The
    -- user's own browser keeps its hash wherever it goes, and a new machine of theirs
    -- starts a session of its own.
    SELECT t.user, t.session_id, t.prefix AS network, min(t.time) AS first_seen, max(t.time) AS last_seen, count(*) AS events,
           make_set(t.ip) AS ips, make_set(t.asn) AS asns, make_set(t.country) AS countries, make_set(t.app) AS apps,
           make_set(t.client) AS clients, make_set(t.device_id) AS devices, max(t.category) AS category,
           max(sh.users) AS shared_by, t.session_start, t.origin_networks, t.origin_countries, t.origin_clients,
           t.origin_devices, CAST(0 AS BIGINT) AS returns
    FROM (
        -- The few events that could be another browser on the session's own network
        -- come first: months of the user's firsts are then only probed.
        SELECT t.*, so.session_start, so.origin_networks, so.origin_countries, so.origin_clients, so.origin_devices
        FROM (SELECT s.session_start, o.* FROM sessions s JOIN origin o ON o.user = s.user AND o.session_id = s.session_id) so
        JOIN tagged t ON t.user = so.user AND t.session_id = so.session_id
        WHERE t.time >= ${since} AND t.category NOT IN ('privacy_relay', 'cdn')
          AND ((t.device_id IS NOT NULL AND NOT array_has(so.origin_devices, t.device_id))
               -- or the cookie without its browser's hash, presented by another agent
               OR (t.device_id IS NULL AND t.client IS NOT NULL AND cardinality(so.origin_devices) > 0
                   AND NOT array_has(so.origin_clients, t.client)))
          AND t.time > so.session_start + INTERVAL '${origin_minutes} minutes'
    ) t
    JOIN user_networks un ON un.user = t.user AND un.network = t.network
    -- The user's networks in Entra ID are theirs in Okta too (home broadband, the office).
    LEFT JOIN baseline_user_networks en ON en.source = 'entra' AND en.user = t.user AND en.network = t.network
    JOIN shared sh ON sh.prefix = t.prefix
    JOIN user_firsts up ON up.user = t.user AND up.item = t.prefix
    LEFT JOIN user_firsts ud ON ud.user = t.user AND ud.item = t.device_id
    LEFT JOIN client_firsts uc ON uc.user = t.user AND uc.client = t.client
    LEFT JOIN own_hashes oh ON oh.user = t.user AND oh.device_id = t.device_id
    WHERE array_has(t.origin_networks, t.network) OR un.network_first < t.session_start - INTERVAL '1 hour'
       OR coalesce(en.first_seen < t.session_start - INTERVAL '1 hour', false)
    GROUP BY t.user, t.session_id, t.prefix, t.session_start, t.origin_networks, t.origin_countries,
             t.origin_clients, t.origin_devices
    -- Both the address block and the hash (or, without one, the agent) first appear for
    -- the user right here.
    HAVING max(sh.users) < ${shared_users} AND min(up.first_time) >= min(t.time)
       AND min(CASE WHEN t.device_id IS NOT NULL THEN ud.first_time ELSE uc.first_time END) >= min(t.time)
       AND NOT (count(t.device_id) > 0 AND count(oh.device_id) = count(t.device_id))
),
candidates AS (
    SELECT user, session_id, network, first_seen, last_seen, events, ips, asns, countries, apps, clients, devices,
           category, shared_by, session_start, origin_networks, origin_countries, origin_clients, origin_devices,
           returns, corroboration, score
    FROM scored
    UNION ALL
    SELECT user, session_id, network, first_seen, last_seen, events, ips, asns, countries, apps, clients, devices,
           category, shared_by, session_start, origin_networks, origin_countries, origin_clients, origin_devices,
           returns, CASE WHEN cardinality(devices) > 0 THEN 'device_change' ELSE 'client_change' END AS corroboration,
           65 + CASE WHEN NOT array_has_any(origin_clients, clients) THEN 10 ELSE 0 END AS score
    FROM same_network
),
ranked AS (
    -- Another browser in one session weighs like another machine in an Entra session
    -- (+40): one browser's cookie does not grow a second device token, nor lose its own
    -- (not on a carrier, whose gateways rotate and geolocate anywhere: there it needs
    -- its context). A corroborated use of the session outranks a louder uncorroborated
    -- one (the user's own VPN exit with their own browser).
    SELECT * REPLACE (score + CASE WHEN corroboration <> '' AND category <> 'mobile' THEN 40 ELSE 0 END AS score),
           row_number() OVER (PARTITION BY user, session_id ORDER BY corroboration <> '' DESC, score DESC,
                                                                     first_seen) AS rank
    FROM candidates
)
SELECT user, session_id, 'okta' AS source, first_seen, last_seen,
       least(100, score) AS score, ips, asns, countries, apps,
       concat('Okta session started on ', array_to_string(origin_networks, ', '), ' (',
              array_to_string(origin_countries, ', '), ') was used from ', network, ' (', category, ', ',
              array_to_string(countries, ', '), ') with ',
              CASE WHEN cardinality(devices) = 0 AND cardinality(origin_devices) > 0 THEN 'no device hash'
                   WHEN NOT array_has_any(origin_devices, devices) THEN 'another device hash' ELSE 'the same device hash' END,
              ' and ', CASE WHEN NOT array_has_any(origin_clients, clients) THEN 'another user agent' ELSE 'the same user agent' END) AS reason,
       named_struct('corroboration', corroboration, 'network', network, 'category', category, 'events', events, 'devices', devices,
                    'origin_networks', origin_networks, 'returns', returns, 'shared_by_users', shared_by) AS evidence
FROM ranked
-- A corroborated finding is kept whatever its context weighs (the incident weighs it with
-- the other hunts' findings), but on a carrier, whose gateways rotate and geolocate
-- anywhere, only with the context to go with it. A min_score above 100 turns the hunt's
-- findings off.
WHERE rank = 1 AND (least(100, score) >= ${min_score}
                    OR (${min_score} <= 100 AND corroboration <> '' AND category <> 'mobile'))
