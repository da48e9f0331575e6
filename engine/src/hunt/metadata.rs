//! The metadata header of a hunt file.
//!
//! ```sql
//! -- id: entra_session_multi_network
//! -- title: One Entra session used from several networks
//! -- technique: T1550.001
//! -- severity: high
//! -- sources: entra
//! -- description: A session id seen from networks the session did not start on,
//! --   ranked up for hosting ASNs, other countries and interleaved use.
//! -- param: min_score = 60 | Findings scoring below this are dropped.
//! SELECT ...
//! ```
//! Lines starting `--   ` continue the previous key.

use crate::error::{EngineError, Result};

/// A tunable of a hunt: `${name}` in its SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct HuntParameter {
    pub name: String,
    /// The default as SQL literal text (a number, or a quoted string).
    pub default: String,
    pub description: String,
}

/// Everything the header says about a hunt.
#[derive(Debug, Clone, Default)]
pub struct HuntMetadata {
    pub id: String,
    pub title: String,
    pub technique: String,
    pub severity: String,
    pub sources: Vec<String>,
    pub description: String,
    pub parameters: Vec<HuntParameter>,
    /// CTEs computed once per run and read back from a temporary Parquet file
    /// (`-- materialize: tagged, origin`). DataFusion inlines a CTE at every
    /// reference, so a CTE that scans the lake and is read four times scans it four
    /// times; materialising it trades that for one write.
    pub materialize: Vec<String>,
    /// `-- joins: as written`: each hash join builds on the side the SQL names first.
    /// DataFusion otherwise swaps sides by its size estimates, which over months of
    /// events and CTEs without statistics put the events in memory (a hash join's build
    /// side cannot spill); a hunt written small side first says so here.
    pub joins_as_written: bool,
}

pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];

/// Splits a hunt file into its header and its SQL.
pub fn parse_hunt(file: &str, text: &str) -> Result<(HuntMetadata, String)> {
    let error = |message: String| EngineError::Invalid(format!("hunt {file}: {message}"));
    let mut metadata = HuntMetadata::default();
    let mut last_key: Option<String> = None;
    let mut body_start = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let Some(comment) = trimmed.strip_prefix("--") else {
            if trimmed.trim().is_empty() {
                offset += line.len();
                continue;
            }
            body_start = offset;
            break;
        };
        offset += line.len();
        if let Some(continuation) = comment.strip_prefix("   ") {
            match last_key.as_deref() {
                Some("description") => {
                    metadata.description.push(' ');
                    metadata.description.push_str(continuation.trim());
                }
                Some("title") => {
                    metadata.title.push(' ');
                    metadata.title.push_str(continuation.trim());
                }
                _ => {}
            }
            continue;
        }
        let Some((key, value)) = comment.trim().split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "id" => metadata.id = value.to_string(),
            "title" => metadata.title = value.to_string(),
            "technique" => metadata.technique = value.to_string(),
            "severity" => metadata.severity = value.to_ascii_lowercase(),
            "sources" => {
                metadata.sources = value.split(',').map(|s| s.trim().to_string()).collect()
            }
            "description" => metadata.description = value.to_string(),
            "materialize" => {
                metadata.materialize = value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            "joins" => match value.to_ascii_lowercase().as_str() {
                "as written" => metadata.joins_as_written = true,
                "planned" => metadata.joins_as_written = false,
                other => {
                    return Err(error(format!(
                        "joins: {other:?} (use `as written` or `planned`)"
                    )));
                }
            },
            "param" => {
                let (assignment, description) = value.split_once('|').unwrap_or((value, ""));
                let (name, default) = assignment
                    .split_once('=')
                    .ok_or_else(|| error(format!("param {assignment:?} needs `name = default`")))?;
                metadata.parameters.push(HuntParameter {
                    name: name.trim().to_string(),
                    default: default.trim().to_string(),
                    description: description.trim().to_string(),
                });
            }
            _ => {}
        }
        last_key = Some(key);
    }
    let sql = text[body_start..].trim().trim_end_matches(';').to_string();
    if metadata.id.is_empty() {
        return Err(error("no `-- id:` line".into()));
    }
    if !metadata
        .id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(error(format!(
            "id {:?} must be letters, digits and _",
            metadata.id
        )));
    }
    if metadata.technique.is_empty() || metadata.title.is_empty() {
        return Err(error("`title` and `technique` are required".into()));
    }
    if !SEVERITIES.contains(&metadata.severity.as_str()) {
        return Err(error(format!(
            "severity {:?} is not one of {SEVERITIES:?}",
            metadata.severity
        )));
    }
    if sql.is_empty() {
        return Err(error("no SQL after the header".into()));
    }
    Ok((metadata, sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_body() {
        let text = "-- id: x_y\n-- title: A hunt\n-- technique: T1550.001\n-- severity: High\n-- sources: entra, okta\n\
                    -- description: first\n--   second\n-- param: min_score = 60 | drop below\n\nSELECT 1;\n";
        let (meta, sql) = parse_hunt("x.sql", text).unwrap();
        assert_eq!(meta.id, "x_y");
        assert_eq!(meta.severity, "high");
        assert_eq!(meta.sources, vec!["entra", "okta"]);
        assert_eq!(meta.description, "first second");
        assert_eq!(meta.parameters[0].name, "min_score");
        assert_eq!(meta.parameters[0].default, "60");
        assert_eq!(sql, "SELECT 1");
        assert!(!meta.joins_as_written);
    }

    #[test]
    fn joins_as_written_is_a_header_choice() {
        let header = "-- id: x\n-- title: t\n-- technique: T\n-- severity: low\n";
        let (meta, _) =
            parse_hunt("x.sql", &format!("{header}-- joins: as written\nSELECT 1")).unwrap();
        assert!(meta.joins_as_written);
        let wrong = parse_hunt(
            "x.sql",
            &format!("{header}-- joins: smallest first\nSELECT 1"),
        );
        assert!(wrong.unwrap_err().to_string().contains("as written"));
    }

    #[test]
    fn missing_fields_are_errors() {
        assert!(parse_hunt("x.sql", "SELECT 1").is_err());
        assert!(
            parse_hunt(
                "x.sql",
                "-- id: x\n-- title: t\n-- technique: T\n-- severity: huge\nSELECT 1"
            )
            .is_err()
        );
    }
}
