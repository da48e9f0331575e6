-- id: entra_country_change
-- title: A user signs in from another country within the hour, faster than a flight
-- technique: T1078.004
-- severity: medium
-- sources: entra
-- description: Consecutive successful sign-ins of one user (across sessions) from two
--   countries less than an hour apart, farther apart than an airliner could fly in that
--   time, where the second country is not one the user signs in from on other days.
--   Shared egress (a corporate VPN exiting abroad), mobile carriers, relays and
--   Microsoft's infrastructure are ignored; each side's geolocation error is the spread
--   of that network's positions for the user.
-- param: min_score = 50 | Findings below this score are dropped.
-- param: window_minutes = 60 | Only sign-ins this close together are compared.
-- param: travel_kmh = 900 | Speed above which travel is impossible.
-- param: tolerance_km = 100 | Geolocation error subtracted from every distance.
-- param: shared_users = 8 | A network where one address serves this many users (NAT egress, VPN, proxy) is shared, not an attacker's.
-- param: regular_days = 3 | A country the user signs in from on this many days is theirs.
WITH usable AS (
    SELECT e.time, e.user, e.session_id, e.ip, e.asn, e.country, e.lat, e.lon, e.app, e.prefix,
           least(b.spread_km, 3000.0) AS tolerance
    -- The baseline tables come first: DataFusion builds a hash join on its left side
    -- and cannot spill it, so over months the events must be the side it streams.
    FROM baseline_user_networks b
    JOIN (baseline_prefix_users p
          JOIN (SELECT * FROM network_events WHERE NOT ${allowlisted}) e
            ON p.source = e.source AND p.prefix = e.prefix)
      ON b.source = e.source AND b.user = e.user AND b.network = e.network
    WHERE e.source = 'entra' AND e.user IS NOT NULL AND e.country IS NOT NULL AND e.lat IS NOT NULL
      AND e.result = 'success' AND e.time >= ${since} AND e.time < ${until}
      AND e.category NOT IN ('private', 'privacy_relay', 'cdn', 'mobile', 'microsoft')
      AND p.users < ${shared_users}
),
steps AS (
    SELECT *,
           lag(country) OVER w AS previous_country, lag(time) OVER w AS previous_time,
           lag(lat) OVER w AS previous_lat, lag(lon) OVER w AS previous_lon,
           lag(ip) OVER w AS previous_ip, lag(prefix) OVER w AS previous_prefix,
           lag(session_id) OVER w AS previous_session, lag(tolerance) OVER w AS previous_tolerance
    FROM usable
    -- Ties in time broken by session and address, so each run pairs the same sign-ins.
    WINDOW w AS (PARTITION BY user ORDER BY time, session_id, ip)
),
jumps AS (
    SELECT s.*, geo_velocity_kmh(previous_time, previous_lat, previous_lon, time, lat, lon,
                                      ${tolerance_km} + s.tolerance + s.previous_tolerance) AS kmh
    FROM steps s
    LEFT JOIN baseline_user_countries c ON c.source = 'entra' AND c.user = s.user AND c.country = s.country
    WHERE s.previous_country IS NOT NULL AND s.previous_country <> s.country
      AND s.time - s.previous_time < INTERVAL '${window_minutes} minutes'
      AND coalesce(c.days, 0) < ${regular_days}
      -- The first country a user is seen in is theirs, whatever the history's length (a
      -- one-day export has no other baseline): coming back to it is no change.
      AND NOT coalesce(c.first_seen <= (SELECT min(f.first_seen) FROM baseline_user_countries f
                                        WHERE f.source = 'entra' AND f.user = s.user), false)
)
SELECT user, session_id, 'entra' AS source, min(previous_time) AS first_seen, max(time) AS last_seen,
       55 AS score, make_set(ip) AS ips, make_set(asn) AS asns,
       array_distinct(array_concat(make_set(previous_country), make_set(country))) AS countries, make_set(app) AS apps,
       concat(user, ' signed in from ', array_to_string(make_set(previous_country), '/'), ' then ', country, ' ',
              CAST(round(min(date_part('epoch', time - previous_time)) / 60) AS BIGINT), ' min later (',
              CAST(CAST(least(max(kmh), 99999) AS BIGINT) AS VARCHAR), ' km/h); ', country,
              ' is not a country they sign in from on other days') AS reason,
       concat(coalesce(session_id, ''), ':', country, '@', CAST(date_trunc('day', min(time)) AS VARCHAR)) AS finding_key,
       named_struct('corroboration', '', 'previous_ips', make_set(previous_ip), 'max_kmh', max(kmh), 'jumps', count(*), 'previous_sessions', make_set(previous_session)) AS evidence
FROM jumps
WHERE kmh > ${travel_kmh} AND 55 >= ${min_score}
GROUP BY user, session_id, country
