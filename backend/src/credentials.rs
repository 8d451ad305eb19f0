//! A connection's credentials, and their sealed (encrypted) form at rest.
//!
//! Plaintext lives only in `Secret`s; `to_json` is the one place that exposes it, for the
//! responses that need it (SPEC §5: the refresh token only when asked).

use crate::catalog::AuthMode;
use crate::crypto::{Cipher, CipherError};
use crate::secret::Secret;
use crate::time::TimeError;
use serde_json::{json, Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    Cipher(#[from] CipherError),
    /// The plaintext opened but is not a credential we wrote: corruption, never an empty token.
    #[error("sealed credentials are corrupt: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Time(#[from] TimeError),
}

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
    pub fn auth_mode(&self) -> AuthMode {
        match self {
            Self::OAuth2 { .. } => AuthMode::OAuth2,
            Self::ApiKey { .. } => AuthMode::ApiKey,
            Self::Basic { .. } => AuthMode::Basic,
        }
    }

    /// The wire shape of Nango's API. The refresh token (also inside `raw`) is left out unless
    /// `include_refresh_token` is set.
    pub fn to_json(&self, include_refresh_token: bool) -> Result<Value, TimeError> {
        let mode = self.auth_mode().as_str();
        Ok(match self {
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => {
                let mut out = Map::new();
                out.insert("type".into(), json!(mode));
                out.insert("access_token".into(), json!(access_token.expose()));
                let expires_at = expires_at.map(crate::time::rfc3339).transpose()?;
                out.insert("expires_at".into(), expires_at.map_or(Value::Null, Value::String));
                let mut raw = raw.expose().clone();
                if include_refresh_token {
                    out.insert("refresh_token".into(), json!(refresh_token.as_ref().map(|t| t.expose())));
                } else if let Some(raw) = raw.as_object_mut() {
                    raw.remove("refresh_token");
                }
                // Nango's `credentials.raw`: the provider's token response, always.
                out.insert("raw".into(), raw);
                Value::Object(out)
            }
            Self::ApiKey { api_key } => json!({ "type": mode, "apiKey": api_key.expose() }),
            Self::Basic { username, password } => {
                json!({ "type": mode, "username": username, "password": password.expose() })
            }
        })
    }

    /// Encrypt for storage. `aad` binds the ciphertext to its row (`ConnectionKey::aad`).
    pub fn seal(&self, cipher: &Cipher, aad: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let mode = self.auth_mode().as_str();
        let plain = match self {
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => json!({
                "type": mode,
                "access_token": access_token.expose(),
                "refresh_token": refresh_token.as_ref().map(|t| t.expose()),
                "expires_at": expires_at,
                "raw": raw.expose(),
            }),
            Self::ApiKey { api_key } => json!({ "type": mode, "apiKey": api_key.expose() }),
            Self::Basic { username, password } => {
                json!({ "type": mode, "username": username, "password": password.expose() })
            }
        };
        let bytes = serde_json::to_vec(&plain).map_err(|_| CipherError::Seal)?;
        Ok(cipher.seal(&bytes, aad)?)
    }

    /// Decrypt and check: a missing field is corruption, never an empty value.
    pub fn open(cipher: &Cipher, sealed: &[u8], aad: &[u8]) -> Result<Self, CredentialsError> {
        let bytes = cipher.open(sealed, aad)?;
        let value: Value =
            serde_json::from_slice(bytes.expose()).map_err(|_| CredentialsError::Corrupt("not JSON"))?;
        let text = |key: &'static str| match value.get(key) {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => Err(CredentialsError::Corrupt(key)),
        };
        let optional_text = |key: &'static str| match value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Secret::new(text.clone()))),
            Some(_) => Err(CredentialsError::Corrupt(key)),
        };
        let mode = value.get("type").and_then(Value::as_str).and_then(AuthMode::parse);
        match mode {
            Some(AuthMode::OAuth2) => Ok(Self::OAuth2 {
                access_token: Secret::new(text("access_token")?),
                refresh_token: optional_text("refresh_token")?,
                expires_at: match value.get("expires_at") {
                    None | Some(Value::Null) => None,
                    Some(at) => Some(at.as_i64().ok_or(CredentialsError::Corrupt("expires_at"))?),
                },
                raw: Secret::new(value.get("raw").cloned().ok_or(CredentialsError::Corrupt("raw"))?),
            }),
            Some(AuthMode::ApiKey) => Ok(Self::ApiKey { api_key: Secret::new(text("apiKey")?) }),
            Some(AuthMode::Basic) => {
                Ok(Self::Basic { username: text("username")?, password: Secret::new(text("password")?) })
            }
            None => Err(CredentialsError::Corrupt("type")),
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
        let aad = b"connection:1:github:u1";
        let sealed = credentials.seal(&cipher, aad).unwrap();
        let opened = Credentials::open(&cipher, &sealed, aad).unwrap();
        let public = opened.to_json(false).unwrap();
        assert_eq!(public["access_token"], "at");
        assert!(public.get("refresh_token").is_none());
        assert_eq!(opened.to_json(true).unwrap()["refresh_token"], "rt");
        assert_eq!(public["expires_at"], "2023-11-14T22:13:20Z");
        assert!(Credentials::open(&cipher, &sealed, b"connection:1:github:u2").is_err());
    }

    #[test]
    fn missing_fields_are_corruption_not_empty_values() {
        let key = base64::engine::general_purpose::STANDARD.encode([4u8; 32]);
        let cipher = Cipher::from_base64(&Secret::new(key)).unwrap();
        for plain in [
            json!({"type": "OAUTH2", "raw": {}}),
            json!({"type": "OAUTH2", "access_token": 5, "raw": {}}),
            json!({"type": "API_KEY"}),
            json!({"type": "BASIC", "username": "u"}),
            json!({"type": "SAML"}),
        ] {
            let sealed = cipher.seal(&serde_json::to_vec(&plain).unwrap(), b"aad").unwrap();
            let error = Credentials::open(&cipher, &sealed, b"aad").unwrap_err();
            assert!(matches!(error, CredentialsError::Corrupt(_)), "{plain}: {error}");
        }
    }
}
