-- id: entra_device_registration_prt
-- title: A device registered for a user, then its Primary Refresh Token used from a network new to them
-- technique: T1098.005
-- severity: high
-- sources: entra
-- description: An AuditLogs device registration or join ("Register device", "Add device",
--   "Add registered owner to device", "Add registered users to device") for a user,
--   followed within the hour by sign-ins of that user with a device id never seen for
--   them before, on a network they had not used before the registration and do not work
--   from: an attacker who registered their own device with a phished session and now
--   holds a Primary Refresh Token. Also when the device's session was signed in through a
--   hosting or VPN network new to the user without a device id (an adversary-in-the-middle
--   proxy), from wherever the device is then used. A new laptop set up at home or in the
--   office uses the user's own networks and is not reported.
-- param: min_score = 60 | Findings below this score are dropped.
-- param: follow_minutes = 60 | How long after the registration to look for the device's sign-ins.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
WITH registrations AS (
    -- The user is the actor when a person registered the device, else the owner named
    -- among the targets (the Device Registration Service acts for the user).
    SELECT time AS registered, event_id, operation, actor_ip, target AS device_name,
           lower(coalesce(CASE WHEN actor LIKE '%@%' THEN actor END,
                          array_element(regexp_match(details, '"userPrincipalName"\s*:\s*"([^"]+@[^"]+)"', 'i'), 1))) AS user
    FROM audit
    WHERE source = 'entra' AND operation IN ('Register device', 'Add device', 'Add registered owner to device',
                                              'Add registered users to device')
      AND time >= ${since} AND time < ${until}
),
known_devices AS (
    -- The devices the user signed in with before the registration (from the stored
    -- baseline: a daily run does not rescan the history for them).
    SELECT r.event_id, make_set(c.device_id) AS devices
    FROM registrations r
    JOIN baseline_user_clients c ON c.source = 'entra' AND c.user = r.user AND c.first_seen < r.registered
     AND c.device_id <> ''
    GROUP BY r.event_id
),
relayed AS (
    -- Sessions of the registering users whose first sign-in was interactive, without a
    -- device id, through a hosting or VPN network new to the user: an adversary-in-the-
    -- middle proxy signing the victim in. A device registered from such a session is the
    -- proxy operator's, wherever they then use it from (a residential proxy on the
    -- victim's own ISP included). A new laptop set up by its owner signs in from itself.
    -- Only a session that started within two hours before a registration counts, so the
    -- day before that is read, not the history: a session with sign-ins in that day
    -- started before it.
    SELECT user, session_id, session_start, relay_network
    FROM (SELECT e.user, e.session_id, min(e.time) AS session_start,
                 first_value(e.network ORDER BY e.time) AS relay_network,
                 coalesce(first_value(e.category IN ('hosting', 'vpn', 'tor') AND e.log_type = 'interactive'
                                      AND e.device_id IS NULL AND b.days < ${regular_days} ORDER BY e.time), false) AS relayed
          FROM network_events e
          JOIN (SELECT DISTINCT user FROM registrations) u ON u.user = e.user
          JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = e.user AND b.network = e.network
          WHERE e.source = 'entra' AND e.session_id IS NOT NULL AND e.time < ${until} + INTERVAL '${follow_minutes} minutes'
            AND e.time >= ${since} - INTERVAL '26 hours'
          GROUP BY e.user, e.session_id)
    WHERE relayed AND session_start >= ${since} - INTERVAL '2 hours'
),
uses AS (
    SELECT r.registered, r.event_id, r.operation, r.actor_ip, r.device_name, r.user,
           e.time, e.ip, e.asn, e.country, e.app, e.network, e.category, e.device_id, e.incoming_token_type,
           b.days AS network_days, b.first_seen AS network_first, p.users AS shared_by, rs.relay_network
    FROM registrations r
    -- The allowlist names its columns bare (ip, asn): it applies to the events alone.
    JOIN (SELECT * FROM network_events WHERE NOT ${allowlisted}) e
      ON e.source = 'entra' AND e.user = r.user AND coalesce(e.result, 'success') = 'success'
     AND e.time >= r.registered - INTERVAL '5 minutes' AND e.time < r.registered + INTERVAL '${follow_minutes} minutes'
     AND e.device_id IS NOT NULL
    LEFT JOIN known_devices k ON k.event_id = r.event_id
    LEFT JOIN relayed rs ON rs.user = e.user AND rs.session_id = e.session_id
     AND rs.session_start >= r.registered - INTERVAL '2 hours' AND rs.session_start <= r.registered
    JOIN baseline_user_networks b ON b.source = 'entra' AND b.user = e.user AND b.network = e.network
    JOIN baseline_prefix_users p ON p.source = 'entra' AND p.prefix = e.prefix
    WHERE NOT array_has(coalesce(k.devices, make_array('-')), e.device_id)
      AND e.category NOT IN ('privacy_relay', 'cdn')
      AND e.time >= ${since} - INTERVAL '5 minutes' AND e.time < ${until} + INTERVAL '${follow_minutes} minutes'
      -- A network the user was on before the registration is theirs (with one day of
      -- history, the data's own first-seen is the baseline), unless a relay signed the
      -- session in. A network new at the registration is theirs too when they go on
      -- using it (a new home), but not a hosting or VPN network: a thief holding the
      -- device's PRT goes on using it for days from there.
      AND ((b.first_seen >= r.registered - INTERVAL '2 hours'
            AND (b.days < ${regular_days} OR e.category IN ('hosting', 'vpn', 'tor')))
           OR rs.session_id IS NOT NULL)
      AND p.users < ${shared_users}
),
grouped AS (
    SELECT user, event_id, registered, max(operation) AS operation, max(actor_ip) AS actor_ip,
           max(device_name) AS device_name, network,
           min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
           make_set(device_id) AS devices, make_set(incoming_token_type) AS token_types, max(category) AS category,
           max(relay_network) AS relay_network
    FROM uses
    GROUP BY user, event_id, registered, network
)
SELECT user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source, registered AS first_seen, last_seen,
       least(100, 60 + CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN 15 ELSE 0 END
                     + CASE category WHEN 'hosting' THEN 10 WHEN 'vpn' THEN 10 WHEN 'tor' THEN 15 ELSE 0 END) AS score,
       array_distinct(array_concat(ips, CASE WHEN actor_ip IS NULL THEN make_array() ELSE make_array(actor_ip) END)) AS ips,
       asns, countries, apps,
       concat('"', operation, '" for ', user, coalesce(concat(' (', device_name, ')'), ''),
              CASE WHEN actor_ip IS NOT NULL THEN concat(' from ', actor_ip) ELSE '' END, '; ',
              CAST(round(date_part('epoch', first_seen - registered) / 60) AS BIGINT), ' min later a device new to the user signed in ',
              CAST(events AS VARCHAR), ' time(s) from ', network, ' (', category, ', ', array_to_string(countries, ', '), ')',
              CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN ' with a Primary Refresh Token' ELSE '' END,
              CASE WHEN relay_network IS NOT NULL
                   THEN concat(', in a session signed in through ', relay_network, ', a hosting/VPN network new to them')
                   ELSE ', a network new to them' END) AS reason,
       concat('device_registration:', event_id, ':', network) AS finding_key,
       named_struct('corroboration', 'directory_change,new_device', 'operation', operation, 'device', device_name,
                    'devices', devices, 'network', network, 'category', category, 'events', events,
                    'relay_network', relay_network,
                    'token_types', token_types) AS evidence
FROM grouped
WHERE least(100, 60 + CASE WHEN array_has(token_types, 'primaryRefreshToken') THEN 15 ELSE 0 END
                    + CASE category WHEN 'hosting' THEN 10 WHEN 'vpn' THEN 10 WHEN 'tor' THEN 15 ELSE 0 END) >= ${min_score}
