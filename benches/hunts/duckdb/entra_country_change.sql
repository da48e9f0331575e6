-- DuckDB port of data/hunts/entra_country_change.sql (run setup.sql first).
-- A user signs in from another country within the hour, faster than a flight.
-- Parameters inlined at their defaults, each marked with its name in a comment:
-- min_score = 50, window_minutes = 60, travel_kmh = 900, tolerance_km = 100,
-- shared_users = 8, regular_days = 3; whole lake: since 1970-01-01, until 2200-01-01.
WITH usable AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.lat, e.lon, e.app, e.prefix,
           least(b.spread_km, 3000.0) AS tolerance
    -- ${allowlisted}: Microsoft's published front-end ranges (ip_category = 'microsoft')
    FROM (SELECT * FROM network_events WHERE NOT coalesce(ip_category = 'microsoft', false)) e
    JOIN baseline_prefix_users p ON p.source = e.source AND p.prefix = e.prefix
    JOIN baseline_user_networks b ON b.source = e.source AND b.user = e.user AND b.network = e.network
    WHERE e.source = 'entra' AND e.user IS NOT NULL AND e.country IS NOT NULL AND e.lat IS NOT NULL
      AND e.result = 'success'
      AND e.time >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'mobile', 'microsoft')
      AND p.users < 8 /* shared_users */
),
steps AS (
    -- The user's previous located sign-in, across sessions.
    SELECT *,
           lag(country) OVER w AS previous_country, lag(time) OVER w AS previous_time,
           lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
           lag(ip) OVER w AS previous_ip, lag(prefix) OVER w AS previous_prefix,
           lag(session_id) OVER w AS previous_session, lag(tolerance) OVER w AS previous_tolerance
    FROM usable
    WINDOW w AS (PARTITION BY user ORDER BY time)
),
jumps AS (
    -- A country change within the window, to a country the user does not sign in from
    -- on other days; each side's geolocation error widens the tolerance.
    SELECT s.*, geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon,
                                 100 /* tolerance_km */ + s.tolerance + s.previous_tolerance) AS kmh
    FROM steps s
    LEFT JOIN baseline_user_countries c ON c.source = 'entra' AND c.user = s.user AND c.country = s.country
    WHERE s.previous_country IS NOT NULL AND s.previous_country <> s.country
      AND s.time - s.previous_time < INTERVAL '60 minutes' /* window_minutes */
      AND coalesce(c.days, 0) < 3 /* regular_days */
)
SELECT user, session_id, 'entra' AS source, min(previous_time) AS first_seen, max(time) AS last_seen,
       55 AS score, list_distinct(make_set(previous_ip) || make_set(ip)) AS ips, make_set(asn) AS asns,
       list_distinct(make_set(previous_country) || make_set(country)) AS countries, make_set(app) AS apps,
       concat(user, ' signed in from ', array_to_string(make_set(previous_country), '/'), ' then ', country, ' ',
              CAST(round(min(date_part('epoch', time - previous_time)) / 60) AS BIGINT), ' min later (',
              CAST(CAST(trunc(least(max(kmh), 99999)) AS BIGINT) AS VARCHAR), ' km/h); ', country,
              ' is not a country they sign in from on other days') AS reason,
       concat(country, '@', CAST(date_trunc('day', min(time)) AS VARCHAR)) AS finding_key,
       struct_pack(max_kmh := max(kmh), jumps := count(*), previous_sessions := make_set(previous_session)) AS evidence
FROM jumps
WHERE kmh > 900 /* travel_kmh */ AND 55 >= 50 /* min_score */
GROUP BY user, session_id, country
