-- id: okta_native_signals
-- title: Okta's own token-reuse, session-roaming and risk signals
-- technique: T1550.001
-- severity: high
-- sources: okta
-- description: Events Okta raises itself when a refresh token is replayed
--   (app.oauth2.as.token.detect_reuse, app.oauth2.token.detect_reuse), when a session's
--   context or client roams (user.session.context.change,
--   security.session.detect_client_roaming) and when it rates a user risky
--   (user.risk.detect with level HIGH or MEDIUM). Reuse is reported on whichever
--   request came second — the attacker's, or the victim's own client after the attacker
--   redeemed the token first — and also fires when two of a user's own clients race to
--   refresh one token. A signal raised on a network the user works from on many days (not
--   hosting, VPN or Tor) is therefore an alert only when, in the day before, the same
--   application's tokens were granted to the user on a network they do not use (the
--   attacker's redemption, whose addresses the finding lists); alone it stays below the
--   alert threshold and counts when another hunt finds the user nearby (`--group incidents`).
-- param: min_score = 40 | Findings below this score are dropped.
-- param: regular_days = 3 | A network the user used on this many days is theirs.
-- param: lookback_hours = 24 | How long before a signal to look for the same application's tokens granted elsewhere.
WITH signals AS (
    SELECT e.event_id, e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.app, e.event_type, e.risk,
           e.result_code, n.network, n.category, coalesce(b.days, 0) AS network_days,
           CASE WHEN e.event_type LIKE '%detect_reuse' THEN 85
                WHEN e.event_type = 'security.session.detect_client_roaming' THEN 75
                WHEN e.event_type = 'user.session.context.change' THEN 60
                WHEN e.risk = 'high' THEN 70 ELSE 50 END AS base_score
    FROM signins e
    LEFT JOIN (SELECT event_id, network, category FROM network_events
               WHERE source = 'okta' AND time >= ${since} AND time < ${until}
                 AND (event_type IN ('app.oauth2.as.token.detect_reuse', 'app.oauth2.token.detect_reuse',
                                     'user.session.context.change', 'security.session.detect_client_roaming')
                      OR event_type = 'user.risk.detect')) n ON n.event_id = e.event_id
    LEFT JOIN baseline_user_networks b ON b.source = 'okta' AND b.user = e.user AND b.network = n.network
    WHERE e.source = 'okta' AND e.time >= ${since} AND e.time < ${until} AND e.user IS NOT NULL
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
      AND g.time >= ${since} - INTERVAL '${lookback_hours} hours' AND g.time < ${until}
      AND (coalesce(b.days, 0) < ${regular_days} OR g.category IN ('hosting', 'vpn', 'tor'))
),
elsewhere AS (
    SELECT s.event_id, make_set(g.ip) AS grant_ips, make_set(g.network) AS grant_networks, min(g.time) AS grant_first
    FROM signals s
    JOIN grants g ON g.user = s.user AND g.app = s.app AND g.network <> coalesce(s.network, '')
     AND g.time >= s.time - INTERVAL '${lookback_hours} hours' AND g.time <= s.time
    GROUP BY s.event_id
),
scored AS (
    SELECT s.*, x.grant_ips, x.grant_networks, x.grant_first,
           s.base_score
           + CASE WHEN s.network_days >= ${regular_days}
                       AND coalesce(s.category, 'isp') NOT IN ('hosting', 'vpn', 'tor')
                       AND x.event_id IS NULL THEN -40 ELSE 0 END AS score
    FROM signals s LEFT JOIN elsewhere x ON x.event_id = s.event_id
)
SELECT user, session_id, 'okta' AS source,
       -- The attacker's grants started it: the finding spans them.
       least(min(time), min(grant_first)) AS first_seen, max(time) AS last_seen, max(score) AS score,
       array_distinct(array_concat(make_set(ip), coalesce(array_distinct(flatten(array_agg(grant_ips) FILTER (WHERE grant_ips IS NOT NULL))), make_set(ip)))) AS ips,
       make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
       concat('Okta raised ', array_to_string(make_set(event_type), ', '), ' (', CAST(count(*) AS VARCHAR),
              ' event(s)) on ', array_to_string(make_set(coalesce(network, ip)), ', '),
              CASE WHEN count(grant_networks) > 0
                   THEN concat('; the application''s tokens were granted on ',
                               array_to_string(array_distinct(flatten(array_agg(grant_networks) FILTER (WHERE grant_networks IS NOT NULL))), ', '), ' shortly before')
                   WHEN max(score) < 50 THEN ', a network the user works from (two of their own clients racing is likely)'
                   WHEN min(network_days) >= ${regular_days}
                   THEN concat(', a ', coalesce(max(category), 'unknown'), ' network the user used on ',
                               CAST(min(network_days) AS VARCHAR), ' days')
                   ELSE ', a network new to the user' END) AS reason,
       concat(coalesce(session_id, ''), '|', event_type, '|', CAST(date_trunc('day', min(time)) AS VARCHAR)) AS finding_key,
       -- Okta saw a rotated refresh token presented again, from a network the user does
       -- not work from: the token is in two hands. Roaming and context changes alone are
       -- the user's own device moving, unless the app's tokens were granted elsewhere.
       named_struct('corroboration', concat_ws(',',
                        CASE WHEN count(grant_networks) > 0 THEN 'token_redeemed_elsewhere' END,
                        CASE WHEN bool_or(event_type LIKE '%detect_reuse' AND network_days < ${regular_days}) THEN 'token_reuse_detected' END),
                    'event_types', make_set(event_type), 'events', count(*), 'risk', make_set(risk),
                    'outcome_reasons', make_set(result_code), 'networks', make_set(network),
                    'categories', make_set(category), 'network_days', max(network_days),
                    'grants_elsewhere', array_distinct(flatten(array_agg(grant_ips) FILTER (WHERE grant_ips IS NOT NULL)))) AS evidence
FROM scored
GROUP BY user, session_id, event_type, date_trunc('day', time)
HAVING max(score) >= ${min_score}
