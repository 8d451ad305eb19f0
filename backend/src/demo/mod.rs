//! PLACEHOLDER: replaced by the demo work.
use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Create the demo integration on first start (SPEC §6).
pub async fn ensure_demo_integration(_state: &AppState) -> anyhow::Result<()> {
    Ok(())
}
