//! Requests to a provider's token endpoint: the authorization-code exchange and the refresh
//! (SPEC §2 step 2, §5). Every quirk (client auth, body format, extra params) is catalog data.
//!
//! Failures keep oauth2-rs's cases apart (STYLE §2): the provider said no (`Rejected`, with
//! its OAuth error code as a value), the network failed (`Network`, the transport error as the
//! source), the answer did not parse (`Malformed`, the body kept, redacted), or the catalog
//! entry cannot make the request at all (`Configuration`).

use crate::catalog::template;
use crate::catalog::{BodyFormat, ClientAuth, Provider};
use crate::credentials::Credentials;
use crate::json::JsonMap;
use crate::outbound::{Outbound, OutboundError};
use crate::secret::Secret;
use crate::store::Integration;
use serde_json::Value;
use std::collections::BTreeMap;

/// Token and refresh answers above this are refused (SPEC §13: 1 MiB).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// `expires_in` above this (ten years) is clamped: no provider means longer, and every stored
/// expiry must stay a formattable date.
const MAX_EXPIRES_IN_SECONDS: i64 = 10 * 365 * 24 * 3600;

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

/// The OAuth 2.0 error codes of RFC 6749 §5.2, as values; anything else is kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    Other(String),
}

impl OAuthErrorCode {
    pub fn parse(text: &str) -> Self {
        match text {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::Other(text) => text,
        }
    }
}

impl std::fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A provider's code is repeated in messages: printable and short only.
        let printable: String = self.as_str().chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        f.write_str(&printable)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The provider answered an OAuth error such as `invalid_grant`.
    #[error("the provider rejected the request ({code})")]
    Rejected { code: OAuthErrorCode, description: Option<String> },
    /// Time-out or connection failure.
    #[error("the token endpoint could not be reached")]
    Network(#[source] reqwest::Error),
    /// The answer did not parse, had no `access_token`, or was too large. The body is kept
    /// for debugging but never printed (it may hold tokens).
    #[error("the token endpoint's answer was not understood (HTTP {status}: {reason})")]
    Malformed { status: u16, reason: &'static str, body: Secret<Vec<u8>> },
    /// The catalog entry cannot make this request (no token URL, a template that cannot be
    /// filled from the connection's configuration).
    #[error("the provider's catalog entry cannot make this request: {0}")]
    Configuration(String),
    /// The outbound policy refused the token endpoint's address (SPEC §13).
    #[error("the token endpoint's address is not allowed by the outbound policy")]
    Refused(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl TokenError {
    fn malformed(status: u16, reason: &'static str, body: &[u8]) -> Self {
        Self::Malformed { status, reason, body: Secret::new(body.to_vec()) }
    }
}

impl TokenSet {
    /// Credentials to store. Providers may drop the refresh token on refresh; keep the old one.
    pub fn into_credentials(self, previous_refresh_token: Option<Secret<String>>) -> Credentials {
        Credentials::OAuth2 {
            access_token: self.access_token,
            refresh_token: self.refresh_token.or(previous_refresh_token),
            expires_at: self.expires_at,
            raw: Secret::new(crate::credentials::raw_json(self.raw.expose())),
        }
    }
}

/// What the callback brings to the code exchange.
#[derive(Debug)]
pub struct CodeExchange<'a> {
    pub code: &'a str,
    /// The same `redirect_uri` the authorization request carried.
    pub redirect_uri: &'a str,
    pub code_verifier: Option<&'a Secret<String>>,
}

/// Exchange an authorization code (`grant_type=authorization_code`).
pub async fn exchange_code(
    http: &Outbound,
    provider: &Provider,
    integration: &Integration,
    connection_config: &JsonMap,
    exchange: &CodeExchange<'_>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let url = provider.token_url.as_deref().ok_or_else(|| no_url("token_url"))?;
    let mut params = filled_params(&provider.token_params, connection_config)?;
    params.insert("grant_type".into(), "authorization_code".into());
    params.insert("code".into(), exchange.code.into());
    params.insert("redirect_uri".into(), exchange.redirect_uri.into());
    if let Some(verifier) = exchange.code_verifier {
        params.insert("code_verifier".into(), verifier.expose().clone());
    }
    send(http, provider, integration, connection_config, url, params, now).await
}

/// Refresh an access token (`grant_type=refresh_token`) at `refresh_url` (else `token_url`).
/// The provider's `refresh_params` are sent when declared, else its `token_params`.
pub async fn refresh(
    http: &Outbound,
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
        .ok_or_else(|| TokenError::malformed(status, "neither JSON nor a form body", body))?;
    let text = |key: &str| match raw.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    // Some providers answer 200 with an OAuth error body; an error field always wins.
    if let Some(error) = text("error") {
        return Err(TokenError::Rejected {
            code: OAuthErrorCode::parse(&error),
            description: text("error_description"),
        });
    }
    if !(200..300).contains(&status) {
        return Err(TokenError::malformed(status, "an error status without an OAuth error", body));
    }
    let access_token =
        text("access_token").ok_or_else(|| TokenError::malformed(status, "no access_token", body))?;
    // Float seconds are truncated; absurd values are clamped (a stored expiry must be a date).
    let expires_in = match raw.get("expires_in") {
        Some(Value::Number(number)) => number.as_f64().filter(|n| n.is_finite()).map(|n| n as i64),
        Some(Value::String(text)) => text.trim().parse::<i64>().ok(),
        _ => None,
    }
    .map(|seconds| seconds.min(MAX_EXPIRES_IN_SECONDS));
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
    TokenError::Configuration(format!("the provider has no {field}"))
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
                .map_err(|error| TokenError::Configuration(format!("token parameter `{key}`: {error}")))
        })
        .collect()
}

async fn send(
    http: &Outbound,
    provider: &Provider,
    integration: &Integration,
    connection_config: &JsonMap,
    url_template: &str,
    mut params: BTreeMap<String, String>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let url = template::fill_url(url_template, connection_config)
        .map_err(|error| TokenError::Configuration(format!("token URL: {error}")))?;
    let client_id = integration.client_id.clone().unwrap_or_default();
    let client_secret = integration.client_secret.as_ref().map(|s| s.expose().clone()).unwrap_or_default();
    let mut request = http
        .post(&url)
        .map_err(|error| match error {
            OutboundError::Refused(refused) => TokenError::Refused(Box::new(refused)),
            OutboundError::BadUrl => TokenError::Configuration("the token URL is not a URL".into()),
        })?
        .header(reqwest::header::ACCEPT, "application/json");
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
    // The URL may carry connection configuration: errors are kept without it.
    let mut response = request.send().await.map_err(network_error)?;
    let status = response.status().as_u16();
    // Read at most MAX_ANSWER_BYTES: a hostile endpoint cannot make us buffer more.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(TokenError::malformed(status, "the answer is larger than 1 MiB", &[]));
        }
        body.extend_from_slice(&chunk);
    }
    parse_answer(status, &body, now)
}

/// A transport failure, or the policy refusing an address the resolver or a redirect found.
fn network_error(error: reqwest::Error) -> TokenError {
    if crate::outbound::is_refusal(&error) {
        TokenError::Refused(Box::new(error.without_url()))
    } else {
        TokenError::Network(error.without_url())
    }
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
            Err(TokenError::Rejected { code, description }) => {
                assert_eq!(code, OAuthErrorCode::InvalidGrant);
                assert_eq!(description.as_deref(), Some("used"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(parse_answer(400, b"error=invalid_grant", 0), Err(TokenError::Rejected { .. })));
    }

    #[test]
    fn malformed_answers() {
        assert!(matches!(parse_answer(500, b"<html>oops</html>", 0), Err(TokenError::Malformed { .. })));
        assert!(matches!(parse_answer(200, br#"{"token":"x"}"#, 0), Err(TokenError::Malformed { .. })));
        assert!(matches!(parse_answer(502, br#"{}"#, 0), Err(TokenError::Malformed { status: 502, .. })));
        // The body is kept but never printed.
        let error = parse_answer(200, br#"{"token":"secret-looking"}"#, 0).unwrap_err();
        assert!(!format!("{error} {error:?}").contains("secret-looking"));
    }

    #[test]
    fn oauth_codes_are_values_and_unknown_ones_are_kept() {
        assert_eq!(OAuthErrorCode::parse("invalid_client"), OAuthErrorCode::InvalidClient);
        assert_eq!(OAuthErrorCode::parse("slow_down").as_str(), "slow_down");
        assert_eq!(OAuthErrorCode::parse("bad\ncode <x>").to_string(), "badcode<x>");
    }

    #[test]
    fn huge_expires_in_is_clamped_to_a_date() {
        let set = parse_answer(200, br#"{"access_token":"a","expires_in":1e308}"#, 1000).unwrap();
        let expires_at = set.expires_at.unwrap();
        assert_eq!(expires_at, 1000 + MAX_EXPIRES_IN_SECONDS);
        assert!(crate::time::rfc3339(expires_at).is_ok());
        assert!(parse_answer(200, br#"{"access_token":"a","expires_in":-5}"#, 0)
            .unwrap()
            .expires_at
            .is_none());
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
