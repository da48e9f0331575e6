-- DuckDB port of data/hunts/entra_credentials_after_new_network.sql (run setup.sql first).
-- Credentials added to an application from a network new to the user.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 60, new_hours = 48, shared_users = 8; whole lake.
-- ip_network(x) and ip_category(x) are looked up in ip_info (setup.sql).
WITH changes AS (
    SELECT a.time, a.actor, a.actor_ip, a.target, a.target_id, a.operation, a.event_id,
           i.prefix, i.ip_category
    FROM audit a
    LEFT JOIN ip_info i ON i.ip = a.actor_ip
    WHERE a.source = 'entra' AND a.actor_ip IS NOT NULL AND a.actor IS NOT NULL
      AND (a.operation IN ('Add service principal credentials', 'Add application credential', 'Update service principal credentials')
           OR trim(a.operation) = 'Update application – Certificates and secrets management')
      AND a.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND a.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
),
user_prefixes AS (
    -- When each user first signed in successfully from each /24 or /64.
    SELECT s.user, i.prefix, min(s.time) AS first_used
    FROM signins s JOIN ip_info i ON i.ip = s.ip
    WHERE s.source = 'entra' AND s.user IS NOT NULL AND s.ip IS NOT NULL AND s.result = 'success'
      AND s.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
    GROUP BY s.user, i.prefix
),
shared AS (
    -- The most users on one address of the prefix (successful sign-ins; setup.sql).
    SELECT prefix, users FROM baseline_prefix_users WHERE source = 'entra'
),
scored AS (
    SELECT c.*, u.first_used, s.users AS shared_by,
           coalesce(c.ip_category, 'isp') AS category,
           CASE WHEN u.first_used IS NULL OR u.first_used > c.time - INTERVAL '48 hours' /* new_hours */ THEN 45 ELSE 0 END
           + CASE WHEN coalesce(c.ip_category, '') IN ('hosting', 'vpn', 'tor') THEN 30 ELSE 0 END
           + 25
           - CASE WHEN coalesce(s.users, 0) >= 8 /* shared_users */ THEN 60 ELSE 0 END AS score
    FROM changes c
    LEFT JOIN user_prefixes u ON u.user = c.actor AND u.prefix = c.prefix
    LEFT JOIN shared s ON s.prefix = c.prefix
)
SELECT actor AS user, CAST(NULL AS VARCHAR) AS session_id, 'entra' AS source,
       time AS first_seen, time AS last_seen, least(100, score) AS score,
       [actor_ip] AS ips, CAST([] AS BIGINT[]) AS asns, CAST([] AS VARCHAR[]) AS countries,
       [target] AS apps,
       concat(actor, ' ran "', trim(operation), '" on ', target, ' from ', actor_ip,
              CASE WHEN first_used IS NULL THEN ', a network they had never signed in from'
                   ELSE concat(', a network first used ', CAST(first_used AS VARCHAR)) END) AS reason,
       event_id AS finding_key,
       struct_pack(operation := trim(operation), target := target, target_id := target_id,
                   actor_ip := actor_ip, network_first_used := first_used, shared_by_users := shared_by) AS evidence
FROM scored
WHERE least(100, score) >= 60 /* min_score */
