//! Time as a parameter: library code takes `now` (unix seconds) from the caller; only the
//! edges call `now()`. Formatting for the wire lives here too.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Current unix time in seconds. Call at the edge (handlers), pass down as a value.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 (UTC, `Z`) for a unix timestamp in seconds.
pub fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}
