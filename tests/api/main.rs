//! The HTTP suite: the real server in-process, a fake provider, everything over HTTP.

// Tests fail loudly: a panic with a message is the failure we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod callback;
mod callback_url;
mod cli_config;
mod cli_doctor;
mod cli_help;
mod cli_state;
mod compat;
mod connect;
mod connect_page;
mod connect_sessions;
mod connection_import;
mod connections;
mod credentials;
mod demo;
mod encryption;
mod environment;
mod environment_variables;
mod flow_logs;
mod hardening;
mod hmac;
mod input;
mod integrations;
mod lifecycle;
mod lifecycle_replicas;
mod limits;
mod logs;
mod metadata;
mod metrics;
mod nango_node;
mod nango_node_connections;
mod nango_node_integrations;
mod openapi;
mod origins;
mod outbound;
mod postgres;
mod providers;
mod proxy;
mod proxy_bodies;
mod proxy_node;
mod proxy_retries;
mod proxy_routing;
mod rate_limits;
mod redirect_mode;
mod refresh;
mod rotation;
mod smoke;
mod socket;
mod state;
mod webhook_deliveries;
mod webhook_durability;
mod webhook_retries;
mod webhooks;
