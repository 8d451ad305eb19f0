//! PLACEHOLDER: replaced by the oauth work. `refresh` belongs to the api work.
use crate::state::AppState;
use axum::Router;

pub mod refresh;

pub fn routes() -> Router<AppState> {
    Router::new()
}
