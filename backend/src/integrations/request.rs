//! The body of `POST /integrations` and `PATCH /integrations/{key}`, checked with Nango's rules
//! (SPEC §9): unknown keys are refused, and every problem is reported with its path.
//!
//! Fields (all optional for PATCH): `unique_key`, `provider` (create only), `display_name`
//! (1-255 characters; `null` on PATCH shows the provider's again), `credentials`
//! (`{type, client_id, client_secret, scopes?}`, complete when given), `scopes` (ours, also
//! accepted at the top level) and `allowed_hosts` (ours: `catalog::hosts`).

use crate::catalog::hosts;
use crate::ids::IntegrationKey;
use crate::secret::Secret;
use crate::sessions::FieldError;
use serde_json::{Map, Value};

/// A checked body. The provider and the credentials' type are checked against the catalog by
/// the caller (`integrations::create` / `update`).
#[derive(Debug, Default)]
pub struct IntegrationRequest {
    pub unique_key: Option<IntegrationKey>,
    pub provider: Option<String>,
    /// `Some(None)`: back to the provider's display name.
    pub display_name: Option<Option<String>>,
    pub credentials: Option<ClientCredentials>,
    pub scopes: Option<Vec<String>>,
    pub allowed_hosts: Option<Vec<String>>,
}

/// `credentials` of an OAuth app.
#[derive(Debug)]
pub struct ClientCredentials {
    /// The auth mode named by `type`, as sent (checked against the provider later).
    pub kind: String,
    pub client_id: String,
    pub client_secret: Secret<String>,
    pub scopes: Option<Vec<String>>,
}

/// At most this many `allowed_hosts` per integration.
pub const MAX_ALLOWED_HOSTS: usize = 100;

/// Whether the body creates an integration (`unique_key` and `provider` required) or updates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Update,
}

pub fn parse(body: &Value, purpose: Purpose) -> Result<IntegrationRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(object) = body.as_object() else {
        return Err(vec![error("invalid_type", "the body must be a JSON object", &[])]);
    };
    let allowed: &[&str] = match purpose {
        Purpose::Create => {
            &["unique_key", "provider", "display_name", "credentials", "scopes", "allowed_hosts"]
        }
        Purpose::Update => &["unique_key", "display_name", "credentials", "scopes", "allowed_hosts"],
    };
    unknown_keys(object, allowed, &[], &mut errors);
    let mut request = IntegrationRequest::default();
    let required = purpose == Purpose::Create;
    match object.get("unique_key") {
        None if !required => {}
        Some(Value::String(raw)) => match IntegrationKey::parse(raw.as_str()) {
            Ok(key) => request.unique_key = Some(key),
            Err(rule) => errors.push(error("invalid_string", rule, &["unique_key"])),
        },
        _ => errors.push(error("invalid_type", "`unique_key` must be a string", &["unique_key"])),
    }
    match object.get("provider") {
        None if !required => {}
        Some(Value::String(name)) if !name.is_empty() => request.provider = Some(name.clone()),
        _ => errors.push(error("invalid_type", "`provider` must be a provider's name", &["provider"])),
    }
    match object.get("display_name") {
        None => {}
        Some(Value::Null) if purpose == Purpose::Update => request.display_name = Some(None),
        Some(Value::String(name)) if (1..=255).contains(&name.trim().chars().count()) => {
            request.display_name = Some(Some(name.trim().to_owned()));
        }
        Some(_) => errors.push(error(
            "invalid_string",
            "`display_name` must be a string of 1-255 characters",
            &["display_name"],
        )),
    }
    if let Some(value) = object.get("credentials") {
        request.credentials = credentials(value, &mut errors);
    }
    if let Some(value) = object.get("scopes") {
        request.scopes = scopes(value, &["scopes"], &mut errors);
    }
    if let Some(value) = object.get("allowed_hosts") {
        request.allowed_hosts = Some(allowed_hosts(value, &mut errors));
    }
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(errors)
    }
}

fn credentials(value: &Value, errors: &mut Vec<FieldError>) -> Option<ClientCredentials> {
    let Some(object) = value.as_object() else {
        errors.push(error("invalid_type", "`credentials` must be an object", &["credentials"]));
        return None;
    };
    unknown_keys(object, &["type", "client_id", "client_secret", "scopes"], &["credentials"], errors);
    let before = errors.len();
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.to_ascii_uppercase(),
        _ => {
            errors.push(error(
                "invalid_type",
                "`credentials.type` is required (e.g. OAUTH2)",
                &["credentials", "type"],
            ));
            String::new()
        }
    };
    let client_id = match object.get("client_id").and_then(Value::as_str).map(str::trim) {
        Some(id) if (1..=255).contains(&id.chars().count()) => id.to_owned(),
        _ => {
            let message = "`credentials.client_id` must be a string of 1-255 characters";
            errors.push(error("invalid_string", message, &["credentials", "client_id"]));
            String::new()
        }
    };
    let client_secret = match object.get("client_secret").and_then(Value::as_str) {
        Some(secret) if !secret.trim().is_empty() => Secret::new(secret.to_owned()),
        _ => {
            let message = "`credentials.client_secret` must be a non-empty string";
            errors.push(error("invalid_string", message, &["credentials", "client_secret"]));
            Secret::new(String::new())
        }
    };
    let scopes = object.get("scopes").and_then(|value| scopes(value, &["credentials", "scopes"], errors));
    (errors.len() == before).then_some(ClientCredentials { kind, client_id, client_secret, scopes })
}

/// Scopes as an array or one comma-separated string (Nango's form); blanks dropped.
fn scopes(value: &Value, path: &[&str], errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let items: Vec<&str> = match value {
        Value::String(text) => text.split(',').collect(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => {
            errors.push(error("invalid_type", "scopes must be a string or an array of strings", path));
            return None;
        }
    };
    Some(items.into_iter().map(str::trim).filter(|scope| !scope.is_empty()).map(str::to_owned).collect())
}

fn allowed_hosts(value: &Value, errors: &mut Vec<FieldError>) -> Vec<String> {
    let Some(items) = value.as_array() else {
        errors.push(error(
            "invalid_type",
            "`allowed_hosts` must be an array of host patterns",
            &["allowed_hosts"],
        ));
        return Vec::new();
    };
    if items.len() > MAX_ALLOWED_HOSTS {
        let message = format!("at most {MAX_ALLOWED_HOSTS} allowed hosts");
        errors.push(error("too_big", &message, &["allowed_hosts"]));
    }
    let mut patterns = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let index = index.to_string();
        let path = ["allowed_hosts", index.as_str()];
        match item.as_str().map(hosts::parse_pattern) {
            None => errors.push(error("invalid_type", "an allowed host must be a string", &path)),
            Some(Err(rule)) => errors.push(error("invalid_string", rule, &path)),
            Some(Ok(pattern)) if !patterns.contains(&pattern) => patterns.push(pattern),
            Some(Ok(_)) => {}
        }
    }
    patterns
}

fn unknown_keys(object: &Map<String, Value>, allowed: &[&str], at: &[&str], errors: &mut Vec<FieldError>) {
    for key in object.keys().filter(|key| !allowed.contains(&key.as_str())) {
        let mut path: Vec<&str> = at.to_vec();
        path.push(key);
        let known = allowed.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
        errors.push(error("unrecognized_keys", &format!("unknown key `{key}` (known: {known})"), &path));
    }
}

fn error(code: &'static str, message: &str, path: &[&str]) -> FieldError {
    FieldError {
        code,
        message: message.to_owned(),
        path: path.iter().map(|part| (*part).to_owned()).collect(),
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
