-- The devices, browsers and applications each user signs in with: first and last
-- seen, days and events. A client (operating system and browser, or user-agent
-- family) or device the user has used on many days is theirs; one first seen inside
-- a flagged session is the attacker's. Scope reports and ad-hoc hunts read it:
--   SELECT * FROM baseline_user_clients WHERE user = 'alice@contoso.com' ORDER BY last_seen DESC
SELECT source, user,
       coalesce(nullif(device_os, ''), ua_os(user_agent), '') AS client_os,
       coalesce(nullif(browser, ''), ua_family(user_agent), '') AS client,
       coalesce(device_id, '') AS device_id,
       coalesce(app, '') AS app,
       dcount(date_trunc('day', time)) AS days, dcount(session_id) AS sessions, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen
FROM signins
WHERE user IS NOT NULL AND result = 'success' AND time < ${until}
GROUP BY 1, 2, 3, 4, 5, 6
