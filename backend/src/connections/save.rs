//! Saving a new or renewed connection, the same way for every route that creates one (the OAuth
//! callback, the API-key and basic POSTs): seal the credentials with the row's AAD, upsert
//! (existing metadata is kept), tell created from overridden, and write the auth webhook to
//! the outbox in the same transaction.

use super::ConnectionError;
use crate::credentials::Credentials;
use crate::ids::FlowId;
use crate::json::JsonMap;
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, Environment, UpsertConnection, UpsertOutcome};
use crate::webhooks::{self, AuthEvent, AuthOperation};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A connection to store: its key, provider, configuration and plaintext credentials.
#[derive(Debug)]
pub struct NewConnection {
    pub key: ConnectionKey,
    pub provider: String,
    pub connection_config: JsonMap,
    pub credentials: Credentials,
    /// From a connect session: recorded on the connection and sent in the webhook.
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    /// From a connect session (or an import): where this connection's auth webhooks go
    /// instead of the environment's URL.
    pub webhook_url_override: Option<String>,
    /// Replaces the stored metadata (an import); `None` keeps it (a new one starts empty).
    pub metadata: Option<JsonMap>,
    /// The OAuth flow this connection ends: its success is recorded with the connection.
    pub finishes_flow: Option<FlowId>,
}

#[derive(Debug)]
pub struct SavedConnection {
    pub connection: Connection,
    /// `Creation` for a new connection, `Override` when one existed under this key.
    pub operation: AuthOperation,
}

/// Seal, upsert, and report the result with an auth webhook.
pub async fn save_new(
    state: &AppState,
    environment: &Environment,
    new: NewConnection,
    now: i64,
) -> Result<SavedConnection, ConnectionError> {
    let sealed_credentials = new.credentials.seal(&state.cipher, &new.key.aad())?;
    let auth_mode = new.credentials.auth_mode();
    let tags = super::tags::connection_tags(new.end_user.as_ref(), new.tags.as_ref());
    let upsert = UpsertConnection {
        key: new.key,
        provider: new.provider,
        connection_config: new.connection_config,
        sealed_credentials,
        credentials_expires_at: new.credentials.expires_at(),
        end_user: new.end_user,
        tags,
        metadata: new.metadata,
        webhook_url_override: new.webhook_url_override,
        finishes_flow: new.finishes_flow,
        now,
    };
    // The auth webhook is written in the upsert's transaction (SPEC §12).
    let now_ms = crate::time::now_ms();
    // Whether an event was written: the worker is woken only then (each wake is a claim
    // query on the writer, for nothing when the environment has no webhook URL).
    let wrote_event = Arc::new(AtomicBool::new(false));
    // Owned: on SQLite the upsert may run in another request's turn (store/sqlite_writer.rs).
    let (settings, environment, wrote) = (state.config.webhooks, environment.clone(), wrote_event.clone());
    let report = move |connection: &Connection, outcome: UpsertOutcome| {
        let mut event = AuthEvent::success(operation_of(outcome), &connection.key(), &connection.provider);
        event.auth_mode = auth_mode;
        event.end_user = connection.end_user.clone();
        event.tags = connection.tags.clone();
        event.webhook_url_override = connection.webhook_url_override.clone();
        let written = webhooks::new_auth_event(&settings, &environment, &event, now_ms);
        if written.is_some() {
            wrote.store(true, Ordering::Relaxed);
        }
        written
    };
    let (connection, outcome) = state.store.upsert_connection_reporting(&upsert, Arc::new(report)).await?;
    if wrote_event.load(Ordering::Relaxed) {
        state.webhooks.wake();
    }
    Ok(SavedConnection { connection, operation: operation_of(outcome) })
}

fn operation_of(outcome: UpsertOutcome) -> AuthOperation {
    match outcome {
        UpsertOutcome::Created => AuthOperation::Creation,
        UpsertOutcome::Overridden => AuthOperation::Override,
    }
}
