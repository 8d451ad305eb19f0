//! Operational metrics, served at `GET /metrics` in the OpenMetrics text format (what
//! Prometheus scrapes; `http.rs` has the route and the request layer).
//!
//! - `nango_http_requests_total{method, route, status}` and
//!   `nango_http_request_duration_seconds{method, route}` (until the response head is ready;
//!   a streamed body, SSE or a socket is not waited for): `route` is the route *template*
//!   axum matched (`/connection/{connection_id}`), `unmatched` when none did.
//! - `nango_flows_total{outcome}`: ended OAuth flows, `success` or the error code (errors before
//!   a flow started included).
//! - `nango_token_refreshes_total{outcome}`: refreshes run under the refresh lock, `success`
//!   (also when another replica's refresh was found done) or the error code.
//! - `nango_webhook_deliveries_total{outcome}`: auth webhooks, `delivered` or `failed` (after
//!   all retries).
//! - `nango_store_operation_duration_seconds{operation}`: every store call by method name,
//!   timed around the `Store` trait object (`store.rs` says why there).
//!
//! No label ever holds a request's path, a connection id, a key, a token or any other value a
//! client sent: labels are route templates, method names and fixed codes, so the output is
//! aggregate by construction and its size is bounded. A scraping Prometheus sees no secret.
//!
//! Access (`NANGO_METRICS`): `open` (default) serves `/metrics` to anyone on the same
//! listener; `secret` asks for an environment's secret key as `Authorization: Bearer`;
//! `off` has no route. Open is the default because the data is aggregate, while the secret key
//! opens every token of the environment: putting it into a scraper's configuration to guard
//! counters would spread the one credential that matters. Deployments that keep even request
//! rates private choose `secret` or `off` (or block `/metrics` at their proxy).
//!
//! One registry per process (metrics describe the process a scraper polls), built on first use;
//! the hooks are free functions so the modules that report stay one line away from them.
//! Crate: `prometheus-client` (the Prometheus project's own; 3 crates more for us, against 7
//! for `metrics` + `metrics-exporter-prometheus`, and less than half their build time).

pub mod http;
pub mod store;

use crate::error_code::ErrorCode;
use crate::store::{FlowError, FlowOutcome};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::LazyLock;
use std::time::Duration;

/// Who may read `/metrics` (`NANGO_METRICS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// No `/metrics` route.
    Off,
    /// Anyone who reaches the listener.
    #[default]
    Open,
    /// An environment's secret key as `Authorization: Bearer`.
    Secret,
}

impl MetricsAccess {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "off" => Ok(Self::Off),
            "open" => Ok(Self::Open),
            "secret" => Ok(Self::Secret),
            other => Err(format!("`{other}` is not one of off, open, secret")),
        }
    }
}

/// One HTTP request: `route` is the matched template (`None`: no route matched).
pub fn http_request(method: &'static str, route: Option<&str>, status: u16, elapsed: Duration) {
    let route = route.unwrap_or(UNMATCHED).to_owned();
    let metrics = &*METRICS;
    let duration = RouteLabels { method, route };
    metrics.http_duration.get_or_create(&duration).observe(elapsed.as_secs_f64());
    let RouteLabels { method, route } = duration;
    metrics.http_requests.get_or_create(&HttpLabels { method, route, status }).inc();
}

/// A flow ended (the callback recorded its outcome).
pub fn flow_ended(outcome: &FlowOutcome) {
    let outcome = match outcome {
        FlowOutcome::Success { .. } => SUCCESS,
        FlowOutcome::Error(error) => error.code.as_str(),
    };
    METRICS.flows.get_or_create(&OutcomeLabels { outcome }).inc();
}

/// A flow failed before it could start (`/oauth/connect` refused it).
pub fn flow_failed(error: &FlowError) {
    METRICS.flows.get_or_create(&OutcomeLabels { outcome: error.code.as_str() }).inc();
}

/// A refresh under the lock ended: `None` on success, else the error's code.
pub fn refresh_ended(error: Option<ErrorCode>) {
    let outcome = error.map_or(SUCCESS, ErrorCode::as_str);
    METRICS.refreshes.get_or_create(&OutcomeLabels { outcome }).inc();
}

/// An auth webhook was delivered, or given up after its last attempt.
pub fn webhook_delivered(delivered: bool) {
    let outcome = if delivered { "delivered" } else { "failed" };
    METRICS.webhooks.get_or_create(&OutcomeLabels { outcome }).inc();
}

/// One store call (`operation`: the store method's name).
pub fn store_operation(operation: &'static str, elapsed: Duration) {
    METRICS.store.get_or_create(&OperationLabels { operation }).observe(elapsed.as_secs_f64());
}

/// The whole registry in the OpenMetrics text format (ends with `# EOF`).
pub fn render() -> String {
    let mut text = String::new();
    // Writing into a `String` cannot fail; should encoding fail, the text so far is served.
    if prometheus_client::encoding::text::encode(&mut text, &METRICS.registry).is_err() {
        tracing::error!("metrics could not be encoded");
    }
    text
}

const SUCCESS: &str = "success";
/// The `route` of a request no route matched (its path is never a label).
pub const UNMATCHED: &str = "unmatched";

/// Request durations, in seconds: from half a millisecond (a cached read) to 10 s (a provider
/// time-out).
const HTTP_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Store calls, in seconds: from 0.1 ms (an SQLite read) to 2.5 s (a stalled database).
const STORE_BUCKETS: [f64; 13] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    flows: Family<OutcomeLabels, Counter>,
    refreshes: Family<OutcomeLabels, Counter>,
    webhooks: Family<OutcomeLabels, Counter>,
    store: HistogramFamily<OperationLabels>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(|| Histogram::new(HTTP_BUCKETS));
        let flows = Family::<OutcomeLabels, Counter>::default();
        let refreshes = Family::<OutcomeLabels, Counter>::default();
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        let store: HistogramFamily<OperationLabels> =
            Family::new_with_constructor(|| Histogram::new(STORE_BUCKETS));
        let mut registry = Registry::with_prefix("nango");
        registry.register(
            "http_requests",
            "HTTP requests by route template and status",
            http_requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to the response head, by route template",
            Unit::Seconds,
            http_duration.clone(),
        );
        registry.register("flows", "Ended OAuth flows by outcome (success or error code)", flows.clone());
        registry.register(
            "token_refreshes",
            "Token refreshes by outcome (success or error code)",
            refreshes.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Auth webhooks by outcome (delivered or failed)",
            webhooks.clone(),
        );
        registry.register_with_unit(
            "store_operation_duration",
            "Store calls by operation",
            Unit::Seconds,
            store.clone(),
        );
        Self { registry, http_requests, http_duration, flows, refreshes, webhooks, store }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_settings_parse() {
        assert_eq!(MetricsAccess::parse("open"), Ok(MetricsAccess::Open));
        assert_eq!(MetricsAccess::parse("secret"), Ok(MetricsAccess::Secret));
        assert_eq!(MetricsAccess::parse("off"), Ok(MetricsAccess::Off));
        assert!(MetricsAccess::parse("yes").is_err());
        assert_eq!(MetricsAccess::default(), MetricsAccess::Open);
    }

    #[test]
    fn recorded_values_show_with_their_labels_only() {
        http_request("GET", Some("/connection/{connection_id}"), 200, Duration::from_millis(3));
        http_request("GET", None, 404, Duration::from_millis(1));
        refresh_ended(Some(ErrorCode::RefreshFailed));
        webhook_delivered(true);
        store_operation("get_connection", Duration::from_micros(200));
        let text = render();
        for expected in [
            "nango_http_requests_total{method=\"GET\",route=\"/connection/{connection_id}\",status=\"200\"}",
            "nango_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}",
            concat!(
                "nango_http_request_duration_seconds_bucket",
                "{le=\"0.005\",method=\"GET\",route=\"/connection/{connection_id}\"}"
            ),
            "nango_token_refreshes_total{outcome=\"refresh_failed\"}",
            "nango_webhook_deliveries_total{outcome=\"delivered\"}",
            "nango_store_operation_duration_seconds_count{operation=\"get_connection\"}",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
