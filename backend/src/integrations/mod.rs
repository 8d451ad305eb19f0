//! Integrations: the configured apps of an environment, one per provider setup (SPEC §5, §9).
//! Creating, updating, reading and deleting them with Nango's rules; no axum here (the routes
//! and the wire shape are in `api/integrations.rs`).
//!
//! An OAuth2 integration may be created without client credentials (Nango's dashboard does
//! that too); a flow on it then fails with `missing_client_credentials` until they are set.

pub mod cache;
pub mod request;

use crate::catalog::{AuthMode, Catalog, Provider};
use crate::ids::EnvironmentId;
use crate::ids::IntegrationKey;
use crate::sessions::FieldError;
use crate::state::AppState;
use crate::store::{ConnectionFilter, Integration, IntegrationInput, StoreError};
pub use request::{ClientCredentials, IntegrationRequest, Purpose};

#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    #[error("no integration `{0}`")]
    NotFound(IntegrationKey),
    /// Problems with the body, field by field (Nango's `invalid_body` with `errors`).
    #[error("{}", .0.first().map_or("invalid body", |problem| problem.message.as_str()))]
    Invalid(Vec<FieldError>),
    /// The sealed credentials of connections are bound to their integration's key.
    #[error("integration `{0}` has connections and cannot be renamed; delete them first")]
    HasConnections(IntegrationKey),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The environment's integrations by key; only `allowed` ones when it is not empty (a
/// connect session's `allowed_integrations`).
pub async fn list(
    state: &AppState,
    environment_id: EnvironmentId,
    allowed: &[IntegrationKey],
) -> Result<Vec<Integration>, IntegrationError> {
    let mut integrations = state.store.list_integrations(environment_id).await?;
    if !allowed.is_empty() {
        integrations.retain(|integration| allowed.contains(&integration.unique_key));
    }
    Ok(integrations)
}

pub async fn get(
    state: &AppState,
    environment_id: EnvironmentId,
    key: &IntegrationKey,
) -> Result<Integration, IntegrationError> {
    state
        .store
        .get_integration(environment_id, key)
        .await?
        .ok_or_else(|| IntegrationError::NotFound(key.clone()))
}

/// Create from a body checked with `Purpose::Create`.
pub async fn create(
    state: &AppState,
    environment_id: EnvironmentId,
    request: IntegrationRequest,
    now: i64,
) -> Result<Integration, IntegrationError> {
    let (Some(unique_key), Some(provider_name)) = (request.unique_key.clone(), request.provider.clone())
    else {
        return Err(invalid("invalid_type", "`unique_key` and `provider` are required", "unique_key"));
    };
    let provider = state.catalog.get(&provider_name).ok_or_else(|| {
        invalid("invalid_string", &format!("no provider `{provider_name}` in the catalog"), "provider")
    })?;
    let mut input = IntegrationInput {
        unique_key,
        provider: provider_name,
        client_id: None,
        client_secret: None,
        scopes: Vec::new(),
        display_name: None,
        allowed_hosts: Vec::new(),
    };
    apply(&mut input, provider, request)?;
    let created = state.store.create_integration(environment_id, &input, now).await;
    state.integrations.clear();
    created.map_err(|error| duplicate(error, &input))
}

/// Apply a body checked with `Purpose::Update` to the integration `key`.
pub async fn update(
    state: &AppState,
    environment_id: EnvironmentId,
    key: &IntegrationKey,
    request: IntegrationRequest,
    now: i64,
) -> Result<Integration, IntegrationError> {
    let current = get(state, environment_id, key).await?;
    let provider = provider_of(&state.catalog, &current)?;
    let mut input = IntegrationInput {
        unique_key: current.unique_key.clone(),
        provider: current.provider.clone(),
        client_id: current.client_id.clone(),
        client_secret: current.client_secret.clone(),
        scopes: current.scopes.clone(),
        display_name: current.display_name.clone(),
        allowed_hosts: current.allowed_hosts.clone(),
    };
    apply(&mut input, provider, request)?;
    if input.unique_key != current.unique_key {
        let filter =
            ConnectionFilter { integration_keys: vec![key.clone()], limit: 1, ..ConnectionFilter::default() };
        if !state.store.list_connections(environment_id, &filter).await?.is_empty() {
            return Err(IntegrationError::HasConnections(key.clone()));
        }
    }
    let updated = state.store.update_integration(environment_id, key, &input, now).await;
    state.integrations.clear();
    updated.map_err(|error| duplicate(error, &input))?.ok_or_else(|| IntegrationError::NotFound(key.clone()))
}

/// Delete the integration and its connections.
pub async fn delete(
    state: &AppState,
    environment_id: EnvironmentId,
    key: &IntegrationKey,
) -> Result<(), IntegrationError> {
    let deleted = state.store.delete_integration(environment_id, key).await;
    state.integrations.clear();
    if deleted? {
        Ok(())
    } else {
        Err(IntegrationError::NotFound(key.clone()))
    }
}

/// The name shown for `integration`: its own, else its provider's, else the provider's key.
pub fn display_name(catalog: &Catalog, integration: &Integration) -> String {
    integration
        .display_name
        .clone()
        .or_else(|| catalog.get(&integration.provider).and_then(|provider| provider.display_name.clone()))
        .unwrap_or_else(|| integration.provider.clone())
}

/// The fields of `request` on top of `input`; credentials must be of the provider's auth mode.
fn apply(
    input: &mut IntegrationInput,
    provider: &Provider,
    request: IntegrationRequest,
) -> Result<(), IntegrationError> {
    if let Some(credentials) = request.credentials {
        let expected = provider.auth_mode.as_str();
        if provider.auth_mode != AuthMode::OAuth2 || credentials.kind != expected {
            let message = match provider.auth_mode {
                AuthMode::OAuth2 => {
                    format!("`credentials.type` must be {expected} for provider `{}`", provider.name)
                }
                _ => format!(
                    "provider `{}` uses {expected}: its integrations take no client credentials",
                    provider.name
                ),
            };
            return Err(IntegrationError::Invalid(vec![FieldError {
                code: "invalid_type",
                message,
                path: vec!["credentials".into(), "type".into()],
            }]));
        }
        input.client_id = Some(credentials.client_id);
        input.client_secret = Some(credentials.client_secret);
        if let Some(scopes) = credentials.scopes {
            input.scopes = scopes;
        }
    }
    if let Some(scopes) = request.scopes {
        input.scopes = scopes;
    }
    if let Some(unique_key) = request.unique_key {
        input.unique_key = unique_key;
    }
    if let Some(display_name) = request.display_name {
        input.display_name = display_name;
    }
    if let Some(allowed_hosts) = request.allowed_hosts {
        input.allowed_hosts = allowed_hosts;
    }
    Ok(())
}

fn provider_of<'c>(
    catalog: &'c Catalog,
    integration: &Integration,
) -> Result<&'c Provider, IntegrationError> {
    catalog.get(&integration.provider).ok_or_else(|| {
        let message = format!(
            "integration `{}` uses provider `{}`, which is not in the catalog",
            integration.unique_key, integration.provider
        );
        invalid("invalid_string", &message, "provider")
    })
}

fn duplicate(error: StoreError, input: &IntegrationInput) -> IntegrationError {
    match error {
        StoreError::Conflict => {
            let message = format!("an integration `{}` already exists", input.unique_key);
            invalid("invalid_string", &message, "unique_key")
        }
        other => other.into(),
    }
}

fn invalid(code: &'static str, message: &str, field: &str) -> IntegrationError {
    IntegrationError::Invalid(vec![FieldError {
        code,
        message: message.to_owned(),
        path: vec![field.to_owned()],
    }])
}
