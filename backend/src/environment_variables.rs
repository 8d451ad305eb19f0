//! Environment variables (what `getEnvironmentVariables()` of `@nangohq/node` reads): the rules
//! of a list an app sets, checked before anything is stored. No axum here: the routes are in
//! `api/environment_variables.rs`; the store seals every value (`store/secrets.rs`).
//!
//! Rules: at most `MAX_VARIABLES`; a name is 1-`MAX_NAME_CHARS` characters of
//! `[A-Za-z_][A-Za-z0-9_]*` (what a shell or a process environment accepts), unique (compared
//! exactly: environment names are case-sensitive); a value is a string of at most
//! `MAX_VALUE_BYTES` bytes (it may be empty and may hold line breaks, e.g. a PEM key).

use crate::secret::Secret;
use crate::sessions::FieldError;
use crate::store::EnvironmentVariable;
use serde_json::Value;

pub const MAX_VARIABLES: usize = 100;
pub const MAX_NAME_CHARS: usize = 256;
pub const MAX_VALUE_BYTES: usize = 4096;

/// A `PUT /environment-variables` body: an array of `{name, value}`. Every problem is reported
/// with its path (`["2", "name"]`), as the other body checks do.
pub fn parse(body: &Value) -> Result<Vec<EnvironmentVariable>, Vec<FieldError>> {
    let Some(items) = body.as_array() else {
        return Err(vec![error("invalid_type", "the body must be an array of {name, value}".into(), &[])]);
    };
    let mut errors = Vec::new();
    if items.len() > MAX_VARIABLES {
        errors.push(error("too_big", format!("at most {MAX_VARIABLES} variables"), &[]));
    }
    let mut variables: Vec<EnvironmentVariable> = Vec::with_capacity(items.len());
    // Good names seen so far, whatever their values: a duplicate is one however it is written.
    let mut seen: Vec<&str> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let index = index.to_string();
        let Some(object) = item.as_object() else {
            errors.push(error("invalid_type", "must be an object {name, value}".into(), &[&index]));
            continue;
        };
        for key in object.keys().filter(|key| !matches!(key.as_str(), "name" | "value")) {
            errors.push(error("unrecognized_keys", format!("unknown key `{key}`"), &[&index, key]));
        }
        let name = match object.get("name") {
            Some(Value::String(name)) => match name_problem(name) {
                None if seen.contains(&name.as_str()) => {
                    errors.push(error("custom", format!("duplicate name `{name}`"), &[&index, "name"]));
                    None
                }
                None => {
                    seen.push(name);
                    Some(name.clone())
                }
                Some((code, message)) => {
                    errors.push(error(code, message.into(), &[&index, "name"]));
                    None
                }
            },
            _ => {
                errors.push(error("invalid_type", "`name` must be a string".into(), &[&index, "name"]));
                None
            }
        };
        let value = match object.get("value") {
            Some(Value::String(value)) if value.len() <= MAX_VALUE_BYTES => Some(value.clone()),
            Some(Value::String(_)) => {
                let message = format!("a value holds at most {MAX_VALUE_BYTES} bytes");
                errors.push(error("too_big", message, &[&index, "value"]));
                None
            }
            _ => {
                errors.push(error("invalid_type", "`value` must be a string".into(), &[&index, "value"]));
                None
            }
        };
        if let (Some(name), Some(value)) = (name, value) {
            variables.push(EnvironmentVariable { name, value: Secret::new(value) });
        }
    }
    if errors.is_empty() {
        Ok(variables)
    } else {
        Err(errors)
    }
}

/// What is wrong with a name, as `(code, message)`; `None` for a good one.
fn name_problem(name: &str) -> Option<(&'static str, &'static str)> {
    if name.is_empty() {
        return Some(("too_small", "a name holds at least one character"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(("too_big", "a name holds at most 256 characters"));
    }
    let starts_well = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(("invalid_string", "a name is [A-Za-z_] then [A-Za-z0-9_]"));
    }
    None
}

fn error(code: &'static str, message: String, path: &[&str]) -> FieldError {
    FieldError { code, message, path: path.iter().map(|part| part.to_string()).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(body: Value) -> Vec<(String, &'static str)> {
        let errors = parse(&body).unwrap_err();
        errors.into_iter().map(|error| (error.path.join("."), error.code)).collect()
    }

    #[test]
    fn a_good_list_parses_in_order() {
        let body = json!([{"name": "API_KEY", "value": "k"}, {"name": "_x1", "value": ""}]);
        let variables = parse(&body).unwrap();
        let names: Vec<&str> = variables.iter().map(|variable| variable.name.as_str()).collect();
        assert_eq!(names, ["API_KEY", "_x1"]);
        assert_eq!(variables[0].value.expose(), "k");
        assert!(parse(&json!([])).unwrap().is_empty());
        let longest = json!([{"name": "N".repeat(256), "value": "v".repeat(MAX_VALUE_BYTES)}]);
        assert!(parse(&longest).is_ok());
    }

    #[test]
    fn problems_are_reported_with_their_paths() {
        assert_eq!(paths(json!({"name": "A"})), [(String::new(), "invalid_type")]);
        assert_eq!(paths(json!([5])), [("0".into(), "invalid_type")]);
        let body = json!([
            {"name": "", "value": "v"},
            {"name": "1BAD", "value": "v"},
            {"name": "has-dash", "value": "v"},
            {"name": "N".repeat(257), "value": "v"},
            {"name": "OK", "value": 1},
            {"name": "OK", "value": "again"},
            {"value": "v", "extra": true},
            {"name": "BIG", "value": "v".repeat(MAX_VALUE_BYTES + 1)},
        ]);
        assert_eq!(
            paths(body),
            [
                ("0.name".into(), "too_small"),
                ("1.name".into(), "invalid_string"),
                ("2.name".into(), "invalid_string"),
                ("3.name".into(), "too_big"),
                ("4.value".into(), "invalid_type"),
                ("5.name".into(), "custom"),
                ("6.extra".into(), "unrecognized_keys"),
                ("6.name".into(), "invalid_type"),
                ("7.value".into(), "too_big"),
            ]
        );
        // Names are compared exactly: environment variable names are case-sensitive.
        assert!(parse(&json!([{"name": "ok", "value": "a"}, {"name": "OK", "value": "b"}])).is_ok());
        let many: Vec<Value> =
            (0..=MAX_VARIABLES).map(|n| json!({"name": format!("V{n}"), "value": ""})).collect();
        assert_eq!(paths(Value::Array(many)), [(String::new(), "too_big")]);
    }
}
