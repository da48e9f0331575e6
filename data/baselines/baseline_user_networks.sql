-- How much each user has used each network: days, sessions, events. A network the user
-- comes back to across days and sessions is theirs; an attacker's appears in one
-- session on a day or two. `spread_km` is how far apart the network's geolocations are
-- for this user: the error bar of any speed computed from it.
--
-- Two steps, so that `baseline --incremental` adds days without re-reading the lake:
-- the rollup (over ${since}..${until}) keeps per day and session what the table sums
-- (counts, first/last, the corners of the geolocations), and the final query over
-- every rollup ever stored gives the table, equal to one over the whole history.
SELECT source, user, network, date_trunc('day', time) AS day, session_id,
       max(category) AS category, max(asn) AS asn, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen,
       min(lat) AS min_lat, min(lon) AS min_lon, max(lat) AS max_lat, max(lon) AS max_lon
FROM network_events
WHERE user IS NOT NULL AND result = 'success' AND time >= ${since} AND time < ${until}
GROUP BY source, user, network, date_trunc('day', time), session_id
-- final:
SELECT source, user, network, max(category) AS category, max(asn) AS asn,
       dcount(day) AS days, dcount(session_id) AS sessions, sum(events) AS events,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen,
       coalesce(geo_distance_km(min(min_lat), min(min_lon), max(max_lat), max(max_lon)), 0.0) AS spread_km
FROM rollup_baseline_user_networks
GROUP BY source, user, network
