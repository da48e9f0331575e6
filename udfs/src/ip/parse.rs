//! Parsing IP address strings from sign-in logs, without allocating.
//!
//! Logs carry IPs as text, sometimes with surrounding blanks, IPv6 in brackets, zone ids
//! (`fe80::1%eth0`) or IPv4-mapped IPv6 (`::ffff:203.0.113.7`). Everything that is not an
//! address (`""`, `"null"`, `"unknown"`, a host name) parses to `None`, which the SQL
//! functions turn into NULL.

use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses an IP address string; IPv4-mapped IPv6 addresses become IPv4 so that
/// `::ffff:1.2.3.4` and `1.2.3.4` are the same address everywhere.
#[inline]
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim_ascii();
    // Fast path: the overwhelming majority of log values are plain addresses.
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let s = s.split_once('%').map_or(s, |(addr, _zone)| addr);
    s.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// An address as one 128-bit number, IPv4 mapped into `::ffff:0:0/96`, so IPv4 and IPv6
/// share one key space (used for hash keys and range comparisons).
#[inline]
pub fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Inverse of [`ip_key`].
#[inline]
pub fn key_to_ip(key: u128) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(key)).to_canonical()
}

/// The IPv4 address as u32, if it is one.
#[inline]
pub fn v4_u32(ip: IpAddr) -> Option<u32> {
    match ip {
        IpAddr::V4(v4) => Some(u32::from(v4)),
        IpAddr::V6(_) => None,
    }
}

/// The IPv4 address of a u32.
#[inline]
pub fn u32_to_v4(v: u32) -> Ipv4Addr {
    Ipv4Addr::from(v)
}

/// A fast, non-cryptographic hasher for integer keys (IP keys, data offsets, string hashes)
/// in per-batch de-duplication maps. SipHash would cost more than the lookups it saves.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // Final avalanche (from splitmix64) so the low bits used by the table are well mixed.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn write_u128(&mut self, v: u128) {
        self.write_u64(v as u64);
        self.write_u64((v >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
}

/// `HashMap` with [`IntHasher`].
pub type IntMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<IntHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(
            parse_ip("203.0.113.7"),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            parse_ip("  203.0.113.7 "),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            parse_ip("2001:db8::1"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            parse_ip("[2001:db8::1]"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(parse_ip("fe80::1%eth0"), Some("fe80::1".parse().unwrap()));
        assert_eq!(
            parse_ip("::ffff:203.0.113.7"),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(parse_ip("0.0.0.0"), Some("0.0.0.0".parse().unwrap()));
    }

    #[test]
    fn rejects_non_addresses() {
        for s in [
            "",
            "null",
            "NULL",
            "unknown",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "host.example",
            "1.2.3.4/24",
            "::g",
            "[]",
            "%",
        ] {
            assert_eq!(parse_ip(s), None, "{s:?}");
        }
    }

    #[test]
    fn keys_round_trip() {
        for s in ["1.2.3.4", "2001:db8::1", "::", "255.255.255.255"] {
            let ip = parse_ip(s).unwrap();
            assert_eq!(key_to_ip(ip_key(ip)), ip);
        }
        assert_ne!(
            ip_key(parse_ip("1.2.3.4").unwrap()),
            ip_key(parse_ip("::1.2.3.4").unwrap())
        );
    }
}
