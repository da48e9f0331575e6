-- DuckDB port of data/hunts/okta_native_signals.sql (run setup.sql first).
-- Okta's own token-reuse, session-roaming and risk signals, ranked down on a network the
-- user works from unless the same application's tokens were granted elsewhere shortly
-- before.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 40, regular_days = 3, lookback_hours = 24; whole lake.
WITH signals AS (
    SELECT e.event_id, e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.app, e.event_type, e.risk,
           e.result_code, n.network, n.category, coalesce(b.days, 0) AS network_days,
           CASE WHEN e.event_type LIKE '%detect_reuse' THEN 85
                WHEN e.event_type = 'security.session.detect_client_roaming' THEN 75
                WHEN e.event_type = 'user.session.context.change' THEN 60
                WHEN e.risk = 'high' THEN 70 ELSE 50 END AS base_score
    FROM signins e
    LEFT JOIN (SELECT event_id, network, category FROM network_events
               WHERE source = 'okta' AND time >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
                 AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
                 AND (event_type IN ('app.oauth2.as.token.detect_reuse', 'app.oauth2.token.detect_reuse',
                                     'user.session.context.change', 'security.session.detect_client_roaming')
                      OR event_type = 'user.risk.detect')) n ON n.event_id = e.event_id
    LEFT JOIN baseline_user_networks b ON b.source = 'okta' AND b.user = e.user AND b.network = n.network
    WHERE e.source = 'okta' AND e.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
      AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00' AND e.user IS NOT NULL
      AND (e.event_type IN ('app.oauth2.as.token.detect_reuse', 'app.oauth2.token.detect_reuse',
                            'user.session.context.change', 'security.session.detect_client_roaming')
           OR (e.event_type = 'user.risk.detect' AND e.risk IN ('high', 'medium')))
),
grants AS (
    -- Token grants on networks the user does not work from, or on hosting, VPN and Tor.
    SELECT g.user, g.app, g.time, g.ip, g.network
    FROM network_events g
    LEFT JOIN baseline_user_networks b ON b.source = 'okta' AND b.user = g.user AND b.network = g.network
    WHERE g.source = 'okta' AND g.event_type LIKE 'app.oauth2.%token.grant%' AND g.result = 'success'
      AND g.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' - INTERVAL '24 hours' /* lookback_hours */
      AND g.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND (coalesce(b.days, 0) < 3 /* regular_days */ OR g.category IN ('hosting', 'vpn', 'tor'))
),
elsewhere AS (
    SELECT s.event_id, make_set(g.ip) AS grant_ips, make_set(g.network) AS grant_networks, min(g.time) AS grant_first
    FROM signals s
    JOIN grants g ON g.user = s.user AND g.app = s.app AND g.network <> coalesce(s.network, '')
     AND g.time >= s.time - INTERVAL '24 hours' /* lookback_hours */ AND g.time <= s.time
    GROUP BY s.event_id
),
scored AS (
    SELECT s.*, x.grant_ips, x.grant_networks, x.grant_first,
           s.base_score
           + CASE WHEN s.network_days >= 3 /* regular_days */
                       AND coalesce(s.category, 'isp') NOT IN ('hosting', 'vpn', 'tor')
                       AND x.event_id IS NULL THEN -40 ELSE 0 END AS score
    FROM signals s LEFT JOIN elsewhere x ON x.event_id = s.event_id
)
SELECT user, session_id, 'okta' AS source,
       -- The attacker's grants started it: the finding spans them (least() skips NULLs in
       -- both engines).
       least(min(time), min(grant_first)) AS first_seen, max(time) AS last_seen, max(score) AS score,
       list_distinct(list_concat(make_set(ip), flatten(list(coalesce(grant_ips, [ip]))))) AS ips,
       make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
       concat('Okta raised ', array_to_string(make_set(event_type), ', '), ' (', CAST(count(*) AS VARCHAR),
              ' event(s)) on ', array_to_string(make_set(coalesce(network, ip)), ', '),
              CASE WHEN max(len(grant_networks)) > 0
                   THEN concat('; the application''s tokens were granted on ',
                               array_to_string(list_distinct(flatten(list(coalesce(grant_networks, [network])))), ', '),
                               ' shortly before')
                   WHEN min(network_days) >= 3 /* regular_days */ THEN ', a network the user works from'
                   ELSE ', a network new to the user' END) AS reason,
       concat(event_type, '|', CAST(date_trunc('day', min(time)) AS VARCHAR)) AS finding_key,
       struct_pack(event_types := make_set(event_type), events := count(*), risk := make_set(risk),
                   outcome_reasons := make_set(result_code), networks := make_set(network),
                   categories := make_set(category), network_days := max(network_days),
                   grants_elsewhere := list_distinct(flatten(list(coalesce(grant_ips, [ip]))))) AS evidence
FROM scored
GROUP BY user, session_id, event_type, date_trunc('day', time)
HAVING max(score) >= 40 /* min_score */
