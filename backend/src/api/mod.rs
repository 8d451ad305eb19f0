//! PLACEHOLDER: replaced by the api work.
use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
