//! What follows an attempt (SPEC §12): 2xx is delivered; network errors, time-outs, 408, 429
//! and 5xx are retried with exponential back-off and jitter (or after the receiver's
//! `Retry-After`, capped) until the retry window closes; any other answer ends the event as
//! failed. Pure functions: time and randomness are parameters.

use super::WebhookSettings;
use crate::store::WebhookNext;
use std::time::Duration;

/// A `Retry-After` longer than this is not waited for: we come back after an hour.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How one attempt went, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Worth another try; `retry_after` is what the receiver asked for, if anything.
    Retry {
        retry_after: Option<Duration>,
    },
    /// The receiver (or our outbound policy) refused it for good.
    Fail,
}

impl Verdict {
    /// The verdict on an HTTP answer.
    pub fn of_status(status: u16, retry_after: Option<Duration>) -> Self {
        match status {
            200..=299 => Self::Delivered,
            408 | 429 | 500..=599 => Self::Retry { retry_after },
            _ => Self::Fail,
        }
    }
}

/// What follows an attempt of an event with `n_attempts` attempts in its current round (this
/// one included), made at `now` (unix ms), retried until `retry_until`. `jitter` is uniform in
/// [0, 1).
pub fn next(
    settings: &WebhookSettings,
    verdict: Verdict,
    n_attempts: i64,
    now: i64,
    retry_until: i64,
    jitter: f64,
) -> WebhookNext {
    let wait = match verdict {
        Verdict::Delivered => return WebhookNext::Delivered,
        Verdict::Fail => return WebhookNext::Failed,
        // The receiver's wish, but never sooner than the base delay (a `Retry-After: 0` loop).
        Verdict::Retry { retry_after: Some(asked) } => asked.clamp(settings.retry_base, MAX_RETRY_AFTER),
        Verdict::Retry { retry_after: None } => backoff(settings, n_attempts, jitter),
    };
    let at = now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    if at > retry_until {
        WebhookNext::Failed
    } else {
        WebhookNext::RetryAt(at)
    }
}

/// `base * 2^(n-1)`, at most `retry_max`, of which a random half is waived ("equal jitter"):
/// receivers that came back together are not hit together again.
pub fn backoff(settings: &WebhookSettings, n_attempts: i64, jitter: f64) -> Duration {
    let exponent = u32::try_from(n_attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = settings.retry_base.saturating_mul(1 << exponent).min(settings.retry_max);
    full / 2 + full.div_f64(2.0).mul_f64(jitter.clamp(0.0, 1.0))
}

/// `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), `now` in unix ms.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: i64) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    let date_ms = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
    let wait_ms = i64::try_from(date_ms).ok()?.saturating_sub(now).max(0);
    Some(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WebhookSettings {
        WebhookSettings {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            ..WebhookSettings::default()
        }
    }

    #[test]
    fn answers_decide_retry_or_failure() {
        assert_eq!(Verdict::of_status(200, None), Verdict::Delivered);
        assert_eq!(Verdict::of_status(204, None), Verdict::Delivered);
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(Verdict::of_status(status, None), Verdict::Retry { .. }), "{status}");
        }
        for status in [301, 400, 401, 403, 404, 410, 422] {
            assert_eq!(Verdict::of_status(status, None), Verdict::Fail, "{status}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let settings = settings();
        assert_eq!(backoff(&settings, 1, 0.0), Duration::from_millis(2500));
        assert_eq!(backoff(&settings, 1, 0.5), Duration::from_millis(3750));
        assert_eq!(backoff(&settings, 3, 0.0), Duration::from_secs(10));
        assert_eq!(backoff(&settings, 40, 1.0), Duration::from_secs(3600));
        assert_eq!(backoff(&settings, 40, 0.0), Duration::from_secs(1800));
    }

    #[test]
    fn retries_stop_when_the_window_closes() {
        let settings = settings();
        let retry = Verdict::Retry { retry_after: None };
        assert_eq!(next(&settings, retry, 1, 0, 60_000, 0.0), WebhookNext::RetryAt(2500));
        assert_eq!(next(&settings, retry, 1, 58_000, 60_000, 0.0), WebhookNext::Failed);
        assert_eq!(next(&settings, Verdict::Delivered, 9, 0, 0, 0.0), WebhookNext::Delivered);
        assert_eq!(next(&settings, Verdict::Fail, 1, 0, 60_000, 0.0), WebhookNext::Failed);
        // The whole default window holds a few dozen attempts, not thousands.
        let window = 24 * 3_600_000;
        let (mut now, mut n_attempts) = (0, 0);
        while let WebhookNext::RetryAt(at) = next(&settings, retry, n_attempts + 1, now, window, 0.5) {
            (now, n_attempts) = (at, n_attempts + 1);
        }
        assert!((20..60).contains(&n_attempts), "{n_attempts}");
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let settings = settings();
        let asked = |seconds| Verdict::Retry { retry_after: Some(Duration::from_secs(seconds)) };
        assert_eq!(next(&settings, asked(30), 9, 0, i64::MAX, 0.0), WebhookNext::RetryAt(30_000));
        assert_eq!(next(&settings, asked(0), 1, 0, i64::MAX, 0.0), WebhookNext::RetryAt(5_000));
        assert_eq!(next(&settings, asked(86_400), 1, 0, i64::MAX, 0.0), WebhookNext::RetryAt(3_600_000));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            headers
        };
        let now = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
        assert_eq!(retry_after(&with(" 2 "), now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&with("Wed, 21 Oct 2015 07:28:30 GMT"), now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&with("Wed, 21 Oct 2015 07:00:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&with("soon"), now), None);
    }
}
