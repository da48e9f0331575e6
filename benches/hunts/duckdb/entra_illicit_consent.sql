-- DuckDB port of data/hunts/entra_illicit_consent.sql (run setup.sql first).
-- Consent to a new application, then its service principal signs in from hosting networks.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 75, follow_days = 7; whole lake.
WITH consents AS (
    SELECT time AS consented, actor, actor_ip, target, target_id, event_id
    FROM audit
    WHERE source = 'entra' AND operation IN ('Consent to application', 'Add delegated permission grant', 'Add app role assignment grant to user')
      AND time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND target_id IS NOT NULL
),
earlier AS (
    SELECT target_id, min(time) AS first_consent
    FROM audit
    WHERE source = 'entra' AND operation IN ('Consent to application', 'Add delegated permission grant', 'Add app role assignment grant to user')
    GROUP BY target_id
),
first_consents AS (
    -- Only the first consent to an application in the tenant.
    SELECT c.* FROM consents c JOIN earlier e ON c.target_id = e.target_id
    WHERE c.consented = e.first_consent
),
principal_signins AS (
    -- Service-principal sign-ins from hosting, VPN, Tor or unknown networks; `provider` is
    -- the ASN, or the first two octets when the ASN is unknown.
    SELECT time, user_id, app, app_id, ip, asn, country, category, prefix,
           coalesce(CAST(asn AS VARCHAR), array_to_string(list_slice(string_split(ip, '.'), 1, 2), '.')) AS provider
    FROM network_events
    WHERE source = 'entra' AND log_type IN ('service_principal', 'managed_identity') AND result = 'success'
      AND time >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
      AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00' + INTERVAL '7 days' /* follow_days */
      AND category IN ('hosting', 'vpn', 'tor', 'unknown')
),
matched AS (
    SELECT c.actor, c.consented, c.target, c.target_id, c.actor_ip, c.event_id, p.*
    FROM first_consents c
    JOIN principal_signins p
      ON (p.user_id = c.target_id OR p.app = c.target)
     AND p.time >= c.consented AND p.time < c.consented + INTERVAL '7 days' /* follow_days */
),
lake_end AS (
    SELECT max(time) AS last_event FROM signins
    WHERE source = 'entra' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
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
       ips, asns, countries, [target] AS apps,
       concat(actor, ' consented to ', target, ', an application new to the tenant; its service principal then signed in ',
              CAST(signins AS VARCHAR), ' time(s) from ', CAST(providers AS VARCHAR), ' provider(s) (',
              array_to_string(ips, ', '), ')') AS reason,
       event_id AS finding_key,
       struct_pack(application := target, service_principal_id := target_id, consent_ip := actor_ip,
                   signins := signins, providers := providers, categories := categories) AS evidence
FROM scored
WHERE least(100, score) >= 75 /* min_score */
