-- The countries each user signs in from, with how many days: home and regular travel.
-- Shared egress (a corporate VPN or proxy exiting in another country) says nothing about
-- where the user is, and relays and Microsoft's infrastructure do not either.
WITH shared AS (
    SELECT DISTINCT source, prefix FROM (
        SELECT source, prefix, ip FROM network_events
        WHERE user IS NOT NULL AND result = 'success' AND time < ${until}
        GROUP BY source, prefix, ip HAVING dcount(user) >= 8
    )
)
SELECT e.source, e.user, e.country, dcount(date_trunc('day', e.time)) AS days, count(*) AS events,
       min(e.time) AS first_seen, max(e.time) AS last_seen
FROM network_events e
LEFT JOIN shared s ON s.source = e.source AND s.prefix = e.prefix
WHERE e.user IS NOT NULL AND e.country IS NOT NULL AND e.result = 'success' AND e.time < ${until}
  AND e.category NOT IN ('privacy_relay', 'cdn', 'microsoft') AND s.prefix IS NULL
GROUP BY e.source, e.user, e.country
