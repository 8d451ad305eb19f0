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
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{Content, Required};

/// Where the package is looked for when `NANGO_SDK_DIR` is not set (relative to the current dir).
pub const DEFAULT_SDK_DIR: &str = "sdk-wasm/pkg";

const INDEX_HTML: &str = include_str!("../../www-demo/index.html");
const DEMO_CSS: &str = include_str!("../../www-demo/demo.css");
const DEMO_JS: &str = include_str!("../../www-demo/demo.js");

pub fn routes(config: &Config) -> Router<AppState> {
    let sdk_dir = config.sdk_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SDK_DIR));
    warn_without_sdk(config, &sdk_dir);
    let missing_dir = sdk_dir.clone();
    // Missing files answer our JSON error; a missing package says how to build it.
    let sdk = ServeDir::new(&sdk_dir)
        .append_index_html_on_directories(false)
        .not_found_service((move || sdk_not_found(missing_dir.clone())).into_service());
    Router::new()
        .route("/", get(root))
        .route("/index.html", get(index))
        .route("/demo.css", get(demo_css))
        .route("/demo.js", get(demo_js))
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
#[utoipa::path(
    get,
    path = "/",
    tag = "server",
    summary = "The demo page, or the WebSocket result channel of `@nangohq/frontend`",
    description = "With `Upgrade: websocket` this is the result channel: the server sends \
        `{\"message_type\": \"connection_ack\", \"ws_client_id\": \"<uuid>\"}`, the client opens \
        `/oauth/connect/{integration}?ws_client_id=..`, and the socket then receives one `success` or \
        `error` message and is closed. Any other GET answers the demo page.",
    params(("Upgrade" = Option<String>, Header, description = "`websocket` for the result channel")),
    responses(
        (status = 101, description = "The WebSocket result channel"),
        (status = 200, description = "The demo page", content_type = "text/html", body = String),
        crate::schemas::errors::SocketErrors,
    )
)]
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
#[utoipa::path(
    get,
    path = "/index.html",
    tag = "server",
    summary = "The demo page",
    responses((status = 200, description = "The demo page", content_type = "text/html", body = String))
)]
async fn index() -> Response {
    let mut response = crate::html::embedded_file(INDEX_HTML, "text/html; charset=utf-8");
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

#[utoipa::path(
    get,
    path = "/demo.css",
    tag = "server",
    summary = "The demo page's styles",
    responses((status = 200, description = "CSS", content_type = "text/css", body = String))
)]
async fn demo_css() -> Response {
    crate::html::embedded_file(DEMO_CSS, "text/css; charset=utf-8")
}

#[utoipa::path(
    get,
    path = "/demo.js",
    tag = "server",
    summary = "The demo page's script",
    responses((status = 200, description = "JavaScript", content_type = "text/javascript", body = String))
)]
async fn demo_js() -> Response {
    crate::html::embedded_file(DEMO_JS, "text/javascript; charset=utf-8")
}

/// The OpenAPI path of the package's files: a service answers them, so no handler carries
/// the annotation.
pub fn sdk_path_item() -> (&'static str, PathItem) {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let file = ParameterBuilder::new()
        .name("file")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("A file of the package (`nango.js`, `nango_bg.wasm`, ...); may hold `/`"))
        .schema(Some(string()));
    let found =
        ResponseBuilder::new().description("The file, with `Access-Control-Allow-Origin: *`").content(
            "*/*",
            Content::new(Some(string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))))),
        );
    let responses = ResponsesBuilder::new()
        .response("200", found)
        .responses_from_into_responses::<crate::schemas::errors::NotFoundErrors>();
    let operation = OperationBuilder::new()
        .tag("server")
        .operation_id(Some("get_sdk_file"))
        .summary(Some("A file of the browser SDK package (`cargo xtask build-sdk`)"))
        .parameter(file)
        .responses(responses);
    ("/sdk/{file}", PathItem::new(HttpMethod::Get, operation))
}

/// The demo page (and any app importing `/sdk/nango.js`) needs the built package: say so at
/// start, with the path looked at, rather than only in the browser.
fn warn_without_sdk(config: &Config, sdk_dir: &std::path::Path) {
    let wanted = config.demo || config.sdk_dir.is_some();
    if wanted && !sdk_dir.join("nango.js").is_file() {
        let looked_at = std::path::absolute(sdk_dir).unwrap_or_else(|_| sdk_dir.to_path_buf());
        tracing::warn!(
            sdk_dir = %looked_at.display(),
            "NANGO_SDK_DIR: no SDK package (nango.js) at {}; /sdk/ and the demo page's Connect button \
             will not work until it is built with `cargo xtask build-sdk` or NANGO_SDK_DIR points at a built package",
            looked_at.display()
        );
    }
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
