-- The countries each user signs in from, with how many days: home and regular travel.
-- Shared egress (a corporate VPN or proxy exiting in another country) says nothing about
-- where the user is, and relays and Microsoft's infrastructure do not either.
--
-- Rollup per prefix and day (whether a prefix is shared egress is only known over the
-- whole history: the final query decides it from baseline_prefix_users' rollup).
SELECT source, user, country, prefix, date_trunc('day', time) AS day, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen
FROM network_events
WHERE user IS NOT NULL AND country IS NOT NULL AND result = 'success'
  AND time >= ${since} AND time < ${until}
  AND category NOT IN ('privacy_relay', 'cdn', 'microsoft')
GROUP BY source, user, country, prefix, date_trunc('day', time)
-- final:
WITH shared AS (
    SELECT DISTINCT source, prefix FROM (
        SELECT source, prefix, ip FROM rollup_baseline_prefix_users
        GROUP BY source, prefix, ip HAVING dcount(user) >= 8
    )
)
SELECT e.source, e.user, e.country, dcount(e.day) AS days, sum(e.events) AS events,
       min(e.first_seen) AS first_seen, max(e.last_seen) AS last_seen
FROM rollup_baseline_user_countries e
LEFT JOIN shared s ON s.source = e.source AND s.prefix = e.prefix
WHERE s.prefix IS NULL
GROUP BY e.source, e.user, e.country
