//! The admin console at `/admin/` (SPEC §14): what a Nango user does in Nango's dashboard.
//! Plain HTML, CSS and ES modules embedded in the binary (`assets/`, no build step); the
//! pages call the server's own REST API with `fetch`, authenticated by the session cookie
//! that `POST /admin/session` sets in exchange for the secret key (`session.rs`), so every
//! rule lives once, behind the API. `pages.rs` serves the files.

pub mod doc;
mod pages;
mod session;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes()).merge(session::routes())
}
