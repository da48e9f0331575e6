//! Where `hunt --out` delivers, from its URL:
//!
//! | `--out` | destination |
//! |---|---|
//! | `https://host/path?…` (`http://` on loopback only) | webhook: `POST` of JSON Lines |
//! | `hec+https://host:8088[/path][?sourcetype=…&index=…&source=…]` | Splunk HTTP Event Collector, `/services/collector/event` unless a path is given |
//! | `dcr+https://<endpoint host>[/path]/<dcr immutable id>/<stream>` | Azure Monitor Logs ingestion API (a data collection rule's stream) |
//!
//! Anything else is a file or object-store location, written as before.

use url::Url;

use super::error::DeliveryError;
use crate::pull::is_loopback;

/// The Splunk HEC endpoint a `hec+` URL without a path posts to.
pub const HEC_EVENT_PATH: &str = "/services/collector/event";
/// The `sourcetype` of HEC events when the URL names none.
pub const HEC_SOURCETYPE: &str = "tokenhunt:finding";
/// The `source` of HEC events when the URL names none.
pub const HEC_SOURCE: &str = "tokenhunt";
/// The Logs ingestion API version requested.
pub const DCR_API_VERSION: &str = "2023-01-01";

/// Path segments at least this long are taken for a credential when messages name a
/// webhook (Slack, Teams and Discord put theirs in the path).
const SECRET_SEGMENT_LENGTH: usize = 16;

/// A delivery destination parsed from `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A webhook: every record one JSON line of the body.
    Webhook { url: Url },
    /// Splunk HEC: one event object per record.
    SplunkHec {
        /// The collector endpoint itself.
        url: Url,
        sourcetype: String,
        source: String,
        index: Option<String>,
    },
    /// The Azure Monitor Logs ingestion API: a JSON array of rows per request.
    AzureMonitor {
        /// `{endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=…`.
        url: Url,
        /// The data collection rule's immutable id (`dcr-…`).
        dcr: String,
        /// The rule's input stream (`Custom-…`).
        stream: String,
    },
}

impl Destination {
    /// The destination `out` names, or `None` when it is a file or object-store
    /// location.
    pub fn parse(out: &str) -> Result<Option<Destination>, DeliveryError> {
        let lower = out.trim().to_ascii_lowercase();
        let (kind, rest) = if let Some(rest) = strip(&lower, out, "hec+") {
            ("hec", rest)
        } else if let Some(rest) = strip(&lower, out, "dcr+") {
            ("dcr", rest)
        } else if lower.starts_with("https://") || lower.starts_with("http://") {
            ("webhook", out.trim())
        } else {
            return Ok(None);
        };
        let url = Url::parse(rest)
            .map_err(|e| DeliveryError::Config(format!("--out {out:?} is not a URL: {e}")))?;
        check_transport(&url, out)?;
        Ok(Some(match kind {
            "webhook" => Destination::Webhook { url },
            "hec" => splunk_hec(url, out)?,
            _ => azure_monitor(url, out)?,
        }))
    }

    /// Its kind, for messages: `webhook`, `Splunk HEC`, `Azure Monitor`.
    pub fn service(&self) -> &'static str {
        match self {
            Destination::Webhook { .. } => "webhook",
            Destination::SplunkHec { .. } => "Splunk HEC",
            Destination::AzureMonitor { .. } => "Azure Monitor Logs ingestion",
        }
    }

    /// Where requests go.
    pub fn url(&self) -> &Url {
        match self {
            Destination::Webhook { url }
            | Destination::SplunkHec { url, .. }
            | Destination::AzureMonitor { url, .. } => url,
        }
    }

    /// Parts of the URL that may be credentials: a webhook's query values and long
    /// path segments. Scrubbed from every message.
    pub fn url_secrets(&self) -> Vec<String> {
        let Destination::Webhook { url } = self else {
            return Vec::new();
        };
        let mut secrets: Vec<String> = url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|segment| segment.len() >= SECRET_SEGMENT_LENGTH)
            .map(str::to_string)
            .collect();
        secrets.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
        if let Some(query) = url.query() {
            secrets.push(query.to_string());
        }
        secrets.retain(|secret| secret.len() >= 4);
        secrets
    }

    /// How messages name it: the service and its URL with any credential in it
    /// replaced.
    pub fn label(&self) -> String {
        let mut url = self.url().as_str().to_string();
        // Longest first, so a value inside a longer one does not leave a tail.
        let mut secrets = self.url_secrets();
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        for secret in secrets {
            url = url.replace(&secret, "[REDACTED]");
        }
        match self {
            Destination::AzureMonitor { dcr, stream, .. } => format!(
                "{} at {} (rule {dcr}, stream {stream})",
                self.service(),
                self.url().origin().ascii_serialization()
            ),
            _ => format!("{} {url}", self.service()),
        }
    }
}

/// `rest` of `original` after `prefix`, matched without regard to case.
fn strip<'a>(lower: &str, original: &'a str, prefix: &str) -> Option<&'a str> {
    lower
        .starts_with(prefix)
        .then(|| &original.trim()[prefix.len()..])
}

/// `https`, or `http` to this machine only: credentials and findings never travel in
/// clear. No user name or password in the URL (they would be printed with it).
fn check_transport(url: &Url, out: &str) -> Result<(), DeliveryError> {
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(DeliveryError::Config(format!(
                "--out {}: use https (plain http only to 127.0.0.1 or localhost) so findings \
                 and credentials are not sent in clear",
                redact_query(out)
            )));
        }
        scheme => {
            return Err(DeliveryError::Config(format!(
                "--out: unsupported scheme {scheme:?} after hec+ or dcr+ (use https)"
            )));
        }
    }
    if url.host().is_none() {
        return Err(DeliveryError::Config(format!(
            "--out {}: no host",
            redact_query(out)
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DeliveryError::Config(
            "--out: a URL with a user name or password; credentials come from the environment \
             (see `tokenhunt hunt --help`)"
                .into(),
        ));
    }
    Ok(())
}

/// `out` without its query, for a message about a URL that was not accepted.
fn redact_query(out: &str) -> &str {
    out.split_once('?').map_or(out, |(before, _)| before)
}

fn splunk_hec(mut url: Url, out: &str) -> Result<Destination, DeliveryError> {
    let mut sourcetype = HEC_SOURCETYPE.to_string();
    let mut source = HEC_SOURCE.to_string();
    let mut index = None;
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "sourcetype" => sourcetype = value.into_owned(),
            "source" => source = value.into_owned(),
            "index" => index = Some(value.into_owned()),
            other => {
                return Err(DeliveryError::Config(format!(
                    "--out {out:?}: unknown HEC setting {other:?} (use sourcetype, source, index)"
                )));
            }
        }
    }
    url.set_query(None);
    url.set_fragment(None);
    if url.path().is_empty() || url.path() == "/" {
        url.set_path(HEC_EVENT_PATH);
    }
    Ok(Destination::SplunkHec {
        url,
        sourcetype,
        source,
        index,
    })
}

fn azure_monitor(url: Url, out: &str) -> Result<Destination, DeliveryError> {
    let usage = || {
        DeliveryError::Config(format!(
            "--out {out:?}: an Azure Monitor destination is \
             dcr+https://<data collection endpoint host>/<dcr immutable id>/<stream name>, e.g. \
             dcr+https://my-dce-a1b2.eastus-1.ingest.monitor.azure.com/dcr-00112233445566778899aabbccddeeff/Custom-TokenhuntFindings"
        ))
    };
    if url.query().is_some() {
        return Err(usage());
    }
    let segments: Vec<&str> = url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|segment| !segment.is_empty())
        .collect();
    let [base @ .., dcr, stream] = segments.as_slice() else {
        return Err(usage());
    };
    let valid = |text: &str| {
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    if !dcr.to_ascii_lowercase().starts_with("dcr-") || !valid(dcr) || !valid(stream) {
        return Err(usage());
    }
    let mut endpoint = url.clone();
    let mut path = String::new();
    for segment in base {
        path.push('/');
        path.push_str(segment);
    }
    endpoint.set_path(&format!(
        "{path}/dataCollectionRules/{dcr}/streams/{stream}"
    ));
    endpoint.set_query(Some(&format!("api-version={DCR_API_VERSION}")));
    endpoint.set_fragment(None);
    Ok(Destination::AzureMonitor {
        url: endpoint,
        dcr: dcr.to_string(),
        stream: stream.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(out: &str) -> Destination {
        Destination::parse(out).unwrap().unwrap()
    }

    #[test]
    fn files_and_object_stores_are_not_deliveries() {
        for out in [
            "findings.jsonl",
            "/tmp/x.parquet",
            "s3://b/f.jsonl",
            "file:///tmp/x",
        ] {
            assert_eq!(Destination::parse(out).unwrap(), None, "{out}");
        }
    }

    #[test]
    fn webhooks_are_https_or_loopback() {
        assert!(matches!(
            parse("https://hooks.example.com/tokenhunt"),
            Destination::Webhook { .. }
        ));
        assert!(matches!(
            parse("http://127.0.0.1:9/hook"),
            Destination::Webhook { .. }
        ));
        let clear = Destination::parse("http://hooks.example.com/x?token=abcdef")
            .unwrap_err()
            .to_string();
        assert!(
            clear.contains("https") && !clear.contains("abcdef"),
            "{clear}"
        );
        assert!(Destination::parse("https://u:pw@hooks.example.com/").is_err());
    }

    #[test]
    fn webhook_labels_hide_tokens_in_the_path_and_query() {
        let hook = parse(
            "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX?key=sekrit-1",
        );
        let label = hook.label();
        assert!(
            !label.contains("XXXXXXXXXXXXXXXXXXXXXXXX") && !label.contains("sekrit-1"),
            "{label}"
        );
        assert!(label.contains("hooks.slack.com/services/T0000"), "{label}");
    }

    #[test]
    fn splunk_hec_defaults_and_settings() {
        let Destination::SplunkHec {
            url,
            sourcetype,
            source,
            index,
        } = parse("hec+https://splunk.example.com:8088")
        else {
            panic!()
        };
        assert_eq!(
            url.as_str(),
            "https://splunk.example.com:8088/services/collector/event"
        );
        assert_eq!(
            (sourcetype.as_str(), source.as_str()),
            (HEC_SOURCETYPE, HEC_SOURCE)
        );
        assert_eq!(index, None);
        let Destination::SplunkHec {
            url,
            sourcetype,
            index,
            ..
        } = parse("HEC+http://127.0.0.1:8088/proxy/event?sourcetype=th&index=security")
        else {
            panic!()
        };
        assert_eq!(url.as_str(), "http://127.0.0.1:8088/proxy/event");
        assert_eq!(sourcetype, "th");
        assert_eq!(index.as_deref(), Some("security"));
        assert!(Destination::parse("hec+https://s:8088/?token=x").is_err());
        assert!(Destination::parse("hec+http://splunk.example.com:8088").is_err());
    }

    #[test]
    fn azure_monitor_urls() {
        let Destination::AzureMonitor { url, dcr, stream } = parse(
            "dcr+https://my-dce.eastus-1.ingest.monitor.azure.com/dcr-00112233445566778899aabbccddeeff/Custom-TokenhuntFindings",
        ) else {
            panic!()
        };
        assert_eq!(
            url.as_str(),
            "https://my-dce.eastus-1.ingest.monitor.azure.com/dataCollectionRules/\
             dcr-00112233445566778899aabbccddeeff/streams/Custom-TokenhuntFindings?api-version=2023-01-01"
        );
        assert_eq!(dcr, "dcr-00112233445566778899aabbccddeeff");
        assert_eq!(stream, "Custom-TokenhuntFindings");
        let Destination::AzureMonitor { url, .. } =
            parse("dcr+http://127.0.0.1:9/base/dcr-1/Custom-X")
        else {
            panic!()
        };
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/base/dataCollectionRules/dcr-1/streams/Custom-X?api-version=2023-01-01"
        );
        // The id and the stream swapped, or missing.
        assert!(Destination::parse("dcr+https://h/Custom-X/dcr-1").is_err());
        assert!(Destination::parse("dcr+https://h/dcr-1").is_err());
    }
}
