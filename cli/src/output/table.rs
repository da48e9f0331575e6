//! Aligned tables that fit the terminal, and the vertical layout for wide rows.

use std::io::{self, Write};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::cell_texts;

/// Layout choices for the text formats.
#[derive(Debug, Clone)]
pub struct TableStyle {
    /// Total width to fit in (None: no limit, e.g. when piped).
    pub width: Option<usize>,
    /// At most this many rows (0: all).
    pub max_rows: usize,
    /// ANSI colour for headers.
    pub color: bool,
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
            color: terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// Cuts `text` to `width` display columns, ending in an ellipsis when cut; control
/// characters (newlines inside JSON) print as spaces so rows stay on one line.
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

pub fn write_table(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = cell_texts(batches)?;
    let total_rows = rows.len();
    if style.max_rows > 0 && rows.len() > style.max_rows {
        rows.truncate(style.max_rows);
    }
    let columns = headers.len();
    if columns == 0 {
        return Ok(());
    }
    // Natural widths, capped so one long JSON value cannot take the whole screen.
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (index, cell) in row.iter().enumerate() {
            widths[index] = widths[index].max(cell.width().min(60));
        }
    }
    if let Some(limit) = style.width {
        let separators = 3 * (columns - 1);
        while widths.iter().sum::<usize>() + separators > limit {
            let (widest, width) = widths
                .iter()
                .enumerate()
                .max_by_key(|(_, w)| **w)
                .map(|(i, w)| (i, *w))
                .unwrap_or((0, 0));
            if width <= 6 {
                break;
            }
            widths[widest] -= 1;
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| fit(cell, *width))
            .collect::<Vec<_>>()
            .join(" │ ")
            .trim_end()
            .to_string()
    };
    let header = line(&headers);
    if style.color {
        writeln!(out, "\x1b[1m{header}\x1b[0m")?;
    } else {
        writeln!(out, "{header}")?;
    }
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("─┼─"))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    if rows.len() < total_rows {
        writeln!(
            out,
            "… {} more rows (raise the limit with --max-rows / .maxrows)",
            total_rows - rows.len()
        )?;
    }
    Ok(())
}

pub fn write_vertical(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let name_width = headers.iter().map(|h| h.width()).max().unwrap_or(0);
    let rows = cell_texts(batches)?;
    let value_width = style
        .width
        .map(|w| w.saturating_sub(name_width + 3).max(20));
    for (index, row) in rows.iter().enumerate() {
        if style.max_rows > 0 && index >= style.max_rows {
            writeln!(out, "… {} more rows", rows.len() - index)?;
            break;
        }
        writeln!(
            out,
            "-[ row {} ]{}",
            index + 1,
            "-".repeat(name_width.saturating_sub(4))
        )?;
        for (name, value) in headers.iter().zip(row) {
            let shown = match value_width {
                Some(width) if value.width() > width => fit(value, width).trim_end().to_string(),
                _ => value.replace(['\n', '\r'], " "),
            };
            writeln!(out, "{name:<name_width$} │ {shown}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_truncates_with_ellipsis_and_pads() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("a\nb", 3), "a b");
    }
}
