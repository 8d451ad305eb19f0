//! PLACEHOLDER: serves www-demo at `/` and the built package at `/sdk/` (SPEC §6).
use crate::config::Config;
use crate::state::AppState;
use axum::Router;

pub fn routes(_config: &Config) -> Router<AppState> {
    Router::new()
}
