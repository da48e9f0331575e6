-- How many users sign in successfully from each /24 or /64: corporate egress, VPN
-- concentrators and proxies are shared by many; an attacker's server by one victim or a
-- few. (Failed sign-ins do not count, or a password spray would make its own servers look
-- shared.)
SELECT source, prefix, dcount(user) AS users, dcount(date_trunc('day', time)) AS days
FROM network_events
WHERE user IS NOT NULL AND result = 'success' AND time < ${until}
GROUP BY source, prefix
