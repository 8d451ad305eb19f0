//! A connection's credentials, and their sealed (encrypted) form at rest.
//!
//! Plaintext lives only in `Secret`s; `view` is the one place that exposes it, for the
//! responses that need it (SPEC §5: the refresh token only when asked).

use crate::catalog::AuthMode;
use crate::crypto::{Cipher, CipherError};
use crate::secret::Secret;
use crate::time::TimeError;
use serde_json::value::RawValue;
use serde_json::Value;

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
        /// The provider's whole token response, as JSON text: a read answers it without parsing
        /// it (`RawResponse`).
        raw: Secret<Box<RawValue>>,
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
            Self::OAuth2 { access_token, refresh_token, expires_at, raw } => SealedPlainOut {
                mode,
                access_token: Some(access_token.expose()),
                refresh_token: Some(refresh_token.as_ref().map(|t| t.expose().as_str())),
                expires_at: Some(*expires_at),
                raw: Some(raw.expose()),
                ..SealedPlainOut::default()
            },
            Self::ApiKey { api_key } => {
                SealedPlainOut { mode, api_key: Some(api_key.expose()), ..SealedPlainOut::default() }
            }
            Self::Basic { username, password } => SealedPlainOut {
                mode,
                username: Some(username),
                password: Some(password.expose()),
                ..SealedPlainOut::default()
            },
        };
        let bytes = serde_json::to_vec(&plain).map_err(|_| CipherError::Seal)?;
        Ok(cipher.seal(&bytes, aad)?)
    }

    /// Decrypt and check: a missing field is corruption, never an empty value.
    pub fn open(cipher: &Cipher, sealed: &[u8], aad: &[u8]) -> Result<Self, CredentialsError> {
        let bytes = cipher.open(sealed, aad)?;
        let plain: SealedPlain<'_> = serde_json::from_slice(bytes.expose())
            .map_err(|_| CredentialsError::Corrupt("not JSON, or a field of the wrong type"))?;
        let text = |value: Option<String>, key: &'static str| value.ok_or(CredentialsError::Corrupt(key));
        match plain.mode.as_deref().and_then(AuthMode::parse) {
            Some(AuthMode::OAuth2) => Ok(Self::OAuth2 {
                access_token: Secret::new(text(plain.access_token, "access_token")?),
                refresh_token: plain.refresh_token.map(Secret::new),
                expires_at: plain.expires_at,
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

/// The sealed plaintext as `seal` writes it, read field by field (a `null` reads as absent;
/// a field of another type fails the whole read). Each field is read as its own type, so
/// opening builds no tree and `type` is borrowed.
#[derive(serde::Deserialize)]
struct SealedPlain<'a> {
    #[serde(rename = "type", borrow)]
    mode: Option<std::borrow::Cow<'a, str>>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    raw: Option<Box<RawValue>>,
    #[serde(rename = "apiKey")]
    api_key: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// What `seal` writes: `SealedPlain`'s fields, borrowed; OAuth2's `refresh_token` and
/// `expires_at` are written as `null` when absent, the other modes' fields left out.
#[derive(serde::Serialize, Default)]
struct SealedPlainOut<'a> {
    #[serde(rename = "type")]
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a RawValue>,
    #[serde(rename = "apiKey", skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

/// `value` as JSON text, for `Credentials::OAuth2`'s `raw`.
pub fn raw_json(value: &Value) -> Box<RawValue> {
    // A `Value` always serialises (its keys are strings, its numbers finite).
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
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
/// left out unless the refresh token was asked for. Written as stored, without parsing it into
/// a tree: whole when nothing is left out, else its top-level members one by one.
pub struct RawResponse<'a> {
    raw: &'a RawValue,
    hide_refresh_token: bool,
}

impl serde::Serialize for RawResponse<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Without a backslash, a member named `refresh_token` appears as those very letters.
        let text = self.raw.get();
        if !self.hide_refresh_token || !(text.contains('\\') || text.contains("refresh_token")) {
            return self.raw.serialize(serializer);
        }
        match serde_json::from_str::<Members<'_>>(self.raw.get()) {
            Ok(Members(members)) => {
                let mut map = serializer.serialize_map(None)?;
                for (key, value) in members.iter().filter(|(key, _)| key != "refresh_token") {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            // Not an object: nothing to leave out.
            Err(_) => self.raw.serialize(serializer),
        }
    }
}

/// A JSON object's top-level members in their order, each value as its text.
struct Members<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(access.size_hint().unwrap_or(8));
                while let Some((Key(key), value)) = access.next_entry::<Key<'de>, &'de RawValue>()? {
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// A member's name, borrowed from the text unless it holds escapes (serde's own `Cow<str>`
/// always copies).
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Borrowed(key)))
            }

            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::json;

    #[test]
    fn seal_open_round_trip_hides_refresh_token_by_default() {
        let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        let cipher = Cipher::from_base64(&Secret::new(key)).unwrap();
        let credentials = Credentials::OAuth2 {
            access_token: Secret::new("at".into()),
            refresh_token: Some(Secret::new("rt".into())),
            expires_at: Some(1_700_000_000),
            raw: Secret::new(raw_json(&json!({"access_token": "at", "refresh_token": "rt"}))),
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
    fn raw_is_answered_as_stored_with_only_its_top_level_refresh_token_left_out() {
        let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        let view = |raw: &RawValue, hide| {
            serde_json::to_string(&RawResponse { raw, hide_refresh_token: hide }).unwrap()
        };
        let stored = raw(r#"{"b":1,"refresh_token":"rt","a":{"refresh_token":"kept"},"e\u0073c":"x\"y"}"#);
        assert_eq!(view(&stored, false), stored.get());
        assert_eq!(view(&stored, true), r#"{"b":1,"a":{"refresh_token":"kept"},"esc":"x\"y"}"#);
        // An escaped name is still the same name.
        assert_eq!(view(&raw(r#"{"refresh\u005ftoken":"rt","x":[1]}"#), true), r#"{"x":[1]}"#);
        assert_eq!(view(&raw("[1,2]"), true), "[1,2]");
        let untouched = raw(r#"{"access_token":"at", "scope":"a b"}"#);
        assert_eq!(view(&untouched, true), untouched.get());
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
            json!({"type": "OAUTH2", "access_token": "at", "expires_at": "soon", "raw": {}}),
            json!({"type": "OAUTH2", "access_token": "at", "refresh_token": ["rt"], "raw": {}}),
        ] {
            let sealed = cipher.seal(&serde_json::to_vec(&plain).unwrap(), b"aad").unwrap();
            let error = Credentials::open(&cipher, &sealed, b"aad").unwrap_err();
            assert!(matches!(error, CredentialsError::Corrupt(_)), "{plain}: {error}");
        }
        // A `type` written with an escape still reads (it cannot be borrowed from the text).
        let sealed = cipher.seal(br#"{"type":"API\u005fKEY","apiKey":"k"}"#, b"aad").unwrap();
        assert!(matches!(Credentials::open(&cipher, &sealed, b"aad"), Ok(Credentials::ApiKey { .. })));
    }
}
