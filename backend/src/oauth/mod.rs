//! The browser-facing OAuth flow (SPEC §2): `/oauth/connect`, `/oauth/callback`, flow
//! outcomes for the SDK, and the popup-less credential POSTs under `/api-auth`.
//!
//! Steps live in their own files: `access` (who may start a flow), `query` (the SDK's query
//! string), `authorize_url`, `pkce`, `token` (token endpoint requests), `result_page`.

pub mod access;
pub mod authorize_url;
pub mod callback;
pub mod connect;
pub mod credentials;
pub mod flows;
pub mod pkce;
pub mod query;
pub mod refresh;
pub mod result_page;
pub mod token;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/connect/{integration}", get(connect::get_connect))
        .route("/oauth/callback", get(callback::get_callback))
        .merge(flows::routes())
        .merge(credentials::routes())
}
