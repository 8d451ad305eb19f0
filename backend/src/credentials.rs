//! A connection's credentials, and their sealed (encrypted) form at rest.
//!
//! Plaintext lives only in `Secret`s; `view` is the one place that exposes it, for the
//! responses that need it (SPEC §5: the refresh token only when asked).

use crate::catalog::AuthMode;
use crate::crypto::{Cipher, CipherError};
use crate::secret::Secret;
use crate::time::TimeError;
use serde_json::{json, Value};

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

    /// The wire shape of Nango's API, as a borrowing view serialised straight into a response
    /// (nothing of `raw` is copied). The refresh token (also inside `raw`) is left out unless
    /// `include_refresh_token` is set.
    pub fn view(&self, include_refresh_token: bool) -> Result<CredentialsView<'_>, TimeError> {
        let mode = self.auth_mode().as_str();
        Ok(match self {
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => CredentialsView::OAuth2 {
                mode,
                access_token: access_token.expose(),
                expires_at: expires_at.map(crate::time::Rfc3339Date::new).transpose()?,
                refresh_token: include_refresh_token
                    .then(|| refresh_token.as_ref().map(|t| t.expose().as_str())),
                raw: RawResponse { raw: raw.expose(), hide_refresh_token: !include_refresh_token },
            },
            Self::ApiKey { api_key } => CredentialsView::ApiKey { mode, api_key: api_key.expose() },
            Self::Basic { username, password } => {
                CredentialsView::Basic { mode, username, password: password.expose() }
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
        let plain: SealedPlain =
            serde_json::from_slice(bytes.expose()).map_err(|_| CredentialsError::Corrupt("not JSON"))?;
        let text = |value: Option<Value>, key: &'static str| match value {
            Some(Value::String(text)) => Ok(text),
            _ => Err(CredentialsError::Corrupt(key)),
        };
        match plain.mode.as_deref().and_then(AuthMode::parse) {
            Some(AuthMode::OAuth2) => Ok(Self::OAuth2 {
                access_token: Secret::new(text(plain.access_token, "access_token")?),
                refresh_token: match plain.refresh_token {
                    None => None,
                    token => Some(Secret::new(text(token, "refresh_token")?)),
                },
                expires_at: match plain.expires_at {
                    None => None,
                    Some(at) => Some(at.as_i64().ok_or(CredentialsError::Corrupt("expires_at"))?),
                },
                raw: Secret::new(plain.raw.ok_or(CredentialsError::Corrupt("raw"))?),
            }),
            Some(AuthMode::ApiKey) => {
                Ok(Self::ApiKey { api_key: Secret::new(text(plain.api_key, "apiKey")?) })
            }
            Some(AuthMode::Basic) => Ok(Self::Basic {
                username: text(plain.username, "username")?,
                password: Secret::new(text(plain.password, "password")?),
            }),
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

/// The sealed plaintext as `seal` writes it, read field by field (a `null` reads as absent).
#[derive(serde::Deserialize)]
struct SealedPlain {
    #[serde(rename = "type")]
    mode: Option<String>,
    access_token: Option<Value>,
    refresh_token: Option<Value>,
    expires_at: Option<Value>,
    raw: Option<Value>,
    #[serde(rename = "apiKey")]
    api_key: Option<Value>,
    username: Option<Value>,
    password: Option<Value>,
}

/// `Credentials::view`: the response's `credentials` object, borrowed from the opened credentials.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum CredentialsView<'a> {
    OAuth2 {
        #[serde(rename = "type")]
        mode: &'static str,
        access_token: &'a str,
        expires_at: Option<crate::time::Rfc3339Date>,
        /// Absent unless asked for; then the token, or `null` without one.
        #[serde(skip_serializing_if = "Option::is_none")]
        refresh_token: Option<Option<&'a str>>,
        raw: RawResponse<'a>,
    },
    ApiKey {
        #[serde(rename = "type")]
        mode: &'static str,
        #[serde(rename = "apiKey")]
        api_key: &'a str,
    },
    Basic {
        #[serde(rename = "type")]
        mode: &'static str,
        username: &'a str,
        password: &'a str,
    },
}

/// Nango's `credentials.raw`: the provider's token response, always; its `refresh_token`
/// left out unless the refresh token was asked for.
pub struct RawResponse<'a> {
    raw: &'a Value,
    hide_refresh_token: bool,
}

impl serde::Serialize for RawResponse<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.raw {
            Value::Object(fields) if self.hide_refresh_token => {
                let mut map = serializer.serialize_map(None)?;
                for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != "refresh_token") {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            raw => raw.serialize(serializer),
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
            raw: Secret::new(json!({"access_token": "at", "refresh_token": "rt"})),
        };
        let aad = b"connection:1:github:u1";
        let sealed = credentials.seal(&cipher, aad).unwrap();
        let opened = Credentials::open(&cipher, &sealed, aad).unwrap();
        let public = serde_json::to_value(opened.view(false).unwrap()).unwrap();
        assert_eq!(public["access_token"], "at");
        assert!(public.get("refresh_token").is_none());
        let private = serde_json::to_value(opened.view(true).unwrap()).unwrap();
        assert_eq!(private["refresh_token"], "rt");
        assert_eq!(public["raw"], json!({"access_token": "at"}));
        assert_eq!(private["raw"], json!({"access_token": "at", "refresh_token": "rt"}));
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
