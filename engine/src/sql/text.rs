//! SQL text built from values: string literals and `IN` lists. Every query the engine
//! writes from user input (a user name, an address, a configured app) goes through
//! these, so quoting is done one way.

/// SQL text quoted as a string literal.
///
/// ```
/// assert_eq!(tokenhunt_engine::sql::quote("o'brien"), "'o''brien'");
/// ```
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `(expr IN ('a', 'b'))` with each item quoted, or `false` for an empty list (an
/// empty `IN ()` is not SQL).
pub fn in_list<S: AsRef<str>>(expr: &str, items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item.as_ref())).collect();
    in_literals(expr, &quoted)
}

/// `(expr IN (1, 2))` over items that are SQL literals already (numbers, quoted
/// text), or `false` for an empty list.
pub fn in_literals(expr: &str, literals: &[String]) -> String {
    if literals.is_empty() {
        "false".to_string()
    } else {
        format!("({expr} IN ({}))", literals.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted() {
        assert_eq!(quote("o'brien"), "'o''brien'");
        assert_eq!(in_list("user", &["a", "b'c"]), "(user IN ('a', 'b''c'))");
        assert_eq!(in_list::<&str>("user", &[]), "false");
        assert_eq!(
            in_literals("asn", &["1".into(), "2".into()]),
            "(asn IN (1, 2))"
        );
    }
}
