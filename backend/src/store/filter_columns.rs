//! What the connection list filters read, kept on each row by the store: the end user's id,
//! organization id and a lower-cased search text, and the `LIKE` pattern a search becomes.

use super::JsonMap;

/// The columns the list filters read, kept from a connection's `end_user` on every write:
/// `(end_user_id, end_user_organization_id, end_user_search)`.
pub(crate) fn end_user_columns(end_user: Option<&JsonMap>) -> (Option<String>, Option<String>, String) {
    let Some(end_user) = end_user else { return (None, None, String::new()) };
    let text = |map: &JsonMap, key: &str| map.get(key).and_then(|value| value.as_str()).map(str::to_owned);
    let organization = end_user.get("organization").and_then(|value| value.as_object());
    let search = format!(
        "{}\n{}",
        text(end_user, "display_name").unwrap_or_default(),
        text(end_user, "email").unwrap_or_default()
    );
    (text(end_user, "id"), organization.and_then(|org| text(org, "id")), search.to_lowercase())
}

/// A `LIKE` pattern for "contains `text`" (lower-cased; `%`, `_` and `\\` escaped with `\\`).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
