"""Static network and place catalog for the independent tenant generator.

Every network is an ASN with the address blocks it plausibly announces, a name as
MaxMind/Okta would print it, and a kind. Blocks are chosen to look like each operator's
real space; consistency inside a tenant matters more than exactness.
"""
import hashlib
import ipaddress

# name: (city, state, country code, lat, lon)
PLACES = {
    # US north-east
    "boston": ("Boston", "Massachusetts", "US", 42.3601, -71.0589),
    "cambridge": ("Cambridge", "Massachusetts", "US", 42.3736, -71.1097),
    "somerville": ("Somerville", "Massachusetts", "US", 42.3876, -71.0995),
    "quincy": ("Quincy", "Massachusetts", "US", 42.2529, -71.0023),
    "newton": ("Newton", "Massachusetts", "US", 42.3370, -71.2092),
    "waltham": ("Waltham", "Massachusetts", "US", 42.3765, -71.2356),
    "framingham": ("Framingham", "Massachusetts", "US", 42.2793, -71.4162),
    "worcester": ("Worcester", "Massachusetts", "US", 42.2626, -71.8023),
    "providence": ("Providence", "Rhode Island", "US", 41.8240, -71.4128),
    "nashua": ("Nashua", "New Hampshire", "US", 42.7654, -71.4676),
    "hartford": ("Hartford", "Connecticut", "US", 41.7658, -72.6734),
    "newyork": ("New York", "New York", "US", 40.7128, -74.0060),
    "newark": ("Newark", "New Jersey", "US", 40.7357, -74.1724),
    "secaucus": ("Secaucus", "New Jersey", "US", 40.7895, -74.0565),
    "albany": ("Albany", "New York", "US", 42.6526, -73.7562),
    "philadelphia": ("Philadelphia", "Pennsylvania", "US", 39.9526, -75.1652),
    "ashburn": ("Ashburn", "Virginia", "US", 39.0438, -77.4874),
    "boydton": ("Boydton", "Virginia", "US", 36.6676, -78.3875),
    "washington": ("Washington", "District of Columbia", "US", 38.9072, -77.0369),
    "atlanta": ("Atlanta", "Georgia", "US", 33.7490, -84.3880),
    "miami": ("Miami", "Florida", "US", 25.7617, -80.1918),
    "chicago": ("Chicago", "Illinois", "US", 41.8781, -87.6298),
    "itasca": ("Itasca", "Illinois", "US", 41.9750, -88.0073),
    "dallas": ("Dallas", "Texas", "US", 32.7767, -96.7970),
    "kansascity": ("Kansas City", "Missouri", "US", 39.0997, -94.5786),
    "councilbluffs": ("Council Bluffs", "Iowa", "US", 41.2619, -95.8608),
    "denver": ("Denver", "Colorado", "US", 39.7392, -104.9903),
    "phoenix": ("Phoenix", "Arizona", "US", 33.4484, -112.0740),
    "lasvegas": ("Las Vegas", "Nevada", "US", 36.1699, -115.1398),
    "losangeles": ("Los Angeles", "California", "US", 34.0522, -118.2437),
    "carlsbad": ("Carlsbad", "California", "US", 33.1581, -117.3506),
    "lakeforest": ("Lake Forest", "California", "US", 33.6470, -117.6892),
    "sanfrancisco": ("San Francisco", "California", "US", 37.7749, -122.4194),
    "sanjose": ("San Jose", "California", "US", 37.3382, -121.8863),
    "seattle": ("Seattle", "Washington", "US", 47.6062, -122.3321),
    "bellevue": ("Bellevue", "Washington", "US", 47.6101, -122.2015),
    "boardman": ("Boardman", "Oregon", "US", 45.8399, -119.7006),
    "us_centroid": ("", "", "US", 37.751, -97.822),
    # UK
    "london": ("London", "England", "GB", 51.5072, -0.1276),
    "croydon": ("Croydon", "England", "GB", 51.3762, -0.0982),
    "reading": ("Reading", "England", "GB", 51.4543, -0.9781),
    "watford": ("Watford", "England", "GB", 51.6565, -0.3903),
    "guildford": ("Guildford", "England", "GB", 51.2362, -0.5704),
    "brighton": ("Brighton", "England", "GB", 50.8225, -0.1372),
    "stalbans": ("St Albans", "England", "GB", 51.7550, -0.3360),
    "romford": ("Romford", "England", "GB", 51.5768, 0.1801),
    "slough": ("Slough", "England", "GB", 51.5105, -0.5950),
    "newbury": ("Newbury", "England", "GB", 51.4014, -1.3231),
    "manchester": ("Manchester", "England", "GB", 53.4808, -2.2426),
    "birmingham": ("Birmingham", "England", "GB", 52.4862, -1.8904),
    "leeds": ("Leeds", "England", "GB", 53.8008, -1.5491),
    "bristol": ("Bristol", "England", "GB", 51.4545, -2.5879),
    "edinburgh": ("Edinburgh", "Scotland", "GB", 55.9533, -3.1883),
    # Germany
    "munich": ("Munich", "Bavaria", "DE", 48.1351, 11.5820),
    "augsburg": ("Augsburg", "Bavaria", "DE", 48.3705, 10.8978),
    "freising": ("Freising", "Bavaria", "DE", 48.4029, 11.7488),
    "dachau": ("Dachau", "Bavaria", "DE", 48.2600, 11.4342),
    "erding": ("Erding", "Bavaria", "DE", 48.3064, 11.9076),
    "starnberg": ("Starnberg", "Bavaria", "DE", 47.9990, 11.3411),
    "rosenheim": ("Rosenheim", "Bavaria", "DE", 47.8571, 12.1181),
    "ingolstadt": ("Ingolstadt", "Bavaria", "DE", 48.7665, 11.4258),
    "nuremberg": ("Nuremberg", "Bavaria", "DE", 49.4521, 11.0767),
    "stuttgart": ("Stuttgart", "Baden-Wurttemberg", "DE", 48.7758, 9.1829),
    "frankfurt": ("Frankfurt am Main", "Hesse", "DE", 50.1109, 8.6821),
    "eschborn": ("Eschborn", "Hesse", "DE", 50.1433, 8.5706),
    "dusseldorf": ("Dusseldorf", "North Rhine-Westphalia", "DE", 51.2277, 6.7735),
    "hamburg": ("Hamburg", "Hamburg", "DE", 53.5511, 9.9937),
    "berlin": ("Berlin", "Berlin", "DE", 52.5200, 13.4050),
    "de_centroid": ("", "", "DE", 51.2993, 9.4910),
    # elsewhere
    "amsterdam": ("Amsterdam", "North Holland", "NL", 52.3676, 4.9041),
    "eemshaven": ("Groningen", "Groningen", "NL", 53.4386, 6.8355),
    "paris": ("Paris", "Ile-de-France", "FR", 48.8566, 2.3522),
    "roubaix": ("Roubaix", "Hauts-de-France", "FR", 50.6942, 3.1746),
    "gravelines": ("Gravelines", "Hauts-de-France", "FR", 50.9865, 2.1281),
    "zurich": ("Zurich", "Zurich", "CH", 47.3769, 8.5417),
    "geneva": ("Geneva", "Geneva", "CH", 46.2044, 6.1432),
    "stockholm": ("Stockholm", "Stockholm County", "SE", 59.3293, 18.0686),
    "madrid": ("Madrid", "Madrid", "ES", 40.4168, -3.7038),
    "barcelona": ("Barcelona", "Catalonia", "ES", 41.3874, 2.1686),
    "lisbon": ("Lisbon", "Lisbon", "PT", 38.7223, -9.1393),
    "dublin": ("Dublin", "Leinster", "IE", 53.3498, -6.2603),
    "copenhagen": ("Copenhagen", "Capital Region", "DK", 55.6761, 12.5683),
    "warsaw": ("Warsaw", "Mazovia", "PL", 52.2297, 21.0122),
    "bucharest": ("Bucharest", "Bucuresti", "RO", 44.4268, 26.1025),
    "vienna": ("Vienna", "Vienna", "AT", 48.2082, 16.3738),
    "falkenstein": ("Falkenstein", "Saxony", "DE", 50.4779, 12.3713),
    "helsinki": ("Helsinki", "Uusimaa", "FI", 60.1699, 24.9384),
    "toronto": ("Toronto", "Ontario", "CA", 43.6532, -79.3832),
    "montreal": ("Montreal", "Quebec", "CA", 45.5019, -73.5674),
    "tokyo": ("Tokyo", "Tokyo", "JP", 35.6762, 139.6503),
    "singapore": ("Singapore", "Singapore", "SG", 1.3521, 103.8198),
    "dubai": ("Dubai", "Dubai", "AE", 25.2048, 55.2708),
    "mumbai": ("Mumbai", "Maharashtra", "IN", 19.0760, 72.8777),
    "saopaulo": ("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333),
    "lagos": ("Lagos", "Lagos", "NG", 6.5244, 3.3792),
    "sydney": ("Sydney", "New South Wales", "AU", -33.8688, 151.2093),
    "hongkong": ("Hong Kong", "Hong Kong", "HK", 22.3193, 114.1694),
    "istanbul": ("Istanbul", "Istanbul", "TR", 41.0082, 28.9784),
    "moscow": ("Moscow", "Moscow", "RU", 55.7558, 37.6173),
    "kyiv": ("Kyiv", "Kyiv City", "UA", 50.4501, 30.5234),
    "riga": ("Riga", "Riga", "LV", 56.9496, 24.1052),
    "hanoi": ("Hanoi", "Hanoi", "VN", 21.0278, 105.8342),
}

COUNTRY_NAMES = {
    "US": "United States", "GB": "United Kingdom", "DE": "Germany", "NL": "Netherlands", "FR": "France",
    "CH": "Switzerland", "SE": "Sweden", "ES": "Spain", "PT": "Portugal", "IE": "Ireland", "DK": "Denmark",
    "PL": "Poland", "RO": "Romania", "AT": "Austria", "FI": "Finland", "CA": "Canada", "JP": "Japan",
    "SG": "Singapore", "AE": "United Arab Emirates", "IN": "India", "BR": "Brazil", "NG": "Nigeria",
    "AU": "Australia", "HK": "Hong Kong", "TR": "Turkey", "RU": "Russia", "UA": "Ukraine", "LV": "Latvia",
    "VN": "Vietnam",
}

# key: dict(asn, org (Okta asOrg), isp, domain, kind, v4 blocks, v6 block, v6asn, places)
# kinds: residential, mobile, office, sse, vpn, hosting, cloud, relay, inflight, hospitality, satellite
NETWORKS = {
    # --- US residential
    "comcast": dict(asn=7922, org="comcast", isp="comcast cable communications llc", domain="comcast.net",
                    kind="residential", v4=["73.16.0.0/12", "24.60.0.0/14", "98.216.0.0/14", "76.24.0.0/14"],
                    v6="2601:180::/28", v6asn=7922),
    "fios": dict(asn=701, org="verizon fios", isp="verizon business", domain="verizon.net", kind="residential",
                 v4=["71.174.0.0/15", "96.237.0.0/16", "108.20.0.0/14", "100.0.0.0/14"],
                 v6="2600:4040::/32", v6asn=701),
    "spectrum": dict(asn=11351, org="charter communications", isp="charter communications inc",
                     domain="spectrum.com", kind="residential", v4=["24.193.0.0/16", "67.241.0.0/16", "72.227.0.0/16"],
                     v6="2603:7000::/28", v6asn=20115),
    "att": dict(asn=7018, org="at&t services", isp="at&t internet", domain="att.net", kind="residential",
                v4=["99.0.0.0/11", "76.192.0.0/12", "107.192.0.0/12"], v6="2600:1700::/28", v6asn=7018),
    "starlink": dict(asn=14593, org="spacex services, inc.", isp="starlink", domain="starlinkisp.net",
                     kind="satellite", v4=["98.97.0.0/16", "129.222.0.0/16"], v6="2605:59c8::/32", v6asn=14593),
    # --- UK residential
    "bt": dict(asn=2856, org="british telecommunications plc", isp="bt", domain="btcentralplus.com",
               kind="residential", v4=["86.128.0.0/10", "81.128.0.0/12", "109.144.0.0/12"],
               v6="2a00:23c0::/28", v6asn=2856),
    "virgin": dict(asn=5089, org="virgin media limited", isp="virgin media", domain="virginm.net",
                   kind="residential", v4=["82.0.0.0/14", "86.0.0.0/12", "92.232.0.0/13"], v6=None, v6asn=None),
    "sky": dict(asn=5607, org="sky uk limited", isp="sky broadband", domain="sky.com", kind="residential",
                v4=["2.96.0.0/13", "90.192.0.0/11", "5.64.0.0/13"], v6="2a02:c7c::/30", v6asn=5607),
    "talktalk": dict(asn=13285, org="talktalk communications limited", isp="talktalk", domain="talktalk.net",
                     kind="residential", v4=["89.240.0.0/12", "78.144.0.0/13"], v6=None, v6asn=None),
    # --- DE residential
    "telekom": dict(asn=3320, org="deutsche telekom ag", isp="deutsche telekom ag", domain="t-ipconnect.de",
                    kind="residential", v4=["79.192.0.0/10", "87.128.0.0/10", "91.0.0.0/10", "93.192.0.0/10"],
                    v6="2003:c0::/26", v6asn=3320),
    "vodafone_kabel": dict(asn=31334, org="vodafone kabel deutschland gmbh", isp="vodafone kabel deutschland",
                           domain="kabel-deutschland.de", kind="residential", v4=["95.88.0.0/14", "188.192.0.0/13"],
                           v6="2a02:8108::/32", v6asn=3209),
    "mnet": dict(asn=8767, org="m-net telekommunikations gmbh", isp="m-net", domain="m-online.net",
                 kind="residential", v4=["188.174.0.0/15", "89.244.0.0/14"], v6="2001:a61::/32", v6asn=8767),
    "o2de": dict(asn=6805, org="telefonica germany gmbh & co.ohg", isp="telefonica o2 germany",
                 domain="telefonica.de", kind="residential", v4=["78.48.0.0/13", "77.0.0.0/13"],
                 v6="2a02:3030::/28", v6asn=6805),
    # --- mobile carriers (CGNAT)
    "tmobile": dict(asn=21928, org="t-mobile usa, inc.", isp="t-mobile usa", domain="tmodns.net", kind="mobile",
                    v4=["172.56.0.0/14", "172.58.0.0/15"], v6="2607:fb90::/28", v6asn=21928,
                    places=["philadelphia", "newyork", "chicago", "atlanta", "seattle", "us_centroid"]),
    "vzw": dict(asn=6167, org="verizon wireless", isp="verizon wireless", domain="myvzw.com", kind="mobile",
                v4=["174.192.0.0/10", "97.128.0.0/11"], v6="2600:1000::/24", v6asn=6167,
                places=["newark", "boston", "albany", "hartford", "newyork"]),
    "attm": dict(asn=20057, org="at&t mobility llc", isp="at&t wireless", domain="mycingular.net", kind="mobile",
                 v4=["166.128.0.0/10", "107.77.192.0/18"], v6="2600:380::/28", v6asn=20057,
                 places=["dallas", "chicago", "atlanta", "newyork"]),
    "ee": dict(asn=12576, org="ee limited", isp="ee mobile", domain="ee.co.uk", kind="mobile",
               v4=["31.94.0.0/16", "31.124.0.0/14"], v6="2a01:4c8::/32", v6asn=12576,
               places=["london", "manchester", "leeds", "birmingham"]),
    "three": dict(asn=206067, org="hutchison 3g uk limited", isp="three uk", domain="three.co.uk", kind="mobile",
                  v4=["92.40.0.0/14"], v6=None, v6asn=None, places=["london", "slough", "birmingham"]),
    "vodafone_uk": dict(asn=25135, org="vodafone limited", isp="vodafone uk", domain="vodafone.co.uk",
                        kind="mobile", v4=["85.255.232.0/21", "151.224.0.0/14"], v6=None, v6asn=None,
                        places=["newbury", "london", "manchester"]),
    "telekom_mobile": dict(asn=3320, org="deutsche telekom ag", isp="telekom deutschland mobile",
                           domain="telekom.de", kind="mobile", v4=["80.187.0.0/16", "109.40.0.0/15"],
                           v6="2a01:598::/32", v6asn=3320, places=["frankfurt", "berlin", "munich", "de_centroid"]),
    "vodafone_de_mobile": dict(asn=3209, org="vodafone gmbh", isp="vodafone germany mobile", domain="vodafone.de",
                               kind="mobile", v4=["109.42.0.0/15", "46.114.0.0/15"], v6="2a02:3032::/32",
                               v6asn=3209, places=["dusseldorf", "eschborn", "frankfurt"]),
    "o2de_mobile": dict(asn=6805, org="telefonica germany gmbh & co.ohg", isp="o2 germany mobile",
                        domain="telefonica.de", kind="mobile", v4=["82.113.96.0/19", "176.0.0.0/14"], v6=None,
                        v6asn=None, places=["munich", "hamburg", "nuremberg"]),
    # --- office links (small static blocks)
    "office_boston": dict(asn=6461, org="zayo bandwidth", isp="zayo bandwidth", domain="zayo.com", kind="office",
                          v4=["64.125.190.32/28"], v6=None, v6asn=None),
    "guest_boston": dict(asn=7922, org="comcast", isp="comcast business", domain="comcast.net", kind="office",
                         v4=["50.206.145.0/29"], v6=None, v6asn=None),
    "office_london": dict(asn=8220, org="colt technology services group limited", isp="colt",
                          domain="colt.net", kind="office", v4=["212.36.182.64/28"], v6=None, v6asn=None),
    "guest_london": dict(asn=5089, org="virgin media limited", isp="virgin media business", domain="virginm.net",
                         kind="office", v4=["62.252.76.0/29"], v6=None, v6asn=None),
    "office_munich": dict(asn=8767, org="m-net telekommunikations gmbh", isp="m-net business",
                          domain="m-net.de", kind="office", v4=["212.18.10.32/28"], v6=None, v6asn=None),
    "guest_munich": dict(asn=3320, org="deutsche telekom ag", isp="deutsche telekom business",
                         domain="telekom.de", kind="office", v4=["217.110.196.8/29"], v6=None, v6asn=None),
    "wework_boston": dict(asn=7922, org="comcast", isp="comcast business", domain="comcast.net",
                          kind="office", v4=["50.225.88.0/29"], v6=None, v6asn=None),
    "wework_london": dict(asn=2856, org="british telecommunications plc", isp="bt business",
                          domain="bt.com", kind="office", v4=["81.145.240.8/29"], v6=None, v6asn=None),
    "wework_munich": dict(asn=3320, org="deutsche telekom ag", isp="deutsche telekom business",
                          domain="telekom.de", kind="office", v4=["217.7.120.0/29"], v6=None, v6asn=None),
    # --- corporate SSE / ZTNA
    "zscaler": dict(asn=22616, org="zscaler, inc.", isp="zscaler", domain="zscaler.net", kind="sse",
                    v4=["165.225.0.0/17", "147.161.128.0/17", "136.226.0.0/16"], v6=None, v6asn=None),
    "netskope": dict(asn=55256, org="netskope inc", isp="netskope", domain="netskope.com", kind="sse",
                     v4=["163.116.128.0/17"], v6=None, v6asn=None),
    "prisma": dict(asn=396982, org="google llc", isp="google cloud", domain="googleusercontent.com", kind="sse",
                   v4=["34.98.0.0/15", "35.203.0.0/16", "34.99.0.0/16"], v6=None, v6asn=None),
    "warp": dict(asn=13335, org="cloudflare, inc.", isp="cloudflare warp", domain="cloudflare.com", kind="sse",
                 v4=["104.28.0.0/17"], v6="2a09:bac0::/32", v6asn=13335),
    # --- hosting used by personal VPNs and attackers
    "m247": dict(asn=9009, org="m247 europe srl", isp="m247 europe", domain="m247.com", kind="hosting",
                 v4=["37.120.128.0/17", "185.236.200.0/22", "89.44.192.0/18", "146.70.0.0/16"], v6=None, v6asn=None),
    "datacamp": dict(asn=60068, org="datacamp limited", isp="cdn77", domain="cdn77.com", kind="hosting",
                     v4=["89.187.160.0/19", "185.59.220.0/22", "143.244.32.0/19"], v6=None, v6asn=None),
    "leaseweb": dict(asn=60781, org="leaseweb netherlands b.v.", isp="leaseweb", domain="leaseweb.com",
                     kind="hosting", v4=["37.48.64.0/18", "212.32.224.0/19", "5.79.64.0/18"], v6=None, v6asn=None),
    "ovh": dict(asn=16276, org="ovh sas", isp="ovh sas", domain="ovh.net", kind="hosting",
                v4=["51.75.0.0/16", "51.89.0.0/16", "145.239.0.0/16", "54.36.0.0/15"], v6=None, v6asn=None),
    "hetzner": dict(asn=24940, org="hetzner online gmbh", isp="hetzner online", domain="your-server.de",
                    kind="hosting", v4=["95.216.0.0/15", "65.21.0.0/16", "116.202.0.0/15", "5.75.128.0/17"],
                    v6=None, v6asn=None),
    "digitalocean": dict(asn=14061, org="digitalocean, llc", isp="digitalocean", domain="digitalocean.com",
                         kind="hosting", v4=["134.209.0.0/16", "138.68.0.0/16", "159.89.0.0/16", "167.99.0.0/16"],
                         v6=None, v6asn=None),
    "mullvad31173": dict(asn=39351, org="31173 services ab", isp="31173 services", domain="31173.se",
                         kind="hosting", v4=["193.138.218.0/24", "45.83.220.0/22", "185.213.152.0/22"],
                         v6=None, v6asn=None),
    "vultr": dict(asn=20473, org="the constant company, llc", isp="vultr", domain="vultr.com", kind="hosting",
                  v4=["45.32.0.0/16", "45.76.0.0/15", "149.28.0.0/16", "207.148.0.0/17"], v6=None, v6asn=None),
    "linode": dict(asn=63949, org="akamai connected cloud", isp="linode", domain="linode.com", kind="hosting",
                   v4=["172.104.0.0/15", "139.162.0.0/16", "45.79.0.0/16"], v6=None, v6asn=None),
    "stark": dict(asn=44477, org="stark industries solutions ltd", isp="stark industries", domain="stark-industries.solutions",
                  kind="hosting", v4=["45.134.26.0/24", "94.131.96.0/20", "185.234.216.0/22"], v6=None, v6asn=None),
    "aeza": dict(asn=210644, org="aeza international ltd", isp="aeza", domain="aeza.net", kind="hosting",
                 v4=["77.91.64.0/18", "5.42.64.0/19", "89.110.64.0/19"], v6=None, v6asn=None),
    "hostinger": dict(asn=47583, org="hostinger international limited", isp="hostinger", domain="hostinger.com",
                      kind="hosting", v4=["31.220.80.0/20", "193.203.160.0/20", "145.223.64.0/19"], v6=None, v6asn=None),
    # --- public cloud (integrations, admin tooling, attackers)
    "aws": dict(asn=16509, org="amazon.com, inc.", isp="amazon.com", domain="amazonaws.com", kind="cloud",
                v4=["44.224.0.0/12", "52.208.0.0/13", "3.120.0.0/14", "18.130.0.0/16", "13.228.0.0/15"],
                v6=None, v6asn=None),
    "aws_use1": dict(asn=14618, org="amazon.com, inc.", isp="amazon.com", domain="amazonaws.com", kind="cloud",
                     v4=["3.208.0.0/12", "54.80.0.0/13", "18.204.0.0/14"], v6=None, v6asn=None),
    "azure": dict(asn=8075, org="microsoft corporation", isp="microsoft azure", domain="microsoft.com",
                  kind="cloud", v4=["20.42.0.0/15", "40.76.0.0/14", "20.50.0.0/16", "51.140.0.0/14",
                                    "20.79.0.0/16"], v6=None, v6asn=None),
    "gcp": dict(asn=396982, org="google llc", isp="google cloud", domain="googleusercontent.com", kind="cloud",
                v4=["34.66.0.0/15", "35.188.0.0/15", "34.89.0.0/16", "35.246.0.0/16"], v6=None, v6asn=None),
    "oracle": dict(asn=31898, org="oracle corporation", isp="oracle cloud", domain="oraclecloud.com",
                   kind="cloud", v4=["129.213.0.0/16", "150.136.0.0/16", "132.145.0.0/16"], v6=None, v6asn=None),
    # --- iCloud Private Relay egress
    "relay_akamai": dict(asn=36183, org="akamai technologies, inc.", isp="akamai technologies",
                         domain="akamaitechnologies.com", kind="relay", v4=["172.224.224.0/19", "172.225.0.0/18"],
                         v6="2a02:26f7::/32", v6asn=36183),
    "relay_cloudflare": dict(asn=13335, org="cloudflare, inc.", isp="cloudflare", domain="cloudflare.com",
                             kind="relay", v4=["104.28.128.0/17"], v6="2a09:bac1::/32", v6asn=13335),
    "relay_fastly": dict(asn=54113, org="fastly, inc.", isp="fastly", domain="fastly.com", kind="relay",
                         v4=["146.75.160.0/19"], v6="2a04:4e41::/32", v6asn=54113),
    # --- in-flight Wi-Fi (geolocated at the provider, not the plane)
    "viasat": dict(asn=7155, org="viasat, inc.", isp="viasat", domain="viasat.com", kind="inflight",
                   v4=["8.37.96.0/20", "184.174.0.0/17"], v6=None, v6asn=None, places=["carlsbad", "denver"]),
    "intelsat": dict(asn=22351, org="intelsat global service llc", isp="intelsat (gogo)", domain="intelsat.com",
                     kind="inflight", v4=["66.110.32.0/19"], v6=None, v6asn=None, places=["itasca", "chicago"]),
    "panasonic": dict(asn=64294, org="panasonic avionics corporation", isp="panasonic avionics",
                      domain="panasonic.aero", kind="inflight", v4=["209.66.96.0/20"], v6=None, v6asn=None,
                      places=["lakeforest", "losangeles"]),
    "sita": dict(asn=206433, org="sita onair", isp="sita onair", domain="sitaonair.aero", kind="inflight",
                 v4=["185.193.124.0/22"], v6=None, v6asn=None, places=["geneva"]),
    "inmarsat": dict(asn=31515, org="inmarsat solutions", isp="inmarsat", domain="inmarsat.com",
                     kind="inflight", v4=["161.30.192.0/19"], v6=None, v6asn=None, places=["london", "amsterdam"]),
    # --- hotels / airports / residential abroad
    "cox": dict(asn=22773, org="cox communications inc.", isp="cox business", domain="cox.net", kind="hospitality",
                v4=["68.104.0.0/14", "70.173.0.0/16"], v6=None, v6asn=None),
    "spectrum_ent": dict(asn=12271, org="charter communications", isp="spectrum enterprise", domain="rr.com",
                         kind="hospitality", v4=["24.90.0.0/15", "74.68.0.0/14"], v6=None, v6asn=None),
    "telefonica_es": dict(asn=3352, org="telefonica de espana s.a.u.", isp="telefonica de espana",
                          domain="rima-tde.net", kind="hospitality", v4=["80.24.0.0/13", "83.32.0.0/11"],
                          v6=None, v6asn=None),
    "singtel": dict(asn=7473, org="singapore telecommunications ltd", isp="singtel", domain="singnet.com.sg",
                    kind="hospitality", v4=["116.14.0.0/15", "118.200.0.0/14"], v6=None, v6asn=None),
    "orange_fr": dict(asn=3215, org="orange s.a.", isp="orange", domain="orange.fr", kind="hospitality",
                      v4=["90.0.0.0/12", "86.192.0.0/12", "2.0.0.0/12"], v6=None, v6asn=None),
    "kpn": dict(asn=1136, org="kpn b.v.", isp="kpn", domain="kpn.net", kind="hospitality",
                v4=["77.160.0.0/12", "145.128.0.0/13"], v6=None, v6asn=None),
    "ziggo": dict(asn=33915, org="vodafoneziggo", isp="ziggo", domain="ziggo.nl", kind="residential",
                  v4=["84.24.0.0/13", "212.238.128.0/17"], v6=None, v6asn=None),
    "bell": dict(asn=577, org="bell canada", isp="bell canada", domain="bell.ca", kind="hospitality",
                 v4=["142.112.0.0/13", "70.24.0.0/13"], v6=None, v6asn=None),
    "ntt": dict(asn=4713, org="ntt communications corporation", isp="ocn", domain="ocn.ne.jp", kind="hospitality",
                v4=["153.128.0.0/10", "114.144.0.0/12"], v6=None, v6asn=None),
    "du": dict(asn=15802, org="emirates integrated telecommunications company pjsc", isp="du",
               domain="du.ae", kind="hospitality", v4=["94.200.0.0/14"], v6=None, v6asn=None),
    "meo": dict(asn=3243, org="meo - servicos de comunicacoes e multimedia s.a.", isp="meo", domain="telepac.pt",
                kind="hospitality", v4=["85.240.0.0/13", "188.80.0.0/13"], v6=None, v6asn=None),
    "swisscom": dict(asn=3303, org="swisscom (schweiz) ag", isp="swisscom", domain="swisscom.ch",
                     kind="hospitality", v4=["178.192.0.0/12", "85.0.0.0/13"], v6=None, v6asn=None),
    # --- residential elsewhere (residential proxies)
    "jio": dict(asn=55836, org="reliance jio infocomm limited", isp="reliance jio", domain="jio.com",
                kind="mobile", v4=["49.32.0.0/12", "157.32.0.0/12"], v6=None, v6asn=None, places=["mumbai"]),
    "vivo_br": dict(asn=18881, org="telefonica brasil s.a", isp="vivo", domain="telefonica.com.br",
                    kind="residential", v4=["177.32.0.0/12", "189.32.0.0/12"], v6=None, v6asn=None),
    "viettel": dict(asn=7552, org="viettel group", isp="viettel", domain="viettel.vn", kind="residential",
                    v4=["27.64.0.0/12", "116.96.0.0/12"], v6=None, v6asn=None),
    "kyivstar": dict(asn=15895, org="kyivstar pjsc", isp="kyivstar", domain="kyivstar.net", kind="residential",
                     v4=["46.211.0.0/16", "176.36.0.0/14"], v6=None, v6asn=None),
    "mtn_ng": dict(asn=29465, org="mtn nigeria communication limited", isp="mtn nigeria", domain="mtnnigeria.net",
                   kind="mobile", v4=["102.88.0.0/14", "105.112.0.0/12"], v6=None, v6asn=None, places=["lagos"]),
}

# hosting/cloud/sse/relay: which cities each ASN has addresses in
POPS = {
    "zscaler": ["washington", "newyork", "chicago", "atlanta", "toronto", "london", "manchester", "frankfurt",
                "munich", "amsterdam", "paris", "zurich", "copenhagen"],
    "netskope": ["newyork", "chicago", "ashburn", "losangeles", "london", "frankfurt", "amsterdam", "paris"],
    "prisma": ["ashburn", "councilbluffs", "london", "frankfurt", "eemshaven", "zurich"],
    "warp": ["boston", "newark", "newyork", "london", "manchester", "frankfurt", "munich", "amsterdam"],
    "m247": ["amsterdam", "london", "frankfurt", "zurich", "stockholm", "paris", "madrid", "bucharest",
             "newyork", "miami", "losangeles", "toronto", "tokyo", "singapore", "vienna", "warsaw"],
    "datacamp": ["amsterdam", "london", "frankfurt", "zurich", "paris", "newyork", "miami", "losangeles",
                 "tokyo", "singapore", "madrid", "warsaw", "dublin"],
    "leaseweb": ["amsterdam", "frankfurt", "london", "washington", "sanfrancisco", "singapore", "tokyo"],
    "ovh": ["roubaix", "gravelines", "paris", "frankfurt", "london", "warsaw", "montreal", "singapore", "sydney"],
    "hetzner": ["falkenstein", "nuremberg", "helsinki", "ashburn"],
    "digitalocean": ["newyork", "sanfrancisco", "amsterdam", "london", "frankfurt", "toronto", "singapore"],
    "mullvad31173": ["stockholm", "amsterdam", "london", "frankfurt", "newyork", "zurich"],
    "vultr": ["newyork", "chicago", "dallas", "losangeles", "amsterdam", "london", "frankfurt", "tokyo",
              "singapore", "warsaw"],
    "linode": ["newark", "atlanta", "dallas", "frankfurt", "london", "mumbai", "singapore", "tokyo"],
    "stark": ["frankfurt", "amsterdam", "moscow", "riga"],
    "aeza": ["frankfurt", "stockholm", "vienna", "moscow"],
    "hostinger": ["amsterdam", "frankfurt", "saopaulo", "singapore", "mumbai"],
    "aws": ["boardman", "dublin", "frankfurt", "london", "singapore"],
    "aws_use1": ["ashburn"],
    "azure": ["boydton", "washington", "amsterdam", "dublin", "london", "frankfurt"],
    "gcp": ["councilbluffs", "ashburn", "london", "frankfurt", "eemshaven"],
    "oracle": ["ashburn", "phoenix", "frankfurt", "london"],
    "relay_akamai": None, "relay_cloudflare": None, "relay_fastly": None,  # geolocated by the user's region
}


def _h(*parts):
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest(), 16)


# cloud regions: the blocks each region's addresses come from
BY_CITY = {
    "aws": {"boardman": ["44.224.0.0/12"], "dublin": ["52.208.0.0/13"], "frankfurt": ["3.120.0.0/14"],
            "london": ["18.130.0.0/16"], "singapore": ["13.228.0.0/15"]},
    "azure": {"boydton": ["40.76.0.0/14"], "washington": ["20.42.0.0/15"], "amsterdam": ["20.50.0.0/16"],
              "dublin": ["52.164.0.0/14"], "london": ["51.140.0.0/14"], "frankfurt": ["20.79.0.0/16"]},
    "gcp": {"councilbluffs": ["34.66.0.0/15"], "ashburn": ["35.188.0.0/15"], "london": ["35.246.0.0/16"],
            "frankfurt": ["34.89.0.0/16"], "eemshaven": ["34.90.0.0/15"]},
    "oracle": {"ashburn": ["129.213.0.0/16", "150.136.0.0/16"], "phoenix": ["129.146.0.0/16"],
               "frankfurt": ["130.61.0.0/16"], "london": ["132.145.0.0/16"]},
}


def block_for(net_key, tag, prefix=24, city=None):
    """A stable sub-block of `net_key`'s space for `tag` (a city, an office, an exit)."""
    blocks = BY_CITY.get(net_key, {}).get(city) or NETWORKS[net_key]["v4"]
    h = _h(net_key, tag)
    base = ipaddress.ip_network(blocks[h % len(blocks)])
    if base.prefixlen >= prefix:
        return base
    count = 2 ** (prefix - base.prefixlen)
    return list(base.subnets(new_prefix=prefix))[0] if count == 1 else \
        ipaddress.ip_network((int(base.network_address) + ((h >> 8) % count) * 2 ** (32 - prefix), prefix))


def pick_v4(rng, net_key, tag=None, prefix=24, city=None):
    """A host address: inside the tag's /prefix when a tag is given, else anywhere in the network
    (in the city's region blocks when the network has them)."""
    if tag is not None:
        net = block_for(net_key, tag, prefix, city)
    else:
        net = ipaddress.ip_network(rng.choice(BY_CITY.get(net_key, {}).get(city) or NETWORKS[net_key]["v4"]))
    size = net.num_addresses
    off = rng.randrange(1, size - 1) if size > 2 else 0
    return str(net.network_address + off)


def pick_v6_prefix(rng, net_key):
    """A household /56 (as /64) inside the ISP's v6 block."""
    net = ipaddress.ip_network(NETWORKS[net_key]["v6"])
    spare = 64 - net.prefixlen
    return int(net.network_address) + (rng.getrandbits(spare) << 64)


def v6_addr(rng, prefix_int):
    """A privacy-extension address in the /64 (new interface id each call)."""
    return str(ipaddress.IPv6Address(prefix_int + rng.getrandbits(64)))
