//! Parsers see raw log values: none of them may panic on any input.

/// Deterministic pseudo-random strings biased towards the characters the parsers care
/// about, plus a few hand-picked nasty values.
fn inputs() -> Vec<String> {
    let alphabet: Vec<char> = "0123456789abcdefABCDEF:./%[]- \t,;()hmsdwyµ\u{0}é日"
        .chars()
        .collect();
    let mut state: u64 = 0x5eed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out: Vec<String> = (0..20_000)
        .map(|_| {
            let len = (next() % 48) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect();
    out.extend(
        [
            "::ffff:",
            "1.2.3.4/",
            "/",
            "1::/200",
            "::/0",
            "255.255.255.255/32",
            "0:0:0:0:0:0:0:0/128",
            "[::1",
            "%",
            "9999999999999999999999999999999999999999d",
            "-9223372036854775808us",
            "Mozilla/5.0 Chrome/",
            "Chrome/99999999999999999999",
            "MSAL ",
            "rv:",
        ]
        .map(String::from),
    );
    out
}

#[test]
fn parsers_never_panic() {
    for s in inputs() {
        let _ = crate::ip::parse::parse_ip(&s);
        let _ = crate::ip::cidr::Cidr::parse(&s);
        let _ = crate::kql::parse_timespan(&s);
        let _ = crate::kql::DiffUnit::parse(&s);
        let info = crate::useragent::parse_ua(&s);
        let _ = crate::useragent::fingerprint(&info);
        let _ = crate::useragent::similarity(&s, "curl/8.0");
        let _ = crate::ip::ranges::RangeFile::from_reader(
            std::path::Path::new("fuzz"),
            std::io::Cursor::new(s.clone().into_bytes()),
        );
    }
}

#[test]
fn extreme_numbers_never_panic() {
    use crate::geo::{haversine_km, velocity_kmh};
    use crate::kql::{DiffUnit, datetime_diff};
    for v in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        -f64::MAX,
        0.0,
        1e-300,
    ] {
        let _ = haversine_km(v, v, -v, v);
        let _ = velocity_kmh(v, v, v);
    }
    for u in [
        "year",
        "quarter",
        "month",
        "week",
        "day",
        "hour",
        "nanosecond",
    ] {
        let u = DiffUnit::parse(u).unwrap();
        let _ = datetime_diff(u, i64::MAX, i64::MIN);
        let _ = datetime_diff(u, i64::MIN, i64::MAX);
    }
}
