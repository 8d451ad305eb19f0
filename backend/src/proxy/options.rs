//! The proxy's own request headers, as `@nangohq/node`'s `proxy()` sends them: `Retries`,
//! `Retry-On`, `Decompress` and `Base-Url-Override`. The client sends some of them empty when
//! unset (`Base-Url-Override: ''`), so an empty value means "not given". A value we cannot
//! read is a 400 naming the header, never silently ignored.

use crate::error::ApiError;
use axum::http::{HeaderMap, StatusCode};

/// `Retries` above this are served as this many: each retry can wait, and the caller waits
/// for all of them.
pub(super) const MAX_RETRIES: u32 = 10;

#[derive(Debug, Default, PartialEq)]
pub(super) struct ProxyOptions {
    /// How many times a failed attempt (429, 5xx, `retry_on`, network error) is retried.
    pub retries: u32,
    /// Statuses retried besides 429 and 5xx.
    pub retry_on: Vec<StatusCode>,
    /// Decode a compressed answer before passing it on.
    pub decompress: bool,
    /// Used instead of the catalog's `proxy.base_url`.
    pub base_url_override: Option<url::Url>,
}

impl ProxyOptions {
    pub(super) fn from_headers(headers: &HeaderMap) -> Result<Self, ApiError> {
        Ok(Self {
            retries: value(headers, "retries")?.map_or(Ok(0), parse_retries)?,
            retry_on: value(headers, "retry-on")?.map_or(Ok(Vec::new()), parse_retry_on)?,
            decompress: value(headers, "decompress")?.map_or(Ok(false), parse_decompress)?,
            base_url_override: value(headers, "base-url-override")?.map(parse_base_url).transpose()?,
        })
    }
}

/// The trimmed text of header `name`, `None` when absent or empty.
fn value<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, ApiError> {
    let Some(raw) = headers.get(name) else { return Ok(None) };
    let text = raw
        .to_str()
        .map_err(|_| ApiError::invalid_request(format!("the {name} header is not readable text")))?
        .trim();
    Ok((!text.is_empty()).then_some(text))
}

fn parse_retries(text: &str) -> Result<u32, ApiError> {
    let retries: u64 = text.parse().map_err(|_| {
        ApiError::invalid_request(format!("the Retries header must be a whole number, not `{text}`"))
    })?;
    Ok(u32::try_from(retries).unwrap_or(MAX_RETRIES).min(MAX_RETRIES))
}

/// `Retry-On: 409,423` (the client joins its `retryOn` array with commas).
fn parse_retry_on(text: &str) -> Result<Vec<StatusCode>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<u16>().ok().and_then(|code| StatusCode::from_u16(code).ok()).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "the Retry-On header must list HTTP statuses separated by commas; `{item}` is not one"
                ))
            })
        })
        .collect()
}

fn parse_decompress(text: &str) -> Result<bool, ApiError> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid_request(format!(
            "the Decompress header must be true or false, not `{text}`"
        ))),
    }
}

/// An absolute http(s) URL with a host and no query or fragment (the path after `/proxy` and
/// the query are appended to it). Whether its host may be reached is the outbound policy's
/// call, at send time (SPEC §13).
fn parse_base_url(text: &str) -> Result<url::Url, ApiError> {
    let invalid = || {
        ApiError::invalid_request(
            "the Base-Url-Override header must be an absolute http(s) URL without query or fragment",
        )
    };
    let url = url::Url::parse(text).map_err(|_| invalid())?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|host| !host.is_empty())
        && url.query().is_none()
        && url.fragment().is_none();
    usable.then_some(url).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn options(pairs: &[(&'static str, &'static str)]) -> Result<ProxyOptions, ApiError> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        ProxyOptions::from_headers(&headers)
    }

    #[test]
    fn absent_and_empty_headers_mean_the_defaults() {
        assert_eq!(options(&[]).ok(), Some(ProxyOptions::default()));
        let empty = [("retries", ""), ("retry-on", " "), ("decompress", ""), ("base-url-override", "")];
        assert_eq!(options(&empty).ok(), Some(ProxyOptions::default()));
    }

    #[test]
    fn values_as_the_node_client_sends_them() {
        let parsed = options(&[
            ("retries", "3"),
            ("retry-on", "409,423"),
            ("decompress", "true"),
            ("base-url-override", "https://eu.api.example.com/v2"),
        ])
        .ok()
        .unwrap_or_default();
        assert_eq!(parsed.retries, 3);
        assert_eq!(parsed.retry_on, [StatusCode::CONFLICT, StatusCode::LOCKED]);
        assert!(parsed.decompress);
        assert_eq!(
            parsed.base_url_override.map(String::from).as_deref(),
            Some("https://eu.api.example.com/v2")
        );
    }

    #[test]
    fn retries_are_capped() {
        assert_eq!(options(&[("retries", "1000")]).map(|o| o.retries).ok(), Some(MAX_RETRIES));
        assert_eq!(options(&[("retries", "99999999999999")]).map(|o| o.retries).ok(), Some(MAX_RETRIES));
    }

    #[test]
    fn unreadable_values_are_400s() {
        for pairs in [
            [("retries", "-1")],
            [("retries", "three")],
            [("retry-on", "429,abc")],
            [("retry-on", "1000")],
            [("decompress", "yes")],
            [("base-url-override", "api.example.com")],
            [("base-url-override", "ftp://api.example.com")],
            [("base-url-override", "https://api.example.com/?a=1")],
            [("base-url-override", "https://api.example.com/#x")],
            [("base-url-override", "file:///etc/passwd")],
        ] {
            let error = options(&pairs).err();
            assert_eq!(error.map(|e| e.status()), Some(StatusCode::BAD_REQUEST), "{pairs:?}");
        }
    }
}
