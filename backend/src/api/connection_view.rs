//! The wire shapes of a connection: the full view of `GET /connection/{id}` (with
//! credentials) and the list item of `GET /connection(s)` (without), as Nango's public API.

use crate::credentials::{Credentials, CredentialsView};
use crate::error::ApiError;
use crate::store::{Connection, ConnectionStatus, JsonMap};
use crate::time::{rfc3339, Rfc3339Date};
use serde::Serialize;
use serde_json::{json, Value};

/// `{id, connection_id, provider_config_key, provider, connection_config, metadata,
/// credentials, created_at, updated_at, last_fetched_at, ...}` (SPEC §5), borrowed from the
/// connection and serialised straight into the response: the stored maps are not copied.
pub fn connection_json<'a>(
    connection: &'a Connection,
    credentials: &'a Credentials,
    include_refresh_token: bool,
    last_fetched_at: Option<i64>,
) -> Result<ConnectionView<'a>, ApiError> {
    let health = &connection.health;
    Ok(ConnectionView {
        id: connection.id,
        connection_id: connection.connection_id.as_str(),
        provider_config_key: connection.integration_key.as_str(),
        provider: &connection.provider,
        connection_config: &connection.connection_config,
        metadata: &connection.metadata,
        credentials: credentials.view(include_refresh_token)?,
        status: connection.status.as_str(),
        status_reason: health.status_reason.as_deref(),
        status_changed_at: health.status_changed_at.map(Rfc3339Date::new).transpose()?,
        last_refresh_at: health.last_refresh_at.map(Rfc3339Date::new).transpose()?,
        last_refresh_error: health.last_refresh_error.as_deref(),
        next_refresh_at: health.next_refresh_at.map(Rfc3339Date::new).transpose()?,
        errors: errors(connection),
        end_user: connection.end_user.as_ref(),
        tags: &connection.tags,
        webhook_url_override: connection.webhook_url_override.as_deref(),
        created_at: Rfc3339Date::new(connection.created_at)?,
        updated_at: Rfc3339Date::new(connection.updated_at)?,
        last_fetched_at: last_fetched_at.map(Rfc3339Date::new).transpose()?,
    })
}

/// `connection_json`'s answer.
#[derive(Serialize)]
pub struct ConnectionView<'a> {
    id: i64,
    connection_id: &'a str,
    provider_config_key: &'a str,
    provider: &'a str,
    connection_config: &'a JsonMap,
    metadata: &'a JsonMap,
    credentials: CredentialsView<'a>,
    status: &'static str,
    status_reason: Option<&'a str>,
    status_changed_at: Option<Rfc3339Date>,
    last_refresh_at: Option<Rfc3339Date>,
    last_refresh_error: Option<&'a str>,
    next_refresh_at: Option<Rfc3339Date>,
    errors: Value,
    end_user: Option<&'a JsonMap>,
    tags: &'a JsonMap,
    webhook_url_override: Option<&'a str>,
    created_at: Rfc3339Date,
    updated_at: Rfc3339Date,
    last_fetched_at: Option<Rfc3339Date>,
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
