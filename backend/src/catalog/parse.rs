//! Turning one YAML entry of a `providers.yaml` into a [`Provider`] (SPEC §4).
//!
//! Lenient where Nango's file is loose (scalars where strings are expected, `token_url` keyed
//! by auth mode, unknown fields), strict where a wrong guess would change behaviour (an auth
//! mode, client authentication or body format we do not implement skips the entry).

use super::provider::{AuthMode, BodyFormat, ClientAuth, ConfigParam, Provider, ProxyConfig};
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Why an entry was skipped; logged with the entry's name by the loader.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("auth mode `{0}` is not supported (only OAUTH2, API_KEY and BASIC)")]
    UnsupportedAuthMode(String),
    #[error("{0}")]
    Invalid(String),
}

/// Parse one entry. `name` is its catalog key.
pub fn parse_entry(name: &str, value: Value) -> Result<Provider, EntryError> {
    let raw: RawEntry = serde_yaml::from_value(value).map_err(|e| EntryError::Invalid(e.to_string()))?;
    let auth_mode = match raw.auth_mode.as_deref() {
        Some(text) => {
            AuthMode::parse(text).ok_or_else(|| EntryError::UnsupportedAuthMode(text.to_owned()))?
        }
        None => return Err(invalid("no auth_mode")),
    };
    let proxy = match raw.proxy {
        Some(proxy) => Some(ProxyConfig {
            base_url: proxy.base_url.map(text).unwrap_or_default(),
            headers: text_map(proxy.headers, "proxy.headers")?,
        }),
        None => None,
    };
    let mut provider = Provider {
        name: name.to_owned(),
        display_name: raw.display_name,
        auth_mode,
        categories: strings(raw.categories),
        logo_url: raw.logo_url,
        authorization_url: None,
        authorization_url_fragment: None,
        authorization_url_replacements: Vec::new(),
        token_url: None,
        refresh_url: None,
        authorization_params: BTreeMap::new(),
        token_params: BTreeMap::new(),
        refresh_params: BTreeMap::new(),
        scope_separator: " ".to_owned(),
        default_scopes: Vec::new(),
        disable_pkce: false,
        authorization_method: ClientAuth::Body,
        body_format: BodyFormat::Form,
        token_response_metadata: Vec::new(),
        redirect_uri_metadata: Vec::new(),
        connection_config: connection_config(raw.connection_config)?,
        token_expiration_buffer: None,
        proxy,
        docs: raw.docs,
    };
    if provider.auth_mode != AuthMode::OAuth2 {
        return Ok(provider);
    }
    // Without an authorization URL the entry still loads (its connections start on the
    // provider's side, Nango's `installation: outbound`); a flow on it says why it cannot start.
    provider.authorization_url = raw.authorization_url;
    provider.authorization_url_fragment = raw.authorization_url_fragment;
    provider.authorization_url_replacements = replacements(raw.authorization_url_replacements)?;
    let token_url = match raw.token_url {
        Some(Value::String(url)) => url,
        // Nango keys `token_url` by auth mode for entries that support several.
        Some(Value::Mapping(by_mode)) => by_mode
            .get("OAUTH2")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid("token_url is a map without an OAUTH2 entry"))?,
        _ => return Err(invalid("no token_url")),
    };
    provider.refresh_url = Some(raw.refresh_url.unwrap_or_else(|| token_url.clone()));
    provider.token_url = Some(token_url);
    provider.authorization_params = text_map(raw.authorization_params, "authorization_params")?;
    provider.token_params = text_map(raw.token_params, "token_params")?;
    provider.refresh_params = text_map(raw.refresh_params, "refresh_params")?;
    if let Some(separator) = raw.scope_separator {
        provider.scope_separator = text(separator);
    }
    provider.default_scopes = strings(raw.default_scopes);
    provider.disable_pkce = match raw.disable_pkce {
        None | Some(Value::Null) => false,
        Some(flag) => text(flag) == "true",
    };
    // Nango spells HTTP Basic client authentication two ways.
    let client_auth = raw.authorization_method.or(raw.token_request_auth_method);
    provider.authorization_method = match client_auth.as_deref() {
        None | Some("body") => ClientAuth::Body,
        Some("header" | "basic") => ClientAuth::Header,
        Some(other) => return Err(invalid(&format!("client authentication `{other}` is not supported"))),
    };
    provider.body_format = match raw.body_format.as_deref() {
        None | Some("form") => BodyFormat::Form,
        Some("json") => BodyFormat::Json,
        Some(other) => return Err(invalid(&format!("body_format `{other}` is not supported"))),
    };
    provider.token_response_metadata = raw.token_response_metadata.unwrap_or_default();
    provider.redirect_uri_metadata = raw.redirect_uri_metadata.unwrap_or_default();
    provider.token_expiration_buffer = match raw.token_expiration_buffer {
        None | Some(Value::Null) => None,
        Some(seconds) => {
            Some(text(seconds).parse().map_err(|_| invalid("token_expiration_buffer is not a number"))?)
        }
    };
    Ok(provider)
}

/// Make URLs that start with `/` absolute against `server_url` (each `||` alternative).
pub fn resolve_relative_urls(provider: &mut Provider, server_url: &str) {
    let base = server_url.trim_end_matches('/');
    let resolve = |url: &mut String| {
        if url.contains("||") {
            let parts: Vec<String> = url.split("||").map(|part| absolute(part.trim(), base)).collect();
            *url = parts.join(" || ");
        } else {
            *url = absolute(url, base);
        }
    };
    let proxy_base = provider.proxy.as_mut().map(|proxy| &mut proxy.base_url);
    let urls = [
        provider.authorization_url.as_mut(),
        provider.token_url.as_mut(),
        provider.refresh_url.as_mut(),
        proxy_base,
        provider.docs.as_mut(),
        provider.logo_url.as_mut(),
    ];
    urls.into_iter().flatten().for_each(resolve);
}

fn absolute(url: &str, base: &str) -> String {
    if url.starts_with('/') && !url.starts_with("//") {
        format!("{base}{url}")
    } else {
        url.to_owned()
    }
}

#[derive(Deserialize)]
struct RawEntry {
    auth_mode: Option<String>,
    display_name: Option<String>,
    categories: Option<Value>,
    logo_url: Option<String>,
    authorization_url: Option<String>,
    authorization_url_fragment: Option<String>,
    authorization_url_replacements: Option<Value>,
    token_url: Option<Value>,
    refresh_url: Option<String>,
    authorization_params: Option<Value>,
    token_params: Option<Value>,
    refresh_params: Option<Value>,
    scope_separator: Option<Value>,
    default_scopes: Option<Value>,
    disable_pkce: Option<Value>,
    authorization_method: Option<String>,
    token_request_auth_method: Option<String>,
    body_format: Option<String>,
    token_response_metadata: Option<Vec<String>>,
    redirect_uri_metadata: Option<Vec<String>>,
    connection_config: Option<Value>,
    token_expiration_buffer: Option<Value>,
    proxy: Option<RawProxy>,
    docs: Option<String>,
}

#[derive(Deserialize)]
struct RawProxy {
    base_url: Option<Value>,
    headers: Option<Value>,
}

#[derive(Deserialize, Default)]
struct RawParam {
    title: Option<String>,
    description: Option<String>,
    optional: Option<Value>,
    /// Nango marks params the server fills from the provider's answers as `automated`.
    automated: Option<Value>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed_values: Option<Value>,
    example: Option<Value>,
    format: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
    default_value: Option<Value>,
    hidden: Option<Value>,
    order: Option<Value>,
    doc_section: Option<String>,
}

fn invalid(message: &str) -> EntryError {
    EntryError::Invalid(message.to_owned())
}

/// A scalar as text; sequences and maps (never expected here) become empty.
fn text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    }
}

fn is_true(value: Option<Value>) -> bool {
    value.is_some_and(|value| text(value) == "true")
}

/// A map of params: scalar values become strings; nested values make the entry invalid.
fn text_map(value: Option<Value>, field: &str) -> Result<BTreeMap<String, String>, EntryError> {
    let mapping = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Mapping(mapping)) => mapping,
        Some(_) => return Err(invalid(&format!("{field} is not a map"))),
    };
    let mut out = BTreeMap::new();
    for (key, value) in mapping {
        let scalar = matches!(value, Value::String(_) | Value::Bool(_) | Value::Number(_));
        let key = text(key);
        if !scalar || key.is_empty() {
            return Err(invalid(&format!("{field}.{key} is not a scalar value")));
        }
        out.insert(key, text(value));
    }
    Ok(out)
}

fn connection_config(value: Option<Value>) -> Result<BTreeMap<String, ConfigParam>, EntryError> {
    let mapping = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Mapping(mapping)) => mapping,
        Some(_) => return Err(invalid("connection_config is not a map")),
    };
    let mut out = BTreeMap::new();
    for (key, value) in mapping {
        let key = text(key);
        let raw: RawParam = match value {
            Value::Null => RawParam::default(),
            value => serde_yaml::from_value(value)
                .map_err(|e| EntryError::Invalid(format!("connection_config.{key}: {e}")))?,
        };
        let automated = is_true(raw.automated);
        let param = ConfigParam {
            title: raw.title,
            description: raw.description,
            // An automated param is filled by the server, never asked of the user.
            optional: is_true(raw.optional) || automated,
            pattern: raw.pattern,
            allowed_values: allowed_values(raw.allowed_values)
                .ok_or_else(|| invalid(&format!("connection_config.{key}.enum is not a list of values")))?,
            automated,
            example: raw.example.map(text),
            format: raw.format,
            prefix: raw.prefix,
            suffix: raw.suffix,
            default_value: raw.default_value.map(text),
            hidden: is_true(raw.hidden),
            order: raw.order.and_then(|order| text(order).parse().ok()),
            doc_section: raw.doc_section,
        };
        out.insert(key, param);
    }
    Ok(out)
}

/// A list of scalars as text (one scalar makes a list of one); absent or null is empty.
fn strings(value: Option<Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items.into_iter().map(text).collect(),
        Some(item) => vec![text(item)],
    }
}

/// `authorization_url_replacements`: a map of literal text to its replacement, in file order.
fn replacements(value: Option<Value>) -> Result<Vec<(String, String)>, EntryError> {
    let mapping = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Mapping(mapping)) => mapping,
        Some(_) => return Err(invalid("authorization_url_replacements is not a map")),
    };
    let mut out = Vec::with_capacity(mapping.len());
    for (from, to) in mapping {
        let scalar = |value: &Value| matches!(value, Value::String(_) | Value::Bool(_) | Value::Number(_));
        let from_text = if scalar(&from) { text(from) } else { String::new() };
        if from_text.is_empty() || !(scalar(&to) || to.is_null()) {
            return Err(invalid("authorization_url_replacements needs non-empty text keys and text values"));
        }
        out.push((from_text, text(to)));
    }
    Ok(out)
}

/// Nango's `enum`: a list of scalars, kept as text. `None` when it is something else.
fn allowed_values(value: Option<Value>) -> Option<Vec<String>> {
    match value {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Sequence(values)) => values
            .into_iter()
            .map(|value| match value {
                Value::String(_) | Value::Bool(_) | Value::Number(_) => Some(text(value)),
                _ => None,
            })
            .collect(),
        Some(_) => None,
    }
}
