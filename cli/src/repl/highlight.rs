//! Syntax colours for the line being typed: keywords, strings, numbers, comments,
//! `$parameters` and dot commands. Only ANSI colour codes are added, so the text
//! keeps its display width (rustyline requires it).

use crate::sql_text::{TokenKind, is_keyword, tokenize};

const KEYWORD: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[90m";
const PARAM: &str = "\x1b[35m";
const COMMAND: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

/// `text` with ANSI colours.
pub fn highlight(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('.') && !text.contains('\n') {
        let command_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let indent = text.len() - trimmed.len();
        return format!(
            "{}{COMMAND}{}{RESET}{}",
            &text[..indent],
            &trimmed[..command_end],
            &trimmed[command_end..]
        );
    }
    let mut out = String::with_capacity(text.len() * 2);
    for token in tokenize(text) {
        let piece = token.text(text);
        let colour = match token.kind {
            TokenKind::Word if is_keyword(piece) => Some(KEYWORD),
            TokenKind::String { .. } => Some(STRING),
            TokenKind::Number => Some(NUMBER),
            TokenKind::LineComment | TokenKind::BlockComment { .. } => Some(COMMENT),
            TokenKind::Param => Some(PARAM),
            _ => None,
        };
        match colour {
            Some(colour) => {
                out.push_str(colour);
                out.push_str(piece);
                out.push_str(RESET);
            }
            None => out.push_str(piece),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut escape = false;
        for ch in text.chars() {
            match (escape, ch) {
                (false, '\x1b') => escape = true,
                (true, 'm') => escape = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn colours_keep_the_text() {
        for text in [
            "SELECT user, 'x' -- c\nFROM t WHERE n > 1.5 AND time >= $since",
            ".schema SigninLogs",
            "'unterminated",
        ] {
            assert_eq!(strip(&highlight(text)), text);
        }
        assert!(highlight("select 1").starts_with(KEYWORD));
        assert!(!highlight("user").contains('\x1b'));
    }
}
