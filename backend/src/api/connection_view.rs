//! The wire shapes of a connection: the full view of `GET /connection/{id}` (with
//! credentials) and the list item of `GET /connection(s)` (without), as Nango's public API.

use crate::credentials::Credentials;
use crate::error::ApiError;
use crate::store::{Connection, ConnectionStatus};
use crate::time::rfc3339;
use serde_json::{json, Value};

/// `{id, connection_id, provider_config_key, provider, connection_config, metadata,
/// credentials, created_at, updated_at, last_fetched_at, ...}` (SPEC §5).
pub fn connection_json(
    connection: &Connection,
    credentials: &Credentials,
    include_refresh_token: bool,
    last_fetched_at: Option<i64>,
) -> Result<Value, ApiError> {
    Ok(json!({
        "id": connection.id,
        "connection_id": connection.connection_id,
        "provider_config_key": connection.integration_key,
        "provider": connection.provider,
        "connection_config": connection.connection_config,
        "metadata": connection.metadata,
        "credentials": credentials.to_json(include_refresh_token)?,
        "status": connection.status.as_str(),
        "status_reason": connection.health.status_reason,
        "status_changed_at": connection.health.status_changed_at.map(rfc3339).transpose()?,
        "last_refresh_at": connection.health.last_refresh_at.map(rfc3339).transpose()?,
        "last_refresh_error": connection.health.last_refresh_error,
        "next_refresh_at": connection.health.next_refresh_at.map(rfc3339).transpose()?,
        "errors": errors(connection),
        "end_user": connection.end_user,
        "tags": connection.tags,
        "webhook_url_override": connection.webhook_url_override,
        "created_at": rfc3339(connection.created_at)?,
        "updated_at": rfc3339(connection.updated_at)?,
        "last_fetched_at": last_fetched_at.map(rfc3339).transpose()?,
    }))
}

/// Nango's `ApiPublicConnection`: no credentials, no connection_config.
pub fn connection_list_item(connection: &Connection) -> Result<Value, ApiError> {
    let created_at = rfc3339(connection.created_at)?;
    Ok(json!({
        "id": connection.id,
        "connection_id": connection.connection_id,
        "provider_config_key": connection.integration_key,
        "provider": connection.provider,
        "metadata": connection.metadata,
        "status": connection.status.as_str(),
        "status_reason": connection.health.status_reason,
        "errors": errors(connection),
        "end_user": connection.end_user,
        "tags": connection.tags,
        "created": created_at,
        "created_at": created_at,
        "updated_at": rfc3339(connection.updated_at)?,
    }))
}

/// Nango reports a connection that needs re-authorisation as an `auth` error.
fn errors(connection: &Connection) -> Value {
    if connection.status == ConnectionStatus::NeedsReauth {
        json!([{ "type": "auth", "log_id": "" }])
    } else {
        json!([])
    }
}
