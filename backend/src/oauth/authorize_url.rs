//! The provider's authorization URL (SPEC §2 step 3): placeholders filled, the standard
//! parameters, the provider's defaults, then the call's `authorization_params` on top; last,
//! the catalog's rewrites (`catalog::rewrites`: Nango's fragment and replacements).
//!
//! The call may override a default (`prompt`, `scope`, ...) but never the keys in `RESERVED`:
//! `/oauth/connect` rejects such a call with `invalid_authorization_params` (see
//! `reserved_key`), so a page cannot swap the state, redirect or PKCE challenge.

use crate::catalog::Provider;
use crate::catalog::{rewrites, template};
use crate::store::JsonMap;
use serde_json::Value;
use url::Url;

/// Keys the call's `authorization_params` may not set.
pub const RESERVED: [&str; 6] =
    ["state", "redirect_uri", "client_id", "response_type", "code_challenge", "code_challenge_method"];

/// Keys the provider's catalog defaults may not set either (they identify this flow).
const FLOW_KEYS: [&str; 5] =
    ["state", "redirect_uri", "client_id", "code_challenge", "code_challenge_method"];

#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    pub provider: &'a Provider,
    pub client_id: &'a str,
    /// The integration's scopes; the provider's `default_scopes` when empty.
    pub scopes: &'a [String],
    pub connection_config: &'a JsonMap,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    /// `None` when the provider disables PKCE.
    pub code_challenge: Option<&'a str>,
    /// The call's `authorization_params` (already checked with `reserved_key`).
    pub authorization_params: &'a JsonMap,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeUrlError {
    #[error(
        "the provider has no authorization_url: its connections start on the provider's side \
         (an app installation), which this server does not support"
    )]
    NoUrl,
    /// A placeholder could not be filled (names the key, never a value of a secret).
    #[error("{0}")]
    Template(String),
    #[error("the filled authorization URL is not a valid URL")]
    InvalidUrl,
}

/// The first reserved key the call tried to set, if any.
pub fn reserved_key(authorization_params: &JsonMap) -> Option<&str> {
    authorization_params.keys().map(String::as_str).find(|key| RESERVED.contains(key))
}

pub fn build(request: &AuthorizeRequest<'_>) -> Result<Url, AuthorizeUrlError> {
    let provider = request.provider;
    let template_url = provider.authorization_url.as_deref().ok_or(AuthorizeUrlError::NoUrl)?;
    let filled = template::fill_url(template_url, request.connection_config)
        .map_err(|error| AuthorizeUrlError::Template(format!("authorization URL: {error}")))?;
    let mut url = Url::parse(&filled).map_err(|_| AuthorizeUrlError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AuthorizeUrlError::InvalidUrl);
    }

    // Pairs already in the catalog URL come first; later sets replace a key in place.
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    set(&mut pairs, "response_type", "code".to_string());
    set(&mut pairs, "client_id", request.client_id.to_string());
    set(&mut pairs, "redirect_uri", request.redirect_uri.to_string());
    let scopes = if request.scopes.is_empty() { &provider.default_scopes } else { request.scopes };
    if !scopes.is_empty() {
        set(&mut pairs, "scope", scopes.join(&provider.scope_separator));
    }
    set(&mut pairs, "state", request.state.to_string());
    if let Some(challenge) = request.code_challenge {
        set(&mut pairs, "code_challenge", challenge.to_string());
        set(&mut pairs, "code_challenge_method", "S256".to_string());
    }
    for (key, value) in &provider.authorization_params {
        if FLOW_KEYS.contains(&key.as_str()) {
            continue;
        }
        let value = template::fill_value(value, request.connection_config).map_err(|error| {
            AuthorizeUrlError::Template(format!("authorization parameter `{key}`: {error}"))
        })?;
        set(&mut pairs, key, value);
    }
    for (key, value) in request.authorization_params {
        if RESERVED.contains(&key.as_str()) {
            continue;
        }
        let value = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        set(&mut pairs, key, value);
    }

    url.set_query(None);
    url.query_pairs_mut().extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if provider.authorization_url_fragment.is_none() && provider.authorization_url_replacements.is_empty() {
        // Nothing to rewrite: the URL as built, not printed and parsed again.
        return Ok(url);
    }
    let rewritten = rewrites::rewrite_authorization_url(provider, &url);
    Url::parse(&rewritten).map_err(|_| AuthorizeUrlError::InvalidUrl)
}

fn set(pairs: &mut Vec<(String, String)>, key: &str, value: String) {
    match pairs.iter_mut().find(|(existing, _)| existing == key) {
        Some(pair) => pair.1 = value,
        None => pairs.push((key.to_string(), value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{AuthMode, BodyFormat, ClientAuth};
    use serde_json::json;
    use std::collections::BTreeMap;

    pub(crate) fn provider() -> Provider {
        Provider {
            name: "example".into(),
            display_name: None,
            auth_mode: AuthMode::OAuth2,
            categories: vec![],
            logo_url: None,
            authorization_url: Some(
                "https://${connectionConfig.subdomain}.example.com/oauth/authorize".into(),
            ),
            authorization_url_fragment: None,
            authorization_url_replacements: vec![],
            token_url: Some("https://${connectionConfig.subdomain}.example.com/oauth/token".into()),
            refresh_url: None,
            authorization_params: BTreeMap::from([
                ("prompt".to_string(), "login".to_string()),
                ("audience".to_string(), "api-${connectionConfig.subdomain}".to_string()),
                ("state".to_string(), "catalog-cannot-set-this".to_string()),
            ]),
            token_params: BTreeMap::new(),
            refresh_params: BTreeMap::new(),
            scope_separator: ",".into(),
            default_scopes: vec!["read".into()],
            disable_pkce: false,
            authorization_method: ClientAuth::Body,
            body_format: BodyFormat::Form,
            token_response_metadata: vec![],
            redirect_uri_metadata: vec![],
            connection_config: BTreeMap::new(),
            token_expiration_buffer: None,
            proxy: None,
            docs: None,
        }
    }

    fn query(url: &Url) -> Vec<(String, String)> {
        url.query_pairs().into_owned().collect()
    }

    fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
        pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    #[test]
    fn builds_the_full_url() {
        let provider = provider();
        let config = json!({"subdomain": "acme"}).as_object().unwrap().clone();
        let call = json!({"prompt": "consent", "login_hint": "a b&c=d"}).as_object().unwrap().clone();
        let scopes = vec!["tickets:read".to_string(), "users".to_string()];
        let url = build(&AuthorizeRequest {
            provider: &provider,
            client_id: "cid",
            scopes: &scopes,
            connection_config: &config,
            redirect_uri: "http://localhost:3003/oauth/callback",
            state: "STATE",
            code_challenge: Some("CHALLENGE"),
            authorization_params: &call,
        })
        .unwrap();
        assert_eq!(url.host_str(), Some("acme.example.com"));
        let pairs = query(&url);
        assert_eq!(get(&pairs, "response_type"), ["code"]);
        assert_eq!(get(&pairs, "client_id"), ["cid"]);
        assert_eq!(get(&pairs, "redirect_uri"), ["http://localhost:3003/oauth/callback"]);
        assert_eq!(get(&pairs, "scope"), ["tickets:read,users"]);
        assert_eq!(get(&pairs, "state"), ["STATE"]);
        assert_eq!(get(&pairs, "code_challenge"), ["CHALLENGE"]);
        assert_eq!(get(&pairs, "code_challenge_method"), ["S256"]);
        assert_eq!(get(&pairs, "prompt"), ["consent"]);
        assert_eq!(get(&pairs, "audience"), ["api-acme"]);
        assert_eq!(get(&pairs, "login_hint"), ["a b&c=d"]);
        // Every value is percent-encoded.
        assert!(url.as_str().contains("login_hint=a+b%26c%3Dd"));
        assert!(url.as_str().contains("redirect_uri=http%3A%2F%2Flocalhost%3A3003%2Foauth%2Fcallback"));
    }

    #[test]
    fn reserved_keys_are_refused_and_never_applied() {
        let call = json!({"state": "evil", "prompt": "x"}).as_object().unwrap().clone();
        assert_eq!(reserved_key(&call), Some("state"));
        assert_eq!(reserved_key(json!({"prompt": "x"}).as_object().unwrap()), None);
        let mut provider = provider();
        provider.disable_pkce = true;
        provider.authorization_url = Some("https://example.com/authorize?foo=bar".into());
        let config = JsonMap::new();
        let url = build(&AuthorizeRequest {
            provider: &provider,
            client_id: "cid",
            scopes: &[],
            connection_config: &config,
            redirect_uri: "https://app.example/cb",
            state: "STATE",
            code_challenge: None,
            authorization_params: &call,
        });
        // The catalog default uses a placeholder that is not in the config.
        assert!(matches!(url, Err(AuthorizeUrlError::Template(_))));
        provider.authorization_params.remove("audience");
        let url = build(&AuthorizeRequest {
            provider: &provider,
            client_id: "cid",
            scopes: &[],
            connection_config: &config,
            redirect_uri: "https://app.example/cb",
            state: "STATE",
            code_challenge: None,
            authorization_params: &call,
        })
        .unwrap();
        let pairs = query(&url);
        assert_eq!(get(&pairs, "state"), ["STATE"]);
        assert_eq!(get(&pairs, "foo"), ["bar"]);
        assert_eq!(get(&pairs, "scope"), ["read"]);
        assert!(get(&pairs, "code_challenge").is_empty());
    }
}
