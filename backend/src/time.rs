//! Time as a parameter: library code takes `now` (unix seconds) from the caller; only the
//! edges call `now()`. Formatting for the wire lives here too.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The latest time we store: year 9999, so every stored time formats as RFC 3339.
pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// Current unix time in seconds. Call at the edge (handlers), pass down as a value.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Current unix time in milliseconds (the webhook outbox schedules below the second).
pub fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[derive(Debug, thiserror::Error)]
#[error("unix time {0} cannot be written as an RFC 3339 date")]
pub struct TimeError(pub i64);

/// RFC 3339 (UTC, `Z`) for a unix timestamp in seconds.
pub fn rfc3339(unix_seconds: i64) -> Result<String, TimeError> {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .ok_or(TimeError(unix_seconds))
}

/// RFC 3339 (UTC, `Z`, milliseconds) for a unix timestamp in milliseconds.
pub fn rfc3339_millis(unix_ms: i64) -> Result<String, TimeError> {
    let nanos = i128::from(unix_ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .filter(|at| at.unix_timestamp() <= MAX_UNIX_SECONDS)
        .and_then(|at| at.format(&Rfc3339).ok())
        .ok_or(TimeError(unix_ms.div_euclid(1000)))
}

/// A date as Nango's API takes one: an RFC 3339 string, or a number of milliseconds since
/// 1970 (JavaScript's `Date` value). Unix seconds, or `None` when it is neither.
pub fn parse_date(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(text) => {
            OffsetDateTime::parse(text.trim(), &Rfc3339).ok().map(OffsetDateTime::unix_timestamp)
        }
        serde_json::Value::Number(number) => number.as_i64().map(|millis| millis.div_euclid(1000)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_refuses_out_of_range() {
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(MAX_UNIX_SECONDS).unwrap(), "9999-12-31T23:59:59Z");
        assert!(rfc3339(i64::MAX).is_err());
        assert_eq!(rfc3339_millis(1_700_000_000_123).unwrap(), "2023-11-14T22:13:20.123Z");
        assert!(rfc3339_millis(i64::MAX).is_err());
    }
}
