//! URLs the SDK builds: the validated host, the popup URL `{host}/oauth/connect/{integration}?...`
//! with every key and value percent-encoded (SPEC §1), and small number formatting.
//! Pure Rust on bytes: no `format!`, no `Display` (sdk-size.md).

use alloc::string::String;

/// The backend's base URL as given (trailing `/` removed) and its origin, as browsers serialise
/// it in `MessageEvent.origin` (lowercase scheme and host, default port dropped).
#[derive(Debug, PartialEq, Eq)]
pub struct Host {
    pub base: String,
    pub origin: String,
}

/// Accepts an absolute `http://` or `https://` URL with a host and no query, fragment,
/// credentials, whitespace or non-ASCII (use punycode); anything else is `invalid_host_url`.
/// Byte-level on purpose: `str` searching and slicing pull in kilobytes of panic paths.
pub fn parse_host(raw: &str) -> Option<Host> {
    let mut base = raw;
    while let Some(shorter) = base.strip_suffix('/') {
        base = shorter;
    }
    let (scheme, default_port) = if starts_with_ignore_case(base, "https://") {
        ("https://", ":443")
    } else if starts_with_ignore_case(base, "http://") {
        ("http://", ":80")
    } else {
        return None;
    };
    let mut origin = String::from(scheme);
    let mut normalised = String::from(scheme);
    let mut in_authority = true;
    for byte in base.bytes().skip(scheme.len()) {
        if byte <= b' ' || byte >= 0x7f || matches!(byte, b'?' | b'#' | b'\\') {
            return None;
        }
        in_authority &= byte != b'/';
        if in_authority {
            if byte == b'@' {
                return None;
            }
            origin.push(byte.to_ascii_lowercase() as char);
        }
        normalised.push(byte as char);
    }
    // A copy, not `truncate`: that one asserts a char boundary (a message and a location in
    // the data section).
    if let Some(without_port) = origin.strip_suffix(default_port) {
        origin = String::from(without_port);
    }
    let host = origin.as_bytes().get(scheme.len());
    if host.is_none() || host == Some(&b':') || origin.ends_with(':') {
        return None;
    }
    Some(Host { base: normalised, origin })
}

fn starts_with_ignore_case(value: &str, prefix: &str) -> bool {
    value.len() >= prefix.len() && value.bytes().zip(prefix.bytes()).all(|(a, b)| a.to_ascii_lowercase() == b)
}

/// A URL whose query is appended pair by pair, each key and value percent-encoded.
pub struct UrlBuilder {
    url: String,
    has_query: bool,
}

impl UrlBuilder {
    /// `{host}{path}{segment}`, with `segment` (an integration id) percent-encoded.
    pub fn new(host: &str, path: &str, segment: &str) -> Self {
        let mut url = String::new();
        url.push_str(host);
        url.push_str(path);
        encode_into(&mut url, segment);
        Self { url, has_query: false }
    }

    /// Appends `&name=value`.
    pub fn pair(&mut self, name: &str, value: &str) {
        self.pair_in(name, "", value);
    }

    /// Appends `&group[key]=value` (`params[subdomain]=acme`); the brackets stay literal, as in
    /// Nango's protocol, and `key` is encoded so it cannot close them.
    pub fn group_pair(&mut self, group: &str, key: &str, value: &str) {
        self.pair_in(group, key, value);
    }

    pub fn finish(self) -> String {
        self.url
    }

    fn pair_in(&mut self, name: &str, key: &str, value: &str) {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        encode_into(&mut self.url, name);
        if !key.is_empty() {
            self.url.push('[');
            encode_into(&mut self.url, key);
            self.url.push(']');
        }
        self.url.push('=');
        encode_into(&mut self.url, value);
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
pub fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
}

/// Appends a decimal integer (an array index). Divides by the constant 10 only: no
/// division-by-zero panic (message and location) in the data section.
pub fn push_int(out: &mut String, value: u32) {
    if value >= 10 {
        push_int(out, value / 10);
    }
    out.push((b'0' + (value % 10) as u8) as char);
}
