//! The one input rule of every route, whichever store is behind it (SPEC §13 "Input"): no NUL
//! or other control character in the path, the query or a JSON string, and bounded lengths.
//! A violation names the field; nothing reaches the store.

use serde_json::Value;

/// Longest path and query we read (bytes, as sent).
pub const MAX_PATH_BYTES: usize = 2048;
pub const MAX_QUERY_BYTES: usize = 8192;
/// Longest header value, and all header names and values together.
pub const MAX_HEADER_VALUE_BYTES: usize = 8192;
pub const MAX_HEADERS_BYTES: usize = 32 * 1024;

/// The header whose value is too long, or `"headers"` when all together are.
pub fn oversized_header(headers: &http::HeaderMap) -> Option<String> {
    let mut total = 0;
    for (name, value) in headers {
        if value.len() > MAX_HEADER_VALUE_BYTES {
            return Some(name.as_str().to_owned());
        }
        total += name.as_str().len() + value.len();
    }
    (total > MAX_HEADERS_BYTES).then(|| "headers".to_owned())
}

/// What is wrong with a request's path or query: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub field: String,
    pub problem: &'static str,
}

impl InputError {
    pub fn message(&self) -> String {
        format!("`{}` {}", self.field, self.problem)
    }
}

/// Check the path (decoded) and every query name and value (decoded).
pub fn check_uri(path: &str, query: Option<&str>) -> Result<(), InputError> {
    if path.len() > MAX_PATH_BYTES {
        return Err(InputError { field: "path".into(), problem: "is too long" });
    }
    // Without a `%`, decoding changes nothing (a query's `+` becomes a space): the text is
    // checked as it is, the common case, without decoding it.
    let control_in_path = if path.contains('%') {
        has_control(&percent_encoding::percent_decode_str(path).decode_utf8_lossy())
    } else {
        has_control(path)
    };
    if control_in_path {
        return Err(InputError { field: "path".into(), problem: "contains a control character" });
    }
    let Some(query) = query else { return Ok(()) };
    if query.len() > MAX_QUERY_BYTES {
        return Err(InputError { field: "query".into(), problem: "is too long" });
    }
    if !query.contains('%') && !has_control(query) {
        return Ok(());
    }
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if has_control(&name) || has_control(&value) {
            let field = name.chars().filter(|c| !c.is_control()).take(64).collect();
            return Err(InputError { field, problem: "contains a control character" });
        }
    }
    Ok(())
}

/// Whether `text` holds a C0 or C1 control character or DEL (`char::is_control`), byte by byte
/// when it is ASCII.
fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|byte| byte.is_ascii_control())
    } else {
        text.chars().any(char::is_control)
    }
}

/// The JSON path of the first string or key holding a forbidden character: NUL and the C0/C1
/// controls, except tab, line feed and carriage return, which text may hold.
pub fn find_control_character(value: &Value) -> Option<String> {
    fn forbidden(text: &str) -> bool {
        text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    }
    fn walk(value: &Value, path: &mut Vec<String>) -> Option<String> {
        match value {
            Value::String(text) if forbidden(text) => Some(joined(path)),
            Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
                path.push(index.to_string());
                let found = walk(item, path);
                path.pop();
                found
            }),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                path.push(key.chars().filter(|c| !c.is_control()).take(64).collect());
                let found = if forbidden(key) { Some(joined(path)) } else { walk(item, path) };
                path.pop();
                found
            }),
            _ => None,
        }
    }
    fn joined(path: &[String]) -> String {
        if path.is_empty() {
            "body".into()
        } else {
            path.join(".")
        }
    }
    walk(value, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_in_path_and_query_name_the_field() {
        assert_eq!(check_uri("/oauth/connect/demo", Some("connection_id=u1&params[x]=a%20b")), Ok(()));
        assert_eq!(check_uri("/oauth/callback", Some("state=%00")).unwrap_err().field, "state");
        assert_eq!(check_uri("/oauth/connect/a%00b", None).unwrap_err().field, "path");
        assert_eq!(check_uri("/x", Some("public_key=ab%0Acd")).unwrap_err().field, "public_key");
        assert_eq!(check_uri("/x", Some("a%01=1")).unwrap_err().problem, "contains a control character");
        let long = "a=".to_string() + &"x".repeat(MAX_QUERY_BYTES);
        assert_eq!(check_uri("/x", Some(&long)).unwrap_err().field, "query");
    }

    #[test]
    fn json_strings_and_keys_are_checked_but_text_may_hold_newlines() {
        assert_eq!(find_control_character(&json!({"note": "line 1\nline 2\ttab\r"})), None);
        assert_eq!(
            find_control_character(&json!({"callback_url": "http://x\u{0}"})).as_deref(),
            Some("callback_url")
        );
        assert_eq!(
            find_control_character(&json!({"metadata": {"tags": ["ok", "bad\u{7}"]}})).as_deref(),
            Some("metadata.tags.1")
        );
        assert_eq!(find_control_character(&json!({"k\u{0}": 1})).as_deref(), Some("k"));
        assert_eq!(find_control_character(&json!("\u{0}")).as_deref(), Some("body"));
    }
}
