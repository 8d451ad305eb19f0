//! `/integrations`: list, create, read, update and delete the configured OAuth apps (SPEC §5).
//! Wire shapes follow Nango's public API: `{data: ...}`; client secrets only with
//! `?include_creds=true` (or Nango's `include=credentials`).

use crate::catalog::{AuthMode, Provider};
use crate::connections::lookup;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{parse_integration_key, AuthedEnvironment, QueryParams};
use crate::extract::{Json, Path};
use crate::ids::IntegrationKey;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{ConnectionFilter, Integration, IntegrationInput, StoreError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/integrations", get(list_integrations).post(create_integration)).route(
        "/integrations/{key}",
        get(get_integration).patch(patch_integration).delete(delete_integration),
    )
}

/// Body of `POST /integrations` and `PATCH /integrations/{key}` (every field optional for PATCH).
#[derive(Debug, Deserialize)]
struct IntegrationBody {
    unique_key: Option<String>,
    provider: Option<String>,
    credentials: Option<CredentialsBody>,
    /// Accepted at the top level too (older Nango clients).
    scopes: Option<Scopes>,
}

#[derive(Debug, Deserialize)]
struct CredentialsBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret<String>>,
    scopes: Option<Scopes>,
}

/// Scopes as an array or one comma-separated string (Nango stores the latter).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Text(String),
}

impl Scopes {
    fn into_vec(self) -> Vec<String> {
        let items = match self {
            Self::List(items) => items,
            Self::Text(text) => text.split(',').map(str::to_owned).collect(),
        };
        items.into_iter().map(|scope| scope.trim().to_owned()).filter(|scope| !scope.is_empty()).collect()
    }
}

async fn list_integrations(
    axum::extract::State(state): axum::extract::State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Result<Json<Value>, ApiError> {
    let integrations = state.store.list_integrations(environment.id).await?;
    let data: Vec<Value> = integrations
        .iter()
        .map(|integration| integration_json(&state, integration, false))
        .collect::<Result<_, _>>()?;
    Ok(Json(json!({ "data": data })))
}

async fn create_integration(
    axum::extract::State(state): axum::extract::State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Json(body): Json<IntegrationBody>,
) -> Result<Response, ApiError> {
    let unique_key = body
        .unique_key
        .as_deref()
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "unique_key is required"))
        .and_then(parse_integration_key)?;
    let provider_name =
        body.provider.ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "provider is required"))?;
    let provider = find_provider(&state, &provider_name)?;
    let mut input = IntegrationInput {
        unique_key,
        provider: provider_name,
        client_id: None,
        client_secret: None,
        scopes: vec![],
    };
    apply_credentials(&mut input, provider, body.credentials, body.scopes)?;
    check_client_credentials(provider, &input)?;
    let integration =
        state.store.create_integration(environment.id, &input, crate::time::now()).await.map_err(
            |error| match error {
                StoreError::Conflict => duplicate(&input.unique_key),
                other => other.into(),
            },
        )?;
    let data = integration_json(&state, &integration, false)?;
    Ok((StatusCode::CREATED, Json(json!({ "data": data }))).into_response())
}

async fn get_integration(
    axum::extract::State(state): axum::extract::State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(key): Path<String>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let key = parse_integration_key(&key)?;
    let integration = lookup::integration(&state, environment.id, &key).await?;
    let include_credentials = query.flag("include_creds")? || query.all("include").contains(&"credentials");
    Ok(Json(json!({ "data": integration_json(&state, &integration, include_credentials)? })))
}

async fn patch_integration(
    axum::extract::State(state): axum::extract::State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(key): Path<String>,
    Json(body): Json<IntegrationBody>,
) -> Result<Json<Value>, ApiError> {
    let key = parse_integration_key(&key)?;
    let current = lookup::integration(&state, environment.id, &key).await?;
    let mut input = IntegrationInput {
        unique_key: current.unique_key.clone(),
        provider: current.provider.clone(),
        client_id: current.client_id.clone(),
        client_secret: current.client_secret.clone(),
        scopes: current.scopes.clone(),
    };
    if let Some(raw) = body.unique_key.as_deref() {
        input.unique_key = parse_integration_key(raw)?;
    }
    if let Some(name) = body.provider {
        input.provider = name;
    }
    let provider = find_provider(&state, &input.provider)?;
    apply_credentials(&mut input, provider, body.credentials, body.scopes)?;
    check_client_credentials(provider, &input)?;
    if input.unique_key != current.unique_key {
        refuse_rename_with_connections(&state, environment.id, &current.unique_key).await?;
    }
    let updated = state
        .store
        .update_integration(environment.id, &key, &input, crate::time::now())
        .await
        .map_err(|error| match error {
            StoreError::Conflict => duplicate(&input.unique_key),
            other => other.into(),
        })?
        .ok_or_else(|| ApiError::unknown_integration(key.as_str()))?;
    Ok(Json(json!({ "data": integration_json(&state, &updated, false)? })))
}

async fn delete_integration(
    axum::extract::State(state): axum::extract::State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    let key = parse_integration_key(&key)?;
    if state.store.delete_integration(environment.id, &key).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::unknown_integration(key.as_str()))
    }
}

/// Nango's `ApiPublicIntegration` shape. `credentials` only when asked for: it holds the
/// client secret. `scopes` there is Nango's comma-separated string.
fn integration_json(
    state: &AppState,
    integration: &Integration,
    include_credentials: bool,
) -> Result<Value, ApiError> {
    let provider = state.catalog.get(&integration.provider);
    let display_name = provider
        .and_then(|provider| provider.display_name.clone())
        .unwrap_or_else(|| integration.provider.clone());
    let mut out = json!({
        "unique_key": integration.unique_key,
        "provider": integration.provider,
        "display_name": display_name,
        "logo": "",
        "scopes": integration.scopes,
        "created_at": crate::time::rfc3339(integration.created_at)?,
        "updated_at": crate::time::rfc3339(integration.updated_at)?,
    });
    if include_credentials {
        let is_oauth = provider.is_none_or(|provider| provider.auth_mode == AuthMode::OAuth2);
        out["credentials"] = if is_oauth {
            json!({
                "type": AuthMode::OAuth2.as_str(),
                "client_id": integration.client_id,
                "client_secret": integration.client_secret.as_ref().map(|secret| secret.expose()),
                "scopes": integration.scopes.join(","),
            })
        } else {
            Value::Null
        };
    }
    Ok(out)
}

fn find_provider<'a>(state: &'a AppState, name: &str) -> Result<&'a Provider, ApiError> {
    state.catalog.get(name).ok_or_else(|| {
        ApiError::new(ErrorCode::UnknownProvider, format!("no provider `{name}` in the catalog"))
    })
}

/// Apply the credentials of a request on top of `input` (only the fields present).
fn apply_credentials(
    input: &mut IntegrationInput,
    provider: &Provider,
    credentials: Option<CredentialsBody>,
    scopes: Option<Scopes>,
) -> Result<(), ApiError> {
    if let Some(credentials) = credentials {
        if let Some(kind) = credentials.kind.as_deref() {
            let expected = provider.auth_mode.as_str();
            if !kind.eq_ignore_ascii_case(expected) {
                return Err(ApiError::new(
                    ErrorCode::InvalidRequest,
                    format!("credentials.type must be {expected} for provider `{}`", provider.name),
                ));
            }
        }
        if let Some(client_id) = credentials.client_id {
            input.client_id = Some(client_id.trim().to_owned()).filter(|id| !id.is_empty());
        }
        if let Some(client_secret) = credentials.client_secret {
            input.client_secret = Some(client_secret).filter(|secret| !secret.expose().trim().is_empty());
        }
        if let Some(scopes) = credentials.scopes {
            input.scopes = scopes.into_vec();
        }
    }
    if let Some(scopes) = scopes {
        input.scopes = scopes.into_vec();
    }
    Ok(())
}

/// OAuth2 integrations need a client id and secret; API_KEY/BASIC ones need none.
fn check_client_credentials(provider: &Provider, input: &IntegrationInput) -> Result<(), ApiError> {
    if provider.auth_mode == AuthMode::OAuth2 && (input.client_id.is_none() || input.client_secret.is_none())
    {
        return Err(ApiError::new(
            ErrorCode::MissingClientCredentials,
            format!("provider `{}` needs credentials.client_id and credentials.client_secret", provider.name),
        ));
    }
    Ok(())
}

/// Sealed credentials are bound to their integration key (`ConnectionKey::aad`), so a
/// rename would orphan them: refuse it while the integration has connections.
async fn refuse_rename_with_connections(
    state: &AppState,
    environment_id: i64,
    key: &IntegrationKey,
) -> Result<(), ApiError> {
    let filter =
        ConnectionFilter { integration_keys: vec![key.clone()], limit: 1, ..ConnectionFilter::default() };
    if state.store.list_connections(environment_id, &filter).await?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::IntegrationInUse,
            format!("integration `{key}` has connections and cannot be renamed; delete them first"),
        ))
    }
}

fn duplicate(key: &IntegrationKey) -> ApiError {
    ApiError::new(ErrorCode::DuplicateIntegration, format!("an integration `{key}` already exists"))
}

#[cfg(test)]
mod tests {
    use super::Scopes;

    #[test]
    fn scopes_from_list_or_comma_string() {
        let from_text = Scopes::Text("read, write,,admin ".into()).into_vec();
        assert_eq!(from_text, vec!["read", "write", "admin"]);
        let from_list = Scopes::List(vec!["a".into(), " ".into(), "b".into()]).into_vec();
        assert_eq!(from_list, vec!["a", "b"]);
    }
}
