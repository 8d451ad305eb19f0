//! Unguessable values: OAuth state, PKCE verifiers, keys. All from the OS generator.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// `n_bytes` random bytes as URL-safe base64 without padding.
pub fn token(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// OAuth `state`: the flow's start (unix milliseconds) as 12 hex digits, then 256 random bits.
///
/// The random part alone makes it unguessable; the time in front keeps the states of the
/// flows under way next to each other in the flows' `state` index, so that an insert and the
/// callback's lookup touch the same few recent pages instead of a random page of the whole
/// index each (hex, unlike base64, sorts as its bytes do).
pub fn state(now_ms: i64) -> String {
    let time = now_ms.clamp(0, (1 << (4 * STATE_TIME_DIGITS)) - 1);
    format!("{time:0width$x}{}", token(STATE_RANDOM_BYTES), width = STATE_TIME_DIGITS)
}

/// The hex digits of a state's time, and the random bytes after it (base64: 43 characters).
const STATE_TIME_DIGITS: usize = 12;
const STATE_RANDOM_BYTES: usize = 32;

/// The time in front of a state made by `state` (not secret: it is when the flow began), for
/// the stored hash to keep in front of it as well; `None` for any other string.
pub fn state_time_prefix(state: &str) -> Option<&str> {
    let prefix = state.get(..STATE_TIME_DIGITS)?;
    let random_chars = (STATE_RANDOM_BYTES * 4).div_ceil(3);
    let hex = prefix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (state.len() == STATE_TIME_DIGITS + random_chars && hex).then_some(prefix)
}

/// A hex key of `n_bytes` random bytes (environment keys).
pub fn hex_key(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_and_distinct() {
        let a = super::state(1_764_000_000_000);
        let b = super::state(1_764_000_000_000);
        assert_ne!(a, b);
        assert_eq!(a.len(), 12 + 43);
        assert!(a.starts_with("019ab697e800"), "{a}");
        let later = super::state(1_764_000_000_001);
        assert!(a[..12] < later[..12]);
        assert_eq!(super::state_time_prefix(&a), Some("019ab697e800"));
        assert_eq!(super::state_time_prefix(&super::token(32)), None);
        assert_eq!(super::state_time_prefix(&a.to_uppercase()), None);
        assert_eq!(super::hex_key(16).len(), 32);
    }
}
