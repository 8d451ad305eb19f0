//! The demo provider's OAuth endpoints: `GET /demo/oauth/authorize` (consent page),
//! `POST /demo/oauth/authorize` (the user's decision), `POST /demo/oauth/token`
//! (authorization code with PKCE S256, and refresh token grants).
//!
//! Codes are random, single use, live 60 s and are bound to the client, the redirect URI and
//! the PKCE challenge. They are kept in a process-wide map (the demo runs in one process).

use super::tokens::{self, Kind};
use super::{demo_clients, DEMO_PROVIDER};
use crate::crypto::hmac::constant_time_eq;
use crate::crypto::pkce::challenge_s256;
use crate::crypto::random;
use crate::html::escape as html_escape;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

const CODE_SECONDS: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo/oauth/authorize", get(get_authorize).post(post_authorize))
        .route("/demo/oauth/token", post(post_token))
}

/// The authorization request, as a query (GET) or as the consent form's fields (POST).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub state: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// `approve` or `deny` (POST only).
    pub decision: Option<String>,
}

#[utoipa::path(
    get,
    path = "/demo/oauth/authorize",
    tag = "demo",
    summary = "The demo provider's consent page",
    params(
        ("response_type" = String, Query), ("client_id" = String, Query), ("redirect_uri" = String, Query),
        ("scope" = Option<String>, Query), ("state" = String, Query),
        ("code_challenge" = Option<String>, Query), ("code_challenge_method" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "The consent page", content_type = "text/html", body = String),
        (status = 400, description = "The request is invalid", content_type = "text/html", body = String),
    )
)]
pub async fn get_authorize(State(state): State<AppState>, Query(params): Query<AuthorizeParams>) -> Response {
    if let Err(message) = check_request(&state, &params).await {
        return error_page(&message);
    }
    consent_page(&params)
}

#[utoipa::path(
    post,
    path = "/demo/oauth/authorize",
    tag = "demo",
    summary = "The user's decision on the consent page",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "The authorization request's fields and `decision` (`approve` or `deny`)"),
    responses(
        (status = 302, description = "Back to the redirect URI with a code, or `error=access_denied`", headers(("Location" = String))),
        (status = 400, description = "The request is invalid", content_type = "text/html", body = String),
    )
)]
pub async fn post_authorize(State(state): State<AppState>, Form(params): Form<AuthorizeParams>) -> Response {
    if let Err(message) = check_request(&state, &params).await {
        return error_page(&message);
    }
    let mut target = match url::Url::parse(&params.redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page("redirect_uri is not a URL"),
    };
    if params.decision.as_deref() == Some("approve") {
        let code = random::token(32);
        let pending = PendingCode {
            client_id: params.client_id.clone(),
            redirect_uri: params.redirect_uri.clone(),
            code_challenge: params.code_challenge.clone().filter(|c| !c.is_empty()),
            scope: params.scope.clone(),
            expires_at: crate::time::now() + CODE_SECONDS,
        };
        remember_code(code.clone(), pending);
        target.query_pairs_mut().append_pair("code", &code).append_pair("state", &params.state);
    } else {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The user denied access to the demo app")
            .append_pair("state", &params.state);
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// The token endpoint: a form or JSON body; client auth in the body or HTTP Basic.
#[utoipa::path(
    post,
    path = "/demo/oauth/token",
    tag = "demo",
    summary = "The demo provider's token endpoint (code with PKCE S256, refresh token)",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "RFC 6749 §4.1.3 or §6; client credentials in the body or HTTP Basic; JSON is accepted too"),
    responses(
        (status = 200, description = "Tokens", body = crate::schemas::demo::DemoToken),
        (status = 400, description = "`invalid_grant`, `unsupported_grant_type`", body = crate::schemas::demo::OAuthError),
        (status = 401, description = "`invalid_client`", body = crate::schemas::demo::OAuthError),
    )
)]
pub async fn post_token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let now = crate::time::now();
    let form = parse_token_body(&headers, &body);
    let field = |key: &str| form.get(key).map(String::as_str).unwrap_or_default();
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Some(pair) => pair,
        None => (field("client_id").to_string(), field("client_secret").to_string()),
    };
    match authenticate_client(&state, &client_id, &client_secret).await {
        Ok(true) => {}
        Ok(false) => {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret")
        }
        Err(response) => return response,
    }
    let scope = match field("grant_type") {
        "authorization_code" => {
            let Some(pending) = take_code(field("code")) else {
                return invalid_grant("the code is unknown or was already used");
            };
            if pending.expires_at <= now {
                return invalid_grant("the code expired");
            }
            if pending.client_id != client_id {
                return invalid_grant("the code was issued to another client");
            }
            if pending.redirect_uri != field("redirect_uri") {
                return invalid_grant("redirect_uri differs from the authorization request");
            }
            if let Some(challenge) = &pending.code_challenge {
                let verifier = field("code_verifier");
                if verifier.is_empty() || !constant_time_eq(&challenge_s256(verifier), challenge) {
                    return invalid_grant("the PKCE code_verifier does not match the code_challenge");
                }
            }
            pending.scope
        }
        "refresh_token" => match tokens::verify(Kind::Refresh, field("refresh_token"), now) {
            Some(claims) if claims.client_id == client_id => claims.scope,
            _ => return invalid_grant("the refresh token is invalid or expired"),
        },
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        }
    };
    let body = json!({
        "access_token": tokens::issue(Kind::Access, &client_id, &scope, now),
        "refresh_token": tokens::issue(Kind::Refresh, &client_id, &scope, now),
        "token_type": "bearer",
        "expires_in": tokens::ACCESS_TOKEN_SECONDS,
        "scope": scope,
    });
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

#[derive(Debug, Clone)]
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    scope: String,
    expires_at: i64,
}

fn codes() -> &'static Mutex<HashMap<String, PendingCode>> {
    static CODES: OnceLock<Mutex<HashMap<String, PendingCode>>> = OnceLock::new();
    CODES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn remember_code(code: String, pending: PendingCode) {
    let now = crate::time::now();
    let mut codes = codes().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Unused codes are dropped once the map grows, so abandoned flows cost nothing for long.
    if codes.len() >= 1024 && codes.len().is_power_of_two() {
        codes.retain(|_, pending| pending.expires_at > now);
    }
    codes.insert(code, pending);
}

/// Single use: the code is removed whatever the outcome of the exchange.
fn take_code(code: &str) -> Option<PendingCode> {
    codes().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(code)
}

/// Validate an authorization request; the message is shown on an error page (never a
/// redirect to an unchecked URI).
async fn check_request(state: &AppState, params: &AuthorizeParams) -> Result<(), String> {
    if params.response_type != "code" {
        return Err("response_type must be `code`".into());
    }
    match demo_clients(state, &params.client_id).await {
        Ok(clients) if !clients.is_empty() => {}
        Ok(_) => {
            return Err(format!("client_id `{}` is not a {DEMO_PROVIDER} integration", params.client_id))
        }
        Err(error) => {
            tracing::error!(%error, "demo provider: cannot read integrations");
            return Err("internal error".into());
        }
    }
    // Only a registered redirect URI: the server's own callback, or the environment's custom
    // callback URL. Anything else could send the code to a stranger (SPEC §13 "Demo").
    if !registered_redirect_uris(state).await.iter().any(|uri| uri == &params.redirect_uri) {
        return Err("redirect_uri is not registered for this client".into());
    }
    if params.code_challenge.as_deref().is_some_and(|c| !c.is_empty())
        && params.code_challenge_method.as_deref() != Some("S256")
    {
        return Err("code_challenge_method must be S256".into());
    }
    Ok(())
}

async fn registered_redirect_uris(state: &AppState) -> Vec<String> {
    let mut uris = vec![state.config.default_callback_url()];
    match state.store.default_environment().await {
        Ok(Some(environment)) => uris.extend(environment.settings.callback_url),
        Ok(None) => {}
        Err(error) => tracing::error!(%error, "demo provider: cannot read the environment"),
    }
    uris
}

async fn authenticate_client(
    state: &AppState,
    client_id: &str,
    client_secret: &str,
) -> Result<bool, Response> {
    let clients = demo_clients(state, client_id).await.map_err(|error| {
        tracing::error!(%error, "demo provider: cannot read integrations");
        oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error")
    })?;
    // Every candidate is compared, in constant time, so timing reveals nothing.
    let matched = clients.iter().fold(false, |matched, integration| {
        let stored = integration.client_secret.as_ref().map(|s| s.expose().as_str()).unwrap_or_default();
        constant_time_eq(stored, client_secret) | matched
    });
    Ok(matched && !client_secret.is_empty())
}

fn parse_token_body(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        return value
            .as_object()
            .map(|object| {
                object
                    .iter()
                    .filter_map(|(key, value)| value.as_str().map(|text| (key.clone(), text.to_string())))
                    .collect()
            })
            .unwrap_or_default();
    }
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, axum::Json(json!({ "error": error, "error_description": description }))).into_response()
}

fn consent_page(params: &AuthorizeParams) -> Response {
    let scopes: Vec<String> = params
        .scope
        .split([' ', ','])
        .filter(|scope| !scope.is_empty())
        .map(|scope| format!("<li>{}</li>", html_escape(scope)))
        .collect();
    let scopes = if scopes.is_empty() { "<li>basic access</li>".to_string() } else { scopes.join("") };
    let hidden = |name: &str, value: &str| {
        format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", html_escape(value))
    };
    let fields = [
        hidden("response_type", &params.response_type),
        hidden("client_id", &params.client_id),
        hidden("redirect_uri", &params.redirect_uri),
        hidden("scope", &params.scope),
        hidden("state", &params.state),
        hidden("code_challenge", params.code_challenge.as_deref().unwrap_or_default()),
        hidden("code_challenge_method", params.code_challenge_method.as_deref().unwrap_or_default()),
    ]
    .join("");
    let body = format!(
        "<h1>Demo provider</h1><p>The app <strong>{client}</strong> asks for access to your demo \
         account:</p><ul>{scopes}</ul><form method=\"post\" action=\"/demo/oauth/authorize\">{fields}\
         <button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Approve</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form>\
         <p class=\"note\">You will return to <code>{redirect}</code>.</p>",
        client = html_escape(&params.client_id),
        redirect = html_escape(&params.redirect_uri),
    );
    let form_target = url::Url::parse(&params.redirect_uri)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default();
    page(StatusCode::OK, "Demo provider: authorize", &body, &form_target)
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<h1>Demo provider</h1><p>This authorization request is invalid: {}</p>",
        html_escape(message)
    );
    page(StatusCode::BAD_REQUEST, "Demo provider: error", &body, "")
}

/// A page with a strict CSP: only its nonce'd style; forms may go to this server and, after
/// the redirect, to the app's callback origin.
fn page(status: StatusCode, title: &str, body: &str, form_target: &str) -> Response {
    let nonce = random::token(16);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title>\
         <style nonce=\"{nonce}\">body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;\
         padding:0 1rem;color:#222}}button{{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}}\
         #approve{{background:#2563eb;color:#fff;border:0;border-radius:4px}}.note{{color:#666;font-size:.85rem}}\
         </style></head><body>{body}</body></html>\n",
        title = html_escape(title),
    );
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self' {form_target}; \
         base-uri 'none'; frame-ancestors 'none'"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
