"""Apps, user agents, offices, travel destinations, SaaS vendors: static tables."""

GRAPH = "00000003-0000-0000-c000-000000000000"
EXO = "00000002-0000-0ff1-ce00-000000000000"
SPO = "00000003-0000-0ff1-ce00-000000000000"
AAD = "00000002-0000-0000-c000-000000000000"
ARM = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
TEAMS_SVC = "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"
OFFICE = "d3590ed6-52b3-4102-aeff-aad2292ab01c"
TEAMS = "1fec8e78-bce4-4aaf-ab1b-5451cc387264"

# key: (display name, app id, resource display name, resource id)
APPS = {
    "office_exo": ("Microsoft Office", OFFICE, "Office 365 Exchange Online", EXO),
    "office_graph": ("Microsoft Office", OFFICE, "Microsoft Graph", GRAPH),
    "office_spo": ("Microsoft Office", OFFICE, "Office 365 SharePoint Online", SPO),
    "teams": ("Microsoft Teams", TEAMS, "Microsoft Teams Services", TEAMS_SVC),
    "teams_graph": ("Microsoft Teams", TEAMS, "Microsoft Graph", GRAPH),
    "teams_spo": ("Microsoft Teams", TEAMS, "Office 365 SharePoint Online", SPO),
    "onedrive": ("OneDrive SyncEngine", "ab9b8c07-8f02-4f72-87fa-80105867a763", "Office 365 SharePoint Online", SPO),
    "officehome": ("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca"),
    "owa": ("One Outlook Web", "9199bf20-a13f-4107-85dc-02114787ef48", "Office 365 Exchange Online", EXO),
    "spo_web": ("SharePoint Online Web Client Extensibility", "08e18876-6177-487e-b8b5-cf950c1e598c", "Office 365 SharePoint Online", SPO),
    "winsignin": ("Windows Sign In", "38aa3b87-a06d-4817-b275-7a316988d93b", "Windows Azure Active Directory", AAD),
    "broker": ("Microsoft Authentication Broker", "29d9ed98-a469-4536-ade2-f981bc1d605e", "Device Registration Service", "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9"),
    "broker_graph": ("Microsoft Authentication Broker", "29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Graph", GRAPH),
    "edge": ("Microsoft Edge", "ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Graph", GRAPH),
    "outlook_mobile": ("Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4", "Office 365 Exchange Online", EXO),
    "outlook_mobile_graph": ("Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4", "Microsoft Graph", GRAPH),
    "authenticator": ("Microsoft Authenticator App", "4813382a-8fa7-425e-ab75-3b753aab3abb", "Microsoft Graph", GRAPH),
    "company_portal": ("Microsoft Intune Company Portal", "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223", "Microsoft Intune", "0000000a-0000-0000-c000-000000000000"),
    "azcli": ("Microsoft Azure CLI", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Windows Azure Service Management API", ARM),
    "azcli_graph": ("Microsoft Azure CLI", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Graph", GRAPH),
    "azps": ("Microsoft Azure PowerShell", "1950a258-227b-4e31-a9cf-717495945fc2", "Windows Azure Service Management API", ARM),
    "graphps": ("Microsoft Graph Command Line Tools", "14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph", GRAPH),
    "vscode": ("Visual Studio Code", "aebc6443-996d-45c2-90f0-388ff96faa56", "Windows Azure Service Management API", ARM),
    "portal": ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Windows Azure Service Management API", ARM),
    "exo_ps": ("Microsoft Exchange REST API Based Powershell", "fb78d390-0c51-40cd-8e17-fdbfab77341b", "Office 365 Exchange Online", EXO),
    "flow": ("Microsoft Flow Service", "7df0a125-d3be-4c96-aa54-591f83ff541c", "Microsoft Graph", GRAPH),
    "flow_exo": ("Microsoft Flow Service", "7df0a125-d3be-4c96-aa54-591f83ff541c", "Office 365 Exchange Online", EXO),
}

WIN_BUILDS = ["19045", "22631", "26100"]


def edge_ua(v):
    return (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0")


def chrome_win_ua(v):
    return f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"


def chrome_mac_ua(v):
    return f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"


def safari_mac_ua(v):
    return f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Safari/605.1.15"


def firefox_ua(v, plat="Windows NT 10.0; Win64; x64"):
    return f"Mozilla/5.0 ({plat}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"


def outlook_win_ua(build):
    return f"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.{build}; Pro)"


def teams_win_ua(v):
    return (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0 Teams/{v}")


def onedrive_win_ua(v, build):
    return f"Microsoft SkyDriveSync {v} ship; Windows NT 10.0 ({build})"


WAM_UA = "Windows-AzureAD-Authentication-Provider/1.0"
MAC_OUTLOOK_UA = "Microsoft Outlook/16.101.25091414 (Intel Mac OS X 15.6)"
MAC_ONEDRIVE_UA = "Microsoft SkyDriveSync 25.149.0803.0001 ship; Mac OS X 15.6"
MAC_TEAMS_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                "Teams/25255.703.3905.7315")
IOS_SAFARI_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1")
ANDROID_CHROME_UA = ("Mozilla/5.0 (Linux; Android 15; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/141.0.0.0 Mobile Safari/537.36")
IOS_APPS = {"outlook_mobile": "Outlook-iOS/2.0", "outlook_mobile_graph": "Outlook-iOS/2.0",
            "teams": "Teams/7.19.1 (iPhone; iOS 18.6.2; Scale/3.00)",
            "authenticator": "Authenticator/6.8.30 (iPhone; iOS 18.6.2; Scale/3.00)",
            "company_portal": "CompanyPortal/5.2509.0 (iPhone; iOS 18.6.2; Scale/3.00)"}
ANDROID_APPS = {"outlook_mobile": "Outlook-Android/2.0", "outlook_mobile_graph": "Outlook-Android/2.0",
                "teams": "Dalvik/2.1.0 (Linux; U; Android 15; SM-S921B Build/AP3A.240905.015.A2)",
                "authenticator": "Dalvik/2.1.0 (Linux; U; Android 15; SM-S921B Build/AP3A.240905.015.A2)",
                "company_portal": "Dalvik/2.1.0 (Linux; U; Android 15; SM-S921B Build/AP3A.240905.015.A2)"}
OKTA_VERIFY_IOS = "Okta Verify/9.38.0 (iPhone; iOS 18.6.2) Apple/iPhone16,1"
OKTA_VERIFY_ANDROID = "Okta Verify/9.36.1 (Android 15; SM-S921B) okhttp/4.12.0"

SCRIPTED_UAS = ["python-requests/2.32.3", "python-requests/2.31.0", "okhttp/4.12.0", "Go-http-client/2.0",
                "Go-http-client/1.1", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "axios/1.7.7",
                "axios/1.6.8", "", "Apache-HttpClient/4.5.14 (Java/17.0.12)"]

# office key: (place, office net, guest net, coworking net, tz name, country, home places, home ISPs (weights),
#              carriers (weights))
OFFICES = {
    "boston": dict(place="boston", net="office_boston", guest="guest_boston", cowork="wework_boston", tz="us_east",
                   cc="US", domain_tld="com",
                   homes=["boston", "cambridge", "somerville", "quincy", "newton", "waltham", "framingham",
                          "worcester", "providence", "nashua"],
                   isps=[("comcast", 45), ("fios", 25), ("spectrum", 10), ("att", 12), ("starlink", 3)],
                   carriers=[("vzw", 40), ("tmobile", 35), ("attm", 25)], airport_net="att",
                   sse_pops=["newyork", "washington", "chicago", "boston", "newark", "ashburn"]),
    "london": dict(place="london", net="office_london", guest="guest_london", cowork="wework_london", tz="uk",
                   cc="GB", homes=["london", "croydon", "reading", "watford", "guildford", "brighton", "stalbans",
                                   "romford"],
                   isps=[("bt", 35), ("virgin", 30), ("sky", 25), ("talktalk", 10)],
                   carriers=[("ee", 40), ("vodafone_uk", 25), ("three", 35)], airport_net="bt",
                   sse_pops=["london", "manchester"]),
    "munich": dict(place="munich", net="office_munich", guest="guest_munich", cowork="wework_munich", tz="de",
                   cc="DE", homes=["munich", "augsburg", "freising", "dachau", "erding", "starnberg", "rosenheim",
                                   "ingolstadt"],
                   isps=[("telekom", 45), ("vodafone_kabel", 25), ("mnet", 20), ("o2de", 10)],
                   carriers=[("telekom_mobile", 45), ("vodafone_de_mobile", 30), ("o2de_mobile", 25)],
                   airport_net="telekom", sse_pops=["frankfurt", "munich"]),
}

# iCloud Private Relay: approximate-region egress places per office region
RELAY_REGION = {"boston": ["boston", "newyork", "newark", "hartford", "providence", "albany"],
                "london": ["london", "reading", "birmingham", "bristol", "slough"],
                "munich": ["munich", "nuremberg", "stuttgart", "frankfurt", "augsburg"]}

# travel destinations: place, local net for hotel / venue, tz offset hours (October)
DESTINATIONS = {
    "lasvegas": ("lasvegas", "cox", -7), "sanfrancisco": ("sanfrancisco", "att", -7),
    "newyork": ("newyork", "spectrum_ent", -4), "barcelona": ("barcelona", "telefonica_es", 2),
    "amsterdam": ("amsterdam", "kpn", 2), "paris": ("paris", "orange_fr", 2), "lisbon": ("lisbon", "meo", 1),
    "singapore": ("singapore", "singtel", 8), "dubai": ("dubai", "du", 4), "tokyo": ("tokyo", "ntt", 9),
    "toronto": ("toronto", "bell", -4), "zurich": ("zurich", "swisscom", 2),
    "london": ("london", "office_london", 1), "munich": ("munich", "office_munich", 2),
    "boston": ("boston", "office_boston", -4),
}
INFLIGHT = {"transatlantic": ["viasat", "panasonic", "inmarsat", "sita"], "us": ["viasat", "intelsat"],
            "europe": ["sita", "inmarsat", "viasat"], "long": ["panasonic", "sita", "inmarsat"]}

# SaaS integrations that hold users' refresh tokens: name, cloud net, pop cities, UA, minutes between polls,
# resources
SAAS = [
    dict(name="Salesforce Inbox", net="aws_use1", pops=["ashburn"], ua="Apache-HttpClient/4.5.14 (Java/17.0.12)",
         every=(15, 40), res=["Office 365 Exchange Online", "Microsoft Graph"]),
    dict(name="Otter.ai", net="gcp", pops=["councilbluffs"], ua="python-requests/2.31.0", every=(20, 60),
         res=["Microsoft Graph"]),
    dict(name="Read AI Meeting Notes", net="aws", pops=["boardman"], ua="node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
         every=(10, 45), res=["Microsoft Graph"]),
    dict(name="Zapier", net="aws_use1", pops=["ashburn"], ua="python-requests/2.32.3", every=(5, 30),
         res=["Microsoft Graph", "Office 365 Exchange Online"]),
    dict(name="Make", net="aws", pops=["frankfurt"], ua="axios/1.6.8", every=(15, 60), res=["Microsoft Graph"]),
    dict(name="HubSpot Sales Office 365", net="aws_use1", pops=["ashburn"], ua="okhttp/4.12.0", every=(10, 30),
         res=["Office 365 Exchange Online"]),
    dict(name="Fireflies.ai", net="gcp", pops=["councilbluffs", "ashburn"], ua="axios/1.7.7", every=(20, 60),
         res=["Microsoft Graph"]),
    dict(name="Gong", net="aws", pops=["dublin", "frankfurt"], ua="Go-http-client/2.0", every=(30, 90),
         res=["Microsoft Graph", "Office 365 Exchange Online"]),
    dict(name="Calendly", net="gcp", pops=["councilbluffs"], ua="", every=(15, 45), res=["Microsoft Graph"]),
    dict(name="Clari Capture", net="oracle", pops=["ashburn", "phoenix"], ua="okhttp/4.9.3", every=(20, 60),
         res=["Office 365 Exchange Online"]),
    dict(name="Power Automate", net="azure", pops=None, ua="azure-logic-apps/1.0 (workflow 3f1c9b7a; version 08584721)",
         every=(15, 60), res=["Microsoft Graph", "Office 365 Exchange Online"]),
]

OKTA_APPS = ["Slack", "Zoom", "Salesforce.com", "Atlassian Cloud", "GitHub Enterprise Cloud", "Workday", "Box",
             "DocuSign", "AWS IAM Identity Center", "Tableau Cloud", "Miro", "Figma", "Greenhouse", "Gong"]

CONSENT_APPS = ["Adobe Acrobat", "Zoom for Outlook", "Miro", "Lucidchart", "Grammarly", "Smartsheet", "Webex",
                "DocuSign for Outlook", "Jira Cloud for Outlook", "Loom"]
MALICIOUS_APPS = ["eM Client", "PERFECTDATA SOFTWARE", "Mail Backup Pro", "Newsletter Software SuperMailer",
                  "DocSync Viewer", "Secure File Share", "rclone", "CloudSponge"]
FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
         "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "chris", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "sandra", "mark", "ashley", "paul",
         "emily", "steven", "donna", "andrew", "michelle", "kevin", "carol", "brian", "amanda", "oliver", "amelia",
         "harry", "isla", "jack", "ava", "george", "mia", "noah", "grace", "leo", "freya", "lukas", "anna",
         "felix", "lena", "jonas", "lea", "maximilian", "hannah", "paul", "sophie", "elias", "marie", "priya",
         "arjun", "wei", "mei", "hiroshi", "yuki", "omar", "fatima", "carlos", "lucia", "mateo", "ines", "sven",
         "ingrid", "tomasz", "agnieszka", "raj", "anika", "kwame", "ama", "diego", "valentina", "ethan", "chloe"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin", "lee",
        "thompson", "white", "harris", "clark", "lewis", "walker", "hall", "young", "allen", "wright", "evans",
        "roberts", "walsh", "hughes", "patel", "khan", "murphy", "obrien", "mueller", "schmidt", "schneider",
        "fischer", "weber", "meyer", "wagner", "becker", "schulz", "hoffmann", "koch", "richter", "klein", "wolf",
        "nguyen", "chen", "wang", "kim", "singh", "sato", "tanaka", "costa", "silva", "novak", "kowalski",
        "jensen", "larsen", "rossi", "russo", "dubois", "moreau", "okafor", "mensah", "ivanova", "berg"]
