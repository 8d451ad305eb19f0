//! Where a proxied request goes: the base URL (the catalog's `proxy.base_url` with its
//! placeholders filled from connection_config, or the caller's `Base-Url-Override`) + the path
//! after `/proxy` + the query, kept as the client encoded them.

use crate::catalog::Provider;
use crate::error::{ApiError, ErrorCode};
use crate::store::Connection;
use axum::http::Uri;

/// The target URL. The result must stay on the base URL's host, whatever the path holds.
pub(super) fn target_url(
    provider: &Provider,
    connection: &Connection,
    base_url_override: Option<&url::Url>,
    uri: &Uri,
) -> Result<String, ApiError> {
    let base = match base_url_override {
        Some(url) => url.as_str().to_owned(),
        None => catalog_base_url(provider, connection)?,
    };
    join(&base, uri)
}

fn catalog_base_url(provider: &Provider, connection: &Connection) -> Result<String, ApiError> {
    let template = provider
        .proxy
        .as_ref()
        .map(|proxy| proxy.base_url.as_str())
        .filter(|base| !base.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::ProxyNotSupported,
                format!(
                    "provider `{}` has no proxy base_url; send a Base-Url-Override header",
                    provider.name
                ),
            )
        })?;
    crate::catalog::template::fill_url(template, &connection.connection_config)
        .map_err(|error| ApiError::invalid_connection_config(error.to_string()))
}

fn join(base: &str, uri: &Uri) -> Result<String, ApiError> {
    let path = uri.path().strip_prefix("/proxy").unwrap_or_default().trim_start_matches('/');
    let mut target = format!("{}/{path}", base.trim_end_matches('/'));
    if let Some(query) = uri.query() {
        target.push('?');
        target.push_str(query);
    }
    let host = |text: &str| url::Url::parse(text).ok().and_then(|url| url.host_str().map(str::to_owned));
    match (host(base), host(&target)) {
        (Some(base_host), Some(target_host)) if base_host == target_host => Ok(target),
        _ => Err(ApiError::invalid_request(
            "the proxied path does not form a valid URL on the provider's host",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(base: &str, uri: &'static str) -> Option<String> {
        join(base, &Uri::from_static(uri)).ok()
    }

    #[test]
    fn path_and_query_are_appended_as_sent() {
        assert_eq!(
            joined("https://api.example.com/v1/", "/proxy/users/me?q=a%20b&x=1").as_deref(),
            Some("https://api.example.com/v1/users/me?q=a%20b&x=1")
        );
        assert_eq!(joined("https://api.example.com", "/proxy/").as_deref(), Some("https://api.example.com/"));
        assert_eq!(
            joined("https://api.example.com", "/proxy//evil.example/x").as_deref(),
            Some("https://api.example.com/evil.example/x")
        );
    }

    #[test]
    fn the_path_cannot_leave_the_base_host() {
        // `https:///evil.example/x` parses with host `evil.example`.
        assert_eq!(joined("https://", "/proxy/evil.example/x"), None);
        assert_eq!(joined("not a url", "/proxy/x"), None);
    }
}
