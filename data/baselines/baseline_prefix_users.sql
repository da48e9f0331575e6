-- How widely each /24 or /64 is shared. `users` is the most users seen signing in
-- successfully from one address of the prefix: corporate egress, VPN concentrators and
-- cloud proxies put many users behind one address; a residential /24 holds many
-- customers, each behind their own address — the exits residential proxies rent out
-- among them — so the prefix-wide count (`prefix_users`) says little. Failed sign-ins
-- do not count, or a password spray would make its own servers look shared.
WITH per_address AS (
    SELECT source, prefix, ip, dcount(user) AS users, dcount(date_trunc('day', time)) AS days
    FROM network_events
    WHERE user IS NOT NULL AND result = 'success' AND time < ${until}
    GROUP BY source, prefix, ip
)
SELECT source, prefix, max(users) AS users, sum(users) AS prefix_users, max(days) AS days
FROM per_address
GROUP BY source, prefix
