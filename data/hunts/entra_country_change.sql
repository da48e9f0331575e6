-- id: entra_country_change
-- title: A user signs in from another country within the hour, faster than a flight
-- technique: T1078.004
-- severity: medium
-- sources: entra
-- description: Consecutive successful sign-ins of one user (across sessions) from two
--   countries less than an hour apart and farther apart than an airliner could fly in
--   that time. Shared egress (a corporate VPN exiting abroad), privacy relays and
--   Microsoft's infrastructure are ignored; real flights are slower than the threshold.
-- param: min_score = 50 | Findings below this score are dropped.
-- param: window_minutes = 60 | Only sign-ins this close together are compared.
-- param: travel_kmh = 900 | Speed above which travel is impossible.
-- param: tolerance_km = 100 | Geolocation error subtracted from every distance.
-- param: shared_users = 8 | A /24 or /64 used by this many users is shared egress.
WITH tagged AS (
    SELECT time, user, session_id, ip, asn, country, city, lat, lon, app, ip_network(ip) AS prefix,
           coalesce(ip_category(ip), asn_category(asn), 'isp') AS category
    FROM signins
    WHERE source = 'entra' AND user IS NOT NULL AND ip IS NOT NULL AND country IS NOT NULL AND lat IS NOT NULL
      AND result = 'success' AND time >= ${since} AND time < ${until}
),
usable AS (
    SELECT * FROM tagged WHERE NOT ${allowlisted} AND category NOT IN ('private', 'privacy_relay', 'cdn')
),
shared AS (
    SELECT prefix, dcount(user) AS users FROM usable GROUP BY prefix
),
steps AS (
    SELECT u.*, sh.users AS shared_by,
           lag(country) OVER w AS previous_country, lag(time) OVER w AS previous_time,
           lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
           lag(u.ip) OVER w AS previous_ip, lag(u.prefix) OVER w AS previous_prefix,
           lag(session_id) OVER w AS previous_session
    FROM usable u JOIN shared sh ON sh.prefix = u.prefix
    WINDOW w AS (PARTITION BY u.user ORDER BY u.time)
),
jumps AS (
    SELECT s.*, geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon, ${tolerance_km}) AS kmh
    FROM steps s
    WHERE previous_country IS NOT NULL AND previous_country <> country
      AND time - previous_time < INTERVAL '${window_minutes} minutes'
      AND shared_by < ${shared_users}
)
SELECT j.user, j.session_id, 'entra' AS source, j.previous_time AS first_seen, j.time AS last_seen,
       55 AS score, make_array(j.previous_ip, j.ip) AS ips, make_array(j.asn) AS asns,
       make_array(j.previous_country, j.country) AS countries, make_array(j.app) AS apps,
       concat(j.user, ' signed in from ', j.previous_country, ' then ', j.country, ' ',
              CAST(round(date_part('epoch', j.time - j.previous_time) / 60) AS BIGINT), ' min later (',
              CAST(CAST(least(j.kmh, 99999) AS BIGINT) AS VARCHAR), ' km/h)') AS reason,
       concat(j.previous_prefix, '>', j.prefix, '@', CAST(date_trunc('hour', j.time) AS VARCHAR)) AS finding_key,
       named_struct('kmh', j.kmh, 'previous_session', j.previous_session, 'previous_ip', j.previous_ip) AS evidence
FROM jumps j
WHERE j.kmh > ${travel_kmh} AND 55 >= ${min_score}
