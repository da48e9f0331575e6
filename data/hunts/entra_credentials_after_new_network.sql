-- id: entra_credentials_after_new_network
-- title: Credentials added to an application from a network new to the user
-- technique: T1098.001
-- severity: high
-- sources: entra
-- description: A secret or certificate added to an application or service principal
--   (AuditLogs "Add service principal credentials", "Update application – Certificates
--   and secrets management") by a user working from a network that user had not used
--   before the last two days, or from a hosting or VPN network: persistence set up with
--   a replayed session. Routine rotations from the admin's usual networks are not
--   reported, nor from a new address of their own broadband provider (leases and IPv6
--   prefixes rotate).
-- param: min_score = 60 | Findings below this score are dropped.
-- param: new_hours = 48 | A network first used by the user this recently counts as new.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
WITH changes AS (
    SELECT time, actor, actor_ip, target, target_id, operation, event_id,
           ip_network(actor_ip) AS prefix
    FROM audit
    WHERE source = 'entra' AND actor_ip IS NOT NULL AND actor IS NOT NULL
      AND (operation IN ('Add service principal credentials', 'Add application credential', 'Update service principal credentials')
           OR trim(operation) = 'Update application – Certificates and secrets management')
      AND time >= ${since} AND time < ${until}
),
user_prefixes AS (
    -- When each user first signed in from each prefix, from the stored baseline: a
    -- daily run does not read the history again.
    SELECT user, prefix, first_seen AS first_used
    FROM baseline_user_prefixes
    WHERE source = 'entra' AND first_seen < ${until}
),
shared AS (
    SELECT prefix, users FROM baseline_prefix_users WHERE source = 'entra'
),
ip_categories AS (
    -- The category the sign-ins from that address carried (from their own ASN), else
    -- what the reference data says about the address.
    SELECT n.ip, coalesce(max(nullif(n.category, 'unknown')), 'unknown') AS category, max(n.network) AS network
    -- An address a directory change came from signs in around it: the day before the
    -- window is looked at, not the whole history.
    FROM network_events n JOIN (SELECT DISTINCT actor_ip FROM changes) c ON c.actor_ip = n.ip
    WHERE n.source = 'entra' AND n.time >= ${since} - INTERVAL '1 day' AND n.time < ${until}
    GROUP BY n.ip
),
-- The devices the user shows on regular_days days or more.
known_clients AS ${known_clients},
own_addresses AS (
    -- Whether one of the user's own devices (a device id they show on regular days)
    -- signed in from the change's address around it: an admin at their own laptop on a
    -- new lease of their ISP, not a thief behind a residential proxy on that ISP (whose
    -- copied user agent proves nothing; a device id comes from the device).
    SELECT c.event_id, bool_or(array_has(coalesce(k.devices, make_array('-')), n.device_id)) AS own
    FROM changes c
    JOIN network_events n ON n.source = 'entra' AND n.user = c.actor AND n.ip = c.actor_ip
     AND n.time >= c.time - INTERVAL '2 hours' AND n.time <= c.time + INTERVAL '2 hours'
    LEFT JOIN known_clients k ON k.source = 'entra' AND k.user = c.actor
    WHERE n.time >= ${since} - INTERVAL '1 day' AND n.time < ${until} + INTERVAL '2 hours'
    GROUP BY c.event_id
),
user_start AS (
    SELECT user, min(first_used) AS first_signin FROM user_prefixes GROUP BY user
),
facts AS (
    -- New: never used, or first used within new_hours, and not the network the user was
    -- first seen on (with a short history, first-seen within the data is the baseline).
    -- A broadband or carrier address block is new whenever the line's lease or IPv6
    -- prefix rotates: on those networks the provider (the ASN) must be new too (and not
    -- used on regular_days days), unless none of the user's own devices signed in from
    -- the address around the change.
    SELECT c.*, u.first_used, s.users AS shared_by,
           coalesce(ic.category, ip_category(c.actor_ip), asn_category(ip_asn(c.actor_ip)), 'isp') AS category,
           (u.first_used IS NULL OR (u.first_used > c.time - INTERVAL '${new_hours} hours'
                                     AND u.first_used > us.first_signin + INTERVAL '1 hour'))
           AND (((n.first_seen IS NULL OR (n.first_seen > c.time - INTERVAL '${new_hours} hours'
                                           AND n.first_seen > us.first_signin + INTERVAL '1 hour'))
                 AND coalesce(n.days, 0) < ${regular_days})
                OR NOT coalesce(oa.own, false)) AS new_network
    FROM changes c
    LEFT JOIN user_prefixes u ON u.user = c.actor AND u.prefix = c.prefix
    LEFT JOIN shared s ON s.prefix = c.prefix
    LEFT JOIN user_start us ON us.user = c.actor
    LEFT JOIN ip_categories ic ON ic.ip = c.actor_ip
    LEFT JOIN baseline_user_networks n ON n.source = 'entra' AND n.user = c.actor AND n.network = ic.network
    LEFT JOIN own_addresses oa ON oa.event_id = c.event_id
),
scored AS (
    SELECT *,
           CASE WHEN new_network THEN 45 ELSE 0 END
           + CASE WHEN category IN ('hosting', 'vpn', 'tor') THEN 30 ELSE 0 END
           + 25
           -- Carriers put strangers behind one address (CGNAT): that is no shared office.
           - CASE WHEN coalesce(shared_by, 0) >= ${shared_users} AND category <> 'mobile' THEN 60 ELSE 0 END AS score
    FROM facts
)
SELECT actor AS user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source,
       time AS first_seen, time AS last_seen, least(100, score) AS score,
       make_array(actor_ip) AS ips, CAST(make_array() AS BIGINT[]) AS asns, CAST(make_array() AS VARCHAR[]) AS countries,
       make_array(target) AS apps,
       concat(actor, ' ran "', trim(operation), '" on ', target, ' from ', actor_ip,
              CASE WHEN first_used IS NULL THEN ', a network they had never signed in from'
                   ELSE concat(', a network first used ', CAST(first_used AS VARCHAR)) END) AS reason,
       event_id AS finding_key,
       named_struct('corroboration', CASE WHEN new_network THEN 'directory_change' ELSE '' END,
                    'operation', trim(operation), 'target', target, 'target_id', target_id,
                    'actor_ip', actor_ip, 'network_first_used', first_used, 'shared_by_users', shared_by) AS evidence
FROM scored
WHERE least(100, score) >= ${min_score}
