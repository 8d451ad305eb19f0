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
    /// From the settings' numbers, each positive (`config.rs` checks that).
    pub fn from_numbers(
        retry_base_ms: u64,
        retry_max_ms: u64,
        retry_hours: u64,
        timeout_seconds: u64,
        concurrency: u64,
    ) -> Self {
        Self {
            retry_base: Duration::from_millis(retry_base_ms),
            retry_max: Duration::from_millis(retry_max_ms),
            retry_window: Duration::from_secs(retry_hours.saturating_mul(3600)),
            timeout: Duration::from_secs(timeout_seconds),
            concurrency: usize::try_from(concurrency).unwrap_or(usize::MAX),
        }
    }

    /// How long a worker holds an event it claimed: the attempt's time-out plus as much again
    /// (at least 5 s) for recording it. A worker that dies holding events frees them this
    /// long after it claimed them.
    pub fn lease(&self) -> Duration {
        self.timeout + self.timeout.max(Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
    }

    #[test]
    fn settings_default_and_read_from_the_environment() {
        assert_eq!(Config::from_sources(None, &[]).unwrap().webhooks, WebhookSettings::default());
        let fast = vars(&[("NANGO_WEBHOOK_RETRY_BASE_MS", "20"), ("NANGO_WEBHOOK_RETRY_HOURS", "1")]);
        let webhooks = Config::from_sources(None, &fast).unwrap().webhooks;
        assert_eq!(webhooks.retry_base, Duration::from_millis(20));
        assert_eq!(webhooks.retry_window, Duration::from_secs(3600));
        assert_eq!(webhooks.lease(), Duration::from_secs(20));
        let error = Config::from_sources(None, &vars(&[("NANGO_WEBHOOK_CONCURRENCY", "0")])).unwrap_err();
        assert!(error.to_string().starts_with("NANGO_WEBHOOK_CONCURRENCY"), "{error}");
    }
}
