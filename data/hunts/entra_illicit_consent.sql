-- id: entra_illicit_consent
-- title: Consent to a new application, then its service principal signs in from hosting networks
-- technique: T1528
-- severity: high
-- sources: entra
-- description: A user consents to an application never consented to before in the
--   tenant (AuditLogs "Consent to application"), and within days the application's
--   service principal signs in from hosting or VPN networks: the pattern of an illicit
--   OAuth grant being used to read the victim's data. Consents whose application never
--   signs in from such networks are not reported, unless the consent itself came from an
--   address block new to the user where none of their own devices signed in around it:
--   a consent clicked in a replayed session, from the thief's machine (the victim grants
--   an integration from where they work, on their own laptop).
-- param: min_score = 75 | Findings below this score are dropped.
-- param: follow_days = 7 | How long after the consent to look for the application's sign-ins.
-- param: new_hours = 48 | An address block first used by the user this recently counts as new.
-- param: regular_days = 3 | A device the user shows on this many days is theirs.
WITH consents AS (
    SELECT time AS consented, actor, actor_ip, target, target_id, event_id
    FROM audit
    WHERE source = 'entra' AND operation IN ('Consent to application', 'Add delegated permission grant', 'Add app role assignment grant to user')
      AND time >= ${since} AND time < ${until} AND target_id IS NOT NULL
),
earlier AS (
    SELECT target_id, min(time) AS first_consent
    FROM audit
    WHERE source = 'entra' AND operation IN ('Consent to application', 'Add delegated permission grant', 'Add app role assignment grant to user')
    GROUP BY target_id
),
first_consents AS (
    SELECT c.* FROM consents c JOIN earlier e ON c.target_id = e.target_id
    WHERE c.consented = e.first_consent
),
principal_signins AS (
    SELECT time, user_id, app, app_id, ip, asn, country, category, prefix,
           coalesce(CAST(asn AS VARCHAR), array_to_string(array_slice(string_to_array(ip, '.'), 1, 2), '.')) AS provider
    FROM network_events
    WHERE source = 'entra' AND log_type IN ('service_principal', 'managed_identity') AND result = 'success'
      AND time >= ${since} AND time < ${until} + INTERVAL '${follow_days} days'
      AND category IN ('hosting', 'vpn', 'tor', 'unknown')
),
matched AS (
    SELECT c.actor, c.consented, c.target, c.target_id, c.actor_ip, c.event_id, p.*
    FROM first_consents c
    JOIN principal_signins p
      ON (p.user_id = c.target_id OR p.app = c.target)
     AND p.time >= c.consented AND p.time < c.consented + INTERVAL '${follow_days} days'
),
-- The devices the user shows on regular_days days or more.
known_clients AS ${known_clients},
consents_away AS (
    -- A first consent from an address block the user had not signed in from before the
    -- last new_hours, with none of the user's own machines signing in from that address
    -- within two hours of it: no device id they show on regular days (a device id comes
    -- from the device; a copied user agent proves nothing), and not the three or more
    -- clients (browser, mail, chat, file sync) of a machine at work there. A thief
    -- replays one stolen session.
    SELECT c.event_id
    FROM first_consents c
    LEFT JOIN baseline_user_prefixes u ON u.source = 'entra' AND u.user = lower(c.actor) AND u.prefix = ip_network(c.actor_ip)
    -- With a short history, the block the user was first seen on is theirs.
    LEFT JOIN (SELECT p.user, min(p.first_seen) AS first_signin
               FROM (SELECT DISTINCT lower(actor) AS user FROM first_consents) f
               JOIN baseline_user_prefixes p ON p.source = 'entra' AND p.user = f.user
               GROUP BY p.user) us
      ON us.user = lower(c.actor)
    LEFT JOIN (SELECT c.event_id, bool_or(array_has(coalesce(k.devices, make_array('-')), n.device_id))
                                  OR dcount(n.user_agent) >= 3 AS own
               FROM first_consents c
               JOIN network_events n ON n.source = 'entra' AND n.user = lower(c.actor) AND n.ip = c.actor_ip
                AND n.time >= c.consented - INTERVAL '2 hours' AND n.time <= c.consented + INTERVAL '2 hours'
               LEFT JOIN known_clients k ON k.source = 'entra' AND k.user = lower(c.actor)
               WHERE n.time >= ${since} - INTERVAL '2 hours' AND n.time < ${until} + INTERVAL '2 hours'
               GROUP BY c.event_id) o ON o.event_id = c.event_id
    WHERE c.actor_ip IS NOT NULL AND c.actor LIKE '%@%'
      AND (u.first_seen IS NULL OR (u.first_seen > c.consented - INTERVAL '${new_hours} hours'
                                    AND u.first_seen > us.first_signin + INTERVAL '1 hour'))
      AND NOT coalesce(o.own, false)
      AND coalesce(ip_category(c.actor_ip), 'isp') NOT IN ('private', 'microsoft')
),
lake_end AS (
    -- The lake's last event in the window: the sign-ins matched lie in it, so a lake
    -- that ends before the window has none to score (and the window's days are all a
    -- daily run reads).
    SELECT max(time) AS last_event FROM signins WHERE source = 'entra' AND time >= ${since} AND time < ${until}
),
scored AS (
    -- A vendor's service keeps calling for as long as the grant lasts, from its pool of
    -- addresses; an attacker's tooling harvests soon after the grant, from a few servers
    -- at several providers, and goes quiet.
    SELECT actor, consented, target, target_id, actor_ip, event_id,
           min(time) AS first_signin, max(time) AS last_signin, count(*) AS signins,
           make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries,
           make_set(category) AS categories, dcount(provider) AS providers,
           50 + CASE WHEN dcount(provider) >= 2 THEN 10 ELSE 0 END
              + CASE WHEN bool_or(category IN ('hosting', 'vpn', 'tor')) THEN 10 ELSE 0 END
              + CASE WHEN min(time) < consented + INTERVAL '2 hours' THEN 10 ELSE 0 END
              + CASE WHEN max(time) - min(time) < INTERVAL '48 hours'
                          AND max(time) < max(l.last_event) - INTERVAL '24 hours' THEN 15 ELSE 0 END
              -- A few fixed servers calling again and again, not a vendor's address pool.
              + CASE WHEN dcount(ip) <= 3 AND count(*) >= 2 * dcount(ip) THEN 10 ELSE 0 END AS score
    FROM matched CROSS JOIN lake_end l
    GROUP BY actor, consented, target, target_id, actor_ip, event_id
),
away AS (
    -- Consents from away, whether or not the application signs in from a hosting network.
    SELECT c.actor, c.consented, c.target, c.target_id, c.actor_ip, c.event_id,
           coalesce(s.first_signin, c.consented) AS first_signin, coalesce(s.last_signin, c.consented) AS last_signin,
           coalesce(s.signins, 0) AS signins, coalesce(s.ips, make_array(c.actor_ip)) AS ips,
           coalesce(s.asns, CAST(make_array() AS BIGINT[])) AS asns, coalesce(s.countries, CAST(make_array() AS VARCHAR[])) AS countries,
           coalesce(s.categories, CAST(make_array() AS VARCHAR[])) AS categories, coalesce(s.providers, 0) AS providers,
           greatest(coalesce(s.score, 0), 80) AS score, true AS from_away
    FROM first_consents c
    JOIN consents_away a ON a.event_id = c.event_id
    LEFT JOIN scored s ON s.event_id = c.event_id
),
results AS (
    SELECT *, false AS from_away FROM scored WHERE event_id NOT IN (SELECT event_id FROM consents_away)
    UNION ALL
    SELECT * FROM away
)
SELECT actor AS user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source,
       consented AS first_seen, last_signin AS last_seen, least(100, score) AS score,
       ips, asns, countries, make_array(target) AS apps,
       concat(actor, ' consented to ', target, ', an application new to the tenant',
              CASE WHEN from_away THEN concat(', from ', actor_ip, ', an address block new to them where none of their own devices signed in')
                   ELSE '' END,
              CASE WHEN signins > 0
                   THEN concat('; its service principal then signed in ', CAST(signins AS VARCHAR), ' time(s) from ',
                               CAST(providers AS VARCHAR), ' provider(s) (', array_to_string(ips, ', '), ')')
                   ELSE '' END) AS reason,
       event_id AS finding_key,
       named_struct('corroboration', 'directory_change', 'application', target, 'service_principal_id', target_id, 'consent_ip', actor_ip,
                    'consent_from_away', from_away, 'signins', signins, 'providers', providers, 'categories', categories) AS evidence
FROM results
WHERE least(100, score) >= ${min_score}
