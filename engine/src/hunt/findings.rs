//! Findings: what a hunt reports, in one contract for every output format.
//!
//! A hunt's SQL returns one row per finding with at least `user`, `first_seen`,
//! `last_seen` and `reason`; optionally `session_id`, `source`, `score` (0–100),
//! `ips`, `asns`, `countries`, `apps` (lists or single values), `evidence` (a struct
//! or JSON text) and `finding_key` (what makes the finding unique when it is not the
//! session). The runner adds the id, hunt, technique and severity.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int64Builder, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::metadata::HuntMetadata;
use crate::error::{EngineError, Result};

/// One finding, as printed and stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub finding_id: String,
    pub hunt: String,
    pub technique: String,
    pub severity: String,
    pub score: f64,
    pub user: Option<String>,
    pub session_id: Option<String>,
    pub source: String,
    pub first_seen: String,
    pub last_seen: String,
    pub ips: Vec<String>,
    pub asns: Vec<i64>,
    pub countries: Vec<String>,
    pub apps: Vec<String>,
    pub reason: String,
    pub evidence: Value,
}

/// The default score of a severity, when a hunt does not compute one.
pub fn severity_score(severity: &str) -> f64 {
    match severity {
        "critical" => 90.0,
        "high" => 75.0,
        "medium" => 50.0,
        _ => 25.0,
    }
}

/// Rank of a severity, for taking the highest.
pub fn severity_rank(severity: &str) -> usize {
    super::metadata::SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(0)
}

/// A stable id: the same hunt on the same evidence gives the same id on every run.
pub fn finding_id(parts: &[&str]) -> String {
    let joined = parts.join("\u{1f}");
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(joined.as_bytes()))
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    let mut items: Vec<String> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        other => text(other).into_iter().collect(),
    };
    items.sort();
    items.dedup();
    items
}

fn numbers(value: Option<&Value>) -> Vec<i64> {
    let mut items: Vec<i64> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .collect(),
        Some(v) => v.as_i64().into_iter().collect(),
        None => Vec::new(),
    };
    items.sort_unstable();
    items.dedup();
    items
}

/// Timestamps arrive as RFC 3339-ish text from the JSON writer; normalise to `Z`.
fn time_text(value: Option<&Value>) -> Option<String> {
    let raw = text(value)?;
    let micros = crate::parse::time::parse_timestamp_micros(&raw).ok()?;
    Some(crate::timerange::rfc3339(micros))
}

/// Converts a hunt's result rows to findings.
pub fn findings_from_batches(hunt: &HuntMetadata, batches: &[RecordBatch]) -> Result<Vec<Finding>> {
    let mut rows = Vec::new();
    for batch in batches {
        let mut buffer = Vec::new();
        {
            let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut buffer);
            writer.write(batch)?;
            writer.finish()?;
        }
        for line in buffer.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let row: Map<String, Value> = serde_json::from_slice(line)
                .map_err(|e| EngineError::Invalid(format!("hunt {}: {e}", hunt.id)))?;
            rows.push(row);
        }
    }
    let mut findings = rows
        .iter()
        .map(|row| {
            let mut finding = finding_from_row(hunt, row)?;
            super::scoring::apply_gate(&mut finding);
            Ok(finding)
        })
        .collect::<Result<Vec<_>>>()?;
    distinct_ids(&mut findings);
    Ok(super::slices::merge_same_id(findings))
}

/// Gives findings of one run that share an id (a hunt whose `finding_key` does not
/// tell two rows apart, e.g. one row per network of a session keyed by the session)
/// ids that also hash their source, session, first sighting and addresses. `hunt --new`,
/// suppressions and slices go by id: two findings under one id would be one alert,
/// and the second could pass as already reported. Rows alike in all of that are one
/// finding reported twice, and are merged by the caller.
fn distinct_ids(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for finding in findings.iter() {
        *seen.entry(finding.finding_id.clone()).or_default() += 1;
    }
    for finding in findings.iter_mut() {
        if seen.get(&finding.finding_id).copied().unwrap_or(0) > 1 {
            let ips = finding.ips.join(",");
            finding.finding_id = finding_id(&[
                &finding.finding_id,
                &finding.source,
                finding.session_id.as_deref().unwrap_or(""),
                &finding.first_seen,
                &ips,
            ]);
        }
    }
}

fn finding_from_row(hunt: &HuntMetadata, row: &Map<String, Value>) -> Result<Finding> {
    let missing = |column: &str| {
        EngineError::Invalid(format!("hunt {}: result has no `{column}` column", hunt.id))
    };
    let first_seen = time_text(row.get("first_seen")).ok_or_else(|| missing("first_seen"))?;
    let last_seen = time_text(row.get("last_seen")).unwrap_or_else(|| first_seen.clone());
    let reason = text(row.get("reason")).ok_or_else(|| missing("reason"))?;
    let user = text(row.get("user")).map(|u| u.to_lowercase());
    let session_id = text(row.get("session_id"));
    let evidence = match row.get("evidence") {
        Some(Value::String(json)) => {
            serde_json::from_str(json).unwrap_or_else(|_| Value::String(json.clone()))
        }
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(other) => other.clone(),
    };
    let score = row
        .get("score")
        .and_then(Value::as_f64)
        .unwrap_or_else(|| severity_score(&hunt.severity))
        .clamp(0.0, 100.0);
    let key = text(row.get("finding_key")).unwrap_or_else(|| match &session_id {
        Some(session) => session.clone(),
        None => first_seen.clone(),
    });
    let source = text(row.get("source"))
        .unwrap_or_else(|| hunt.sources.first().cloned().unwrap_or_default());
    Ok(Finding {
        finding_id: finding_id(&[&hunt.id, user.as_deref().unwrap_or(""), &key]),
        hunt: hunt.id.clone(),
        technique: hunt.technique.clone(),
        severity: hunt.severity.clone(),
        score: (score * 10.0).round() / 10.0,
        user,
        session_id,
        source,
        first_seen,
        last_seen,
        ips: strings(row.get("ips")),
        asns: numbers(row.get("asns")),
        countries: strings(row.get("countries")),
        apps: strings(row.get("apps")),
        reason,
        evidence,
    })
}

/// The findings contract as an Arrow schema (lists as lists, evidence as JSON text),
/// for table, CSV and Parquet output.
pub fn findings_schema() -> SchemaRef {
    let list = |name: &str, item: DataType| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new("item", item, true))),
            false,
        )
    };
    Arc::new(Schema::new(vec![
        Field::new("finding_id", DataType::Utf8, false),
        Field::new("hunt", DataType::Utf8, false),
        Field::new("technique", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("user", DataType::Utf8, true),
        Field::new("session_id", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("first_seen", DataType::Utf8, false),
        Field::new("last_seen", DataType::Utf8, false),
        list("ips", DataType::Utf8),
        list("asns", DataType::Int64),
        list("countries", DataType::Utf8),
        list("apps", DataType::Utf8),
        Field::new("reason", DataType::Utf8, false),
        Field::new("evidence", DataType::Utf8, false),
    ]))
}

/// Findings as one record batch in [`findings_schema`].
pub fn findings_batch(findings: &[Finding]) -> Result<RecordBatch> {
    let column = |value: fn(&Finding) -> Option<&str>| -> ArrayRef {
        Arc::new(StringArray::from(
            findings.iter().map(value).collect::<Vec<_>>(),
        ))
    };
    let list = |values: fn(&Finding) -> &[String]| -> ArrayRef {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for finding in findings {
            for value in values(finding) {
                builder.values().append_value(value);
            }
            builder.append(true);
        }
        Arc::new(builder.finish())
    };
    let mut asns = ListBuilder::new(Int64Builder::new());
    for finding in findings {
        asns.values().append_slice(&finding.asns);
        asns.append(true);
    }
    let columns: Vec<ArrayRef> = vec![
        column(|f| Some(&f.finding_id)),
        column(|f| Some(&f.hunt)),
        column(|f| Some(&f.technique)),
        column(|f| Some(&f.severity)),
        Arc::new(Float64Array::from(
            findings.iter().map(|f| f.score).collect::<Vec<_>>(),
        )),
        column(|f| f.user.as_deref()),
        column(|f| f.session_id.as_deref()),
        column(|f| Some(&f.source)),
        column(|f| Some(&f.first_seen)),
        column(|f| Some(&f.last_seen)),
        list(|f| &f.ips),
        Arc::new(asns.finish()),
        list(|f| &f.countries),
        list(|f| &f.apps),
        column(|f| Some(&f.reason)),
        Arc::new(StringArray::from(
            findings
                .iter()
                .map(|f| f.evidence.to_string())
                .collect::<Vec<_>>(),
        )),
    ];
    Ok(RecordBatch::try_new(findings_schema(), columns)?)
}

/// Findings for CSV, which has no list type: lists become `;`-separated text, in the
/// column order of [`findings_schema`].
pub fn findings_csv_batch(findings: &[Finding]) -> Result<RecordBatch> {
    let batch = findings_batch(findings)?;
    let join = |values: fn(&Finding) -> Vec<String>| -> ArrayRef {
        Arc::new(StringArray::from(
            findings
                .iter()
                .map(|f| values(f).join(";"))
                .collect::<Vec<_>>(),
        ))
    };
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (index, field) in batch.schema().fields().iter().enumerate() {
        let column = match field.name().as_str() {
            "ips" => join(|f| f.ips.clone()),
            "asns" => join(|f| f.asns.iter().map(i64::to_string).collect()),
            "countries" => join(|f| f.countries.clone()),
            "apps" => join(|f| f.apps.clone()),
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(batch.column(index).clone());
                continue;
            }
        };
        fields.push(Field::new(field.name(), DataType::Utf8, false));
        columns.push(column);
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// A finding for unit tests: one user, no session, evidence as given.
#[cfg(test)]
pub(crate) fn test_finding(score: f64, reason: &str, evidence: Value) -> Finding {
    Finding {
        finding_id: "f".into(),
        hunt: "h".into(),
        technique: "T1550.001".into(),
        severity: "high".into(),
        score,
        user: Some("u".into()),
        session_id: None,
        source: "entra".into(),
        first_seen: "2026-01-01T00:00:00Z".into(),
        last_seen: "2026-01-01T00:00:00Z".into(),
        ips: vec![],
        asns: vec![],
        countries: vec![],
        apps: vec![],
        reason: reason.into(),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::TimestampMicrosecondArray;

    use super::*;

    fn rows(sessions: &[&str], keys: &[&str], ips: &[&str], first: &[i64]) -> RecordBatch {
        let text = |values: &[&str]| -> ArrayRef { Arc::new(StringArray::from(values.to_vec())) };
        let schema = Schema::new(vec![
            Field::new("user", DataType::Utf8, false),
            Field::new("session_id", DataType::Utf8, false),
            Field::new(
                "first_seen",
                DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None),
                false,
            ),
            Field::new("reason", DataType::Utf8, false),
            Field::new("finding_key", DataType::Utf8, false),
            Field::new("ips", DataType::Utf8, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                text(&vec!["ana@contoso.com"; sessions.len()]),
                text(sessions),
                Arc::new(TimestampMicrosecondArray::from(first.to_vec())),
                text(&vec!["r"; sessions.len()]),
                text(keys),
                text(ips),
            ],
        )
        .unwrap()
    }

    #[test]
    fn rows_a_hunt_keys_alike_get_ids_of_their_own_and_repeats_are_one_finding() {
        let (hunt, _) = super::super::metadata::parse_hunt(
            "h.sql",
            "-- id: h\n-- title: t\n-- technique: T1550.001\n-- severity: high\n-- sources: entra\nSELECT 1",
        )
        .unwrap();
        // One session seen from two networks, keyed by the session alone; the second
        // network's row comes twice; another session keyed apart.
        let batch = rows(
            &["s1", "s1", "s1", "s2"],
            &["session:s1", "session:s1", "session:s1", "session:s2"],
            &["192.0.2.1", "198.51.100.7", "198.51.100.7", "203.0.113.9"],
            &[1_000_000, 2_000_000, 2_000_000, 3_000_000],
        );
        let findings = findings_from_batches(&hunt, &[batch]).unwrap();
        assert_eq!(findings.len(), 3);
        let ids: std::collections::HashSet<_> = findings.iter().map(|f| &f.finding_id).collect();
        assert_eq!(ids.len(), 3);
        // A key no other row shares keeps the id it always had.
        let s2 = findings
            .iter()
            .find(|f| f.session_id.as_deref() == Some("s2"))
            .unwrap();
        assert_eq!(
            s2.finding_id,
            finding_id(&["h", "ana@contoso.com", "session:s2"])
        );
        // The same rows give the same ids on the next run.
        let again = findings_from_batches(
            &hunt,
            &[rows(
                &["s1", "s1", "s1", "s2"],
                &["session:s1", "session:s1", "session:s1", "session:s2"],
                &["198.51.100.7", "192.0.2.1", "198.51.100.7", "203.0.113.9"],
                &[2_000_000, 1_000_000, 2_000_000, 3_000_000],
            )],
        )
        .unwrap();
        let again_ids: std::collections::HashSet<_> = again.iter().map(|f| &f.finding_id).collect();
        assert_eq!(ids, again_ids);
    }
}
