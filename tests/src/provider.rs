//! `FakeProvider`: a scriptable OAuth2 provider on 127.0.0.1:0. `/authorize` records the query
//! and redirects back with a code (or an error when told to deny); `/token` checks client auth,
//! body format, grant, code, `redirect_uri` and PKCE like a strict provider, records every
//! request, and answers a configurable JSON.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub const CLIENT_ID: &str = "fake-client-id";
pub const CLIENT_SECRET: &str = "fake-client-secret-0123456789";

/// How the provider expects the client to authenticate at `/token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` + `client_secret` in the body.
    Body,
    /// HTTP Basic.
    Basic,
}

/// The encoding the provider expects for the token request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenBody {
    Form,
    Json,
}

/// Behaviour of the provider; tests change it through `FakeProvider::settings()`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub client_id: String,
    pub client_secret: String,
    pub client_auth: ClientAuth,
    pub body: TokenBody,
    /// Reject a code exchange that has no valid PKCE verifier.
    pub require_pkce: bool,
    /// JSON answered by a successful `authorization_code` grant.
    pub token_response: Value,
    /// JSON answered by a successful `refresh_token` grant.
    pub refresh_response: Value,
    /// When set, `/token` answers this status and body to every request.
    pub token_failure: Option<(u16, Value)>,
    /// When set, `/authorize` redirects back with `error` and `error_description`.
    pub deny: Option<(String, String)>,
    /// Extra query pairs added to the redirect back (e.g. `realmId`).
    pub extra_callback_query: Vec<(String, String)>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            client_auth: ClientAuth::Body,
            body: TokenBody::Form,
            require_pkce: true,
            token_response: json!({
                "access_token": format!("fake-access-{}", crate::random_id(16)),
                "refresh_token": format!("fake-refresh-{}", crate::random_id(16)),
                "token_type": "bearer",
                "expires_in": 3600,
            }),
            refresh_response: json!({
                "access_token": format!("fake-refreshed-{}", crate::random_id(16)),
                "token_type": "bearer",
                "expires_in": 3600,
            }),
            token_failure: None,
            deny: None,
            extra_callback_query: Vec::new(),
        }
    }
}

/// One request to `/authorize`.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    /// The `Host` header (carries a subdomain placeholder's value).
    pub host: String,
    pub query: BTreeMap<String, String>,
}

/// One request to a token endpoint.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// The path, e.g. `/token` or `/acme/token`.
    pub path: String,
    pub content_type: String,
    pub authorization: Option<String>,
    pub params: BTreeMap<String, String>,
    /// Why the provider refused the request (`None` = accepted).
    pub rejection: Option<String>,
}

#[derive(Clone, Debug)]
struct IssuedCode {
    redirect_uri: String,
    code_challenge: Option<String>,
}

#[derive(Default)]
struct Inner {
    settings: Settings,
    authorize: Vec<AuthorizeRequest>,
    token: Vec<TokenRequest>,
    codes: HashMap<String, IssuedCode>,
    refresh_tokens: Vec<String>,
}

#[derive(Clone)]
pub struct FakeProvider {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl FakeProvider {
    pub async fn spawn() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = Router::new()
            .route("/authorize", get(authorize))
            .route("/{tenant}/authorize", get(authorize))
            .route("/token", post(token_root))
            .route("/{tenant}/token", post(token_tenant))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake provider");
        let addr = listener.local_addr().expect("fake provider address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, inner }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Change behaviour: `provider.settings().deny = Some(..)`.
    pub fn settings(&self) -> SettingsGuard<'_> {
        SettingsGuard(lock(&self.inner))
    }

    pub fn authorize_requests(&self) -> Vec<AuthorizeRequest> {
        lock(&self.inner).authorize.clone()
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        lock(&self.inner).token.clone()
    }

    /// The access token the next successful code exchange answers.
    pub fn access_token(&self) -> String {
        string_at(&lock(&self.inner).settings.token_response, "access_token")
    }

    pub fn refresh_token(&self) -> String {
        string_at(&lock(&self.inner).settings.token_response, "refresh_token")
    }
}

/// Mutable access to the settings while the lock is held.
pub struct SettingsGuard<'a>(MutexGuard<'a, Inner>);

impl std::ops::Deref for SettingsGuard<'_> {
    type Target = Settings;
    fn deref(&self) -> &Settings {
        &self.0.settings
    }
}

impl std::ops::DerefMut for SettingsGuard<'_> {
    fn deref_mut(&mut self) -> &mut Settings {
        &mut self.0.settings
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn string_at(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

type Shared = Arc<Mutex<Inner>>;

async fn authorize(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
    let mut inner = lock(&inner);
    inner.authorize.push(AuthorizeRequest { host, query: query.clone() });
    let Some(redirect_uri) = query.get("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "missing redirect_uri").into_response();
    };
    let Ok(mut back) = url::Url::parse(redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    let state = query.get("state").cloned().unwrap_or_default();
    let settings = inner.settings.clone();
    {
        let mut pairs = back.query_pairs_mut();
        if let Some((error, description)) = &settings.deny {
            pairs.append_pair("error", error).append_pair("error_description", description);
        } else {
            let code = format!("code-{}", crate::random_id(12));
            inner.codes.insert(
                code.clone(),
                IssuedCode {
                    redirect_uri: redirect_uri.clone(),
                    code_challenge: query.get("code_challenge").cloned(),
                },
            );
            pairs.append_pair("code", &code);
        }
        pairs.append_pair("state", &state);
        for (key, value) in &settings.extra_callback_query {
            pairs.append_pair(key, value);
        }
    }
    Redirect::to(back.as_str()).into_response()
}

async fn token_root(State(inner): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    token(inner, "/token".into(), headers, body)
}

async fn token_tenant(
    State(inner): State<Shared>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(inner, format!("/{tenant}/token"), headers, body)
}

fn token(inner: Shared, path: String, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let authorization = header("authorization");
    let mut inner = lock(&inner);
    let params = parse_body(&content_type, &body);
    let verdict = match &params {
        Ok(params) => check(&mut inner, &content_type, authorization.as_deref(), params),
        Err(error) => Err(error.clone()),
    };
    inner.token.push(TokenRequest {
        path,
        content_type,
        authorization,
        params: params.unwrap_or_default(),
        rejection: verdict.as_ref().err().cloned(),
    });
    if let Some((status, body)) = inner.settings.token_failure.clone() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, Json(body)).into_response();
    }
    match verdict {
        Ok(body) => Json(body).into_response(),
        Err(reason) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_request", "error_description": reason })),
        )
            .into_response(),
    }
}

fn parse_body(content_type: &str, body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("bad JSON body: {e}"))?;
        let object = value.as_object().ok_or("JSON body is not an object")?;
        Ok(object
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect())
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Ok(url::form_urlencoded::parse(body).into_owned().collect())
    } else {
        Err(format!("unexpected content type `{content_type}`"))
    }
}

/// The checks a strict provider makes; `Ok` carries the JSON to answer.
fn check(
    inner: &mut Inner,
    content_type: &str,
    authorization: Option<&str>,
    params: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let settings = inner.settings.clone();
    let json_body = content_type.starts_with("application/json");
    match settings.body {
        TokenBody::Json if !json_body => return Err("expected a JSON body".into()),
        TokenBody::Form if json_body => return Err("expected a form body".into()),
        _ => {}
    }
    match settings.client_auth {
        ClientAuth::Body => {
            if params.get("client_id") != Some(&settings.client_id)
                || params.get("client_secret") != Some(&settings.client_secret)
            {
                return Err("client_id/client_secret missing or wrong in the body".into());
            }
        }
        ClientAuth::Basic => {
            let credentials = format!("{}:{}", settings.client_id, settings.client_secret);
            let expected = format!("Basic {}", STANDARD.encode(credentials));
            if authorization != Some(expected.as_str()) {
                return Err("HTTP Basic client authentication missing or wrong".into());
            }
        }
    }
    let param = |key: &str| params.get(key).map(String::as_str);
    match param("grant_type") {
        Some("authorization_code") => {
            let code = param("code").ok_or("missing code")?;
            let issued = inner.codes.remove(code).ok_or("unknown or used code")?;
            if param("redirect_uri") != Some(issued.redirect_uri.as_str()) {
                return Err(format!(
                    "redirect_uri {:?} differs from the authorize one {:?}",
                    param("redirect_uri"),
                    issued.redirect_uri
                ));
            }
            match (&issued.code_challenge, param("code_verifier")) {
                (Some(challenge), Some(verifier)) => {
                    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                    if &computed != challenge {
                        return Err("code_verifier does not match code_challenge".into());
                    }
                }
                (Some(_), None) => return Err("missing code_verifier".into()),
                (None, _) if settings.require_pkce => return Err("PKCE required".into()),
                (None, _) => {}
            }
            if let Some(refresh) = settings.token_response.get("refresh_token").and_then(Value::as_str) {
                inner.refresh_tokens.push(refresh.to_string());
            }
            Ok(settings.token_response)
        }
        Some("refresh_token") => {
            let refresh = param("refresh_token").ok_or("missing refresh_token")?;
            if !inner.refresh_tokens.iter().any(|issued| issued == refresh) {
                return Err("unknown refresh_token".into());
            }
            Ok(settings.refresh_response)
        }
        other => Err(format!("unsupported grant_type {other:?}")),
    }
}
