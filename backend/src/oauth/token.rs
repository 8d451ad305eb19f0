//! Requests to a provider's token endpoint: the authorization-code exchange and the refresh
//! (SPEC §2 step 2, §5). Every quirk (client auth, body format, extra params) is catalog data.
//!
//! Failures keep oauth2-rs's three cases apart (STYLE §2): the provider said no (`Rejected`),
//! the network failed (`Network`), or the answer did not parse (`Malformed`).

use crate::catalog::template;
use crate::catalog::{BodyFormat, ClientAuth, Provider};
use crate::credentials::Credentials;
use crate::secret::Secret;
use crate::store::{Integration, JsonMap};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a token endpoint granted.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: Secret<String>,
    pub refresh_token: Option<Secret<String>>,
    /// Unix seconds, from `expires_in`.
    pub expires_at: Option<i64>,
    /// The whole answer, as JSON (form answers become a flat object).
    pub raw: Secret<Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The provider answered an OAuth error such as `invalid_grant`.
    #[error("the provider rejected the request: {error}")]
    Rejected { error: String, description: Option<String> },
    /// Time-out, connection failure, or an unusable endpoint URL.
    #[error("the token endpoint could not be reached: {0}")]
    Network(String),
    /// The answer did not parse or had no `access_token`.
    #[error("the token endpoint's answer was not understood: {0}")]
    Malformed(String),
}

impl TokenSet {
    /// Credentials to store. Providers may drop the refresh token on refresh; keep the old one.
    pub fn into_credentials(self, previous_refresh_token: Option<Secret<String>>) -> Credentials {
        Credentials::OAuth2 {
            access_token: self.access_token,
            refresh_token: self.refresh_token.or(previous_refresh_token),
            expires_at: self.expires_at,
            raw: self.raw,
        }
    }
}

/// Exchange an authorization code (`grant_type=authorization_code`).
#[allow(clippy::too_many_arguments)]
pub async fn exchange_code(
    http: &reqwest::Client,
    provider: &Provider,
    integration: &Integration,
    connection_config: &JsonMap,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&Secret<String>>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let url = provider.token_url.as_deref().ok_or_else(|| no_url("token_url"))?;
    let mut params = filled_params(&provider.token_params, connection_config)?;
    params.insert("grant_type".into(), "authorization_code".into());
    params.insert("code".into(), code.into());
    params.insert("redirect_uri".into(), redirect_uri.into());
    if let Some(verifier) = code_verifier {
        params.insert("code_verifier".into(), verifier.expose().clone());
    }
    send(http, provider, integration, connection_config, url, params, now).await
}

/// Refresh an access token (`grant_type=refresh_token`) at `refresh_url` (else `token_url`).
/// The provider's `refresh_params` are sent when declared, else its `token_params`.
pub async fn refresh(
    http: &reqwest::Client,
    provider: &Provider,
    integration: &Integration,
    connection_config: &JsonMap,
    refresh_token: &Secret<String>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let url = provider
        .refresh_url
        .as_deref()
        .or(provider.token_url.as_deref())
        .ok_or_else(|| no_url("refresh_url"))?;
    let extra =
        if provider.refresh_params.is_empty() { &provider.token_params } else { &provider.refresh_params };
    let mut params = filled_params(extra, connection_config)?;
    params.insert("grant_type".into(), "refresh_token".into());
    params.insert("refresh_token".into(), refresh_token.expose().clone());
    send(http, provider, integration, connection_config, url, params, now).await
}

/// Parse a token endpoint answer (JSON, or `application/x-www-form-urlencoded` as some
/// providers send). Public for unit tests and for callers that got the body elsewhere.
pub fn parse_answer(status: u16, body: &[u8], now: i64) -> Result<TokenSet, TokenError> {
    let raw = parse_body(body)
        .ok_or_else(|| TokenError::Malformed(format!("HTTP {status}: neither JSON nor a form body")))?;
    let text = |key: &str| match raw.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    // Some providers answer 200 with an OAuth error body; an error field always wins.
    if let Some(error) = text("error") {
        return Err(TokenError::Rejected { error, description: text("error_description") });
    }
    if !(200..300).contains(&status) {
        return Err(TokenError::Malformed(format!("HTTP {status} without an OAuth error")));
    }
    let access_token =
        text("access_token").ok_or_else(|| TokenError::Malformed("no access_token in the answer".into()))?;
    let expires_in = match raw.get("expires_in") {
        Some(Value::Number(number)) => number.as_f64().map(|n| n as i64),
        Some(Value::String(text)) => text.trim().parse::<i64>().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        refresh_token: text("refresh_token").map(Secret::new),
        expires_at: expires_in.filter(|seconds| *seconds > 0).map(|seconds| now.saturating_add(seconds)),
        raw: Secret::new(raw),
    })
}

/// Read `path` (dots separate levels: `team.id`) from a JSON value.
pub fn lookup_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    value.get(path).or_else(|| path.split('.').try_fold(value, |node, key| node.get(key)))
}

fn no_url(field: &str) -> TokenError {
    TokenError::Network(format!("the provider has no {field}"))
}

fn filled_params(
    declared: &BTreeMap<String, String>,
    connection_config: &JsonMap,
) -> Result<BTreeMap<String, String>, TokenError> {
    declared
        .iter()
        .map(|(key, value)| {
            template::fill_value(value, connection_config)
                .map(|filled| (key.clone(), filled))
                .map_err(|error| TokenError::Network(format!("token parameter `{key}`: {error}")))
        })
        .collect()
}

async fn send(
    http: &reqwest::Client,
    provider: &Provider,
    integration: &Integration,
    connection_config: &JsonMap,
    url_template: &str,
    mut params: BTreeMap<String, String>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let url = template::fill_url(url_template, connection_config)
        .map_err(|error| TokenError::Network(format!("token URL: {error}")))?;
    let client_id = integration.client_id.clone().unwrap_or_default();
    let client_secret = integration.client_secret.as_ref().map(|s| s.expose().clone()).unwrap_or_default();
    let mut request = http.post(&url).header(reqwest::header::ACCEPT, "application/json");
    request = match provider.authorization_method {
        ClientAuth::Body => {
            params.insert("client_id".into(), client_id);
            params.insert("client_secret".into(), client_secret);
            request
        }
        ClientAuth::Header => request.basic_auth(client_id, Some(client_secret)),
    };
    request = match provider.body_format {
        BodyFormat::Form => request.form(&params),
        BodyFormat::Json => request.json(&params),
    };
    // The error text of reqwest names the URL, never the body: safe to keep.
    let response =
        request.send().await.map_err(|error| TokenError::Network(error.without_url().to_string()))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|error| TokenError::Network(error.to_string()))?;
    parse_answer(status, &body, now)
}

fn parse_body(body: &[u8]) -> Option<Value> {
    if let Ok(value @ Value::Object(_)) = serde_json::from_slice::<Value>(body) {
        return Some(value);
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || !text.contains('=') || text.starts_with('{') || text.starts_with('<') {
        return None;
    }
    let map: JsonMap = url::form_urlencoded::parse(text.as_bytes())
        .map(|(key, value)| (key.into_owned(), Value::String(value.into_owned())))
        .collect();
    Some(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_answer_with_expiry() {
        let body = br#"{"access_token":"at","refresh_token":"rt","expires_in":3600,"team":{"id":"T1"}}"#;
        let set = parse_answer(200, body, 1000).unwrap();
        assert_eq!(set.access_token.expose(), "at");
        assert_eq!(set.refresh_token.as_ref().unwrap().expose(), "rt");
        assert_eq!(set.expires_at, Some(4600));
        assert_eq!(lookup_path(set.raw.expose(), "team.id"), Some(&json!("T1")));
    }

    #[test]
    fn form_answer_and_string_expiry() {
        let set = parse_answer(200, b"access_token=a%20b&expires_in=60&scope=x", 10).unwrap();
        assert_eq!(set.access_token.expose(), "a b");
        assert_eq!(set.expires_at, Some(70));
        assert!(set.refresh_token.is_none());
    }

    #[test]
    fn oauth_error_is_rejected_even_with_200() {
        let error = parse_answer(200, br#"{"error":"invalid_grant","error_description":"used"}"#, 0);
        match error {
            Err(TokenError::Rejected { error, description }) => {
                assert_eq!(error, "invalid_grant");
                assert_eq!(description.as_deref(), Some("used"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(parse_answer(400, b"error=invalid_grant", 0), Err(TokenError::Rejected { .. })));
    }

    #[test]
    fn malformed_answers() {
        assert!(matches!(parse_answer(500, b"<html>oops</html>", 0), Err(TokenError::Malformed(_))));
        assert!(matches!(parse_answer(200, br#"{"token":"x"}"#, 0), Err(TokenError::Malformed(_))));
        assert!(matches!(parse_answer(502, br#"{}"#, 0), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn refresh_token_is_kept_when_absent() {
        let set = parse_answer(200, br#"{"access_token":"new"}"#, 0).unwrap();
        let credentials = set.into_credentials(Some(Secret::new("old".into())));
        assert_eq!(credentials.refresh_token().unwrap().expose(), "old");
    }

    #[test]
    fn dotted_lookup_prefers_literal_keys() {
        let value = json!({"a.b": 1, "a": {"b": 2}});
        assert_eq!(lookup_path(&value, "a.b"), Some(&json!(1)));
        assert_eq!(lookup_path(&json!({"a": {"b": 2}}), "a.b"), Some(&json!(2)));
        assert_eq!(lookup_path(&json!({}), "a.b"), None);
    }
}
