-- DuckDB port of data/hunts/new_asn_for_user.sql (run setup.sql first).
-- A user signs in from a network and country new to them (low severity; it mostly
-- raises the score of an incident it lands in).
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 30, shared_users = 8, regular_days = 3; whole lake.
WITH ev AS (
    SELECT e.source, e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.app, e.network, e.category
    -- ${allowlisted}
    FROM (SELECT * FROM network_events WHERE NOT coalesce(ip_category = 'microsoft', false)) e
    JOIN baseline_prefix_users p ON p.source = e.source AND p.prefix = e.prefix
    JOIN baseline_user_networks b ON b.source = e.source AND b.user = e.user AND b.network = e.network
    LEFT JOIN baseline_user_countries c ON c.source = e.source AND c.user = e.user AND c.country = e.country
    WHERE e.user IS NOT NULL AND e.result = 'success'
      AND e.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND e.asn IS NOT NULL AND e.country IS NOT NULL
      AND e.category NOT IN ('private', 'mobile', 'privacy_relay', 'cdn', 'microsoft')
      -- a network used on at most one day, in a country that is not one of the user's
      AND p.users < 8 /* shared_users */ AND b.days <= 1 AND coalesce(c.days, 0) < 3 /* regular_days */
)
SELECT user, max(session_id) AS session_id, source, min(time) AS first_seen, max(time) AS last_seen,
       40 AS score, make_set(ip) AS ips, make_set(asn) AS asns, make_set(country) AS countries, make_set(app) AS apps,
       concat(user, ' signed in from ', network, ' (', max(category), ', ', array_to_string(make_set(country), ', '),
              '), a network and country they do not otherwise use') AS reason,
       network AS finding_key,
       struct_pack(network := network, events := count(*), sessions := make_set(session_id)) AS evidence
FROM ev
GROUP BY source, user, network
HAVING 40 >= 30 /* min_score */
