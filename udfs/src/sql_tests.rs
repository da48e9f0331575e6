//! End-to-end tests: every function through DataFusion SQL, on real MaxMind test databases
//! and range file fixtures (see `tests/fixtures/*/PROVENANCE.md`).

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::ScalarValue;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::{ReferenceConfig, ReferenceData, UdfError, function_docs, register_all};

const MMDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/mmdb/");
const RANGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/ranges/");

fn mmdb(name: &str) -> PathBuf {
    PathBuf::from(MMDB).join(name)
}
fn range(name: &str) -> PathBuf {
    PathBuf::from(RANGES).join(name)
}

fn ctx_with(reference: ReferenceData) -> SessionContext {
    let mut ctx = SessionContext::new();
    register_all(&mut ctx, Arc::new(reference)).unwrap();
    ctx
}

fn ctx() -> SessionContext {
    ctx_with(ReferenceData::builtin())
}

fn full_reference() -> ReferenceData {
    ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![
            mmdb("GeoLite2-ASN-Test.mmdb"),
            mmdb("GeoLite2-City-Test.mmdb"),
            mmdb("GeoIP2-Anonymous-IP-Test.mmdb"),
        ],
        range_files: vec![
            range("ip-location-db-asn-slice.csv"),
            range("iptoasn-synthetic.tsv.gz"),
            range("ip-location-db-city-synthetic.csv"),
            range("ip-location-db-country-synthetic.csv"),
        ],
        asn_category_files: vec![],
        extra_asn_categories: vec![(64500, "hosting".into())],
    })
    .unwrap()
}

async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    match ctx.sql(sql).await {
        Ok(df) => df.collect().await.unwrap_or_else(|e| panic!("{sql}\n{e}")),
        Err(e) => panic!("{sql}\n{e}"),
    }
}

/// Every value of the first row, in column order.
async fn row(ctx: &SessionContext, sql: &str) -> Vec<ScalarValue> {
    let batches = run(ctx, sql).await;
    let b = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .unwrap_or_else(|| panic!("no rows: {sql}"));
    (0..b.num_columns())
        .map(|c| ScalarValue::try_from_array(b.column(c), 0).unwrap())
        .collect()
}

/// All values of column `c`, in row order.
async fn column(ctx: &SessionContext, sql: &str, c: usize) -> Vec<ScalarValue> {
    let mut out = Vec::new();
    for b in run(ctx, sql).await {
        for r in 0..b.num_rows() {
            out.push(ScalarValue::try_from_array(b.column(c), r).unwrap());
        }
    }
    out
}

fn f64_of(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Float64(x) => *x,
        other => panic!("not a Float64: {other:?}"),
    }
}

fn i64_of(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Int64(x) => *x,
        other => panic!("not an Int64: {other:?}"),
    }
}

fn str_of(v: &ScalarValue) -> Option<String> {
    match v {
        ScalarValue::Utf8(x) | ScalarValue::Utf8View(x) | ScalarValue::LargeUtf8(x) => x.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

fn bool_of(v: &ScalarValue) -> Option<bool> {
    match v {
        ScalarValue::Boolean(x) => *x,
        other => panic!("not a Boolean: {other:?}"),
    }
}

#[tokio::test]
async fn every_documented_example_runs() {
    let ctx = ctx();
    for d in function_docs() {
        let batches = run(&ctx, d.example).await;
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert!(rows >= 1, "{} example returned no rows", d.name);
        assert!(!d.description.is_empty() && !d.signature.is_empty());
        assert!(
            d.example.contains(d.name),
            "{} example does not call it",
            d.name
        );
    }
}

#[tokio::test]
async fn every_registered_function_is_documented() {
    use datafusion::execution::FunctionRegistry;
    let base = SessionContext::new();
    let ctx = ctx();
    let ours = |all: std::collections::HashSet<String>, base: std::collections::HashSet<String>| {
        all.difference(&base).cloned().collect::<Vec<_>>()
    };
    let mut names: Vec<String> = ours(ctx.udfs(), base.udfs());
    names.extend(ours(ctx.udafs(), base.udafs()));
    names.extend(ours(ctx.udwfs(), base.udwfs()));
    let documented: std::collections::HashSet<&str> =
        function_docs().iter().map(|d| d.name).collect();
    for n in &names {
        assert!(documented.contains(n.as_str()), "{n} has no FunctionDoc");
    }
    assert_eq!(names.len(), documented.len(), "{names:?}");
}

#[tokio::test]
async fn works_on_session_state_too() {
    let mut state = datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .build();
    register_all(&mut state, Arc::new(ReferenceData::builtin())).unwrap();
    let ctx = SessionContext::new_with_state(state);
    let v = row(&ctx, "SELECT ip_network('203.0.113.9')").await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("203.0.113.0/24"));
}

#[tokio::test]
async fn geo_functions_in_sql() {
    let ctx = ctx();
    let v = row(
        &ctx,
        "SELECT geo_distance_km(52.52, 13.405, 48.8566, 2.3522), \
                geo_distance_km(NULL, 1.0, 2.0, 3.0), \
                geo_distance_km(0, 0, 0, 0)",
    )
    .await;
    assert!((f64_of(&v[0]).unwrap() - 878.0).abs() < 5.0);
    assert_eq!(f64_of(&v[1]), None);
    assert_eq!(f64_of(&v[2]), Some(0.0));

    // Column inputs of mixed numeric types, with a NULL row.
    let d = column(
        &ctx,
        "SELECT geo_distance_km(a, b, c, e) FROM (VALUES (51.5074, -0.1278, 40.7128, -74.0060), \
         (CAST(NULL AS DOUBLE), 0.0, 0.0, 0.0), (10, 20, 10, 20)) AS t(a, b, c, e)",
        0,
    )
    .await;
    assert!((f64_of(&d[0]).unwrap() - 5570.0).abs() < 10.0);
    assert_eq!(f64_of(&d[1]), None);
    assert_eq!(f64_of(&d[2]), Some(0.0));

    let v = row(
        &ctx,
        "SELECT \
           geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, TIMESTAMP '2024-05-01 11:00:00', 48.8566, 2.3522), \
           geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, TIMESTAMP '2024-05-01 10:01:00', 52.39, 13.06), \
           geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, TIMESTAMP '2024-05-01 10:00:00', 48.8566, 2.3522), \
           geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, TIMESTAMP '2024-05-01 11:00:00', 48.8566, 2.3522, 0), \
           geo_velocity_kmh(NULL, 52.52, 13.405, TIMESTAMP '2024-05-01 11:00:00', 48.8566, 2.3522), \
           geo_velocity_kmh(arrow_cast(TIMESTAMP '2024-05-01 10:00:00', 'Timestamp(Nanosecond, Some(\"+02:00\"))'), 52.52, 13.405, \
                            arrow_cast(TIMESTAMP '2024-05-01 12:00:00', 'Timestamp(Second, None)'), 48.8566, 2.3522, 0)",
    )
    .await;
    let berlin_paris = 877.5;
    assert!((f64_of(&v[0]).unwrap() - (berlin_paris - 50.0)).abs() < 5.0);
    // Potsdam is ~27 km from Berlin: inside the tolerance, so no travel.
    assert_eq!(f64_of(&v[1]), Some(0.0));
    assert_eq!(f64_of(&v[2]), Some(f64::INFINITY));
    assert!((f64_of(&v[3]).unwrap() - berlin_paris).abs() < 5.0);
    assert_eq!(f64_of(&v[4]), None);
    // Any timestamp unit and zone. Casting the zone-less 10:00 to +02:00 reads it as 10:00
    // local time (08:00 UTC), so the two instants are four hours apart.
    assert!((f64_of(&v[5]).unwrap() - berlin_paris / 4.0).abs() < 2.0);
}

#[tokio::test]
async fn ip_functions_accept_every_string_encoding() {
    let ctx = ctx();
    for enc in ["Utf8", "LargeUtf8", "Utf8View"] {
        let sql = format!(
            "SELECT ip_network(arrow_cast(ip, '{enc}')), is_private_ip(arrow_cast(ip, '{enc}')), \
                    ip_in_cidr(arrow_cast(ip, '{enc}'), arrow_cast('10.0.0.0/8', '{enc}')), \
                    ip_prefix(arrow_cast(ip, '{enc}'), 16, 32) \
             FROM (VALUES ('10.1.2.3'), ('2001:db8:aa:bb::1'), ('null'), (''), (NULL), ('0.0.0.0')) AS t(ip)"
        );
        let nets = column(&ctx, &sql, 0).await;
        let private = column(&ctx, &sql, 1).await;
        let inside = column(&ctx, &sql, 2).await;
        let pfx = column(&ctx, &sql, 3).await;
        let nets: Vec<Option<String>> = nets.iter().map(str_of).collect();
        assert_eq!(
            nets,
            [
                Some("10.1.2.0/24".into()),
                Some("2001:db8:aa:bb::/64".into()),
                None,
                None,
                None,
                Some("0.0.0.0/24".into())
            ],
            "{enc}"
        );
        let private: Vec<Option<bool>> = private.iter().map(bool_of).collect();
        assert_eq!(
            private,
            [Some(true), Some(false), None, None, None, Some(true)]
        );
        let inside: Vec<Option<bool>> = inside.iter().map(bool_of).collect();
        assert_eq!(
            inside,
            [Some(true), Some(false), None, None, None, Some(false)]
        );
        assert_eq!(str_of(&pfx[0]).as_deref(), Some("10.1.0.0/16"));
        assert_eq!(str_of(&pfx[1]).as_deref(), Some("2001:db8::/32"));
    }
    // Per-row CIDRs, bad CIDRs and NULL prefix lengths.
    let v = column(
        &ctx,
        "SELECT ip_in_cidr(ip, c) FROM (VALUES ('192.168.5.5', '192.168.0.0/16'), ('192.168.5.5', '192.168.6.0/24'), \
         ('192.168.5.5', 'garbage'), ('fe80::1', 'fe80::/10'), ('192.168.5.5', '::/0')) AS t(ip, c)",
        0,
    )
    .await;
    let v: Vec<Option<bool>> = v.iter().map(bool_of).collect();
    assert_eq!(v, [Some(true), Some(false), None, Some(true), Some(false)]);
    let v = row(
        &ctx,
        "SELECT ip_prefix('1.2.3.4', NULL, 64), ip_prefix('1.2.3.4', -1, 64)",
    )
    .await;
    assert_eq!(str_of(&v[0]), None);
    assert_eq!(str_of(&v[1]), None);
}

#[tokio::test]
async fn ip_lookups_without_databases_are_null() {
    let ctx = ctx();
    let v = row(
        &ctx,
        "SELECT ip_asn('8.8.8.8'), ip_as_org('8.8.8.8'), ip_country('8.8.8.8'), ip_geo('8.8.8.8'), \
                ip_is_anonymous('8.8.8.8'), ip_category('8.8.8.8'), ip_category('10.0.0.1'), \
                ip_category('20.190.151.7'), ip_category('2603:1037:1::5')",
    )
    .await;
    assert_eq!(i64_of(&v[0]), None);
    assert_eq!(str_of(&v[1]), None);
    assert_eq!(str_of(&v[2]), None);
    assert!(v[3].is_null());
    assert_eq!(bool_of(&v[4]), None);
    assert_eq!(str_of(&v[5]), None, "needs an ASN source");
    assert_eq!(str_of(&v[6]).as_deref(), Some("private"));
    assert_eq!(
        str_of(&v[7]).as_deref(),
        Some("microsoft"),
        "built-in egress list"
    );
    assert_eq!(str_of(&v[8]).as_deref(), Some("microsoft"));
}

#[tokio::test]
async fn mmdb_lookups_match_the_test_databases() {
    let ctx = ctx_with(full_reference());
    // GeoLite2-ASN-Test: 1.0.0.0/24 -> AS15169 "Google Inc.", 1.128.0.0/11 -> AS1221 Telstra.
    let v = row(
        &ctx,
        "SELECT ip_asn('1.0.0.1'), ip_as_org('1.0.0.1'), ip_asn('1.128.9.9'), ip_as_org('1.128.9.9'), \
                ip_asn('::ffff:1.0.0.7'), ip_category('1.0.0.1')",
    )
    .await;
    assert_eq!(i64_of(&v[0]), Some(15169));
    assert_eq!(str_of(&v[1]).as_deref(), Some("Google Inc."));
    assert_eq!(i64_of(&v[2]), Some(1221));
    assert_eq!(str_of(&v[3]).as_deref(), Some("Telstra Pty Ltd"));
    assert_eq!(
        i64_of(&v[4]),
        Some(15169),
        "IPv4-mapped IPv6 is the IPv4 address"
    );
    assert_eq!(str_of(&v[5]).as_deref(), Some("google"));

    // GeoLite2-City-Test: 81.2.69.142/31 is London, GB; 2.125.160.216/29 is Boxford, GB.
    let v = row(
        &ctx,
        "SELECT ip_country('81.2.69.142'), ip_geo('81.2.69.142')['city'], ip_geo('81.2.69.142')['lat'], \
                ip_geo('81.2.69.142')['accuracy_km'], ip_geo('2.125.160.217')['city'], ip_country('2001:218::1')",
    )
    .await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("GB"));
    assert_eq!(str_of(&v[1]).as_deref(), Some("London"));
    assert!((f64_of(&v[2]).unwrap() - 51.5142).abs() < 0.01);
    assert!(f64_of(&v[3]).unwrap() > 0.0);
    assert_eq!(str_of(&v[4]).as_deref(), Some("Boxford"));
    assert_eq!(str_of(&v[5]).as_deref(), Some("JP"));

    // Anonymous-IP: 1.2.0.0/16 is anonymous VPN; absent addresses are not anonymous.
    let v = row(
        &ctx,
        "SELECT ip_is_anonymous('1.2.0.1'), ip_is_anonymous('8.8.8.8'), ip_is_anonymous('not an ip')",
    )
    .await;
    assert_eq!(bool_of(&v[0]), Some(true));
    assert_eq!(bool_of(&v[1]), Some(false));
    assert_eq!(bool_of(&v[2]), None);
}

#[tokio::test]
async fn isp_and_country_databases() {
    let r = ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![
            mmdb("GeoIP2-ISP-Test.mmdb"),
            mmdb("GeoLite2-Country-Test.mmdb"),
            mmdb("GeoIP2-City-Test.mmdb"),
        ],
        ..Default::default()
    })
    .unwrap();
    let ctx = ctx_with(r);
    let v = row(
        &ctx,
        "SELECT ip_asn('1.128.0.1'), ip_as_org('1.128.0.1'), ip_as_org('4.0.0.1'), ip_country('81.2.69.142'), \
                ip_geo('81.2.69.142')['city'], ip_geo('2.2.3.3')['city']",
    )
    .await;
    assert_eq!(i64_of(&v[0]), Some(1221));
    assert_eq!(str_of(&v[1]).as_deref(), Some("Telstra Pty Ltd"));
    // ISP record without an AS organisation falls back to the ISP name.
    assert_eq!(str_of(&v[2]).as_deref(), Some("Level 3 Communications"));
    assert_eq!(str_of(&v[3]).as_deref(), Some("GB"));
    // The Country database answers first (configuration order) and has no city.
    assert_eq!(str_of(&v[4]), None);
    // 2.2.3.0/24 is only in GeoIP2-City-Test.
    assert_eq!(str_of(&v[5]).as_deref(), Some("Boxford"));
}

#[tokio::test]
async fn range_files_answer_after_databases() {
    let ctx = ctx_with(full_reference());
    let v = row(
        &ctx,
        "SELECT ip_asn('8.8.8.8'), ip_as_org('8.8.8.8'), ip_asn('2001:4860:4860::8888'), \
                ip_asn('192.0.2.10'), ip_as_org('192.0.2.10'), ip_asn('203.0.113.5'), ip_asn('2001:db8::1'), \
                ip_category('192.0.2.10'), ip_category('52.94.10.1')",
    )
    .await;
    assert_eq!(i64_of(&v[0]), Some(15169));
    assert_eq!(str_of(&v[1]).as_deref(), Some("Google LLC"));
    assert_eq!(i64_of(&v[2]), Some(15169));
    assert_eq!(i64_of(&v[3]), Some(64500), "iptoasn gzip fixture");
    assert_eq!(str_of(&v[4]).as_deref(), Some("EXAMPLE-DOC-NET-1"));
    assert_eq!(i64_of(&v[5]), None, "AS0 'Not routed'");
    assert_eq!(i64_of(&v[6]), Some(64503));
    assert_eq!(
        str_of(&v[7]).as_deref(),
        Some("hosting"),
        "extra_asn_categories"
    );
    assert_eq!(
        str_of(&v[8]).as_deref(),
        Some("hosting"),
        "52.94.10.0/24 is AS16509 in the real slice"
    );
    let v = row(
        &ctx,
        "SELECT ip_country('198.51.100.1'), ip_geo('198.51.100.1')['city'], ip_geo('198.51.100.1')['lon'], \
                ip_country('203.0.113.200'), ip_geo('2001:db8::5')['country'], ip_geo('203.0.113.1')['lat']",
    )
    .await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("FR"));
    assert_eq!(str_of(&v[1]).as_deref(), Some("Paris"));
    assert!((f64_of(&v[2]).unwrap() - 2.3522).abs() < 1e-9);
    assert_eq!(str_of(&v[3]).as_deref(), Some("JP"), "country file");
    assert_eq!(str_of(&v[4]).as_deref(), Some("US"));
    assert_eq!(f64_of(&v[5]), None, "country files have no coordinates");
}

#[test]
fn broken_and_missing_files_fail_clearly() {
    // Broken data section: caught by the load-time probe.
    let e = ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![mmdb("GeoIP2-City-Test-Broken-Double-Format.mmdb")],
        ..Default::default()
    })
    .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, UdfError::Mmdb { .. }), "{msg}");
    assert!(
        msg.contains("GeoIP2-City-Test-Broken-Double-Format.mmdb"),
        "{msg}"
    );

    // Broken search tree: its database_type ("Test") is not a layout we use, so it is
    // rejected at load with the file named; the probe itself is exercised below.
    let e = ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![mmdb("MaxMind-DB-test-broken-search-tree-24.mmdb")],
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("MaxMind-DB-test-broken-search-tree-24.mmdb"),
        "{e}"
    );

    for (cfg, needle) in [
        (
            ReferenceConfig {
                mmdb_paths: vec![mmdb("does-not-exist.mmdb")],
                ..Default::default()
            },
            "does-not-exist.mmdb",
        ),
        (
            ReferenceConfig {
                range_files: vec![range("missing.csv")],
                ..Default::default()
            },
            "missing.csv",
        ),
        (
            ReferenceConfig {
                // Not a MaxMind database at all.
                mmdb_paths: vec![range("ip-location-db-city-synthetic.csv")],
                ..Default::default()
            },
            "ip-location-db-city-synthetic.csv",
        ),
        (
            ReferenceConfig {
                // A MaxMind database is not a range file.
                range_files: vec![mmdb("GeoLite2-ASN-Test.mmdb")],
                ..Default::default()
            },
            "GeoLite2-ASN-Test.mmdb",
        ),
    ] {
        let e = ReferenceData::load(&cfg).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
}

#[test]
fn broken_search_tree_never_panics() {
    // Treat the broken-tree database as an ASN database to reach the search tree: the probe
    // must fail cleanly (or, if the broken part is out of its reach, lookups return None).
    let bytes = std::fs::read(mmdb("MaxMind-DB-test-broken-search-tree-24.mmdb")).unwrap();
    let reader = maxminddb::Reader::from_source(bytes).unwrap();
    for ip in ["1.1.1.1", "1.1.1.3", "::1", "255.255.255.255"] {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        let _ = reader
            .lookup(ip)
            .map(|r| r.decode::<maxminddb::geoip2::Asn>());
    }
    let mut n = 0;
    if let Ok(it) = reader.networks(Default::default()) {
        for item in it.take(1000) {
            n += 1;
            if item.is_err() {
                break;
            }
        }
    }
    assert!(n > 0);
}

#[tokio::test]
async fn asn_categories_in_sql() {
    let ctx = ctx();
    let v = row(
        &ctx,
        "SELECT asn_category(16509), asn_category(8075), asn_category(36183), asn_category(NULL), \
                asn_category(64512), is_hosting_asn(14061), is_hosting_asn(7922), is_hosting_asn(NULL), \
                is_hosting_asn(CAST(39351 AS INT))",
    )
    .await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("hosting"));
    assert_eq!(
        str_of(&v[1]).as_deref(),
        Some("hosting"),
        "Azure's AS is a cloud"
    );
    assert_eq!(str_of(&v[2]).as_deref(), Some("privacy_relay"));
    assert_eq!(str_of(&v[3]), None);
    assert_eq!(str_of(&v[4]), None);
    assert_eq!(bool_of(&v[5]), Some(true));
    assert_eq!(bool_of(&v[6]), Some(false));
    assert_eq!(bool_of(&v[7]), None);
    assert_eq!(bool_of(&v[8]), Some(true), "Mullvad's AS is vpn");
}

#[tokio::test]
async fn user_agent_functions_in_sql() {
    let ctx = ctx();
    let sql = "SELECT ua_family(ua), ua_os(ua), ua_is_scripted(ua), ua_fingerprint(ua) FROM (VALUES \
        ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/102.0.0.0 Safari/537.36'), \
        ('python-requests/2.28.1'), ('BAV2ROPC'), (''), (NULL), \
        ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/102.0.5005.61 Safari/537.36')) AS t(ua)";
    let fam: Vec<Option<String>> = column(&ctx, sql, 0).await.iter().map(str_of).collect();
    assert_eq!(
        fam,
        [
            Some("Chrome".into()),
            Some("python-requests".into()),
            Some("BAV2ROPC".into()),
            Some("Empty".into()),
            None,
            Some("Chrome".into())
        ]
    );
    let os: Vec<Option<String>> = column(&ctx, sql, 1).await.iter().map(str_of).collect();
    assert_eq!(os[0].as_deref(), Some("macOS"));
    let scripted: Vec<Option<bool>> = column(&ctx, sql, 2).await.iter().map(bool_of).collect();
    assert_eq!(
        scripted,
        [
            Some(false),
            Some(true),
            Some(true),
            Some(true),
            None,
            Some(false)
        ]
    );
    let fp: Vec<Option<String>> = column(&ctx, sql, 3).await.iter().map(str_of).collect();
    assert_eq!(fp[0], fp[5], "patch releases share a fingerprint");
    assert_ne!(fp[0], fp[1]);
    assert_eq!(fp[0].as_ref().map(String::len), Some(16));
    assert_eq!(fp[4], None);

    let v = row(
        &ctx,
        "SELECT ua_similarity('curl/8.4.0', 'curl/8.4.0'), ua_similarity('curl/8.4.0', 'curl/7.68.0'), \
                ua_similarity('curl/8.4.0', NULL)",
    )
    .await;
    assert_eq!(f64_of(&v[0]), Some(1.0));
    assert!((f64_of(&v[1]).unwrap() - (0.5 + 0.3 + 0.15 * 0.9)).abs() < 1e-9);
    assert_eq!(f64_of(&v[2]), None);
}

#[tokio::test]
async fn kql_functions_in_sql() {
    let ctx = ctx();
    let v = row(
        &ctx,
        "SELECT ago('1h') <= now() - INTERVAL '1 hour', \
                ago('1h') > now() - INTERVAL '1 hour' - INTERVAL '1 millisecond', \
                ago('7d') = ago('1w'), ago('garbage'), ago('1h', TIMESTAMP '2024-05-01 12:00:00'), \
                arrow_typeof(ago('1d'))",
    )
    .await;
    assert_eq!(bool_of(&v[0]), Some(true));
    assert_eq!(bool_of(&v[1]), Some(true));
    assert_eq!(bool_of(&v[2]), Some(true));
    assert!(v[3].is_null());
    assert_eq!(
        v[4],
        ScalarValue::TimestampMicrosecond(Some(1_714_561_200_000_000), Some("UTC".into()))
    );
    assert_eq!(str_of(&v[5]).as_deref(), Some("Timestamp(µs, \"UTC\")"));
    // ago over a column of timespans (not constant-folded).
    let c = column(
        &ctx,
        "SELECT ago(s) < now() FROM (VALUES ('1h'), ('2d'), (NULL)) AS t(s)",
        0,
    )
    .await;
    assert_eq!(
        c.iter().map(bool_of).collect::<Vec<_>>(),
        [Some(true), Some(true), None]
    );

    let v = row(
        &ctx,
        "SELECT datetime_diff('minute', TIMESTAMP '2024-05-01 10:30:00', TIMESTAMP '2024-05-01 10:00:00'), \
                datetime_diff('hour', TIMESTAMP '2017-10-31 01:00:00', TIMESTAMP '2017-10-30 23:59:59'), \
                datetime_diff('year', TIMESTAMP '2017-01-01 00:00:00', TIMESTAMP '2000-12-31 00:00:00'), \
                datetime_diff('day', NULL, TIMESTAMP '2000-12-31 00:00:00'), \
                datetime_diff(u, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2023-01-01 00:00:00') \
         FROM (VALUES ('month')) AS t(u)",
    )
    .await;
    assert_eq!(i64_of(&v[0]), Some(30));
    assert_eq!(i64_of(&v[1]), Some(2));
    assert_eq!(i64_of(&v[2]), Some(17));
    assert_eq!(i64_of(&v[3]), None);
    assert_eq!(i64_of(&v[4]), Some(12));
    assert!(
        ctx.sql("SELECT datetime_diff('fortnight', now(), now())")
            .await
            .unwrap()
            .collect()
            .await
            .is_err(),
        "an unknown literal unit is reported"
    );

    let v = row(
        &ctx,
        "SELECT bin(TIMESTAMP '2024-05-01 10:47:12', '1h'), bin(TIMESTAMP '2024-05-01 10:47:12', '15m'), \
                bin(TIMESTAMP '2024-05-01 10:47:12', INTERVAL '1 day'), bin(17, 5), bin(-3, 5), bin(4.5, 1.0), \
                bin(TIMESTAMP '2024-05-01 10:47:12', '0s'), bin(arrow_cast(TIMESTAMP '2024-05-01 10:47:12', 'Timestamp(Nanosecond, Some(\"UTC\"))'), '1h')",
    )
    .await;
    assert_eq!(
        v[0],
        ScalarValue::TimestampMicrosecond(Some(1_714_557_600_000_000), None)
    );
    assert_eq!(
        v[1],
        ScalarValue::TimestampMicrosecond(Some(1_714_560_300_000_000), None)
    );
    assert_eq!(
        v[2],
        ScalarValue::TimestampMicrosecond(Some(1_714_521_600_000_000), None)
    );
    assert_eq!(i64_of(&v[3]), Some(15));
    assert_eq!(i64_of(&v[4]), Some(-5));
    assert_eq!(f64_of(&v[5]), Some(4.0));
    assert!(v[6].is_null());
    assert_eq!(
        v[7],
        ScalarValue::TimestampMicrosecond(Some(1_714_557_600_000_000), Some("UTC".into()))
    );
}

const ABAB: &str = "(VALUES \
    ('s1', TIMESTAMP '2024-05-01 10:03:00', '203.0.113.9', 'B', 48.86, 2.35), \
    ('s1', TIMESTAMP '2024-05-01 10:00:00', '198.51.100.7', 'A', 52.52, 13.40), \
    ('s1', TIMESTAMP '2024-05-01 10:02:00', '198.51.100.8', 'A', 52.52, 13.40), \
    ('s1', TIMESTAMP '2024-05-01 10:01:00', '203.0.113.10', 'B', 48.86, 2.35), \
    ('s2', TIMESTAMP '2024-05-01 09:00:00', '192.0.2.1', 'A', 52.52, 13.40), \
    ('s2', TIMESTAMP '2024-05-01 12:00:00', '198.51.100.1', 'B', 52.52, 13.40), \
    ('s2', TIMESTAMP '2024-05-01 15:00:00', '203.0.113.1', 'C', 52.52, 13.40), \
    ('s3', TIMESTAMP '2024-05-01 09:00:00', NULL, NULL, NULL, NULL), \
    ('s3', CAST(NULL AS TIMESTAMP), 'junk', 'A', 1.0, 1.0) \
) AS e(s, t, ip, net, lat, lon)";

#[tokio::test]
async fn session_aggregates_abab_vs_abc() {
    for partitions in [1, 4] {
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        let mut ctx = ctx;
        register_all(&mut ctx, Arc::new(ReferenceData::builtin())).unwrap();
        let sql = format!(
            "SELECT s, network_switches(t, net), network_returns(t, net), session_networks(ip), \
                    max_hop_kmh(t, lat, lon), distinct_networks(ip, 8, 32), network_switches(t, ip_network(ip)), \
                    max_hop_kmh(t, lat, lon, 0) \
             FROM {ABAB} GROUP BY s ORDER BY s"
        );
        let batches = run(&ctx, &sql).await;
        let text = pretty_format_batches(&batches).unwrap().to_string();
        let col = |c: usize| -> Vec<ScalarValue> {
            let b = &batches[0];
            (0..b.num_rows())
                .map(|r| ScalarValue::try_from_array(b.column(c), r).unwrap())
                .collect()
        };
        let ints = |c: usize| col(c).iter().map(i64_of).collect::<Vec<_>>();
        assert_eq!(ints(1), [Some(3), Some(2), Some(0)], "switches\n{text}");
        assert_eq!(ints(2), [Some(2), Some(0), Some(0)], "returns\n{text}");
        // s1: 198.51.100.0/24 and 203.0.113.0/24; s2: three /24s; s3: none valid.
        assert_eq!(ints(3), [Some(2), Some(3), Some(0)], "networks\n{text}");
        assert_eq!(ints(5), [Some(2), Some(3), Some(0)], "/8 networks\n{text}");
        assert_eq!(
            ints(6),
            [Some(3), Some(2), Some(0)],
            "switches by ip_network\n{text}"
        );
        let hop = col(4).iter().map(f64_of).collect::<Vec<_>>();
        // s1 alternates Berlin/Paris every minute: (878 - 50) km per minute.
        assert!((hop[0].unwrap() - 827.5 * 60.0).abs() < 400.0, "{text}");
        assert_eq!(hop[1], Some(0.0), "s2 never moves");
        assert_eq!(hop[2], None, "s3 has no located event");
        let raw = col(7).iter().map(f64_of).collect::<Vec<_>>();
        assert!(
            raw[0].unwrap() > hop[0].unwrap(),
            "zero tolerance is faster"
        );
    }
}

#[tokio::test]
async fn aggregates_without_group_by_and_with_filter() {
    let ctx = ctx();
    let v = row(
        &ctx,
        &format!(
            "SELECT network_switches(t, net), network_returns(t, net) FILTER (WHERE s = 's2'), \
                    session_networks(ip), dcount(net), make_set(net) FROM {ABAB}"
        ),
    )
    .await;
    assert!(i64_of(&v[0]).unwrap() >= 3);
    assert_eq!(i64_of(&v[1]), Some(0));
    assert_eq!(
        i64_of(&v[2]),
        Some(3),
        "198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24"
    );
    assert_eq!(i64_of(&v[3]), Some(3));
    assert_eq!(
        v[4].to_string(),
        "[A, B, C]",
        "sorted distinct, NULL skipped"
    );
    // Empty input.
    let v = row(
        &ctx,
        "SELECT network_switches(t, n), max_hop_kmh(t, 1.0, 2.0), dcount(n), make_set(n) \
         FROM (SELECT now() AS t, 'x' AS n) WHERE false",
    )
    .await;
    assert_eq!(i64_of(&v[0]), Some(0));
    assert_eq!(f64_of(&v[1]), None);
    assert_eq!(i64_of(&v[2]), Some(0));
}

#[tokio::test]
async fn make_set_and_dcount_by_group_and_type() {
    for partitions in [1, 3] {
        let mut ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        register_all(&mut ctx, Arc::new(ReferenceData::builtin())).unwrap();
        let sql = "SELECT g, make_set(s), dcount(s), make_set(i), dcount(i), make_set(f), make_set(t), dcount(t) \
                   FROM (VALUES ('a', 'x', 3, 1.5, TIMESTAMP '2024-01-02 00:00:00'), \
                                ('a', 'y', 1, -0.5, TIMESTAMP '2024-01-01 00:00:00'), \
                                ('a', 'x', 3, 1.5, TIMESTAMP '2024-01-02 00:00:00'), \
                                ('b', NULL, NULL, NULL, NULL), \
                                ('b', 'z', 2, 2.0, TIMESTAMP '2024-01-01 00:00:00')) AS v(g, s, i, f, t) \
                   GROUP BY g ORDER BY g";
        let batches = run(&ctx, sql).await;
        let text = pretty_format_batches(&batches).unwrap().to_string();
        let expected = [
            "+---+--------------+--------------+--------------+--------------+--------------+------------------------------------------+--------------+",
        ];
        let _ = expected;
        let b = &batches[0];
        let cell = |c: usize, r: usize| ScalarValue::try_from_array(b.column(c), r).unwrap();
        assert_eq!(cell(1, 0).to_string(), "[x, y]", "{text}");
        assert_eq!(i64_of(&cell(2, 0)), Some(2));
        assert_eq!(cell(3, 0).to_string(), "[1, 3]", "{text}");
        assert_eq!(i64_of(&cell(4, 0)), Some(2));
        assert_eq!(cell(5, 0).to_string(), "[-0.5, 1.5]", "{text}");
        assert_eq!(i64_of(&cell(7, 0)), Some(2));
        assert_eq!(cell(1, 1).to_string(), "[z]");
        assert_eq!(i64_of(&cell(2, 1)), Some(1));
        assert!(
            cell(6, 0).to_string().starts_with("[2024-01-01T00:00:00"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn many_groups_merge_across_partitions() {
    // Enough rows and groups that the partial aggregation spills states across partitions
    // and DataFusion may switch to convert_to_state.
    let mut ctx = SessionContext::new_with_config(
        SessionConfig::new()
            .with_target_partitions(4)
            .with_batch_size(512),
    );
    register_all(&mut ctx, Arc::new(ReferenceData::builtin())).unwrap();
    let sql = "WITH ev AS ( \
                 SELECT value % 1000 AS g, to_timestamp(value) AS t, \
                        CASE WHEN value % 2 = 0 THEN 'A' ELSE 'B' END AS net, \
                        concat('10.0.', CAST(value % 7 AS VARCHAR), '.1') AS ip \
                 FROM generate_series(1, 20000)) \
               SELECT count(*), sum(sw), sum(nets), sum(d), min(sw), max(sw) FROM ( \
                 SELECT g, network_switches(t, net) AS sw, session_networks(ip) AS nets, dcount(ip) AS d \
                 FROM ev GROUP BY g)";
    let v = row(&ctx, sql).await;
    assert_eq!(i64_of(&v[0]), Some(1000));
    // Each group has 20 events; values g, g+1000, ... alternate parity only if 1000 is odd:
    // 1000 is even, so every event of a group has the same parity -> 0 switches.
    assert_eq!(i64_of(&v[4]), Some(0));
    assert_eq!(i64_of(&v[5]), Some(0));
    // Each group sees 7 residues mod 7 at most; 20 values spaced 1000 apart hit all 7.
    assert_eq!(i64_of(&v[2]), Some(7000));
    assert_eq!(i64_of(&v[3]), Some(7000));
}

#[tokio::test]
async fn hop_window_values_and_bounded_plan() {
    let ctx = ctx();
    let sql = "SELECT u, t, hop(t, lat, lon, ip_network(ip)) OVER (PARTITION BY u ORDER BY t) AS h, \
                      hop_kmh(t, lat, lon) OVER (PARTITION BY u ORDER BY t) AS k \
               FROM (VALUES \
                 ('alice', TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, '203.0.113.5'), \
                 ('alice', TIMESTAMP '2024-05-01 11:00:00', 48.8566, 2.3522, '203.0.113.77'), \
                 ('alice', TIMESTAMP '2024-05-01 11:30:00', CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), '198.51.100.1'), \
                 ('alice', TIMESTAMP '2024-05-01 11:31:00', 48.8566, 2.3522, '198.51.100.1'), \
                 ('bob',   TIMESTAMP '2024-05-01 10:00:00', 40.7128, -74.006, '192.0.2.1')) AS s(u, t, lat, lon, ip) \
               ORDER BY u, t";
    let batches = run(&ctx, sql).await;
    let text = pretty_format_batches(&batches).unwrap().to_string();
    let b = &batches[0];
    let h = b
        .column(2)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::StructArray>()
        .unwrap();
    let field = |name: &str, r: usize| {
        ScalarValue::try_from_array(h.column_by_name(name).unwrap(), r).unwrap()
    };
    use datafusion::arrow::array::Array;
    assert!(h.is_null(0), "first row of a partition\n{text}");
    assert!(
        (f64_of(&field("distance_km", 1)).unwrap() - 877.5).abs() < 2.0,
        "{text}"
    );
    assert_eq!(f64_of(&field("seconds", 1)), Some(3600.0));
    assert!((f64_of(&field("kmh", 1)).unwrap() - 827.5).abs() < 2.0);
    assert_eq!(
        bool_of(&field("network_changed", 1)),
        Some(false),
        "same /24"
    );
    // Row without coordinates: only the network part.
    assert_eq!(f64_of(&field("kmh", 2)), None);
    assert_eq!(bool_of(&field("network_changed", 2)), Some(true));
    // Next located row compares with the last located one (row 1): same place.
    assert_eq!(f64_of(&field("distance_km", 3)), Some(0.0));
    assert_eq!(f64_of(&field("seconds", 3)), Some(1860.0));
    assert_eq!(bool_of(&field("network_changed", 3)), Some(false));
    assert!(h.is_null(4), "bob's first row");
    let k = ScalarValue::try_from_array(b.column(3), 1).unwrap();
    assert_eq!(f64_of(&k), f64_of(&field("kmh", 1)));

    // The plan streams: BoundedWindowAggExec, never WindowAggExec.
    let plan = run(&ctx, &format!("EXPLAIN {sql}")).await;
    let plan = pretty_format_batches(&plan).unwrap().to_string();
    assert!(plan.contains("BoundedWindowAggExec"), "{plan}");
    let unbounded = plan
        .lines()
        .filter(|l| l.contains("WindowAggExec") && !l.contains("BoundedWindowAggExec"))
        .count();
    assert_eq!(unbounded, 0, "{plan}");
}

#[tokio::test]
async fn hop_streams_over_many_batches() {
    // Many small batches per partition exercise the bounded path's state across batches;
    // the result must equal the whole-partition computation.
    let mut ctx = SessionContext::new_with_config(
        SessionConfig::new()
            .with_batch_size(7)
            .with_target_partitions(2),
    );
    register_all(&mut ctx, Arc::new(ReferenceData::builtin())).unwrap();
    let sql = "WITH ev AS (SELECT value % 3 AS u, to_timestamp(value * 60) AS t, \
                      CAST(value % 5 AS DOUBLE) AS lat, 0.0 AS lon FROM generate_series(1, 300)) \
               SELECT u, t, hop_km(t, lat, lon) OVER (PARTITION BY u ORDER BY t) AS km, \
                      geo_distance_km(lag(lat) OVER (PARTITION BY u ORDER BY t), 0.0, lat, 0.0) AS expect, \
                      hop(t, lat, lon) OVER (PARTITION BY u ORDER BY t)['distance_km'] AS struct_km \
               FROM ev ORDER BY u, t";
    let batches = run(&ctx, sql).await;
    let mut rows = 0;
    for b in &batches {
        for r in 0..b.num_rows() {
            let km = f64_of(&ScalarValue::try_from_array(b.column(2), r).unwrap());
            let ex = f64_of(&ScalarValue::try_from_array(b.column(3), r).unwrap());
            let sk = f64_of(&ScalarValue::try_from_array(b.column(4), r).unwrap());
            match (km, ex) {
                (Some(a), Some(e)) => assert!((a - e).abs() < 1e-9),
                (a, e) => assert_eq!(a, e),
            }
            assert_eq!(km, sk, "struct and scalar variants agree");
            rows += 1;
        }
    }
    assert_eq!(rows, 300);
}

#[tokio::test]
async fn ip_location_db_mmdb_layout() {
    let r = ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![mmdb("ip-location-db-city-layout-synthetic.mmdb")],
        ..Default::default()
    })
    .unwrap();
    let ctx = ctx_with(r);
    let v = row(
        &ctx,
        "SELECT ip_country('192.0.2.9'), ip_geo('192.0.2.9')['city'], ip_geo('192.0.2.9')['lat'], \
                ip_geo('198.51.100.1')['city'], ip_country('203.0.113.1')",
    )
    .await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("DE"));
    assert_eq!(str_of(&v[1]).as_deref(), Some("Berlin"));
    assert!(
        (f64_of(&v[2]).unwrap() - 52.52).abs() < 1e-4,
        "32-bit float widened"
    );
    assert_eq!(str_of(&v[3]), None, "empty city is NULL");
    assert_eq!(str_of(&v[4]), None);
}

#[tokio::test]
async fn null_in_null_out() {
    let ctx = ctx_with(full_reference());
    let calls = [
        "geo_distance_km(NULL, NULL, NULL, NULL)",
        "geo_velocity_kmh(NULL, NULL, NULL, NULL, NULL, NULL)",
        "geo_velocity_kmh(NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        "ip_in_cidr(NULL, NULL)",
        "ip_prefix(NULL, NULL, NULL)",
        "ip_network(NULL)",
        "is_private_ip(NULL)",
        "ip_asn(NULL)",
        "ip_as_org(NULL)",
        "ip_country(NULL)",
        "ip_geo(NULL)",
        "ip_is_anonymous(NULL)",
        "ip_category(NULL)",
        "asn_category(NULL)",
        "is_hosting_asn(NULL)",
        "ua_family(NULL)",
        "ua_os(NULL)",
        "ua_is_scripted(NULL)",
        "ua_fingerprint(NULL)",
        "ua_similarity(NULL, NULL)",
        "ago(NULL)",
        "datetime_diff(NULL, NULL, NULL)",
        "bin(NULL, '1h')",
        "bin(CAST(NULL AS TIMESTAMP), '1h')",
        "bin(NULL, NULL)",
    ];
    for call in calls {
        // Both as literals (constant-folded) and over a column.
        let v = row(&ctx, &format!("SELECT {call}")).await;
        assert!(v[0].is_null(), "{call} -> {:?}", v[0]);
        let col = call.replace("NULL", "x");
        let c = column(
            &ctx,
            &format!("SELECT {col} FROM (VALUES (NULL), (NULL)) AS t(x)"),
            0,
        )
        .await;
        assert!(c.iter().all(ScalarValue::is_null), "{col} -> {c:?}");
    }
    // Garbage strings are NULL, never errors.
    let v = row(
        &ctx,
        "SELECT ip_asn('999.1.1.1'), ip_country('::zz'), ip_geo('null'), ip_category(''), \
                ip_network('0.0.0.0/8'), ip_in_cidr('1.2.3.4', '1.2.3.4/99'), bin(TIMESTAMP '2024-01-01 00:00:00', 'soon')",
    )
    .await;
    assert!(v.iter().all(ScalarValue::is_null), "{v:?}");
}

#[tokio::test]
async fn user_category_files_extend_and_override() {
    let dir = std::env::temp_dir().join(format!("tokenhunt-udfs-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let asn = dir.join("my-asns.csv");
    std::fs::write(
        &asn,
        "asn,category,org,source\n13335,privacy_relay,Cloudflare,our policy\n",
    )
    .unwrap();
    let egress = dir.join("my-egress.csv");
    std::fs::write(
        &egress,
        "cidr,category,org,source\n198.51.100.0/24,corporate_vpn,Us,our network\n",
    )
    .unwrap();
    let r = ReferenceData::load(&ReferenceConfig {
        asn_category_files: vec![asn, egress],
        extra_asn_categories: vec![(16509, "cloud".into())],
        ..Default::default()
    })
    .unwrap();
    let ctx = ctx_with(r);
    let v = row(
        &ctx,
        "SELECT asn_category(13335), asn_category(16509), is_hosting_asn(16509), ip_category('198.51.100.20')",
    )
    .await;
    assert_eq!(str_of(&v[0]).as_deref(), Some("privacy_relay"));
    assert_eq!(
        str_of(&v[1]).as_deref(),
        Some("cloud"),
        "config pairs are applied last"
    );
    assert_eq!(
        bool_of(&v[2]),
        Some(false),
        "'cloud' is not a hosting category"
    );
    assert_eq!(str_of(&v[3]).as_deref(), Some("corporate_vpn"));
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "asn,category,org,source\nnot-a-number,hosting,X,Y\n").unwrap();
    let e = ReferenceData::load(&ReferenceConfig {
        asn_category_files: vec![bad],
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("bad.csv:2"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn hop_with_integer_networks_and_tolerance() {
    let ctx = ctx();
    let sql = "SELECT hop_network_changed(t, lat, lon, asn) OVER (ORDER BY t), \
                      hop_kmh(t, lat, lon, asn, 0) OVER (ORDER BY t), \
                      hop_kmh(t, lat, lon) OVER (ORDER BY t), \
                      hop_seconds(t, lat, lon) OVER (ORDER BY t) \
               FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.405, 3320), \
                            (TIMESTAMP '2024-05-01 10:01:00', 52.39, 13.06, 3320), \
                            (TIMESTAMP '2024-05-01 10:02:00', 52.39, 13.06, 16509)) AS s(t, lat, lon, asn) ORDER BY t";
    let changed: Vec<Option<bool>> = column(&ctx, sql, 0).await.iter().map(bool_of).collect();
    assert_eq!(changed, [None, Some(false), Some(true)]);
    let raw: Vec<Option<f64>> = column(&ctx, sql, 1).await.iter().map(f64_of).collect();
    let tolerant: Vec<Option<f64>> = column(&ctx, sql, 2).await.iter().map(f64_of).collect();
    // Berlin -> Potsdam (~27 km) in a minute: ~1600 km/h raw, 0 within the 50 km tolerance.
    assert!(raw[1].unwrap() > 1000.0, "{raw:?}");
    assert_eq!(tolerant[1], Some(0.0));
    assert_eq!(raw[2], Some(0.0), "did not move");
    let secs: Vec<Option<f64>> = column(&ctx, sql, 3).await.iter().map(f64_of).collect();
    assert_eq!(secs, [None, Some(60.0), Some(60.0)]);
}

#[tokio::test]
async fn aggregates_as_running_window_functions() {
    let ctx = ctx();
    let sql = "SELECT network_switches(t, net) OVER (ORDER BY t), dcount(net) OVER (ORDER BY t), \
                      make_set(net) OVER (ORDER BY t), max_hop_kmh(t, lat, lon) OVER (ORDER BY t) \
               FROM (VALUES (TIMESTAMP '2024-05-01 10:00:00', 'A', 52.52, 13.405), \
                            (TIMESTAMP '2024-05-01 11:00:00', 'B', 48.8566, 2.3522), \
                            (TIMESTAMP '2024-05-01 12:00:00', 'A', 48.8566, 2.3522)) AS s(t, net, lat, lon) ORDER BY t";
    let sw: Vec<Option<i64>> = column(&ctx, sql, 0).await.iter().map(i64_of).collect();
    assert_eq!(sw, [Some(0), Some(1), Some(2)]);
    let dc: Vec<Option<i64>> = column(&ctx, sql, 1).await.iter().map(i64_of).collect();
    assert_eq!(dc, [Some(1), Some(2), Some(2)]);
    let sets: Vec<String> = column(&ctx, sql, 2)
        .await
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(sets, ["[A]", "[A, B]", "[A, B]"]);
    let hop: Vec<Option<f64>> = column(&ctx, sql, 3).await.iter().map(f64_of).collect();
    assert_eq!(hop[0], None);
    assert!((hop[1].unwrap() - 827.5).abs() < 2.0);
    assert_eq!(hop[1], hop[2], "running maximum");
}
