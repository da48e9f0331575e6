-- DuckDB port of data/hunts/entra_session_impossible_travel.sql (run setup.sql first).
-- Impossible travel inside one Entra session.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 60, travel_kmh = 900, min_km = 500, tolerance_km = 100, shared_users = 8,
-- regular_days = 3; whole lake.
WITH tagged AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.city, e.lat, e.lon, e.app, e.prefix,
           e.category, e.network, p.users AS shared_by, b.days AS network_days,
           least(b.spread_km, 3000.0) AS tolerance
    -- ${allowlisted}
    FROM (SELECT * FROM network_events WHERE NOT coalesce(ip_category = 'microsoft', false)) e
    JOIN baseline_prefix_users p ON p.source = e.source AND p.prefix = e.prefix
    JOIN baseline_user_networks b ON b.source = e.source AND b.user = e.user AND b.network = e.network
    WHERE e.source = 'entra' AND e.session_id IS NOT NULL AND e.user IS NOT NULL AND e.lat IS NOT NULL
      AND e.result = 'success'
      AND e.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'mobile', 'microsoft')
      AND p.users < 8 /* shared_users */
),
steps AS (
    SELECT t.*,
           lag(network) OVER w AS previous_network, lag(time) OVER w AS previous_time,
           lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
           lag(country) OVER w AS previous_country, lag(city) OVER w AS previous_city,
           lag(ip) OVER w AS previous_ip, lag(network_days) OVER w AS previous_network_days,
           lag(tolerance) OVER w AS previous_tolerance
    FROM tagged t
    WINDOW w AS (PARTITION BY t.user, t.session_id ORDER BY t.time)
),
jumps AS (
    -- Each side's geolocation error: the spread of that network's positions for this user.
    SELECT *, geo_distance_km(previous_lat, previous_lon, lat, lon) AS km,
           geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon,
                            100 /* tolerance_km */ + tolerance + previous_tolerance) AS kmh
    FROM steps
    -- Two networks the user comes back to for days (home and a second home) are theirs.
    WHERE previous_network IS NOT NULL AND previous_network <> network
      AND least(network_days, previous_network_days) < 3 /* regular_days */
)
SELECT user, session_id, 'entra' AS source, min(previous_time) AS first_seen, max(time) AS last_seen,
       least(100, 65 + CASE WHEN max(kmh) > 5000 THEN 15 ELSE 0 END
                      + CASE WHEN bool_or(previous_country <> country) THEN 10 ELSE 0 END) AS score,
       list_distinct(make_set(previous_ip) || make_set(ip)) AS ips, make_set(asn) AS asns,
       list_distinct(make_set(previous_country) || make_set(country)) AS countries, make_set(app) AS apps,
       concat('session moved ', CAST(CAST(trunc(max(km)) AS BIGINT) AS VARCHAR), ' km between networks at ',
              CAST(CAST(trunc(least(max(kmh), 99999)) AS BIGINT) AS VARCHAR), ' km/h (',
              array_to_string(make_set(concat(coalesce(previous_city, previous_country), ' → ', coalesce(city, country))), '; '), ')') AS reason,
       struct_pack(jumps := count(*), max_kmh := max(kmh), max_km := max(km),
                   networks := list_distinct(make_set(previous_network) || make_set(network))) AS evidence
FROM jumps
WHERE km >= 500 /* min_km */ AND kmh > 900 /* travel_kmh */
GROUP BY user, session_id
HAVING least(100, 65 + CASE WHEN max(kmh) > 5000 THEN 15 ELSE 0 END
                     + CASE WHEN bool_or(previous_country <> country) THEN 10 ELSE 0 END) >= 60 /* min_score */
