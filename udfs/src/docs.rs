//! The function catalogue printed by `tokenhunt functions` and `.functions` in the REPL.
//!
//! Every example is a complete query that runs on an empty `SessionContext` after
//! `register_all` (literals and `VALUES` only); a test runs them all so they cannot rot.

/// What kind of SQL function an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunctionKind {
    /// One value per row.
    Scalar,
    /// One value per group.
    Aggregate,
    /// One value per row, computed over an `OVER (...)` window.
    Window,
}

/// Documentation of one SQL function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionDoc {
    /// SQL name.
    pub name: &'static str,
    /// Scalar, aggregate or window.
    pub kind: FunctionKind,
    /// Call shape with argument and return types.
    pub signature: &'static str,
    /// One sentence.
    pub description: &'static str,
    /// A complete runnable SQL query.
    pub example: &'static str,
}

const fn doc(
    name: &'static str,
    kind: FunctionKind,
    signature: &'static str,
    description: &'static str,
    example: &'static str,
) -> FunctionDoc {
    FunctionDoc {
        name,
        kind,
        signature,
        description,
        example,
    }
}

use FunctionKind::{Aggregate, Scalar, Window};

static DOCS: &[FunctionDoc] = &[
    // Geography
    doc(
        "geo_distance_km",
        Scalar,
        "geo_distance_km(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE) -> DOUBLE",
        "Great-circle (haversine) distance in kilometres between two points, mean Earth radius 6371.0088 km.",
        "SELECT geo_distance_km(52.52, 13.40, 48.86, 2.35) AS berlin_paris_km",
    ),
    doc(
        "geo_velocity_kmh",
        Scalar,
        "geo_velocity_kmh(t1 TIMESTAMP, lat1, lon1, t2 TIMESTAMP, lat2, lon2 [, tolerance_km DOUBLE = 50]) -> DOUBLE",
        "Speed in km/h needed between two timestamped points after subtracting tolerance_km from the distance (floor 0); event order does not matter, and zero elapsed time gives 0 if within tolerance, else +infinity.",
        "SELECT geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40, TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35) AS kmh",
    ),
    // Session stitching: window
    doc(
        "hop",
        Window,
        "hop(time TIMESTAMP, lat DOUBLE, lon DOUBLE [, network STRING|BIGINT [, tolerance_km DOUBLE = 50]]) OVER (PARTITION BY ... ORDER BY time) -> STRUCT<distance_km DOUBLE, seconds DOUBLE, kmh DOUBLE, network_changed BOOLEAN>",
        "The hop from the previous row of the window partition (streaming, bounded memory): distance, elapsed seconds and tolerant velocity from the previous row with coordinates, and whether the network differs from the previous row with a network; NULL on a partition's first row.",
        "SELECT u, t, hop(t, lat, lon, ip_network(ip)) OVER (PARTITION BY u ORDER BY t) AS h FROM (VALUES ('alice', TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40, '203.0.113.5'), ('alice', TIMESTAMP '2024-05-01 10:30:00', 40.71, -74.01, '198.51.100.7')) AS s(u, t, lat, lon, ip)",
    ),
    doc(
        "hop_kmh",
        Window,
        "hop_kmh(time, lat, lon [, network [, tolerance_km]]) OVER (PARTITION BY ... ORDER BY time) -> DOUBLE",
        "Just the kmh field of hop, cheaper on large scans.",
        "SELECT t, hop_kmh(t, lat, lon) OVER (ORDER BY t) AS kmh FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40), (TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35)) AS s(t, lat, lon)",
    ),
    doc(
        "hop_km",
        Window,
        "hop_km(time, lat, lon [, network [, tolerance_km]]) OVER (PARTITION BY ... ORDER BY time) -> DOUBLE",
        "Just the distance_km field of hop.",
        "SELECT t, hop_km(t, lat, lon) OVER (ORDER BY t) AS km FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40), (TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35)) AS s(t, lat, lon)",
    ),
    doc(
        "hop_seconds",
        Window,
        "hop_seconds(time, lat, lon [, network [, tolerance_km]]) OVER (PARTITION BY ... ORDER BY time) -> DOUBLE",
        "Just the seconds field of hop.",
        "SELECT t, hop_seconds(t, lat, lon) OVER (ORDER BY t) AS secs FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40), (TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35)) AS s(t, lat, lon)",
    ),
    doc(
        "hop_network_changed",
        Window,
        "hop_network_changed(time, lat, lon, network [, tolerance_km]) OVER (PARTITION BY ... ORDER BY time) -> BOOLEAN",
        "Just the network_changed field of hop.",
        "SELECT t, hop_network_changed(t, 0.0, 0.0, ip_network(ip)) OVER (ORDER BY t) AS changed FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', '203.0.113.5'), (TIMESTAMP '2024-05-01 10:05:00', '198.51.100.7')) AS s(t, ip)",
    ),
    // Session stitching: aggregates
    doc(
        "session_networks",
        Aggregate,
        "session_networks(ip STRING) -> BIGINT",
        "Number of distinct networks (IPv4 /24, IPv6 /64) among the group's IP addresses; invalid addresses are ignored.",
        "SELECT session_networks(ip) AS networks FROM (VALUES ('203.0.113.5'), ('203.0.113.77'), ('198.51.100.1'), ('2001:db8:1:2::1'), ('2001:db8:1:2::9')) AS t(ip)",
    ),
    doc(
        "distinct_networks",
        Aggregate,
        "distinct_networks(ip STRING, v4_bits BIGINT, v6_bits BIGINT) -> BIGINT",
        "Number of distinct networks with explicit IPv4/IPv6 prefix lengths.",
        "SELECT distinct_networks(ip, 16, 48) AS networks FROM (VALUES ('203.0.113.5'), ('203.0.200.1'), ('198.51.100.1')) AS t(ip)",
    ),
    doc(
        "max_hop_kmh",
        Aggregate,
        "max_hop_kmh(time TIMESTAMP, lat DOUBLE, lon DOUBLE [, tolerance_km DOUBLE = 50]) -> DOUBLE",
        "Largest tolerant velocity between time-consecutive events of the group (events are sorted inside the aggregate); NULL with fewer than two located events.",
        "SELECT max_hop_kmh(t, lat, lon) AS kmh FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40), (TIMESTAMP '2024-05-01 12:00:00', 48.86, 2.35), (TIMESTAMP '2024-05-01 11:00:00', 52.52, 13.40)) AS s(t, lat, lon)",
    ),
    doc(
        "network_switches",
        Aggregate,
        "network_switches(time TIMESTAMP, network STRING|BIGINT) -> BIGINT",
        "Number of times time-consecutive events change network (A-B-A-B = 3, A-B-C = 2).",
        "SELECT network_switches(t, net) AS switches FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 'A'), (TIMESTAMP '2024-05-01 10:01:00', 'B'), (TIMESTAMP '2024-05-01 10:02:00', 'A'), (TIMESTAMP '2024-05-01 10:03:00', 'B')) AS s(t, net)",
    ),
    doc(
        "network_returns",
        Aggregate,
        "network_returns(time TIMESTAMP, network STRING|BIGINT) -> BIGINT",
        "Number of times the time-ordered sequence switches back to a network seen earlier (A-B-A-B = 2: concurrent use; A-B-C = 0: roaming).",
        "SELECT network_returns(t, net) AS returns FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 'A'), (TIMESTAMP '2024-05-01 10:01:00', 'B'), (TIMESTAMP '2024-05-01 10:02:00', 'A'), (TIMESTAMP '2024-05-01 10:03:00', 'B')) AS s(t, net)",
    ),
    // IP intelligence
    doc(
        "ip_asn",
        Scalar,
        "ip_asn(ip STRING) -> BIGINT",
        "Autonomous system number of the address from the configured MaxMind ASN/ISP databases or ASN range files; NULL when unknown, invalid, or no database is configured.",
        "SELECT ip_asn('8.8.8.8') AS asn",
    ),
    doc(
        "ip_as_org",
        Scalar,
        "ip_as_org(ip STRING) -> STRING",
        "Organisation of the address's autonomous system from the configured databases; NULL when unknown or no database is configured.",
        "SELECT ip_as_org('8.8.8.8') AS org",
    ),
    doc(
        "ip_country",
        Scalar,
        "ip_country(ip STRING) -> STRING",
        "ISO 3166 country code of the address from MaxMind City/Country databases or ip-location-db city/country files; NULL when unknown or no database is configured.",
        "SELECT ip_country('81.2.69.142') AS country",
    ),
    doc(
        "ip_geo",
        Scalar,
        "ip_geo(ip STRING) -> STRUCT<country STRING, city STRING, lat DOUBLE, lon DOUBLE, accuracy_km DOUBLE>",
        "Geolocation of the address from the first configured source that knows it; NULL when unknown or no database is configured.",
        "SELECT ip_geo('81.2.69.142') AS geo",
    ),
    doc(
        "ip_is_anonymous",
        Scalar,
        "ip_is_anonymous(ip STRING) -> BOOLEAN",
        "True if a MaxMind Anonymous-IP database flags the address as anonymous (VPN, public proxy, Tor exit, residential proxy), false if it does not list it, NULL without such a database.",
        "SELECT ip_is_anonymous('1.2.0.1') AS anonymous",
    ),
    doc(
        "ip_category",
        Scalar,
        "ip_category(ip STRING) -> STRING",
        "Category of the address: 'private' for private ranges, else the curated egress range list, else the category of its ASN (needs an ASN source); NULL when unknown.",
        "SELECT ip_category('20.190.151.7') AS entra, ip_category('10.0.0.1') AS internal",
    ),
    doc(
        "ip_in_cidr",
        Scalar,
        "ip_in_cidr(ip STRING, cidr STRING) -> BOOLEAN",
        "True if the IPv4/IPv6 address lies in the CIDR block (a bare address is a /32 or /128); NULL if either is NULL or unparsable.",
        "SELECT ip_in_cidr('10.1.2.3', '10.0.0.0/8') AS inside, ip_in_cidr('2001:db8::1', '2001:db8::/32') AS inside6",
    ),
    doc(
        "ip_prefix",
        Scalar,
        "ip_prefix(ip STRING, v4_bits BIGINT, v6_bits BIGINT) -> STRING",
        "The address's network in CIDR notation, using v4_bits for IPv4 and v6_bits for IPv6 (lengths clamp to 32/128).",
        "SELECT ip_prefix('203.0.113.77', 24, 64) AS v4, ip_prefix('2001:db8:1:2:3:4:5:6', 24, 48) AS v6",
    ),
    doc(
        "ip_network",
        Scalar,
        "ip_network(ip STRING) -> STRING",
        "The address's /24 (IPv4) or /64 (IPv6) network in CIDR notation, the unit of 'one network' in session stitching.",
        "SELECT ip_network('203.0.113.77') AS v4, ip_network('2001:db8:1:2:3:4:5:6') AS v6",
    ),
    doc(
        "is_private_ip",
        Scalar,
        "is_private_ip(ip STRING) -> BOOLEAN",
        "True for non-public addresses: RFC 1918, loopback, link-local, CGNAT 100.64/10, 0.0.0.0/8 (incl. unspecified), 192.0.0.0/24, 198.18/15, multicast, reserved 240/4, ::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8 (documentation ranges are treated as public).",
        "SELECT is_private_ip('192.168.1.10') AS rfc1918, is_private_ip('100.64.1.1') AS cgnat, is_private_ip('8.8.8.8') AS public",
    ),
    doc(
        "asn_category",
        Scalar,
        "asn_category(asn BIGINT) -> STRING",
        "Category of an AS number from the curated lists (hosting, vpn, tor, mobile, isp, microsoft, google, apple, cdn, privacy_relay, education); NULL when unlisted.",
        "SELECT asn_category(16509) AS aws, asn_category(21928) AS tmobile, asn_category(36183) AS icloud_relay",
    ),
    doc(
        "is_hosting_asn",
        Scalar,
        "is_hosting_asn(asn BIGINT) -> BOOLEAN",
        "True if the curated category of the AS number is datacenter egress (hosting, vpn or tor).",
        "SELECT is_hosting_asn(14061) AS digitalocean, is_hosting_asn(7922) AS comcast",
    ),
    // User agents
    doc(
        "ua_family",
        Scalar,
        "ua_family(ua STRING) -> STRING",
        "Client family of a user agent (Chrome, Edge, Firefox, Safari, Mobile Safari, Outlook, Teams, MSAL, python-requests, curl, Go-http-client, PowerShell, azure-cli, HeadlessChrome, ..., Other; 'Empty' for an empty string).",
        "SELECT ua_family('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91') AS family",
    ),
    doc(
        "ua_os",
        Scalar,
        "ua_os(ua STRING) -> STRING",
        "Operating system of a user agent (Windows, macOS, iOS, Android, Linux, ChromeOS, Windows Phone, Other).",
        "SELECT ua_os('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1') AS os",
    ),
    doc(
        "ua_is_scripted",
        Scalar,
        "ua_is_scripted(ua STRING) -> BOOLEAN",
        "True for programmatic clients: HTTP libraries and tools (python-requests, curl, wget, Go-http-client, okhttp, axios, node-fetch, libwww-perl, Java), PowerShell, azure-cli, BAV2ROPC, headless browsers, bots and the empty user agent.",
        "SELECT ua_is_scripted('python-requests/2.31.0') AS scripted, ua_is_scripted('Microsoft Office/16.0') AS office",
    ),
    doc(
        "ua_fingerprint",
        Scalar,
        "ua_fingerprint(ua STRING) -> STRING",
        "Stable 16-hex-digit xxh3 hash of the normalised user agent (family, major version, OS), equal across patch releases.",
        "SELECT ua_fingerprint('Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/109.0') AS fp",
    ),
    doc(
        "ua_similarity",
        Scalar,
        "ua_similarity(a STRING, b STRING) -> DOUBLE",
        "Similarity in [0,1]: 1 for identical strings, else 0.5 x same family + 0.3 x same OS + 0.15 x version closeness (same family only; 1 - |major difference|/10, floor 0).",
        "SELECT ua_similarity('curl/8.4.0', 'curl/7.68.0') AS same_tool, ua_similarity('curl/8.4.0', 'python-requests/2.31.0') AS different",
    ),
    // KQL
    doc(
        "ago",
        Scalar,
        "ago(timespan STRING [, now TIMESTAMP]) -> TIMESTAMP(us, UTC)",
        "The query's start time (the same instant as now()) minus a KQL timespan such as '7d', '1.5h', '30m', '45s', '100ms', '2w', '30 minutes' or '1.00:00:00'.",
        "SELECT ago('7d') AS week_ago, ago('1.5h') < now() AS in_past",
    ),
    doc(
        "datetime_diff",
        Scalar,
        "datetime_diff(unit STRING, a TIMESTAMP, b TIMESTAMP) -> BIGINT",
        "a - b counted in unit boundaries crossed, as in KQL (year, quarter, month, week (Sunday start), day, hour, minute, second, millisecond, microsecond, nanosecond; UTC).",
        "SELECT datetime_diff('minute', TIMESTAMP '2024-05-01 10:30:00', TIMESTAMP '2024-05-01 10:00:00') AS minutes, datetime_diff('month', TIMESTAMP '2024-05-01 00:00:00', TIMESTAMP '2023-12-31 00:00:00') AS months",
    ),
    doc(
        "bin",
        Scalar,
        "bin(value TIMESTAMP|NUMBER, size STRING|INTERVAL|NUMBER) -> same type as value",
        "Rounds down to a multiple of size: timestamps to a timespan bin ('1h', '15m', '1d'), numbers to floor(value/size)*size; NULL for a non-positive size.",
        "SELECT bin(TIMESTAMP '2024-05-01 10:47:12', '1h') AS hour, bin(TIMESTAMP '2024-05-01 10:47:12', '15m') AS quarter, bin(17, 5) AS five",
    ),
    doc(
        "make_set",
        Aggregate,
        "make_set(x) -> LIST",
        "The distinct non-null values of x as a list sorted ascending (strings as Utf8, integers as Int64, floats as Float64).",
        "SELECT make_set(country) AS countries FROM (VALUES ('DE'), ('FR'), ('DE'), (NULL)) AS t(country)",
    ),
    doc(
        "dcount",
        Aggregate,
        "dcount(x) -> BIGINT",
        "Exact number of distinct non-null values (64-bit hashes, compact per group; KQL's dcount is an estimate).",
        "SELECT u, dcount(ip) AS ips FROM (VALUES ('a', '1.1.1.1'), ('a', '1.1.1.1'), ('a', '2.2.2.2'), ('b', '3.3.3.3')) AS t(u, ip) GROUP BY u ORDER BY u",
    ),
];

/// All documented functions, in catalogue order.
pub fn function_docs() -> &'static [FunctionDoc] {
    DOCS
}

/// The catalogue entry of `name` as DataFusion [`Documentation`]: every UDF's
/// `documentation()` returns it, so `.functions` at the prompt, `information_schema`
/// and `tokenhunt functions` read one text. `None` for a name not in the catalogue.
pub fn documentation(name: &str) -> Option<&'static datafusion::logical_expr::Documentation> {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use datafusion::logical_expr::{DocSection, Documentation};

    static BUILT: OnceLock<HashMap<&'static str, Documentation>> = OnceLock::new();
    const SECTION: DocSection = DocSection {
        include: true,
        label: "tokenhunt",
        description: Some("Functions for hunting token replay in identity logs"),
    };
    BUILT
        .get_or_init(|| {
            DOCS.iter()
                .map(|doc| {
                    let built = Documentation::builder(SECTION, doc.description, doc.signature)
                        .with_sql_example(doc.example)
                        .build();
                    (doc.name, built)
                })
                .collect()
        })
        .get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_entry_is_datafusion_documentation() {
        for doc in function_docs() {
            let built = documentation(doc.name).unwrap();
            assert_eq!(built.description, doc.description);
            assert_eq!(built.syntax_example, doc.signature);
            assert_eq!(built.sql_example.as_deref(), Some(doc.example));
        }
        assert!(documentation("no_such_function").is_none());
    }
}
