//! `GET /openapi.json`: the OpenAPI 3.1 description of every route (SPEC §9), built from the
//! `#[utoipa::path]` annotation on each handler, next to its route, and the wire shapes of
//! `schemas/`. `tests/api/openapi.rs` validates the document, checks that it lists exactly the
//! routes the router serves, and checks every documented answer of a real server against it.
//!
//! This module sits beside `app`: it gathers the paths of the HTTP modules (`api/doc.rs` for
//! the secret-key API) and adds what no single route knows: the security schemes, the demo
//! routes when `NANGO_DEMO=true`, and unique operation ids.

use crate::config::Config;
use crate::metrics::MetricsAccess;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, PathItem, Server};
use utoipa::{Modify, OpenApi};

/// The security schemes the annotations name.
pub const SECURITY_SCHEMES: [&str; 4] =
    ["secretKey", "publicKey", "connectSessionToken", "connectSessionTokenQuery"];

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(get_openapi))
}

/// The document for this server: its URL, and the demo routes only when they are mounted.
pub fn document(config: &Config) -> Document {
    let mut document = Routes::openapi();
    document.merge(crate::api::doc::openapi());
    document.merge(crate::admin::doc::openapi());
    if config.demo {
        document.merge(DemoRoutes::openapi());
    }
    match config.metrics {
        MetricsAccess::Off => {}
        MetricsAccess::Open => document.merge(OpenMetrics::openapi()),
        MetricsAccess::Secret => document.merge(SecretMetrics::openapi()),
    }
    let (sdk_path, sdk_item) = crate::assets::sdk_path_item();
    document.paths.paths.insert(sdk_path.into(), sdk_item);
    for alias in ALIASES {
        alias.apply(&mut document);
    }
    document.servers = Some(vec![Server::new(config.server_url.trim_end_matches('/'))]);
    unique_operation_ids(&mut document);
    document
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "server",
    summary = "This document",
    description = "The OpenAPI 3.1 description of every route of this server, generated from the code.",
    responses(
        (status = 200, description = "An OpenAPI 3.1 document", content_type = "application/json", body = crate::schemas::JsonObject),
        crate::schemas::errors::PublicErrors,
    )
)]
async fn get_openapi(State(state): State<AppState>) -> Response {
    match document(&state.config).to_json() {
        Ok(json) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response()
        }
        Err(error) => crate::error::ApiError::internal(error).into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "nango-server",
        description = "An OAuth connection broker compatible with Nango's clients. Every error answers \
            `{\"error\": {\"code\", \"message\"}}` and its HTTP status is a function of the code. The \
            demo routes (`/demo/...`) are listed only when the server runs with `NANGO_DEMO=true`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        crate::app::health,
        crate::app::ready,
        get_openapi,
        crate::oauth::connect::get_connect,
        crate::oauth::callback::get_callback,
        crate::oauth::flows::get_flow,
        crate::oauth::flows::get_flow_events,
        crate::oauth::flows::preflight,
        crate::oauth::api_auth::post_api_key,
        crate::oauth::api_auth::post_basic,
        crate::oauth::api_auth::preflight,
        crate::assets::root,
        crate::assets::index,
        crate::assets::demo_css,
        crate::assets::demo_js,
        crate::connect_page::get_page,
        crate::connect_page::get_asset,
        crate::connect_page::config::get_config,
        crate::proxy::proxy,
    ),
    components(schemas(crate::schemas::errors::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "integrations", description = "The configured apps of providers (secret key)"),
        (name = "providers", description = "The catalog of providers"),
        (name = "connections", description = "Connections and their credentials (secret key)"),
        (name = "metadata", description = "A connection's metadata (secret key)"),
        (name = "environment", description = "The environment's settings (secret key)"),
        (name = "connect sessions", description = "Short-lived tokens that let a browser start flows"),
        (name = "webhooks", description = "The webhook outbox: events, their deliveries, replays and test events (secret key)"),
        (name = "oauth", description = "The browser's flows: connect, callback, outcomes, credentials"),
        (name = "proxy", description = "Calls to a provider's API with a connection's credentials"),
        (name = "server", description = "Health, static files and this document"),
        (name = "admin", description = "The admin console (`/admin/`) and its sign-in"),
        (name = "demo", description = "The built-in demo provider and page (NANGO_DEMO=true only)"),
    ),
)]
struct Routes;

/// `GET /metrics` as `NANGO_METRICS` mounts it (`metrics/http.rs`).
#[derive(OpenApi)]
#[openapi(paths(crate::metrics::http::open_metrics))]
struct OpenMetrics;

#[derive(OpenApi)]
#[openapi(paths(crate::metrics::http::secret_metrics))]
struct SecretMetrics;

/// The routes `demo::routes()` mounts with `NANGO_DEMO=true` (SPEC §13 "Demo").
#[derive(OpenApi)]
#[openapi(paths(
    crate::demo::provider::get_authorize,
    crate::demo::provider::post_authorize,
    crate::demo::provider::post_token,
    crate::demo::api::get_me,
    crate::demo::page::get_config,
    crate::demo::page::get_connection,
    crate::demo::session::post_connect_session,
))]
struct DemoRoutes;

/// Routes that mount a documented handler under a second path (one annotation per handler).
const ALIASES: [Alias; 8] = [
    // `api/compat.rs` and `api/connections.rs`: Nango's paths, old and new, onto one handler.
    Alias { path: "/connections", of: "/connection", methods: &["get"] },
    Alias { path: "/connection", of: "/connections", methods: &["post"] },
    Alias { path: "/connection/metadata", of: "/connections/metadata", methods: &["post", "patch"] },
    Alias {
        path: "/connections/{connection_id}/events",
        of: "/connection/{connection_id}/events",
        methods: &["get"],
    },
    Alias {
        path: "/connections/{connection_id}",
        of: "/connection/{connection_id}",
        methods: &["get", "delete"],
    },
    // `connect_page`: Nango's `openConnectUI` frames the page's URL with a trailing `/`.
    Alias { path: "/connect/", of: "/connect", methods: &["get"] },
    // One CORS preflight handler per module.
    Alias { path: "/oauth/flows/{flow}/events", of: "/oauth/flows/{flow}", methods: &["options"] },
    Alias {
        path: "/api-auth/basic/{integration}",
        of: "/api-auth/api-key/{integration}",
        methods: &["options"],
    },
];

struct Alias {
    path: &'static str,
    of: &'static str,
    methods: &'static [&'static str],
}

impl Alias {
    /// Copy the operations of `of` to `path`; the copies' ids end with the path.
    fn apply(&self, document: &mut Document) {
        let Some(mut source) = document.paths.paths.get(self.of).cloned() else { return };
        let target = document.paths.paths.entry(self.path.to_string()).or_default();
        let slug = slug(self.path);
        let sources = operations(&mut source);
        for ((method, into), (_, from)) in operations(target).into_iter().zip(sources) {
            if !self.methods.contains(&method) {
                continue;
            }
            if let Some(mut operation) = from.clone() {
                operation.operation_id = operation.operation_id.map(|id| format!("{id}_at_{slug}"));
                *into = Some(operation);
            }
        }
        if target.parameters.is_none() {
            target.parameters = source.parameters.clone();
        }
    }
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build(),
            )
        };
        let [secret_key, public_key, session_token, session_token_query] = SECURITY_SCHEMES;
        components.add_security_scheme(
            secret_key,
            bearer("The environment's secret key: `Authorization: Bearer <secret key>`."),
        );
        components.add_security_scheme(
            public_key,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "public_key",
                "The environment's public key; with HMAC on, `hmac` must be the connect digest too.",
            ))),
        );
        components.add_security_scheme(
            session_token,
            bearer("A connect session token (`nango_connect_session_...`) as `Authorization: Bearer`."),
        );
        components.add_security_scheme(
            session_token_query,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "connect_session_token",
                "A connect session token, in place of `public_key` and `hmac`.",
            ))),
        );
    }
}

/// The methods an OpenAPI path item has, with their operations.
pub fn operations(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 8] {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
}

/// An operation id names one operation: a handler documented for several methods or paths
/// (the proxy, the compatibility aliases) gets the method, then the path, appended.
fn unique_operation_ids(document: &mut Document) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for item in document.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            if let Some(id) = operation.as_ref().and_then(|operation| operation.operation_id.clone()) {
                *seen.entry(id).or_default() += 1;
            }
        }
    }
    let mut taken: Vec<String> = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, operation) in operations(item) {
            let Some(operation) = operation.as_mut() else { continue };
            let Some(id) = operation.operation_id.clone() else { continue };
            if seen.get(&id).copied().unwrap_or_default() < 2 {
                continue;
            }
            let mut unique = format!("{id}_{method}");
            if taken.contains(&unique) {
                unique = format!("{id}_{method}_at_{}", slug(path));
            }
            taken.push(unique.clone());
            operation.operation_id = Some(unique);
        }
    }
}

/// `/connections/{connection_id}` → `connections_connection_id`.
fn slug(path: &str) -> String {
    let words: Vec<&str> =
        path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(demo: bool) -> Config {
        let vars = vec![("NANGO_DEMO".to_string(), demo.to_string())];
        Config::from_sources(None, &vars).unwrap()
    }

    #[test]
    fn operation_ids_are_unique_and_security_names_a_scheme() {
        let mut document = document(&config(true));
        let mut ids = std::collections::BTreeSet::new();
        let schemes: Vec<String> =
            document.components.as_ref().unwrap().security_schemes.keys().cloned().collect();
        for (path, item) in document.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let Some(operation) = operation else { continue };
                let id = operation.operation_id.clone().unwrap();
                assert!(ids.insert(id.clone()), "{method} {path}: operation id {id} twice");
                for requirement in operation.security.iter().flatten() {
                    let json = serde_json::to_value(requirement).unwrap();
                    for name in json.as_object().unwrap().keys() {
                        assert!(schemes.contains(name), "{method} {path}: no security scheme {name}");
                    }
                }
            }
        }
        assert_eq!(schemes.len(), SECURITY_SCHEMES.len());
    }

    #[test]
    fn metrics_are_listed_as_mounted() {
        let with = |access: &str| {
            let vars = vec![("NANGO_METRICS".to_string(), access.to_string())];
            serde_json::to_value(document(&Config::from_sources(None, &vars).unwrap())).unwrap()
        };
        assert!(with("off")["paths"].get("/metrics").is_none());
        assert!(with("open")["paths"]["/metrics"]["get"].get("security").is_none());
        assert_eq!(
            with("secret")["paths"]["/metrics"]["get"]["security"][0]["secretKey"],
            serde_json::json!([])
        );
    }

    #[test]
    fn demo_routes_are_listed_only_when_mounted() {
        let with = document(&config(true));
        let without = document(&config(false));
        assert!(with.paths.paths.contains_key("/demo/config"));
        assert!(!without.paths.paths.keys().any(|path| path.starts_with("/demo/")));
        assert!(without.paths.paths.contains_key("/connection/{connection_id}"));
        assert_eq!(serde_json::to_value(&without).unwrap()["openapi"], "3.1.0");
    }
}
