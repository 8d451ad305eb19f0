//! `App::build(config)`: open storage, load the catalog, bootstrap the default environment,
//! bind the listener and assemble the router. `run_until_stopped` serves with graceful
//! shutdown.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::connections::last_fetched::PendingLastFetched;
use crate::crypto::{random, Cipher};
use crate::environment_cache::EnvironmentCache;
use crate::error::{ApiError, ErrorCode};
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{self, Environment, NewEnvironment};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    limits: crate::serve::Limits,
    /// Keys generated on this start (to print once); `None` when they existed or were configured.
    pub generated_keys: Option<Environment>,
}

impl App {
    /// Everything that can fail at start fails here, with an error naming the setting.
    /// The listener is bound first: with `NANGO_PORT=0` the OS picks the port, and the default
    /// server URL (hence the callback URL) is derived from the bound address (zero2prod).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|error| anyhow::anyhow!("NANGO_HOST/NANGO_PORT: cannot listen on {addr}: {error}"))?;
        let bound = listener.local_addr()?;
        let state = build_state(config.with_bound_port(bound.port())).await?;
        let generated_keys = bootstrap_environment(&state).await?;
        if state.config.demo {
            crate::demo::ensure_demo_integration(&state).await?;
        }
        warn_without_hmac(&state).await?;
        let router = router(state.clone());
        let limits = state.config.limits;
        Ok(Self { listener, router, state, limits, generated_keys })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then finish in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = crate::background::Tasks::spawn(&self.state);
        let service = crate::layers::around(self.router);
        let result = crate::serve::serve(self.listener, service, self.limits, shutdown).await;
        drop(background);
        // Reads served before the shutdown still get their `last_fetched_at`.
        self.state.last_fetched.flush(self.state.store.as_ref()).await;
        result
    }
}

/// Open storage, the cipher, the catalog and the HTTP client.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    crate::startup::preflight(&config).await?;
    let cipher = crate::startup::load_cipher(&config)?;
    let store = store::open(config.database_url.as_ref(), &config.data_dir, cipher.clone()).await?;
    let store = crate::metrics::store::metered(store);
    check_encryption_key(store.as_ref(), &cipher).await?;
    // Only after the key is known to be right: rows of older versions get their secrets sealed.
    let n_sealed = store.seal_plain_secrets().await?;
    if n_sealed > 0 {
        tracing::info!(n_sealed, "sealed secrets that older versions stored in plain text");
    }
    let catalog = Catalog::load(config.providers_file.as_deref(), &config.server_url)
        .map_err(|error| anyhow::anyhow!("NANGO_PROVIDERS_FILE: {error}"))?;
    let mut policy = config.outbound_allow.clone();
    if config.demo {
        // The built-in demo provider is this server: its own host needs no allowance.
        if let Some(host) =
            url::Url::parse(&config.server_url).ok().and_then(|url| url.host_str().map(str::to_owned))
        {
            policy.allow_host(&host);
        }
    }
    let http = crate::outbound::Outbound::build(config.provider_timeout_seconds, policy)?;
    let rate_settings = config.rate_limits;
    let flow_watch = crate::flows::watch::FlowWatch::new(config.max_result_sockets);
    let own_origin =
        url::Url::parse(&config.server_url).map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    Ok(AppState::new(crate::state::Services {
        flow_watch,
        own_origin,
        config: Arc::new(config),
        store,
        catalog: Arc::new(catalog),
        cipher: Arc::new(cipher),
        http,
        // A second: changes on another replica show within it (environment_cache.rs).
        environments: Arc::new(EnvironmentCache::new(Duration::from_secs(1))),
        integrations: Arc::new(crate::integrations::cache::IntegrationCache::new(Duration::from_secs(1))),
        last_fetched: Arc::new(PendingLastFetched::default()),
        rate_limits: Arc::new(crate::rate_limit::RateLimits::new(rate_settings)),
        webhooks: Arc::default(),
    }))
}

const KEY_CHECK: &str = "encryption_key_check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"nango-server encryption key check";

/// The first start stores a value sealed with the key; every later start (every replica) must
/// open it, so a wrong key is a clear start-up error instead of a 500 on the first read.
pub async fn check_encryption_key(store: &dyn store::Store, cipher: &Cipher) -> anyhow::Result<()> {
    let aad = KEY_CHECK.as_bytes();
    let sealed = cipher.seal(KEY_CHECK_PLAINTEXT, aad)?;
    let stored = store.init_server_meta(KEY_CHECK, &sealed, crate::time::now()).await?;
    match cipher.open(&stored, aad) {
        Ok(plain) if plain.expose().as_slice() == KEY_CHECK_PLAINTEXT => Ok(()),
        _ => anyhow::bail!(
            "NANGO_ENCRYPTION_KEY: this is not the key the database's data was sealed with (its stored \
             check value does not open); start with the key used before"
        ),
    }
}

/// Create the default environment on first start; apply keys fixed by the operator.
/// Returns the environment when its keys were generated now (to be printed once).
pub async fn bootstrap_environment(state: &AppState) -> anyhow::Result<Option<Environment>> {
    let now = crate::time::now();
    let store = &state.store;
    let configured_secret = state.config.secret_key.clone();
    let configured_public = state.config.public_key.clone();
    match store.default_environment().await? {
        Some(environment) => {
            let secret = configured_secret.unwrap_or_else(|| environment.secret_key.clone());
            let public = configured_public.unwrap_or_else(|| environment.public_key.clone());
            if secret.expose() != environment.secret_key.expose() || public != environment.public_key {
                store.set_environment_keys(environment.id, &secret, &public, now).await?;
            }
            Ok(None)
        }
        None => {
            let generated = configured_secret.is_none() || configured_public.is_none();
            let new = NewEnvironment {
                name: "dev".into(),
                secret_key: configured_secret.unwrap_or_else(|| Secret::new(random::hex_key(32))),
                public_key: configured_public.unwrap_or_else(|| random::hex_key(16)),
            };
            let environment = store.create_environment(new, now).await?;
            Ok(generated.then_some(environment))
        }
    }
}

/// SPEC §13: while HMAC is off (and no connect session is used), any page that knows the
/// public key can start flows for any connection id.
async fn warn_without_hmac(state: &AppState) -> anyhow::Result<()> {
    if let Some(environment) = state.store.default_environment().await? {
        if !environment.settings.hmac_enabled {
            tracing::warn!(
                environment = %environment.name,
                "HMAC is off: any page that knows the public key can start flows for any connection id; \
                 enable it with PATCH /environment {{\"hmac_enabled\": true, \"hmac_key\": ...}}"
            );
        }
    }
    Ok(())
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .merge(crate::metrics::http::routes(state.config.metrics))
        .merge(crate::api::routes())
        .merge(
            crate::oauth::routes().layer(axum::middleware::from_fn_with_state(state.clone(), browser_limit)),
        )
        .merge(
            crate::connect_page::routes()
                .layer(axum::middleware::from_fn_with_state(state.clone(), browser_limit)),
        )
        .merge(crate::proxy::routes())
        .merge(crate::openapi::routes())
        .merge(crate::assets::routes(&state.config))
        .merge(crate::admin::routes());
    // SPEC §13: the demo provider and its routes exist only when asked for.
    if state.config.demo {
        router = router.merge(crate::demo::routes());
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(crate::metrics::http::TrackRequestsLayer)
        .with_state(state)
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "server",
    summary = "Liveness",
    responses((status = 200, description = "The process answers", body = crate::schemas::status::Health))
)]
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "result": "ok" }))
}

/// Readiness: the database answers with our schema (a dropped and recreated database, or one
/// whose migrations are gone, is not ready even though the process lives), within
/// `READY_TIMEOUT`: a database that hangs is as unready as one that refuses.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "server",
    summary = "Readiness: the database answers with our schema",
    responses(
        (status = 200, description = "Ready", body = crate::schemas::status::Health),
        crate::schemas::errors::ReadyErrors,
    )
)]
async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    const READY_TIMEOUT: Duration = Duration::from_secs(2);
    match tokio::time::timeout(READY_TIMEOUT, state.store.default_environment()).await {
        Ok(Ok(Some(_))) => Ok(Json(serde_json::json!({ "result": "ok" }))),
        Ok(Ok(None)) => Err(ApiError::new(ErrorCode::Unavailable, "the database has no environment")),
        Ok(Err(error)) => {
            Err(ApiError::new(ErrorCode::Unavailable, "the database does not answer").with_cause(error))
        }
        Err(_) => Err(ApiError::new(ErrorCode::Unavailable, "the database did not answer in time")),
    }
}

/// SPEC §13 "Limits": the unauthenticated browser routes, per client IP. The popup routes
/// answer the result page, the others JSON with `Retry-After`.
async fn browser_limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let peer =
        request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0);
    let Some(Err(retry)) = peer.map(|peer| state.rate_limits.browser_request(peer.ip())) else {
        return next.run(request).await;
    };
    let error = ApiError::rate_limited(retry);
    let path = request.uri().path();
    if path.starts_with("/oauth/connect/") || path == "/oauth/callback" {
        error.log();
        let outcome = crate::store::FlowOutcome::Error(error.to_flow_error());
        return crate::oauth::result_page::ResultPage::unaddressed(&outcome).into_response();
    }
    error.into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed on this route")
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn config(dir: &std::path::Path, key_byte: u8, extra: &[(&str, String)]) -> Config {
        let key = base64::engine::general_purpose::STANDARD.encode([key_byte; 32]);
        let mut vars = vec![
            ("NANGO_PORT".to_string(), "0".to_string()),
            ("NANGO_DATA_DIR".to_string(), dir.display().to_string()),
            ("NANGO_ENCRYPTION_KEY".to_string(), key),
        ];
        vars.extend(extra.iter().map(|(name, value)| (name.to_string(), value.clone())));
        Config::from_sources(None, &vars).unwrap()
    }

    /// Hostile review finding 8: a replica started with another key fails at start, clearly.
    #[tokio::test]
    async fn a_wrong_encryption_key_is_a_start_up_error() {
        let dir = tempfile::tempdir().unwrap();
        let first = App::build(config(dir.path(), 1, &[])).await.unwrap();
        drop(first);
        let error = App::build(config(dir.path(), 2, &[])).await.err().unwrap().to_string();
        assert!(error.starts_with("NANGO_ENCRYPTION_KEY: this is not the key"), "{error}");
        // The right key still starts.
        App::build(config(dir.path(), 1, &[])).await.unwrap();
    }

    /// Finding 8: with DATABASE_URL, no key generated into one replica's data directory.
    #[tokio::test]
    async fn postgres_needs_an_explicit_encryption_key() {
        let dir = tempfile::tempdir().unwrap();
        let vars = vec![
            ("NANGO_PORT".to_string(), "0".to_string()),
            ("NANGO_DATA_DIR".to_string(), dir.path().display().to_string()),
            ("DATABASE_URL".to_string(), "postgres://postgres@127.0.0.1:1/none".to_string()),
        ];
        let config = Config::from_sources(None, &vars).unwrap();
        let error = App::build(config).await.err().unwrap().to_string();
        assert!(error.starts_with("NANGO_ENCRYPTION_KEY must be set when DATABASE_URL is"), "{error}");
        assert!(!dir.path().join("encryption.key").exists(), "no key was generated");
    }
}
