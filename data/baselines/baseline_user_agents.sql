-- Each user's clients exactly as the hunts compare them: a device id (empty when the
-- sign-in carried none) and the full user-agent string, on how many days, and on which
-- of the user's fixed networks (not hosting, VPN, Tor, a carrier, a relay, a CDN or
-- Microsoft). A client the user shows on many days, or at home or the office, is their
-- machine's; a thief's client never ran there. the hunts' known clients come from it,
-- so a daily hunt does not rescan months of history for it:
--   SELECT user_agent, days FROM baseline_user_agents WHERE user = 'alice@contoso.com'
--
-- Rollup per day; final over every rollup stored.
SELECT source, user, coalesce(device_id, '') AS device_id, user_agent, date_trunc('day', time) AS day,
       make_set(CASE WHEN category NOT IN ('hosting', 'vpn', 'tor', 'mobile', 'privacy_relay', 'cdn', 'microsoft')
                     THEN network END) AS fixed_networks
FROM network_events
WHERE user IS NOT NULL AND user_agent IS NOT NULL AND time >= ${since} AND time < ${until}
GROUP BY 1, 2, 3, 4, 5
-- final:
SELECT source, user, device_id, user_agent, dcount(day) AS days,
       array_distinct(flatten(array_agg(fixed_networks))) AS fixed_networks
FROM rollup_baseline_user_agents
GROUP BY 1, 2, 3, 4
