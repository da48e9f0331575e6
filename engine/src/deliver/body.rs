//! Request bodies: each record encoded as its destination expects, and the records cut
//! into requests no larger than the destination accepts.
//!
//! * webhook: JSON Lines (`application/x-ndjson`), one finding per line;
//! * Splunk HEC: event objects one after another (HEC's batch format), each
//!   `{"time": <epoch seconds>, "source", "sourcetype", ["index",] "event": <finding>}`;
//! * Azure Monitor: a JSON array of rows, each the finding with `TimeGenerated`.

use serde_json::{Map, Value};

use super::destination::Destination;

/// One request's body and how many records it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub body: Vec<u8>,
    pub records: usize,
}

/// A record that does not fit in one request on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// Its position among the records.
    pub index: usize,
    pub bytes: usize,
}

/// How a destination frames its records.
struct Framing {
    open: &'static [u8],
    separator: &'static [u8],
    close: &'static [u8],
}

fn framing(destination: &Destination) -> Framing {
    match destination {
        Destination::Webhook { .. } => Framing {
            open: b"",
            separator: b"",
            close: b"",
        },
        Destination::SplunkHec { .. } => Framing {
            open: b"",
            separator: b"\n",
            close: b"",
        },
        Destination::AzureMonitor { .. } => Framing {
            open: b"[",
            separator: b",",
            close: b"]",
        },
    }
}

/// The `Content-Type` of the destination's bodies.
pub fn content_type(destination: &Destination) -> &'static str {
    match destination {
        Destination::Webhook { .. } => "application/x-ndjson",
        _ => "application/json",
    }
}

/// One record (a finding as JSON) as the destination carries it. `now` is the
/// delivery time (RFC 3339), Azure Monitor's `TimeGenerated`.
pub fn encode(destination: &Destination, record: &Value, now: &str) -> Vec<u8> {
    match destination {
        Destination::Webhook { .. } => {
            let mut line = serde_json::to_vec(record).unwrap_or_default();
            line.push(b'\n');
            line
        }
        Destination::SplunkHec {
            sourcetype,
            source,
            index,
            ..
        } => {
            let mut event = Map::new();
            // HEC indexes the event at `time`: when the finding's activity was last
            // seen, so a search over the attack's hours finds it.
            if let Some(time) = record["last_seen"].as_str().and_then(epoch_seconds) {
                event.insert("time".into(), time.into());
            }
            event.insert("source".into(), source.clone().into());
            event.insert("sourcetype".into(), sourcetype.clone().into());
            if let Some(index) = index {
                event.insert("index".into(), index.clone().into());
            }
            event.insert("event".into(), record.clone());
            serde_json::to_vec(&Value::Object(event)).unwrap_or_default()
        }
        Destination::AzureMonitor { .. } => {
            let mut row = match record {
                Value::Object(object) => object.clone(),
                other => {
                    let mut object = Map::new();
                    object.insert("record".into(), other.clone());
                    object
                }
            };
            // Every Log Analytics table needs `TimeGenerated`; the finding's own times
            // stay in `first_seen` / `last_seen`.
            row.insert("TimeGenerated".into(), now.into());
            serde_json::to_vec(&Value::Object(row)).unwrap_or_default()
        }
    }
}

/// Epoch seconds (with milliseconds) of an RFC 3339 time.
fn epoch_seconds(text: &str) -> Option<f64> {
    let time = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(time.timestamp_millis() as f64 / 1000.0)
}

/// Cuts encoded records into bodies of at most `max_bytes` each (framing included),
/// in order; a record that cannot fit even alone is an error, before anything is sent.
pub fn batches(
    destination: &Destination,
    records: Vec<Vec<u8>>,
    max_bytes: usize,
) -> Result<Vec<Batch>, Oversized> {
    let frame = framing(destination);
    let fixed = frame.open.len() + frame.close.len();
    let mut out = Vec::new();
    let mut current: Option<Batch> = None;
    for (index, record) in records.into_iter().enumerate() {
        if fixed + record.len() > max_bytes {
            return Err(Oversized {
                index,
                bytes: record.len(),
            });
        }
        if let Some(batch) = &current
            && batch.body.len() + frame.separator.len() + record.len() + frame.close.len()
                > max_bytes
        {
            out.extend(current.take().map(|batch| close(batch, &frame)));
        }
        match &mut current {
            Some(batch) => {
                batch.body.extend_from_slice(frame.separator);
                batch.body.extend_from_slice(&record);
                batch.records += 1;
            }
            None => {
                let mut body = frame.open.to_vec();
                body.extend_from_slice(&record);
                current = Some(Batch { body, records: 1 });
            }
        }
    }
    out.extend(current.map(|batch| close(batch, &frame)));
    Ok(out)
}

fn close(mut batch: Batch, frame: &Framing) -> Batch {
    batch.body.extend_from_slice(frame.close);
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn destination(out: &str) -> Destination {
        Destination::parse(out).unwrap().unwrap()
    }

    fn finding(n: usize) -> Value {
        json!({"finding_id": format!("f{n}"), "last_seen": "2026-04-14T10:00:00.250Z", "score": 80})
    }

    #[test]
    fn hec_events_carry_time_sourcetype_and_the_finding() {
        let hec = destination("hec+https://s:8088?index=sec");
        let event: Value = serde_json::from_slice(&encode(&hec, &finding(1), "x")).unwrap();
        assert_eq!(event["time"], json!(1_776_160_800.25));
        assert_eq!(event["sourcetype"], "tokenhunt:finding");
        assert_eq!(event["source"], "tokenhunt");
        assert_eq!(event["index"], "sec");
        assert_eq!(event["event"]["finding_id"], "f1");
    }

    #[test]
    fn batches_stay_under_the_cap_and_keep_order() {
        let dcr = destination("dcr+https://h/dcr-1/Custom-X");
        let records: Vec<Vec<u8>> = (0..50)
            .map(|n| encode(&dcr, &finding(n), "2026-12-07T00:00:00Z"))
            .collect();
        let one = records[0].len();
        let cut = batches(&dcr, records.clone(), 5 * one + 10).unwrap();
        assert!(cut.len() >= 10, "{}", cut.len());
        let mut seen = Vec::new();
        for batch in &cut {
            assert!(batch.body.len() <= 5 * one + 10);
            let rows: Vec<Value> = serde_json::from_slice(&batch.body).unwrap();
            assert_eq!(rows.len(), batch.records);
            seen.extend(
                rows.iter()
                    .map(|r| r["finding_id"].as_str().unwrap().to_string()),
            );
            assert!(
                rows.iter()
                    .all(|r| r["TimeGenerated"] == "2026-12-07T00:00:00Z")
            );
        }
        let expected: Vec<String> = (0..50).map(|n| format!("f{n}")).collect();
        assert_eq!(seen, expected);
        // Everything in one request when it fits.
        assert_eq!(batches(&dcr, records, 1 << 20).unwrap().len(), 1);
    }

    #[test]
    fn a_record_over_the_cap_alone_is_refused() {
        let hook = destination("https://h/hook");
        let records = vec![b"{}\n".to_vec(), vec![b'x'; 100]];
        assert_eq!(
            batches(&hook, records, 50),
            Err(Oversized {
                index: 1,
                bytes: 100
            })
        );
    }

    #[test]
    fn webhook_bodies_are_json_lines() {
        let hook = destination("https://h/hook");
        let records = (0..3).map(|n| encode(&hook, &finding(n), "x")).collect();
        let cut = batches(&hook, records, 1 << 20).unwrap();
        let text = String::from_utf8(cut[0].body.clone()).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'));
    }
}
