//! Rows as both dialects return them, and their checked conversion into store records.
//!
//! The column lists are macros so each dialect's SQL can `concat!` them into a literal;
//! the columns are the same in `migrations/sqlite` and `migrations/postgres`.

use super::secrets;
use super::{
    ConnectSession, Connection, ConnectionHealth, ConnectionStatus, Environment, EnvironmentSettings,
    Integration, JsonMap, StoreError, StoreResult,
};
use crate::crypto::Cipher;
use crate::ids::{ConnectionId, IntegrationKey};

pub(crate) use crate::json::shallow_merge;

macro_rules! environment_columns {
    () => {
        "id, name, secret_key, secret_key_hash, public_key, callback_url, hmac_enabled, hmac_key, \
         webhook_url, allowed_origins, created_at, updated_at"
    };
}
macro_rules! integration_columns {
    () => {
        "id, environment_id, unique_key, provider, client_id, client_secret, scopes, display_name, \
         allowed_hosts, created_at, updated_at"
    };
}
macro_rules! connection_columns {
    () => {
        "id, environment_id, integration_key, connection_id, provider, connection_config, \
         metadata, credentials, status, auth_count, end_user, tags, webhook_url_override, created_at, \
         updated_at, last_fetched_at, credentials_expires_at, status_reason, status_changed_at, \
         last_refresh_at, last_refresh_error, refresh_failing_since, refresh_failures, next_refresh_at"
    };
}
pub(crate) use {connection_columns, environment_columns, integration_columns};

#[derive(sqlx::FromRow)]
pub(crate) struct EnvironmentRow {
    id: i64,
    name: String,
    secret_key: String,
    secret_key_hash: Option<String>,
    public_key: String,
    callback_url: Option<String>,
    hmac_enabled: bool,
    hmac_key: Option<String>,
    webhook_url: Option<String>,
    allowed_origins: String,
    created_at: i64,
    updated_at: i64,
}

impl EnvironmentRow {
    /// The row from a `SELECT environment_columns!()` read by the inline SQLite reader
    /// (`sqlite_reads.rs`), columns in the macro's order.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            secret_key: row.get(2)?,
            secret_key_hash: row.get(3)?,
            public_key: row.get(4)?,
            callback_url: row.get(5)?,
            hmac_enabled: row.get(6)?,
            hmac_key: row.get(7)?,
            webhook_url: row.get(8)?,
            allowed_origins: row.get(9)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
        })
    }

    pub(crate) fn into_environment(self, cipher: &Cipher) -> StoreResult<Environment> {
        let hash = required(self.secret_key_hash, "secret_key_hash")?;
        let hmac_key = match &self.hmac_key {
            Some(sealed) => Some(secrets::open(cipher, sealed, &secrets::hmac_key_aad(self.id), "hmac_key")?),
            None => None,
        };
        Ok(Environment {
            id: self.id,
            name: self.name,
            secret_key: secrets::open(
                cipher,
                &self.secret_key,
                &secrets::secret_key_aad(&hash),
                "secret_key",
            )?,
            public_key: self.public_key,
            settings: EnvironmentSettings {
                callback_url: self.callback_url,
                hmac_enabled: self.hmac_enabled,
                hmac_key,
                webhook_url: self.webhook_url,
                allowed_origins: parse_map(&self.allowed_origins, "allowed_origins")?,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IntegrationRow {
    id: i64,
    environment_id: i64,
    unique_key: String,
    provider: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: String,
    display_name: Option<String>,
    allowed_hosts: String,
    created_at: i64,
    updated_at: i64,
}

impl IntegrationRow {
    /// The row from a `SELECT integration_columns!()` read by the inline SQLite reader.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            environment_id: row.get(1)?,
            unique_key: row.get(2)?,
            provider: row.get(3)?,
            client_id: row.get(4)?,
            client_secret: row.get(5)?,
            scopes: row.get(6)?,
            display_name: row.get(7)?,
            allowed_hosts: row.get(8)?,
            created_at: row.get(9)?,
            updated_at: row.get(10)?,
        })
    }

    pub(crate) fn into_integration(self, cipher: &Cipher) -> StoreResult<Integration> {
        let client_secret = match &self.client_secret {
            Some(sealed) => {
                let aad = secrets::client_secret_aad(self.environment_id, &self.unique_key);
                Some(secrets::open(cipher, sealed, &aad, "client_secret")?)
            }
            None => None,
        };
        Ok(Integration {
            id: self.id,
            environment_id: self.environment_id,
            unique_key: parse_id(IntegrationKey::parse(self.unique_key), "unique_key")?,
            provider: self.provider,
            client_id: self.client_id,
            client_secret,
            scopes: parse_map(&self.scopes, "scopes")?,
            display_name: self.display_name,
            allowed_hosts: parse_map(&self.allowed_hosts, "allowed_hosts")?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectionRow {
    id: i64,
    environment_id: i64,
    integration_key: String,
    connection_id: String,
    provider: String,
    connection_config: String,
    metadata: String,
    credentials: Vec<u8>,
    status: String,
    /// 1 when the row was just inserted; more when an upsert replaced its credentials.
    pub(crate) auth_count: i64,
    end_user: Option<String>,
    tags: String,
    webhook_url_override: Option<String>,
    created_at: i64,
    updated_at: i64,
    last_fetched_at: Option<i64>,
    credentials_expires_at: Option<i64>,
    status_reason: Option<String>,
    status_changed_at: Option<i64>,
    last_refresh_at: Option<i64>,
    last_refresh_error: Option<String>,
    refresh_failing_since: Option<i64>,
    refresh_failures: i64,
    next_refresh_at: Option<i64>,
}

impl ConnectionRow {
    /// The row from a `SELECT connection_columns!()` read by the inline SQLite reader
    /// (`sqlite_reads.rs`), columns in the macro's order.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            environment_id: row.get(1)?,
            integration_key: row.get(2)?,
            connection_id: row.get(3)?,
            provider: row.get(4)?,
            connection_config: row.get(5)?,
            metadata: row.get(6)?,
            credentials: row.get(7)?,
            status: row.get(8)?,
            auth_count: row.get(9)?,
            end_user: row.get(10)?,
            tags: row.get(11)?,
            webhook_url_override: row.get(12)?,
            created_at: row.get(13)?,
            updated_at: row.get(14)?,
            last_fetched_at: row.get(15)?,
            credentials_expires_at: row.get(16)?,
            status_reason: row.get(17)?,
            status_changed_at: row.get(18)?,
            last_refresh_at: row.get(19)?,
            last_refresh_error: row.get(20)?,
            refresh_failing_since: row.get(21)?,
            refresh_failures: row.get(22)?,
            next_refresh_at: row.get(23)?,
        })
    }

    pub(crate) fn into_connection(self) -> StoreResult<Connection> {
        Ok(Connection {
            id: self.id,
            environment_id: self.environment_id,
            integration_key: parse_id(IntegrationKey::parse(self.integration_key), "integration_key")?,
            connection_id: parse_id(ConnectionId::parse(self.connection_id), "connection_id")?,
            provider: self.provider,
            connection_config: parse_map(&self.connection_config, "connection_config")?,
            metadata: parse_map(&self.metadata, "metadata")?,
            sealed_credentials: self.credentials,
            credentials_expires_at: self.credentials_expires_at,
            status: ConnectionStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            health: ConnectionHealth {
                status_reason: self.status_reason,
                status_changed_at: self.status_changed_at,
                last_refresh_at: self.last_refresh_at,
                last_refresh_error: self.last_refresh_error,
                refresh_failing_since: self.refresh_failing_since,
                refresh_failures: self.refresh_failures,
                next_refresh_at: self.next_refresh_at,
            },
            end_user: self.end_user.map(|text| parse_map(&text, "end_user")).transpose()?,
            tags: parse_map(&self.tags, "tags")?,
            webhook_url_override: self.webhook_url_override,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_fetched_at: self.last_fetched_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: String,
    environment_id: i64,
    end_user: Option<String>,
    organization: Option<String>,
    tags: String,
    allowed_integrations: String,
    integrations_config_defaults: String,
    connection_id: Option<String>,
    reconnect_integration: Option<String>,
    webhook_url_override: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl SessionRow {
    pub(crate) fn into_session(self) -> StoreResult<ConnectSession> {
        let allowed = parse_map::<Vec<String>>(&self.allowed_integrations, "allowed_integrations")?
            .into_iter()
            .map(|key| parse_id(IntegrationKey::parse(key), "allowed_integrations"))
            .collect::<StoreResult<_>>()?;
        Ok(ConnectSession {
            hash: self.token_hash,
            environment_id: self.environment_id,
            end_user: self.end_user.map(|text| parse_map(&text, "end_user")).transpose()?,
            organization: self.organization.map(|text| parse_map(&text, "organization")).transpose()?,
            tags: parse_map(&self.tags, "tags")?,
            allowed_integrations: allowed,
            integrations_config_defaults: parse_map(
                &self.integrations_config_defaults,
                "integrations_config_defaults",
            )?,
            connection_id: self
                .connection_id
                .map(|id| parse_id(ConnectionId::parse(id), "connection_id"))
                .transpose()?,
            reconnect_integration: self
                .reconnect_integration
                .map(|key| parse_id(IntegrationKey::parse(key), "reconnect_integration"))
                .transpose()?,
            webhook_url_override: self.webhook_url_override,
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}

/// `touch_last_fetched`'s statement: this, then `(id, at)` pairs, then `TOUCH_LAST_FETCHED`.
pub(crate) const TOUCHED_PAIRS: &str = "WITH touched (id, at) AS (VALUES ";
/// The `id IN (SELECT id FROM touched)` is for SQLite's planner: without it, past a few pairs
/// it scans every connection, probing the pairs through a Bloom filter, instead of looking
/// each touched connection up by id (with 1M stored, each flush of 500 touches read the
/// whole table; `sqlite.rs` checks the plan).
pub(crate) const TOUCH_LAST_FETCHED: &str = concat!(
    ") UPDATE connections SET last_fetched_at = touched.at FROM touched ",
    "WHERE connections.id IN (SELECT id FROM touched) AND connections.id = touched.id ",
    "AND connections.created_at <= touched.at ",
    "AND (connections.last_fetched_at IS NULL OR connections.last_fetched_at < touched.at)"
);

/// JSON text of a map, for binding.
pub(crate) fn map_text(map: &JsonMap) -> String {
    // Without a copy into a `Value`; a map with string keys always serialises.
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// JSON text of a string list, for binding.
pub(crate) fn strings_text(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

/// A JSON column: a map (`JsonMap`) or a string list (`Vec<String>`), as the caller expects.
pub(crate) fn parse_map<T: serde::de::DeserializeOwned>(text: &str, column: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(column))
}

pub(super) fn parse_id<T>(parsed: Result<T, &'static str>, column: &str) -> StoreResult<T> {
    parsed.map_err(|_| corrupt(column))
}

pub(super) fn required<T>(value: Option<T>, column: &str) -> StoreResult<T> {
    value.ok_or_else(|| corrupt(column))
}

pub(super) fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt(format!("column `{column}` holds an invalid value"))
}

/// `Conflict` for a unique violation, the database error otherwise.
pub(crate) fn conflict_or_database(error: sqlx::Error) -> StoreError {
    match error.as_database_error() {
        Some(database) if database.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(error),
    }
}
