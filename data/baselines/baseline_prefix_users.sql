-- How widely each /24 or /64 is shared. `users` is the most users seen signing in
-- successfully from one address of the prefix: corporate egress, VPN concentrators and
-- cloud proxies put many users behind one address; a residential /24 holds many
-- customers, each behind their own address — the exits residential proxies rent out
-- among them — so the prefix-wide count (`prefix_users`) says little. Failed sign-ins
-- do not count, or a password spray would make its own servers look shared.
--
-- Rollup: which user used which address on which day (the distinct counts need the
-- keys); final: the counts over every rollup stored.
SELECT source, prefix, ip, user, date_trunc('day', time) AS day
FROM network_events
WHERE user IS NOT NULL AND result = 'success' AND time >= ${since} AND time < ${until}
GROUP BY source, prefix, ip, user, date_trunc('day', time)
-- final:
WITH per_address AS (
    SELECT source, prefix, ip, dcount(user) AS users, dcount(day) AS days
    FROM rollup_baseline_prefix_users
    GROUP BY source, prefix, ip
)
SELECT source, prefix, max(users) AS users, sum(users) AS prefix_users, max(days) AS days
FROM per_address
GROUP BY source, prefix
