//! The outbox's settings (`NANGO_WEBHOOK_*`, read by `config.rs`): the retry schedule, the
//! time-out of one attempt, and how many deliveries a replica runs at once.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// The wait after the first failed attempt; it doubles with each attempt
    /// (`NANGO_WEBHOOK_RETRY_BASE_MS`, default 5 s).
    pub retry_base: Duration,
    /// The longest wait between two attempts (`NANGO_WEBHOOK_RETRY_MAX_MS`, default 1 h).
    pub retry_max: Duration,
    /// How long after its creation (or replay) an event is retried
    /// (`NANGO_WEBHOOK_RETRY_HOURS`, default 24).
    pub retry_window: Duration,
    /// Time-out of one attempt, connecting included (`NANGO_WEBHOOK_TIMEOUT_SECONDS`,
    /// default 10, SPEC §12).
    pub timeout: Duration,
    /// Deliveries under way at once on one replica (`NANGO_WEBHOOK_CONCURRENCY`, default 16).
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            retry_window: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            concurrency: 16,
        }
    }
}

impl WebhookSettings {
    /// How long a worker holds an event it claimed: the attempt's time-out plus as much again
    /// (at least 5 s) for recording it. A worker that dies holding events frees them this
    /// long after it claimed them.
    pub fn lease(&self) -> Duration {
        self.timeout + self.timeout.max(Duration::from_secs(5))
    }
}
