//! PKCE (RFC 7636): the S256 code verifier kept in the flow record and its challenge.

use crate::crypto::random;
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// A PKCE code verifier. Like oauth2-rs's `PkceCodeVerifier` it is not `Clone`: it is made
/// once per flow, stored, and sent once at the code exchange.
pub struct PkceVerifier(Secret<String>);

impl PkceVerifier {
    /// 32 random bytes as URL-safe base64: 43 characters of the unreserved set (RFC 7636 §4.1).
    pub fn generate() -> Self {
        Self(Secret::new(random::token(32)))
    }

    /// The `code_challenge` for `code_challenge_method=S256`.
    pub fn challenge(&self) -> String {
        challenge_s256(self.0.expose())
    }

    /// Hand the verifier over to the flow record.
    pub fn into_secret(self) -> Secret<String> {
        self.0
    }
}

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// `BASE64URL(SHA256(ASCII(verifier)))` without padding (RFC 7636 §4.2).
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        let a = PkceVerifier::generate();
        let b = PkceVerifier::generate();
        assert_ne!(a.challenge(), b.challenge());
        let secret = a.into_secret();
        let text = secret.expose();
        assert!((43..=128).contains(&text.len()));
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
        assert_eq!(format!("{:?}", PkceVerifier::generate()), "PkceVerifier([redacted])");
    }
}
