//! Stateless demo tokens: `demo_<kind>.<base64url payload>.<hex HMAC>`, signed with a key made
//! at process start. Access tokens live an hour, refresh tokens 30 days; nothing is stored,
//! so the demo provider uses no memory per issued token. A refresh answers a new refresh token;
//! older ones stay valid until they expire (the demo does not track rotation).

use crate::crypto::hmac::{constant_time_eq, sign_hex};
use crate::crypto::random;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

pub const ACCESS_TOKEN_SECONDS: i64 = 3600;
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Access,
    Refresh,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Access => "demo_at",
            Self::Refresh => "demo_rt",
        }
    }
}

/// What a token says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The client it was issued to.
    #[serde(rename = "c")]
    pub client_id: String,
    #[serde(rename = "s")]
    pub scope: String,
    /// Unix seconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// Makes every token distinct.
    #[serde(rename = "n")]
    pub nonce: String,
}

/// Issue a token of `kind` for `client_id` and `scope`.
pub fn issue(kind: Kind, client_id: &str, scope: &str, now: i64) -> String {
    let lifetime = match kind {
        Kind::Access => ACCESS_TOKEN_SECONDS,
        Kind::Refresh => REFRESH_TOKEN_SECONDS,
    };
    let claims = Claims {
        client_id: client_id.to_string(),
        scope: scope.to_string(),
        expires_at: now + lifetime,
        nonce: random::token(12),
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signed = format!("{}.{payload}", kind.prefix());
    let signature = sign_hex(key(), signed.as_bytes());
    format!("{signed}.{signature}")
}

/// The claims of a valid, unexpired token of `kind`.
pub fn verify(kind: Kind, token: &str, now: i64) -> Option<Claims> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (prefix, payload) = signed.split_once('.')?;
    if prefix != kind.prefix() || !constant_time_eq(&sign_hex(key(), signed.as_bytes()), signature) {
        return None;
    }
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.expires_at > now).then_some(claims)
}

fn key() -> &'static [u8] {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| random::token(32)).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_and_verify() {
        let token = issue(Kind::Access, "demo-client", "profile email", 100);
        let claims = verify(Kind::Access, &token, 200).unwrap();
        assert_eq!(claims.client_id, "demo-client");
        assert_eq!(claims.scope, "profile email");
        assert!(verify(Kind::Refresh, &token, 200).is_none());
        assert!(verify(Kind::Access, &token, 100 + ACCESS_TOKEN_SECONDS).is_none());
        let mut forged = token.clone();
        forged.push('0');
        assert!(verify(Kind::Access, &forged, 200).is_none());
        assert_ne!(token, issue(Kind::Access, "demo-client", "profile email", 100));
    }
}
