-- DuckDB port of data/hunts/okta_native_signals.sql (run setup.sql first).
-- Okta's own token-reuse, session-roaming and risk signals.
-- Parameters inlined at their defaults, marked with their name in a comment:
-- min_score = 50; whole lake.
SELECT user, session_id, 'okta' AS source,
       min(time) AS first_seen, max(time) AS last_seen,
       max(CASE WHEN event_type LIKE '%detect_reuse' THEN 85
                WHEN event_type = 'security.session.detect_client_roaming' THEN 75
                WHEN event_type = 'user.session.context.change' THEN 60
                WHEN risk = 'high' THEN 70 ELSE 50 END) AS score,
       make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
       concat('Okta raised ', array_to_string(make_set(event_type), ', '), ' (', CAST(count(*) AS VARCHAR), ' event(s))') AS reason,
       concat(event_type, '|', CAST(date_trunc('day', min(time)) AS VARCHAR)) AS finding_key,
       struct_pack(event_types := make_set(event_type), events := count(*), risk := make_set(risk),
                   outcome_reasons := make_set(result_code)) AS evidence
FROM signins
WHERE source = 'okta' AND time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
  AND user IS NOT NULL
  AND (event_type IN ('app.oauth2.as.token.detect_reuse', 'app.oauth2.token.detect_reuse',
                      'user.session.context.change', 'security.session.detect_client_roaming')
       OR (event_type = 'user.risk.detect' AND risk IN ('high', 'medium')))
GROUP BY user, session_id, event_type, date_trunc('day', time)
HAVING max(CASE WHEN event_type LIKE '%detect_reuse' THEN 85
                WHEN event_type = 'security.session.detect_client_roaming' THEN 75
                WHEN event_type = 'user.session.context.change' THEN 60
                WHEN risk = 'high' THEN 70 ELSE 50 END) >= 50 /* min_score */
