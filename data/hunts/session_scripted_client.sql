-- id: session_scripted_client
-- title: A session used by a scripted client
-- technique: T1550.001
-- severity: medium
-- sources: entra, okta
-- description: A session (Entra SessionId or Okta externalSessionId) that started in a
--   browser or a rich client and is then used by an HTTP library or command-line tool
--   (python-requests, curl, Go-http-client, PowerShell, headless browsers, ...): a stolen
--   cookie or refresh token being driven by a script. Also a successful interactive
--   sign-in completed by such a client, which people do not do. Microsoft's own admin
--   tools (Azure CLI, PowerShell) are common in IT teams: they count only on a network the
--   session did not start on, or when the user has not used them on other days. A script
--   alone is weak (SaaS integrations act for users inside their sessions, from clouds);
--   it is corroborated (a client change inside one session) when the script presents
--   Microsoft's own client (${microsoft_client}: Office, Teams, Outlook, ...), which an
--   integration with its own app registration cannot, or, in Okta, an app the session's
--   browser used.
-- materialize: ev
-- param: min_score = 60 | Findings below this score are dropped.
-- joins: as written
WITH ev AS (
    SELECT source, time, user, session_id, ip, asn, country, app, network, log_type,
           coalesce(ua_is_scripted(user_agent), false) AS scripted,
           coalesce(ua_family(user_agent), 'unknown') AS client,
           coalesce(app_id, app) AS app_key, ${admin_tool} AS admin_app, ${microsoft_client} AS microsoft_client
    FROM network_events
    WHERE session_id IS NOT NULL AND user IS NOT NULL AND user_agent IS NOT NULL
      AND result = 'success' AND time < ${until} AND NOT ${allowlisted}
),
client_days AS (
    SELECT source, user, client, dcount(date_trunc('day', time)) AS days FROM ev WHERE scripted
    GROUP BY source, user, client
),
sessions AS (
    -- Only sessions a script used in the range need their origin: months of others do not.
    SELECT source, user, session_id, min(time) AS session_start
    FROM ev GROUP BY source, user, session_id
    HAVING bool_or(scripted AND time >= ${since})
),
origin AS (
    -- The session's first ten minutes say how it started; its browser's apps come from all of it.
    SELECT e.source, e.user, e.session_id,
           bool_and(e.scripted OR e.time > s.session_start + INTERVAL '10 minutes') AS origin_scripted,
           make_set(CASE WHEN e.time <= s.session_start + INTERVAL '10 minutes' THEN e.network END) AS origin_networks,
           make_set(CASE WHEN NOT e.scripted THEN e.app_key END) AS browser_apps
    FROM sessions s JOIN ev e ON e.source = s.source AND e.user = s.user AND e.session_id = s.session_id
    GROUP BY e.source, e.user, e.session_id
),
scripted_use AS (
    SELECT e.source, e.user, e.session_id, min(e.time) AS first_seen, max(e.time) AS last_seen, count(*) AS events,
           make_set(e.ip) AS ips, make_set(e.asn) AS asns, make_set(e.country) AS countries, make_set(e.app) AS apps,
           make_set(e.client) AS clients, make_set(e.network) AS networks,
           bool_or(e.log_type = 'interactive') AS interactive,
           bool_and(e.client IN ('azure-cli', 'PowerShell', 'Azure PowerShell')) AS admin_tool,
           bool_or(e.microsoft_client AND NOT e.admin_app) AS as_microsoft_client,
           make_set(CASE WHEN NOT e.admin_app THEN e.app_key END) AS scripted_apps,
           max(o.browser_apps) AS browser_apps,
           min(cd.days) - dcount(date_trunc('day', e.time)) AS client_other_days,
           max(o.origin_scripted) AS origin_scripted, max(o.origin_networks) AS origin_networks
    FROM (SELECT * FROM ev WHERE scripted AND time >= ${since}) e
    JOIN origin o ON e.source = o.source AND e.user = o.user AND e.session_id = o.session_id
    JOIN client_days cd ON cd.source = e.source AND cd.user = e.user AND cd.client = e.client
    GROUP BY e.source, e.user, e.session_id
),
scored AS (
    SELECT *,
           CASE WHEN origin_scripted AND NOT interactive THEN 0
                WHEN admin_tool THEN 25 WHEN origin_scripted THEN 50 ELSE 60 END
           + CASE WHEN NOT array_has_all(origin_networks, networks) THEN 20 ELSE 0 END
           + CASE WHEN client_other_days < 2 THEN 10 ELSE -10 END AS score
    FROM scripted_use
)
SELECT user, session_id, source, first_seen, last_seen, least(100, score) AS score, ips, asns, countries, apps,
       CASE WHEN NOT origin_scripted
            THEN concat('session started in a browser or app, then used by ', array_to_string(clients, ', '),
                        ' (', CAST(events AS VARCHAR), ' event(s))')
            ELSE concat('interactive sign-in completed by ', array_to_string(clients, ', ')) END AS reason,
       named_struct('corroboration',
                    -- The user's own automation (the client run on two other days or more)
                    -- never corroborates.
                    CASE WHEN NOT origin_scripted AND client_other_days < 2
                              AND (as_microsoft_client OR (source = 'okta' AND array_has_any(scripted_apps, browser_apps)))
                         THEN 'client_change' ELSE '' END, 'clients', clients, 'events', events, 'networks', networks, 'origin_networks', origin_networks) AS evidence
FROM scored
WHERE least(100, score) >= ${min_score}
