#!/usr/bin/env python3
"""Independent synthetic identity-log tenant: Entra ID sign-ins/AuditLogs and Okta System Log.

A company with offices in two or three countries, its users' laptops, phones, home and
office networks, mobile carriers, corporate SSE, personal VPNs, iCloud Private Relay,
travel, SaaS integrations and admin tooling (the benign behaviours, recorded in
labels.json `confounders`), and a few planted token-theft attacks (labels.json `incidents`).

    python3 make_tenant.py --seed 501 --users 400 --days 10 --out /tmp/foreign/501/tenant

Stdlib only; deterministic per seed. Written without reading tokenhunt's own generator.
"""
import argparse
import hashlib
import json
import os
import random
import sys
from datetime import date, datetime, timedelta, timezone

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import records  # noqa: E402
from catalog import (ANDROID_APPS, ANDROID_CHROME_UA, APPS, CONSENT_APPS, DESTINATIONS, FIRST, INFLIGHT,  # noqa: E402
                     IOS_APPS, IOS_SAFARI_UA, LAST, MAC_ONEDRIVE_UA, MAC_OUTLOOK_UA, MAC_TEAMS_UA, MALICIOUS_APPS,
                     OFFICES, OKTA_APPS, OKTA_VERIFY_ANDROID, OKTA_VERIFY_IOS, RELAY_REGION, SAAS, SCRIPTED_UAS,
                     WAM_UA, WIN_BUILDS, chrome_mac_ua, chrome_win_ua, edge_ua, firefox_ua, onedrive_win_ua,
                     outlook_win_ua, safari_mac_ua, teams_win_ua)
from netdata import NETWORKS, PLACES, POPS, pick_v4, pick_v6_prefix, v6_addr  # noqa: E402
from records import audit, new_id, okta_event, signin  # noqa: E402

UTC = timezone.utc
RNG = random.Random(0)
START = date(2026, 10, 5)
DAYS = 10
ENTRA, AUDIT, OKTA = [], [], []
CONFOUNDERS, INCIDENTS = [], []
USERS = []
COUNTS = {}
TAG = ["baseline"]  # the behaviour (or attack) the records being written belong to


def add_entra(rec):
    ENTRA.append(rec)
    tag = TAG[0]
    if tag in ("home", "baseline") and ":" in rec["properties"]["ipAddress"]:
        tag = "home_ipv6 (dual_stack)"
    k = ("entra", tag)
    COUNTS[k] = COUNTS.get(k, 0) + 1


def add_okta(rec):
    OKTA.append(rec)
    k = ("okta", TAG[0] if not rec["eventType"].endswith("context.change") else TAG[0] + "+context.change")
    COUNTS[k] = COUNTS.get(k, 0) + 1


def add_audit(recs):
    for r in recs:
        AUDIT.append(r)
        k = ("audit", TAG[0] + ":" + r["operationName"])
        COUNTS[k] = COUNTS.get(k, 0) + 1


# ----------------------------------------------------------------------------- helpers
def chance(p):
    return RNG.random() < p


def weighted(pairs):
    total = sum(w for _, w in pairs)
    x = RNG.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def tz_offset(tz, day):
    """Hours east of UTC for an office time zone (or a fixed offset) on a given date."""
    if isinstance(tz, (int, float)):
        return tz
    d = START + timedelta(days=day)
    if tz == "us_east":
        return -4 if d < date(2026, 11, 1) else -5
    if tz == "uk":
        return 1 if d < date(2026, 10, 25) else 0
    return 2 if d < date(2026, 10, 25) else 1  # de


def lt(tz, day, hour):
    """UTC datetime for local `hour` (float, may exceed 24) on tenant day `day`."""
    base = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=day)
    return base + timedelta(hours=hour - tz_offset(tz, day), seconds=RNG.random() * 59)


def confound(u, category, start, end, note=None):
    row = {"user": u["upn"], "category": category, "start": iso(start), "end": iso(end)}
    if note:
        row["note"] = note
    CONFOUNDERS.append(row)


def stable_uuid(*parts):
    h = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def dt_hash():
    return "%064x" % RNG.getrandbits(256)


def okta_sid():
    return "102" + "".join(RNG.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                           for _ in range(22))


# ----------------------------------------------------------------------------- network contexts
def ctx(net, place, ip=None, rotate=None, places=None, v6=None, v6_share=0.0, proxy=False, label="", tag=None,
        prefix=24):
    """Where a device's traffic leaves from. Static (ip), rotating (carrier CGNAT, relay) or dual stack (v6)."""
    return {"net": net, "place": place, "ip": ip, "rotate": rotate, "places": places, "v6": v6,
            "v6_share": v6_share, "proxy": proxy, "label": label, "tag": tag, "prefix": prefix}


def resolve(c, t):
    """(ip, asn, place) of a context at time t. Rotating contexts keep a schedule of (from, until, ip,
    place) so every record of the same moment (Entra or Okta) sees the same address."""
    if c["rotate"]:
        sched = c.setdefault("_sched", [])
        if not sched:
            sched.append(_rotation(c, t))
        while t >= sched[-1][1]:
            sched.append(_rotation(c, sched[-1][1]))
        while t < sched[0][0]:
            r = _rotation(c, sched[0][0])
            span = r[1] - r[0]
            sched.insert(0, (sched[0][0] - span, sched[0][0], r[2], r[3]))
        for f, u, ip, place in sched:
            if f <= t < u:
                break
    else:
        ip, place = c["ip"], c["place"]
        if c.get("v6ip"):
            salt = c.setdefault("_salt", RNG.getrandbits(32))
            window = int(t.timestamp() // 5400)
            if (hash_i(f"{salt}-{window}") % 1000) / 1000 < c["v6_share"]:
                ip = c["v6ip"]
    net = NETWORKS[c["net"]]
    asn = net["v6asn"] if ":" in ip and net.get("v6asn") else net["asn"]
    return ip, asn, place


def _rotation(c, t):
    until = t + timedelta(minutes=RNG.uniform(*c["rotate"]))
    if c["v6"] is not None and chance(c["v6_share"]):
        ip = v6_addr(RNG, c["v6"])
    else:
        ip = pick_v4(RNG, c["net"], c["tag"], c["prefix"], c["place"]) if c["tag"] else pick_v4(RNG, c["net"])
    place = RNG.choice(c["places"]) if c["places"] else c["place"]
    return (t, until, ip, place)


def home_ctx(u, day):
    ip = u["home_ip"]
    for d0, new in u["leases"]:
        if day >= d0:
            ip = new
    c = ctx(u["isp"], u["home_place"], ip=ip, label="home")
    if u["dual_stack"]:
        c["v6ip"] = v6_addr(RNG, u["v6_prefix"])  # privacy address, new each day
        c["v6_share"] = u["v6_share"]
    return c


def office_ctx(office_key, u=None):
    o = OFFICES[office_key]
    # three NAT addresses per office; each user sticks to one (hash), everyone shares them
    nat = pick_nat(o["net"], (u["upn"] if u else "x"), 3)
    return ctx(o["net"], o["place"], ip=nat, label="office")


def pick_nat(net_key, who, count):
    base = NETWORKS[net_key]["v4"][0]
    import ipaddress
    n = ipaddress.ip_network(base)
    idx = int(hashlib.md5(who.encode()).hexdigest(), 16) % count
    return str(n.network_address + 1 + idx)


def carrier_ctx(u, net=None, places=None):
    net = net or u["carrier"]
    n = NETWORKS[net]
    share = 0.8 if net == "tmobile" else (0.4 if n["v6"] else 0.0)
    return ctx(net, n["places"][0], rotate=(15, 120), places=places or n["places"], v6=(
        int(__import__("ipaddress").ip_network(n["v6"]).network_address) + (RNG.getrandbits(32) << 64)
        if n["v6"] else None), v6_share=share, label="carrier")


def hosting_ctx(net, city, tag=None, prefix=24, proxy=False, label="hosting"):
    ip = pick_v4(RNG, net, tag or city, prefix, city)
    return ctx(net, city, ip=ip, proxy=proxy, label=label)


# ----------------------------------------------------------------------------- users and devices
def make_users(n, offices, domain):
    weights = {"boston": 50, "london": 30, "munich": 20}
    pairs = [(o, weights[o]) for o in offices]
    seen = set()
    sse_main = RNG.choice(["zscaler", "netskope", "prisma"])
    sse_depts = RNG.sample(["finance", "legal", "hr", "support", "sales", "operations"], RNG.randint(2, 4))
    eng_warp = chance(0.7)
    okta_depts = ["sales", "marketing", "engineering", "support"]
    depts = [("sales", 20), ("engineering", 22), ("marketing", 10), ("finance", 8), ("support", 12),
             ("hr", 5), ("legal", 4), ("operations", 10), ("it", 5), ("product", 4)]
    for i in range(n):
        office = weighted(pairs)
        o = OFFICES[office]
        first, last = RNG.choice(FIRST), RNG.choice(LAST)
        upn = f"{first}.{last}@{domain}"
        k = 2
        while upn in seen:
            upn = f"{first}.{last}{k}@{domain}"
            k += 1
        seen.add(upn)
        dept = weighted(depts)
        role = "staff"
        if dept == "it":
            role = "admin" if chance(0.5) else "it"
        elif dept == "engineering" and chance(0.45):
            role = "dev"
        isp = weighted(o["isps"])
        home_place = RNG.choice(o["homes"])
        u = {
            "i": i, "upn": upn, "name": f"{first.title()} {last.title()}", "id": new_id(),
            "okta_id": "00u" + "".join(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(17)),
            "office": office, "tz": o["tz"], "cc": o["cc"], "dept": dept, "role": role,
            "home_place": home_place, "isp": isp,
            "home_ip": pick_v4(RNG, isp, f"{home_place}-{RNG.randrange(40)}"),
            "leases": [], "carrier": weighted(o["carriers"]),
            "dual_stack": NETWORKS[isp]["v6"] is not None and chance(0.65),
            "remote": chance(0.12), "always_office": chance(0.1),
            "office_days": sorted(RNG.sample(range(5), RNG.choice([1, 2, 2, 3, 3, 4]))),
            "phone_on_wifi_at_office": weighted([("office", 50), ("guest", 15), ("carrier", 35)]),
            "phone_prefers_carrier": chance(0.3),
            "evening_worker": RNG.choice([0.05, 0.15, 0.3, 0.5]),
            "weekend_worker": RNG.choice([0.02, 0.05, 0.1, 0.3]),
            "okta": dept in okta_depts and chance(0.85) or chance(0.25),
            "sse": (sse_main if dept in sse_depts else ("warp" if dept == "engineering" and eng_warp else None)),
        }
        if u["dual_stack"]:
            u["v6_prefix"] = pick_v6_prefix(RNG, isp)
            u["v6_share"] = RNG.choice([0.3, 0.5, 0.7])
        if isp == "starlink":  # CGNAT, satellite PoP geolocation
            u["dual_stack"] = False
        u["laptop"] = make_laptop(u)
        u["phone"] = make_phone(u)
        u["okta_state"] = {"sid": None, "until": None, "last_ip": None, "dt": dt_hash(),
                           "persistent": chance(0.4), "fastpass": chance(0.35), "sessions": [],
                           "phone_dt": dt_hash(), "phone_sid": None, "phone_until": None}
        u["browser_ua"] = u["laptop"]["browser_ua"]
        USERS.append(u)
    return {"sse_main": sse_main, "sse_depts": sse_depts, "eng_warp": eng_warp}


def make_laptop(u):
    if u["role"] == "dev" and chance(0.2):
        os_, trust = "Linux", None
    elif chance(0.18 if u["role"] != "dev" else 0.35):
        os_, trust = "MacOs", ("Azure AD registered" if chance(0.6) else None)
    else:
        os_, trust = "Windows 10", "Azure AD joined"
    dev = {"kind": "laptop", "os": os_, "trust": trust, "id": new_id() if trust else None,
           "name": ("LT-" if os_ == "Windows 10" else "MBP-") + "%06X" % RNG.getrandbits(24),
           "session": new_id(), "bsess": None, "buntil": None}
    v = RNG.choice([140, 141, 141, 142])
    if os_ == "Windows 10":
        build = RNG.choice(WIN_BUILDS)
        dev["browser_ua"] = edge_ua(v) if chance(0.7) else chrome_win_ua(v)
        dev["apps"] = {"office_exo": outlook_win_ua(RNG.choice(["18925", "19127", "18827"])),
                       "office_graph": outlook_win_ua("18925"), "office_spo": outlook_win_ua("18925"),
                       "teams": teams_win_ua("25255.703.3905.7315"), "teams_graph": teams_win_ua("25255.703.3905.7315"),
                       "teams_spo": teams_win_ua("25255.703.3905.7315"),
                       "onedrive": onedrive_win_ua("25.174.0907.0001", build), "broker": WAM_UA,
                       "broker_graph": WAM_UA, "winsignin": WAM_UA}
    elif os_ == "MacOs":
        dev["browser_ua"] = safari_mac_ua("18.6") if chance(0.5) else chrome_mac_ua(v)
        dev["apps"] = {"office_exo": MAC_OUTLOOK_UA, "office_graph": MAC_OUTLOOK_UA, "office_spo": MAC_OUTLOOK_UA,
                       "teams": MAC_TEAMS_UA, "teams_graph": MAC_TEAMS_UA, "teams_spo": MAC_TEAMS_UA,
                       "onedrive": MAC_ONEDRIVE_UA}
        dev["relay"] = "Safari" in dev["browser_ua"] and chance(0.4)
    else:
        dev["browser_ua"] = firefox_ua(RNG.choice([143, 144]), "X11; Ubuntu; Linux x86_64") if chance(0.5) else \
            f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
        dev["apps"] = {}
    return dev


def make_phone(u):
    ios = chance(0.55)
    registered = chance(0.65)
    dev = {"kind": "phone", "os": "Ios" if ios else "Android", "trust": "Azure AD registered" if registered else None,
           "id": new_id() if registered else None, "name": ("iPhone" if ios else "Galaxy S24"),
           "session": new_id(), "teams_session": new_id() if chance(0.5) else None,
           "apps": IOS_APPS if ios else ANDROID_APPS, "browser_ua": IOS_SAFARI_UA if ios else ANDROID_CHROME_UA,
           "relay": ios and chance(0.35), "bsess": None, "buntil": None}
    return dev


# ----------------------------------------------------------------------------- daily plan
def seg(dev, start, end, c, **kw):
    s = {"dev": dev, "start": start, "end": end, "ctx": c}
    s.update(kw)
    return s


def overlay(segs, new):
    """Add `new`, cutting the same device's overlapping segments (a device is on one network at a time)."""
    out = []
    for s in segs:
        if s["dev"] != new["dev"] or s["end"] <= new["start"] or s["start"] >= new["end"]:
            out.append(s)
            continue
        if s["start"] < new["start"]:
            out.append(dict(s, end=new["start"]))
        if s["end"] > new["end"]:
            out.append(dict(s, start=new["end"], first=False))
    out.append(new)
    return out


def plan_day(u, day):
    """Base plan: laptop at home or the office, phone on home Wi-Fi, office Wi-Fi or the carrier."""
    wd = (START + timedelta(days=day)).weekday()
    tz = u["tz"]
    segs = []
    works = (wd < 5 and chance(0.94)) or (wd >= 5 and chance(u["weekend_worker"]))
    wake, sleep = RNG.uniform(6.3, 8.0), RNG.uniform(21.5, 23.8)
    if not works:
        # a day off: the phone only, mostly at home and out and about
        segs.append(seg("phone", lt(tz, day, wake + 1), lt(tz, day, 12.5), home_phone_ctx(u, day)))
        segs.append(seg("phone", lt(tz, day, 12.5), lt(tz, day, 17.5), carrier_ctx(u), tags=["carrier"]))
        segs.append(seg("phone", lt(tz, day, 17.5), lt(tz, day, sleep), home_phone_ctx(u, day)))
        if wd >= 5 and chance(u["weekend_worker"] * 2):
            st = RNG.uniform(10, 19)
            segs.append(seg("laptop", lt(tz, day, st), lt(tz, day, st + RNG.uniform(0.5, 2.5)), home_ctx(u, day)))
        return segs, "off"
    start, end = RNG.uniform(7.4, 9.6), RNG.uniform(16.3, 18.7)
    in_office = (not u["remote"]) and wd < 5 and (u["always_office"] or wd in u["office_days"])
    if in_office:
        commute = RNG.uniform(0.4, 1.1)
        segs.append(seg("phone", lt(tz, day, wake), lt(tz, day, start - commute), home_phone_ctx(u, day)))
        segs.append(seg("phone", lt(tz, day, start - commute), lt(tz, day, start), carrier_ctx(u), tags=["carrier"]))
        segs.append(seg("laptop", lt(tz, day, start), lt(tz, day, end), office_ctx(u["office"], u), first=True))
        wifi = u["phone_on_wifi_at_office"]
        pc = office_ctx(u["office"], u) if wifi == "office" else (
            guest_ctx(u) if wifi == "guest" else carrier_ctx(u))
        lunch = RNG.uniform(11.8, 13.0)
        segs.append(seg("phone", lt(tz, day, start), lt(tz, day, lunch), pc, tags=[wifi]))
        segs.append(seg("phone", lt(tz, day, lunch), lt(tz, day, lunch + 0.8), carrier_ctx(u), tags=["carrier"]))
        segs.append(seg("phone", lt(tz, day, lunch + 0.8), lt(tz, day, end), pc, tags=[wifi]))
        segs.append(seg("phone", lt(tz, day, end), lt(tz, day, end + commute), carrier_ctx(u), tags=["carrier"]))
        segs.append(seg("phone", lt(tz, day, end + commute), lt(tz, day, sleep), home_phone_ctx(u, day)))
    else:
        segs.append(seg("laptop", lt(tz, day, start), lt(tz, day, end), home_ctx(u, day), first=True))
        segs.append(seg("phone", lt(tz, day, wake), lt(tz, day, sleep), home_phone_ctx(u, day)))
        # out for an errand, a school run or lunch: the phone on the carrier while the laptop sits at home
        for _ in range(RNG.choice([0, 1, 1, 2])):
            h = RNG.uniform(wake + 0.5, sleep - 2)
            segs = overlay(segs, seg("phone", lt(tz, day, h), lt(tz, day, h + RNG.uniform(0.3, 1.5)),
                                     carrier_ctx(u), tags=["carrier"]))
    if chance(u["evening_worker"]):
        h = RNG.uniform(19.5, 21.5)
        segs.append(seg("laptop", lt(tz, day, h), lt(tz, day, h + RNG.uniform(0.4, 2.0)), home_ctx(u, day)))
    return segs, ("office" if in_office else "home")


def home_phone_ctx(u, day):
    return carrier_ctx(u) if u["phone_prefers_carrier"] else home_ctx(u, day)


def guest_ctx(u):
    o = OFFICES[u["office"]]
    return ctx(o["guest"], o["place"], ip=pick_nat(o["guest"], u["upn"], 2), label="guest")


# ============================================================================= benign behaviours
def behaviour_mobile_carrier(u, day, segs):
    """1. Phone on a mobile carrier (CGNAT, far-away geolocation) while the laptop works elsewhere."""
    carrier = [s for s in segs if s["dev"] == "phone" and "carrier" in s.get("tags", [])]
    if carrier and any(s["dev"] == "laptop" for s in segs):
        confound(u, "mobile_carrier", min(s["start"] for s in carrier), max(s["end"] for s in carrier),
                 NETWORKS[u["carrier"]]["isp"])


def behaviour_corporate_sse(u, day, segs):
    """2. Corporate SSE/VPN: laptop egress from the provider's nodes; node changes, failover mid-day."""
    if not u["sse"]:
        return segs
    pops = [p for p in POPS[u["sse"]] if PLACES[p][2] == u["cc"]] or POPS[u["sse"]]
    home_pop = pops[hash_i(u["upn"]) % len(pops)]
    out = []
    for s in segs:
        if s["dev"] != "laptop" or s["ctx"]["label"] in ("inflight",):
            out.append(s)
            continue
        here = PLACES[s["ctx"]["place"]]
        if here[2] != u["cc"]:  # abroad: the client connects to the nearest PoP
            pop = min(POPS[u["sse"]], key=lambda p: (PLACES[p][3] - here[3]) ** 2 + (PLACES[p][4] - here[4]) ** 2)
        else:
            pop = home_pop if chance(0.85) else RNG.choice(POPS[u["sse"]] if chance(0.3) else pops)
        node = sse_node(u["sse"], pop)
        if chance(0.1) and (s["end"] - s["start"]) > timedelta(hours=1):
            cut = s["start"] + (s["end"] - s["start"]) * RNG.uniform(0.2, 0.8)
            other = RNG.choice([p for p in POPS[u["sse"]] if p != pop])
            out.append(dict(s, end=cut, ctx=node))
            out.append(dict(s, start=cut, ctx=sse_node(u["sse"], other), first=False))
            confound(u, "corporate_sse_failover", cut - timedelta(minutes=5), s["end"], f"{u['sse']} {pop}->{other}")
        else:
            out.append(dict(s, ctx=node))
            if pop != home_pop:
                confound(u, "corporate_sse_node_change", s["start"], s["end"], f"{u['sse']} {pop}")
    return out


def sse_node(provider, pop):
    # a /28 of egress addresses per PoP, shared by every customer's users
    return ctx(provider, pop, rotate=(60, 480), tag=f"{provider}-{pop}", prefix=28, label="sse")


def hash_i(s):
    return int(hashlib.md5(s.encode()).hexdigest(), 16)


VPN_PROVIDERS = {"NordVPN": ["m247", "datacamp"], "ExpressVPN": ["m247", "leaseweb", "datacamp"],
                 "ProtonVPN": ["m247", "datacamp"], "Mullvad": ["mullvad31173", "m247"],
                 "Surfshark": ["datacamp", "m247", "leaseweb"], "PIA": ["m247", "datacamp"]}


def vpn_exit(provider, abroad_of=None):
    net = RNG.choice(VPN_PROVIDERS[provider])
    cities = [c for c in POPS[net] if PLACES[c][2] != abroad_of] if abroad_of and chance(0.8) else POPS[net]
    city = RNG.choice(cities)
    return ctx(net, city, ip=pick_v4(RNG, net, f"{provider}-{city}", 26), proxy=True, label="vpn"), city


def behaviour_personal_vpn(u, day, segs):
    """3. Personal VPN some evenings, on the work laptop (PRT from the exit) or a personal device."""
    if not u.get("vpn") or day not in u["vpn"]["days"]:
        return segs
    v = u["vpn"]
    tz = u["tz"]
    h = RNG.uniform(18.5, 21.5)
    c, city = vpn_exit(v["provider"], u["cc"])
    end = lt(tz, day, h + RNG.uniform(0.5, 3.0))
    dev = {"work": "laptop", "personal": "personal", "phone": "phone"}[v["device"]]
    s0 = lt(tz, day, h)
    if v.get("all_day") and day == v["days"][0]:
        s0 = lt(tz, day, 9.0)
        segs = [s for s in segs if s["dev"] != "laptop"]
    if chance(0.25):
        mid = s0 + (end - s0) / 2
        c2, city2 = vpn_exit(v["provider"], u["cc"])
        segs = overlay(overlay(segs, seg(dev, s0, mid, c)), seg(dev, mid, end, c2))
        note = f"{v['provider']} {city}->{city2} ({dev})"
    else:
        segs = overlay(segs, seg(dev, s0, end, c))
        note = f"{v['provider']} {city} ({dev})"
    confound(u, "personal_vpn", s0, end, note)
    return segs


def behaviour_private_relay(u, day, segs):
    """4. iCloud Private Relay: Safari traffic of iPhones/Macs egresses from Akamai/Cloudflare/Fastly."""
    used = [s for s in segs if (s["dev"] == "phone" and u["phone"]["relay"]) or
            (s["dev"] == "laptop" and u["laptop"].get("relay"))]
    used = [s for s in used if s["ctx"]["label"] not in ("sse", "office", "guest", "vpn", "inflight")]
    for s in used:
        region = RELAY_REGION[u["office"]]
        if PLACES[s["ctx"]["place"]][2] != u["cc"]:
            region = [s["ctx"]["place"]]  # abroad: the relay keeps the approximate (foreign) region
        s["relay"] = ctx(RNG.choice(["relay_akamai", "relay_cloudflare", "relay_fastly"]),
                         region[0], rotate=(5, 60), places=region, label="relay")
        net = s["relay"]["net"]
        if NETWORKS[net]["v6"]:
            import ipaddress
            s["relay"]["v6"] = int(ipaddress.ip_network(NETWORKS[net]["v6"]).network_address) + (
                RNG.getrandbits(32) << 64)
            s["relay"]["v6_share"] = 0.6
    if used:
        confound(u, "private_relay", min(s["start"] for s in used), max(s["end"] for s in used))
    return segs


def behaviour_dual_stack(u, day, segs):
    """8. Dual stack at home: the same device alternates between its IPv4 and IPv6 address."""
    home = [s for s in segs if s["ctx"].get("v6ip")]
    if home:
        net = NETWORKS[u["isp"]]
        note = f"AS{net['asn']}/AS{net['v6asn']}" if net["asn"] != net["v6asn"] else f"AS{net['asn']}"
        confound(u, "dual_stack", min(s["start"] for s in home), max(s["end"] for s in home), note)


def behaviour_shared_egress(u, day, segs, kind):
    """10. Shared egress: office NAT, guest Wi-Fi, a coworking space for remote staff."""
    if kind == "office":
        s = [x for x in segs if x["ctx"]["label"] in ("office", "guest")]
        if s:
            confound(u, "shared_office_egress" if all(x["ctx"]["label"] == "office" for x in s) else "guest_wifi",
                     min(x["start"] for x in s), max(x["end"] for x in s))
    elif kind == "home" and u["remote"] and chance(0.2):
        o = OFFICES[u["office"]]
        cw = ctx(o["cowork"], o["place"], ip=pick_nat(o["cowork"], "cowork" + str(day % 2), 2), label="cowork")
        for s in segs:
            if s["dev"] == "laptop" and s.get("first"):
                s["ctx"] = cw
                confound(u, "coworking", s["start"], s["end"])
            elif s["dev"] == "phone" and s["ctx"]["label"] == "home":
                s["ctx"] = cw if chance(0.5) else carrier_ctx(u)
    return segs


def behaviour_travel(u, day, trip):
    """5. Travel: airport, flight with in-flight Wi-Fi, hotel/venue abroad, roaming phone via the home carrier."""
    tz = u["tz"]
    dest_place, dest_net, dest_tz = DESTINATIONS[trip["dest"]]
    segs = []
    roam = carrier_ctx(u)  # roaming: home-routed, home-country geolocation
    first_day, last_day = trip["days"][0], trip["days"][-1]
    if day == first_day or day == last_day:
        out = day == first_day
        dep_tz = tz if out else dest_tz
        arr_tz = dest_tz if out else tz
        dep = RNG.uniform(8, 18)
        dur = trip["flight_hours"]
        dep_t = lt(dep_tz, day, dep)
        arr_t = dep_t + timedelta(hours=dur)
        # morning before leaving
        pre = home_ctx(u, day) if out else hotel_ctx(u, trip)
        segs.append(seg("phone", dep_t - timedelta(hours=4), dep_t - timedelta(hours=2), pre))
        if out:
            air_net, air_place = OFFICES[u["office"]]["airport_net"], OFFICES[u["office"]]["place"]
        elif trip["dest"] in OFFICES:
            air_net, air_place = OFFICES[trip["dest"]]["airport_net"], OFFICES[trip["dest"]]["place"]
        else:
            air_net, air_place = dest_net, dest_place
        airport = ctx(air_net, air_place, ip=pick_v4(RNG, air_net, f"airport-{air_place}", 26), label="airport")
        segs.append(seg("laptop", dep_t - timedelta(hours=1.8), dep_t - timedelta(minutes=25), airport, first=True))
        segs.append(seg("phone", dep_t - timedelta(hours=2), dep_t - timedelta(minutes=10),
                        roam if not out else carrier_ctx(u)))
        if chance(0.75):
            fnet = RNG.choice(INFLIGHT[trip["route"]])
            fl = ctx(fnet, NETWORKS[fnet]["places"][0], rotate=(60, 300), places=NETWORKS[fnet]["places"],
                     tag=f"{fnet}-pool", prefix=22, label="inflight")
            f0 = dep_t + timedelta(minutes=RNG.uniform(25, 60))
            f1 = arr_t - timedelta(minutes=RNG.uniform(20, 50))
            segs.append(seg("laptop", f0, f1, fl))
            if chance(0.5):
                segs.append(seg("phone", f0 + timedelta(minutes=20), f1, fl))
            confound(u, "travel_inflight_wifi", f0, f1, fnet)
        post = hotel_ctx(u, trip) if out else home_ctx(u, day)
        segs.append(seg("phone", arr_t + timedelta(minutes=15), arr_t + timedelta(hours=1.5), roam if out else
                        carrier_ctx(u)))
        segs.append(seg("laptop", arr_t + timedelta(hours=1.2), arr_t + timedelta(hours=RNG.uniform(2, 4)), post))
        segs.append(seg("phone", arr_t + timedelta(hours=1.5), arr_t + timedelta(hours=5), post if chance(0.5) else roam))
        confound(u, "travel_flight_day", dep_t - timedelta(hours=4), arr_t + timedelta(hours=5),
                 f"{OFFICES[u['office']]['place']}<->{dest_place}")
    else:
        venue = hotel_ctx(u, trip) if NETWORKS[dest_net]["kind"] != "office" else office_ctx(trip["dest"], u)
        if NETWORKS[dest_net]["kind"] != "office" and chance(0.5):
            venue = ctx(dest_net, dest_place, ip=pick_v4(RNG, dest_net, f"venue-{dest_place}", 28), label="venue")
        segs.append(seg("phone", lt(dest_tz, day, 7), lt(dest_tz, day, 8.5), hotel_ctx(u, trip)))
        segs.append(seg("laptop", lt(dest_tz, day, 8.5), lt(dest_tz, day, 17.5), venue, first=True))
        segs.append(seg("phone", lt(dest_tz, day, 8.5), lt(dest_tz, day, 22.5), roam if trip["roam"] else venue))
        segs.append(seg("laptop", lt(dest_tz, day, 20), lt(dest_tz, day, 21.5), hotel_ctx(u, trip)))
        confound(u, "travel_abroad" if PLACES[dest_place][2] != u["cc"] else "travel_domestic",
                 lt(dest_tz, day, 7), lt(dest_tz, day, 22.5), dest_place)
        if trip["roam"]:
            confound(u, "roaming_phone_home_routed", lt(dest_tz, day, 8.5), lt(dest_tz, day, 22.5),
                     NETWORKS[u["carrier"]]["isp"])
    return segs


def hotel_ctx(u, trip):
    dest_place, dest_net, _ = DESTINATIONS[trip["dest"]]
    net = dest_net if NETWORKS[dest_net]["kind"] != "office" else {"london": "bt", "munich": "telekom",
                                                                    "boston": "comcast"}[trip["dest"]]
    return ctx(net, dest_place, ip=trip.setdefault("hotel_ip", pick_v4(RNG, net, f"hotel-{dest_place}", 27)),
               label="hotel")


def plan_trips():
    """Pick travellers and their trips (customer visits, another office) plus a few group conferences
    where colleagues share the venue's network abroad."""
    trips = {}

    def trip(u, dest, d0, length):
        dc = PLACES[DESTINATIONS[dest][0]][2]
        if dc == u["cc"]:
            route, hours = "us", RNG.uniform(1.5, 5.5)
        elif {dc, u["cc"]} <= {"GB", "DE", "NL", "FR", "ES", "PT", "CH"}:
            route, hours = "europe", RNG.uniform(1.2, 2.8)
        elif dc in ("SG", "JP", "AE"):
            route, hours = "long", RNG.uniform(7, 13)
        else:
            route, hours = "transatlantic", RNG.uniform(6.5, 9)
        return {"dest": dest, "days": list(range(d0, d0 + length)), "route": route, "flight_hours": hours,
                "roam": chance(0.7)}

    if DAYS < 3:
        return trips
    for u in USERS:
        if not chance(0.12 if u["dept"] in ("sales", "product") else 0.05):
            continue
        length = RNG.randint(2, min(5, DAYS))
        dest = RNG.choice([k for k in DESTINATIONS if k != u["office"]])
        trips[u["upn"]] = trip(u, dest, RNG.randrange(0, DAYS - length + 1), length)
    for _ in range(max(1, len(USERS) // 250)):
        dest = RNG.choice(["lasvegas", "barcelona", "amsterdam", "lisbon", "sanfrancisco"])
        length = RNG.randint(3, min(4, DAYS))
        d0 = RNG.randrange(0, DAYS - length + 1)
        pool = [u for u in USERS if u["upn"] not in trips and u["office"] != dest]
        for u in RNG.sample(pool, min(len(pool), RNG.randint(4, 9))):
            trips[u["upn"]] = trip(u, dest, d0, length)
            trips[u["upn"]]["conference"] = True
    return trips


def behaviour_saas_integration(u):
    """6. A SaaS integration redeeming the user's refresh token from a cloud range, many times a day."""
    TAG[0] = "saas_integration"
    for app in u.get("integrations", []):
        vendor = app["vendor"]
        pops = vendor["pops"] or [{"boston": "boydton", "london": "london", "munich": "frankfurt"}[u["office"]]]
        pool = [ctx(vendor["net"], p, ip=pick_v4(RNG, vendor["net"], f"{vendor['name']}-{p}", 25, p))
                for p in pops for _ in range(RNG.randint(2, 5))]
        app_tuple = (vendor["name"], stable_uuid("saas", vendor["name"]),
                     RNG.choice(vendor["res"]), "00000003-0000-0000-c000-000000000000")
        t = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(minutes=RNG.uniform(0, 60))
        end = t + timedelta(days=DAYS)
        first = t
        while t < end:
            c = RNG.choice(pool)
            ip, asn, place = resolve(c, t)
            add_entra(signin(t, u, ip, asn, place, app_tuple, vendor["ua"], app["session"], None,
                                token="refreshToken"))
            t += timedelta(minutes=RNG.uniform(*vendor["every"]))
            hour = (t.hour + tz_offset(u["tz"], 0)) % 24
            if app["office_hours"] and not (7 <= hour <= 19):
                t += timedelta(hours=RNG.uniform(8, 11))
        confound(u, "saas_integration", first, end, f"{vendor['name']} session={'own' if app['session'] else 'none'}")


def behaviour_admin_dev(u, day, segs):
    """7. Admins and developers: Azure CLI / PowerShell / Graph PowerShell / VS Code, device code on
    headless hosts, Cloud Shell and Codespaces, admin credential rotation and consent."""
    if u["role"] not in ("admin", "dev", "it"):
        return
    laptop = [s for s in segs if s["dev"] == "laptop"]
    if not laptop:
        return
    dev = u["laptop"]
    s = RNG.choice(laptop)
    TAG[0] = "admin_dev_tools (laptop)"
    # tooling on the laptop itself
    tools = ["azcli", "vscode", "azcli_graph"] if u["role"] == "dev" else ["graphps", "azps", "exo_ps", "portal"]
    for _ in range(RNG.randint(1, 6)):
        t = s["start"] + (s["end"] - s["start"]) * RNG.random()
        ip, asn, place = resolve(s["ctx"], t)
        app = RNG.choice(tools)
        ua = tool_ua(app, dev["os"])
        tok = "primaryRefreshToken" if dev["trust"] == "Azure AD joined" and chance(0.5) else "refreshToken"
        add_entra(signin(t, u, ip, asn, place, APPS[app], ua, dev["session"], dev if dev["id"] else None,
                            token=tok))
    # a cloud host: Codespaces / Cloud Shell / a headless VM signing in with the device-code flow
    if chance(0.35):
        kind = RNG.choice(["codespaces", "cloudshell", "headless_vm", "headless_vm_aws"])
        TAG[0] = "admin_dev_tools (" + kind + ")"
        net, city = {"codespaces": ("azure", RNG.choice(["boydton", "amsterdam", "london"])),
                     "cloudshell": ("azure", RNG.choice(["boydton", "dublin", "frankfurt"])),
                     "headless_vm": ("azure", RNG.choice(["washington", "amsterdam"])),
                     "headless_vm_aws": (RNG.choice(["aws", "aws_use1"]), None)}[kind]
        if city is None:
            city = RNG.choice(POPS[net])
        c = ctx(net, city, ip=pick_v4(RNG, net, f"{u['upn']}-{kind}", 24, city))
        t = s["start"] + (s["end"] - s["start"]) * RNG.uniform(0, 0.6)
        app = "azcli" if kind != "headless_vm" else RNG.choice(["graphps", "azcli"])
        sess = new_id()
        ip, asn, place = resolve(c, t)
        ua = "python/3.12.3 (Linux-6.5.0-1025-azure-x86_64-with-glibc2.35) msal/1.31.0 azure-cli/2.67.0" \
            if app == "azcli" else "Mozilla/5.0 (Linux; Ubuntu 22.04) PowerShell/7.4.6"
        devcode = kind != "cloudshell"
        add_entra(signin(t, u, ip, asn, place, APPS[app], ua, sess, None, interactive=True, mfa=True,
                            protocol="deviceCode" if devcode else "none",
                            transfer="deviceCode" if devcode else "none"))
        n = RNG.randint(3, 40)
        for k in range(n):
            t2 = t + timedelta(minutes=RNG.uniform(2, 60 * 8))
            ip, asn, place = resolve(c, t2)
            add_entra(signin(t2, u, ip, asn, place, APPS[RNG.choice([app, "azcli_graph" if app == "azcli" else app])],
                                ua, sess, None, token="refreshToken"))
        confound(u, f"admin_dev_{kind}", t, t + timedelta(hours=8), f"{APPS[app][0]} devicecode={devcode}")
    # a nightly admin script from an automation VM with a scripted user agent
    if u["role"] == "admin" and u.get("script"):
        sc = u["script"]
        TAG[0] = "admin_dev_tools (nightly script)"
        t = lt(u["tz"], day, RNG.uniform(1, 3))
        for k in range(RNG.randint(2, 8)):
            ip, asn, place = resolve(sc["ctx"], t)
            add_entra(signin(t, u, ip, asn, place, APPS["graphps"], sc["ua"], sc["session"], None))
            t += timedelta(seconds=RNG.uniform(5, 300))
        confound(u, "admin_script", t - timedelta(minutes=30), t, sc["ua"])
    # routine credential rotation and admin consent (AuditLogs)
    TAG[0] = "admin_audit"
    if u["role"] == "admin" and chance(0.25):
        t = s["start"] + (s["end"] - s["start"]) * RNG.random()
        ip, _, _ = resolve(s["ctx"], t)
        app = RNG.choice(["HR-Sync", "Backup-Connector", "Jenkins-Deploy", "Terraform-CI", "ServiceNow-Graph"])
        add_audit(credential_audit(t, u, ip, app, "ServicePrincipal" if chance(0.5) else "Application"))
        confound(u, "admin_credential_rotation", t, t + timedelta(minutes=2), app)
    if u["role"] == "admin" and chance(0.2):
        t = s["start"] + (s["end"] - s["start"]) * RNG.random()
        ip, _, _ = resolve(s["ctx"], t)
        app = RNG.choice(CONSENT_APPS)
        add_audit(consent_audit(t, u, ip, app, admin=True))
        confound(u, "admin_consent", t, t + timedelta(minutes=2), app)


def tool_ua(app, os_):
    plat = {"Windows 10": "Windows-10-10.0.22631-SP0", "MacOs": "macOS-15.6-arm64-arm-64bit",
            "Linux": "Linux-6.8.0-45-generic-x86_64-with-glibc2.39"}.get(os_, "Windows-10-10.0.22631-SP0")
    if app.startswith("azcli"):
        return f"python/3.12.7 ({plat}) msal/1.31.0 azure-cli/2.67.0"
    if app == "vscode":
        return ""
    if app in ("graphps", "azps", "exo_ps"):
        return "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.6"
    return edge_ua(141)


def credential_audit(t, actor, ip, app_name, kind):
    obj = stable_uuid("app", app_name)
    key = new_id()
    if kind == "ServicePrincipal":
        op, cat = "Add service principal credentials", "ApplicationManagement"
    else:
        op, cat = "Update application – Certificates and secrets management ", "ApplicationManagement"
    mods = [{"displayName": "KeyDescription", "oldValue": "[]",
             "newValue": f"[\"[KeyIdentifier={key},KeyType=Password,KeyUsage=Verify,DisplayName=rotation-{t:%Y%m}]\"]"}]
    return [audit(t, actor, ip, op.strip(), cat, [(obj, app_name, kind, mods)],
                  details=[("User-Agent", edge_ua(141)), ("AppId", stable_uuid("appid", app_name))],
                  op_type="Update")]


def consent_audit(t, actor, ip, app_name, admin, scopes="User.Read offline_access openid profile"):
    obj = stable_uuid("sp", app_name)
    mods = [{"displayName": "ConsentContext.IsAdminConsent", "oldValue": None, "newValue": f"\"{admin}\""},
            {"displayName": "ConsentContext.OnBehalfOfAll", "oldValue": None, "newValue": f"\"{admin}\""},
            {"displayName": "ConsentAction.Permissions", "oldValue": None,
             "newValue": f"\"[] => [[Id: {new_id()}, ClientId: {obj}, PrincipalId: {'' if admin else actor['id']}, "
                         f"ResourceId: {stable_uuid('sp', 'Microsoft Graph')}, ConsentType: "
                         f"{'AllPrincipals' if admin else 'Principal'}, Scope: {scopes}]]; \""},
            {"displayName": "TargetId.ServicePrincipalNames", "oldValue": None,
             "newValue": f"\"{stable_uuid('appid', app_name)}\""}]
    rows = [audit(t, actor, ip, "Consent to application", "ApplicationManagement",
                  [(obj, app_name, "ServicePrincipal", mods)],
                  details=[("User-Agent", edge_ua(141)), ("AppId", stable_uuid("appid", app_name))]),
            audit(t + timedelta(seconds=1), actor, ip, "Add delegated permission grant", "ApplicationManagement",
                  [(stable_uuid("sp", "Microsoft Graph"), "Microsoft Graph", "ServicePrincipal",
                    [{"displayName": "DelegatedPermissionGrant.Scope", "oldValue": None, "newValue": f"\"{scopes}\""}])],
                  details=[("User-Agent", edge_ua(141))])]
    return rows


def device_audit(t, actor, ip, name, obj, os_="Windows", trust="Azure AD registered"):
    rows = []
    for k, op in enumerate(["Register device", "Add device", "Add registered owner to device",
                            "Add registered users to device"]):
        rows.append(audit(t + timedelta(seconds=k), actor, ip, op, "Device", [(obj, name, "Device", [])],
                          details=[("Device OS", os_), ("Device Trust Type", trust),
                                   ("Device Id", obj), ("User-Agent", "Dsreg/10.0 (Windows 10.0.22631.4317)")]))
    return rows


def behaviour_new_laptop(u, day, segs):
    """9b. A new laptop issued: registered by IT (office) or the user (home), then its deviceId in use."""
    if u.get("new_laptop_day") != day:
        return
    laptop = [s for s in segs if s["dev"] == "laptop"]
    if not laptop:
        u["new_laptop_day"] = day + 1 if day + 1 < DAYS else None
        return
    s = laptop[0]
    TAG[0] = "new_laptop"
    t = s["start"] + timedelta(minutes=RNG.uniform(5, 60))
    ip, asn, place = resolve(s["ctx"], t)
    it_staff = [x for x in USERS if x["role"] in ("it", "admin")]
    actor = RNG.choice(it_staff) if it_staff and chance(0.5) else u
    old = u["laptop"]
    new = make_laptop(u)
    new["os"], new["trust"], new["id"] = "Windows 10", "Azure AD joined", new_id()
    new["name"] = "LT-" + "%06X" % RNG.getrandbits(24)
    new["apps"] = old["apps"] if old["os"] == "Windows 10" else make_laptop_windows_apps()
    new["browser_ua"] = old["browser_ua"] if old["os"] == "Windows 10" else edge_ua(141)
    add_entra(signin(t - timedelta(minutes=2), u, ip, asn, place, APPS["winsignin"],
                        WAM_UA, new_id(), None, interactive=True, mfa=True))
    add_audit(device_audit(t, actor, ip, new["name"], new["id"], trust="Azure AD joined"))
    u["laptop"] = new
    confound(u, "new_laptop", t - timedelta(minutes=5), s["end"], f"registered by {'IT' if actor is not u else 'user'}")


def make_laptop_windows_apps():
    return {"office_exo": outlook_win_ua("18925"), "office_graph": outlook_win_ua("18925"),
            "office_spo": outlook_win_ua("18925"), "teams": teams_win_ua("25255.703.3905.7315"),
            "teams_graph": teams_win_ua("25255.703.3905.7315"), "teams_spo": teams_win_ua("25255.703.3905.7315"),
            "onedrive": onedrive_win_ua("25.174.0907.0001", "26100"), "broker": WAM_UA, "broker_graph": WAM_UA,
            "winsignin": WAM_UA}


# ============================================================================= Entra emission
LAPTOP_APPS = [("office_exo", 24), ("teams", 18), ("teams_graph", 8), ("onedrive", 12), ("office_graph", 10),
               ("office_spo", 7), ("teams_spo", 4), ("broker", 3), ("broker_graph", 3), ("web", 11)]
PHONE_APPS = [("outlook_mobile", 48), ("outlook_mobile_graph", 12), ("teams", 25), ("authenticator", 5),
              ("company_portal", 2), ("web", 4)]
WEB_APPS = ["officehome", "owa", "spo_web", "owa", "officehome"]


LABEL_TAG = {"home": "home", "office": "office_nat (shared_egress)", "guest": "guest_wifi (shared_egress)",
             "cowork": "coworking (shared_egress)", "carrier": "mobile_carrier", "sse": "corporate_sse",
             "vpn": "personal_vpn", "airport": "travel_airport", "inflight": "travel_inflight",
             "hotel": "travel_hotel", "venue": "travel_venue", "relay": "private_relay"}


def seg_tag(c, dev=None):
    if dev == "personal":
        return "personal_vpn (personal device)"
    return LABEL_TAG.get(c["label"], c["label"] or "baseline")


def emit_segment(u, s, day_first):
    TAG[0] = seg_tag(s["ctx"], s["dev"])
    if s["dev"] == "laptop":
        emit_laptop(u, u["laptop"], s, day_first)
    elif s["dev"] == "phone":
        emit_phone(u, u["phone"], s)
    elif s["dev"] == "personal":
        emit_personal(u, s)


def emit_laptop(u, dev, s, day_first):
    t = s["start"]
    joined = dev["trust"] == "Azure AD joined"
    if day_first and joined and s.get("first", True):
        ip, asn, place = resolve(s["ctx"], t)
        add_entra(signin(t, u, ip, asn, place, APPS["winsignin"], WAM_UA, dev["session"], dev,
                            interactive=True, mfa=True, token="none"))
        t2 = t + timedelta(minutes=RNG.uniform(1, 10))
        add_entra(signin(t2, u, ip, asn, place, APPS["officehome"], dev["browser_ua"], dev["session"], dev,
                            interactive=True, token="primaryRefreshToken", mfa=True))
    mean = RNG.uniform(12, 28)
    while True:
        t += timedelta(minutes=RNG.expovariate(1 / mean))
        if t >= s["end"]:
            break
        app = weighted([(a, w) for a, w in LAPTOP_APPS if a == "web" or a in dev["apps"]]) if dev["apps"] else "web"
        if app == "web":
            emit_web(u, dev, s, t, joined)
            continue
        ip, asn, place = resolve(s["ctx"], t)
        tok = "primaryRefreshToken" if joined and (app.startswith("broker") or chance(0.55)) else "refreshToken"
        add_entra(signin(t, u, ip, asn, place, APPS[app], dev["apps"][app], dev["session"],
                            dev if dev["id"] else None, token=tok))


def emit_web(u, dev, s, t, joined):
    """A browser sign-in: PRT SSO on joined Windows, else a cookie session renewed every few days."""
    c = s.get("relay") or s["ctx"]
    saved = TAG[0]
    TAG[0] = seg_tag(c, s["dev"])
    try:
        _emit_web(u, dev, c, t, joined)
    finally:
        TAG[0] = saved


def _emit_web(u, dev, c, t, joined):
    ip, asn, place = resolve(c, t)
    app = APPS[RNG.choice(WEB_APPS)]
    if joined and "Edg/" in dev["browser_ua"]:
        add_entra(signin(t, u, ip, asn, place, app, dev["browser_ua"], dev["session"], dev,
                            interactive=chance(0.4), token="primaryRefreshToken", mfa=True))
        return
    if dev["bsess"] is None or t > dev["buntil"]:
        dev["bsess"], dev["buntil"] = new_id(), t + timedelta(days=RNG.uniform(1, 8))
        add_entra(signin(t, u, ip, asn, place, APPS["officehome"], dev["browser_ua"], dev["bsess"],
                            dev if dev["id"] else None, interactive=True, mfa=True))
        return
    add_entra(signin(t, u, ip, asn, place, app, dev["browser_ua"], dev["bsess"], dev if dev["id"] else None,
                        interactive=chance(0.2)))


def emit_phone(u, dev, s):
    t = s["start"]
    mean = RNG.uniform(25, 60)
    while True:
        t += timedelta(minutes=RNG.expovariate(1 / mean))
        if t >= s["end"]:
            break
        app = weighted(PHONE_APPS if not (dev["relay"] and s.get("relay")) else PHONE_APPS + [("web", 10)])
        if app == "web":
            emit_web(u, dev, s, t, False)
            continue
        ip, asn, place = resolve(s["ctx"], t)
        sess = dev["teams_session"] if app == "teams" and dev["teams_session"] else dev["session"]
        add_entra(signin(t, u, ip, asn, place, APPS[app], dev["apps"][app], sess, dev if dev["id"] else None))


def emit_personal(u, s):
    """A personal device (no deviceId) used through a VPN: new session, interactive MFA sign-in."""
    pd = u.setdefault("personal", {"kind": "personal", "os": "Windows 10", "trust": None, "id": None,
                                   "name": "", "session": new_id(), "bsess": None, "buntil": None, "apps": {},
                                   "browser_ua": chrome_win_ua(RNG.choice([139, 140, 141])) if chance(0.6)
                                   else safari_mac_ua("18.5")})
    t = s["start"] + timedelta(minutes=2)
    emit_web(u, pd, s, t, False)
    while True:
        t += timedelta(minutes=RNG.expovariate(1 / 15))
        if t >= s["end"]:
            break
        emit_web(u, pd, s, t, False)


# ============================================================================= Okta emission
def okta_target(app):
    return [{"id": "0oa" + hashlib.md5(app.encode()).hexdigest()[:17], "type": "AppInstance",
             "alternateId": app, "displayName": app, "detailEntry": {"signOnModeType": "SAML_2_0"}}]


def okta_ev(t, u, etype, c, agent, sid, dt, **kw):
    ip, asn, place = resolve(c, t)
    return okta_event(t, u, etype, ip, c["net"], place, agent, sid, dt, proxy=c.get("proxy", False), **kw), ip


def emit_okta_day(u, day, segs):
    """9. Okta: session start with MFA (push or FastPass), SSO to apps, context changes when the IP moves,
    widget token grants with their own hash, browser updates/private windows, logout."""
    st = u["okta_state"]
    TAG[0] = "okta_baseline"
    lap = sorted([s for s in segs if s["dev"] == "laptop"], key=lambda s: s["start"])
    agent = u["laptop"]["browser_ua"]
    for s in lap:
        c = s.get("relay") or s["ctx"]
        TAG[0] = "okta:" + seg_tag(c)
        t = s["start"] + timedelta(minutes=RNG.uniform(1, 15))
        if t >= s["end"]:
            continue
        if st.get("update_day") == day and not st.get("updated"):
            st["dt"], st["updated"] = dt_hash(), True  # browser update/reinstall: a new device hash
            confound(u, "okta_new_dthash", t, t + timedelta(hours=8), "browser update")
        if st["sid"] is None or t > st["until"]:
            start_okta_session(u, t, c, agent)
        times = sorted(s["start"] + (s["end"] - s["start"]) * RNG.random()
                       for _ in range(max(1, int((s["end"] - s["start"]).total_seconds() / 3600 * RNG.uniform(0.5, 1.6)))))
        for t2 in times:
            if t2 > st["until"]:
                start_okta_session(u, t2, c, agent)
            ev, ip = okta_ev(t2, u, "user.authentication.sso", c, agent, st["sid"], st["dt"],
                             target=okta_target(RNG.choice(u["okta_apps"])),
                             debug={"requestUri": "/app/" + "x" * 4 + "/sso/saml", "url": "/app/sso/saml?"})
            if st["last_ip"] and ip != st["last_ip"]:
                ce, _ = okta_ev(t2 - timedelta(seconds=2), u, "user.session.context.change", c, agent, st["sid"],
                                st["dt"], debug={"changedContext": "IP", "previousIp": st["last_ip"]})
                add_okta(ce)
                if not s.get("ctxchange_noted"):
                    s["ctxchange_noted"] = True
                    confound(u, "okta_context_change", t2 - timedelta(minutes=1), t2 + timedelta(minutes=1),
                             f"{st['last_ip']}->{ip}")
            add_okta(ev)
            st["last_ip"] = ip
            st["sessions"][-1]["end"] = t2
            st["sessions"][-1]["last_ip"] = ip
            if chance(0.25):  # the sign-in widget's / dashboard's OAuth grant carries its own hash
                ge, _ = okta_ev(t2 + timedelta(seconds=RNG.uniform(1, 30)), u, "app.oauth2.as.token.grant.access_token",
                                c, agent, st["sid"], st["widget_dt"],
                                target=[{"id": "aus" + u["okta_id"][3:14], "type": "AuthorizationServer",
                                         "alternateId": "Okta Dashboard", "displayName": "Okta Dashboard",
                                         "detailEntry": None}],
                                debug={"requestUri": "/oauth2/v1/token", "grantType": "authorization_code"})
                add_okta(ge)
        # a private window now and then: a new session with a fresh hash, from the same place
        if chance(0.04):
            t3 = s["start"] + (s["end"] - s["start"]) * RNG.random()
            pdt, psid = dt_hash(), okta_sid()
            TAG[0] = "okta:private_window (browser_churn)"
            okta_login(u, t3, c, agent, psid, pdt)
            for k in range(RNG.randint(1, 3)):
                ev, _ = okta_ev(t3 + timedelta(minutes=2 + k), u, "user.authentication.sso", c, agent, psid, pdt,
                                target=okta_target(RNG.choice(u["okta_apps"])))
                add_okta(ev)
            confound(u, "okta_private_window", t3, t3 + timedelta(minutes=10))
    if lap and not st["persistent"] and st["sid"] and chance(0.3):
        t = lap[-1]["end"] + timedelta(minutes=RNG.uniform(0, 5))
        ev, _ = okta_ev(t, u, "user.session.end", lap[-1]["ctx"], agent, st["sid"], st["dt"])
        add_okta(ev)
        st["sid"] = None
    # phone: Okta Verify token refreshes (no browser, no session cookie) and an occasional mobile SSO
    ph = [s for s in segs if s["dev"] == "phone"]
    TAG[0] = "okta:phone"
    if ph and chance(0.5):
        s = RNG.choice(ph)
        t = s["start"] + (s["end"] - s["start"]) * RNG.random()
        ua = OKTA_VERIFY_IOS if u["phone"]["os"] == "Ios" else OKTA_VERIFY_ANDROID
        ev, _ = okta_ev(t, u, "app.oauth2.as.token.grant.refresh_token", s["ctx"], ua, "unknown", None,
                        device_kind="Mobile",
                        target=[{"id": "0oaOktaVerify", "type": "AppInstance", "alternateId": "Okta Verify",
                                 "displayName": "Okta Verify", "detailEntry": None}],
                        debug={"requestUri": "/oauth2/v1/token", "grantType": "refresh_token"})
        add_okta(ev)
    if ph and chance(0.2):
        s = RNG.choice(ph)
        c = s.get("relay") or s["ctx"]
        t = s["start"] + (s["end"] - s["start"]) * RNG.random()
        if st["phone_sid"] is None or t > st["phone_until"]:
            st["phone_sid"], st["phone_until"] = okta_sid(), t + timedelta(days=7)
            okta_login(u, t, c, u["phone"]["browser_ua"], st["phone_sid"], st["phone_dt"], device_kind="Mobile")
        for k in range(RNG.randint(1, 3)):
            ev, _ = okta_ev(t + timedelta(minutes=1 + k), u, "user.authentication.sso", c, u["phone"]["browser_ua"],
                            st["phone_sid"], st["phone_dt"], target=okta_target(RNG.choice(["Slack", "Zoom", "Box"])),
                            device_kind="Mobile")
            add_okta(ev)


def okta_login(u, t, c, agent, sid, dt, device_kind="Computer"):
    st = u["okta_state"]
    ev, _ = okta_ev(t, u, "policy.evaluate_sign_on", c, agent, sid, dt, outcome="ALLOW",
                    reason="Sign-on policy evaluation resulted in ALLOW", device_kind=device_kind,
                    target=[{"id": "00p1signonpolicy", "type": "PolicyEntity", "alternateId": "unknown",
                             "displayName": "Default Policy", "detailEntry": {"policyType": "OktaSignOn"}}])
    add_okta(ev)
    fastpass = st["fastpass"] and device_kind == "Computer"
    ev, _ = okta_ev(t + timedelta(seconds=RNG.uniform(3, 25)), u, "user.authentication.auth_via_mfa", c, agent, sid,
                    dt, cred="OKTA_CREDENTIAL_PROVIDER", device_kind=device_kind,
                    debug={"factor": "SIGNED_NONCE" if fastpass else "OKTA_VERIFY_PUSH",
                           "requestUri": "/idp/idx/challenge/answer"})
    add_okta(ev)
    ev, _ = okta_ev(t + timedelta(seconds=RNG.uniform(26, 40)), u, "user.session.start", c, agent, sid, dt,
                    device_kind=device_kind, cred="OKTA_CREDENTIAL_PROVIDER")
    add_okta(ev)


def start_okta_session(u, t, c, agent):
    st = u["okta_state"]
    st["sid"] = okta_sid()
    st["until"] = t + (timedelta(days=7) if st["persistent"] else timedelta(hours=12))
    st["widget_dt"] = dt_hash()
    st["last_ip"] = None
    okta_login(u, t, c, agent, st["sid"], st["dt"])
    st["sessions"].append({"sid": st["sid"], "start": t, "end": t, "until": st["until"], "agent": agent,
                           "dt": st["dt"]})


# ============================================================================= planted attacks
HOSTING = ["digitalocean", "vultr", "linode", "ovh", "hetzner", "m247", "stark", "aeza", "hostinger", "leaseweb",
           "datacamp"]
RESIDENTIAL_BY_CC = {"US": ["comcast", "fios", "spectrum", "att"], "GB": ["bt", "virgin", "sky", "talktalk"],
                     "DE": ["telekom", "vodafone_kabel", "mnet", "o2de"]}
CITIES_BY_CC = {"US": ["newyork", "philadelphia", "chicago", "atlanta", "dallas", "denver", "phoenix", "losangeles",
                       "seattle", "miami"],
                "GB": ["manchester", "birmingham", "leeds", "bristol", "edinburgh"],
                "DE": ["berlin", "hamburg", "frankfurt", "dusseldorf", "stuttgart", "nuremberg"]}
FOREIGN_RES = ["vivo_br", "viettel", "kyivstar", "ziggo", "jio", "mtn_ng"]
FOREIGN_PLACE = {"vivo_br": "saopaulo", "viettel": "hanoi", "kyivstar": "kyiv", "ziggo": "amsterdam",
                 "jio": "mumbai", "mtn_ng": "lagos"}


def attacker_network(v, style):
    """(context, trait) for the attacker's own network."""
    if style == "hosting":
        net = RNG.choice(HOSTING)
        city = RNG.choice(POPS[net])
        return hosting_ctx(net, city, tag=f"atk-{RNG.random()}"), f"hosting:{net}"
    if style == "cloud":
        net = RNG.choice(["aws", "azure", "gcp", "aws_use1"])
        city = RNG.choice(POPS[net])
        return hosting_ctx(net, city, tag=f"atk-{RNG.random()}"), f"cloud:{net}"
    if style == "resproxy_other_isp":
        if chance(0.6):
            net = RNG.choice([n for n in RESIDENTIAL_BY_CC[v["cc"]] if n != v["isp"]])
            city = RNG.choice(CITIES_BY_CC[v["cc"]])
        else:
            net = RNG.choice(FOREIGN_RES)
            city = FOREIGN_PLACE[net]
        return ctx(net, city, rotate=(3, 40), tag=None, label="resproxy"), f"resproxy_other_isp:{net}"
    if style == "resproxy_same_isp":
        city = RNG.choice([c for c in CITIES_BY_CC[v["cc"]] + OFFICES[v["office"]]["homes"] if c != v["home_place"]])
        return ctx(v["isp"], city, rotate=(3, 40), label="resproxy"), f"resproxy_same_isp:{v['isp']}"
    if style == "vpn":
        provider = RNG.choice(list(VPN_PROVIDERS))
        net = RNG.choice(VPN_PROVIDERS[provider])
        same_country = [c for c in POPS[net] if PLACES[c][2] == v["cc"]]
        city = RNG.choice(same_country) if same_country and chance(0.5) else RNG.choice(POPS[net])
        return ctx(net, city, ip=pick_v4(RNG, net, f"{provider}-{city}", 26), proxy=True, label="vpn"), \
            f"vpn:{provider}"
    # mobile carrier: the victim's country or abroad
    if chance(0.6):
        net = RNG.choice([n for n, _ in OFFICES[v["office"]]["carriers"]])
        return carrier_ctx(v, net), f"mobile:{net}"
    net = RNG.choice(["jio", "mtn_ng"])
    return carrier_ctx(v, net), f"mobile:{net}"


def attacker_agent(v, style, victim_agent):
    if style == "victim":
        return victim_agent, "ua:victim"
    if style == "own":
        return RNG.choice([chrome_win_ua(RNG.choice([131, 134, 137])), firefox_ua(128, "X11; Linux x86_64"),
                           safari_mac_ua("17.4"), edge_ua(138),
                           "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"]), "ua:own"
    return RNG.choice(["python-requests/2.32.3", "python-requests/2.28.1", "axios/1.7.9", "Go-http-client/1.1",
                       "", "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0", "node-fetch/2.7.0",
                       "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)"]), "ua:scripted"


def victim_time(v, timing, min_day=0):
    """A time for the attacker's first event, per the timing trait; returns (t, trait)."""
    days = list(range(min_day, DAYS))
    if timing == "weekend":
        wk = [d for d in days if (START + timedelta(days=d)).weekday() >= 5]
        if wk:
            d = RNG.choice(wk)
            return lt(v["tz"], d, RNG.uniform(10, 20)), "time:weekend"
        timing = "night"
    d = RNG.choice([x for x in days if (START + timedelta(days=x)).weekday() < 5] or days)
    if timing == "night":
        d = min(d, DAYS - 2) if DAYS > 1 else d
        return lt(v["tz"], d, RNG.uniform(25, 29)), "time:night"
    segs = [s for s in v["segs"].get(d, []) if s["dev"] == "laptop"]
    if timing == "victim_active" and segs:
        s = RNG.choice(segs)
        return s["start"] + (s["end"] - s["start"]) * RNG.uniform(0.1, 0.8), "time:victim_active"
    return lt(v["tz"], d, RNG.uniform(19.5, 23.0)), "time:victim_idle"


def replay_events(v, c, t0, n, spread_h, make):
    """n attacker events from t0 over spread_h hours; make(t, ip, asn, place) builds each record."""
    ips = []
    end = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=DAYS, hours=3)
    if t0 > end - timedelta(hours=1):
        t0 = end - timedelta(hours=RNG.uniform(1, 3))
    spread_h = max(0.05, min(spread_h, (end - t0).total_seconds() / 3600))
    times = sorted([t0] + [t0 + timedelta(hours=RNG.uniform(0, spread_h)) for _ in range(n - 1)])
    for t in times:
        ip, asn, place = resolve(c, t)
        ips.append(ip)
        make(t, ip, asn, place)
    return times[0], times[-1], ips


def incident(kind, technique, source, v, session, app, start, end, ips, traits):
    INCIDENTS.append({"id": f"inc-{len(INCIDENTS) + 1:04d}", "kind": kind, "technique": technique,
                      "source": source, "user": v["upn"], "session_id": session, "app": app,
                      "start": iso(start), "end": iso(end + timedelta(seconds=1)),
                      "attacker_ips": sorted(set(ips)), "variant": ",".join(traits)})


def pick_styles():
    net = RNG.choice(["hosting", "hosting", "resproxy_other_isp", "resproxy_same_isp", "vpn", "mobile", "cloud"])
    ua = RNG.choice(["victim", "own", "scripted"])
    timing = RNG.choice(["victim_active", "victim_idle", "night", "weekend"])
    n = RNG.choice([1, 2, 3, 5, 8, 12, 20, 35, 50])
    return net, ua, timing, n


def attack_aitm_cookie_replay(v, then_consent=False):
    """AiTM: interactive sign-in through a phishing proxy (MFA satisfied), cookie replayed later."""
    net_style, ua_style, timing, n = pick_styles()
    proxy_net = RNG.choice(["digitalocean", "vultr", "hostinger", "stark", "aws", "azure", "ovh", "linode"])
    proxy = hosting_ctx(proxy_net, RNG.choice(POPS[proxy_net]), tag=f"aitm-{RNG.random()}")
    t_phish, _ = victim_time(v, "victim_active")
    sess = new_id()
    app = APPS[RNG.choice(["officehome", "owa"])]
    pip, pasn, pplace = resolve(proxy, t_phish)
    add_entra(signin(t_phish, v, pip, pasn, pplace, app, v["browser_ua"], sess, None, interactive=True, mfa=True))
    delay = timedelta(minutes=RNG.choice([3, 8, 20, 45, 90, 180, 400, 900]))
    if chance(0.2):
        c, net_trait = proxy, f"replay_from_proxy:{proxy_net}"
    else:
        c, net_trait = attacker_network(v, net_style)
    agent, ua_trait = attacker_agent(v, ua_style, v["browser_ua"])
    t0 = t_phish + delay
    timing_trait = "time:victim_active" if any(
        s["start"] <= t0 <= s["end"] for d in v["segs"] for s in v["segs"][d] if s["dev"] == "laptop") else "time:victim_idle"
    first = [True]

    def make(t, ip, asn, place):
        inter = first[0] or chance(0.1)
        first[0] = False
        a = app if inter else APPS[RNG.choice(["owa", "office_exo", "office_graph", "officehome", "spo_web"])]
        add_entra(signin(t, v, ip, asn, place, a, agent, sess, None, interactive=inter, mfa=True,
                            token="none" if inter else "refreshToken"))
    s0, s1, ips = replay_events(v, c, t0, n, RNG.choice([0.2, 1, 3, 8]), make)
    traits = ["aitm_proxy:" + proxy_net, net_trait, ua_trait, timing_trait, f"events:{n}",
              f"delay_min:{int(delay.total_seconds() // 60)}"]
    if chance(0.3):
        t = s0 + timedelta(minutes=RNG.uniform(1, 10))
        add_audit([audit(t, v, ips[0], "User registered security info", "UserManagement",
                           [(v["id"], v["name"], "User", [])], details=[("User-Agent", agent)],
                           service="Authentication Methods")])
        traits.append("mfa_method_added")
        s1 = max(s1, t)
    end, extra = s1, []
    if then_consent:
        end, extra = consent_followup(v, c, s1, agent, traits, sess)
    incident("illicit_consent" if then_consent else "aitm_cookie_replay", "T1550.004", "entra", v, sess, app[0],
             t_phish, end, [pip] + ips + extra, traits)


def consent_followup(v, c, t, agent, traits, sess):
    """After a replay: user consent to an attacker app, or credentials added to an app (admins); the app's
    backend then uses its delegated tokens from the attacker's infrastructure."""
    t = t + timedelta(minutes=RNG.uniform(1, 40))
    ip, asn, place = resolve(c, t)
    c_ips = [ip]
    if v["role"] == "admin" and chance(0.7):
        app = RNG.choice(["HR-Sync", "Backup-Connector", "ServiceNow-Graph", "Jenkins-Deploy"])
        add_audit(credential_audit(t, v, ip, app, RNG.choice(["ServicePrincipal", "Application"])))
        traits.append("credential_added:" + app)
    else:
        app = RNG.choice(MALICIOUS_APPS)
        add_audit(consent_audit(t, v, ip, app, admin=False,
                                   scopes="Mail.ReadWrite Mail.Send Files.ReadWrite.All offline_access User.Read"))
        traits.append("consent:" + app)
        if chance(0.6):
            app_tuple = (app, stable_uuid("appid", app), "Microsoft Graph", "00000003-0000-0000-c000-000000000000")
            backend, bt = attacker_network(v, RNG.choice(["cloud", "hosting"]))
            traits.append("app_token_use:" + bt)
            limit = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=DAYS, hours=3)
            for k in range(RNG.randint(2, 15)):
                t2 = t + timedelta(minutes=RNG.uniform(2, 600))
                if t2 > limit:
                    continue
                ip2, asn2, place2 = resolve(backend, t2)
                c_ips.append(ip2)
                add_entra(signin(t2, v, ip2, asn2, place2, app_tuple, RNG.choice(["python-requests/2.32.3", ""]),
                                    sess, None, token="refreshToken"))
                t = max(t, t2)
    return t, c_ips


def attack_refresh_token_replay(v, then_consent=False):
    """A refresh token from an existing app session redeemed from the attacker's network."""
    net_style, ua_style, timing, n = pick_styles()
    use_phone = chance(0.45)
    dev = v["phone"] if use_phone else v["laptop"]
    if not use_phone and not dev["apps"]:
        dev, use_phone = v["phone"], True
    app_key = RNG.choice(["outlook_mobile", "teams"]) if use_phone else RNG.choice(["office_exo", "teams", "onedrive"])
    victim_ua = dev["apps"][app_key]
    sess = dev["teams_session"] if use_phone and app_key == "teams" and dev["teams_session"] else dev["session"]
    c, net_trait = attacker_network(v, net_style)
    agent, ua_trait = attacker_agent(v, ua_style, victim_ua)
    t0, timing_trait = victim_time(v, timing, min_day=1)
    foci = chance(0.35)
    apps = [app_key] + (["office_graph", "teams_graph", "office_exo", "azcli_graph"] if foci else [])
    devclaim = dev["id"] and chance(0.2)

    def make(t, ip, asn, place):
        add_entra(signin(t, v, ip, asn, place, APPS[RNG.choice(apps)], agent, sess, dev if devclaim else None,
                            token="refreshToken"))
    s0, s1, ips = replay_events(v, c, t0, n, RNG.choice([0.1, 2, 12, 36]), make)
    traits = ["token_from:" + ("phone" if use_phone else "laptop_app") + ":" + app_key, net_trait, ua_trait,
              timing_trait, f"events:{n}"] + (["foci_app_swap"] if foci else []) + (["device_claim"] if devclaim else [])
    end, extra = s1, []
    if then_consent:
        end, extra = consent_followup(v, c, s1, agent, traits, sess)
    incident("illicit_consent" if then_consent else "refresh_token_replay", "T1550.001", "entra", v, sess,
             APPS[app_key][0], s0, end, ips + extra, traits)


def attack_prt_theft(v):
    """A joined device's PRT used from another network, with the device's id (the PRT carries it)."""
    net_style, ua_style, timing, n = pick_styles()
    dev = v["laptop"]
    c, net_trait = attacker_network(v, net_style)
    agent, ua_trait = attacker_agent(v, ua_style, RNG.choice([WAM_UA, dev["browser_ua"]]))
    t0, timing_trait = victim_time(v, timing, min_day=1)
    apps = ["broker", "office_graph", "office_exo", "teams", "officehome", "azcli_graph", "broker_graph"]
    browser = chance(0.4)

    def make(t, ip, asn, place):
        a = RNG.choice(apps)
        inter = browser and a == "officehome"
        add_entra(signin(t, v, ip, asn, place, APPS[a], agent, dev["session"], dev, interactive=inter,
                            token="primaryRefreshToken", mfa=True))
    s0, s1, ips = replay_events(v, c, t0, n, RNG.choice([0.1, 1, 6, 30]), make)
    traits = [net_trait, ua_trait, timing_trait, f"events:{n}"] + (["prt_browser_cookie"] if browser else [])
    incident("prt_theft", "T1550.001", "entra", v, dev["session"], "Microsoft Authentication Broker", s0, s1, ips,
             traits)


def attack_device_code_phishing(v):
    """The victim enters the attacker's code; the sign-in's address is the attacker's polling client;
    tokens redeemed for hours/days; sometimes a device registered and its PRT used."""
    net_style, ua_style, timing, n = pick_styles()
    if net_style == "mobile" and chance(0.5):
        net_style = "hosting"
    c, net_trait = attacker_network(v, net_style)
    t0, _ = victim_time(v, "victim_active", min_day=0)
    app_key = RNG.choice(["office_graph", "broker", "azcli", "teams", "office_exo"])
    sess = new_id()
    rec_ua = v["browser_ua"] if chance(0.6) else attacker_agent(v, RNG.choice(["own", "scripted"]), "")[0]
    ip, asn, place = resolve(c, t0)
    on_device = v["laptop"]["id"] and chance(0.15)
    add_entra(signin(t0, v, ip, asn, place, APPS[app_key], rec_ua, sess, v["laptop"] if on_device else None,
                        interactive=True, mfa=True, protocol="deviceCode", transfer="deviceCode"))
    agent, ua_trait = attacker_agent(v, ua_style if ua_style != "victim" else "scripted", "")
    apps = [app_key, "office_graph", "office_exo", "teams_graph"]
    delay = timedelta(minutes=RNG.uniform(1, 30))

    def make(t, ip2, asn2, place2):
        add_entra(signin(t, v, ip2, asn2, place2, APPS[RNG.choice(apps)], agent, sess, None, token="refreshToken"))
    s0, s1, ips = replay_events(v, c, t0 + delay, max(1, n - 1), RNG.choice([1, 6, 24, 72]), make)
    traits = [net_trait, ua_trait, f"events:{n}", "code_app:" + APPS[app_key][0],
              "record_ua:victim_browser" if rec_ua == v["browser_ua"] else "record_ua:attacker"]
    if on_device:
        traits.append("victim_device_in_record")
    end = s1
    if chance(0.45):
        t = t0 + timedelta(minutes=RNG.uniform(3, 40))
        rip, rasn, rplace = resolve(c, t)
        add_entra(signin(t - timedelta(seconds=20), v, rip, rasn, rplace, APPS["broker"], agent, sess, None,
                            token="refreshToken"))
        rogue = {"id": new_id(), "name": "DESKTOP-" + "".join(RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                                                              for _ in range(7)),
                 "os": "Windows 10", "trust": "Azure AD registered"}
        add_audit(device_audit(t, v, rip, rogue["name"], rogue["id"]))
        for k in range(RNG.randint(2, 12)):
            t2 = t + timedelta(minutes=RNG.uniform(2, 300))
            ip2, asn2, place2 = resolve(c, t2)
            ips.append(ip2)
            add_entra(signin(t2, v, ip2, asn2, place2, APPS[RNG.choice(["broker", "office_exo", "office_graph"])],
                                RNG.choice([WAM_UA, edge_ua(138)]), sess, rogue, token="primaryRefreshToken"))
            end = max(end, t2)
        ips.append(rip)
        traits.append("device_registered")
    incident("device_code_phishing", "T1528", "entra", v, sess, APPS[app_key][0], t0, end, [ip] + ips, traits)


def attack_okta_session_hijack(v):
    """A stolen Okta session cookie (same externalSessionId) used from another network and browser."""
    net_style, ua_style, timing, n = pick_styles()
    last = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=DAYS, hours=-6)
    sessions = [s for s in v["okta_state"]["sessions"] if s["until"] > s["start"] + timedelta(hours=1)
                and s["start"] < last] or v["okta_state"]["sessions"]
    s = RNG.choice(sessions[len(sessions) // 3:] or sessions)
    c, net_trait = attacker_network(v, net_style)
    agent, ua_trait = attacker_agent(v, ua_style, s["agent"])
    if timing == "victim_active":
        t0 = s["start"] + (max(s["end"], s["start"] + timedelta(hours=1)) - s["start"]) * RNG.uniform(0.2, 0.9)
        timing_trait = "time:victim_active"
    else:
        t0 = s["end"] + timedelta(minutes=RNG.uniform(10, 300))
        t0 = min(t0, s["until"] - timedelta(minutes=30))
        timing_trait = "time:after_victim_left"
    thief_dt = dt_hash() if chance(0.8) else None
    apps = RNG.sample(OKTA_APPS, 4)
    first = [True]
    ctx_change = chance(0.7)

    def make(t, ip, asn, place):
        if first[0] and ctx_change:
            e, _ = okta_ev(t - timedelta(seconds=3), v, "user.session.context.change", c, agent, s["sid"], thief_dt,
                           debug={"changedContext": "IP", "previousIp": s.get("last_ip")})
            add_okta(e)
        first[0] = False
        et = "user.authentication.sso" if chance(0.85) else "app.oauth2.as.token.grant.access_token"
        e, _ = okta_ev(t, v, et, c, agent, s["sid"], thief_dt, target=okta_target(RNG.choice(apps)))
        add_okta(e)
    spread = min(RNG.choice([0.2, 1, 4, 10]), max(0.1, (s["until"] - t0).total_seconds() / 3600 - 0.1))
    s0, s1, ips = replay_events(v, c, t0, n, spread, make)
    traits = [net_trait, ua_trait, timing_trait, f"events:{n}", "dthash:new" if thief_dt else "dthash:none"] + (
        ["context_change_event"] if ctx_change else [])
    incident("okta_session_hijack", "T1550.004", "okta", v, s["sid"], ",".join(apps), s0 - timedelta(seconds=3), s1,
             ips, traits)


def plant_attacks(n_attacks):
    kinds = ["aitm_cookie_replay", "refresh_token_replay", "prt_theft", "device_code_phishing",
             "okta_session_hijack", "illicit_consent"]
    plan = kinds * 2
    while len(plan) < n_attacks:
        plan.append(RNG.choice(kinds))
    RNG.shuffle(plan)
    used = set()
    for kind in plan:
        if kind == "prt_theft":
            pool = [u for u in USERS if u["laptop"]["trust"] == "Azure AD joined"]
        elif kind == "okta_session_hijack":
            pool = [u for u in USERS if u["okta"] and u["okta_state"]["sessions"]]
        elif kind == "illicit_consent" and chance(0.4):
            pool = [u for u in USERS if u["role"] == "admin"] or USERS
        else:
            pool = USERS
        pool = [u for u in pool if u["upn"] not in used] or pool
        v = RNG.choice(pool)
        used.add(v["upn"])
        TAG[0] = "ATTACK:" + kind
        if kind == "aitm_cookie_replay":
            attack_aitm_cookie_replay(v)
        elif kind == "refresh_token_replay":
            attack_refresh_token_replay(v)
        elif kind == "prt_theft":
            attack_prt_theft(v)
        elif kind == "device_code_phishing":
            attack_device_code_phishing(v)
        elif kind == "okta_session_hijack":
            attack_okta_session_hijack(v)
        else:
            (attack_aitm_cookie_replay if chance(0.5) else attack_refresh_token_replay)(v, then_consent=True)


# ============================================================================= main
def assign_behaviours():
    for u in USERS:
        if chance(0.09):
            days = sorted(RNG.sample(range(DAYS), RNG.choice([1, 1, 2, 3, 4]) if DAYS >= 4 else 1))
            u["vpn"] = {"provider": RNG.choice(list(VPN_PROVIDERS)), "days": days,
                        "device": weighted([("work", 50), ("personal", 30), ("phone", 20)]), "all_day": chance(0.15)}
        if chance(0.16):
            u["integrations"] = []
            for vendor in RNG.sample(SAAS, RNG.choice([1, 1, 2])):
                mode = weighted([("own", 50), ("laptop", 30), ("none", 20)])
                sess = {"own": new_id(), "laptop": u["laptop"]["session"], "none": ""}[mode]
                u["integrations"].append({"vendor": vendor, "session": sess, "office_hours": chance(0.3)})
        if u["role"] == "admin" and chance(0.7):
            net = RNG.choice(["azure", "aws"])
            city = RNG.choice(POPS[net])
            u["script"] = {"ctx": ctx(net, city, ip=pick_v4(RNG, net, f"script-{u['upn']}", 24, city)),
                           "ua": RNG.choice(["python-requests/2.32.3", "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.20348.2849"]),
                           "session": new_id()}
        if u["okta"]:
            u["okta_apps"] = RNG.sample(OKTA_APPS, RNG.randint(3, 8))
            if chance(0.15):
                u["okta_state"]["update_day"] = RNG.randrange(DAYS)
        if chance(0.04):
            u["new_laptop_day"] = RNG.randrange(DAYS)
        if chance(0.08):  # the ISP hands out a new lease
            d = RNG.randrange(1, max(2, DAYS))
            u["leases"].append((d, pick_v4(RNG, u["isp"], f"{u['home_place']}-{RNG.randrange(40)}")))
            confound(u, "home_lease_change", lt(u["tz"], d, 0), lt(u["tz"], d, 24))


def main():
    global RNG, START, DAYS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--users", type=int, default=400)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--start", default="2026-10-05")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    RNG = random.Random(a.seed)
    records.RNG = RNG
    START, DAYS = date.fromisoformat(a.start), a.days
    names = ["northwind", "fabrikam", "tailspin", "wingtip", "adatum", "litware", "proseware", "lucerne"]
    domain = f"{names[a.seed % len(names)]}-{a.seed}.example"
    tenant_id = stable_uuid("tenant", str(a.seed))
    records.TENANT = tenant_id
    offices = ["boston", "london", "munich"] if a.seed % 2 else RNG.choice([["boston", "london"], ["london", "munich"],
                                                                             ["boston", "munich"]])
    company = make_users(a.users, offices, domain)
    assign_behaviours()
    trips = plan_trips()
    for u in USERS:
        u["segs"] = {}
        behaviour_saas_integration(u)
        for day in range(DAYS):
            trip = trips.get(u["upn"])
            if trip and day in trip["days"]:
                segs, kind = behaviour_travel(u, day, trip), "travel"
            else:
                segs, kind = plan_day(u, day)
                segs = behaviour_shared_egress(u, day, segs, kind)
            segs = behaviour_corporate_sse(u, day, segs)
            segs = behaviour_personal_vpn(u, day, segs)
            segs = behaviour_private_relay(u, day, segs)
            behaviour_mobile_carrier(u, day, segs)
            behaviour_dual_stack(u, day, segs)
            behaviour_new_laptop(u, day, segs)
            segs.sort(key=lambda s: s["start"])
            u["segs"][day] = segs
            first_laptop = True
            for s in segs:
                emit_segment(u, s, first_laptop and s["dev"] == "laptop")
                if s["dev"] == "laptop":
                    first_laptop = False
            if u["okta"]:
                emit_okta_day(u, day, segs)
            behaviour_admin_dev(u, day, segs)
    if u_sse := [u for u in USERS if u["sse"]]:
        for u in u_sse:
            confound(u, "corporate_sse", lt(u["tz"], 0, 0), lt(u["tz"], DAYS, 0), u["sse"])
    plant_attacks(max(12, round(a.users * 0.03)))

    os.makedirs(a.out, exist_ok=True)
    records.write(ENTRA, os.path.join(a.out, "entra-signins.ndjson"))
    records.write(AUDIT, os.path.join(a.out, "entra-audit.ndjson"))
    records.write(OKTA, os.path.join(a.out, "okta-system-log.ndjson"), key="published")
    labels = {"tenant": {"users": a.users, "days": DAYS, "start": START.isoformat(), "seed": a.seed,
                         "domain": domain, "tenant_id": tenant_id},
              "incidents": INCIDENTS, "confounders": sorted(CONFOUNDERS, key=lambda c: (c["start"], c["user"]))}
    with open(os.path.join(os.path.dirname(os.path.abspath(a.out)), "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
    counts = {}
    for (src, tag), n in sorted(COUNTS.items()):
        counts.setdefault(src, {})[tag] = n
    summary = {"offices": offices, "company": company, "entra_signins": len(ENTRA), "entra_audit": len(AUDIT),
               "okta": len(OKTA), "incidents": len(INCIDENTS), "confounders": len(CONFOUNDERS),
               "events_by_behaviour": counts,
               "confounders_by_category": dict(sorted(__import__("collections").Counter(
                   c["category"] for c in CONFOUNDERS).items()))}
    with open(os.path.join(os.path.dirname(os.path.abspath(a.out)), "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if not isinstance(v, dict) or k == "company"}))


if __name__ == "__main__":
    main()
