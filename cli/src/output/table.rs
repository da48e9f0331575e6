//! Aligned tables that fit the terminal, and the vertical layout for wide rows.

use std::io::{self, Write};

use datafusion::arrow::datatypes::SchemaRef;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::sanitize::{terminal_lines, terminal_text};

/// Layout choices for the text formats.
#[derive(Debug, Clone)]
pub struct TableStyle {
    /// Total width to fit in (None: no limit, e.g. when piped).
    pub width: Option<usize>,
    /// At most this many rows (0: all).
    pub max_rows: usize,
    /// ANSI bold for headers.
    pub color: bool,
}

/// Whether the user asked for no colours (<https://no-color.org>: set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

impl TableStyle {
    /// Fits the terminal when stdout is one; honours NO_COLOR.
    pub fn for_stdout(max_rows: usize) -> Self {
        use std::io::IsTerminal;
        let terminal = io::stdout().is_terminal();
        TableStyle {
            width: terminal
                .then(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
                .flatten(),
            max_rows,
            color: terminal && !no_color(),
        }
    }

    /// For a file: no width limit, no colour.
    pub fn plain(max_rows: usize) -> Self {
        TableStyle {
            width: None,
            max_rows,
            color: false,
        }
    }
}

/// Narrowest a column is squeezed to before the table gives up and goes vertical.
const MIN_COLUMN: usize = 6;
/// Widest a column grows to on a terminal, so one long JSON value cannot take the
/// whole screen (piped or in a file, values are whole).
const MAX_COLUMN: usize = 60;

/// Columns this narrow (timestamps, IPs, countries, ids) are cut only after the
/// wider ones have given up room down to [`LONG_FLOOR`].
const KEEP_WHOLE: usize = 28;
const LONG_FLOOR: usize = 12;

/// Takes one column at a time from the widest column whose width is above
/// `floor` until the widths add up to `room` or nothing is above `floor`.
fn take_from_widest(
    widths: &mut [usize],
    room: usize,
    floor: usize,
    eligible: &dyn Fn(usize) -> bool,
) {
    let mut total: usize = widths.iter().sum();
    while total > room {
        let widest = (0..widths.len())
            .filter(|&i| eligible(i) && widths[i] > floor)
            .max_by_key(|&i| widths[i]);
        let Some(widest) = widest else {
            break;
        };
        widths[widest] -= 1;
        total -= 1;
    }
}

/// Narrows columns to fit `room`: long free text (user agents, JSON) gives way
/// first, so that short values a hunter compares (times, IPs) stay whole.
fn shrink(widths: &mut [usize], room: usize) {
    let natural: Vec<usize> = widths.to_vec();
    take_from_widest(widths, room, LONG_FLOOR, &|i| natural[i] > KEEP_WHOLE);
    take_from_widest(widths, room, MIN_COLUMN, &|_| true);
}

/// Cuts `text` to `width` display columns, ending in an ellipsis when cut; control
/// characters (tabs, carriage returns) print as spaces so rows stay aligned.
fn fit(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total = text.width();
    for ch in text.chars() {
        let ch = if ch.is_control() { ' ' } else { ch };
        let w = ch.width().unwrap_or(0);
        if total > width && used + w > width.saturating_sub(1) {
            out.push('…');
            used += 1;
            break;
        }
        if used + w > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Right-aligns `text` in `width` columns (numbers line up by their last digit).
fn fit_right(text: &str, width: usize) -> String {
    let fitted = fit(text, width);
    let trimmed = fitted.trim_end();
    format!(
        "{}{trimmed}",
        " ".repeat(width.saturating_sub(trimmed.width()))
    )
}

fn more_rows(shown: usize, total: usize) -> Option<String> {
    let hidden = total.saturating_sub(shown);
    (hidden > 0).then(|| {
        format!(
            "… {hidden} more row{} (raise the limit with --max-rows / .maxrows)",
            if hidden == 1 { "" } else { "s" }
        )
    })
}

/// An `EXPLAIN` result: its plan cells are ours and laid out over several lines.
fn is_plan(schema: &SchemaRef) -> bool {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    names == ["plan_type", "plan"]
}

/// Headers and cells safe for a terminal ([`terminal_text`]): a cell's newline or
/// escape sequence from a record prints as a visible escape, never as a second line
/// or a colour. Only an `EXPLAIN` plan keeps its line breaks.
fn safe_text(schema: &SchemaRef, rows: &[Vec<String>]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = schema
        .fields()
        .iter()
        .map(|f| terminal_text(f.name()).into_owned())
        .collect();
    let cell: fn(&str) -> std::borrow::Cow<'_, str> = if is_plan(schema) {
        terminal_lines
    } else {
        terminal_text
    };
    let rows = rows
        .iter()
        .map(|row| row.iter().map(|text| cell(text).into_owned()).collect())
        .collect();
    (headers, rows)
}

/// Writes `rows` (already cut to the row limit) as an aligned table; `total_rows`
/// is how many the result had. Falls back to the vertical layout when the columns
/// cannot fit the width even squeezed.
pub fn write_table(
    schema: &SchemaRef,
    rows: &[Vec<String>],
    total_rows: usize,
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (headers, safe_rows) = safe_text(schema, rows);
    let rows = &safe_rows;
    let columns = headers.len();
    if columns == 0 {
        return Ok(());
    }
    let numeric: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let cap = if style.width.is_some() {
        MAX_COLUMN
    } else {
        usize::MAX
    };
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            let widest_line = cell.lines().map(|l| l.width()).max().unwrap_or(0);
            widths[index] = widths[index].max(widest_line.min(cap));
        }
    }
    if let Some(limit) = style.width {
        let separators = 3 * (columns - 1);
        let squeezed: usize = widths.iter().map(|w| (*w).min(MIN_COLUMN)).sum();
        if squeezed + separators > limit {
            return write_vertical(schema, rows, total_rows, style, out);
        }
        shrink(&mut widths, limit - separators);
    }
    let line = |cells: &[&str], align: bool| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if align && numeric[i] {
                    fit_right(cell, widths[i])
                } else {
                    fit(cell, widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join(" │ ")
            .trim_end()
            .to_string()
    };
    let header_cells: Vec<&str> = headers.iter().map(String::as_str).collect();
    let header = line(&header_cells, false);
    if style.color {
        writeln!(out, "\x1b[1m{header}\x1b[0m")?;
    } else {
        writeln!(out, "{header}")?;
    }
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("─┼─"))?;
    for row in rows {
        // A cell with line breaks (EXPLAIN plans, pretty JSON) spans several lines.
        let split: Vec<Vec<&str>> = row.iter().map(|cell| cell.split('\n').collect()).collect();
        let height = split.iter().map(Vec::len).max().unwrap_or(1);
        for index in 0..height {
            let cells: Vec<&str> = split
                .iter()
                .map(|lines| lines.get(index).copied().unwrap_or(""))
                .collect();
            writeln!(out, "{}", line(&cells, true))?;
        }
    }
    if let Some(note) = more_rows(rows.len(), total_rows) {
        writeln!(out, "{note}")?;
    }
    Ok(())
}

/// Writes one `column │ value` line per column, rows separated by a rule.
pub fn write_vertical(
    schema: &SchemaRef,
    rows: &[Vec<String>],
    total_rows: usize,
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (headers, safe_rows) = safe_text(schema, rows);
    let rows = &safe_rows;
    let name_width = headers.iter().map(|h| h.width()).max().unwrap_or(0);
    let value_width = style
        .width
        .map(|w| w.saturating_sub(name_width + 3).max(20));
    for (index, row) in rows.iter().enumerate() {
        let title = format!("-[ row {} ]", index + 1);
        let rule = "-".repeat((name_width + 3).saturating_sub(title.width()).max(2));
        if style.color {
            writeln!(out, "\x1b[1m{title}{rule}\x1b[0m")?;
        } else {
            writeln!(out, "{title}{rule}")?;
        }
        for (name, value) in headers.iter().zip(row) {
            let value = value.replace(['\n', '\r'], " ");
            let shown = match value_width {
                Some(width) if value.width() > width => fit(&value, width).trim_end().to_string(),
                _ => value,
            };
            writeln!(out, "{name:<name_width$} │ {shown}")?;
        }
    }
    if let Some(note) = more_rows(rows.len(), total_rows) {
        writeln!(out, "{note}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn fit_truncates_with_ellipsis_and_pads() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("a\tb", 3), "a b");
        assert_eq!(fit_right("42", 4), "  42");
    }

    fn schema(columns: usize) -> SchemaRef {
        Arc::new(Schema::new(
            (0..columns)
                .map(|i| Field::new(format!("column_{i}"), DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ))
    }

    fn render(columns: usize, cell: &str, width: usize) -> String {
        let rows = vec![vec![cell.to_string(); columns]];
        let style = TableStyle {
            width: Some(width),
            max_rows: 0,
            color: false,
        };
        let mut out = Vec::new();
        write_table(&schema(columns), &rows, 1, &style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn tables_fit_the_width_and_go_vertical_when_they_cannot() {
        let text = render(3, &"x".repeat(100), 60);
        assert!(text.lines().all(|l| l.width() <= 60), "{text}");
        assert!(text.contains('…'));
        let wide = render(20, "value", 60);
        assert!(wide.starts_with("-[ row 1 ]"), "{wide}");
    }

    #[test]
    fn long_text_gives_way_before_short_values() {
        let mut widths = vec![27, 14, 60];
        shrink(&mut widths, 60);
        assert_eq!(widths, vec![27, 14, 19]);
        let mut tight = vec![27, 14, 60];
        shrink(&mut tight, 40);
        assert_eq!(tight.iter().sum::<usize>(), 40);
        assert_eq!(tight[2], LONG_FLOOR);
    }

    #[test]
    fn explain_plans_span_lines_and_record_text_does_not() {
        let plan: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("plan_type", DataType::Utf8, false),
            Field::new("plan", DataType::Utf8, false),
        ]));
        let rows = vec![vec![
            "logical_plan".to_string(),
            "Projection\n  TableScan\x1b[2J".to_string(),
        ]];
        let mut out = Vec::new();
        write_table(&plan, &rows, 1, &TableStyle::plain(0), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].ends_with("Projection"), "{text}");
        assert!(lines[3].trim_end().ends_with("TableScan\\x1b[2J"), "{text}");

        let text = render(1, "first\nsecond \x1b[31mred\u{202e}", 80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[2].trim_end(), "first\\nsecond \\x1b[31mred\\u{202e}");
        let rows = vec![vec!["a\x1b]0;title\x07".to_string()]];
        let mut out = Vec::new();
        write_vertical(&schema(1), &rows, 1, &TableStyle::plain(0), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("a\\x1b]0;title\\x07") && !text.contains('\x1b'),
            "{text}"
        );
    }
}
