//! Nango's own published clients, `@nangohq/node` and `@nangohq/frontend` (pinned, installed
//! from npm by `scripts/test-all.sh` into the folder `NANGO_CLIENTS_DIR` names): running the
//! Node scripts of `tests/nango-clients/` against a server, and serving the frontend package's
//! ES modules to a browser from an app page's own origin.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

/// The version of Nango's clients the suites are written against.
pub const VERSION: &str = "0.71.10";

/// `$NANGO_CLIENTS_DIR`, the `node_modules` folder holding both packages at `VERSION`; panics
/// with the install command when it is missing or holds something else.
pub fn clients_dir() -> PathBuf {
    let install = format!(
        "run `bash scripts/test-all.sh`, or `npm install --prefix DIR --no-audit --no-fund \
         --ignore-scripts @nangohq/node@{VERSION} @nangohq/frontend@{VERSION}` and export \
         NANGO_CLIENTS_DIR=DIR/node_modules"
    );
    let dir = std::env::var_os("NANGO_CLIENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("NANGO_CLIENTS_DIR is not set: {install}"));
    for package in ["node", "frontend"] {
        let manifest = dir.join("@nangohq").join(package).join("package.json");
        let text = std::fs::read_to_string(&manifest).unwrap_or_else(|error| {
            panic!("NANGO_CLIENTS_DIR: cannot read {} ({error}): {install}", manifest.display())
        });
        let json: Value = serde_json::from_str(&text).expect("a package.json is JSON");
        assert_eq!(
            json["version"], VERSION,
            "NANGO_CLIENTS_DIR holds @nangohq/{package} {}, not {VERSION}: {install}",
            json["version"]
        );
    }
    dir
}

/// `tests/nango-clients/` of the checkout being tested.
fn scripts_dir() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.join("nango-clients")
}

/// `node tests/nango-clients/<script>` with `NANGO_HOST` = `host`, `NANGO_SECRET_KEY` =
/// `secret_key` and `vars`; it must exit 0 and print one JSON document, which is returned.
/// The script runs on a blocking thread, so an in-process server keeps answering meanwhile.
pub async fn run_node(script: &str, host: &str, secret_key: &str, vars: &[(&str, &str)]) -> Value {
    let mut command = Command::new("node");
    command
        .arg(scripts_dir().join(script))
        .env("NANGO_CLIENTS_DIR", clients_dir())
        .env("NANGO_HOST", host)
        .env("NANGO_SECRET_KEY", secret_key);
    for (key, value) in vars {
        command.env(key, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("node thread")
        .unwrap_or_else(|error| panic!("cannot run `node` (Node.js 20+ is required): {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node {script} failed ({}):\n{stderr}\n{stdout}", output.status);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("node {script} printed no JSON ({error}):\n{stdout}\n{stderr}"))
}

/// The modules of `@nangohq/frontend/dist` that its entry point imports (and the entry).
const FRONTEND_MODULES: [&str; 3] = ["index.js", "authModal.js", "connectUI.js"];

/// An app page on its own origin (127.0.0.1, port 0) that serves `page` at `/` and the
/// installed `@nangohq/frontend` at `/nango/{index,authModal,connectUI}.js`.
pub struct FrontendPage {
    addr: SocketAddr,
}

#[derive(Clone)]
struct Served {
    page: &'static str,
    dist: PathBuf,
}

impl FrontendPage {
    pub async fn spawn(page: &'static str) -> Self {
        let dist = clients_dir().join("@nangohq/frontend/dist");
        let router = Router::new()
            .route("/", get(|State(served): State<Served>| async move { Html(served.page) }))
            .route("/nango/{file}", get(module))
            .with_state(Served { page, dist });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the app page");
        let addr = listener.local_addr().expect("app page address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr }
    }

    /// The page, with `host` (the broker's URL) in its query.
    pub fn url(&self, host: &str) -> String {
        let query: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("host", host).finish();
        format!("http://{}/?{query}", self.addr)
    }
}

async fn module(State(served): State<Served>, UrlPath(file): UrlPath<String>) -> Response {
    if !FRONTEND_MODULES.contains(&file.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read_to_string(served.dist.join(&file)).await {
        Ok(source) => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], source).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{file}: {error}")).into_response(),
    }
}
