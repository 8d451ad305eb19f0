//! `/environment`: read and change the environment's settings (callback URL, HMAC, webhook,
//! allowed origins), and compute connect HMAC digests for the secret-key holder (SPEC §3, §5).

use crate::crypto::hmac::connect_digest;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Json;
use crate::extract::{parse_connection_id, parse_integration_key, AuthedEnvironment, QueryParams};
use crate::schemas::{self, errors::HmacErrors, errors::SecretKeyErrors, errors::SettingsErrors};
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Environment, EnvironmentSettings};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

/// Shorter HMAC keys are refused: the digest is only as strong as its key.
const MIN_HMAC_KEY_LEN: usize = 16;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/environment", get(get_environment).patch(patch_environment))
        .route("/environment/hmac", get(get_hmac))
        .route("/environment/keys", get(get_keys))
}

#[utoipa::path(
    get,
    path = "/environment",
    tag = "environment",
    summary = "The environment's settings",
    security(("secretKey" = [])),
    responses((status = 200, description = "The settings", body = schemas::environment::Environment), SecretKeyErrors)
)]
async fn get_environment(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Json<Value> {
    Json(environment_json(&state, &environment))
}

/// Partial update: only the fields present change; `null` clears a URL or the HMAC key.
#[utoipa::path(
    patch,
    path = "/environment",
    tag = "environment",
    summary = "Change the environment's settings",
    description = "Only the fields present change; `null` clears a URL, the HMAC key or the origins.",
    security(("secretKey" = [])),
    request_body = schemas::environment::EnvironmentPatch,
    responses((status = 200, description = "The settings after the change", body = schemas::environment::Environment), SettingsErrors)
)]
async fn patch_environment(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let Value::Object(patch) = body else {
        return Err(invalid("the body must be a JSON object"));
    };
    let settings = apply_patch(environment.settings.clone(), &patch)?;
    let updated =
        state.store.update_environment_settings(environment.id, &settings, crate::time::now()).await?;
    state.environments.clear();
    Ok(Json(environment_json(&state, &updated)))
}

/// `GET /environment/hmac?provider_config_key=..&connection_id=..` → `{hmac}`.
#[utoipa::path(
    get,
    path = "/environment/hmac",
    tag = "environment",
    summary = "The connect HMAC digest of an integration and connection id",
    security(("secretKey" = [])),
    params(
        ("provider_config_key" = String, Query, description = "The integration (alias: `integration_id`)"),
        ("connection_id" = String, Query, description = "The connection id the flow will save"),
    ),
    responses((status = 200, description = "The digest", body = schemas::environment::HmacDigest), HmacErrors)
)]
async fn get_hmac(
    AuthedEnvironment(environment): AuthedEnvironment,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let integration = query
        .get(&["provider_config_key", "integration_id"])
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "provider_config_key is required"))
        .and_then(parse_integration_key)?;
    let connection_id = query
        .get(&["connection_id"])
        .ok_or_else(|| ApiError::new(ErrorCode::MissingConnectionId, "connection_id is required"))
        .and_then(parse_connection_id)?;
    let key = environment.settings.hmac_key.as_ref().ok_or_else(|| invalid("no hmac_key is set"))?;
    Ok(Json(json!({ "hmac": connect_digest(key, integration.as_str(), connection_id.as_str()) })))
}

/// The keys, for the console's reveal and copy buttons; each reveal is logged (without the key).
#[utoipa::path(
    get,
    path = "/environment/keys",
    tag = "environment",
    summary = "The environment's secret and public keys",
    description = "Each call is logged (the key is not). The console reveals the secret key with it.",
    security(("secretKey" = [])),
    responses((status = 200, description = "The keys", body = schemas::admin::EnvironmentKeys), SecretKeyErrors)
)]
async fn get_keys(AuthedEnvironment(environment): AuthedEnvironment) -> Json<Value> {
    tracing::info!(environment = %environment.name, "the secret key was revealed");
    Json(json!({ "secret_key": environment.secret_key.expose(), "public_key": environment.public_key }))
}

/// The secret-key holder may see the HMAC key: it is theirs to compute digests with.
fn environment_json(state: &AppState, environment: &Environment) -> Value {
    let settings = &environment.settings;
    json!({
        "name": environment.name,
        "public_key": environment.public_key,
        "callback_url": settings.callback_url,
        "default_callback_url": state.config.default_callback_url(),
        "hmac_enabled": settings.hmac_enabled,
        "hmac_key": settings.hmac_key.as_ref().map(|key| key.expose()),
        "webhook_url": settings.webhook_url,
        "allowed_origins": settings.allowed_origins,
    })
}

fn apply_patch(
    mut settings: EnvironmentSettings,
    patch: &Map<String, Value>,
) -> Result<EnvironmentSettings, ApiError> {
    for (field, value) in patch {
        match field.as_str() {
            "callback_url" => settings.callback_url = optional_url(field, value)?,
            "webhook_url" => settings.webhook_url = optional_url(field, value)?,
            "hmac_enabled" => {
                settings.hmac_enabled =
                    value.as_bool().ok_or_else(|| invalid("hmac_enabled must be true or false"))?;
            }
            "hmac_key" => {
                settings.hmac_key = match value {
                    Value::Null => None,
                    Value::String(key) if key.chars().count() >= MIN_HMAC_KEY_LEN => {
                        Some(Secret::new(key.clone()))
                    }
                    _ => {
                        return Err(invalid(format!(
                            "hmac_key must be a string of at least {MIN_HMAC_KEY_LEN} characters, or null"
                        )))
                    }
                };
            }
            "allowed_origins" => settings.allowed_origins = origins(value)?,
            other => return Err(invalid(format!("unknown setting `{other}`"))),
        }
    }
    if settings.hmac_enabled && settings.hmac_key.is_none() {
        return Err(invalid("hmac_enabled needs an hmac_key (set it in the same request or before)"));
    }
    Ok(settings)
}

/// An absolute http(s) URL, or `null`.
fn optional_url(field: &str, value: &Value) -> Result<Option<String>, ApiError> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.trim(),
        _ => return Err(invalid(format!("{field} must be an absolute http(s) URL or null"))),
    };
    match url::Url::parse(text) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() => {
            Ok(Some(text.to_owned()))
        }
        _ => Err(invalid(format!("{field} must be an absolute http(s) URL or null"))),
    }
}

/// A list of origins (`scheme://host[:port]`), stored in their serialised form.
fn origins(value: &Value) -> Result<Vec<String>, ApiError> {
    let not_a_list = || invalid("allowed_origins must be a list of origins such as https://app.example.com");
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(not_a_list()),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let text = item.as_str().ok_or_else(not_a_list)?.trim();
        out.push(
            origin(text)
                .ok_or_else(|| invalid(format!("`{text}` is not an origin (scheme://host[:port])")))?,
        );
    }
    out.dedup();
    Ok(out)
}

fn origin(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text).ok()?;
    let is_bare = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        // `Url` normalises `https://a.com` to `https://a.com/`, so look at the text for a path.
        && text.split_once("://").is_some_and(|(_, rest)| !rest.trim_end_matches('/').contains('/'));
    is_bare.then(|| parsed.origin().ascii_serialization())
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
    ApiError::new(ErrorCode::InvalidSettings, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_bare_scheme_host_port() {
        assert_eq!(origin("https://app.example.com").as_deref(), Some("https://app.example.com"));
        assert_eq!(origin("http://localhost:8080/").as_deref(), Some("http://localhost:8080"));
        assert_eq!(origin("HTTPS://App.Example.com:443").as_deref(), Some("https://app.example.com"));
        assert_eq!(origin("https://app.example.com/path"), None);
        assert_eq!(origin("https://app.example.com?x=1"), None);
        assert_eq!(origin("https://user@app.example.com"), None);
        assert_eq!(origin("ftp://app.example.com"), None);
        assert_eq!(origin("app.example.com"), None);
        assert_eq!(origin("*"), None);
    }

    #[test]
    fn patch_validates_urls_and_hmac() {
        let ok = apply_patch(
            EnvironmentSettings::default(),
            json!({"callback_url": "https://x.io/cb"}).as_object().unwrap_or(&Map::new()),
        );
        assert!(ok.is_ok_and(|s| s.callback_url.as_deref() == Some("https://x.io/cb")));
        let patch = |value: Value| {
            apply_patch(EnvironmentSettings::default(), value.as_object().unwrap_or(&Map::new()))
        };
        assert!(patch(json!({"callback_url": "/relative"})).is_err());
        assert!(patch(json!({"callback_url": "javascript:alert(1)"})).is_err());
        assert!(patch(json!({"webhook_url": 3})).is_err());
        assert!(patch(json!({"hmac_enabled": true})).is_err());
        assert!(patch(json!({"hmac_enabled": true, "hmac_key": "short"})).is_err());
        assert!(patch(json!({"hmac_enabled": true, "hmac_key": "0123456789abcdef"}))
            .is_ok_and(|s| s.hmac_enabled));
        assert!(patch(json!({"surprise": 1})).is_err());
        assert!(patch(json!({"callback_url": null})).is_ok_and(|s| s.callback_url.is_none()));
    }
}
