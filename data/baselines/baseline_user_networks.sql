-- How much each user has used each network: days, sessions, events. A network the user
-- comes back to across days and sessions is theirs; an attacker's appears in one
-- session on a day or two. `spread_km` is how far apart the network's geolocations are
-- for this user: the error bar of any speed computed from it.
SELECT source, user, network, max(category) AS category, max(asn) AS asn,
       dcount(date_trunc('day', time)) AS days, dcount(session_id) AS sessions, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen,
       coalesce(geo_distance_km(min(lat), min(lon), max(lat), max(lon)), 0.0) AS spread_km
FROM network_events
WHERE user IS NOT NULL AND result = 'success' AND time < ${until}
GROUP BY source, user, network
