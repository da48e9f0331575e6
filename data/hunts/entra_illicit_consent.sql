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
-- param: min_score = 60 | Findings below this score are dropped.
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
    SELECT time, user_id, app, app_id, ip, asn, country,
           coalesce(ip_category(ip), asn_category(asn), 'isp') AS category
    FROM signins
    WHERE source = 'entra' AND log_type IN ('service_principal', 'managed_identity') AND result = 'success'
      AND time >= ${since} AND time < ${until} + INTERVAL '${follow_days} days'
)
SELECT c.actor AS user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source,
       c.consented AS first_seen, max(p.time) AS last_seen,
       least(100, 65 + 5 * count(DISTINCT p.ip)) AS score,
       make_set(p.ip) AS ips, make_set(p.asn) AS asns, make_set(p.country) AS countries,
       make_set(coalesce(p.app, c.target)) AS apps,
       concat(c.actor, ' consented to ', c.target, ', an application new to the tenant; its service principal then signed in ',
              CAST(count(*) AS VARCHAR), ' time(s) from ', array_to_string(make_set(p.category), '/'), ' networks (',
              array_to_string(make_set(p.ip), ', '), ')') AS reason,
       c.event_id AS finding_key,
       named_struct('application', c.target, 'service_principal_id', c.target_id, 'consent_ip', c.actor_ip,
                    'signins', count(*), 'categories', make_set(p.category)) AS evidence
FROM first_consents c
JOIN principal_signins p
  ON (p.user_id = c.target_id OR p.app = c.target)
 AND p.time >= c.consented AND p.time < c.consented + INTERVAL '${follow_days} days'
WHERE p.category IN ('hosting', 'vpn', 'tor', 'unknown')
GROUP BY c.actor, c.consented, c.target, c.target_id, c.actor_ip, c.event_id
HAVING least(100, 65 + 5 * count(DISTINCT p.ip)) >= ${min_score}
