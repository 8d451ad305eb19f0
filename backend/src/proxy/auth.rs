//! The credentials a proxied request carries: the provider's `proxy.headers` templates, or the
//! default `Authorization` of its auth mode.

use crate::catalog::{AuthMode, Provider};
use crate::credentials::Credentials;
use crate::error::{ApiError, ErrorCode};
use crate::store::Connection;
use axum::http::{header, HeaderName, HeaderValue};
use base64::Engine;

/// The provider's `proxy.headers` templates (credential and connection_config placeholders
/// filled); for OAuth2 `Authorization: Bearer <access token>` and for BASIC HTTP Basic,
/// unless those templates set `Authorization` themselves. Every value is marked sensitive.
pub(super) fn auth_headers(
    provider: &Provider,
    connection: &Connection,
    credentials: &Credentials,
) -> Result<Vec<(HeaderName, HeaderValue)>, ApiError> {
    let mut out = Vec::new();
    let templates = provider.proxy.as_ref().map(|proxy| &proxy.headers);
    for (name, template) in templates.into_iter().flatten() {
        let filled = crate::catalog::template::fill_value(template, &connection.connection_config)
            .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;
        let filled = fill_credentials(&filled, credentials);
        let unsupported = || {
            ApiError::new(
                ErrorCode::ProxyNotSupported,
                format!("proxy header `{name}` of provider `{}` cannot be filled", provider.name),
            )
        };
        if filled.contains("${") {
            return Err(unsupported());
        }
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| unsupported())?;
        let mut value = HeaderValue::from_str(&filled).map_err(|_| unsupported())?;
        value.set_sensitive(true);
        out.push((name, value));
    }
    if out.iter().any(|(name, _)| name == header::AUTHORIZATION) {
        return Ok(out);
    }
    let default = match credentials {
        Credentials::OAuth2 { access_token, .. } => Some(format!("Bearer {}", access_token.expose())),
        Credentials::Basic { username, password } if provider.auth_mode == AuthMode::Basic => {
            let pair = format!("{username}:{}", password.expose());
            Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        }
        _ => None,
    };
    if let Some(default) = default {
        let mut value = HeaderValue::from_str(&default).map_err(|_| {
            ApiError::new(ErrorCode::ProxyFailed, "the stored credentials cannot be sent in a header")
        })?;
        value.set_sensitive(true);
        out.push((header::AUTHORIZATION, value));
    }
    Ok(out)
}

/// Whether a 401 can be answered by refreshing: an OAuth2 connection with a refresh token.
pub(super) fn is_refreshable(credentials: &Credentials) -> bool {
    matches!(credentials, Credentials::OAuth2 { refresh_token: Some(_), .. })
}

/// Nango's credential placeholders in `proxy.headers`.
fn fill_credentials(template: &str, credentials: &Credentials) -> String {
    let pairs: Vec<(&str, &str)> = match credentials {
        Credentials::OAuth2 { access_token, .. } => {
            vec![
                ("${accessToken}", access_token.expose()),
                ("${credentials.access_token}", access_token.expose()),
            ]
        }
        Credentials::ApiKey { api_key } => {
            vec![("${apiKey}", api_key.expose()), ("${credentials.apiKey}", api_key.expose())]
        }
        Credentials::Basic { username, password } => vec![
            ("${username}", username.as_str()),
            ("${credentials.username}", username.as_str()),
            ("${password}", password.expose()),
            ("${credentials.password}", password.expose()),
        ],
    };
    pairs.into_iter().fold(template.to_owned(), |text, (placeholder, value)| text.replace(placeholder, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn credential_placeholders() {
        let api_key = Credentials::ApiKey { api_key: Secret::new("k1".into()) };
        assert_eq!(fill_credentials("Token ${apiKey}", &api_key), "Token k1");
        assert_eq!(fill_credentials("${credentials.apiKey}", &api_key), "k1");
        let basic = Credentials::Basic { username: "u".into(), password: Secret::new("p".into()) };
        assert_eq!(fill_credentials("${credentials.username}/x", &basic), "u/x");
        assert_eq!(fill_credentials("${accessToken}", &basic), "${accessToken}");
        assert!(!is_refreshable(&basic));
    }
}
