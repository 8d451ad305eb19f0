//! `/proxy/{*path}` (SPEC §5): forward a request to the provider's API (`proxy.base_url`) with
//! the connection's credentials, refreshing and retrying once when the provider answers 401.
//!
//! Request bodies are read whole (they are small: 256 KiB at most, and a retry after a refresh
//! must send them again); answers are streamed back as they arrive.
//!
//! Only a few request headers travel (content type, accept, and `Nango-Proxy-<name>` headers
//! as `<name>`, which is how `@nangohq/node` sends custom headers); our secret key never does.

use crate::catalog::{AuthMode, Provider};
use crate::connections::{self, fresh_credentials};
use crate::credentials::Credentials;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{integration_key_from, parse_connection_id, AuthedEnvironment, QueryParams};
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, Environment};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine;

/// Request bodies forwarded through the proxy are limited like every other body.
const PROXY_BODY_LIMIT: usize = 256 * 1024;
const CUSTOM_HEADER_PREFIX: &str = "nango-proxy-";

pub fn routes() -> Router<AppState> {
    Router::new().route("/proxy/{*path}", any(proxy))
}

#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/proxy/{path}",
    tag = "proxy",
    summary = "Call the provider's API with the connection's credentials",
    description = "Any method is forwarded to the provider's `proxy.base_url` + `path` (which may hold \
        `/`), with the query string, the body, `Content-Type`, `Accept` and each `Nango-Proxy-<name>` \
        header as `<name>`. A 401 from the provider refreshes the token and retries once. The \
        provider's answer (status, headers, body) is streamed back as it is.",
    security(("secretKey" = [])),
    params(
        ("path" = String, Path, description = "The path on the provider's API"),
        ("Connection-Id" = String, Header, description = "The connection id"),
        ("Provider-Config-Key" = String, Header, description = "The integration's unique key"),
    ),
    responses(
        (status = "default", description = "The provider's answer, as it is", content_type = "*/*", body = String),
        crate::schemas::errors::ProxyErrors,
    )
)]
async fn proxy(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let connection_id = headers
        .get("connection-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| ApiError::missing_connection_id("the Connection-Id header is required"))
        .and_then(|raw| parse_connection_id(raw.trim()))?;
    let integration_key = integration_key_from(&headers, &QueryParams::default())?;
    let key = ConnectionKey { environment_id: environment.id, integration_key, connection_id };
    let connection = connections::load(&state, &key).await?;
    let provider = state.catalog.get(&connection.provider).ok_or_else(|| {
        ApiError::new(ErrorCode::ProxyNotSupported, "the connection's provider is no longer in the catalog")
    })?;
    let target = target_url(provider, &connection, &uri)?;
    let body =
        axum::body::to_bytes(body, PROXY_BODY_LIMIT).await.map_err(|_| ApiError::payload_too_large())?;
    let forwarded = forwarded_headers(&headers);

    let now = crate::time::now();
    let credentials = fresh_credentials(&state, &environment, &connection, false, now).await?;
    let request = Outgoing { method: &method, url: &target, headers: &forwarded, body: &body };
    let answer = send(&state, provider, &connection, &credentials, &request).await?;
    let may_refresh = matches!(&credentials, Credentials::OAuth2 { refresh_token: Some(_), .. });
    if answer.status() != reqwest::StatusCode::UNAUTHORIZED || !may_refresh {
        return relay(answer).await;
    }
    // The token may have been revoked or expired early: refresh once and retry. Passing the
    // connection as first read lets concurrent 401s share one refresh (see connections::refresh).
    let credentials = force_refresh(&state, &environment, &connection).await?;
    let answer = send(&state, provider, &connection, &credentials, &request).await?;
    relay(answer).await
}

struct Outgoing<'a> {
    method: &'a Method,
    url: &'a str,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

async fn force_refresh(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
) -> Result<Credentials, ApiError> {
    Ok(fresh_credentials(state, environment, connection, true, crate::time::now()).await?)
}

/// `proxy.base_url` (placeholders filled from connection_config) + the path after `/proxy`
/// + the query, kept as the client encoded them. The result must stay on the base URL's host.
fn target_url(provider: &Provider, connection: &Connection, uri: &Uri) -> Result<String, ApiError> {
    let base_template = provider
        .proxy
        .as_ref()
        .map(|proxy| proxy.base_url.as_str())
        .filter(|base| !base.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::ProxyNotSupported,
                format!("provider `{}` has no proxy base_url", provider.name),
            )
        })?;
    let base = crate::catalog::template::fill_url(base_template, &connection.connection_config)
        .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;
    let path = uri.path().strip_prefix("/proxy").unwrap_or_default().trim_start_matches('/');
    let mut target = format!("{}/{path}", base.trim_end_matches('/'));
    if let Some(query) = uri.query() {
        target.push('?');
        target.push_str(query);
    }
    let base_host = url::Url::parse(&base).ok().and_then(|url| url.host_str().map(str::to_owned));
    let target_host = url::Url::parse(&target).ok().and_then(|url| url.host_str().map(str::to_owned));
    match (base_host, target_host) {
        (Some(base_host), Some(target_host)) if base_host == target_host => Ok(target),
        _ => Err(ApiError::invalid_request(
            "the proxied path does not form a valid URL on the provider's host",
        )),
    }
}

/// The request headers that travel to the provider.
fn forwarded_headers(incoming: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in [header::CONTENT_TYPE, header::ACCEPT] {
        if let Some(value) = incoming.get(&name) {
            out.insert(name, value.clone());
        }
    }
    for (name, value) in incoming {
        let Some(custom) = name.as_str().strip_prefix(CUSTOM_HEADER_PREFIX) else { continue };
        let Ok(custom) = HeaderName::from_bytes(custom.as_bytes()) else { continue };
        if !is_hop_by_hop(&custom) && custom != header::HOST && custom != header::CONTENT_LENGTH {
            out.insert(custom, value.clone());
        }
    }
    out
}

async fn send(
    state: &AppState,
    provider: &Provider,
    connection: &Connection,
    credentials: &Credentials,
    request: &Outgoing<'_>,
) -> Result<reqwest::Response, ApiError> {
    let mut headers = request.headers.clone();
    // Credentials are set last, so a custom header cannot replace them.
    for (name, value) in auth_headers(provider, connection, credentials)? {
        headers.insert(name, value);
    }
    let refused = || {
        ApiError::new(ErrorCode::ProxyFailed, "the provider's address is not allowed by the outbound policy")
    };
    state
        .http
        .request(request.method.clone(), request.url)
        .map_err(|_| refused())?
        .headers(headers)
        .body(request.body.clone())
        .send()
        .await
        .map_err(|error| {
            if crate::outbound::is_refusal(&error) {
                return refused();
            }
            let code = if error.is_timeout() { ErrorCode::ProxyTimeout } else { ErrorCode::ProxyFailed };
            ApiError::new(code, "the provider could not be reached").with_cause(error.without_url())
        })
}

/// The provider's `proxy.headers` templates (credential and connection_config placeholders
/// filled); for OAuth2 `Authorization: Bearer <access token>` and for BASIC HTTP Basic,
/// unless those templates set `Authorization` themselves.
fn auth_headers(
    provider: &Provider,
    connection: &Connection,
    credentials: &Credentials,
) -> Result<Vec<(HeaderName, HeaderValue)>, ApiError> {
    let mut out = Vec::new();
    let templates = provider.proxy.as_ref().map(|proxy| &proxy.headers);
    for (name, template) in templates.into_iter().flatten() {
        let filled = crate::catalog::template::fill_value(template, &connection.connection_config)
            .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;
        let filled = fill_credentials(&filled, credentials);
        let unsupported = || {
            ApiError::new(
                ErrorCode::ProxyNotSupported,
                format!("proxy header `{name}` of provider `{}` cannot be filled", provider.name),
            )
        };
        if filled.contains("${") {
            return Err(unsupported());
        }
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| unsupported())?;
        let mut value = HeaderValue::from_str(&filled).map_err(|_| unsupported())?;
        value.set_sensitive(true);
        out.push((name, value));
    }
    if out.iter().any(|(name, _)| name == header::AUTHORIZATION) {
        return Ok(out);
    }
    let default = match credentials {
        Credentials::OAuth2 { access_token, .. } => Some(format!("Bearer {}", access_token.expose())),
        Credentials::Basic { username, password } if provider.auth_mode == AuthMode::Basic => {
            let pair = format!("{username}:{}", password.expose());
            Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        }
        _ => None,
    };
    if let Some(default) = default {
        let mut value = HeaderValue::from_str(&default).map_err(|_| {
            ApiError::new(ErrorCode::ProxyFailed, "the stored credentials cannot be sent in a header")
        })?;
        value.set_sensitive(true);
        out.push((header::AUTHORIZATION, value));
    }
    Ok(out)
}

/// Nango's credential placeholders in `proxy.headers`.
fn fill_credentials(template: &str, credentials: &Credentials) -> String {
    let pairs: Vec<(&str, &str)> = match credentials {
        Credentials::OAuth2 { access_token, .. } => {
            vec![
                ("${accessToken}", access_token.expose()),
                ("${credentials.access_token}", access_token.expose()),
            ]
        }
        Credentials::ApiKey { api_key } => {
            vec![("${apiKey}", api_key.expose()), ("${credentials.apiKey}", api_key.expose())]
        }
        Credentials::Basic { username, password } => vec![
            ("${username}", username.as_str()),
            ("${credentials.username}", username.as_str()),
            ("${password}", password.expose()),
            ("${credentials.password}", password.expose()),
        ],
    };
    pairs.into_iter().fold(template.to_owned(), |text, (placeholder, value)| text.replace(placeholder, value))
}

/// The provider's status, headers (less hop-by-hop ones and cookies) and body. The body is
/// streamed through as it arrives, never held whole in memory (SPEC §13: a 200 MiB answer
/// costs a few buffers, not 200 MiB).
async fn relay(answer: reqwest::Response) -> Result<Response, ApiError> {
    let status = answer.status();
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !is_hop_by_hop(name) && name != header::SET_COOKIE {
            headers.append(name.clone(), value.clone());
        }
    }
    let body = Body::from_stream(answer.bytes_stream());
    Ok((status, headers, body).into_response())
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn custom_headers_travel_without_prefix_and_ours_do_not() {
        let mut incoming = HeaderMap::new();
        incoming.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer our-secret-key"));
        incoming.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        incoming.insert("connection-id", HeaderValue::from_static("u1"));
        incoming.insert("nango-proxy-x-api-version", HeaderValue::from_static("2"));
        incoming.insert("nango-proxy-transfer-encoding", HeaderValue::from_static("chunked"));
        incoming.insert(header::COOKIE, HeaderValue::from_static("a=b"));
        let out = forwarded_headers(&incoming);
        assert_eq!(out.get("x-api-version").and_then(|v| v.to_str().ok()), Some("2"));
        assert_eq!(out.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/json"));
        assert!(out.get(header::AUTHORIZATION).is_none());
        assert!(out.get("connection-id").is_none());
        assert!(out.get(header::TRANSFER_ENCODING).is_none());
        assert!(out.get(header::COOKIE).is_none());
    }

    #[test]
    fn credential_placeholders() {
        let api_key = Credentials::ApiKey { api_key: Secret::new("k1".into()) };
        assert_eq!(fill_credentials("Token ${apiKey}", &api_key), "Token k1");
        assert_eq!(fill_credentials("${credentials.apiKey}", &api_key), "k1");
        let basic = Credentials::Basic { username: "u".into(), password: Secret::new("p".into()) };
        assert_eq!(fill_credentials("${credentials.username}/x", &basic), "u/x");
        assert_eq!(fill_credentials("${accessToken}", &basic), "${accessToken}");
    }
}
