//! Headless Chromium against the real broker and the BUILT SDK package (`sdk-wasm/pkg`):
//! the popup flow end to end, its failure modes, the COOP fallback channel, and the demo page
//! clicked through as a person would. Run `cargo xtask build-sdk` first.

// Tests fail loudly: a panic with a message is the failure we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_connections;
mod admin_environment;
mod admin_integrations;
mod admin_layout;
mod admin_session;
mod admin_support;
mod assets;
mod channels;
mod connect_page;
mod connect_support;
mod connect_ui;
mod demo_form;
mod demo_page;
mod errors;
mod nango_frontend;
mod pages;
mod popup;
mod redirect_mode;
mod sessions;
mod support;
