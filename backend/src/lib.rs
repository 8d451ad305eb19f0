//! nango-server: an OAuth connection broker.
//!
//! Layers point down only (README.md's code map has one line per module):
//! 1. `app`, `cli`, `serve`, `layers`: start-up, the router, the connection loop and its limits,
//!    the layers every request passes before its route;
//!    `openapi`: the document of every route.
//! 2. HTTP: `api`, `oauth`, `proxy`, `demo`, `assets`, `admin` (the console), with `extract` (shared extractors),
//!    `error` (every error becomes an HTTP answer here) and `schemas` (the wire shapes
//!    `openapi` documents). Two HTTP modules never import each other.
//! 3. Logic, no axum: `connections` (save, refresh, tokens, status), `flows` (a flow's state),
//!    `sessions` (connect sessions), `admin_sessions` (console sign-in), `environment_variables` (the rules of their list),
//!    `integrations` (configured apps),
//!    `webhooks`, `environment_cache`, `rate_limit`; they return domain errors (`ConnectionError`, ...).
//! 4. `catalog`, `store`, `crypto`, `credentials`, `outbound`, `state`, `config`, `metrics`
//!    (its recording functions; `metrics::http` is the route and the request layer).
//! 5. `ids`, `secret`, `json`, `html`, `time`, `error_code`.

pub mod admin;
pub mod admin_sessions;
pub mod api;
pub mod app;
pub mod assets;
pub mod background;
pub mod callback_check;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod connect_page;
pub mod connections;
pub mod credentials;
pub mod crypto;
pub mod demo;
pub mod environment_cache;
pub mod environment_variables;
pub mod error;
pub mod error_code;
pub mod extract;
pub mod flows;
pub mod html;
pub mod ids;
pub mod integrations;
pub mod json;
pub mod layers;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod outbound;
#[cfg(test)]
mod proptests;
pub mod proxy;
pub mod rate_limit;
pub mod schemas;
pub mod secret;
pub mod serve;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod ttl_cache;
pub mod webhooks;
