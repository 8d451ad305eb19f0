//! The browser-facing OAuth flow (SPEC §2): `/oauth/connect`, `/oauth/callback`, flow
//! outcomes for the SDK, and the popup-less credential POSTs under `/api-auth`.
//!
//! Steps live in their own files: `access` (who may start a flow), `query` (the SDK's query
//! string), `authorize_url`, `result_page`, `origins` (which pages a flow may answer),
//! `redirect` (redirect mode's 303 back to `return_to`), `api_auth` (the API-key and basic POSTs), `socket`
//! (the WebSocket result channel of `@nangohq/frontend`, served on `/`). The
//! logic below HTTP is in `flows` (a flow's state) and `connections` (saving, tokens).

pub mod access;
pub mod api_auth;
pub mod authorize_url;
pub mod callback;
pub mod connect;
pub mod flows;
pub mod origins;
pub mod query;
pub mod redirect;
pub mod result_page;
pub mod socket;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/connect/{integration}", get(connect::get_connect))
        .route("/oauth/callback", get(callback::get_callback))
        .merge(flows::routes())
        .merge(api_auth::routes())
}
