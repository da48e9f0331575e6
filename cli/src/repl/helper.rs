//! The rustyline helper: completion, highlighting, and the validator that keeps
//! Enter inserting new lines until the SQL ends with `;`.

use std::borrow::Cow;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::complete::{SharedVocabulary, SqlCompleter};
use super::highlight::highlight;
use crate::sql_text::ends_statement;

/// Words that end the session without a `;`, as in other SQL shells.
const BARE_QUIT: &[&str] = &["quit", "exit", "\\q"];

/// Whether `input` is ready to run: a dot command, a bare quit word, or SQL
/// ending with `;` outside strings and comments.
pub fn input_complete(input: &str) -> bool {
    let trimmed = input.trim();
    trimmed.is_empty()
        || trimmed.starts_with('.')
        || BARE_QUIT.contains(&trimmed)
        || ends_statement(input)
}

/// Everything the line editor asks of us.
pub struct ReplHelper {
    completer: SqlCompleter,
    color: bool,
}

impl ReplHelper {
    pub fn new(vocabulary: SharedVocabulary, color: bool) -> Self {
        ReplHelper {
            completer: SqlCompleter::new(vocabulary),
            color,
        }
    }
}

impl Helper for ReplHelper {}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.completer.complete(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        // Any keystroke can open or close a string or comment anywhere in the
        // buffer, so every change repaints; moving the cursor changes nothing.
        self.color && kind != CmdKind::MoveCursor
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if input_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

#[cfg(test)]
mod tests {
    use super::input_complete;

    #[test]
    fn enter_runs_only_finished_input() {
        assert!(input_complete(".tables"));
        assert!(input_complete("  "));
        assert!(input_complete("exit"));
        assert!(input_complete("SELECT 1;"));
        assert!(!input_complete("SELECT 1"));
        assert!(!input_complete("SELECT ';'"));
    }
}
