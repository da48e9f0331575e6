//! Hand-written JSON into a reused byte buffer (no `serde_json::Value` per event), and the timestamp
//! spellings the real sources use.
//!
//! Events are written as objects with [`Obj`], which tracks the commas. Keys are trusted ASCII literals;
//! values are escaped.

use crate::time::Ticks;

/// Appends `s` as a JSON string (quoted, escaped).
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    push_escaped(out, s.as_bytes());
    out.push(b'"');
}

/// Appends the bytes of a UTF-8 string escaped for use inside JSON quotes.
pub fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1F => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xF) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends a signed integer.
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut tmp = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Appends a float the way .NET and Okta print coordinates (shortest round-trip form).
pub fn push_f64(out: &mut Vec<u8>, v: f64) {
    use std::io::Write;
    if v.is_finite() {
        let _ = write!(out, "{v}");
    } else {
        out.extend_from_slice(b"0");
    }
}

/// Writes one JSON object's members, inserting commas.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object (`{`). Call [`Obj::end`] to close it.
    pub fn begin(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// `"k":"v"`.
    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        push_str(self.out, v);
        self
    }

    /// `"k":"v"` or `"k":null`.
    pub fn opt_s(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.s(k, v),
            None => self.null(k),
        }
    }

    /// `"k":<integer>`.
    pub fn n(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        push_int(self.out, v);
        self
    }

    /// `"k":<float>`.
    pub fn f(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k);
        push_f64(self.out, v);
        self
    }

    /// `"k":true|false`.
    pub fn b(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    /// `"k":null`.
    pub fn null(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.out.extend_from_slice(b"null");
        self
    }

    /// `"k":<raw JSON>` (the caller guarantees `raw` is valid JSON).
    pub fn raw(&mut self, k: &str, raw: &[u8]) -> &mut Self {
        self.key(k);
        self.out.extend_from_slice(raw);
        self
    }

    /// `"k":"<raw JSON, escaped into a string>"`: how Log Analytics exports some dynamic columns.
    pub fn json_string(&mut self, k: &str, raw: &[u8]) -> &mut Self {
        self.key(k);
        self.out.push(b'"');
        push_escaped(self.out, raw);
        self.out.push(b'"');
        self
    }

    /// `"k":` followed by whatever `f` writes (an object, array...).
    pub fn with(&mut self, k: &str, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.key(k);
        f(self.out);
        self
    }

    /// `"k":{...}` with the members `f` writes.
    pub fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.key(k);
        let mut inner = Obj::begin(self.out);
        f(&mut inner);
        inner.end();
        self
    }

    /// `"k":"<timestamp>"` with a given spelling.
    pub fn t(&mut self, k: &str, t: Ticks, style: TimeStyle) -> &mut Self {
        self.key(k);
        self.out.push(b'"');
        push_time(self.out, t, style);
        self.out.push(b'"');
        self
    }

    /// `"k":"<GUID>"`.
    pub fn guid(&mut self, k: &str, g: u128) -> &mut Self {
        self.key(k);
        self.out.push(b'"');
        crate::ids::push_guid(self.out, g);
        self.out.push(b'"');
        self
    }

    /// `"k":"<IP address>"`.
    pub fn ip(&mut self, k: &str, ip: std::net::IpAddr) -> &mut Self {
        use std::io::Write;
        self.key(k);
        self.out.push(b'"');
        let _ = write!(self.out, "{ip}");
        self.out.push(b'"');
        self
    }

    /// Closes the object (`}`).
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// Timestamp spellings of the real sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2026-09-01T08:15:02.1234567Z`: Entra `time`, `TimeGenerated`, `ActivityDateTime`.
    Entra7Z,
    /// `2026-09-01T08:15:02.1234567+00:00`: Entra `createdDateTime`, `authenticationStepDateTime`.
    Entra7Offset,
    /// `2026-09-01T08:15:02.123Z`: Okta `published`.
    Millis,
    /// `2026-09-01T08:15:02Z`: labels and findings.
    Seconds,
}

/// Appends `t` in the given spelling (UTC).
pub fn push_time(out: &mut Vec<u8>, t: Ticks, style: TimeStyle) {
    let secs = t.0.div_euclid(10_000_000);
    let frac = t.0.rem_euclid(10_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let mut b = [0u8; 19];
    put_num(&mut b[0..4], y as u32);
    b[4] = b'-';
    put_num(&mut b[5..7], m);
    b[7] = b'-';
    put_num(&mut b[8..10], d);
    b[10] = b'T';
    put_num(&mut b[11..13], sod / 3600);
    b[13] = b':';
    put_num(&mut b[14..16], sod / 60 % 60);
    b[16] = b':';
    put_num(&mut b[17..19], sod % 60);
    out.extend_from_slice(&b);
    match style {
        TimeStyle::Entra7Z | TimeStyle::Entra7Offset => {
            let mut f = [0u8; 8];
            f[0] = b'.';
            put_num(&mut f[1..8], frac);
            out.extend_from_slice(&f);
            out.extend_from_slice(if style == TimeStyle::Entra7Z {
                b"Z"
            } else {
                b"+00:00"
            });
        }
        TimeStyle::Millis => {
            let mut f = [0u8; 4];
            f[0] = b'.';
            put_num(&mut f[1..4], frac / 10_000);
            out.extend_from_slice(&f);
            out.push(b'Z');
        }
        TimeStyle::Seconds => out.push(b'Z'),
    }
}

/// A timestamp as an owned string (labels, tests).
pub fn time_string(t: Ticks, style: TimeStyle) -> String {
    let mut v = Vec::with_capacity(32);
    push_time(&mut v, t, style);
    String::from_utf8(v).unwrap_or_default()
}

fn put_num(dst: &mut [u8], mut v: u32) {
    for slot in dst.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's civil_from_days.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_objects() {
        let mut v = Vec::new();
        let mut o = Obj::begin(&mut v);
        o.s("a", "x\"y\\z\n\u{1}é")
            .n("b", -42)
            .b("c", true)
            .null("d");
        o.obj("e", |o| {
            o.f("lat", 47.6062);
        });
        o.json_string("f", br#"{"k":"v"}"#);
        o.end();
        let parsed: serde_json::Value = serde_json::from_slice(&v).expect("valid JSON");
        assert_eq!(parsed["a"], "x\"y\\z\n\u{1}é");
        assert_eq!(parsed["b"], -42);
        assert_eq!(parsed["e"]["lat"], 47.6062);
        assert_eq!(parsed["f"], r#"{"k":"v"}"#);
    }

    #[test]
    fn timestamp_spellings() {
        // 2026-09-01T08:15:02.1234567Z
        let t = Ticks(((20_697 * 86_400 + 8 * 3600 + 15 * 60 + 2) as i64) * 10_000_000 + 1_234_567);
        assert_eq!(
            time_string(t, TimeStyle::Entra7Z),
            "2026-09-01T08:15:02.1234567Z"
        );
        assert_eq!(
            time_string(t, TimeStyle::Entra7Offset),
            "2026-09-01T08:15:02.1234567+00:00"
        );
        assert_eq!(
            time_string(t, TimeStyle::Millis),
            "2026-09-01T08:15:02.123Z"
        );
        assert_eq!(time_string(t, TimeStyle::Seconds), "2026-09-01T08:15:02Z");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
