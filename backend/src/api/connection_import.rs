//! `POST /connections` (and Nango's older `POST /connection`): import a connection from
//! credentials the app already holds — `OAUTH2` (access token, refresh token, expiry),
//! `API_KEY`, `BASIC` — checked strictly like Nango's body, every problem with its path.
//! The rules (integration, auth mode, declared parameters) are in `connections::import`.

use super::connection_json;
use crate::connections::import::{import, Import};
use crate::connections::open_credentials;
use crate::credentials::Credentials;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{AuthedEnvironment, Json};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::secret::Secret;
use crate::sessions::request::{end_user, error, top_level_tags, webhook_url};
use crate::sessions::FieldError;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

const BODY_KEYS: &[&str] = &[
    "provider_config_key",
    "connection_id",
    "credentials",
    "connection_config",
    "metadata",
    "end_user",
    "tags",
    "webhook_url_override",
];

/// A token of Nango's size limit.
const MAX_TOKEN_CHARS: usize = 20_000;

/// 201 with the connection, credentials included (as Nango answers an import).
#[utoipa::path(
    post,
    path = "/connections",
    tag = "connections",
    summary = "Import a connection from credentials the app already holds",
    security(("secretKey" = [])),
    request_body = crate::schemas::connections::ConnectionImport,
    responses(
        (status = 201, description = "The connection, credentials included", body = crate::schemas::connections::Connection),
        crate::schemas::errors::ConnectionImportErrors,
    )
)]
pub(super) async fn post_connection(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    crate::extract::QueryParams::parse(query.as_deref()).only(&[])?;
    let request = parse(&body).map_err(|errors| ApiError::with_errors(ErrorCode::InvalidBody, errors))?;
    let saved = import(&state, &environment, request, crate::time::now()).await?;
    let credentials = open_credentials(&state, &saved.connection)?;
    let view = connection_json(&saved.connection, &credentials, true, saved.connection.last_fetched_at)?;
    // Serialised here: the view borrows the connection.
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

fn parse(body: &Value) -> Result<Import, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(object) = body.as_object() else {
        return Err(vec![error("invalid_type", "the body must be a JSON object", &[])]);
    };
    for key in object.keys().filter(|key| !BODY_KEYS.contains(&key.as_str())) {
        errors.push(error("unrecognized_keys", &format!("unknown key `{key}`"), &[key]));
    }
    let integration_key = match object.get("provider_config_key").and_then(Value::as_str) {
        Some(raw) => IntegrationKey::parse(raw)
            .map_err(|rule| errors.push(error("invalid_string", rule, &["provider_config_key"])))
            .ok(),
        None => {
            errors.push(error("invalid_type", "`provider_config_key` is required", &["provider_config_key"]));
            None
        }
    };
    let connection_id = match object.get("connection_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => ConnectionId::parse(raw.as_str())
            .map_err(|rule| errors.push(error("invalid_string", rule, &["connection_id"])))
            .ok(),
        Some(_) => {
            errors.push(error("invalid_type", "`connection_id` must be a string", &["connection_id"]));
            None
        }
    };
    let credentials = match object.get("credentials") {
        Some(value) => credentials(value, &mut errors),
        None => {
            errors.push(error("invalid_type", "`credentials` is required", &["credentials"]));
            None
        }
    };
    let connection_config = object_field(object.get("connection_config"), "connection_config", &mut errors);
    let metadata = object.get("metadata").map(|value| object_field(Some(value), "metadata", &mut errors));
    let end_user = match object.get("end_user") {
        None | Some(Value::Null) => None,
        Some(value) => Some(end_user(value, &mut errors)),
    };
    let tags = object.get("tags").map(|value| top_level_tags(Some(value), &mut errors));
    let webhook_url_override =
        object.get("webhook_url_override").and_then(|value| webhook_url(value, &mut errors));
    match (integration_key, credentials) {
        (Some(integration_key), Some(credentials)) if errors.is_empty() => Ok(Import {
            integration_key,
            connection_id,
            credentials,
            connection_config,
            metadata,
            end_user,
            tags,
            webhook_url_override,
        }),
        _ => Err(errors),
    }
}

/// An optional JSON object field (absent or null: empty).
fn object_field(value: Option<&Value>, name: &str, errors: &mut Vec<FieldError>) -> crate::json::JsonMap {
    match value {
        None | Some(Value::Null) => crate::json::JsonMap::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            errors.push(error("invalid_type", &format!("`{name}` must be an object"), &[name]));
            crate::json::JsonMap::new()
        }
    }
}

/// `credentials` by its `type`; the fields of each type as Nango names them, nothing else.
fn credentials(value: &Value, errors: &mut Vec<FieldError>) -> Option<Credentials> {
    let Some(object) = value.as_object() else {
        errors.push(error("invalid_type", "`credentials` must be an object", &["credentials"]));
        return None;
    };
    let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
    let fields: &[&str] = match kind {
        "OAUTH2" => &["type", "access_token", "refresh_token", "expires_at"],
        "API_KEY" => &["type", "apiKey"],
        "BASIC" => &["type", "username", "password"],
        _ => {
            let message = "`type` must be OAUTH2, API_KEY or BASIC (the auth modes this server serves)";
            errors.push(error("invalid_union_discriminator", message, &["credentials", "type"]));
            return None;
        }
    };
    for key in object.keys().filter(|key| !fields.contains(&key.as_str())) {
        let message = if key == "config_override" {
            "per-connection client credentials are not supported: set them on the integration".to_owned()
        } else {
            format!("unknown key `{key}`")
        };
        errors.push(error("unrecognized_keys", &message, &["credentials", key]));
    }
    let before = errors.len();
    let mut text = |key: &str, min: usize, max: usize, required: bool| match object.get(key) {
        None | Some(Value::Null) if !required => None,
        Some(Value::String(text)) if (min..=max).contains(&text.chars().count()) => Some(text.clone()),
        _ => {
            let message = format!("`{key}` must be a string of {min}-{max} characters");
            errors.push(error("invalid_string", &message, &["credentials", key]));
            None
        }
    };
    let credentials = match kind {
        "OAUTH2" => {
            let access_token = text("access_token", 1, MAX_TOKEN_CHARS, true);
            let refresh_token = text("refresh_token", 1, MAX_TOKEN_CHARS, false);
            let expires_at = match object.get("expires_at") {
                None | Some(Value::Null) => None,
                Some(value) => crate::time::parse_date(value).or_else(|| {
                    let message = "`expires_at` must be an RFC 3339 date or milliseconds since 1970";
                    errors.push(error("invalid_date", message, &["credentials", "expires_at"]));
                    None
                }),
            };
            access_token.map(|access_token| Credentials::OAuth2 {
                access_token: Secret::new(access_token),
                refresh_token: refresh_token.map(Secret::new),
                expires_at,
                // Nango keeps the imported credentials as the "raw" token response.
                raw: Secret::new(crate::credentials::raw_json(value)),
            })
        }
        "API_KEY" => {
            text("apiKey", 1, 1024, true).map(|api_key| Credentials::ApiKey { api_key: Secret::new(api_key) })
        }
        _ => {
            let username = text("username", 0, 1024, true);
            let password = text("password", 0, 1024, true);
            username
                .zip(password)
                .map(|(username, password)| Credentials::Basic { username, password: Secret::new(password) })
        }
    };
    credentials.filter(|_| errors.len() == before)
}
