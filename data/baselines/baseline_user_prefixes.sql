-- Each user's address prefixes with successful sign-ins (an IPv4 /24, an IPv6 /64, as
-- `ip_network` cuts them): first and last use and on how many days. A directory change
-- from a prefix the user never signed in from, or first used hours before, came from a
-- new place; a daily run reads this instead of the user's whole history:
--   SELECT prefix, first_seen, days FROM baseline_user_prefixes WHERE user = 'alice@contoso.com'
--
-- Rollup per day; final over every rollup stored.
SELECT source, user, ip_network(ip) AS prefix, date_trunc('day', time) AS day,
       min(time) AS first_seen, max(time) AS last_seen
FROM signins
WHERE user IS NOT NULL AND ip IS NOT NULL AND result = 'success' AND time >= ${since} AND time < ${until}
GROUP BY 1, 2, 3, 4
-- final:
SELECT source, user, prefix, min(first_seen) AS first_seen, max(last_seen) AS last_seen, dcount(day) AS days
FROM rollup_baseline_user_prefixes
GROUP BY 1, 2, 3
