//! `AppState`: what every handler shares. Cloned for every request (axum's `State`), so it is
//! one `Arc` around the services: one reference count to touch instead of one per service,
//! which the read path's profile showed as cache-line traffic between the cores.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::connections::last_fetched::PendingLastFetched;
use crate::crypto::Cipher;
use crate::environment_cache::EnvironmentCache;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind `AppState`.
pub struct Services {
    pub config: Arc<Config>,
    /// The serialised origin of `config.server_url` (its hosted pages'), parsed once: every
    /// popup flow compares its opener's origin with it.
    pub own_origin: String,
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    pub cipher: Arc<Cipher>,
    /// Client for providers (token exchange, refresh, proxy) and webhooks: bounded time-outs,
    /// the outbound policy.
    pub http: crate::outbound::Outbound,
    /// Environments by secret key, for the REST API's per-request check.
    pub environments: Arc<EnvironmentCache>,
    /// Integrations by environment and key, for the OAuth flows (`integrations/cache.rs`).
    pub integrations: Arc<crate::integrations::cache::IntegrationCache>,
    /// Per-IP limits of the browser routes and of wrong secret keys.
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
    /// `last_fetched_at` writes waiting for the background flush.
    pub last_fetched: Arc<PendingLastFetched>,
    /// The WebSocket result sockets of this replica, by flow id.
    pub flow_watch: Arc<crate::flows::watch::FlowWatch>,
    /// This replica's handle on the webhook outbox: writes handed-over events, wakes the worker.
    pub webhooks: Arc<crate::webhooks::Outbox>,
}
