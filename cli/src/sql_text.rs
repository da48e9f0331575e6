//! A small, forgiving SQL lexer shared by everything that looks at SQL text before
//! DataFusion does: splitting scripts into statements, deciding whether the REPL's
//! input is complete, substituting `$parameters`, highlighting and completion.
//!
//! It never fails: unfinished strings and comments (the normal state of a line
//! being typed) come back as tokens marked `closed: false`.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Whitespace,
    /// `-- ...` up to the end of the line.
    LineComment,
    /// `/* ... */`.
    BlockComment {
        closed: bool,
    },
    /// `'...'` (a quote inside is doubled: `''`).
    String {
        closed: bool,
    },
    /// `"..."`: an identifier kept as typed.
    QuotedIdent {
        closed: bool,
    },
    Number,
    /// A keyword or an identifier.
    Word,
    /// `$name` or `$1`.
    Param,
    Semicolon,
    /// Any other character (operators, parentheses, commas, dots).
    Punct,
}

/// One token: its kind and byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    /// Whitespace and comments: what does not change a statement's meaning.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. }
        )
    }

    /// A string, quoted identifier or block comment that the text ends inside.
    pub fn is_unclosed(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::BlockComment { closed: false }
                | TokenKind::String { closed: false }
                | TokenKind::QuotedIdent { closed: false }
        )
    }
}

/// SQL keywords a hunter types, for highlighting and completion. A curated list,
/// not the parser's hundreds: words like `user`, `time` or `source` are our
/// column names and should not light up as keywords.
pub const KEYWORDS: &[&str] = &[
    "ALL",
    "ANALYZE",
    "AND",
    "ANTI",
    "ARRAY",
    "AS",
    "ASC",
    "BETWEEN",
    "BIGINT",
    "BOOLEAN",
    "BY",
    "CASE",
    "CAST",
    "COPY",
    "CREATE",
    "CROSS",
    "CURRENT",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DOUBLE",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "EXTERNAL",
    "FALSE",
    "FETCH",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "IF",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCATION",
    "NATURAL",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PRECEDING",
    "QUALIFY",
    "RANGE",
    "RECURSIVE",
    "REGEXP",
    "REPLACE",
    "RIGHT",
    "ROW",
    "ROWS",
    "SELECT",
    "SEMI",
    "SET",
    "SHOW",
    "SIMILAR",
    "STORED",
    "TABLE",
    "THEN",
    "TIMESTAMP",
    "TO",
    "TRUE",
    "TRY_CAST",
    "UNBOUNDED",
    "UNION",
    "UNNEST",
    "USING",
    "VALUES",
    "VARCHAR",
    "VIEW",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Whether `word` is one of [`KEYWORDS`], in any case.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS
        .binary_search_by(|k| cmp_ignore_case(k, word))
        .is_ok()
}

fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_uppercase())
        .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

/// Characters that continue an identifier.
pub fn is_word_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Splits `text` into tokens covering every byte.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        let kind = match ch {
            c if c.is_whitespace() => {
                while chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
                TokenKind::Whitespace
            }
            '-' if next == Some('-') => {
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
                TokenKind::LineComment
            }
            '/' if next == Some('*') => {
                chars.next();
                let mut closed = false;
                let mut star = false;
                for (_, c) in chars.by_ref() {
                    if star && c == '/' {
                        closed = true;
                        break;
                    }
                    star = c == '*';
                }
                TokenKind::BlockComment { closed }
            }
            '\'' | '"' => {
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    if c == ch {
                        // A doubled quote is an escaped quote, not the end.
                        if chars.next_if(|&(_, c)| c == ch).is_some() {
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if ch == '\'' {
                    TokenKind::String { closed }
                } else {
                    TokenKind::QuotedIdent { closed }
                }
            }
            c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let mut previous = c;
                while let Some(&(_, c)) = chars.peek() {
                    let exponent_sign = (c == '+' || c == '-') && matches!(previous, 'e' | 'E');
                    if c.is_ascii_alphanumeric() || c == '.' || exponent_sign {
                        previous = c;
                        chars.next();
                    } else {
                        break;
                    }
                }
                TokenKind::Number
            }
            '$' if next.is_some_and(is_word_char) => {
                while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
                TokenKind::Param
            }
            // `${name}`, as in hunt files: a hunt's text runs at the prompt unchanged.
            '$' if next == Some('{') => {
                chars.next();
                while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
                if chars.next_if(|&(_, c)| c == '}').is_some() {
                    TokenKind::Param
                } else {
                    TokenKind::Punct
                }
            }
            c if is_word_char(c) => {
                while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
                TokenKind::Word
            }
            ';' => TokenKind::Semicolon,
            _ => TokenKind::Punct,
        };
        let end = chars.peek().map_or(text.len(), |&(i, _)| i);
        tokens.push(Token { kind, start, end });
    }
    tokens
}

/// One statement of a script, with where it starts in the script (1-based), so
/// errors can point into the file the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// Splits a script on `;` outside strings and comments. Comments before a
/// statement are dropped; statements made only of comments are skipped.
pub fn split_statements(text: &str) -> Vec<Statement> {
    let tokens = tokenize(text);
    let mut statements = Vec::new();
    let mut first: Option<usize> = None;
    let mut last = 0;
    let mut flush = |first: &mut Option<usize>, last: usize| {
        if let Some(start) = first.take() {
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            statements.push(Statement {
                text: text[start..last].to_string(),
                line,
                column,
            });
        }
    };
    for token in &tokens {
        match token.kind {
            TokenKind::Semicolon => flush(&mut first, last),
            _ if token.is_trivia() => {}
            _ => {
                first.get_or_insert(token.start);
                last = token.end;
            }
        }
    }
    flush(&mut first, last);
    statements
}

/// True when `text` holds at least one statement and ends with a `;` outside any
/// string or comment: the REPL runs it on Enter instead of starting a new line.
pub fn ends_statement(text: &str) -> bool {
    let tokens = tokenize(text);
    if tokens.last().is_some_and(Token::is_unclosed) {
        return false;
    }
    tokens
        .iter()
        .rev()
        .find(|t| !t.is_trivia())
        .is_some_and(|t| t.kind == TokenKind::Semicolon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &str) -> Vec<String> {
        split_statements(script)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn statements_split_outside_quotes_and_comments() {
        assert_eq!(
            texts("SELECT ';' AS a; -- c;\nSELECT 2;;"),
            vec!["SELECT ';' AS a", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT \"a;b\" FROM t /* ; */ WHERE x = 'it''s;'"),
            vec!["SELECT \"a;b\" FROM t /* ; */ WHERE x = 'it''s;'"]
        );
        assert!(texts("-- only a comment\n/* and another */").is_empty());
    }

    #[test]
    fn statements_know_where_they_start() {
        let parts = split_statements("SELECT 1;\n\n  -- why\n  SELECT\n  2; SELECT 3");
        assert_eq!((parts[1].line, parts[1].column), (4, 3));
        assert_eq!(parts[1].text, "SELECT\n  2");
        assert_eq!((parts[2].line, parts[2].column), (5, 6));
    }

    #[test]
    fn completeness_needs_a_final_semicolon_outside_strings() {
        assert!(ends_statement("SELECT 1;"));
        assert!(ends_statement("SELECT 1; -- done"));
        assert!(!ends_statement("SELECT 1"));
        assert!(!ends_statement("SELECT ';"));
        assert!(!ends_statement("SELECT 1 /* ; "));
        assert!(!ends_statement("SELECT 1;\nSELECT 2"));
        assert!(!ends_statement(""));
    }

    #[test]
    fn tokens_cover_numbers_params_and_words() {
        let text = "x>=1.5e-3 AND $since<$1";
        let kinds: Vec<(TokenKind, &str)> = tokenize(text)
            .iter()
            .map(|t| (t.kind, t.text(text)))
            .collect();
        assert!(kinds.contains(&(TokenKind::Number, "1.5e-3")));
        assert!(kinds.contains(&(TokenKind::Param, "$since")));
        assert!(kinds.contains(&(TokenKind::Param, "$1")));
        let hunt_text = "SELECT * FROM t WHERE time >= ${since} AND x = '${not}' AND y = ${open";
        let params: Vec<&str> = tokenize(hunt_text)
            .iter()
            .filter(|t| t.kind == TokenKind::Param)
            .map(|t| t.text(hunt_text))
            .collect();
        assert_eq!(params, ["${since}"], "not in strings, nor unclosed");
        assert!(kinds.contains(&(TokenKind::Word, "AND")));
        let total: usize = tokenize(text).iter().map(|t| t.end - t.start).sum();
        assert_eq!(total, text.len());
    }

    #[test]
    fn keywords_are_sorted_for_lookup() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_keyword("select") && is_keyword("Group") && !is_keyword("user"));
    }

    #[test]
    fn unfinished_input_never_panics() {
        for text in ["'", "\"", "/*", "--", "$", "é'", "1e", "/"] {
            let tokens = tokenize(text);
            assert_eq!(tokens.last().map(|t| t.end), Some(text.len()), "{text:?}");
        }
    }
}
