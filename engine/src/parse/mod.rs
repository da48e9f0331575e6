//! Source parsers: one JSON record in, one normalized row (or a rejection) out.
//!
//! Records are classified one by one, not per file, so a file mixing Entra tables
//! (or Entra and Okta) still lands every record where it belongs.

pub mod country;
pub mod entra;
pub mod json;
pub mod okta;
pub mod row;
pub mod time;

use std::borrow::Cow;

use self::entra::{EntraKind, EntraView};
use self::json::Json;
use self::okta::OktaView;
use self::row::{AuditBuilder, SigninBuilder};

/// Why a record was not turned into a row: the field at fault and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub field: &'static str,
    pub reason: String,
}

impl Rejection {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Rejection {
            field,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field {}: {}", self.field, self.reason)
    }
}

/// Which parser records are given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceHint {
    /// Decide per record from its fields.
    #[default]
    Auto,
    Entra,
    Okta,
}

/// Where a parsed record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landed {
    Signin,
    Audit,
}

/// Turns records into rows appended to the two builders. Holds scratch space so a
/// record costs no allocation beyond its own nested strings.
pub struct RecordParser {
    scratch: Vec<u8>,
    repaired: Vec<u8>,
    hint: SourceHint,
}

impl RecordParser {
    pub fn new(hint: SourceHint) -> Self {
        RecordParser {
            scratch: Vec::with_capacity(16 * 1024),
            repaired: Vec::new(),
            hint,
        }
    }

    /// Parses one record and appends its row to `signins` or `audit`.
    pub fn parse(
        &mut self,
        record: &[u8],
        signins: &mut SigninBuilder,
        audit: &mut AuditBuilder,
    ) -> Result<Landed, Rejection> {
        let raw = std::str::from_utf8(record).map_err(|error| {
            Rejection::new(
                "(record)",
                format!("not valid UTF-8 at byte {}", error.valid_up_to()),
            )
        })?;
        too_deep(record)?;
        self.scratch.clear();
        self.scratch.extend_from_slice(record);
        let value = match simd_json::to_borrowed_value(&mut self.scratch) {
            Ok(value) => value,
            Err(first_error) => {
                let Some(repaired) = json::strip_trailing_commas(record) else {
                    return Err(Rejection::new(
                        "(record)",
                        format!("invalid JSON: {first_error}"),
                    ));
                };
                self.repaired = repaired;
                simd_json::to_borrowed_value(&mut self.repaired).map_err(|_| {
                    Rejection::new("(record)", format!("invalid JSON: {first_error}"))
                })?
            }
        };
        classify_and_extract(&value, raw, self.hint, signins, audit)
    }
}

/// A record nested deeper than [`json::MAX_DEPTH`], rejected before simd-json sees
/// it: simd-json 0.17 builds its value (and drops it) recursively, one stack frame a
/// level, with no limit of its own, so 100,000 levels would overflow the stack and
/// abort the process. Ingest's splitter quarantines such records before they get
/// here; this keeps the parser safe for every other caller. Only a record with more
/// than `MAX_DEPTH` opening brackets is measured, so the check costs one vectorised
/// scan of each record.
fn too_deep(record: &[u8]) -> Result<(), Rejection> {
    if memchr::memchr2_iter(b'{', b'[', record)
        .nth(json::MAX_DEPTH)
        .is_none()
    {
        return Ok(());
    }
    let depth = json::nesting_depth(record);
    if depth > json::MAX_DEPTH {
        return Err(Rejection::new(
            "(record)",
            format!(
                "JSON nested {depth} levels deep; the limit is {} levels",
                json::MAX_DEPTH
            ),
        ));
    }
    Ok(())
}

fn classify_and_extract(
    value: &Json<'_>,
    raw: &str,
    hint: SourceHint,
    signins: &mut SigninBuilder,
    audit: &mut AuditBuilder,
) -> Result<Landed, Rejection> {
    if !matches!(value, Json::Object(_)) {
        return Err(Rejection::new("(record)", "a record must be a JSON object"));
    }
    let mut append_signin = |mut row: row::SigninRow<'_>| {
        if row.event_id.is_empty() {
            row.event_id = Cow::Owned(synthetic_event_id(raw));
        }
        signins.append(&row, raw);
    };
    let mut append_audit = |mut row: row::AuditRow<'_>| {
        if row.event_id.is_empty() {
            row.event_id = Cow::Owned(synthetic_event_id(raw));
        }
        audit.append(&row, raw);
    };
    if hint != SourceHint::Entra {
        let okta = OktaView::new(value);
        if okta.is_okta() {
            return if okta.is_signin_event() {
                okta::extract_signin(&okta, &mut append_signin).map(|()| Landed::Signin)
            } else {
                okta::extract_audit(&okta, &mut append_audit).map(|()| Landed::Audit)
            };
        }
        if hint == SourceHint::Okta {
            return Err(Rejection::new(
                "eventType",
                "not an Okta LogEvent (no eventType/published/uuid)",
            ));
        }
    }
    let entra = EntraView::new(value);
    if !entra.is_entra() {
        return Err(Rejection::new(
            "(record)",
            format!(
                "not a recognised Entra or Okta record (keys: {})",
                json::key_list(value, 12)
            ),
        ));
    }
    match entra.kind()? {
        EntraKind::SignIn {
            log_type,
            event_type,
        } => entra::extract_signin(&entra, log_type, event_type, &mut append_signin)
            .map(|()| Landed::Signin),
        EntraKind::Audit => entra::extract_audit(&entra, &mut append_audit).map(|()| Landed::Audit),
    }
}

/// An id for records that carry none: a hash of their exact text, so the same
/// record ingested twice still deduplicates.
fn synthetic_event_id(raw: &str) -> String {
    format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(raw.as_bytes()))
}

/// Why a record does not look like a log record of any supported source (`None`
/// when it does): used to skip files such as `labels.json` found in a folder.
pub fn not_a_log_record(record: &[u8]) -> Option<String> {
    if let Err(rejection) = too_deep(record) {
        return Some(format!("not a log record ({})", rejection.reason));
    }
    let mut scratch = record.to_vec();
    let parsed = match simd_json::to_borrowed_value(&mut scratch) {
        Ok(value) => value.into_static(),
        Err(error) => {
            let Some(mut repaired) = json::strip_trailing_commas(record) else {
                return Some(format!("not JSON ({error})"));
            };
            match simd_json::to_borrowed_value(&mut repaired) {
                Ok(value) => value.into_static(),
                Err(error) => return Some(format!("not JSON ({error})")),
            }
        }
    };
    if OktaView::new(&parsed).is_okta() {
        return None;
    }
    let entra = EntraView::new(&parsed);
    if entra.is_entra() && entra.kind().is_ok() {
        return None;
    }
    Some(format!(
        "not a log record (keys: {})",
        json::key_list(&parsed, 8)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::chunk::Chunk;
    use crate::input::split::JsonSplitter;

    /// Runs `f` on a thread with a 256 KiB stack: recursion a level per byte of
    /// input would overflow it (and abort the test process) long before 100,000 levels.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    fn deep(levels: usize) -> String {
        format!(
            r#"{{"eventType":"user.session.start","uuid":"u","published":"2026-06-01T10:00:00Z","x":{}1{}}}"#,
            r#"{"a":"#.repeat(levels),
            "}".repeat(levels)
        )
    }

    #[test]
    fn the_parser_rejects_records_nested_past_the_cap_before_simd_json_sees_them() {
        let reasons = on_small_stack(|| {
            let mut parser = RecordParser::new(SourceHint::Auto);
            let (mut signins, mut audit) = (
                SigninBuilder::with_capacity(1),
                AuditBuilder::with_capacity(1),
            );
            let mut reasons = Vec::new();
            for record in [
                deep(100_000),
                format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
            ] {
                let rejection = parser
                    .parse(record.as_bytes(), &mut signins, &mut audit)
                    .unwrap_err();
                reasons.push(rejection.reason);
            }
            reasons.push(not_a_log_record(deep(100_000).as_bytes()).unwrap());
            reasons
        });
        assert_eq!(
            reasons,
            vec![
                "JSON nested 100001 levels deep; the limit is 512 levels",
                "JSON nested 100000 levels deep; the limit is 512 levels",
                "not a log record (JSON nested 100001 levels deep; the limit is 512 levels)",
            ]
        );
        // Brackets inside strings are text, not nesting.
        let mut parser = RecordParser::new(SourceHint::Auto);
        let (mut signins, mut audit) = (
            SigninBuilder::with_capacity(1),
            AuditBuilder::with_capacity(1),
        );
        let brackets = format!(
            r#"{{"eventType":"user.session.start","uuid":"u1","published":"2026-06-01T10:00:00Z","displayMessage":"{}"}}"#,
            "{[".repeat(10_000)
        );
        assert!(
            parser
                .parse(brackets.as_bytes(), &mut signins, &mut audit)
                .is_ok()
        );
    }

    #[test]
    fn in_ingest_the_splitter_caps_depth_before_the_parser_runs() {
        // What ingest does with a file: split into records, then parse each record
        // the splitter found no defect in. The deep record is a defect already, so
        // simd-json never sees it, even without the parser's own check.
        let input = format!("{}\n{}\n", deep(100_000), deep(10));
        let summary = on_small_stack(move || {
            let mut splitter = JsonSplitter::new(std::io::Cursor::new(input.into_bytes()));
            let mut chunk = Chunk::new(0, 1 << 20);
            while splitter.fill(&mut chunk, 1 << 20).unwrap() {}
            chunk
                .records
                .iter()
                .map(|span| (span.record_no, span.defect.clone()))
                .collect::<Vec<_>>()
        });
        assert_eq!(
            summary,
            vec![
                (
                    1,
                    Some("JSON nested 100001 levels deep; the limit is 512 levels".to_string())
                ),
                (2, None),
            ]
        );
    }
}
