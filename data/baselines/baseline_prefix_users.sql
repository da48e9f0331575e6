-- How widely each /24 or /64 is shared. `users` is the most users seen signing in
-- successfully from one address of the prefix: corporate egress, VPN concentrators and
-- cloud proxies put many users behind one address; a residential /24 holds many
-- customers, each behind their own address — the exits residential proxies rent out
-- among them — so the prefix-wide counts (`prefix_users`, the sum over its addresses;
-- `distinct_users`, the users of any of its addresses) say little. Failed sign-ins
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
SELECT a.source, a.prefix, max(a.users) AS users, sum(a.users) AS prefix_users, max(a.days) AS days,
       max(d.users) AS distinct_users
FROM per_address a
JOIN (SELECT source, prefix, dcount(user) AS users FROM rollup_baseline_prefix_users GROUP BY source, prefix) d
  ON d.source = a.source AND d.prefix = a.prefix
GROUP BY a.source, a.prefix
