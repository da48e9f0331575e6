-- Networks whose addresses do not say where the user is: for a share of their users the
-- geolocation of their own events spreads over hundreds of kilometres (mobile carriers'
-- CGNAT gateways, consumer VPNs). Speeds computed from such networks are noise.
WITH per_user AS (
    SELECT source, network, user, count(*) AS events,
           geo_distance_km(min(lat), min(lon), max(lat), max(lon)) AS spread_km
    FROM network_events
    WHERE user IS NOT NULL AND lat IS NOT NULL AND result = 'success' AND time < ${until}
    GROUP BY source, network, user
)
SELECT source, network, count(*) AS users,
       avg(CASE WHEN spread_km > 300 THEN 1.0 ELSE 0.0 END) AS roaming_share
FROM per_user
WHERE events >= 5
GROUP BY source, network
