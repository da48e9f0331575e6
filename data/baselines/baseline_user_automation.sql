-- The scripted clients (python-requests, curl, PowerShell, Azure CLI: `ua_is_scripted`)
-- each user runs, per user-agent family and ASN: on how many days, first seen. A tool
-- the user has run from one provider on two days or more is their own automation (a
-- cron job on a cloud VM, Cloud Shell); the hunts' user events leave it out,
-- without rescanning months of history on every run:
--   SELECT client, asn, days FROM baseline_user_automation WHERE user = 'alice@contoso.com'
--
-- Rollup per day; final over every rollup stored.
SELECT source, user, ua_family(user_agent) AS client, asn, date_trunc('day', time) AS day,
       min(time) AS first_seen
FROM signins
WHERE user IS NOT NULL AND coalesce(ua_is_scripted(user_agent), false) AND time >= ${since} AND time < ${until}
GROUP BY 1, 2, 3, 4, 5
-- final:
SELECT source, user, client, asn, dcount(day) AS days, min(first_seen) AS first_seen
FROM rollup_baseline_user_automation
GROUP BY 1, 2, 3, 4
