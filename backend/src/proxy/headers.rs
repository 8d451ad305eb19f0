//! Which headers cross the proxy, each way.
//!
//! To the provider: every `Nango-Proxy-<name>` header as `<name>`, every value of it (this is
//! how `@nangohq/node` sends its `headers` option), and `Content-Type`, `Accept` and
//! `Accept-Encoding` as sent unless a `Nango-Proxy-` header of that name replaces them. Nothing
//! else: our own headers (`Authorization` with the secret key, `Connection-Id`,
//! `Provider-Config-Key`, `Retries`, ...) never travel, nor do hop-by-hop headers, `Host` or
//! `Content-Length`. The credentials are added later and replace any header of their name.
//!
//! Back to the caller: the provider's headers less hop-by-hop ones (and those its `Connection`
//! header names) and `Set-Cookie` (a cookie of the provider's session is not the caller's).

use axum::http::{header, HeaderMap, HeaderName};

const CUSTOM_HEADER_PREFIX: &str = "nango-proxy-";

/// Headers of the caller's own request that travel when no `Nango-Proxy-` header replaces them.
const PLAIN_FORWARDED: [HeaderName; 3] = [header::CONTENT_TYPE, header::ACCEPT, header::ACCEPT_ENCODING];

/// The request headers that travel to the provider (before credentials are added).
pub(super) fn forwarded_headers(incoming: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in incoming {
        let Some(custom) = name.as_str().strip_prefix(CUSTOM_HEADER_PREFIX) else { continue };
        let Ok(custom) = HeaderName::from_bytes(custom.as_bytes()) else { continue };
        if !is_hop_by_hop(&custom) && custom != header::HOST && custom != header::CONTENT_LENGTH {
            out.append(custom, value.clone());
        }
    }
    for name in PLAIN_FORWARDED {
        if out.contains_key(&name) {
            continue;
        }
        for value in incoming.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The provider's answer headers that reach the caller.
pub(super) fn relayed_headers(answer: &HeaderMap) -> HeaderMap {
    // RFC 9110 §7.6.1: the names a `Connection` header lists are hop-by-hop too.
    let listed: Vec<String> = answer
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in answer {
        let listed = listed.iter().any(|listed| listed == name.as_str());
        if !is_hop_by_hop(name) && !listed && name != header::SET_COOKIE {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
        headers.get_all(name).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn custom_headers_travel_without_prefix_and_ours_do_not() {
        let mut incoming = HeaderMap::new();
        incoming.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer our-secret-key"));
        incoming.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        incoming.insert("connection-id", HeaderValue::from_static("u1"));
        incoming.insert("provider-config-key", HeaderValue::from_static("github"));
        incoming.insert("retries", HeaderValue::from_static("3"));
        incoming.insert("nango-proxy-x-api-version", HeaderValue::from_static("2"));
        incoming.insert("nango-proxy-transfer-encoding", HeaderValue::from_static("chunked"));
        incoming.insert("nango-proxy-host", HeaderValue::from_static("evil.example"));
        incoming.insert("nango-proxy-content-length", HeaderValue::from_static("5"));
        incoming.insert("nango-proxy-", HeaderValue::from_static("nameless"));
        incoming.insert(header::COOKIE, HeaderValue::from_static("a=b"));
        let out = forwarded_headers(&incoming);
        assert_eq!(values(&out, "x-api-version"), ["2"]);
        assert_eq!(values(&out, "content-type"), ["application/json"]);
        let names: Vec<&str> = out.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-api-version", "content-type"], "{out:?}");
    }

    #[test]
    fn every_value_travels_and_a_custom_header_replaces_the_plain_one() {
        let mut incoming = HeaderMap::new();
        incoming.append("nango-proxy-x-tag", HeaderValue::from_static("a"));
        incoming.append("nango-proxy-x-tag", HeaderValue::from_static("b"));
        incoming.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        incoming.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        incoming.insert("nango-proxy-content-type", HeaderValue::from_static("application/xml"));
        let out = forwarded_headers(&incoming);
        assert_eq!(values(&out, "x-tag"), ["a", "b"]);
        assert_eq!(values(&out, "content-type"), ["application/xml"]);
        assert_eq!(values(&out, "accept"), ["*/*"]);
    }

    #[test]
    fn answers_lose_hop_by_hop_headers_and_cookies_only() {
        let mut answer = HeaderMap::new();
        answer.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, X-Hop"));
        answer.insert("x-hop", HeaderValue::from_static("1"));
        answer.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        answer.insert(header::SET_COOKIE, HeaderValue::from_static("session=1"));
        answer.append("x-rate-limit", HeaderValue::from_static("10"));
        answer.append("link", HeaderValue::from_static("<a>; rel=next"));
        answer.append("link", HeaderValue::from_static("<b>; rel=last"));
        let out = relayed_headers(&answer);
        assert_eq!(values(&out, "link"), ["<a>; rel=next", "<b>; rel=last"]);
        assert_eq!(values(&out, "x-rate-limit"), ["10"]);
        assert_eq!(out.len(), 3, "{out:?}");
    }
}
