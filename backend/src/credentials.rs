//! A connection's credentials, and their sealed (encrypted) form at rest.
//!
//! Plaintext lives only in `Secret`s; `to_json` is the one place that exposes it, for the
//! responses that need it (SPEC §5: the refresh token only when asked).

use crate::crypto::{Cipher, CipherError};
use crate::secret::Secret;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub enum Credentials {
    OAuth2 {
        access_token: Secret<String>,
        refresh_token: Option<Secret<String>>,
        /// Unix seconds.
        expires_at: Option<i64>,
        /// The provider's whole token response.
        raw: Secret<Value>,
    },
    ApiKey {
        api_key: Secret<String>,
    },
    Basic {
        username: String,
        password: Secret<String>,
    },
}

impl Credentials {
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::OAuth2 { .. } => "OAUTH2",
            Self::ApiKey { .. } => "API_KEY",
            Self::Basic { .. } => "BASIC",
        }
    }

    /// The wire shape of Nango's API. The refresh token and raw response are left out unless
    /// `include_refresh_token` is set.
    pub fn to_json(&self, include_refresh_token: bool) -> Value {
        match self {
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => {
                let mut out = Map::new();
                out.insert("type".into(), json!("OAUTH2"));
                out.insert("access_token".into(), json!(access_token.expose()));
                out.insert(
                    "expires_at".into(),
                    expires_at.map(crate::time::rfc3339).map_or(Value::Null, Value::String),
                );
                if include_refresh_token {
                    out.insert("refresh_token".into(), json!(refresh_token.as_ref().map(|t| t.expose())));
                    out.insert("raw".into(), raw.expose().clone());
                }
                Value::Object(out)
            }
            Self::ApiKey { api_key } => json!({ "type": "API_KEY", "apiKey": api_key.expose() }),
            Self::Basic { username, password } => {
                json!({ "type": "BASIC", "username": username, "password": password.expose() })
            }
        }
    }

    /// Encrypt for storage. `aad` binds the ciphertext to its row (see `aad_for`).
    pub fn seal(&self, cipher: &Cipher, aad: &[u8]) -> Result<Vec<u8>, CipherError> {
        let plain = match self {
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => json!({
                "type": "OAUTH2",
                "access_token": access_token.expose(),
                "refresh_token": refresh_token.as_ref().map(|t| t.expose()),
                "expires_at": expires_at,
                "raw": raw.expose(),
            }),
            other => other.to_json(true),
        };
        let bytes = serde_json::to_vec(&plain).map_err(|_| CipherError::Seal)?;
        cipher.seal(&bytes, aad)
    }

    pub fn open(cipher: &Cipher, sealed: &[u8], aad: &[u8]) -> Result<Self, CipherError> {
        let bytes = cipher.open(sealed, aad)?;
        let value: Value = serde_json::from_slice(bytes.expose()).map_err(|_| CipherError::Open)?;
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        match value.get("type").and_then(Value::as_str) {
            Some("OAUTH2") => Ok(Self::OAuth2 {
                access_token: Secret::new(text("access_token").unwrap_or_default()),
                refresh_token: text("refresh_token").map(Secret::new),
                expires_at: value.get("expires_at").and_then(Value::as_i64),
                raw: Secret::new(value.get("raw").cloned().unwrap_or(Value::Null)),
            }),
            Some("API_KEY") => Ok(Self::ApiKey { api_key: Secret::new(text("apiKey").unwrap_or_default()) }),
            Some("BASIC") => Ok(Self::Basic {
                username: text("username").unwrap_or_default(),
                password: Secret::new(text("password").unwrap_or_default()),
            }),
            _ => Err(CipherError::Open),
        }
    }

    pub fn refresh_token(&self) -> Option<&Secret<String>> {
        match self {
            Self::OAuth2 { refresh_token, .. } => refresh_token.as_ref(),
            _ => None,
        }
    }

    pub fn expires_at(&self) -> Option<i64> {
        match self {
            Self::OAuth2 { expires_at, .. } => *expires_at,
            _ => None,
        }
    }
}

/// The additional data that binds a sealed credential to one connection row.
pub fn aad_for(environment_id: i64, integration: &str, connection_id: &str) -> Vec<u8> {
    format!("connection:{environment_id}:{integration}:{connection_id}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn seal_open_round_trip_hides_refresh_token_by_default() {
        let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        let cipher = Cipher::from_base64(&Secret::new(key)).unwrap();
        let credentials = Credentials::OAuth2 {
            access_token: Secret::new("at".into()),
            refresh_token: Some(Secret::new("rt".into())),
            expires_at: Some(1_700_000_000),
            raw: Secret::new(json!({"access_token": "at"})),
        };
        let aad = aad_for(1, "github", "u1");
        let sealed = credentials.seal(&cipher, &aad).unwrap();
        let opened = Credentials::open(&cipher, &sealed, &aad).unwrap();
        let public = opened.to_json(false);
        assert_eq!(public["access_token"], "at");
        assert!(public.get("refresh_token").is_none());
        assert_eq!(opened.to_json(true)["refresh_token"], "rt");
        assert_eq!(public["expires_at"], "2023-11-14T22:13:20Z");
        assert!(Credentials::open(&cipher, &sealed, &aad_for(1, "github", "u2")).is_err());
    }
}
