-- DuckDB equivalent of what tokenhunt prepares before a hunt: the lake's tables, our SQL
-- functions (as macros and reference tables), the `network_events` view and the
-- baseline tables of data/baselines/*.sql that the hunts read (no hunt reads
-- baseline_user_clients, so it is not built).
--
-- Before running this script set two variables (compare.py does it):
--   SET VARIABLE lake = '/path/to/lake';                     -- <lake>/signins, <lake>/audit
--   SET VARIABLE reference_dir = '/path/to/data/reference';  -- asn_categories.csv, egress_ranges.csv
-- e.g. in the duckdb CLI:  SET VARIABLE lake = '/tmp/l1'; ... ; .read benches/hunts/duckdb/setup.sql
--
-- Written for DuckDB 2.0 (new lambda syntax, UHUGEINT). Semantics follow the Rust sources
-- in udfs/src/ (cited per section); only the built-in reference data is reproduced: no
-- MaxMind / range-file IP database, exactly as tokenhunt runs without a configuration.

-- Every day boundary (date_trunc('day', ...)) and timestamp text is UTC, as in DataFusion.
SET TimeZone = 'UTC';

---------------------------------------------------------------------------------------------
-- 1. The lake. Hive partitions give `source` and `date`; the files hold neither.
---------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW signins AS
SELECT * FROM read_parquet(getvariable('lake') || '/signins/*/*/*.parquet', hive_partitioning = true);

CREATE OR REPLACE VIEW audit AS
SELECT * FROM read_parquet(getvariable('lake') || '/audit/*/*/*.parquet', hive_partitioning = true);

---------------------------------------------------------------------------------------------
-- 2. Geography (udfs/src/geo.rs).
---------------------------------------------------------------------------------------------
-- Haversine with the mean Earth radius 6371.0088 km, term by term as in `haversine_km`
-- (to_radians is x * (PI / 180); the asin argument is clamped at 1). NULL in, NULL out:
-- DuckDB's least() skips NULLs, so the clamp is a CASE.
CREATE OR REPLACE MACRO _hav_a(lat1, lon1, lat2, lon2) AS
    sin((lat2 * (pi() / 180.0) - lat1 * (pi() / 180.0)) * 0.5) * sin((lat2 * (pi() / 180.0) - lat1 * (pi() / 180.0)) * 0.5)
    + cos(lat1 * (pi() / 180.0)) * cos(lat2 * (pi() / 180.0))
      * sin(((lon2 - lon1) * (pi() / 180.0)) * 0.5) * sin(((lon2 - lon1) * (pi() / 180.0)) * 0.5);

CREATE OR REPLACE MACRO geo_distance_km(lat1, lon1, lat2, lon2) AS
    2.0 * 6371.0088 * asin(CASE WHEN sqrt(_hav_a(lat1, lon1, lat2, lon2)) > 1.0 THEN 1.0
                                ELSE sqrt(_hav_a(lat1, lon1, lat2, lon2)) END);

-- `velocity_kmh`: the distance minus the tolerance (a negative tolerance counts as 0),
-- floored at 0; 0 km/h when nothing is left, +inf when no time elapsed, else km / |hours|.
CREATE OR REPLACE MACRO _velocity(seconds, km, tolerance_km) AS
    CASE WHEN seconds IS NULL OR km IS NULL OR tolerance_km IS NULL THEN NULL
         WHEN km - (CASE WHEN tolerance_km > 0 THEN tolerance_km ELSE 0.0 END) <= 0 THEN 0.0
         WHEN seconds = 0 THEN CAST('inf' AS DOUBLE)
         ELSE (km - (CASE WHEN tolerance_km > 0 THEN tolerance_km ELSE 0.0 END)) * 3600.0 / abs(seconds) END;

CREATE OR REPLACE MACRO geo_velocity_kmh(t1, lat1, lon1, t2, lat2, lon2, tolerance_km) AS
    _velocity((CAST(epoch_us(t2) AS DOUBLE) - CAST(epoch_us(t1) AS DOUBLE)) / 1e6,
              geo_distance_km(lat1, lon1, lat2, lon2), tolerance_km);

---------------------------------------------------------------------------------------------
-- 2b. KQL-style aggregates (udfs/src/kql_aggregates.rs).
---------------------------------------------------------------------------------------------
-- make_set: the distinct non-null values as a sorted list (empty, not NULL, for none).
CREATE OR REPLACE MACRO make_set(x) AS list_sort(list_distinct(list(x)));
-- dcount: exact number of distinct non-null values.
CREATE OR REPLACE MACRO dcount(x) AS count(DISTINCT x);

---------------------------------------------------------------------------------------------
-- 3. IP addresses (udfs/src/ip/parse.rs, ip/cidr.rs).
--
-- An address becomes one 128-bit key as in `ip_key`: IPv6 as is, IPv4 (and IPv4-mapped
-- IPv6, which parse_ip canonicalises to IPv4) inside ::ffff:0:0/96. Text that is not an
-- address (host names, "unknown", 1.2.3) gives NULL, as in parse_ip.
---------------------------------------------------------------------------------------------
-- parse_ip's clean-up: ASCII blanks trimmed, [brackets] and a %zone id dropped.
CREATE OR REPLACE MACRO _ip_text(s) AS
    regexp_replace(regexp_replace(trim(s, ' ' || chr(9) || chr(10) || chr(12) || chr(13)),
                                  '^\[(.*)\]$', '\1'), '%.*$', '');

-- Dotted quad as an integer; Rust's parser takes 0-255 without leading zeros.
CREATE OR REPLACE MACRO _ipv4_int(t) AS
    CASE WHEN regexp_full_match(t, '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}')
         THEN (CAST(split_part(t, '.', 1) AS BIGINT) << 24) + (CAST(split_part(t, '.', 2) AS BIGINT) << 16)
              + (CAST(split_part(t, '.', 3) AS BIGINT) << 8) + CAST(split_part(t, '.', 4) AS BIGINT) END;

-- IPv6 text with an embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) rewritten as
-- two hex groups, so that only hex groups remain.
CREATE OR REPLACE MACRO _ipv6_hex(t, v4tail) AS
    CASE WHEN v4tail = '' THEN t
         WHEN NOT ends_with(left(t, length(t) - length(v4tail)), ':') THEN NULL
         ELSE left(t, length(t) - length(v4tail))
              || printf('%x:%x', _ipv4_int(v4tail) >> 16, _ipv4_int(v4tail) & 65535) END;

-- The eight groups of a hex-only IPv6 text, or NULL if it is not one: 1-4 hex digits per
-- group, at most one '::' standing for at least one zero group (as std::net parses).
-- _v6_before / _v6_after: the text before / after the first '::'.
CREATE OR REPLACE MACRO _v6_before(h) AS left(h, strpos(h, '::') - 1);
CREATE OR REPLACE MACRO _v6_after(h) AS substr(h, strpos(h, '::') + 2);
CREATE OR REPLACE MACRO _v6_side_ok(part) AS
    part = '' OR regexp_full_match(part, '[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4})*');
CREATE OR REPLACE MACRO _v6_split(part) AS
    CASE WHEN part = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(part, ':') END;

CREATE OR REPLACE MACRO _ipv6_groups(h) AS
    CASE WHEN h IS NULL THEN NULL
         WHEN strpos(h, '::') = 0 THEN
             CASE WHEN regexp_full_match(h, '[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){7}') THEN string_split(h, ':') END
         -- both sides well formed (so no second '::'), and room for at least one zero group
         WHEN _v6_side_ok(_v6_before(h)) AND _v6_side_ok(_v6_after(h))
          AND len(_v6_split(_v6_before(h))) + len(_v6_split(_v6_after(h))) <= 7
             THEN _v6_split(_v6_before(h))
                  || list_transform(range(8 - len(_v6_split(_v6_before(h))) - len(_v6_split(_v6_after(h)))), lambda x: '0')
                  || _v6_split(_v6_after(h))
    END;

CREATE OR REPLACE MACRO _ipv6_key(groups) AS
    CASE WHEN len(groups) = 8 THEN
        list_reduce(list_transform(groups, lambda g: CAST('0x' || g AS UHUGEINT)), lambda acc, g: (acc << 16) | g) END;

-- 0xffff00000000: the ::ffff:0:0/96 block IPv4 lives in.
CREATE OR REPLACE MACRO _v4_base() AS CAST(281470681743360 AS UHUGEINT);

-- ip_key over a table: `ip_keys('name')` reads column `ip` of the table or view `name`
-- and adds `key`. Written as steps over columns, not as one nested macro: DuckDB expands
-- macros inline, and nesting these would repeat every regex dozens of times per address.
CREATE OR REPLACE MACRO ip_keys(src) AS TABLE
WITH cleaned AS (
    SELECT ip, _ip_text(ip) AS t FROM query_table(src)
),
dotted AS (
    SELECT ip, t, _ipv4_int(t) AS v4,
           -- a dotted IPv4 tail of an IPv6 text ('' when there is none)
           regexp_extract(t, '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$', 0) AS v4tail
    FROM cleaned
),
hex AS (
    SELECT ip, v4, CASE WHEN v4 IS NULL THEN _ipv6_hex(t, v4tail) END AS h FROM dotted
),
grouped AS (
    SELECT ip, v4, _ipv6_groups(h) AS groups FROM hex
)
SELECT ip, coalesce(_v4_base() + CAST(v4 AS UHUGEINT), _ipv6_key(groups)) AS key
FROM grouped;

CREATE OR REPLACE MACRO key_is_v4(k) AS (k >> 32) = CAST(65535 AS UHUGEINT);

-- `ip_network`: the /24 as `a.b.c.0/24`, the /64 as Rust prints an Ipv6Addr (RFC 5952):
-- hex groups without leading zeros, and the longest zero run compressed to '::' — for a
-- /64 that is always the run of the four zero host groups plus the zero groups just
-- before it (e.g. 2001:db8::/64, 2001:0:0:5::/64, 0:0:0:1::/64, ::/64).
CREATE OR REPLACE MACRO _v6_prefix_text(a, b, c, d) AS
    CASE WHEN d <> 0 THEN printf('%x:%x:%x:%x::/64', a, b, c, d)
         WHEN c <> 0 THEN printf('%x:%x:%x::/64', a, b, c)
         WHEN b <> 0 THEN printf('%x:%x::/64', a, b)
         WHEN a <> 0 THEN printf('%x::/64', a)
         ELSE '::/64' END;

CREATE OR REPLACE MACRO ip_network_of_key(k) AS
    CASE WHEN k IS NULL THEN NULL
         WHEN key_is_v4(k) THEN printf('%d.%d.%d.0/24', CAST((k >> 24) & 255 AS BIGINT),
                                       CAST((k >> 16) & 255 AS BIGINT), CAST((k >> 8) & 255 AS BIGINT))
         ELSE _v6_prefix_text(CAST((k >> 112) & 65535 AS BIGINT), CAST((k >> 96) & 65535 AS BIGINT),
                              CAST((k >> 80) & 65535 AS BIGINT), CAST((k >> 64) & 65535 AS BIGINT)) END;

-- Address ranges for `ip_category`: the private ranges of cidr.rs (rank 0: checked first),
-- then the curated egress blocks of data/reference/egress_ranges.csv (rank 1, most
-- specific block first; a later row for the same block overrides an earlier one).
CREATE OR REPLACE TEMP TABLE _listed_ranges AS
WITH listed AS (
    SELECT cidr, 'private' AS category, 0 AS rank, row_number() OVER () AS row
    FROM (VALUES ('0.0.0.0/8'), ('10.0.0.0/8'), ('100.64.0.0/10'), ('127.0.0.0/8'), ('169.254.0.0/16'),
                 ('172.16.0.0/12'), ('192.0.0.0/24'), ('192.168.0.0/16'), ('198.18.0.0/15'), ('224.0.0.0/4'),
                 ('240.0.0.0/4'), ('::/128'), ('::1/128'), ('fc00::/7'), ('fe80::/10'), ('fec0::/10'),
                 ('ff00::/8')) AS p(cidr)
    UNION ALL
    SELECT trim(cidr), lower(trim(category)), 1, row_number() OVER ()
    FROM read_csv(getvariable('reference_dir') || '/egress_ranges.csv', header = true, all_varchar = true, comment = '#')
    WHERE trim(coalesce(cidr, '')) <> ''
)
SELECT *, split_part(cidr, '/', 1) AS ip,
       CASE WHEN contains(cidr, '/') THEN CAST(trim(split_part(cidr, '/', 2)) AS INTEGER) END AS given_bits
FROM listed;

CREATE OR REPLACE TEMP VIEW _range_addresses AS SELECT DISTINCT ip FROM _listed_ranges;

CREATE OR REPLACE TABLE ip_ranges AS
WITH blocks AS (
    -- Bits in the 128-bit key space, as `Cidr::parse`: an IPv4 /n is 96 + n; an
    -- IPv4-mapped block written in IPv6 (::ffff:10.0.0.0/104) already counts from 0.
    SELECT l.cidr, l.category, l.rank, l.row, k.key,
           CASE WHEN key_is_v4(k.key) AND contains(l.ip, ':') THEN coalesce(l.given_bits, 128)
                WHEN key_is_v4(k.key) THEN 96 + coalesce(l.given_bits, 32)
                ELSE coalesce(l.given_bits, 128) END AS bits
    FROM _listed_ranges l
    LEFT JOIN ip_keys('_range_addresses') k ON k.ip = l.ip
),
masked AS (
    SELECT *, CASE WHEN bits = 0 THEN ~CAST(0 AS UHUGEINT)
                   ELSE (CAST(1 AS UHUGEINT) << CAST(128 - bits AS UHUGEINT)) - 1 END AS host
    FROM blocks
)
SELECT DISTINCT ON (rank, bits, key & ~host) cidr, key & ~host AS lo, (key & ~host) | host AS hi, bits, category, rank
FROM masked
ORDER BY rank, bits, key & ~host, row DESC;

-- Fail loudly on a block the parser above did not understand (cidr.rs rejects the file).
SELECT CASE WHEN count(*) FILTER (WHERE lo IS NULL OR bits > 128 OR bits < 0) > 0
            THEN error('ip_ranges: unparsable CIDR in the private list or egress_ranges.csv') END
FROM ip_ranges;

-- `asn_category` (udfs/src/asn_category.rs): AS number -> category, "AS" prefix allowed,
-- categories lower-cased, a later row for the same ASN wins.
CREATE OR REPLACE TABLE asn_categories AS
SELECT asn, arg_max(category, row) AS category
FROM (
    SELECT CAST(regexp_replace(trim(asn), '^(AS|as)', '') AS BIGINT) AS asn,
           lower(trim(category)) AS category, row_number() OVER () AS row
    FROM read_csv(getvariable('reference_dir') || '/asn_categories.csv', header = true, all_varchar = true, comment = '#')
    WHERE trim(coalesce(asn, '')) <> ''
)
GROUP BY asn;

-- One row per distinct address of the lake (sign-ins and audit actors): its /24 or /64
-- (`ip_network`) and `ip_category` (private, else the most specific egress block; no ASN
-- database is configured, so nothing else). Our functions classify per row with a
-- per-batch cache; here each distinct address is classified once per query and joined.
-- A view, not a table, so every hunt pays for the classification as ours does.
CREATE OR REPLACE VIEW lake_ips AS
SELECT ip FROM signins WHERE ip IS NOT NULL
UNION
SELECT actor_ip FROM audit WHERE actor_ip IS NOT NULL;

CREATE OR REPLACE VIEW ip_info AS
SELECT k.ip, ip_network_of_key(k.key) AS prefix,
       -- private ranges first, then the longest egress block
       arg_min(r.category, r.rank * 1000 - r.bits) AS ip_category
FROM ip_keys('lake_ips') k
LEFT JOIN ip_ranges r
       ON k.key BETWEEN r.lo AND r.hi
      -- Cidr::contains_key: an IPv6 block shorter than /96 never matches an IPv4 address
      AND NOT (r.bits < 96 AND key_is_v4(k.key))
GROUP BY k.ip, k.key;

---------------------------------------------------------------------------------------------
-- 4. User agents (udfs/src/useragent.rs): the same ordered rule table, first match wins;
-- then Safari (any WebKit agent saying Safari or Mobile/), else Other; 'Empty' for a
-- blank agent. `ord` is the rule's position in RULES.
---------------------------------------------------------------------------------------------
CREATE OR REPLACE TABLE ua_rules AS
SELECT * FROM (VALUES
    ( 1, 'python-requests/', true,  'python-requests',   NULL,                 true),
    ( 2, 'Python-urllib/',   true,  'Python-urllib',     NULL,                 true),
    ( 3, 'python-urllib3/',  true,  'Python-urllib',     NULL,                 true),
    ( 4, 'python-httpx/',    true,  'httpx',             NULL,                 true),
    ( 5, 'aiohttp/',         false, 'aiohttp',           'aiohttp/',           true),
    ( 6, 'curl/',            true,  'curl',              NULL,                 true),
    ( 7, 'Wget/',            true,  'wget',              NULL,                 true),
    ( 8, 'Go-http-client/',  true,  'Go-http-client',    NULL,                 true),
    ( 9, 'okhttp/',          false, 'okhttp',            NULL,                 true),
    (10, 'axios/',           false, 'axios',             NULL,                 true),
    (11, 'node-fetch',       false, 'node-fetch',        'node-fetch/',        true),
    (12, 'undici',           false, 'undici',            NULL,                 true),
    (13, 'libwww-perl/',     false, 'libwww-perl',       NULL,                 true),
    (14, 'Apache-HttpClient/', false, 'Apache-HttpClient', NULL,               true),
    (15, 'Java/',            true,  'Java',              NULL,                 true),
    (16, 'Scrapy/',          false, 'Scrapy',            NULL,                 true),
    (17, 'AzurePowershell',  false, 'Azure PowerShell',  'AzurePowershell/v',  true),
    (18, 'PowerShell',       false, 'PowerShell',        'PowerShell/',        true),
    (19, 'AZURECLI/',        false, 'azure-cli',         'AZURECLI/',          true),
    (20, 'azure-cli/',       false, 'azure-cli',         NULL,                 true),
    (21, 'MSAL.Python',      false, 'MSAL.Python',       NULL,                 true),
    (22, 'BAV2ROPC',         false, 'BAV2ROPC',          NULL,                 true),
    (23, 'HeadlessChrome/',  false, 'HeadlessChrome',    NULL,                 true),
    (24, 'PhantomJS/',       false, 'PhantomJS',         NULL,                 true),
    (25, 'Windows-AzureAD-Authentication-Provider/', false, 'Windows WAM', NULL, false),
    (26, 'Teams/',           false, 'Teams',             NULL,                 false),
    (27, 'MicrosoftTeams',   false, 'Teams',             NULL,                 false),
    (28, 'Outlook-iOS/',     false, 'Outlook',           NULL,                 false),
    (29, 'Outlook-Android/', false, 'Outlook',           NULL,                 false),
    (30, 'Microsoft Outlook', false, 'Outlook',          'Microsoft Outlook ', false),
    (31, 'Microsoft Office', false, 'Microsoft Office',  'Microsoft Office/',  false),
    (32, 'OneDrive',         false, 'OneDrive',          NULL,                 false),
    (33, 'MSAL',             false, 'MSAL',              'MSAL ',              false),
    (34, 'ADAL',             false, 'ADAL',              NULL,                 false),
    (35, 'OktaVerify/',      false, 'Okta Verify',       NULL,                 false),
    (36, 'Okta-Integrations', false, 'Okta-Integrations', NULL,                true),
    (37, 'Visual Studio Code/', false, 'VS Code',        'Visual Studio Code/', false),
    (38, 'Electron/',        false, 'Electron',          NULL,                 false),
    (39, 'Edg/',             false, 'Edge',              NULL,                 false),
    (40, 'EdgA/',            false, 'Edge',              NULL,                 false),
    (41, 'EdgiOS/',          false, 'Edge',              NULL,                 false),
    (42, 'Edge/',            false, 'Edge',              NULL,                 false),
    (43, 'OPR/',             false, 'Opera',             NULL,                 false),
    (44, 'SamsungBrowser/',  false, 'Samsung Internet',  NULL,                 false),
    (45, 'YaBrowser/',       false, 'Yandex Browser',    NULL,                 false),
    (46, 'Vivaldi/',         false, 'Vivaldi',           NULL,                 false),
    (47, 'FxiOS/',           false, 'Firefox',           NULL,                 false),
    (48, 'Firefox/',         false, 'Firefox',           NULL,                 false),
    (49, 'CriOS/',           false, 'Chrome',            NULL,                 false),
    (50, 'Chrome/',          false, 'Chrome',            NULL,                 false),
    (51, 'Chromium/',        false, 'Chrome',            NULL,                 false),
    (52, 'Trident/',         false, 'Internet Explorer', 'rv:',                false),
    (53, 'MSIE ',            false, 'Internet Explorer', 'MSIE ',              false),
    (54, 'Opera',            false, 'Opera',             NULL,                 false),
    (55, 'bot',              false, 'Bot',               'bot/',               true),
    (56, 'Bot',              false, 'Bot',               NULL,                 true),
    (57, 'crawler',          false, 'Bot',               NULL,                 true),
    (58, 'spider',           false, 'Bot',               NULL,                 true),
    (59, 'Dalvik/',          true,  'Android app',       NULL,                 false),
    (60, 'CFNetwork/',       false, 'iOS app',           NULL,                 false)
) AS r(ord, needle, at_start, family, version_token, scripted);

-- `ua_os`: order matters (iPhone agents say "like Mac OS X", Android agents say "Linux").
CREATE OR REPLACE MACRO ua_os_of(t) AS
    CASE WHEN contains(t, 'Windows Phone') THEN 'Windows Phone'
         WHEN contains(t, 'Windows') THEN 'Windows'
         WHEN contains(t, 'iPhone') OR contains(t, 'iPad') OR contains(t, 'iPod') OR contains(t, 'iOS')
              OR contains(t, 'CPU OS') THEN 'iOS'
         WHEN contains(t, 'Android') THEN 'Android'
         WHEN contains(t, 'CrOS') THEN 'ChromeOS'
         WHEN contains(t, 'Mac OS X') OR contains(t, 'Macintosh') OR contains(t, 'macOS') OR contains(t, 'Darwin') THEN 'macOS'
         WHEN contains(t, 'Linux') OR contains(t, 'X11') OR contains(t, 'Ubuntu') OR contains(t, 'Fedora') THEN 'Linux'
         ELSE 'Other' END;

-- `major_after`: up to nine digits right after the first occurrence of the token.
CREATE OR REPLACE MACRO _ua_major(t, token) AS
    CASE WHEN token IS NOT NULL AND strpos(t, token) > 0 THEN
        CAST(nullif(regexp_extract(substr(t, strpos(t, token) + length(token)), '^[0-9]{1,9}'), '') AS BIGINT) END;

-- One row per distinct user agent of the lake: family, OS, scripted, and a fingerprint.
-- Our `ua_fingerprint` is the xxh3 hash of "family|major|os"; the hunts only compare
-- fingerprints for equality, so the unhashed text is used here.
CREATE OR REPLACE VIEW ua_info AS
WITH agents AS (
    SELECT DISTINCT user_agent AS ua FROM signins WHERE user_agent IS NOT NULL
),
trimmed AS (
    -- str::trim: Unicode White_Space at both ends
    SELECT ua, regexp_replace(ua, '^[\t\n\x{0B}\f\r\x{85}\p{Z}]+|[\t\n\x{0B}\f\r\x{85}\p{Z}]+$', '', 'g') AS t
    FROM agents
),
first_rule AS (
    SELECT a.ua, a.t, min(r.ord) AS ord
    FROM trimmed a
    LEFT JOIN ua_rules r ON CASE WHEN r.at_start THEN starts_with(a.t, r.needle) ELSE contains(a.t, r.needle) END
    GROUP BY a.ua, a.t
),
classified AS (
    SELECT f.ua, ua_os_of(f.t) AS os,
           CASE WHEN f.t = '' THEN 'Empty'
                WHEN r.family IS NOT NULL THEN r.family
                WHEN contains(f.t, 'AppleWebKit') AND (contains(f.t, 'Safari') OR contains(f.t, 'Mobile/'))
                    THEN CASE WHEN contains(f.t, 'Mobile/') OR ua_os_of(f.t) = 'iOS' THEN 'Mobile Safari' ELSE 'Safari' END
                ELSE 'Other' END AS family,
           CASE WHEN f.t = '' THEN NULL
                WHEN r.family IS NOT NULL THEN _ua_major(f.t, coalesce(r.version_token, r.needle))
                WHEN contains(f.t, 'AppleWebKit') AND (contains(f.t, 'Safari') OR contains(f.t, 'Mobile/'))
                    THEN _ua_major(f.t, 'Version/') END AS major,
           CASE WHEN f.t = '' THEN true ELSE coalesce(r.scripted, false) END AS scripted
    FROM first_rule f
    LEFT JOIN ua_rules r ON r.ord = f.ord
)
SELECT ua, family, os, scripted,
       concat(family, '|', CAST(coalesce(major, -1) AS VARCHAR), '|', os) AS fingerprint
FROM classified;

---------------------------------------------------------------------------------------------
-- 5. `network_events` (engine/src/lake/views.rs): sign-ins with an IP, plus prefix,
-- category, network, client_os and client. Extra columns beyond ours: `ip_category`
-- (for the allowlist test) and `ua_scripted`.
---------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW network_events AS
SELECT *,
       CASE WHEN category IN ('hosting', 'vpn', 'tor', 'unknown', 'microsoft') THEN prefix
            ELSE concat('AS', CAST(asn AS VARCHAR)) END AS network
FROM (
    SELECT s.*, i.prefix, i.ip_category,
           CASE WHEN s.asn IS NULL THEN coalesce(i.ip_category, 'unknown')
                ELSE coalesce(i.ip_category, a.category, 'isp') END AS category,
           coalesce(u.os, 'unknown') AS client_os,
           coalesce(u.family, 'unknown') AS client,
           u.scripted AS ua_scripted
    FROM signins s
    LEFT JOIN ip_info i ON i.ip = s.ip
    LEFT JOIN asn_categories a ON a.asn = s.asn
    LEFT JOIN ua_info u ON u.ua = s.user_agent
    WHERE s.ip IS NOT NULL
);

---------------------------------------------------------------------------------------------
-- 6. Baselines (data/baselines/*.sql), whole lake: ${until} = 2200-01-01.
-- Tables, like the stored baseline `tokenhunt baseline` writes.
---------------------------------------------------------------------------------------------
-- baseline_user_networks: how much each user has used each network.
CREATE OR REPLACE TABLE baseline_user_networks AS
SELECT source, user, network, max(category) AS category, max(asn) AS asn,
       count(DISTINCT date_trunc('day', time)) AS days, count(DISTINCT session_id) AS sessions, count(*) AS events,
       min(time) AS first_seen, max(time) AS last_seen,
       coalesce(geo_distance_km(min(lat), min(lon), max(lat), max(lon)), 0.0) AS spread_km
FROM network_events
WHERE user IS NOT NULL AND result = 'success' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
GROUP BY source, user, network;

-- baseline_prefix_users: how widely each /24 or /64 is shared. `users` is the most users
-- signing in successfully from one address of the prefix, `prefix_users` the sum over its
-- addresses, `days` the most days of one address.
CREATE OR REPLACE TABLE baseline_prefix_users AS
WITH per_address AS (
    SELECT source, prefix, ip, count(DISTINCT user) AS users, count(DISTINCT date_trunc('day', time)) AS days
    FROM network_events
    WHERE user IS NOT NULL AND result = 'success' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
    GROUP BY source, prefix, ip
)
SELECT source, prefix, max(users) AS users, CAST(sum(users) AS BIGINT) AS prefix_users, max(days) AS days
FROM per_address
GROUP BY source, prefix;

-- baseline_user_countries: countries each user signs in from, leaving out shared egress
-- (a prefix with an address used by 8 or more users), relays, CDNs and Microsoft.
CREATE OR REPLACE TABLE baseline_user_countries AS
WITH shared AS (
    SELECT DISTINCT source, prefix FROM (
        SELECT source, prefix, ip FROM network_events
        WHERE user IS NOT NULL AND result = 'success' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
        GROUP BY source, prefix, ip HAVING count(DISTINCT user) >= 8
    )
)
SELECT e.source, e.user, e.country, count(DISTINCT date_trunc('day', e.time)) AS days, count(*) AS events,
       min(e.time) AS first_seen, max(e.time) AS last_seen
FROM network_events e
LEFT JOIN shared s ON s.source = e.source AND s.prefix = e.prefix
WHERE e.user IS NOT NULL AND e.country IS NOT NULL AND e.result = 'success' AND e.time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
  AND e.category NOT IN ('privacy_relay', 'cdn', 'microsoft') AND s.prefix IS NULL
GROUP BY e.source, e.user, e.country;

-- baseline_network_roaming: networks whose geolocation spreads over > 300 km for a
-- user (carrier CGNAT, consumer VPNs). The 1.0/0.0 are DOUBLE so the average is computed
-- in floating point exactly as DataFusion does (the hunts compare it with 0.3).
CREATE OR REPLACE TABLE baseline_network_roaming AS
WITH per_user AS (
    SELECT source, network, user, count(*) AS events,
           geo_distance_km(min(lat), min(lon), max(lat), max(lon)) AS spread_km
    FROM network_events
    WHERE user IS NOT NULL AND lat IS NOT NULL AND result = 'success' AND time < TIMESTAMPTZ '2200-01-01 00:00:00+00'
    GROUP BY source, network, user
)
SELECT source, network, count(*) AS users,
       avg(CASE WHEN spread_km > 300 THEN CAST(1.0 AS DOUBLE) ELSE CAST(0.0 AS DOUBLE) END) AS roaming_share
FROM per_user
WHERE events >= 5
GROUP BY source, network;
