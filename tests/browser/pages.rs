//! The pages the browser suite serves besides the broker, each on 127.0.0.1:0 so it is its own
//! origin: the app page that uses the SDK (`fixtures/harness.html`; `fixtures/default_import.html`
//! with the built package served from the app's own `/sdk/`), and provider-side pages
//! that stand between the provider and the broker's callback (as a custom callback URL):
//! `/coop` sends `Cross-Origin-Opener-Policy: same-origin` and continues by itself, `/wait`
//! waits for the test to click "Continue" (so the popup stays open as long as a test needs).

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;

const HARNESS_HTML: &str = include_str!("fixtures/harness.html");
const DEFAULT_IMPORT_HTML: &str = include_str!("fixtures/default_import.html");

/// The app page: a different origin than the broker, like a real app.
pub struct AppPage {
    addr: SocketAddr,
}

impl AppPage {
    pub async fn spawn() -> Self {
        let router = Router::new()
            .route("/", get(|| async { Html(HARNESS_HTML) }))
            .route("/default-import", get(|| async { Html(DEFAULT_IMPORT_HTML) }))
            .route("/sdk/{file}", get(package_file));
        Self { addr: serve(router).await }
    }

    /// The page that does `import Nango from "/sdk/nango.js"` and no `init()`; a click on
    /// `#connect` runs `auth(integration, connection_id)`.
    pub fn default_import_url(
        &self,
        host: &str,
        public_key: &str,
        integration: &str,
        connection_id: &str,
    ) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("host", host)
            .append_pair("key", public_key)
            .append_pair("integration", integration)
            .append_pair("connection", connection_id)
            .finish();
        format!("http://{}/default-import?{query}", self.addr)
    }

    /// The harness page for the broker at `host` with the environment's `public_key`.
    pub fn url(&self, host: &str, public_key: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("host", host)
            .append_pair("key", public_key)
            .finish();
        format!("http://{}/?{query}", self.addr)
    }
}

/// Pages on the provider's side of the popup, forwarding to the broker's `/oauth/callback`.
pub struct ProviderPages {
    addr: SocketAddr,
}

impl ProviderPages {
    /// `callback` is the broker's own callback URL (`app.callback_url()`).
    pub async fn spawn(callback: String) -> Self {
        let router = Router::new().route("/coop", get(coop)).route("/wait", get(wait)).with_state(callback);
        Self { addr: serve(router).await }
    }

    /// A custom callback URL whose page severs `window.opener` (COOP) and continues by itself.
    pub fn coop_url(&self) -> String {
        format!("http://{}/coop", self.addr)
    }

    /// A custom callback URL whose page waits for a click on `#continue`.
    pub fn wait_url(&self) -> String {
        format!("http://{}/wait", self.addr)
    }
}

/// A file of the built package (`nango.js`, `nango_bg.wasm`), as an app serving it itself would.
async fn package_file(Path(file): Path<String>) -> Response {
    let content_type = match file.as_str() {
        "nango.js" => "text/javascript",
        "nango_bg.wasm" => "application/wasm",
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    match std::fs::read(crate::support::sdk_dir().join(&file)) {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn coop(State(callback): State<String>, RawQuery(query): RawQuery) -> Response {
    let page = continue_page(&callback, query.as_deref(), true);
    ([(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin")], Html(page))
        .into_response()
}

async fn wait(State(callback): State<String>, RawQuery(query): RawQuery) -> Response {
    Html(continue_page(&callback, query.as_deref(), false)).into_response()
}

/// A page with a "Continue" link to `callback?query`; `auto` clicks it on load.
fn continue_page(callback: &str, query: Option<&str>, auto: bool) -> String {
    let target = match query {
        Some(query) => format!("{callback}?{query}"),
        None => callback.to_string(),
    };
    let href = escape_html(&target);
    let script = if auto {
        "<script>setTimeout(() => document.getElementById('continue').click(), 200);</script>"
    } else {
        ""
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Provider page</title></head>\
         <body><h1>Provider page</h1><p id=\"opener\"></p>\
         <script>document.getElementById('opener').textContent = window.opener ? 'opener' : 'no opener';</script>\
         <a id=\"continue\" href=\"{href}\">Continue</a>{script}</body></html>"
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind page server");
    let addr = listener.local_addr().expect("page server address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}
