-- The devices, browsers and applications each user signs in with: first and last
-- seen, days and events. A client (operating system and browser, or user-agent
-- family) or device the user has used on many days is theirs; one first seen inside
-- a flagged session is the attacker's. Scope reports and ad-hoc hunts read it:
--   SELECT * FROM baseline_user_clients WHERE user = 'alice@contoso.com' ORDER BY last_seen DESC
--
-- Rollup per day and session; final over every rollup stored.
SELECT source, user,
       coalesce(nullif(device_os, ''), ua_os(user_agent), '') AS client_os,
       coalesce(nullif(browser, ''), ua_family(user_agent), '') AS client,
       coalesce(device_id, '') AS device_id,
       coalesce(app, '') AS app,
       date_trunc('day', time) AS day, session_id, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen
FROM signins
WHERE user IS NOT NULL AND result = 'success' AND time >= ${since} AND time < ${until}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
-- final:
SELECT source, user, client_os, client, device_id, app,
       dcount(day) AS days, dcount(session_id) AS sessions, sum(events) AS events,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM rollup_baseline_user_clients
GROUP BY 1, 2, 3, 4, 5, 6
