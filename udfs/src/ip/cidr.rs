//! CIDR blocks, network prefixes and private address ranges.
//!
//! SQL: `ip_in_cidr(ip, cidr)`, `ip_prefix(ip, v4_bits, v6_bits)`, `ip_network(ip)`,
//! `is_private_ip(ip)`.
//!
//! All arithmetic happens on the 128-bit key of [`super::parse::ip_key`] (IPv4 mapped into
//! `::ffff:0:0/96`), so one code path serves both families and an IPv4 CIDR never matches
//! a native IPv6 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use datafusion::arrow::array::{BooleanArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::parse::{ip_key, parse_ip};
use crate::args::{I64Arg, StrArg, check_arity, coerce_i64, coerce_string, scalar_str};

/// A CIDR block in the shared 128-bit key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// Network address (host bits cleared) as an [`ip_key`].
    pub network: u128,
    /// Prefix length in the 128-bit space (IPv4 /n is stored as 96 + n).
    pub bits: u8,
}

#[inline]
fn mask(bits: u8) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(bits))
    }
}

impl Cidr {
    /// Builds the block of `bits` leading bits around `ip` (bits in the address's own
    /// family: 0..=32 for IPv4, 0..=128 for IPv6; larger values are clamped).
    pub fn around(ip: IpAddr, bits: u8) -> Cidr {
        let wide = match ip {
            IpAddr::V4(_) => 96 + bits.min(32),
            IpAddr::V6(_) => bits.min(128),
        };
        Cidr {
            network: ip_key(ip) & mask(wide),
            bits: wide,
        }
    }

    /// Parses `a.b.c.d/n`, `x:y::/n` or a bare address (a /32 or /128). Host bits are
    /// ignored (`10.1.2.3/8` means `10.0.0.0/8`), as most firewall and allow-list tooling does.
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim_ascii();
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b.trim_ascii().parse::<u8>().ok()?)),
            None => (s, None),
        };
        let ip = parse_ip(addr)?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        // `::ffff:10.0.0.0/104` canonicalises to IPv4 but its length is in IPv6 terms.
        let bits = if ip.is_ipv4() && addr.contains(':') {
            bits.checked_sub(96)?
        } else {
            bits
        };
        if bits > max {
            return None;
        }
        Some(Cidr::around(ip, bits))
    }

    /// Whether `ip` lies in the block (see [`Cidr::contains_key`] for the family rule).
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.contains_key(ip_key(ip))
    }

    /// Whether an [`ip_key`] lies in the block. An IPv6 block shorter than /96 (such as
    /// `::/0`) means "IPv6 addresses" and does not match IPv4 addresses, even though their
    /// keys live in `::ffff:0:0/96`.
    #[inline]
    pub fn contains_key(&self, key: u128) -> bool {
        if self.bits < 96 && key >> 32 == 0xffff {
            return false;
        }
        key & mask(self.bits) == self.network
    }
}

/// Writes `ip`'s network prefix in CIDR notation (`203.0.113.0/24`, `2001:db8:1:2::/64`).
pub fn write_prefix(out: &mut impl std::fmt::Write, ip: IpAddr, v4_bits: u8, v6_bits: u8) {
    let c = Cidr::around(
        ip,
        match ip {
            IpAddr::V4(_) => v4_bits,
            IpAddr::V6(_) => v6_bits,
        },
    );
    // Writing to a String or StringBuilder cannot fail.
    let _ = match ip {
        IpAddr::V4(_) => write!(
            out,
            "{}/{}",
            Ipv4Addr::from((c.network & 0xffff_ffff) as u32),
            c.bits - 96
        ),
        IpAddr::V6(_) => write!(out, "{}/{}", Ipv6Addr::from(c.network), c.bits),
    };
}

/// Address ranges that `is_private_ip` reports as private: not a public address a user
/// could sign in from. IPv4: 0.0.0.0/8 ("this network", includes the unspecified
/// 0.0.0.0), 10.0.0.0/8, 100.64.0.0/10 (carrier-grade NAT), 127.0.0.0/8 (loopback),
/// 169.254.0.0/16 (link-local), 172.16.0.0/12, 192.0.0.0/24 (IETF protocol assignments),
/// 192.168.0.0/16, 198.18.0.0/15 (benchmarking), 224.0.0.0/4 (multicast), 240.0.0.0/4
/// (reserved, includes 255.255.255.255). IPv6: ::/128 (unspecified), ::1/128, fc00::/7
/// (unique local), fe80::/10 (link-local), fec0::/10 (deprecated site-local), ff00::/8
/// (multicast). Deliberately NOT private: the documentation ranges 192.0.2.0/24,
/// 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32, because test data and examples use
/// them as stand-ins for public addresses.
pub const PRIVATE_RANGES: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
];

/// See [`PRIVATE_RANGES`].
#[inline]
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            a == 0
                || a == 10
                || (a == 100 && (64..128).contains(&b))
                || a == 127
                || (a == 169 && b == 254)
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 192 && b == 168)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 224
        }
        IpAddr::V6(v6) => {
            let s0 = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_loopback()
                || (s0 & 0xfe00) == 0xfc00
                || (s0 & 0xffc0) == 0xfe80
                || (s0 & 0xffc0) == 0xfec0
                || (s0 & 0xff00) == 0xff00
        }
    }
}

macro_rules! simple_udf_boilerplate {
    ($name:literal) => {
        fn name(&self) -> &str {
            $name
        }
        fn signature(&self) -> &Signature {
            &self.signature
        }
    };
}

/// `ip_in_cidr(ip, cidr)` → Boolean; NULL when either side is NULL or unparsable.
///
/// ```sql
/// SELECT ip_in_cidr('10.1.2.3', '10.0.0.0/8')  -- true
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IpInCidr {
    signature: Signature,
}

impl IpInCidr {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for IpInCidr {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for IpInCidr {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    simple_udf_boilerplate!("ip_in_cidr");
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 2, 2)?;
        Ok(vec![
            coerce_string(self.name(), 0, &t[0])?,
            coerce_string(self.name(), 1, &t[1])?,
        ])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let ips = StrArg::new(&args.args[0])?;
        let out: BooleanArray = match scalar_str(&args.args[1]) {
            // The usual case: one literal block, parsed once.
            Some(lit) => match lit.and_then(Cidr::parse) {
                Some(c) => (0..n)
                    .map(|i| ips.get(i).and_then(parse_ip).map(|ip| c.contains(ip)))
                    .collect(),
                None => BooleanArray::new_null(n),
            },
            None => {
                let cidrs = StrArg::new(&args.args[1])?;
                (0..n)
                    .map(|i| {
                        let ip = parse_ip(ips.get(i)?)?;
                        Some(Cidr::parse(cidrs.get(i)?)?.contains(ip))
                    })
                    .collect()
            }
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `ip_prefix(ip, v4_bits, v6_bits)` → Utf8 network prefix in CIDR notation; and
/// `ip_network(ip)` = `ip_prefix(ip, 24, 64)`.
///
/// ```sql
/// SELECT ip_prefix('2001:db8:1:2:3:4:5:6', 24, 48)  -- '2001:db8:1::/48'
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    signature: Signature,
    /// `Some((v4, v6))` for the fixed-width `ip_network` variant.
    fixed: Option<(u8, u8)>,
}

impl IpPrefix {
    /// `ip_prefix(ip, v4_bits, v6_bits)`.
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            fixed: None,
        }
    }
    /// `ip_network(ip)`: IPv4 /24, IPv6 /64 — the unit of "one network" in session stitching.
    pub fn network() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            fixed: Some((24, 64)),
        }
    }
}

impl Default for IpPrefix {
    fn default() -> Self {
        Self::new()
    }
}

/// Clamps an SQL integer prefix length into `0..=max`; negative or NULL lengths give None.
#[inline]
pub(crate) fn prefix_bits(v: Option<i64>, max: u8) -> Option<u8> {
    let v = v?;
    if v < 0 {
        None
    } else {
        Some(v.min(i64::from(max)) as u8)
    }
}

impl ScalarUDFImpl for IpPrefix {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        if self.fixed.is_some() {
            "ip_network"
        } else {
            "ip_prefix"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if self.fixed.is_some() {
            check_arity(self.name(), t.len(), 1, 1)?;
            return Ok(vec![coerce_string(self.name(), 0, &t[0])?]);
        }
        check_arity(self.name(), t.len(), 3, 3)?;
        Ok(vec![
            coerce_string(self.name(), 0, &t[0])?,
            coerce_i64(self.name(), 1, &t[1])?,
            coerce_i64(self.name(), 2, &t[2])?,
        ])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let ips = StrArg::new(&args.args[0])?;
        let (v4, v6) = match self.fixed {
            Some((a, b)) => (
                I64Arg::Scalar(Some(i64::from(a))),
                I64Arg::Scalar(Some(i64::from(b))),
            ),
            None => (I64Arg::new(&args.args[1])?, I64Arg::new(&args.args[2])?),
        };
        let mut b = StringBuilder::with_capacity(n, n * 16);
        // Rows of one user come together in the lake, so an address often repeats the
        // row before: its prefix is copied instead of parsed and formatted again.
        let constant_bits = matches!((&v4, &v6), (I64Arg::Scalar(_), I64Arg::Scalar(_)));
        let mut previous: Option<&str> = None;
        let mut previous_prefix: Option<String> = None;
        for i in 0..n {
            let text = ips.get(i);
            if constant_bits && text.is_some() && text == previous {
                match &previous_prefix {
                    Some(prefix) => b.append_value(prefix),
                    None => b.append_null(),
                }
                continue;
            }
            previous = text;
            let prefix = text.and_then(parse_ip).and_then(|ip| {
                let (a, c) = (prefix_bits(v4.get(i), 32)?, prefix_bits(v6.get(i), 128)?);
                let mut out = previous_prefix.take().unwrap_or_default();
                out.clear();
                write_prefix(&mut out, ip, a, c);
                Some(out)
            });
            match &prefix {
                Some(value) => b.append_value(value),
                None => b.append_null(),
            }
            previous_prefix = prefix;
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

/// `is_private_ip(ip)` → Boolean (see [`PRIVATE_RANGES`] for the exact list).
///
/// ```sql
/// SELECT is_private_ip('100.64.1.1')  -- true (carrier-grade NAT)
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IsPrivateIp {
    signature: Signature,
}

impl IsPrivateIp {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for IsPrivateIp {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for IsPrivateIp {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    simple_udf_boilerplate!("is_private_ip");
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_string(self.name(), 0, &t[0])?])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let ips = StrArg::new(&args.args[0])?;
        let out: BooleanArray = (0..args.number_rows)
            .map(|i| ips.get(i).and_then(parse_ip).map(is_private))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        parse_ip(s).unwrap()
    }

    fn prefix(s: &str, a: u8, b: u8) -> String {
        let mut out = String::new();
        write_prefix(&mut out, ip(s), a, b);
        out
    }

    #[test]
    fn cidr_membership_edges() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains(ip("10.0.0.0")));
        assert!(c.contains(ip("10.255.255.255")));
        assert!(!c.contains(ip("11.0.0.0")));
        assert!(!c.contains(ip("9.255.255.255")));
        // Host bits in the CIDR are ignored.
        assert_eq!(Cidr::parse("10.1.2.3/8"), Cidr::parse("10.0.0.0/8"));
        // /0 matches every address of its family only.
        let all4 = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all4.contains(ip("203.0.113.9")));
        assert!(!all4.contains(ip("2001:db8::1")));
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(all6.contains(ip("2001:db8::1")));
        // /32 and bare addresses are single hosts.
        assert!(Cidr::parse("192.0.2.1").unwrap().contains(ip("192.0.2.1")));
        assert!(
            !Cidr::parse("192.0.2.1/32")
                .unwrap()
                .contains(ip("192.0.2.2"))
        );
        // IPv6.
        let c6 = Cidr::parse("2001:db8:abcd::/48").unwrap();
        assert!(c6.contains(ip("2001:db8:abcd:ffff::1")));
        assert!(!c6.contains(ip("2001:db8:abce::1")));
        assert!(Cidr::parse("::1/128").unwrap().contains(ip("::1")));
        // Mapped addresses compare as IPv4.
        assert!(c.contains(ip("::ffff:10.9.8.7")));
        assert!(
            Cidr::parse("::ffff:10.0.0.0/104")
                .unwrap()
                .contains(ip("10.2.3.4"))
        );
        // Invalid blocks.
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/-1",
            "10.0.0.0/",
            "x/8",
            "",
            "null",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(prefix("203.0.113.77", 24, 64), "203.0.113.0/24");
        assert_eq!(prefix("203.0.113.77", 16, 64), "203.0.0.0/16");
        assert_eq!(prefix("203.0.113.77", 32, 64), "203.0.113.77/32");
        assert_eq!(prefix("203.0.113.77", 0, 64), "0.0.0.0/0");
        assert_eq!(prefix("2001:db8:1:2:3:4:5:6", 24, 64), "2001:db8:1:2::/64");
        assert_eq!(prefix("2001:db8:1:2:3:4:5:6", 24, 48), "2001:db8:1::/48");
        assert_eq!(prefix("::ffff:198.51.100.9", 24, 64), "198.51.100.0/24");
        // Lengths beyond the family maximum clamp.
        assert_eq!(prefix("203.0.113.77", 40, 64), "203.0.113.77/32");
        assert_eq!(prefix_bits(Some(200), 128), Some(128));
        assert_eq!(prefix_bits(Some(-1), 32), None);
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "198.18.0.1",
            "192.0.0.8",
        ] {
            assert!(is_private(ip(p)), "{p} should be private");
        }
        for p in [
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "192.169.0.1",
            "203.0.113.5",
            "198.51.100.5",
            "192.0.2.5",
            "2001:db8::1",
            "2606:4700::1111",
            "11.0.0.1",
            "223.255.255.255",
        ] {
            assert!(!is_private(ip(p)), "{p} should be public");
        }
        // The documented list and the fast check agree.
        let cidrs: Vec<Cidr> = PRIVATE_RANGES
            .iter()
            .map(|s| Cidr::parse(s).unwrap())
            .collect();
        for p in [
            "0.1.2.3",
            "10.9.9.9",
            "100.100.1.1",
            "172.20.1.1",
            "198.19.1.1",
            "240.0.0.1",
            "fec0::5",
            "fdff::1",
            "8.8.4.4",
            "2a00:1450::1",
        ] {
            let a = ip(p);
            assert_eq!(is_private(a), cidrs.iter().any(|c| c.contains(a)), "{p}");
        }
    }
}
