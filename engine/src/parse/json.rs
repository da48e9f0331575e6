//! Reading fields out of parsed JSON records, whatever their key casing and however
//! their values are spelled.
//!
//! Real exports disagree on casing (`userPrincipalName`, `UserPrincipalName`,
//! lower-cased Panther columns), on types (numbers as strings and back), and on
//! nesting (objects, or the same object JSON-encoded inside a string). Every
//! extractor goes through these helpers so each oddity is handled once.

use std::borrow::Cow;

use simd_json::{BorrowedValue, StaticNode};

/// A parsed JSON value borrowing from the record's bytes.
pub type Json<'a> = BorrowedValue<'a>;

/// The deepest nesting of objects and arrays we parse. The parser (and dropping its
/// value) recurses once per level, so a hostile value nested 100,000 levels deep would
/// overflow the stack and abort the process; real records nest a handful of levels.
/// The record splitter quarantines deeper records, and [`nested`] leaves deeper
/// JSON-in-a-string unparsed.
pub const MAX_DEPTH: usize = 512;

/// How deep objects and arrays nest in `bytes` (JSON text), brackets inside strings
/// not counted. Iterative, so any depth is measured safely.
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => {
                // Skip the string, escapes included.
                index += 1;
                while index < bytes.len() {
                    match bytes[index] {
                        b'\\' => index += 2,
                        b'"' => break,
                        _ => index += 1,
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    deepest
}

/// The literal spellings real logs use for "no value" inside strings.
fn is_null_text(text: &str) -> bool {
    text.is_empty() || text == "null" || text == "NULL" || text == "None"
}

/// A case-insensitive hash of a key from its length and three of its bytes. It runs
/// for every key of every record, so it must not walk the whole key; the table
/// compares keys in full on a hit, and collisions only cost a probe.
fn key_hash(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let Some(&last) = bytes.last() else {
        return 0;
    };
    let lower = |byte: u8| u64::from(byte | 0x20);
    let mixed = (bytes.len() as u64) << 24
        | lower(bytes[0]) << 16
        | lower(bytes[bytes.len() / 2]) << 8
        | lower(last);
    mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17
}

/// A case-insensitive map from the keys of one object shape to field slots.
///
/// Building the slots visits each key of a record once, instead of searching the
/// object for every field we want with a case-insensitive comparison.
#[derive(Debug)]
pub struct KeyTable {
    entries: Vec<Option<(&'static str, usize)>>,
    mask: usize,
    slot_count: usize,
}

impl KeyTable {
    /// `names[i]` are the spellings (any case) that fill slot `i`.
    pub fn new(names: &[&[&'static str]]) -> KeyTable {
        let total: usize = names.iter().map(|aliases| aliases.len()).sum();
        let capacity = (total * 4).next_power_of_two().max(16);
        let mut entries = vec![None; capacity];
        let mask = capacity - 1;
        for (slot, aliases) in names.iter().enumerate() {
            for &name in aliases.iter() {
                let mut index = key_hash(name) as usize & mask;
                while entries[index].is_some() {
                    index = (index + 1) & mask;
                }
                entries[index] = Some((name, slot));
            }
        }
        KeyTable {
            entries,
            mask,
            slot_count: names.len(),
        }
    }

    /// The slot a key fills, if any.
    pub fn slot(&self, key: &str) -> Option<usize> {
        let mut index = key_hash(key) as usize & self.mask;
        while let Some((name, slot)) = self.entries[index] {
            if name.eq_ignore_ascii_case(key) {
                return Some(slot);
            }
            index = (index + 1) & self.mask;
        }
        None
    }

    /// Fills `slots` from the object's keys; the last spelling present wins, as with
    /// duplicate keys in most JSON parsers. Non-objects fill nothing.
    pub fn pick<'v, 'a>(&self, value: Option<&'v Json<'a>>, slots: &mut [Option<&'v Json<'a>>]) {
        debug_assert_eq!(slots.len(), self.slot_count);
        if let Some(Json::Object(object)) = value {
            for (key, field) in object.iter() {
                if let Some(slot) = self.slot(key)
                    && (!is_null(field) || slots[slot].is_none())
                {
                    slots[slot] = Some(field);
                }
            }
        }
    }
}

/// True for JSON null and the string spellings of "nothing".
pub fn is_null(value: &Json<'_>) -> bool {
    match value {
        Json::Static(StaticNode::Null) => true,
        Json::String(text) => is_null_text(text),
        _ => false,
    }
}

/// A scalar as text: strings as they are, numbers and booleans spelled out;
/// empty strings and "null" are absent.
pub fn text<'v>(value: Option<&'v Json<'_>>) -> Option<Cow<'v, str>> {
    match value? {
        Json::String(text) => {
            let text: &str = text;
            let trimmed = text.trim();
            if is_null_text(trimmed) {
                None
            } else {
                Some(Cow::Borrowed(trimmed))
            }
        }
        Json::Static(StaticNode::I64(n)) => Some(Cow::Owned(n.to_string())),
        Json::Static(StaticNode::U64(n)) => Some(Cow::Owned(n.to_string())),
        Json::Static(StaticNode::F64(n)) => Some(Cow::Owned(n.to_string())),
        Json::Static(StaticNode::Bool(b)) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// A string value only (numbers are not accepted), trimmed, absent when empty.
pub fn str_of<'v>(value: Option<&'v Json<'_>>) -> Option<&'v str> {
    match value? {
        Json::String(text) => {
            let text: &str = text;
            let trimmed = text.trim();
            (!is_null_text(trimmed)).then_some(trimmed)
        }
        _ => None,
    }
}

/// An integer, from a JSON number or a numeric string (`"50140"`).
pub fn int_of(value: Option<&Json<'_>>) -> Option<i64> {
    match value? {
        Json::Static(StaticNode::I64(n)) => Some(*n),
        Json::Static(StaticNode::U64(n)) => i64::try_from(*n).ok(),
        Json::Static(StaticNode::F64(n)) if n.fract() == 0.0 && n.is_finite() => Some(*n as i64),
        Json::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A float, from a JSON number or a numeric string (`"-0.000000"`).
pub fn float_of(value: Option<&Json<'_>>) -> Option<f64> {
    match value? {
        Json::Static(StaticNode::I64(n)) => Some(*n as f64),
        Json::Static(StaticNode::U64(n)) => Some(*n as f64),
        Json::Static(StaticNode::F64(n)) => n.is_finite().then_some(*n),
        Json::String(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

/// A boolean, from JSON true/false or their string spellings (`"TRUE"`, `"False"`).
pub fn bool_of(value: Option<&Json<'_>>) -> Option<bool> {
    match value? {
        Json::Static(StaticNode::Bool(b)) => Some(*b),
        Json::String(text) => {
            let text = text.trim();
            if text.eq_ignore_ascii_case("true") {
                Some(true)
            } else if text.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A nested object that some exports write as a JSON-encoded string (the
/// non-interactive sign-in table, CSV cells): either borrowed or parsed here.
pub enum Nested<'v, 'a> {
    Borrowed(&'v Json<'a>),
    Parsed(Json<'static>),
}

impl<'v, 'a> Nested<'v, 'a> {
    pub fn get(&self) -> &Json<'_> {
        match self {
            Nested::Borrowed(value) => value,
            Nested::Parsed(value) => value,
        }
    }
}

/// An object or array, or a string holding one. Unparseable strings are absent: the
/// caller keeps the record (the raw text preserves it) rather than losing it. So are
/// strings holding JSON nested deeper than [`MAX_DEPTH`], which are not parsed at all.
pub fn nested<'v, 'a>(value: Option<&'v Json<'a>>) -> Option<Nested<'v, 'a>> {
    match value? {
        value @ (Json::Object(_) | Json::Array(_)) => Some(Nested::Borrowed(value)),
        Json::String(text) => {
            let trimmed = text.trim_start();
            if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
                return None;
            }
            if nesting_depth(trimmed.as_bytes()) > MAX_DEPTH {
                return None;
            }
            let mut bytes = trimmed.as_bytes().to_vec();
            simd_json::to_borrowed_value(&mut bytes)
                .ok()
                .map(|parsed| Nested::Parsed(parsed.into_static()))
        }
        _ => None,
    }
}

/// Member `key` (case-insensitive) of an object.
pub fn member<'v, 'a>(value: &'v Json<'a>, key: &str) -> Option<&'v Json<'a>> {
    match value {
        Json::Object(object) => object
            .iter()
            .filter(|(name, field)| name.eq_ignore_ascii_case(key) && !is_null(field))
            .map(|(_, field)| field)
            .last(),
        _ => None,
    }
}

/// Follows a path of members (case-insensitive).
pub fn path<'v, 'a>(value: &'v Json<'a>, keys: &[&str]) -> Option<&'v Json<'a>> {
    keys.iter()
        .try_fold(value, |current, key| member(current, key))
}

/// The keys of an object, for messages about records we cannot classify.
pub fn key_list(value: &Json<'_>, limit: usize) -> String {
    match value {
        Json::Object(object) => {
            let mut keys: Vec<&str> = object.keys().map(|key| key.as_ref()).collect();
            keys.sort_unstable();
            let more = keys.len().saturating_sub(limit);
            keys.truncate(limit);
            let mut list = keys.join(", ");
            if more > 0 {
                list.push_str(&format!(" (+{more} more)"));
            }
            list
        }
        _ => String::from("(not an object)"),
    }
}

/// Removes commas that directly precede `]` or `}` outside strings.
///
/// Published documentation samples (the Graph v1.0 sign-in example) carry trailing
/// commas; rejecting them would lose a record whose meaning is unambiguous.
pub fn strip_trailing_commas(input: &[u8]) -> Option<Vec<u8>> {
    let mut output = Vec::with_capacity(input.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut changed = false;
    for (index, &byte) in input.iter().enumerate() {
        if in_string {
            output.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                output.push(byte);
            }
            b',' => {
                let next = input[index + 1..].iter().find(|b| !b.is_ascii_whitespace());
                if matches!(next, Some(b']') | Some(b'}')) {
                    changed = true;
                } else {
                    output.push(byte);
                }
            }
            _ => output.push(byte),
        }
    }
    changed.then_some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json<'static> {
        let mut bytes = text.as_bytes().to_vec();
        simd_json::to_borrowed_value(&mut bytes)
            .unwrap()
            .into_static()
    }

    #[test]
    fn key_table_is_case_insensitive_and_last_non_null_wins() {
        let table = KeyTable::new(&[&["userPrincipalName"], &["ipAddress", "callerIpAddress"]]);
        let value =
            parse(r#"{"USERPRINCIPALNAME":"a@b.c","callerIpAddress":"1.2.3.4","ipaddress":null}"#);
        let mut slots = [None; 2];
        table.pick(Some(&value), &mut slots);
        assert_eq!(str_of(slots[0]), Some("a@b.c"));
        assert_eq!(str_of(slots[1]), Some("1.2.3.4"));
        assert_eq!(table.slot("other"), None);
    }

    #[test]
    fn scalars_coerce_across_spellings() {
        let value = parse(r#"{"a":"50140","b":4,"c":"-0.000000","d":"TRUE","e":"null","f":" x "}"#);
        assert_eq!(int_of(member(&value, "a")), Some(50140));
        assert_eq!(text(member(&value, "b")).as_deref(), Some("4"));
        assert_eq!(float_of(member(&value, "c")), Some(-0.0));
        assert_eq!(bool_of(member(&value, "d")), Some(true));
        assert_eq!(member(&value, "e"), None);
        assert_eq!(str_of(member(&value, "f")), Some("x"));
    }

    #[test]
    fn nested_objects_may_be_json_strings() {
        let value = parse(
            r#"{"LocationDetails":"{\"city\":\"Berlin\"}","DeviceDetail":{"browser":"Edge"}}"#,
        );
        let location = nested(member(&value, "locationdetails")).unwrap();
        assert_eq!(str_of(member(location.get(), "city")), Some("Berlin"));
        let device = nested(member(&value, "DeviceDetail")).unwrap();
        assert_eq!(str_of(member(device.get(), "browser")), Some("Edge"));
    }

    #[test]
    fn json_in_strings_nested_too_deep_is_left_unparsed() {
        assert_eq!(nesting_depth(br#"{"a":[1,{"b":"]]]{{{"}],"c":{}}"#), 3);
        assert_eq!(nesting_depth(br#""\"[[""#), 0);
        let deep = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let at_limit = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        let record = serde_json::json!({
            "LocationDetails": deep,
            "DeviceDetail": arrays,
            "Status": at_limit,
        })
        .to_string();
        let value = parse(&record);
        assert!(nested(member(&value, "LocationDetails")).is_none());
        assert!(nested(member(&value, "DeviceDetail")).is_none());
        let status = nested(member(&value, "Status")).expect("512 levels are parsed");
        assert!(member(status.get(), "a").is_some());
    }

    #[test]
    fn trailing_commas_are_removed_outside_strings_only() {
        let fixed = strip_trailing_commas(br#"{"a":[1,2,],"b":"x,]",}"#).unwrap();
        assert_eq!(fixed, br#"{"a":[1,2],"b":"x,]"}"#.to_vec());
        assert!(strip_trailing_commas(br#"{"a":1}"#).is_none());
    }
}
