//! Text from the lake made safe for a terminal.
//!
//! Records carry attacker-controlled text (user agents, app names, operations,
//! reasons, server error messages). Written raw to a terminal, an escape sequence in
//! it recolours or rewrites the screen, moves the cursor over earlier output, sets the
//! window title or, on some terminals, answers back into the input; a newline forges
//! a whole line of output and a bidi override makes text read differently from what
//! it is. Every writer of text meant for a terminal (tables, the vertical layout, the
//! scope report, respond's plan, messages) passes lake-derived text through
//! [`terminal_text`]. Machine formats (CSV, JSON, Parquet) are escaped by their own
//! rules and do not.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: C0 controls and DEL, C1
/// controls, and the Unicode bidirectional embeddings, overrides, isolates and marks.
fn unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}' | '\u{80}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{061c}')
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\x1b"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = |c: char| unsafe_char(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with every control character (C0, DEL, C1 — so every escape sequence,
/// which starts with ESC or CSI), newline and bidi control shown as a visible escape
/// (`\x1b`, `\n`, `\u{202e}`), so it prints as one line of inert characters.
/// Text without any is returned as is; the result never needs escaping again.
pub fn terminal_text(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// As [`terminal_text`], but line breaks stay line breaks: for text that is ours to
/// lay out over several lines (an `EXPLAIN` plan).
pub fn terminal_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_escapes_newlines_and_bidi_become_visible() {
        assert_eq!(terminal_text("Mozilla/5.0"), "Mozilla/5.0");
        assert!(matches!(terminal_text("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_text("ua\x1b[31mred\x1b[0m\nforged line"),
            "ua\\x1b[31mred\\x1b[0m\\nforged line"
        );
        assert_eq!(
            terminal_text("a\r\tb\x07\x00\x7f"),
            "a\\r\\tb\\x07\\x00\\x7f"
        );
        // CSI as one C1 character, and an OSC title sequence ended by BEL.
        assert_eq!(terminal_text("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(terminal_text("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
        // Right-to-left override and isolates.
        assert_eq!(terminal_text("evil\u{202e}fdp.exe"), "evil\\u{202e}fdp.exe");
        assert_eq!(terminal_text("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        // Other text, accents, CJK and emoji included, is untouched.
        assert_eq!(terminal_text("Zürich 東京 ✓"), "Zürich 東京 ✓");
        // Idempotent: escaped text has nothing left to escape.
        let once = terminal_text("\x1b[2J\u{202e}\n").into_owned();
        assert_eq!(terminal_text(&once), once);
        assert_eq!(terminal_lines("a\nb\x1b"), "a\nb\\x1b");
    }
}
