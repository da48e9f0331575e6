-- id: entra_illicit_consent
-- title: Consent to a new application, then its service principal signs in from hosting networks
-- technique: T1528
-- severity: high
-- sources: entra
-- description: A user consents to an application never consented to before in the
--   tenant (AuditLogs "Consent to application"), and within days the application's
--   service principal signs in from hosting or VPN networks: the pattern of an illicit
--   OAuth grant being used to read the victim's data. Consents whose application never
--   signs in from such networks are not reported.
-- param: min_score = 75 | Findings below this score are dropped.
-- param: follow_days = 7 | How long after the consent to look for the application's sign-ins.
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
)
SELECT actor AS user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source,
       consented AS first_seen, last_signin AS last_seen, least(100, score) AS score,
       ips, asns, countries, make_array(target) AS apps,
       concat(actor, ' consented to ', target, ', an application new to the tenant; its service principal then signed in ',
              CAST(signins AS VARCHAR), ' time(s) from ', CAST(providers AS VARCHAR), ' provider(s) (',
              array_to_string(ips, ', '), ')') AS reason,
       event_id AS finding_key,
       named_struct('corroboration', 'directory_change', 'application', target, 'service_principal_id', target_id, 'consent_ip', actor_ip,
                    'signins', signins, 'providers', providers, 'categories', categories) AS evidence
FROM scored
WHERE least(100, score) >= ${min_score}
