//! A connection's tags as Nango keeps them: the end user's fields as tags (`end_user_id`,
//! `end_user_email`, `end_user_display_name`, `organization_id`, `organization_display_name`),
//! then the end user's own `tags`, then the tags given with the connection, which win. Keys
//! are lower-case, so `tags[key]=value` list filters match however the app spelt the key.

use crate::json::JsonMap;
use serde_json::Value;

/// Nango's limits on a tag value.
const MAX_VALUE_CHARS: usize = 255;

/// The tags to store for a connection made or changed with `end_user` and/or `tags`; `None`
/// when neither is given (the stored tags stay as they are).
pub fn connection_tags(end_user: Option<&JsonMap>, tags: Option<&JsonMap>) -> Option<JsonMap> {
    if end_user.is_none() && tags.is_none() {
        return None;
    }
    let mut out = JsonMap::new();
    if let Some(end_user) = end_user {
        let fields =
            [("id", "end_user_id"), ("email", "end_user_email"), ("display_name", "end_user_display_name")];
        copy_fields(end_user, &fields, &mut out);
        if let Some(organization) = end_user.get("organization").and_then(Value::as_object) {
            let fields = [("id", "organization_id"), ("display_name", "organization_display_name")];
            copy_fields(organization, &fields, &mut out);
        }
        if let Some(own) = end_user.get("tags").and_then(Value::as_object) {
            insert_lowercase(own, &mut out);
        }
    }
    if let Some(tags) = tags {
        insert_lowercase(tags, &mut out);
    }
    Some(out)
}

fn copy_fields(from: &JsonMap, fields: &[(&str, &str)], out: &mut JsonMap) {
    for (field, tag) in fields {
        if let Some(text) = from.get(*field).and_then(Value::as_str).filter(|text| !text.is_empty()) {
            out.insert((*tag).to_owned(), Value::String(text.chars().take(MAX_VALUE_CHARS).collect()));
        }
    }
}

fn insert_lowercase(tags: &JsonMap, out: &mut JsonMap) {
    for (key, value) in tags {
        if value.is_string() {
            out.insert(key.to_lowercase(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> JsonMap {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn end_user_fields_become_tags_and_given_tags_win() {
        let end_user = map(json!({
            "id": "u-1", "email": "a@example.com", "display_name": "A",
            "organization": {"id": "org", "display_name": "Org"},
            "tags": {"Plan": "free", "team": "x"}
        }));
        let tags = map(json!({"plan": "pro", "Region": "eu"}));
        let out = connection_tags(Some(&end_user), Some(&tags));
        assert_eq!(
            out,
            Some(map(json!({
                "end_user_id": "u-1", "end_user_email": "a@example.com", "end_user_display_name": "A",
                "organization_id": "org", "organization_display_name": "Org",
                "plan": "pro", "team": "x", "region": "eu"
            })))
        );
    }

    #[test]
    fn nothing_given_keeps_the_stored_tags() {
        assert_eq!(connection_tags(None, None), None);
        assert_eq!(connection_tags(None, Some(&JsonMap::new())), Some(JsonMap::new()));
        let bare = map(json!({"id": "u"}));
        assert_eq!(connection_tags(Some(&bare), None), Some(map(json!({"end_user_id": "u"}))));
    }
}
