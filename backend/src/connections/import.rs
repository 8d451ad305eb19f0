//! Connections made from credentials an app already holds (`POST /connections`, Nango's
//! import): the integration and its provider must exist, the credentials must be of the
//! provider's auth mode, the connection configuration must satisfy the provider's declared
//! parameters; then the connection is saved like any other (sealed, upserted, auth webhook).

use super::{save_new, ConnectionError, NewConnection, SavedConnection};
use crate::catalog::hosts::AllowedHosts;
use crate::credentials::Credentials;
use crate::ids::{ConnectionId, IntegrationKey};
use crate::json::JsonMap;
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment};

/// A checked import request.
#[derive(Debug)]
pub struct Import {
    pub integration_key: IntegrationKey,
    /// `None`: a new UUIDv4.
    pub connection_id: Option<ConnectionId>,
    pub credentials: Credentials,
    pub connection_config: JsonMap,
    /// Replaces the metadata of a connection that exists; `None` keeps it.
    pub metadata: Option<JsonMap>,
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    pub webhook_url_override: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error("integration `{integration}` uses {provider_mode}; these credentials are {given}")]
    WrongAuthMode { integration: IntegrationKey, provider_mode: &'static str, given: &'static str },
    #[error("connection_config: {0}")]
    InvalidConfig(String),
}

pub async fn import(
    state: &AppState,
    environment: &Environment,
    import: Import,
    now: i64,
) -> Result<SavedConnection, ImportError> {
    let integration = state
        .store
        .get_integration(environment.id, &import.integration_key)
        .await
        .map_err(ConnectionError::from)?
        .ok_or_else(|| ConnectionError::UnknownIntegration(import.integration_key.clone()))?;
    let provider = state
        .catalog
        .get(&integration.provider)
        .ok_or_else(|| ConnectionError::UnknownProvider(integration.provider.clone()))?;
    if provider.auth_mode != import.credentials.auth_mode() {
        return Err(ImportError::WrongAuthMode {
            integration: import.integration_key,
            provider_mode: provider.auth_mode.as_str(),
            given: import.credentials.auth_mode().as_str(),
        });
    }
    // The operator's `allowed_hosts` of the integration apply, as to a flow.
    let allowed = AllowedHosts::of(integration.unique_key.as_str(), &integration.allowed_hosts);
    crate::catalog::params::validate_connection_config(provider, &import.connection_config, &allowed)
        .map_err(|error| ImportError::InvalidConfig(error.to_string()))?;
    let connection_id = match import.connection_id {
        Some(id) => id,
        None => ConnectionId::parse(uuid::Uuid::new_v4().to_string())
            .map_err(|rule| ImportError::InvalidConfig(rule.to_owned()))?,
    };
    let new = NewConnection {
        key: ConnectionKey {
            environment_id: environment.id,
            integration_key: import.integration_key,
            connection_id,
        },
        provider: integration.provider.clone(),
        connection_config: import.connection_config,
        credentials: import.credentials,
        end_user: import.end_user,
        tags: import.tags,
        webhook_url_override: import.webhook_url_override,
        metadata: import.metadata,
        finishes_flow: None,
    };
    Ok(save_new(state, environment, new, now).await?)
}
