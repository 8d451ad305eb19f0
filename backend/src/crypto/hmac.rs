//! HMAC-SHA256: the connect digest (SPEC §3), the webhook signature, constant-time checks.

use crate::secret::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex of HMAC-SHA256(key, message).
pub fn sign_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The digest an app's backend computes for `nango.auth(integration, connection_id, {hmac})`.
pub fn connect_digest(hmac_key: &Secret<String>, integration: &str, connection_id: &str) -> String {
    sign_hex(hmac_key.expose().as_bytes(), format!("{integration}:{connection_id}").as_bytes())
}

/// Check a digest sent by a browser, in constant time. Accepts upper- or lowercase hex.
pub fn verify_connect_digest(
    hmac_key: &Secret<String>,
    integration: &str,
    connection_id: &str,
    digest: &str,
) -> bool {
    let Ok(given) = hex::decode(digest.trim()) else { return false };
    let Ok(mut mac) = HmacSha256::new_from_slice(hmac_key.expose().as_bytes()) else { return false };
    mac.update(format!("{integration}:{connection_id}").as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// `X-Nango-Hmac-Sha256` for a webhook body, keyed with the environment's secret key.
pub fn webhook_signature(secret_key: &Secret<String>, body: &[u8]) -> String {
    sign_hex(secret_key.expose().as_bytes(), body)
}

/// Nango's legacy webhook signature (`X-Nango-Signature`): hex SHA-256 of the secret key
/// followed by the body. Weaker than the HMAC (length extension); sent for older receivers.
pub fn legacy_webhook_signature(secret_key: &Secret<String>, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(secret_key.expose().as_bytes());
    digest.update(body);
    hex::encode(digest.finalize())
}

/// Constant-time equality for secrets that are compared as strings (API keys).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_node_crypto() {
        // node -e "console.log(require('crypto').createHmac('sha256','key').update('github:user-1').digest('hex'))"
        let key = Secret::new("key".to_string());
        let digest = connect_digest(&key, "github", "user-1");
        assert_eq!(digest.len(), 64);
        assert!(verify_connect_digest(&key, "github", "user-1", &digest));
        assert!(verify_connect_digest(&key, "github", "user-1", &digest.to_uppercase()));
        assert!(!verify_connect_digest(&key, "github", "user-2", &digest));
        assert!(!verify_connect_digest(&key, "github", "user-1", "zz"));
        assert!(!verify_connect_digest(&key, "github", "user-1", ""));
    }

    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            sign_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
