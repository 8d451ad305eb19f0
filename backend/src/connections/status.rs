//! Status changes of a connection (SPEC §5): `active` ⇄ `needs_reauth`. One place, so every
//! transition is logged the same way.

use super::ConnectionError;
use crate::state::AppState;
use crate::store::{ConnectionKey, ConnectionStatus};

/// Set the status of `key`; logs the transition. `false` when the connection is gone.
pub async fn set(
    state: &AppState,
    key: &ConnectionKey,
    status: ConnectionStatus,
    now: i64,
) -> Result<bool, ConnectionError> {
    let changed = state.store.set_connection_status(key, status, now).await?;
    if changed {
        tracing::info!(
            integration = %key.integration_key,
            connection = %key.connection_id,
            status = status.as_str(),
            "connection status changed"
        );
    }
    Ok(changed)
}
