//! Query errors as a hunter should see them: the message once (DataFusion nests
//! the same text several times), where it is, and the offending line with a caret.

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use unicode_width::UnicodeWidthStr;

use crate::sql_text::tokenize;

/// The SQL an error is about, and where that SQL came from.
#[derive(Debug, Clone, Copy)]
pub struct SqlSource<'a> {
    /// The statement exactly as DataFusion received it.
    pub text: &'a str,
    /// The file it was read from, if any, for `file:line:column` locations.
    pub file: Option<&'a str>,
    /// Line and column (1-based) of the statement's first character in its script.
    pub line: usize,
    pub column: usize,
}

impl<'a> SqlSource<'a> {
    /// A statement typed on its own (at the prompt, in `-c`).
    #[cfg(test)]
    pub fn typed(text: &'a str) -> Self {
        SqlSource {
            text,
            file: None,
            line: 1,
            column: 1,
        }
    }
}

/// A 1-based line and column inside the statement, and how many columns it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    line: usize,
    column: usize,
    length: Option<usize>,
}

/// The error's message without wrappers, prefixes and backtraces.
fn core_message(error: &DataFusionError) -> String {
    let root = error.find_root();
    let message = match root {
        DataFusionError::SQL(parser, _) => match parser.as_ref() {
            ParserError::ParserError(text) | ParserError::TokenizerError(text) => text.clone(),
            ParserError::RecursionLimitExceeded => "the query nests too deeply".to_string(),
        },
        DataFusionError::Diagnostic(_, inner) => inner.message().into_owned(),
        other => other.message().into_owned(),
    };
    // The list of every field of every table in scope is noise in a terminal;
    // `.schema` shows them on demand.
    let message = match message.find("Valid fields are") {
        Some(at) => format!(
            "{} (.schema <table> lists the columns)",
            message[..at]
                .trim_end()
                .trim_end_matches(['.', ','])
                .trim_end()
        ),
        None => message,
    };
    message.trim().to_string()
}

/// Splits `... at Line: 3, Column: 14` off a sqlparser message.
fn parser_spot(message: &str) -> (String, Option<Spot>) {
    let Some(at) = message.rfind(" at Line: ") else {
        return (message.to_string(), None);
    };
    let tail = &message[at + " at Line: ".len()..];
    let mut parts = tail.splitn(2, ", Column: ");
    let line = parts.next().and_then(|l| l.trim().parse().ok());
    let column = parts.next().and_then(|c| {
        c.trim()
            .trim_end_matches(|ch: char| !ch.is_ascii_digit())
            .parse()
            .ok()
    });
    match (line, column) {
        (Some(line), Some(column)) if line > 0 => (
            message[..at].to_string(),
            Some(Spot {
                line,
                column,
                length: None,
            }),
        ),
        _ => (message.to_string(), None),
    }
}

/// The location DataFusion's planner attached (needs `sql_parser.collect_spans`).
fn diagnostic_spot(error: &DataFusionError) -> Option<(Spot, Vec<String>)> {
    let diagnostic = error.diagnostic()?;
    let span = diagnostic.span?;
    if span.start.line == 0 {
        return None;
    }
    let length = (span.end.line == span.start.line && span.end.column > span.start.column)
        .then(|| (span.end.column - span.start.column) as usize);
    let extra = diagnostic
        .helps
        .iter()
        .map(|help| format!("help: {}", help.message))
        .chain(
            diagnostic
                .notes
                .iter()
                .map(|note| format!("note: {}", note.message)),
        )
        .collect();
    Some((
        Spot {
            line: span.start.line as usize,
            column: span.start.column as usize,
            length,
        },
        extra,
    ))
}

/// Renders a query error: message, location, the line with a caret, and hints.
/// Lines after the first are indented so the whole reads as one error.
pub fn render(error: &DataFusionError, source: &SqlSource<'_>) -> String {
    let (mut message, mut spot) = parser_spot(&core_message(error));
    let mut extra = Vec::new();
    if let Some((found, hints)) = diagnostic_spot(error) {
        spot = spot.or(Some(found));
        extra = hints;
    }
    if message.is_empty() {
        message = error.to_string();
    }
    let Some(spot) = spot else {
        return message;
    };
    let Some(line_text) = source.text.lines().nth(spot.line - 1) else {
        return message;
    };
    let (line, column) = if spot.line == 1 {
        (source.line, source.column + spot.column - 1)
    } else {
        (source.line + spot.line - 1, spot.column)
    };
    let place = match source.file {
        Some(file) => format!("{file}:{line}:{column}"),
        None => format!("line {line}, column {column}"),
    };
    let before: String = line_text
        .chars()
        .take(spot.column.saturating_sub(1))
        .collect();
    let length = spot
        .length
        .unwrap_or_else(|| token_width_at(line_text, before.len()))
        .max(1);
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let shown = line_text.replace('\t', " ");
    let mut text = format!(
        "{message}\n{pad} --> {place}\n{pad} |\n{gutter} | {shown}\n{pad} | {}{}",
        " ".repeat(before.width()),
        "^".repeat(length)
    );
    for hint in extra {
        text.push('\n');
        text.push_str(&hint);
    }
    text
}

/// Display width of the token starting at byte `offset` of `line` (1 if none).
fn token_width_at(line: &str, offset: usize) -> usize {
    tokenize(line)
        .into_iter()
        .find(|t| t.start == offset && !t.is_trivia())
        .map_or(1, |t| t.text(line).width().min(40))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_locations_are_split_off() {
        let (message, spot) =
            parser_spot("Expected: end of statement, found: frm at Line: 2, Column: 10");
        assert_eq!(message, "Expected: end of statement, found: frm");
        assert_eq!(
            spot,
            Some(Spot {
                line: 2,
                column: 10,
                length: None
            })
        );
        assert_eq!(parser_spot("no location").1, None);
    }

    #[test]
    fn caret_points_at_the_token() {
        let sql = "select *\n  frm signins";
        let error = DataFusionError::SQL(
            Box::new(ParserError::ParserError(
                "Expected: end of statement, found: frm at Line: 2, Column: 3".to_string(),
            )),
            None,
        );
        let text = render(&error, &SqlSource::typed(sql));
        assert_eq!(
            text,
            "Expected: end of statement, found: frm\n  --> line 2, column 3\n  |\n2 |   frm signins\n  |   ^^^"
        );
        let in_file = render(
            &error,
            &SqlSource {
                text: sql,
                file: Some("hunt.sql"),
                line: 10,
                column: 1,
            },
        );
        assert!(in_file.contains("--> hunt.sql:11:3"), "{in_file}");
    }
}
