//! When a failed attempt is tried again and after how long (the `Retries` header): 429, any
//! 5xx and the statuses of `Retry-On` are retried, as are network errors and time-outs; the
//! wait is the provider's `Retry-After` when it sends one, else exponential back-off with
//! jitter (so many callers throttled at once do not come back at once).

use axum::http::{header, HeaderMap, StatusCode};
use std::time::Duration;

/// The first back-off step; each next one doubles.
const BASE_DELAY: Duration = Duration::from_millis(250);
/// No back-off step is longer than this.
const MAX_DELAY: Duration = Duration::from_secs(10);
/// A longer `Retry-After` is not waited for: the answer is passed back at once, so the caller
/// sees the provider's `Retry-After` and decides (holding its request for minutes helps nobody).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether an answer with `status` is worth another attempt.
pub(super) fn is_retriable(status: StatusCode, retry_on: &[StatusCode]) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || retry_on.contains(&status)
}

/// The wait before retry number `n_retried + 1`: `BASE_DELAY × 2^n_retried`, at most
/// `MAX_DELAY`, half of it fixed and half scaled by `jitter` (in `[0, 1]`, random in use).
pub(super) fn backoff(n_retried: u32, jitter: f64) -> Duration {
    let step = BASE_DELAY.saturating_mul(1 << n_retried.min(16)).min(MAX_DELAY);
    step / 2 + (step / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

/// What a provider's `Retry-After` asks for.
#[derive(Debug, PartialEq)]
pub(super) enum RetryAfter {
    /// No header, or one we cannot read: back off as usual.
    Absent,
    Wait(Duration),
    /// More than `MAX_RETRY_AFTER`.
    TooLong,
}

/// `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3); `now` in Unix seconds.
pub(super) fn retry_after(headers: &HeaderMap, now: i64) -> RetryAfter {
    let Some(text) = headers.get(header::RETRY_AFTER).and_then(|value| value.to_str().ok()) else {
        return RetryAfter::Absent;
    };
    let text = text.trim();
    let seconds = if let Ok(seconds) = text.parse::<u64>() {
        seconds
    } else if let Ok(date) = httpdate::parse_http_date(text) {
        let at = date.duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_secs());
        at.saturating_sub(u64::try_from(now).unwrap_or_default())
    } else {
        return RetryAfter::Absent;
    };
    let wait = Duration::from_secs(seconds);
    if wait > MAX_RETRY_AFTER {
        RetryAfter::TooLong
    } else {
        RetryAfter::Wait(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_retry_after(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn which_statuses_are_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retriable(StatusCode::from_u16(status).unwrap(), &[]), "{status}");
        }
        for status in [200, 201, 301, 400, 401, 403, 404, 409] {
            assert!(!is_retriable(StatusCode::from_u16(status).unwrap(), &[]), "{status}");
        }
        assert!(is_retriable(StatusCode::CONFLICT, &[StatusCode::CONFLICT]));
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_is_capped() {
        assert_eq!(backoff(0, 0.0), Duration::from_millis(125));
        assert_eq!(backoff(0, 1.0), Duration::from_millis(250));
        assert_eq!(backoff(2, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(2, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(9, 1.0), MAX_DELAY);
        assert_eq!(backoff(u32::MAX, 0.5), MAX_DELAY / 2 + MAX_DELAY / 4);
        assert!(backoff(3, 0.3) >= backoff(3, 0.0) && backoff(3, 0.3) <= backoff(3, 1.0));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        // 1994-11-06T08:49:37Z
        let now = 784_111_777;
        assert_eq!(retry_after(&HeaderMap::new(), now), RetryAfter::Absent);
        assert_eq!(retry_after(&with_retry_after(" 2 "), now), RetryAfter::Wait(Duration::from_secs(2)));
        assert_eq!(retry_after(&with_retry_after("0"), now), RetryAfter::Wait(Duration::ZERO));
        assert_eq!(retry_after(&with_retry_after("3600"), now), RetryAfter::TooLong);
        assert_eq!(retry_after(&with_retry_after("soon"), now), RetryAfter::Absent);
        assert_eq!(retry_after(&with_retry_after("-1"), now), RetryAfter::Absent);
        let date = with_retry_after("Sun, 06 Nov 1994 08:50:07 GMT");
        assert_eq!(retry_after(&date, now), RetryAfter::Wait(Duration::from_secs(30)));
        let past = with_retry_after("Sun, 06 Nov 1994 08:00:00 GMT");
        assert_eq!(retry_after(&past, now), RetryAfter::Wait(Duration::ZERO));
        let far = with_retry_after("Mon, 07 Nov 1994 08:49:37 GMT");
        assert_eq!(retry_after(&far, now), RetryAfter::TooLong);
    }
}
