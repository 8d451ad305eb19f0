//! nango-server: an OAuth connection broker.
//!
//! Layers point down only: `app` → `api`, `oauth`, `demo`, `proxy`, `webhooks` (answering with
//! `error`) → `catalog`, `store`, `crypto` → `ids`, `secret`. See README.md's code map.

pub mod api;
pub mod app;
pub mod assets;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod crypto;
pub mod demo;
pub mod demo_page;
pub mod error;
pub mod extract;
pub mod http_client;
pub mod ids;
pub mod oauth;
pub mod proxy;
pub mod secret;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod webhooks;
