-- Networks whose addresses do not say where the user is: for a share of their users the
-- geolocation of their own events spreads over hundreds of kilometres (mobile carriers'
-- CGNAT gateways, consumer VPNs). Speeds computed from such networks are noise.
--
-- Rollup per user and network (counts and the corners of the geolocations add up
-- across rollups); final over every rollup stored.
SELECT source, network, user, count(*) AS events,
       min(lat) AS min_lat, min(lon) AS min_lon, max(lat) AS max_lat, max(lon) AS max_lon
FROM network_events
WHERE user IS NOT NULL AND lat IS NOT NULL AND result = 'success'
  AND time >= ${since} AND time < ${until}
GROUP BY source, network, user
-- final:
WITH per_user AS (
    SELECT source, network, user, sum(events) AS events,
           geo_distance_km(min(min_lat), min(min_lon), max(max_lat), max(max_lon)) AS spread_km
    FROM rollup_baseline_network_roaming
    GROUP BY source, network, user
)
SELECT source, network, count(*) AS users,
       avg(CASE WHEN spread_km > 300 THEN 1.0 ELSE 0.0 END) AS roaming_share
FROM per_user
WHERE events >= 5
GROUP BY source, network
