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

/// OAuth `state`: 256 bits.
pub fn state() -> String {
    token(32)
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
        let a = super::state();
        let b = super::state();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(super::hex_key(16).len(), 32);
    }
}
