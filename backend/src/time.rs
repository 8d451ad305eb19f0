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

/// A unix time in seconds checked to be writable as RFC 3339 (UTC, `Z`), which serialises as
/// that string without building one on the heap (an answer of the read path holds several).
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339Date(OffsetDateTime);

impl Rfc3339Date {
    pub fn new(unix_seconds: i64) -> Result<Self, TimeError> {
        OffsetDateTime::from_unix_timestamp(unix_seconds)
            .ok()
            .filter(|at| (0..=9999).contains(&at.year()))
            .map(Self)
            .ok_or(TimeError(unix_seconds))
    }
}

impl Rfc3339Date {
    /// `YYYY-MM-DDTHH:MM:SSZ`: what `Rfc3339` writes for a whole second in UTC, written here
    /// into a fixed buffer (the `time` crate's general formatter costs several times more).
    fn write(&self) -> [u8; 20] {
        let (year, month, day) = self.0.to_calendar_date();
        let (hour, minute, second) = self.0.to_hms();
        let mut text = *b"0000-00-00T00:00:00Z";
        let year = u16::try_from(year).unwrap_or(0);
        let digits = |text: &mut [u8], value: u16| {
            let mut value = value;
            for place in text.iter_mut().rev() {
                *place = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        digits(&mut text[0..4], year);
        digits(&mut text[5..7], u16::from(month as u8));
        digits(&mut text[8..10], u16::from(day));
        digits(&mut text[11..13], u16::from(hour));
        digits(&mut text[14..16], u16::from(minute));
        digits(&mut text[17..19], u16::from(second));
        text
    }
}

impl serde::Serialize for Rfc3339Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.write();
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
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

    proptest::proptest! {
        #[test]
        fn the_fixed_buffer_date_is_what_the_time_crate_writes(at in -62_167_219_200i64..=MAX_UNIX_SECONDS) {
            let fast = serde_json::to_value(Rfc3339Date::new(at).unwrap()).unwrap();
            proptest::prop_assert_eq!(fast, serde_json::json!(rfc3339(at).unwrap()));
        }
    }

    #[test]
    fn formats_and_refuses_out_of_range() {
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(MAX_UNIX_SECONDS).unwrap(), "9999-12-31T23:59:59Z");
        assert!(rfc3339(i64::MAX).is_err());
        for at in [-62_167_219_200, -1, 0, 951_782_400, 1_700_000_000, 4_107_542_399, MAX_UNIX_SECONDS] {
            let date = Rfc3339Date::new(at).unwrap();
            assert_eq!(serde_json::to_value(date).unwrap(), serde_json::json!(rfc3339(at).unwrap()));
        }
        assert!(Rfc3339Date::new(MAX_UNIX_SECONDS + 1).is_err());
        assert!(Rfc3339Date::new(-62_167_219_201).is_err(), "before year 0 is not RFC 3339");
        assert!(Rfc3339Date::new(-62_167_219_200).is_ok());
        assert_eq!(rfc3339_millis(1_700_000_000_123).unwrap(), "2023-11-14T22:13:20.123Z");
        assert!(rfc3339_millis(i64::MAX).is_err());
    }
}
