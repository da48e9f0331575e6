//! Tab completion: table, view and column names, functions, keywords, dot
//! commands and their arguments, `$parameters`, file names inside quotes, and
//! extra words the REPL is given at start-up (hunt ids).

use std::sync::{Arc, RwLock};

use rustyline::completion::{FilenameCompleter, Pair};

use crate::sql_text::{KEYWORDS, TokenKind, is_word_char, tokenize};

/// What a dot command's argument completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgCompletion {
    Nothing,
    Tables,
    Functions,
    Files,
    Params,
    /// Hunt ids (`.run`, `.show`).
    Hunts,
    /// The extra words given at start-up (e.g. hunt ids for `.run`).
    #[allow(
        dead_code,
        reason = "extension point: `.run <hunt>` completes hunt ids with it"
    )]
    Extra,
    Words(&'static [&'static str]),
}

/// The words completion draws from; the shell refreshes it after statements that
/// may change the catalog.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub tables: Vec<String>,
    pub columns: Vec<String>,
    pub functions: Vec<String>,
    pub table_functions: Vec<String>,
    pub params: Vec<String>,
    pub extra: Vec<String>,
    /// Hunt ids, for the arguments of `.run` and `.show`.
    pub hunts: Vec<String>,
    /// Dot command names (without the dot) and what their argument completes to.
    pub commands: Vec<(String, ArgCompletion)>,
}

/// Shared between the shell (which refreshes it) and the line editor.
pub type SharedVocabulary = Arc<RwLock<Vocabulary>>;

/// Words after which a table name is expected.
const TABLE_CONTEXT: &[&str] = &[
    "FROM", "JOIN", "INTO", "TABLE", "VIEW", "DESCRIBE", "UPDATE",
];

/// The completer behind the REPL's Tab key.
pub struct SqlCompleter {
    vocabulary: SharedVocabulary,
    files: FilenameCompleter,
}

/// `prefix` matches `word` ignoring ASCII case.
fn matches(word: &str, prefix: &str) -> bool {
    word.len() >= prefix.len()
        && word.is_char_boundary(prefix.len())
        && word[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Candidates from `words` that start with `prefix`, sorted, without repeats.
fn pick<'a>(words: impl IntoIterator<Item = &'a String>, prefix: &str) -> Vec<String> {
    let mut found: Vec<String> = words
        .into_iter()
        .filter(|w| matches(w, prefix))
        .cloned()
        .collect();
    found.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
    found.dedup();
    found
}

/// Keywords in the case the user is typing in.
fn keywords(prefix: &str) -> Vec<String> {
    let lower = !prefix.is_empty() && prefix.chars().all(|c| !c.is_ascii_uppercase());
    KEYWORDS
        .iter()
        .filter(|k| matches(k, prefix))
        .map(|k| {
            if lower {
                k.to_ascii_lowercase()
            } else {
                k.to_string()
            }
        })
        .collect()
}

fn pairs(words: Vec<String>) -> Vec<Pair> {
    words
        .into_iter()
        .map(|word| Pair {
            display: word.clone(),
            replacement: word,
        })
        .collect()
}

impl SqlCompleter {
    pub fn new(vocabulary: SharedVocabulary) -> Self {
        SqlCompleter {
            vocabulary,
            files: FilenameCompleter::new(),
        }
    }

    /// Where the replaced word starts, and the candidates for it.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let Ok(vocabulary) = self.vocabulary.read() else {
            return (pos, Vec::new());
        };
        let before = &line[..pos];
        if line.trim_start().starts_with('.') && !before.contains('\n') {
            return self.complete_dot(&vocabulary, before);
        }
        let tokens = tokenize(before);
        match tokens.last().map(|t| t.kind) {
            // Inside a string: a file name (`COPY ... TO 'out.csv'`).
            Some(TokenKind::String { closed: false }) => {
                let start = tokens.last().map_or(pos, |t| t.start + 1);
                return self.complete_file(before, start);
            }
            Some(
                TokenKind::LineComment
                | TokenKind::BlockComment { closed: false }
                | TokenKind::QuotedIdent { closed: false },
            ) => {
                return (pos, Vec::new());
            }
            _ => {}
        }
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word_char(c))
            .last()
            .map_or(pos, |(i, _)| i);
        let prefix = &before[start..];
        if before[..start].ends_with('$') {
            return (start, pairs(pick(&vocabulary.params, prefix)));
        }
        let previous = tokens
            .iter()
            .rev()
            .filter(|t| !t.is_trivia() && t.start < start)
            .map(|t| t.text(before))
            .next()
            .unwrap_or("");
        let wants_table = TABLE_CONTEXT
            .iter()
            .any(|k| k.eq_ignore_ascii_case(previous));
        let words = if wants_table {
            let mut words = pick(
                vocabulary.tables.iter().chain(&vocabulary.table_functions),
                prefix,
            );
            words.extend(pick(&vocabulary.extra, prefix));
            words
        } else if prefix.is_empty() {
            // Listing every column, function and keyword helps nobody.
            Vec::new()
        } else {
            let mut words = pick(
                vocabulary
                    .columns
                    .iter()
                    .chain(&vocabulary.tables)
                    .chain(&vocabulary.functions)
                    .chain(&vocabulary.extra),
                prefix,
            );
            for keyword in keywords(prefix) {
                if !words.iter().any(|w| w.eq_ignore_ascii_case(&keyword)) {
                    words.push(keyword);
                }
            }
            words
        };
        (start, pairs(words))
    }

    fn complete_dot(&self, vocabulary: &Vocabulary, before: &str) -> (usize, Vec<Pair>) {
        let trimmed = before.trim_start();
        let offset = before.len() - trimmed.len();
        let Some(space) = trimmed.find(char::is_whitespace) else {
            let typed = &trimmed[1..];
            let mut names: Vec<&String> = vocabulary
                .commands
                .iter()
                .filter(|(name, _)| matches(name, typed))
                .map(|(name, _)| name)
                .collect();
            names.sort();
            // A finished command name gets its space, ready for the argument.
            let found = names
                .into_iter()
                .map(|name| Pair {
                    display: format!(".{name}"),
                    replacement: format!(".{name} "),
                })
                .collect();
            return (offset, found);
        };
        let command = &trimmed[1..space];
        let kind = vocabulary
            .commands
            .iter()
            .find(|(name, _)| name == command)
            .map_or(ArgCompletion::Nothing, |(_, kind)| *kind);
        let start = before
            .rfind(char::is_whitespace)
            .map_or(before.len(), |i| i + 1);
        let prefix = &before[start..];
        let words = match kind {
            ArgCompletion::Nothing => Vec::new(),
            ArgCompletion::Files => return self.complete_file(before, start),
            ArgCompletion::Tables => pick(&vocabulary.tables, prefix),
            ArgCompletion::Functions => pick(&vocabulary.functions, prefix),
            ArgCompletion::Params => {
                let mut names = pick(&vocabulary.params, prefix);
                for bound in super::params::TIME_PARAMS {
                    if matches(bound, prefix) && !names.iter().any(|n| n == bound) {
                        names.push(bound.to_string());
                    }
                }
                names
            }
            ArgCompletion::Hunts => pick(&vocabulary.hunts, prefix),
            ArgCompletion::Extra => pick(&vocabulary.extra, prefix),
            ArgCompletion::Words(words) => words
                .iter()
                .filter(|w| matches(w, prefix))
                .map(|w| w.to_string())
                .collect(),
        };
        (start, pairs(words))
    }

    /// File names for the text from `start` to the end of `before`.
    fn complete_file(&self, before: &str, start: usize) -> (usize, Vec<Pair>) {
        let typed = &before[start..];
        match self.files.complete_path(typed, typed.len()) {
            Ok((offset, found)) => (start + offset, found),
            Err(_) => (before.len(), Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completer() -> SqlCompleter {
        let vocabulary = Vocabulary {
            tables: vec!["SigninLogs".into(), "signins".into(), "audit".into()],
            columns: vec![
                "UserPrincipalName".into(),
                "user".into(),
                "user_agent".into(),
            ],
            functions: vec!["upper".into(), "count".into()],
            table_functions: vec!["generate_series".into()],
            params: vec!["since".into(), "user_name".into()],
            extra: vec!["okta-session-multi-ua".into()],
            hunts: vec!["entra_token_reuse".into(), "entra_country_change".into()],
            commands: vec![
                ("run".into(), ArgCompletion::Hunts),
                ("schema".into(), ArgCompletion::Tables),
                ("set".into(), ArgCompletion::Params),
                ("format".into(), ArgCompletion::Words(&["table", "csv"])),
            ],
        };
        SqlCompleter::new(Arc::new(RwLock::new(vocabulary)))
    }

    fn words(line: &str) -> (usize, Vec<String>) {
        let (start, found) = completer().complete(line, line.len());
        (start, found.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn tables_after_from_columns_and_keywords_elsewhere() {
        assert_eq!(
            words("SELECT * FROM sig"),
            (14, vec!["SigninLogs".into(), "signins".into()])
        );
        assert_eq!(
            words("select * from "),
            (
                14,
                vec![
                    "audit".into(),
                    "generate_series".into(),
                    "SigninLogs".into(),
                    "signins".into(),
                    "okta-session-multi-ua".into()
                ]
            )
        );
        let (_, found) = words("SELECT user");
        assert_eq!(found, vec!["user", "user_agent", "UserPrincipalName"]);
        assert_eq!(words("sel").1, vec!["select"]);
        assert_eq!(words("SEL").1, vec!["SELECT"]);
        assert!(words("SELECT ").1.is_empty());
        assert_eq!(words("SELECT s.UserP").1, vec!["UserPrincipalName"]);
    }

    #[test]
    fn nothing_inside_comments_and_params_after_dollar() {
        assert!(words("SELECT 1 -- us").1.is_empty());
        assert_eq!(words("WHERE time > $si"), (14, vec!["since".into()]));
    }

    #[test]
    fn dot_commands_and_their_arguments() {
        assert_eq!(words(".sc").1, vec![".schema "]);
        assert_eq!(
            words(".schema Sig"),
            (8, vec!["SigninLogs".into(), "signins".into()])
        );
        assert_eq!(words(".format c").1, vec!["csv"]);
        assert_eq!(words(".set un").1, vec!["until"]);
        assert_eq!(words(".set us").1, vec!["user_name"]);
        assert_eq!(words(".run entra_t"), (5, vec!["entra_token_reuse".into()]));
        assert_eq!(
            words(".run "),
            (
                5,
                vec!["entra_country_change".into(), "entra_token_reuse".into()]
            )
        );
        // Hunt ids are not tables or columns: SQL completion leaves them out.
        assert!(words("SELECT entra_t").1.is_empty());
    }
}
