//! Static files (SPEC §6): the demo page (`www-demo/`, embedded in the binary so the server
//! serves it from any directory) at `/` (where a WebSocket upgrade is the result socket), and the built npm package (`cargo xtask build-sdk` →
//! `sdk-wasm/pkg/`, or `NANGO_SDK_DIR`) at `/sdk/`. The demo page's own routes are in
//! `demo/page.rs` and exist only with `NANGO_DEMO=true`.

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::HeaderMap;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the package is looked for when `NANGO_SDK_DIR` is not set (relative to the current dir).
pub const DEFAULT_SDK_DIR: &str = "sdk-wasm/pkg";

const INDEX_HTML: &str = include_str!("../../www-demo/index.html");
const DEMO_CSS: &str = include_str!("../../www-demo/demo.css");
const DEMO_JS: &str = include_str!("../../www-demo/demo.js");

pub fn routes(config: &Config) -> Router<AppState> {
    let sdk_dir = config.sdk_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SDK_DIR));
    let missing_dir = sdk_dir.clone();
    // Missing files answer our JSON error; a missing package says how to build it.
    let sdk = ServeDir::new(&sdk_dir)
        .append_index_html_on_directories(false)
        .not_found_service((move || sdk_not_found(missing_dir.clone())).into_service());
    Router::new()
        .route("/", get(root))
        .route("/index.html", get(index))
        .route("/demo.css", get(|| async { text(DEMO_CSS, "text/css; charset=utf-8") }))
        .route("/demo.js", get(|| async { text(DEMO_JS, "text/javascript; charset=utf-8") }))
        .nest_service(
            "/sdk",
            Router::new()
                .fallback_service(sdk)
                // Apps on other origins import the module and fetch its wasm: both need CORS.
                .layer(SetResponseHeaderLayer::overriding(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                ))
                // The package changes on every `build-sdk`; browsers revalidate (ETag/Last-Modified).
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                )),
        )
}

/// `/` is two things (SPEC §8): a WebSocket upgrade there is `@nangohq/frontend`'s result
/// socket (`oauth/socket.rs`), any other GET the demo page.
async fn root(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(upgrade) => crate::oauth::socket::open(state, Some(peer), &headers, upgrade),
        // A request that asks for a WebSocket and gets it wrong hears why.
        Err(rejection) if headers.contains_key(header::UPGRADE) => rejection.into_response(),
        Err(_) => index().await,
    }
}

/// The demo page: only its own scripts, styles and calls (the SDK compiles wasm, hence
/// `'wasm-unsafe-eval'`); never framed; no referrer leaves it.
async fn index() -> Response {
    let mut response = text(INDEX_HTML, "text/html; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn text(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

async fn sdk_not_found(sdk_dir: PathBuf) -> ApiError {
    if sdk_dir.join("nango.js").is_file() {
        ApiError::new(ErrorCode::NotFound, "no such file in the SDK package")
    } else {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "the SDK package is not built: no nango.js in `{}`; build it with `cargo xtask build-sdk` \
                 (or point NANGO_SDK_DIR at a built package)",
                sdk_dir.display()
            ),
        )
    }
}
