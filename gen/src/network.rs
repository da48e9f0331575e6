//! The real network blocks events come from (`data/reference/gen_networks.csv`, compiled in), and picking
//! addresses inside them. Each block carries the ASN, organisation and location that public databases give
//! it, so every record's IP, ASN, ISP, country, city and coordinates agree with each other.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::prng::Rng;

/// The table, as shipped in the repository.
pub const NETWORKS_CSV: &str = include_str!("../../data/reference/gen_networks.csv");

/// What kind of network a block is (our classification of its ASN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetKind {
    /// Home broadband.
    Residential,
    /// Mobile carrier (CGNAT).
    Mobile,
    /// Office egress on a business line, or the tenant's cloud proxy.
    Corporate,
    /// Cloud / VPS hosting.
    Hosting,
    /// Commercial VPN exit.
    Vpn,
    /// Microsoft's own front ends (AS8075).
    Microsoft,
    /// Apple iCloud Private Relay egress.
    IcloudRelay,
    /// Satellite operator carrying in-flight Wi-Fi (the aircraft's public exit).
    Satellite,
}

impl NetKind {
    fn parse(s: &str) -> Option<NetKind> {
        Some(match s {
            "residential" => NetKind::Residential,
            "mobile" => NetKind::Mobile,
            "corporate" => NetKind::Corporate,
            "hosting" => NetKind::Hosting,
            "vpn" => NetKind::Vpn,
            "microsoft" => NetKind::Microsoft,
            "icloud_relay" => NetKind::IcloudRelay,
            "satellite" => NetKind::Satellite,
            _ => return None,
        })
    }
}

/// One block of the table.
#[derive(Clone, Debug)]
pub struct Network {
    /// First address of the block.
    pub base: IpAddr,
    /// Prefix length (24 for IPv4 rows, 48 for IPv6 rows).
    pub prefix: u8,
    /// Autonomous system number.
    pub asn: u32,
    /// AS organisation as the ASN database spells it.
    pub as_org: String,
    /// Lower-cased organisation, as Okta writes `securityContext.asOrg` / `isp`.
    pub as_org_lower: String,
    /// Operator's domain (Okta `securityContext.domain`).
    pub domain: String,
    /// ISO 3166 alpha-2 country code.
    pub country: String,
    /// Region / state.
    pub region: String,
    /// City.
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Classification.
    pub kind: NetKind,
}

impl Network {
    /// Whether the block is IPv6.
    pub fn is_v6(&self) -> bool {
        self.base.is_ipv6()
    }

    /// A host address inside the block. IPv6: a random /64 of the /48 and a random interface id,
    /// as privacy addresses look.
    pub fn host(&self, rng: &mut Rng) -> IpAddr {
        match self.base {
            IpAddr::V4(b) => {
                let host = rng.range(2, 253) as u32;
                IpAddr::V4(Ipv4Addr::from(u32::from(b) | host))
            }
            IpAddr::V6(b) => {
                let subnet = (rng.below(1 << 16) as u128) << 64;
                let iid = rng.next_u64() as u128 | 1;
                IpAddr::V6(Ipv6Addr::from(u128::from(b) | subnet | iid))
            }
        }
    }
}

/// The English country name Okta writes in `geographicalContext.country`.
pub fn country_name(code: &str) -> &'static str {
    match code {
        "US" => "United States",
        "GB" => "United Kingdom",
        "DE" => "Germany",
        "FR" => "France",
        "NL" => "Netherlands",
        "ES" => "Spain",
        "CA" => "Canada",
        "AU" => "Australia",
        "SE" => "Sweden",
        "IN" => "India",
        "JP" => "Japan",
        "BR" => "Brazil",
        "VN" => "Vietnam",
        "ID" => "Indonesia",
        "MX" => "Mexico",
        "TR" => "Turkey",
        "TW" => "Taiwan",
        "SG" => "Singapore",
        "CH" => "Switzerland",
        "CZ" => "Czechia",
        "HK" => "Hong Kong",
        "PL" => "Poland",
        "DK" => "Denmark",
        "NO" => "Norway",
        "AE" => "United Arab Emirates",
        "BE" => "Belgium",
        "CL" => "Chile",
        "KR" => "South Korea",
        "IE" => "Ireland",
        "IT" => "Italy",
        "FI" => "Finland",
        "AT" => "Austria",
        "ZA" => "South Africa",
        "CY" => "Cyprus",
        "HT" => "Haiti",
        "HU" => "Hungary",
        "IR" => "Iran",
        "PH" => "Philippines",
        "SN" => "Senegal",
        _ => "Unknown",
    }
}

/// Error reading the embedded table (only possible if the shipped CSV is edited badly).
#[derive(Debug, thiserror::Error)]
#[error("gen_networks.csv line {line}: {reason}")]
pub struct NetworkTableError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: String,
}

/// All blocks, with indexes by kind.
#[derive(Debug)]
pub struct NetworkTable {
    /// Rows in file order (an event refers to its block by index).
    pub rows: Vec<Network>,
}

impl NetworkTable {
    /// Parses the embedded table.
    pub fn load() -> Result<NetworkTable, NetworkTableError> {
        Self::parse(NETWORKS_CSV)
    }

    /// Parses a table in the `gen_networks.csv` layout.
    pub fn parse(text: &str) -> Result<NetworkTable, NetworkTableError> {
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let err = |reason: &str| NetworkTableError {
                line: i + 1,
                reason: reason.to_string(),
            };
            let f = split_csv(line);
            if f.len() != 11 {
                return Err(err("expected 11 columns"));
            }
            let (addr, prefix) = f[0].split_once('/').ok_or_else(|| err("cidr"))?;
            let base: IpAddr = addr.parse().map_err(|_| err("cidr address"))?;
            let prefix: u8 = prefix.parse().map_err(|_| err("cidr prefix"))?;
            let kind = NetKind::parse(&f[9]).ok_or_else(|| err("kind"))?;
            rows.push(Network {
                base,
                prefix,
                asn: f[1].parse().map_err(|_| err("asn"))?,
                as_org_lower: f[2].to_lowercase(),
                as_org: f[2].clone(),
                domain: f[3].clone(),
                country: f[4].clone(),
                region: f[5].clone(),
                city: f[6].clone(),
                lat: f[7].parse().map_err(|_| err("lat"))?,
                lon: f[8].parse().map_err(|_| err("lon"))?,
                kind,
            });
        }
        Ok(NetworkTable { rows })
    }

    /// Indexes of blocks matching a predicate.
    pub fn select(&self, pred: impl Fn(&Network) -> bool) -> Vec<u16> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, n)| pred(n))
            .map(|(i, _)| i as u16)
            .collect()
    }

    /// Block by index.
    pub fn get(&self, i: u16) -> &Network {
        &self.rows[i as usize]
    }
}

/// Splits one CSV line (double-quoted fields may hold commas; `""` is a quote).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_has_every_kind() {
        let t = NetworkTable::load().expect("table");
        assert!(t.rows.len() > 200);
        for k in [
            NetKind::Residential,
            NetKind::Mobile,
            NetKind::Corporate,
            NetKind::Hosting,
            NetKind::Vpn,
            NetKind::Microsoft,
            NetKind::IcloudRelay,
            NetKind::Satellite,
        ] {
            assert!(!t.select(|n| n.kind == k).is_empty(), "{k:?}");
        }
        assert!(
            !t.select(|n| n.is_v6() && n.kind == NetKind::Residential)
                .is_empty()
        );
        let comcast = t.rows.iter().find(|n| n.asn == 7922).expect("comcast");
        assert_eq!(comcast.as_org, "Comcast Cable Communications, LLC");
    }

    #[test]
    fn hosts_stay_in_block() {
        let t = NetworkTable::load().expect("table");
        let mut r = Rng::new(3);
        for n in &t.rows {
            let ip = n.host(&mut r);
            match (ip, n.base) {
                (IpAddr::V4(a), IpAddr::V4(b)) => assert_eq!(u32::from(a) >> 8, u32::from(b) >> 8),
                (IpAddr::V6(a), IpAddr::V6(b)) => {
                    assert_eq!(u128::from(a) >> 80, u128::from(b) >> 80)
                }
                _ => panic!("family"),
            }
        }
    }
}
