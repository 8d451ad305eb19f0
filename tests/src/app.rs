//! `TestApp`: the real `nango_backend::app::App` on 127.0.0.1 with a temporary data dir, fixed
//! keys, a providers file pointing at a `FakeProvider`, and a no-redirect HTTP client.

use crate::postgres::TestDatabase;
use crate::provider::{FakeProvider, CLIENT_ID, CLIENT_SECRET};
use nango_backend::app::App;
use nango_backend::config::Config;
use nango_backend::state::AppState;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;

pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdef";
pub const PUBLIC_KEY: &str = "test-public-key-0123456789";
/// base64 of 32 bytes, for apps on Postgres (where the key must be explicit).
pub const TEST_ENCRYPTION_KEY: &str = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyEhISE=";

pub struct TestApp {
    /// The server URL the app derived from its bound port (`http://localhost:PORT`): what
    /// its callback URL is built from, and where the tests (and the browser) reach it.
    pub url: String,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub provider: FakeProvider,
    /// Follows no redirects; resolves `*.localhost` to loopback.
    pub client: reqwest::Client,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _database: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

/// Extra settings for a `TestApp`. The store is SQLite unless `.postgres()` is asked, or the
/// whole suite runs on Postgres with `NANGO_TESTS_DB=postgres` (STYLE §6).
pub struct Builder {
    vars: Vec<(String, String)>,
    postgres: bool,
    extra_providers: String,
}

impl Default for Builder {
    fn default() -> Self {
        let postgres = std::env::var("NANGO_TESTS_DB").is_ok_and(|db| db == "postgres");
        Self { vars: Vec::new(), postgres, extra_providers: String::new() }
    }
}

impl Builder {
    /// An extra variable for `Config::from_sources` (e.g. `NANGO_FLOW_TTL_SECONDS`).
    pub fn var(mut self, key: &str, value: &str) -> Self {
        self.vars.push((key.into(), value.into()));
        self
    }

    /// More catalog entries (YAML, `PORT` = the fake provider's port) after the built-in test ones.
    /// With the built-in demo provider, its routes and integration (`NANGO_DEMO=true`).
    pub fn demo(self) -> Self {
        self.var("NANGO_DEMO", "true")
    }

    pub fn providers(mut self, yaml: &str) -> Self {
        self.extra_providers.push_str(yaml);
        self
    }

    /// Store in a fresh Postgres database instead of SQLite.
    pub fn postgres(mut self) -> Self {
        self.postgres = true;
        self
    }

    /// A second replica of `primary` (which must be on Postgres): the same database, key and
    /// providers file, its own process state and port.
    pub fn replica_of(self, primary: &TestApp) -> Self {
        let config = &primary.state.config;
        let url = config.database_url.as_ref().expect("replica_of: the primary is not on Postgres");
        let providers = config.providers_file.as_ref().expect("the primary has a providers file");
        let url = url.expose().clone();
        self.sqlite()
            .var("DATABASE_URL", &url)
            .var("NANGO_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)
            .var("NANGO_PROVIDERS_FILE", &providers.display().to_string())
    }

    /// SQLite whatever `NANGO_TESTS_DB` says (tests that read the database file).
    pub fn sqlite(mut self) -> Self {
        self.postgres = false;
        self
    }

    pub async fn spawn(self) -> TestApp {
        init_logs();
        let provider = FakeProvider::spawn().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().join("data");
        let providers_file = dir.path().join("providers.yaml");
        std::fs::write(&providers_file, crate::catalog::providers_yaml(&provider, &self.extra_providers))
            .expect("write providers file");
        let database = if self.postgres { Some(TestDatabase::create().await) } else { None };
        let mut vars: Vec<(String, String)> = vec![
            ("NANGO_HOST".into(), "127.0.0.1".into()),
            ("NANGO_DATA_DIR".into(), data_dir.display().to_string()),
            ("NANGO_SECRET_KEY".into(), SECRET_KEY.into()),
            ("NANGO_PUBLIC_KEY".into(), PUBLIC_KEY.into()),
            ("NANGO_PROVIDERS_FILE".into(), providers_file.display().to_string()),
            ("NANGO_PROVIDER_TIMEOUT_SECONDS".into(), "5".into()),
            // The fake provider, webhook receivers and test pages live on loopback (SPEC §13).
            ("NANGO_OUTBOUND_ALLOW".into(), "127.0.0.0/8,::1/128".into()),
        ];
        if let Some(database) = &database {
            vars.push(("DATABASE_URL".into(), database.url.clone()));
            // With a database server the key must be explicit (SPEC §13 "At rest").
            vars.push(("NANGO_ENCRYPTION_KEY".into(), TEST_ENCRYPTION_KEY.into()));
        }
        // A variable the test sets wins over the defaults above (`Config` takes the first).
        let vars: Vec<(String, String)> = self.vars.into_iter().chain(vars).collect();
        let (app, port) = build_on_port_zero(&vars).await;
        let state = app.state().clone();
        let addr = app.local_addr().expect("server address");
        assert_eq!(addr.port(), port);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let url = state.config.server_url.trim_end_matches('/').to_string();
        assert!(url.ends_with(&format!(":{port}")), "server URL {url} is not on the bound port {port}");
        TestApp {
            url,
            addr,
            data_dir,
            provider,
            client: client(),
            state,
            shutdown: Some(shutdown),
            server: Some(server),
            _database: database,
            _dir: dir,
        }
    }
}

impl TestApp {
    /// A server on SQLite in a fresh temp dir.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// The same, on a fresh Postgres database (`DATABASE_URL`, default local `test`).
    pub async fn with_postgres() -> Self {
        Self::builder().postgres().spawn().await
    }

    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The running server's state (store, config) for set-ups HTTP cannot make.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// `{url}/oauth/callback`
    pub fn callback_url(&self) -> String {
        format!("{}/oauth/callback", self.url)
    }

    /// Stop the server and wait until it finished (e.g. to read the database files).
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    // ------------------------------------------------------------ REST API (secret key)

    /// A request with `Authorization: Bearer <secret key>`.
    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.url)).bearer_auth(SECRET_KEY)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.api(Method::GET, path).send().await.expect("GET")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.api(Method::DELETE, path).send().await.expect("DELETE")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.api(Method::POST, path).json(body).send().await.expect("POST")
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.api(Method::PATCH, path).json(body).send().await.expect("PATCH")
    }

    /// `POST /integrations` for `provider` with the fake provider's client credentials.
    pub async fn create_integration(&self, unique_key: &str, provider: &str) -> Response {
        let body = json!({
            "unique_key": unique_key,
            "provider": provider,
            "credentials": {
                "type": "OAUTH2",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scopes": "read,write",
            },
        });
        self.post_json("/integrations", &body).await
    }

    /// `create_integration` that must succeed.
    pub async fn integration(&self, unique_key: &str, provider: &str) {
        let response = self.create_integration(unique_key, provider).await;
        crate::ResponseExt::assert_success(response).await;
    }

    /// `GET /connection/:id?provider_config_key=..` plus `extra_query` (`&refresh_token=true`).
    pub async fn get_connection(
        &self,
        integration: &str,
        connection_id: &str,
        extra_query: &str,
    ) -> Response {
        self.get(&format!("/connection/{connection_id}?provider_config_key={integration}{extra_query}")).await
    }

    pub async fn patch_environment(&self, settings: &Value) -> Response {
        self.patch_json("/environment", settings).await
    }

    /// `GET /oauth/flows/:flow` (public) as JSON.
    pub async fn flow_status(&self, flow: &str) -> Value {
        crate::flow::flow_status(&self.client, &self.url, flow).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Build the real app on port 0: it binds first and derives its server URL (the callback URL
/// base) from the port the OS chose (zero2prod's `spawn_app`).
async fn build_on_port_zero(vars: &[(String, String)]) -> (App, u16) {
    let mut vars = vars.to_vec();
    vars.push(("NANGO_PORT".into(), "0".into()));
    let config = Config::from_sources(None, &vars).expect("test config");
    let app = App::build(config).await.unwrap_or_else(|error| panic!("could not start the app: {error:#}"));
    let port = app.local_addr().expect("bound address").port();
    (app, port)
}

fn init_logs() {
    use nango_backend::telemetry::{init, parse_filter, LogFormat};
    if std::env::var_os("TEST_LOG").is_some() {
        init(parse_filter("debug").expect("filter"), LogFormat::Text, false, std::io::stderr);
    } else {
        init(parse_filter("info").expect("filter"), LogFormat::Text, false, std::io::sink);
    }
}

/// The browser of the tests: no redirect following (each hop is asserted), `*.localhost`
/// resolved to loopback (RFC 6761) so provider URLs with a subdomain placeholder are reachable.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(LoopbackResolver))
        .no_proxy()
        .build()
        .expect("HTTP client")
}

struct LoopbackResolver;

impl reqwest::dns::Resolve for LoopbackResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let addrs: reqwest::dns::Addrs =
                    Box::new(std::iter::once(SocketAddr::from(([127, 0, 0, 1], 0))));
                Ok(addrs)
            } else {
                Err(format!("tests only talk to loopback, not `{host}`").into())
            }
        })
    }
}
