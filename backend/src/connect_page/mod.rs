//! The hosted connect page (SPEC §10): `GET /connect` (also `/connect/`, the URL Nango's
//! `openConnectUI` frames), its script and styles (`www-connect/`, embedded in the binary), and
//! `GET /connect/config` (`config`), the data it shows for a connect session. The page runs our
//! own SDK from `/sdk/`; the flows it starts are ordinary `/oauth/connect` flows.
//!
//! The page is the `connect_link` of `POST /connect/sessions` and the frame of Connect UI, so
//! unlike our other pages it may be embedded: `frame-ancestors` lists the environment's
//! `allowed_origins`, or any origin while that list is empty (SPEC §13 "Responses").

pub mod config;

use crate::error::ApiError;
use crate::extract::Path;
use crate::ids::parse_origin;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const PAGE_HTML: &str = include_str!("../../../www-connect/index.html");
const PAGE_CSS: &str = include_str!("../../../www-connect/page.css");
const PAGE_JS: &str = include_str!("../../../www-connect/page.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connect", get(get_page))
        .route("/connect/", get(get_page))
        .route("/connect/config", get(config::get_config))
        .route("/connect/{file}", get(get_asset))
}

/// The page. Its session token comes from `?session_token=` or, inside Connect UI, from the
/// parent frame; the page itself holds no data.
#[utoipa::path(
    get,
    path = "/connect",
    tag = "server",
    summary = "The hosted connect page (the connect link, and Connect UI's frame)",
    params(
        ("session_token" = Option<String>, Query, description = "The connect session token (a connect link); inside Connect UI the parent frame sends it"),
        ("theme" = Option<String>, Query, description = "`light` or `dark` (default: the browser's preference)"),
    ),
    responses((status = 200, description = "The page", content_type = "text/html", body = String))
)]
pub async fn get_page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let ancestors = frame_ancestors(&state, query.as_deref()).await;
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' https: data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    let mut response = PAGE_HTML.into_response();
    let headers = response.headers_mut();
    file_headers(headers, "text/html; charset=utf-8");
    // The URL may carry the session token: never cached, never sent on as a referrer.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    response
}

/// The page's styles (`page.css`) and script (`page.js`).
#[utoipa::path(
    get,
    path = "/connect/{file}",
    tag = "server",
    summary = "A file of the connect page: `page.css` or `page.js`",
    params(("file" = String, Path, description = "`page.css` or `page.js`")),
    responses(
        (status = 200, description = "The file", content((String = "text/css"), (String = "text/javascript"))),
        crate::schemas::errors::NotFoundErrors,
    )
)]
pub async fn get_asset(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "page.css" => (PAGE_CSS, "text/css; charset=utf-8"),
        "page.js" => (PAGE_JS, "text/javascript; charset=utf-8"),
        _ => return ApiError::not_found("no such file of the connect page").into_response(),
    };
    let mut response = body.into_response();
    file_headers(response.headers_mut(), content_type);
    // Embedded: they change only with the binary; browsers revalidate.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Who may frame the page: the allowed origins of the session's environment (the default
/// environment when the URL carries no token, as inside Connect UI), any origin while that list
/// is empty. Entries that are not plain origins are left out rather than written into the header.
async fn frame_ancestors(state: &AppState, query: Option<&str>) -> String {
    let token = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "session_token")
        .map(|(_, value)| value.into_owned());
    let now = crate::time::now();
    let environment = match token {
        Some(token) => match crate::sessions::lookup(state, &token, now).await {
            Ok(session) => state.store.environment_by_id(session.environment_id).await.ok().flatten(),
            Err(_) => None,
        },
        None => None,
    };
    let environment = match environment {
        Some(environment) => Some(environment),
        None => state.store.default_environment().await.ok().flatten(),
    };
    let Some(environment) = environment else { return "'none'".into() };
    if environment.settings.allowed_origins.is_empty() {
        return "*".into();
    }
    let origins: Vec<String> =
        environment.settings.allowed_origins.iter().filter_map(|origin| parse_origin(origin)).collect();
    if origins.is_empty() {
        "'none'".into()
    } else {
        origins.join(" ")
    }
}

fn file_headers(headers: &mut HeaderMap, content_type: &'static str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}
