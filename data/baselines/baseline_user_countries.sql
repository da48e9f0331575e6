-- The countries each user signs in from, with how many days: home and regular travel.
SELECT source, user, country, dcount(date_trunc('day', time)) AS days, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen
FROM network_events
WHERE user IS NOT NULL AND country IS NOT NULL AND result = 'success' AND time < ${until}
  AND category NOT IN ('privacy_relay', 'cdn', 'microsoft')
GROUP BY source, user, country
