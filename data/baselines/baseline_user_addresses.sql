-- Each user's public addresses on broadband networks (an IPv4 address, an IPv6 /64):
-- first and last use and on how many days. One home is one public address at a time;
-- tokens redeemed minutes after a sign-in from another address of the same provider,
-- which the user had never used and never uses again, are a second place:
--   SELECT address, first_seen, days FROM baseline_user_addresses WHERE user = 'alice@contoso.com'
--
-- Rollup per day; final over every rollup stored.
SELECT source, user, CASE WHEN strpos(ip, ':') > 0 THEN prefix ELSE ip END AS address,
       date_trunc('day', time) AS day, min(time) AS first_seen, max(time) AS last_seen
FROM network_events
WHERE user IS NOT NULL AND category = 'isp' AND time >= ${since} AND time < ${until}
GROUP BY 1, 2, 3, 4
-- final:
SELECT source, user, address, min(first_seen) AS first_seen, max(last_seen) AS last_seen, dcount(day) AS days
FROM rollup_baseline_user_addresses
GROUP BY 1, 2, 3
