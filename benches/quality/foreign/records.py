"""Record builders: Entra diagnostic-settings sign-ins / AuditLogs, Okta System Log LogEvents.

Adapted from tests/fixtures/crafted_entra.py (signin, audit, write) and the Okta
event shape of tests/fixtures/okta-same-isp/make_okta_same_isp.py, extended with the fields
real exports carry (authenticationRequirement, originalTransferMethod, clientAppUsed,
deviceDetail.displayName, Okta securityContext per network, debugData per event type).
"""
import json
import uuid

from netdata import COUNTRY_NAMES, NETWORKS, PLACES

RNG = None  # set by the generator (random.Random(seed))
TENANT = None


def new_id():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def stamp(t):
    """Entra's timestamp spelling: seven fractional digits and Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}0Z"


def okta_stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def entra_location(place_key):
    city, state, cc, lat, lon = PLACES[place_key]
    return {"city": city, "state": state, "countryOrRegion": cc,
            "geoCoordinates": {"latitude": lat, "longitude": lon}}


def signin(t, user, ip, asn, place_key, app, agent, session, device=None, interactive=False,
           token="refreshToken", protocol="none", transfer="none", mfa=False, error=0):
    """One sign-in. `user` is the user dict (upn, id, name); `app` is (display name, app id,
    resource, resource id); `device` is the device dict or None (unmanaged / unknown)."""
    name, app_id, resource, resource_id = app
    os_name = device["os"] if device else _os_from_agent(agent)
    detail = {"deviceId": "", "operatingSystem": os_name, "browser": _browser(agent)}
    if device and device.get("id"):
        detail.update({"deviceId": device["id"], "displayName": device["name"],
                       "isCompliant": device["trust"] == "Azure AD joined" or device.get("compliant", False),
                       "isManaged": device["trust"] == "Azure AD joined" or device.get("compliant", False),
                       "trustType": device["trust"]})
    if interactive:
        requirement = "multiFactorAuthentication" if mfa else "singleFactorAuthentication"
    else:
        requirement = "multiFactorAuthentication" if mfa else "singleFactorAuthentication"
    client = "Browser" if _browser(agent) else "Mobile Apps and Desktop clients"
    props = {
        "id": new_id(), "createdDateTime": stamp(t), "userDisplayName": user["name"],
        "userPrincipalName": user["upn"], "userId": user["id"], "userType": "Member",
        "appId": app_id, "appDisplayName": name, "ipAddress": ip, "autonomousSystemNumber": asn,
        "status": {"errorCode": error, "failureReason": "Other." if error else None},
        "clientAppUsed": client, "userAgent": agent,
        "deviceDetail": detail, "location": entra_location(place_key),
        "correlationId": new_id(), "conditionalAccessStatus": "success" if interactive else "notApplied",
        "isInteractive": interactive, "tokenIssuerType": "AzureAD", "tokenIssuerName": "",
        "authenticationRequirement": requirement,
        "authenticationDetails": _auth_details(t, interactive, mfa, token),
        "resourceDisplayName": resource, "resourceId": resource_id, "resourceTenantId": TENANT,
        "homeTenantId": TENANT, "riskDetail": "none", "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none", "riskState": "none",
        "sessionId": session, "uniqueTokenIdentifier": new_id().replace("-", "")[:22],
        "incomingTokenType": "none" if interactive and token in ("refreshToken", None) else (token or "none"),
        "authenticationProtocol": protocol, "originalTransferMethod": transfer,
        "crossTenantAccessType": "none", "processingTimeInMilliseconds": RNG.randint(40, 400),
    }
    if not session:
        props["sessionId"] = ""
    return {
        "time": stamp(t), "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
        "operationName": "Sign-in activity", "operationVersion": "1.0",
        "category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
        "tenantId": TENANT, "resultType": str(error), "resultSignature": "None", "durationMs": 0,
        "callerIpAddress": ip, "correlationId": props["correlationId"], "identity": user["name"],
        "Level": 4, "location": PLACES[place_key][2], "properties": props,
    }


def _auth_details(t, interactive, mfa, token):
    if not interactive:
        return []
    steps = [{"authenticationStepDateTime": stamp(t), "authenticationMethod": "Password",
              "succeeded": True, "authenticationStepResultDetail": "Correct password"}]
    if token == "primaryRefreshToken":
        steps = [{"authenticationStepDateTime": stamp(t), "authenticationMethod": "Previously satisfied",
                  "succeeded": True, "authenticationStepResultDetail": "First factor requirement satisfied by claim in the token"}]
    if mfa:
        steps.append({"authenticationStepDateTime": stamp(t), "authenticationMethod": "Mobile app notification",
                      "succeeded": True, "authenticationStepResultDetail": "MFA successfully completed"})
    return steps


def _os_from_agent(agent):
    a = agent or ""
    if "Windows" in a:
        return "Windows 10"
    if "iPhone" in a or "iOS" in a:
        return "Ios"
    if "Android" in a:
        return "Android"
    if "Mac" in a:
        return "MacOs"
    if "Linux" in a or "X11" in a:
        return "Linux"
    return ""


def _browser(agent):
    a = agent or ""
    if not a.startswith("Mozilla/5.0") or "Teams/" in a or "Electron" in a:
        return ""
    if "Edg/" in a:
        return "Edge " + a.split("Edg/")[1].split(".")[0] + ".0.0"
    if "Firefox/" in a:
        return "Firefox " + a.split("Firefox/")[1].split(".")[0] + ".0"
    if "Chrome/" in a:
        return "Chrome " + a.split("Chrome/")[1].split(".")[0] + ".0.0"
    if "Safari/" in a:
        return "Safari"
    return ""


def audit(t, actor, ip, operation, category, targets, details=(), service="Core Directory",
          op_type="Add", app_actor=None):
    """One AuditLogs record. `actor` is a user dict (or None with `app_actor` for a service);
    `targets` is a list of (id, displayName, type, modifiedProperties)."""
    if actor:
        initiated = {"user": {"id": actor["id"], "displayName": None, "userPrincipalName": actor["upn"],
                              "ipAddress": ip, "roles": []}}
    else:
        initiated = {"app": {"appId": app_actor[1], "displayName": app_actor[0],
                             "servicePrincipalId": app_actor[2], "servicePrincipalName": None}}
    return {
        "time": stamp(t), "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
        "operationName": operation, "operationVersion": "1.0", "category": "AuditLogs",
        "tenantId": TENANT, "resultSignature": "None", "durationMs": 0, "callerIpAddress": ip or "",
        "correlationId": new_id(), "Level": 4,
        "properties": {
            "id": "Directory_" + new_id(), "category": category, "correlationId": new_id(),
            "result": "success", "resultReason": "", "activityDisplayName": operation,
            "activityDateTime": stamp(t), "loggedByService": service, "operationType": op_type,
            "initiatedBy": initiated,
            "targetResources": [{"id": tid, "displayName": tname, "type": ttype,
                                 "modifiedProperties": list(mods), "administrativeUnits": []}
                                for tid, tname, ttype, mods in targets],
            "additionalDetails": [{"key": k, "value": v} for k, v in details],
        },
    }


OKTA_MESSAGES = {
    "user.session.start": "User login to Okta",
    "user.session.end": "User logout from Okta",
    "user.authentication.sso": "User single sign on to app",
    "user.authentication.auth_via_mfa": "Authentication of user via MFA",
    "user.authentication.verify": "Verify user identity",
    "user.session.context.change": "User session context changed",
    "policy.evaluate_sign_on": "Evaluation of sign-on policy",
    "app.oauth2.as.token.grant.access_token": "OAuth2 access token is granted",
    "app.oauth2.as.token.grant.refresh_token": "OAuth2 refresh token is granted",
    "app.oauth2.as.token.grant.id_token": "OAuth2 id token is granted",
}


def okta_event(t, user, event_type, ip, net_key, place_key, agent, session, dt_hash=None, target=None,
               debug=None, outcome="SUCCESS", reason=None, device_kind="Computer", proxy=None,
               step=0, cred=None):
    city, state, cc, lat, lon = PLACES[place_key]
    geo = {"city": city or None, "state": state or None, "country": COUNTRY_NAMES.get(cc, cc),
           "postalCode": None, "geolocation": {"lat": lat, "lon": lon}}
    net = NETWORKS[net_key]
    v6 = ":" in ip
    asn = net["v6asn"] if v6 and net.get("v6asn") else net["asn"]
    data = {"requestId": RNG.getrandbits(96).to_bytes(12, "big").hex(), "requestUri": "/idp/idx/identify",
            "url": "/idp/idx/identify?"}
    if dt_hash:
        data["dtHash"] = dt_hash
    if debug:
        data.update(debug)
    if proxy is None:
        proxy = net["kind"] in ("vpn",)
    return {
        "uuid": new_id(), "published": okta_stamp(t), "eventType": event_type, "version": "0",
        "severity": "INFO", "displayMessage": OKTA_MESSAGES[event_type], "legacyEventType": None,
        "actor": {"id": user["okta_id"], "type": "User", "alternateId": user["upn"],
                  "displayName": user["name"], "detailEntry": None},
        "client": {"userAgent": {"rawUserAgent": agent, "os": _okta_os(agent), "browser": _okta_browser(agent)},
                   "zone": "null", "device": device_kind, "id": None, "ipAddress": ip,
                   "geographicalContext": geo},
        "device": None,
        "outcome": {"result": outcome, "reason": reason},
        "target": target,
        "transaction": {"type": "WEB", "id": RNG.getrandbits(96).to_bytes(12, "big").hex(), "detail": {}},
        "debugContext": {"debugData": data},
        "authenticationContext": {"authenticationProvider": None if not cred else "FACTOR_PROVIDER",
                                  "credentialProvider": cred, "credentialType": None, "issuer": None,
                                  "authenticationStep": step, "externalSessionId": session, "interface": None},
        "securityContext": {"asNumber": asn, "asOrg": net["org"], "isp": net["isp"], "domain": net["domain"],
                            "isProxy": bool(proxy)},
        "request": {"ipChain": [{"ip": ip, "geographicalContext": geo, "version": "V6" if v6 else "V4",
                                 "source": None}]},
    }


def _okta_os(agent):
    a = agent or ""
    if "Windows" in a:
        return "Windows 10"
    if "iPhone" in a or "iOS" in a:
        return "iOS"
    if "Android" in a:
        return "Android"
    if "Mac OS X" in a or "Macintosh" in a:
        return "Mac OS X"
    if "Linux" in a:
        return "Linux"
    return "Unknown"


def _okta_browser(agent):
    a = agent or ""
    if "Edg/" in a:
        return "EDGE_CHROMIUM"
    if "Firefox/" in a:
        return "FIREFOX"
    if "Chrome/" in a and "Mobile" in a:
        return "CHROME"
    if "Chrome/" in a:
        return "CHROME"
    if "Safari/" in a and "Mobile" in a:
        return "MOBILE_SAFARI"
    if "Safari/" in a:
        return "SAFARI"
    return "UNKNOWN"


def write(rows, path, key="time"):
    rows.sort(key=lambda r: r[key])
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
