//! `FakeProvider`: a scriptable OAuth2 provider on 127.0.0.1:0. `/authorize` records the query
//! and redirects back with a code (or an error when told to deny); `/token` checks client auth,
//! body format, grant, code, `redirect_uri` and PKCE like a strict provider, records every
//! request, and answers a configurable JSON (`provider/token.rs`); `/api/..` is the provider's
//! API, which wants an access token it issued (`provider/api.rs`).

mod api;
mod token;

pub use api::ApiRequest;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

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
    /// Each refresh answers a new refresh token and revokes the one it used (a reused one
    /// gets `invalid_grant`), as rotating providers do.
    pub rotate_refresh_tokens: bool,
    /// Accept refresh tokens this provider never issued (connections imported by the tests).
    pub accept_unknown_refresh_tokens: bool,
    /// Each refresh takes this long before it is answered.
    pub refresh_delay: Option<std::time::Duration>,
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
            rotate_refresh_tokens: false,
            accept_unknown_refresh_tokens: false,
            refresh_delay: None,
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
    api: Vec<ApiRequest>,
    codes: HashMap<String, IssuedCode>,
    refresh_tokens: Vec<String>,
    /// Access tokens issued and not revoked: what `/api` accepts.
    access_tokens: Vec<String>,
    /// `refresh_token` grants waiting at the held gate.
    waiting_refreshes: usize,
    /// `refresh_token` grants being answered now, and the most there ever were at once.
    refreshes_in_flight: usize,
    max_refreshes_in_flight: usize,
}

/// What the provider's handlers share: the recorded state and the refresh gate (`true` = held).
#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    gate: Arc<watch::Sender<bool>>,
    /// Releases the second half of `/stream` answers.
    stream_gate: Arc<tokio::sync::Notify>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Clone)]
pub struct FakeProvider {
    addr: SocketAddr,
    shared: Shared,
}

impl FakeProvider {
    pub async fn spawn() -> Self {
        let shared = Shared {
            inner: Arc::default(),
            gate: Arc::new(watch::channel(false).0),
            stream_gate: Arc::new(tokio::sync::Notify::new()),
        };
        let router = Router::new()
            .route("/authorize", get(authorize))
            .route("/{tenant}/authorize", get(authorize))
            .route("/token", post(token::token_root))
            .route("/{tenant}/token", post(token::token_tenant))
            .route("/api", any(api::api))
            .route("/api/{*rest}", any(api::api))
            .route("/api/stream", get(api::stream))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake provider");
        let addr = listener.local_addr().expect("fake provider address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, shared }
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
        SettingsGuard(self.shared.lock())
    }

    pub fn authorize_requests(&self) -> Vec<AuthorizeRequest> {
        self.shared.lock().authorize.clone()
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.shared.lock().token.clone()
    }

    /// Requests to the provider's API (`/api/..`), accepted or not.
    pub fn api_requests(&self) -> Vec<ApiRequest> {
        self.shared.lock().api.clone()
    }

    /// The access token the next successful code exchange answers.
    pub fn access_token(&self) -> String {
        string_at(&self.shared.lock().settings.token_response, "access_token")
    }

    pub fn refresh_token(&self) -> String {
        string_at(&self.shared.lock().settings.token_response, "refresh_token")
    }

    /// The API stops accepting every access token issued so far (a revocation, or an early
    /// expiry the token's `expires_in` did not announce).
    pub fn revoke_access_tokens(&self) {
        self.shared.lock().access_tokens.clear();
    }

    /// Every refresh token issued so far is refused with `invalid_grant` from now on.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh_tokens.clear();
    }

    /// `refresh_token` grants wait (unanswered) until `release_refreshes`.
    pub fn hold_refreshes(&self) {
        self.shared.gate.send_replace(true);
    }

    pub fn release_refreshes(&self) {
        self.shared.gate.send_replace(false);
    }

    /// Let `/stream` answers send their second chunk (they send the first at once).
    pub fn finish_streams(&self) {
        self.shared.stream_gate.notify_one();
    }

    /// How many `refresh_token` grants are waiting at the held gate right now.
    pub fn waiting_refreshes(&self) -> usize {
        self.shared.lock().waiting_refreshes
    }

    /// The most `refresh_token` grants that were ever in flight at once.
    pub fn max_refreshes_in_flight(&self) -> usize {
        self.shared.lock().max_refreshes_in_flight
    }

    /// How many `refresh_token` grants the provider answered with new tokens, by the refresh
    /// token they used.
    pub fn accepted_refreshes(&self) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        for request in self.token_requests() {
            let is_refresh = request.params.get("grant_type").is_some_and(|grant| grant == "refresh_token");
            if let (true, None, Some(token)) =
                (is_refresh, &request.rejection, request.params.get("refresh_token"))
            {
                *counts.entry(token.clone()).or_insert(0) += 1;
            }
        }
        counts
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

fn string_at(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

async fn authorize(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
    let mut inner = shared.lock();
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
