//! `GET /providers` and `GET /providers/{provider}`: the catalog as Nango lists it (SPEC §9),
//! `{data: [...]}` and `{data: {...}}`, each entry in the shape of Nango's `providers.yaml`
//! with its `name`, limited to the fields our catalog has (it holds no secrets). `?search=`
//! keeps the entries whose name or display name contains the text, ignoring case.
//!
//! Readable with the secret key and with a connect session token (SPEC §7): a session may
//! read any provider.

use crate::catalog::{AuthMode, BodyFormat, ClientAuth, ConfigParam, Provider};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiCaller, Json, Path, QueryParams};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/providers", get(list_providers)).route("/providers/{provider}", get(get_provider))
}

/// Longest `search` accepted (Nango's limit for names).
const MAX_SEARCH: usize = 255;

async fn list_providers(
    State(state): State<AppState>,
    _caller: ApiCaller,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["search"])?;
    let search = query.get(&["search"]).map(str::to_lowercase);
    if search.as_ref().is_some_and(|search| search.chars().count() > MAX_SEARCH) {
        return Err(ApiError::new(
            ErrorCode::InvalidQueryParams,
            format!("`search` is at most {MAX_SEARCH} characters"),
        ));
    }
    let matches = |provider: &&Provider| match &search {
        None => true,
        Some(search) => {
            provider.name.to_lowercase().contains(search.as_str())
                || provider
                    .display_name
                    .as_ref()
                    .is_some_and(|name| name.to_lowercase().contains(search.as_str()))
        }
    };
    let data: Vec<Value> = state.catalog.providers().filter(matches).map(provider_json).collect();
    Ok(Json(json!({ "data": data })))
}

async fn get_provider(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(name): Path<String>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&[])?;
    let provider = state
        .catalog
        .get(&name)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no provider `{name}` in the catalog")))?;
    Ok(Json(json!({ "data": provider_json(provider) })))
}

/// One entry in Nango's field names; absent and empty fields are left out, as in its file.
pub fn provider_json(provider: &Provider) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(provider.name));
    out.insert("display_name".into(), json!(provider.display_name.as_deref().unwrap_or(&provider.name)));
    out.insert("auth_mode".into(), json!(provider.auth_mode.as_str()));
    let mut put = |key: &str, value: Value| {
        let empty = match &value {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(fields) => fields.is_empty(),
            _ => false,
        };
        if !empty {
            out.insert(key.to_owned(), value);
        }
    };
    put("logo_url", json!(provider.logo_url));
    put("categories", json!(provider.categories));
    put("docs", json!(provider.docs));
    if provider.auth_mode == AuthMode::OAuth2 {
        put("authorization_url", json!(provider.authorization_url));
        put("authorization_url_fragment", json!(provider.authorization_url_fragment));
        let replacements: Map<String, Value> = provider
            .authorization_url_replacements
            .iter()
            .map(|(from, to)| (from.clone(), json!(to)))
            .collect();
        put("authorization_url_replacements", Value::Object(replacements));
        put("authorization_params", json!(provider.authorization_params));
        put("token_url", json!(provider.token_url));
        put("token_params", json!(provider.token_params));
        put("refresh_url", json!(provider.refresh_url));
        put("refresh_params", json!(provider.refresh_params));
        put("scope_separator", json!(provider.scope_separator));
        put("default_scopes", json!(provider.default_scopes));
        put("disable_pkce", json!(provider.disable_pkce));
        let client_auth = match provider.authorization_method {
            ClientAuth::Body => "body",
            ClientAuth::Header => "header",
        };
        put("authorization_method", json!(client_auth));
        let body_format = match provider.body_format {
            BodyFormat::Form => "form",
            BodyFormat::Json => "json",
        };
        put("body_format", json!(body_format));
        put("token_response_metadata", json!(provider.token_response_metadata));
        put("redirect_uri_metadata", json!(provider.redirect_uri_metadata));
        put("token_expiration_buffer", json!(provider.token_expiration_buffer));
    }
    if let Some(proxy) = &provider.proxy {
        put("proxy", json!({ "base_url": proxy.base_url, "headers": proxy.headers }));
    }
    let connection_config: Map<String, Value> =
        provider.connection_config.iter().map(|(key, param)| (key.clone(), param_json(param))).collect();
    put("connection_config", Value::Object(connection_config));
    Value::Object(out)
}

/// A declared param in Nango's `SimplifiedJSONSchema` field names.
fn param_json(param: &ConfigParam) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!("string"));
    out.insert("title".into(), json!(param.title.as_deref().unwrap_or_default()));
    out.insert("description".into(), json!(param.description.as_deref().unwrap_or_default()));
    let optional = [
        ("example", json!(param.example)),
        ("pattern", json!(param.pattern)),
        ("format", json!(param.format)),
        ("prefix", json!(param.prefix)),
        ("suffix", json!(param.suffix)),
        ("default_value", json!(param.default_value)),
        ("order", json!(param.order)),
        ("doc_section", json!(param.doc_section)),
    ];
    out.extend(
        optional.into_iter().filter(|(_, value)| !value.is_null()).map(|(key, value)| (key.into(), value)),
    );
    if !param.allowed_values.is_empty() {
        out.insert("enum".into(), json!(param.allowed_values));
    }
    let flags = [
        ("optional", param.optional && !param.automated),
        ("automated", param.automated),
        ("hidden", param.hidden),
    ];
    out.extend(flags.into_iter().filter(|(_, set)| *set).map(|(key, _)| (key.into(), json!(true))));
    Value::Object(out)
}
