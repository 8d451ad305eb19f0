//! The built-in demo OAuth provider (SPEC §6): a consent page, token and refresh endpoints
//! (`provider.rs`), a small API behind the proxy (`api.rs`), the demo page's routes (`page.rs`,
//! `session.rs`: a connect session minted on the server side), and the demo integration created
//! on first start, so the demo page completes a real flow offline with no credentials.
//!
//! Demo state is per process (single-process demo): pending authorization codes live in an
//! in-memory map, and tokens are stateless, signed with a key generated at start
//! (`tokens.rs`), so they stop working when the server restarts.

pub mod api;
pub mod page;
pub mod provider;
pub mod session;
pub mod tokens;

use crate::crypto::random;
use crate::ids::IntegrationKey;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Integration, IntegrationInput, StoreError};
use axum::Router;

/// The catalog name of the demo provider (`backend/providers.yaml`).
pub const DEMO_PROVIDER: &str = "demo";
/// The integration created on first start.
pub const DEMO_INTEGRATION: &str = "demo";
pub const DEMO_CLIENT_ID: &str = "demo-client";
pub const DEMO_SCOPES: [&str; 2] = ["profile", "email"];

/// Mounted only with `NANGO_DEMO=true` (SPEC §13).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(provider::routes())
        .merge(api::routes())
        .merge(page::routes())
        .merge(session::routes())
}

/// Create the demo integration in the default environment unless it exists (SPEC §6).
pub async fn ensure_demo_integration(state: &AppState) -> anyhow::Result<()> {
    let Some(environment) = state.store.default_environment().await? else {
        return Ok(());
    };
    let key = IntegrationKey::parse(DEMO_INTEGRATION).map_err(anyhow::Error::msg)?;
    if state.store.get_integration(environment.id, &key).await?.is_some() {
        return Ok(());
    }
    let input = IntegrationInput {
        unique_key: key,
        provider: DEMO_PROVIDER.to_string(),
        client_id: Some(DEMO_CLIENT_ID.to_string()),
        client_secret: Some(Secret::new(random::hex_key(32))),
        scopes: DEMO_SCOPES.iter().map(|scope| scope.to_string()).collect(),
        display_name: None,
        allowed_hosts: Vec::new(),
    };
    let created = state.store.create_integration(environment.id, &input, crate::time::now()).await;
    state.integrations.clear();
    match created {
        // Another replica created it first: fine.
        Ok(_) | Err(StoreError::Conflict) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// The default environment's integrations that use the demo provider with this client id.
/// Any such integration is a registered client of the demo provider (apps may add their own).
async fn demo_clients(state: &AppState, client_id: &str) -> Result<Vec<Integration>, StoreError> {
    let Some(environment) = state.store.default_environment().await? else {
        return Ok(Vec::new());
    };
    let integrations = state.store.list_integrations(environment.id).await?;
    Ok(integrations
        .into_iter()
        .filter(|integration| integration.provider == DEMO_PROVIDER)
        .filter(|integration| integration.client_id.as_deref() == Some(client_id))
        .collect())
}
