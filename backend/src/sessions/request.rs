//! The body of `POST /connect/sessions` and `POST /connect/sessions/reconnect`, checked with
//! Nango's rules (SPEC §7); every problem is reported with its path, like Nango's answers.

use crate::ids::{ConnectionId, IntegrationKey};
use crate::json::JsonMap;
use serde_json::Value;

/// One problem in a body: `{code, message, path}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub message: String,
    pub path: Vec<String>,
}

/// A checked session body. Integration keys are checked against the environment later.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionRequest {
    pub end_user: Option<JsonMap>,
    pub organization: Option<JsonMap>,
    pub tags: JsonMap,
    pub allowed_integrations: Vec<IntegrationKey>,
    pub integrations_config_defaults: JsonMap,
    pub webhook_url_override: Option<String>,
    pub connection_id: Option<ConnectionId>,
    /// For a reconnect: the integration of the connection (`integration_id`).
    pub integration_id: Option<IntegrationKey>,
}

const MAX_TAGS: usize = 10;

/// `reconnect`: the reconnect body (`connection_id` and `integration_id` required).
pub fn parse(body: &Value, reconnect: bool) -> Result<SessionRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(object) = body.as_object() else {
        return Err(vec![error("invalid_type", "the body must be a JSON object", &[])]);
    };
    let allowed: &[&str] = if reconnect {
        &[
            "connection_id",
            "integration_id",
            "end_user",
            "organization",
            "integrations_config_defaults",
            "tags",
        ]
    } else {
        &[
            "end_user",
            "organization",
            "tags",
            "allowed_integrations",
            "integrations_config_defaults",
            "webhook_url_override",
            "connection_id",
        ]
    };
    for key in object.keys().filter(|key| !allowed.contains(&key.as_str())) {
        errors.push(error("unrecognized_keys", &format!("unknown key `{key}`"), &[key]));
    }
    let mut request =
        SessionRequest { tags: tags(object.get("tags"), &["tags"], &mut errors), ..Default::default() };
    request.end_user = match object.get("end_user") {
        None | Some(Value::Null) => None,
        Some(value) => Some(party(value, "end_user", !reconnect && request.tags.is_empty(), &mut errors)),
    };
    if !reconnect && request.end_user.is_none() && request.tags.is_empty() {
        errors.push(error("invalid_type", "`end_user` is required (or top-level `tags`)", &["end_user"]));
    }
    request.organization = match object.get("organization") {
        None | Some(Value::Null) => None,
        Some(value) => Some(party(value, "organization", true, &mut errors)),
    };
    if let Some(value) = object.get("allowed_integrations") {
        match value.as_array() {
            Some(items) => {
                for (index, item) in items.iter().enumerate() {
                    match item.as_str().map(IntegrationKey::parse) {
                        Some(Ok(key)) => request.allowed_integrations.push(key),
                        _ => errors.push(error(
                            "invalid_string",
                            "not an integration key",
                            &["allowed_integrations", &index.to_string()],
                        )),
                    }
                }
            }
            None => errors.push(error(
                "invalid_type",
                "must be an array of integration keys",
                &["allowed_integrations"],
            )),
        }
    }
    if let Some(value) = object.get("integrations_config_defaults") {
        request.integrations_config_defaults = config_defaults(value, &mut errors);
    }
    if let Some(value) = object.get("webhook_url_override") {
        request.webhook_url_override = webhook_url(value, &mut errors);
    }
    match object.get("connection_id") {
        None | Some(Value::Null) if !reconnect => {}
        Some(Value::String(raw)) => match ConnectionId::parse(raw.as_str()) {
            Ok(id) => request.connection_id = Some(id),
            Err(rule) => errors.push(error("invalid_string", rule, &["connection_id"])),
        },
        _ => errors.push(error("invalid_type", "`connection_id` must be a string", &["connection_id"])),
    }
    if reconnect {
        match object.get("integration_id").and_then(Value::as_str).map(IntegrationKey::parse) {
            Some(Ok(key)) => request.integration_id = Some(key),
            _ => errors.push(error(
                "invalid_type",
                "`integration_id` must be an integration key",
                &["integration_id"],
            )),
        }
    }
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(errors)
    }
}

/// `end_user` / `organization`: an object with a string `id` of 1-255 characters.
fn party(value: &Value, name: &str, id_required: bool, errors: &mut Vec<FieldError>) -> JsonMap {
    let Some(object) = value.as_object() else {
        errors.push(error("invalid_type", "must be an object", &[name]));
        return JsonMap::new();
    };
    match object.get("id") {
        Some(Value::String(id)) if (1..=255).contains(&id.chars().count()) => {}
        None if !id_required => {}
        _ => errors.push(error("invalid_string", "`id` must be a string of 1-255 characters", &[name, "id"])),
    }
    for key in ["email", "display_name"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(text))
                if text.chars().count() <= 255 && (key != "email" || text.contains('@')) => {}
            _ => errors.push(error("invalid_string", &format!("`{key}` is not valid"), &[name, key])),
        }
    }
    if object.contains_key("tags") {
        tags(object.get("tags"), &[name, "tags"], errors);
    }
    let known: &[&str] = if name == "organization" {
        &["id", "display_name"]
    } else {
        &["id", "email", "display_name", "tags"]
    };
    for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
        errors.push(error("unrecognized_keys", &format!("unknown key `{key}`"), &[name, key]));
    }
    object.clone()
}

/// Tags: at most 10; a key starts with a letter and holds `[A-Za-z0-9_\-./]`, at most 64
/// characters; a value holds 1-255 characters; two keys equal ignoring case are a duplicate.
fn tags(value: Option<&Value>, path: &[&str], errors: &mut Vec<FieldError>) -> JsonMap {
    let Some(value) = value.filter(|value| !value.is_null()) else { return JsonMap::new() };
    let Some(object) = value.as_object() else {
        errors.push(error("invalid_type", "must be an object of strings", path));
        return JsonMap::new();
    };
    if object.len() > MAX_TAGS {
        errors.push(error("too_big", &format!("at most {MAX_TAGS} tags"), path));
    }
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in object {
        let mut here: Vec<&str> = path.to_vec();
        here.push(key);
        if !is_tag_key(key) {
            errors.push(error(
                "invalid_string",
                "a tag key starts with a letter: [A-Za-z0-9_-./], at most 64",
                &here,
            ));
        }
        let lower = key.to_ascii_lowercase();
        if seen.contains(&lower) {
            errors.push(error("custom", "duplicate tag key (keys are compared ignoring case)", &here));
        }
        seen.push(lower);
        match value.as_str() {
            Some(text) if (1..=255).contains(&text.chars().count()) => {}
            _ => errors.push(error("invalid_string", "a tag value is a string of 1-255 characters", &here)),
        }
    }
    object.clone()
}

/// The body field `end_user` (`id` required) as Nango checks it, wherever a body carries one.
pub fn end_user(value: &Value, errors: &mut Vec<FieldError>) -> JsonMap {
    party(value, "end_user", true, errors)
}

/// A body's top-level `tags` (see `tags`).
pub fn top_level_tags(value: Option<&Value>, errors: &mut Vec<FieldError>) -> JsonMap {
    tags(value, &["tags"], errors)
}

/// `webhook_url_override`: an absolute http(s) URL.
pub fn webhook_url(value: &Value, errors: &mut Vec<FieldError>) -> Option<String> {
    let url = value.as_str().and_then(|text| url::Url::parse(text).ok());
    match url.filter(|url| matches!(url.scheme(), "http" | "https")) {
        Some(url) => Some(url.to_string()),
        None => {
            errors.push(error(
                "invalid_string",
                "must be an absolute http(s) URL",
                &["webhook_url_override"],
            ));
            None
        }
    }
}

/// A tag key: starts with a letter, holds `[A-Za-z0-9_\-./]`, at most 64 characters.
pub fn is_tag_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.len() <= 64
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
}

fn config_defaults(value: &Value, errors: &mut Vec<FieldError>) -> JsonMap {
    let name = "integrations_config_defaults";
    let Some(object) = value.as_object() else {
        errors.push(error("invalid_type", "must be an object keyed by integration", &[name]));
        return JsonMap::new();
    };
    for (key, defaults) in object {
        if IntegrationKey::parse(key.as_str()).is_err() {
            errors.push(error("invalid_string", "not an integration key", &[name, key]));
        }
        let Some(defaults) = defaults.as_object() else {
            errors.push(error("invalid_type", "must be an object", &[name, key]));
            continue;
        };
        for (field, value) in defaults {
            let valid = match field.as_str() {
                "user_scopes" => value.is_string(),
                "authorization_params" => {
                    value.as_object().is_some_and(|map| map.values().all(Value::is_string))
                }
                "connection_config" => value.is_object(),
                _ => false,
            };
            if !valid {
                errors.push(error(
                    "invalid_type",
                    &format!("`{field}` is not valid here"),
                    &[name, key, field],
                ));
            }
        }
    }
    object.clone()
}

pub fn error(code: &'static str, message: &str, path: &[&str]) -> FieldError {
    FieldError { code, message: message.to_owned(), path: path.iter().map(|part| part.to_string()).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(result: Result<SessionRequest, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().iter().map(|error| error.path.join(".")).collect()
    }

    #[test]
    fn a_full_body_parses() {
        let body = json!({
            "end_user": {"id": "u-1", "email": "a@example.com", "display_name": "A"},
            "organization": {"id": "org-1"},
            "tags": {"plan": "pro"},
            "allowed_integrations": ["github"],
            "integrations_config_defaults": {"github": {"user_scopes": "repo", "connection_config": {"x": 1}}},
            "connection_id": "pinned-1",
        });
        let request = parse(&body, false).unwrap();
        assert_eq!(request.allowed_integrations[0].as_str(), "github");
        assert_eq!(request.connection_id.unwrap().as_str(), "pinned-1");
        assert_eq!(request.tags["plan"], "pro");
    }

    #[test]
    fn problems_are_reported_with_their_paths() {
        let eleven: JsonMap = (0..11).map(|n| (format!("k{n}"), json!("v"))).collect();
        assert_eq!(paths(parse(&json!({"end_user": {"id": "u"}, "tags": eleven}), false)), vec!["tags"]);
        assert_eq!(paths(parse(&json!({"end_user": {"id": "u"}, "extra": 1}), false)), vec!["extra"]);
        let inner = json!({"end_user": {"id": "u", "extra": 1}, "organization": {"id": "o", "email": "x@y"}});
        assert_eq!(paths(parse(&inner, false)), vec!["end_user.extra", "organization.email"]);
        assert_eq!(paths(parse(&json!({"end_user": {"id": ""}}), false)), vec!["end_user.id"]);
        assert_eq!(paths(parse(&json!({}), false)), vec!["end_user"]);
        assert_eq!(paths(parse(&json!({"tags": {"1bad": "v"}}), false)), vec!["tags.1bad"]);
        assert_eq!(paths(parse(&json!({"tags": {"Plan": "a", "plan": "b"}}), false)), vec!["tags.plan"]);
        assert_eq!(
            paths(parse(&json!({"end_user": {"id": "u"}, "allowed_integrations": [5]}), false)),
            vec!["allowed_integrations.0"]
        );
        assert_eq!(
            paths(parse(&json!({"end_user": {"id": "u"}}), true)),
            vec!["connection_id", "integration_id"]
        );
        // Top-level tags stand in for the end user.
        assert!(parse(&json!({"tags": {"user": "u-9"}}), false).is_ok());
    }
}
