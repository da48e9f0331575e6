-- id: entra_device_code_token_use
-- title: Device-code sign-in whose tokens are then used from another network
-- technique: T1528
-- severity: high
-- sources: entra
-- description: A successful sign-in through the device-code flow (AuthenticationProtocol
--   or OriginalTransferMethod deviceCode) whose session is then used, within hours, from
--   a network the sign-in did not come from and the user does not work from: device-code
--   phishing, where the victim enters the attacker's code on their own device and the
--   attacker redeems the tokens elsewhere (often registering a device for a Primary
--   Refresh Token next). The sign-in's own network is the victim's and is not listed,
--   unless it is new to the user on their only day of device-code sign-ins and the app
--   is not a developer's CLI in a cloud: exports that log the polling client's address
--   put the attacker there. On the user's own carrier or broadband provider (a mobile or
--   residential proxy) the tokens count when a desktop system none of the user's
--   browsers or apps runs on redeems them, from a network none of their desktops uses.
--   Device-code sign-ins for conference-room devices or a developer's usual VM stay on
--   networks the user works from and are not reported.
-- param: min_score = 60 | Findings below this score are dropped.
-- param: follow_hours = 24 | How long after the device-code sign-in to follow its session.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- joins: as written
WITH codes AS (
    -- The interactive device-code sign-in (where the code was entered) opens the session;
    -- its later refreshes carry the protocol too, as non-interactive sign-ins. The first
    -- per session, should the user enter a code twice.
    SELECT signed_in, user, session_id, app_id, code_app, code_ip, code_network, code_country, code_address,
           code_lat, code_lon, code_category, code_admin_tool, code_os
    FROM (SELECT time AS signed_in, user, session_id, app_id, app AS code_app, ip AS code_ip, network AS code_network,
                 client_os AS code_os,
                 category AS code_category,
                 ${admin_tool} AS code_admin_tool,
                 country AS code_country, lat AS code_lat, lon AS code_lon,
                 CASE WHEN strpos(ip, ':') > 0 THEN prefix ELSE ip END AS code_address,
                 row_number() OVER (PARTITION BY user, coalesce(session_id, CAST(time AS VARCHAR)) ORDER BY time) AS nth
          FROM network_events
          WHERE source = 'entra' AND auth_protocol = 'deviceCode' AND log_type = 'interactive'
            AND result = 'success' AND user IS NOT NULL AND time >= ${since} AND time < ${until})
    WHERE nth = 1
),
stranger_codes AS (
    -- Some exports place the code's sign-in at the client that polled for the tokens
    -- (the attacker's) rather than at the browser the code was entered in. Then the
    -- code's own network is the thief's: the user's only day of device-code sign-ins in
    -- the history, from a network neither first nor regular for them, for an application
    -- people read mail and files with (a developer's CLI in a cloud is how device codes
    -- are used every day). Its tokens redeemed there afterwards count. A hosting or VPN
    -- network first seen with the code stays the thief's however many days they go on
    -- redeeming the tokens from it.
    SELECT c.user, c.signed_in
    FROM codes c
    JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = c.user AND b.network = c.code_network
    JOIN (SELECT source, user, min(first_seen) AS first_seen FROM baseline_user_networks GROUP BY source, user) f
      ON f.source = 'entra' AND f.user = c.user
    JOIN (SELECT n.user, dcount(date_trunc('day', n.time)) AS days
          FROM (SELECT DISTINCT user FROM codes) u
          JOIN network_events n ON n.user = u.user
          WHERE n.source = 'entra' AND n.auth_protocol = 'deviceCode' AND n.log_type = 'interactive'
            AND n.result = 'success' AND n.time < ${until}
          GROUP BY n.user) d ON d.user = c.user
    WHERE d.days <= 1 AND (b.days < ${regular_days} OR c.code_category IN ('hosting', 'vpn', 'tor'))
      AND b.first_seen >= c.signed_in - INTERVAL '1 hour' AND b.first_seen > f.first_seen + INTERVAL '1 hour'
      AND c.code_category NOT IN ('private', 'privacy_relay', 'cdn', 'microsoft')
      AND NOT (c.code_admin_tool AND c.code_category IN ('hosting', 'vpn'))
),
addresses AS (
    -- Per user and address (an IPv4 address, an IPv6 /64) of a broadband network first
    -- used after a device-code sign-in and last used within the hours followed: whether
    -- anything but a device-code session used it. One home is one public address; the
    -- code and the tokens redeemed minutes later from another address of the same
    -- provider, which none of the user's own clients ever used, are two places. The
    -- history comes from the stored baseline; only the hours followed are read.
    -- Sessions per address first, then whether each was a device-code session: the
    -- outer join's left side (DataFusion's build side) holds sessions, not events.
    SELECT s.user, s.address, s.first_used, bool_or(dc.session_id IS NULL) AS used_outside
    -- Only addresses first used within the hour after one of the user's codes can be
    -- fresh (candidate_uses checks which code), so only their sign-ins are read.
    FROM (SELECT a.user, a.address, a.first_seen AS first_used, n.session_id
          FROM (SELECT DISTINCT a.user, a.address, a.first_seen
                FROM codes c
                JOIN baseline_user_addresses a
                  ON a.source = 'entra' AND a.user = c.user
                 AND a.first_seen > c.signed_in AND a.first_seen < c.signed_in + INTERVAL '1 hour'
                WHERE a.first_seen >= ${since}
                  AND a.last_seen < ${until} + INTERVAL '${follow_hours} hours' + INTERVAL '${follow_hours} hours') a
          JOIN network_events n
            ON n.source = 'entra' AND n.user = a.user AND n.category = 'isp'
           AND CASE WHEN strpos(n.ip, ':') > 0 THEN n.prefix ELSE n.ip END = a.address
          WHERE n.time >= ${since} AND n.time < ${until} + INTERVAL '${follow_hours} hours' + INTERVAL '${follow_hours} hours'
          GROUP BY a.user, a.address, a.first_seen, n.session_id) s
    LEFT JOIN (SELECT DISTINCT user, session_id FROM codes WHERE session_id IS NOT NULL) dc
      ON dc.user = s.user AND dc.session_id = s.session_id
    GROUP BY s.user, s.address, s.first_used
),
candidate_uses AS (
    SELECT c.user, c.session_id, c.signed_in, c.code_app, c.code_ip, c.code_network, c.code_country,
           e.time, e.ip, e.asn, e.country, e.app, e.network, e.category, e.incoming_token_type, e.admin_tool,
           b.days AS network_days,
           -- Carriers put strangers behind one address (CGNAT): that is no shared office.
           CASE WHEN e.category = 'mobile' THEN 0 ELSE p.users END AS shared_by,
           -- Farther from where the code was entered than an airliner flies in the time between.
           coalesce(geo_velocity_kmh(c.signed_in, c.code_lat, c.code_lon, e.time, e.lat, e.lon,
                                     100 + least(b.spread_km, 3000.0)) > 900, false) AS unreachable,
           sc.user IS NOT NULL AND e.network = c.code_network AS at_stranger_code,
           -- Another address of a broadband network (in the sign-in's address family) that
           -- nothing but this session ever used, first within the hour after the sign-in.
           coalesce(e.category = 'isp' AND (strpos(e.ip, ':') > 0) = (strpos(c.code_ip, ':') > 0)
                    AND CASE WHEN strpos(e.ip, ':') > 0 THEN e.prefix ELSE e.ip END <> c.code_address
                    AND a.first_used > c.signed_in AND a.first_used < c.signed_in + INTERVAL '1 hour'
                    AND NOT a.used_outside, false) AS fresh_address,
           -- A desktop system none of the user's browsers or apps runs on (nor the one the
           -- code was entered on) redeeming the tokens for mail and files, from a carrier
           -- or broadband network none of the user's desktops uses: the machine that asked
           -- for the code is another person's. On the user's own carrier or provider
           -- (a mobile or residential proxy) that is the only trace.
           coalesce(e.client_os IN ('Windows', 'macOS', 'Linux') AND e.client_os <> c.code_os AND NOT e.admin_tool
                    AND e.category IN ('mobile', 'isp') AND cardinality(c.user_oses) > 0
                    AND NOT array_has(c.user_oses, e.client_os)
                    AND NOT array_has(c.desktop_networks, e.network), false) AS other_machine
    FROM (SELECT c.*, o.oses AS user_oses, o.desktop_networks
          FROM codes c
          LEFT JOIN (SELECT a.user,
                            make_set(CASE WHEN NOT coalesce(ua_is_scripted(a.user_agent), false) THEN a.os END) AS oses,
                            -- Where the user's own desktops have been.
                            array_distinct(flatten(array_agg(CASE WHEN a.os IN ('Windows', 'macOS', 'Linux')
                                                                  THEN a.fixed_networks ELSE make_array('-') END))) AS desktop_networks
                     FROM (SELECT DISTINCT user FROM codes) u
                     -- The user's clients on regular days, each with its system.
                     JOIN (SELECT user, user_agent, fixed_networks, ua_os(user_agent) AS os
                           FROM baseline_user_agents
                           WHERE source = 'entra' AND user_agent IS NOT NULL AND days >= ${regular_days}) a
                       ON a.user = u.user
                     GROUP BY a.user) o ON o.user = c.user) c
    JOIN ${user_events} e
      ON e.source = 'entra' AND e.user = c.user AND coalesce(e.result, 'success') = 'success'
     AND (e.session_id = c.session_id OR (c.session_id IS NULL AND e.app_id = c.app_id))
     AND e.time > c.signed_in AND e.time < c.signed_in + INTERVAL '${follow_hours} hours'
    JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = e.user AND b.network = e.network
    JOIN baseline_prefix_users p ON p.source = 'entra' AND p.prefix = e.prefix
    LEFT JOIN stranger_codes sc ON sc.user = c.user AND sc.signed_in = c.signed_in
    LEFT JOIN addresses a ON a.user = e.user AND e.category = 'isp'
     AND a.address = CASE WHEN strpos(e.ip, ':') > 0 THEN e.prefix ELSE e.ip END
    WHERE e.category NOT IN ('private', 'privacy_relay', 'cdn')
      AND e.time >= ${since} AND e.time < ${until} + INTERVAL '${follow_hours} hours'
),
uses AS (
    SELECT * FROM candidate_uses
    WHERE (network <> code_network OR fresh_address OR at_stranger_code)
      -- A carrier's addresses rotate and geolocate far apart: only one new to the user
      -- counts, or a machine the user does not have.
      AND (category <> 'mobile' OR network_days < ${regular_days} OR other_machine)
),
grouped AS (
    SELECT user, session_id, signed_in, network, max(code_app) AS code_app, max(code_ip) AS code_ip,
           max(code_network) AS code_network, max(code_country) AS code_country,
           min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           make_set(incoming_token_type) AS token_types, max(category) AS category,
           max(network_days) AS network_days, max(shared_by) AS shared_by, bool_and(admin_tool) AS admin_only,
           bool_or(fresh_address) AS fresh_address, bool_or(unreachable) AS unreachable,
           bool_or(at_stranger_code) AS at_stranger_code, bool_or(other_machine) AS other_machine
    FROM uses
    GROUP BY user, session_id, signed_in, network
),
spread AS (
    -- How many networks new to the user, in how many countries, redeemed the sign-in's
    -- tokens: a developer's remote machine is one place; one refresh token redeemed in two
    -- countries by turns was copied.
    SELECT user AS spread_user, session_id AS spread_session, signed_in AS spread_signed_in,
           count(DISTINCT CASE WHEN network_days < ${regular_days} AND category <> 'microsoft' THEN network END) AS new_networks,
           count(DISTINCT CASE WHEN network_days < ${regular_days} AND category <> 'microsoft' THEN country END) AS new_countries
    FROM uses
    GROUP BY user, session_id, signed_in
),
scored AS (
    SELECT g.*, sp.new_networks, sp.new_countries,
           50 + CASE WHEN network_days < ${regular_days} OR fresh_address OR at_stranger_code
                          OR other_machine THEN 15 ELSE -40 END
              + CASE category WHEN 'hosting' THEN 10 WHEN 'vpn' THEN 10 WHEN 'tor' THEN 15 ELSE 0 END
              + CASE WHEN code_country IS NOT NULL AND cardinality(countries) > 0
                          AND NOT array_has(countries, code_country) THEN 10 ELSE 0 END
              + CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN 10 ELSE 0 END
              + CASE WHEN first_seen < signed_in + INTERVAL '1 hour' THEN 5 ELSE 0 END AS score
    FROM grouped g
    JOIN spread sp ON sp.spread_user = g.user AND sp.spread_signed_in = g.signed_in
     AND sp.spread_session IS NOT DISTINCT FROM g.session_id
    -- A machine the user does not have is another person's behind a shared address too
    -- (a carrier's CGNAT, a residential proxy pool).
    WHERE (shared_by < ${shared_users} OR other_machine)
      -- One or two events from Microsoft's AS are its services acting for the user.
      AND NOT (category = 'microsoft' AND events <= 3)
)
SELECT user, session_id, 'entra' AS source, signed_in AS first_seen, last_seen, least(100, score) AS score,
       ips, asns, countries, apps,
       concat(user, ' completed a device-code sign-in to ', coalesce(code_app, 'an application'), ' from ', code_network,
              '; ', CAST(round(date_part('epoch', first_seen - signed_in) / 60) AS BIGINT), ' min later its session was used from ',
              network, ' (', category, ', ', array_to_string(countries, ', '), ') ', CAST(events AS VARCHAR), ' time(s)',
              CASE WHEN cardinality(token_types) > 0 THEN concat(', tokens ', array_to_string(token_types, '/')) ELSE '' END,
              CASE WHEN at_stranger_code THEN ', where the code''s own sign-in came from: a network new to the user, on their only day of device-code sign-ins'
                   WHEN fresh_address THEN ', an address of it no other session of the user ever used'
                   WHEN other_machine AND network_days >= ${regular_days}
                   THEN ', by a desktop system the user does not run, on a network none of their desktops uses'
                   WHEN network_days < ${regular_days} THEN '' ELSE ', a network the user works from' END) AS reason,
       concat('device_code:', coalesce(session_id, CAST(signed_in AS VARCHAR)), ':', network) AS finding_key,
       -- A developer's device-code sign-in for a CLI in Azure (Cloud Shell, a VM) redeems its
       -- tokens in Microsoft's cloud by design: context there, not corroboration.
       -- Tokens used only by Azure CLI, Azure PowerShell or Visual Studio are a developer's
       -- device-code sign-in for a remote machine; a thief reads mail and files.
       -- The same tokens redeemed from new networks in two countries are two machines,
       -- whatever tool redeems them.
       -- Tokens redeemed farther from the code's address than travel allows, outside a
       -- cloud, or from a carrier new to the user in another country, are a second
       -- machine, whatever tool redeems them. So are tokens redeemed from another address
       -- of the user's own broadband provider that none of their clients ever used: one
       -- home is one public address (a residential proxy on the victim's provider).
       named_struct('corroboration', CASE WHEN category = 'microsoft' THEN ''
                                          WHEN at_stranger_code THEN 'code_from_new_network'
                                          WHEN fresh_address THEN 'token_redeemed_elsewhere'
                                          WHEN other_machine THEN 'token_redeemed_elsewhere'
                                          WHEN network_days >= ${regular_days} THEN ''
                                          WHEN category = 'mobile'
                                          THEN CASE WHEN unreachable OR NOT array_has(countries, code_country)
                                                    THEN 'token_redeemed_elsewhere' ELSE '' END
                                          WHEN NOT admin_only THEN 'token_redeemed_elsewhere'
                                          WHEN unreachable AND category NOT IN ('hosting', 'vpn', 'tor')
                                          THEN 'token_redeemed_elsewhere'
                                          WHEN new_networks >= 2 AND new_countries >= 2
                                          THEN 'token_multi_network' ELSE '' END,
                    'fresh_address', fresh_address, 'unreachable', unreachable, 'other_machine', other_machine, 'code_from_new_network', at_stranger_code,
                    'code_network', code_network, 'network', network, 'category', category, 'events', events,
                    'network_days', network_days, 'token_types', token_types) AS evidence
FROM scored
WHERE least(100, score) >= ${min_score}
