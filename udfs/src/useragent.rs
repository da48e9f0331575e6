//! User-agent classification: family, OS, scripted clients, fingerprint and similarity.
//!
//! SQL: `ua_family(ua)`, `ua_os(ua)`, `ua_is_scripted(ua)`, `ua_fingerprint(ua)`,
//! `ua_similarity(a, b)`.
//!
//! Classification is a fixed, ordered rule table of substring tests (no regex); the first
//! rule that matches decides the family. Order matters because user agents lie by design:
//! Edge says "Chrome" and "Safari", Chrome says "Safari", Electron apps say "Chrome", so the
//! more specific tokens come first. Sign-in logs repeat a handful of user agents per user,
//! so each batch caches results by the string's hash and parses each distinct value once.

use std::fmt::Write as _;
use std::sync::Arc;

use datafusion::arrow::array::{BooleanArray, Float64Array, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use xxhash_rust::xxh3::xxh3_64;

use crate::args::{StrArg, check_arity, coerce_string};
use crate::ip::parse::IntMap;

/// The classification of one user-agent string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UaInfo {
    /// Client family (`Chrome`, `Outlook`, `python-requests`, ..., `Other`, `Empty`).
    pub family: &'static str,
    /// Major version of the family's own version token, when present.
    pub major: Option<u32>,
    /// Operating system (`Windows`, `macOS`, `iOS`, `Android`, `Linux`, `ChromeOS`, ...).
    pub os: &'static str,
    /// A programmatic client rather than a person's browser or app.
    pub scripted: bool,
}

#[derive(Clone, Copy)]
enum At {
    Start,
    Anywhere,
}

struct Rule {
    needle: &'static str,
    at: At,
    family: &'static str,
    /// Token after which the major version number is read (defaults to `needle`).
    version: Option<&'static str>,
    scripted: bool,
}

const fn r(needle: &'static str, at: At, family: &'static str, scripted: bool) -> Rule {
    Rule {
        needle,
        at,
        family,
        version: None,
        scripted,
    }
}

const fn rv(
    needle: &'static str,
    at: At,
    family: &'static str,
    version: &'static str,
    scripted: bool,
) -> Rule {
    Rule {
        needle,
        at,
        family,
        version: Some(version),
        scripted,
    }
}

use At::{Anywhere, Start};

/// Ordered rules; the first match wins. Scripted = a programmatic HTTP client, CLI or
/// automation runtime rather than a person's browser or a first-party app.
static RULES: &[Rule] = &[
    // HTTP libraries and tools, usually the very start of the string.
    r("python-requests/", Start, "python-requests", true),
    r("Python-urllib/", Start, "Python-urllib", true),
    r("python-urllib3/", Start, "Python-urllib", true),
    r("python-httpx/", Start, "httpx", true),
    rv("aiohttp/", Anywhere, "aiohttp", "aiohttp/", true),
    r("curl/", Start, "curl", true),
    r("Wget/", Start, "wget", true),
    r("Go-http-client/", Start, "Go-http-client", true),
    r("okhttp/", Anywhere, "okhttp", true),
    r("axios/", Anywhere, "axios", true),
    rv("node-fetch", Anywhere, "node-fetch", "node-fetch/", true),
    r("undici", Anywhere, "undici", true),
    r("libwww-perl/", Anywhere, "libwww-perl", true),
    r("Apache-HttpClient/", Anywhere, "Apache-HttpClient", true),
    r("Java/", Start, "Java", true),
    r("Scrapy/", Anywhere, "Scrapy", true),
    // Microsoft CLIs and legacy/programmatic auth.
    rv(
        "AzurePowershell",
        Anywhere,
        "Azure PowerShell",
        "AzurePowershell/v",
        true,
    ),
    rv("PowerShell", Anywhere, "PowerShell", "PowerShell/", true),
    rv("AZURECLI/", Anywhere, "azure-cli", "AZURECLI/", true),
    r("azure-cli/", Anywhere, "azure-cli", true),
    r("MSAL.Python", Anywhere, "MSAL.Python", true),
    r("BAV2ROPC", Anywhere, "BAV2ROPC", true),
    // Headless and automation browsers.
    r("HeadlessChrome/", Anywhere, "HeadlessChrome", true),
    r("PhantomJS/", Anywhere, "PhantomJS", true),
    // Microsoft and identity rich clients.
    r(
        "Windows-AzureAD-Authentication-Provider/",
        Anywhere,
        "Windows WAM",
        false,
    ),
    r("Teams/", Anywhere, "Teams", false),
    r("MicrosoftTeams", Anywhere, "Teams", false),
    r("Outlook-iOS/", Anywhere, "Outlook", false),
    r("Outlook-Android/", Anywhere, "Outlook", false),
    rv(
        "Microsoft Outlook",
        Anywhere,
        "Outlook",
        "Microsoft Outlook ",
        false,
    ),
    rv(
        "Microsoft Office",
        Anywhere,
        "Microsoft Office",
        "Microsoft Office/",
        false,
    ),
    r("OneDrive", Anywhere, "OneDrive", false),
    rv("MSAL", Anywhere, "MSAL", "MSAL ", false),
    r("ADAL", Anywhere, "ADAL", false),
    r("OktaVerify/", Anywhere, "Okta Verify", false),
    r("Okta-Integrations", Anywhere, "Okta-Integrations", true),
    rv(
        "Visual Studio Code/",
        Anywhere,
        "VS Code",
        "Visual Studio Code/",
        false,
    ),
    r("Electron/", Anywhere, "Electron", false),
    // Browsers: brands that also claim Chrome/Safari come first.
    r("Edg/", Anywhere, "Edge", false),
    r("EdgA/", Anywhere, "Edge", false),
    r("EdgiOS/", Anywhere, "Edge", false),
    r("Edge/", Anywhere, "Edge", false),
    r("OPR/", Anywhere, "Opera", false),
    r("SamsungBrowser/", Anywhere, "Samsung Internet", false),
    r("YaBrowser/", Anywhere, "Yandex Browser", false),
    r("Vivaldi/", Anywhere, "Vivaldi", false),
    r("FxiOS/", Anywhere, "Firefox", false),
    r("Firefox/", Anywhere, "Firefox", false),
    r("CriOS/", Anywhere, "Chrome", false),
    r("Chrome/", Anywhere, "Chrome", false),
    r("Chromium/", Anywhere, "Chrome", false),
    rv("Trident/", Anywhere, "Internet Explorer", "rv:", false),
    rv("MSIE ", Anywhere, "Internet Explorer", "MSIE ", false),
    r("Opera", Anywhere, "Opera", false),
    // Crawlers.
    rv("bot", Anywhere, "Bot", "bot/", true),
    r("Bot", Anywhere, "Bot", true),
    r("crawler", Anywhere, "Bot", true),
    r("spider", Anywhere, "Bot", true),
    // App runtimes' default agents.
    r("Dalvik/", Start, "Android app", false),
    r("CFNetwork/", Anywhere, "iOS app", false),
];

#[inline]
fn major_after(ua: &str, token: &str) -> Option<u32> {
    let at = ua.find(token)? + token.len();
    ua.as_bytes()[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .take(9)
        .fold(None, |acc: Option<u32>, b| {
            Some(acc.unwrap_or(0) * 10 + u32::from(b - b'0'))
        })
}

/// Operating system from the user agent. Order matters: iPhone agents say "like Mac OS X"
/// and Android agents say "Linux".
pub fn ua_os(ua: &str) -> &'static str {
    let has = |s: &str| ua.contains(s);
    if has("Windows Phone") {
        "Windows Phone"
    } else if has("Windows") {
        "Windows"
    } else if has("iPhone") || has("iPad") || has("iPod") || has("iOS") || has("CPU OS") {
        "iOS"
    } else if has("Android") {
        "Android"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Mac OS X") || has("Macintosh") || has("macOS") || has("Darwin") {
        "macOS"
    } else if has("Linux") || has("X11") || has("Ubuntu") || has("Fedora") {
        "Linux"
    } else {
        "Other"
    }
}

/// Classifies a user-agent string.
pub fn parse_ua(ua: &str) -> UaInfo {
    let t = ua.trim();
    if t.is_empty() {
        return UaInfo {
            family: "Empty",
            major: None,
            os: "Other",
            scripted: true,
        };
    }
    let os = ua_os(t);
    for rule in RULES {
        let hit = match rule.at {
            At::Start => t.starts_with(rule.needle),
            At::Anywhere => t.contains(rule.needle),
        };
        if hit {
            return UaInfo {
                family: rule.family,
                major: major_after(t, rule.version.unwrap_or(rule.needle)),
                os,
                scripted: rule.scripted,
            };
        }
    }
    // Safari last: every WebKit browser claims it.
    if t.contains("AppleWebKit") && (t.contains("Safari") || t.contains("Mobile/")) {
        let mobile = t.contains("Mobile/") || os == "iOS";
        return UaInfo {
            family: if mobile { "Mobile Safari" } else { "Safari" },
            major: major_after(t, "Version/"),
            os,
            scripted: false,
        };
    }
    UaInfo {
        family: "Other",
        major: None,
        os,
        scripted: false,
    }
}

/// Stable 64-bit fingerprint of the normalised agent: family, major version and OS, so
/// patch releases of the same browser on the same OS share a fingerprint.
pub fn fingerprint(info: &UaInfo) -> u64 {
    let mut buf = [0u8; 96];
    let mut w = SliceWriter {
        buf: &mut buf,
        len: 0,
    };
    let _ = write!(
        w,
        "{}|{}|{}",
        info.family,
        info.major.map_or(-1, i64::from),
        info.os
    );
    let len = w.len;
    xxh3_64(&buf[..len])
}

/// Formats into a fixed stack buffer (truncating), so fingerprints never allocate.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl std::fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Similarity of two user agents in [0, 1]:
/// `1.0` for identical strings; otherwise `0.5·[same family] + 0.3·[same OS] + 0.15·v`,
/// where `v` (only with the same family) is 1 for the same major version and decays by 0.1
/// per major version apart (0 when unknown). Same family and OS with a different build
/// scores 0.95; another browser on the same OS 0.3; nothing in common 0.
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (x, y) = (parse_ua(a), parse_ua(b));
    let family = x.family == y.family;
    let mut s = 0.0;
    if family {
        s += 0.5;
        let v = match (x.major, y.major) {
            (Some(p), Some(q)) => (1.0 - f64::from(p.abs_diff(q)) / 10.0).max(0.0),
            (None, None) => 1.0,
            _ => 0.0,
        };
        s += 0.15 * v;
    }
    if x.os == y.os {
        s += 0.3;
    }
    s
}

/// Which classification a [`UaFunction`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UaKind {
    /// `ua_family`.
    Family,
    /// `ua_os`.
    Os,
    /// `ua_is_scripted`.
    Scripted,
    /// `ua_fingerprint`.
    Fingerprint,
}

/// `ua_family(ua)`, `ua_os(ua)`, `ua_is_scripted(ua)`, `ua_fingerprint(ua)`.
///
/// ```sql
/// SELECT ua_family('python-requests/2.28.1'), ua_is_scripted('python-requests/2.28.1')
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct UaFunction {
    signature: Signature,
    kind: UaKind,
}

impl UaFunction {
    /// Creates the function (register it with `register_all`).
    pub fn new(kind: UaKind) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            kind,
        }
    }
}

/// Parses each distinct string of the batch once.
fn classify_batch<'s>(ua: &StrArg<'s>, n: usize, mut emit: impl FnMut(Option<UaInfo>)) {
    let mut cache: IntMap<u64, UaInfo> = IntMap::default();
    let mut prev: Option<(&'s str, UaInfo)> = None;
    for i in 0..n {
        let Some(s) = ua.get(i) else {
            emit(None);
            continue;
        };
        if let Some((p, info)) = prev
            && p == s
        {
            emit(Some(info));
            continue;
        }
        let info = *cache
            .entry(xxh3_64(s.as_bytes()))
            .or_insert_with(|| parse_ua(s));
        prev = Some((s, info));
        emit(Some(info));
    }
}

impl ScalarUDFImpl for UaFunction {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        match self.kind {
            UaKind::Family => "ua_family",
            UaKind::Os => "ua_os",
            UaKind::Scripted => "ua_is_scripted",
            UaKind::Fingerprint => "ua_fingerprint",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 1, 1)?;
        Ok(vec![coerce_string(self.name(), 0, &t[0])?])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            UaKind::Scripted => DataType::Boolean,
            _ => DataType::Utf8,
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let ua = StrArg::new(&args.args[0])?;
        match self.kind {
            UaKind::Scripted => {
                let mut v = Vec::with_capacity(n);
                classify_batch(&ua, n, |i| v.push(i.map(|i| i.scripted)));
                Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(v))))
            }
            kind => {
                let mut b = StringBuilder::with_capacity(n, n * 8);
                classify_batch(&ua, n, |info| match (info, kind) {
                    (None, _) => b.append_null(),
                    (Some(i), UaKind::Family) => b.append_value(i.family),
                    (Some(i), UaKind::Os) => b.append_value(i.os),
                    (Some(i), _) => {
                        let _ = write!(b, "{:016x}", fingerprint(&i));
                        b.append_value("");
                    }
                });
                Ok(ColumnarValue::Array(Arc::new(b.finish())))
            }
        }
    }
}

/// `ua_similarity(a, b)` → Float64 in [0, 1] (formula at [`similarity`]).
///
/// ```sql
/// SELECT ua_similarity('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
///                      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36')
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct UaSimilarity {
    signature: Signature,
}

impl UaSimilarity {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for UaSimilarity {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for UaSimilarity {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "ua_similarity"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), t.len(), 2, 2)?;
        Ok(vec![
            coerce_string(self.name(), 0, &t[0])?,
            coerce_string(self.name(), 1, &t[1])?,
        ])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let a = StrArg::new(&args.args[0])?;
        let b = StrArg::new(&args.args[1])?;
        let mut cache: IntMap<u64, f64> = IntMap::default();
        let out: Float64Array = (0..n)
            .map(|i| {
                let (x, y) = (a.get(i)?, b.get(i)?);
                let key = xxh3_64(x.as_bytes()) ^ xxh3_64(y.as_bytes()).rotate_left(17);
                Some(*cache.entry(key).or_insert_with(|| similarity(x, y)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (user agent, family, major, os, scripted). Includes every distinct agent in the
    /// Entra and Okta fixtures plus common real-world clients.
    const CASES: &[(&str, &str, Option<u32>, &str, bool)] = &[
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/102.0.0.0 Safari/537.36",
            "Chrome",
            Some(102),
            "macOS",
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:72.0) Gecko/20100101 Firefox/72.0",
            "Firefox",
            Some(72),
            "macOS",
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.83 Safari/537.36",
            "Chrome",
            Some(99),
            "macOS",
            false,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/84.0.4147.135 Safari/537.36",
            "Chrome",
            Some(84),
            "Linux",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 11; ONEPLUS A6013) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Mobile Safari/537.36",
            "Chrome",
            Some(104),
            "Android",
            false,
        ),
        (
            "python-requests/2.28.1",
            "python-requests",
            Some(2),
            "Other",
            true,
        ),
        (
            "Microsoft Office/16.0",
            "Microsoft Office",
            Some(16),
            "Other",
            false,
        ),
        ("BAV2ROPC", "BAV2ROPC", None, "Other", true),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/97.0.4692.99 Safari/537.36 Edg/97.0.1072.69",
            "Edge",
            Some(97),
            "Windows",
            false,
        ),
        ("", "Empty", None, "Other", true),
        ("curl/7.68.0", "curl", Some(7), "Other", true),
        (
            "Mozilla/5.0 (X11; Linux x86_64)",
            "Other",
            None,
            "Linux",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Visual Studio Code/1.75.0 Chrome/102.0.5005.167 Electron/19.1.9 Safari/537.36",
            "VS Code",
            Some(1),
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15",
            "Safari",
            Some(16),
            "macOS",
            false,
        ),
        (
            "Go-http-client/2.0",
            "Go-http-client",
            Some(2),
            "Other",
            true,
        ),
        (
            "Go-http-client/2.0 PS_mxzqarw",
            "Go-http-client",
            Some(2),
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.18363",
            "Edge",
            Some(18),
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari",
            "Mobile Safari",
            None,
            "iOS",
            false,
        ),
        (
            "B7FdsdB65BN.com.okta.mobile/7.12.0 OktaVerify/7.12.0 iOS/16.1.2 Apple/iPhone14,2 6C743C36-ewew-400D-8FB9-A5F049A745CF",
            "Okta Verify",
            Some(7),
            "iOS",
            false,
        ),
        (
            "Okta-Integrations",
            "Okta-Integrations",
            None,
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/109.0",
            "Firefox",
            Some(109),
            "Linux",
            false,
        ),
        ("unknown", "Other", None, "Other", false),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            Some(17),
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1",
            "Chrome",
            Some(119),
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome",
            Some(120),
            "ChromeOS",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.71 Safari/537.36",
            "HeadlessChrome",
            Some(120),
            "Windows",
            true,
        ),
        (
            "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3570",
            "PowerShell",
            Some(5),
            "Windows",
            true,
        ),
        (
            "python/3.11.5 (Windows-10-10.0.22621-SP0) msrest/0.7.1 msrest_azure/0.6.4 azure-mgmt-resource/23.0.1 Azure-SDK-For-Python AZURECLI/2.53.0 (MSI)",
            "azure-cli",
            Some(2),
            "Windows",
            true,
        ),
        ("Wget/1.21.2", "wget", Some(1), "Other", true),
        ("okhttp/4.9.2", "okhttp", Some(4), "Other", true),
        ("axios/1.6.2", "axios", Some(1), "Other", true),
        (
            "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            "node-fetch",
            Some(1),
            "Other",
            true,
        ),
        ("libwww-perl/6.72", "libwww-perl", Some(6), "Other", true),
        ("Java/17.0.2", "Java", Some(17), "Other", true),
        (
            "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0",
            "MSAL",
            Some(1),
            "Other",
            false,
        ),
        (
            "Microsoft Outlook 16.0.17029; Pro",
            "Outlook",
            Some(16),
            "Other",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.6.00.4472 Chrome/98.0.4758.141 Electron/17.4.1 Safari/537.36",
            "Teams",
            Some(1),
            "Windows",
            false,
        ),
        (
            "Windows-AzureAD-Authentication-Provider/1.0",
            "Windows WAM",
            Some(1),
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko",
            "Internet Explorer",
            Some(11),
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            Some(23),
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Bot",
            Some(2),
            "Other",
            true,
        ),
        (
            "Dalvik/2.1.0 (Linux; U; Android 12; Pixel 6 Build/SQ3A.220705.004)",
            "Android app",
            Some(2),
            "Android",
            false,
        ),
    ];

    #[test]
    fn real_world_agents() {
        for &(ua, family, major, os, scripted) in CASES {
            let got = parse_ua(ua);
            assert_eq!(
                (got.family, got.major, got.os, got.scripted),
                (family, major, os, scripted),
                "{ua}"
            );
        }
    }

    #[test]
    fn fingerprint_is_normalised_and_stable() {
        let a = parse_ua(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36",
        );
        let b = parse_ua(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36",
        );
        let c = parse_ua(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        // Pinned value: the fingerprint must not change between releases.
        assert_eq!(fingerprint(&a), xxh3_64(b"Chrome|120|Windows"));
    }

    #[test]
    fn similarity_formula() {
        let chrome120 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        let chrome121 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36";
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        let mac_chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(similarity(chrome120, chrome120), 1.0);
        assert!((similarity(chrome120, chrome121) - 0.935).abs() < 1e-9);
        assert!((similarity(chrome120, firefox) - 0.3).abs() < 1e-9);
        assert!((similarity(chrome120, mac_chrome) - 0.65).abs() < 1e-9);
        assert_eq!(similarity(chrome120, "python-requests/2.31.0"), 0.0);
        for (x, y) in [
            (chrome120, firefox),
            ("", "curl/8.0"),
            (mac_chrome, chrome121),
        ] {
            let s = similarity(x, y);
            assert!((0.0..=1.0).contains(&s));
            assert_eq!(s, similarity(y, x), "symmetric");
        }
    }
}
