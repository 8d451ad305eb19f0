//! Loading a connection for a route: the connection, or which part of its key is unknown;
//! and opening its sealed credentials with the row's own AAD.

use super::ConnectionError;
use crate::credentials::Credentials;
use crate::ids::{EnvironmentId, IntegrationKey};
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, Integration};

/// The connection; absent → `UnknownIntegration` when the integration does not exist either,
/// else `UnknownConnection`. The integration is looked up only on the miss path, so a
/// successful read costs one query.
pub async fn load(state: &AppState, key: &ConnectionKey) -> Result<Connection, ConnectionError> {
    match state.store.get_connection(key).await? {
        Some(connection) => Ok(connection),
        None => Err(missing(state, key).await),
    }
}

/// The error for a connection that is not there (see `load`).
pub async fn missing(state: &AppState, key: &ConnectionKey) -> ConnectionError {
    match integration(state, key.environment_id, &key.integration_key).await {
        Ok(_) => ConnectionError::UnknownConnection(key.clone()),
        Err(error) => error,
    }
}

pub async fn integration(
    state: &AppState,
    environment_id: EnvironmentId,
    key: &IntegrationKey,
) -> Result<Integration, ConnectionError> {
    state
        .store
        .get_integration(environment_id, key)
        .await?
        .ok_or_else(|| ConnectionError::UnknownIntegration(key.clone()))
}

/// The connection's credentials in plaintext (sealed with `connection.key().aad()`).
pub fn open_credentials(state: &AppState, connection: &Connection) -> Result<Credentials, ConnectionError> {
    Ok(Credentials::open(&state.cipher, &connection.sealed_credentials, &connection.key().aad())?)
}
