//! Filling `${connectionConfig.key}` placeholders in catalog URLs and values (SPEC §4).
//!
//! A template may hold alternatives separated by `||` (Nango's syntax, e.g.
//! `https://${connectionConfig.hostname}/token || https://login.example.com/token`): the first
//! alternative whose placeholders all have a value is used. Only `connectionConfig` placeholders
//! are filled here; others (`${apiKey}`, `${credentials.x}`, ...) are left as written for the
//! code that owns those values.
//!
//! In a URL, each placeholder's placement is read from where it sits in the template:
//! - [`Placement::Origin`]: the template starts with it, so the value supplies scheme and host
//!   (e.g. a provider's `instance_url`); it must be an absolute http(s) URL without userinfo,
//!   query or fragment.
//! - [`Placement::Authority`]: the whole authority, right after `scheme://` and up to the path
//!   (`https://${connectionConfig.hostname}/authorize`): a hostname-safe host with an optional
//!   `:port` and an optional path (`acme.example.com:8443/base`), as on-premise servers need.
//! - [`Placement::Host`]: elsewhere in the authority; the value must be hostname-safe.
//! - [`Placement::Path`]: percent-encoded as one path segment (`.` and `..` are refused).
//! - [`Placement::Query`]: percent-encoded as a query value (also used in the fragment).

use crate::json::JsonMap;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

/// Where a placeholder's value lands in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Origin,
    Authority,
    Host,
    Path,
    Query,
}

/// Why a template could not be filled. Names the key, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("missing connection configuration `{key}`")]
    Missing { key: String },
    #[error("connection configuration `{key}` {reason}")]
    Unsafe { key: String, reason: &'static str },
}

/// Fill a URL template; see the module documentation for the rules per placement.
pub fn fill_url(template: &str, config: &JsonMap) -> Result<String, TemplateError> {
    fill(template, config, true)
}

/// Fill a plain value (a param or header value): values are inserted as they are; the code
/// that puts the result into a URL or request encodes it.
pub fn fill_value(template: &str, config: &JsonMap) -> Result<String, TemplateError> {
    fill(template, config, false)
}

/// Every `connectionConfig` key used in a URL template (all alternatives), with its placement.
pub fn url_placeholders(template: &str) -> Vec<(String, Placement)> {
    alternatives(template)
        .flat_map(|alternative| {
            placed_pieces(alternative).into_iter().filter_map(|(piece, placement)| match piece {
                Piece::Key(key) => Some((key.to_owned(), placement)),
                Piece::Literal(_) => None,
            })
        })
        .collect()
}

/// Keys whose value decides the registrable end of a URL's host in some alternative of
/// `template`: every key in [`Placement::Origin`], and a key in [`Placement::Host`] unless the
/// host ends, after it, with a fixed literal of at least two labels. `${x}.zendesk.com` is fixed
/// (whatever `x` is, the host stays under `zendesk.com`); `accounts.zoho.${x}`, `${x}.com`,
/// `${x}zendesk.com` and `${x}` are not.
pub fn host_deciding_keys(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    for alternative in alternatives(template) {
        let placed = placed_pieces(alternative);
        for (index, (piece, placement)) in placed.iter().enumerate() {
            let Piece::Key(key) = piece else { continue };
            let deciding = match placement {
                Placement::Origin | Placement::Authority => true,
                Placement::Host => !has_fixed_host_suffix(&placed[index + 1..]),
                Placement::Path | Placement::Query => false,
            };
            if deciding && !out.iter().any(|known| known == key) {
                out.push((*key).to_owned());
            }
        }
    }
    out
}

/// The value of `key` as text: strings as they are, numbers and booleans stringified.
/// `Ok(None)` when absent, null or empty.
pub fn config_text(config: &JsonMap, key: &str) -> Result<Option<String>, TemplateError> {
    let text = match config.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Array(_) | Value::Object(_)) => {
            return Err(unsafe_value(key, "must be a string"));
        }
    };
    Ok(if text.is_empty() { None } else { Some(text) })
}

/// Check a value that lands in a hostname: only hostname label characters and dots, no `..`.
pub fn check_host(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.len() > 253 {
        return Err("is too long for a hostname");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    if !value.chars().all(allowed) {
        return Err("may only contain letters, digits, `-`, `_` and `.` (it is part of a hostname)");
    }
    if value.contains("..") {
        return Err("must not contain `..`");
    }
    Ok(())
}

/// Check a value that supplies a URL's scheme and host; returns it normalised, without a
/// trailing `/`.
pub fn check_origin(value: &str) -> Result<String, &'static str> {
    const REASON: &str = "must be an absolute http(s) URL without credentials, query or fragment";
    if value.chars().any(|c| c.is_whitespace() || c == '\\') {
        return Err(REASON);
    }
    let url = url::Url::parse(value).map_err(|_| REASON)?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|host| !host.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !plain {
        return Err(REASON);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Check a value that is a whole authority: `host[:port][/path]`; returns it with the path's
/// segments percent-encoded and without a trailing `/` (the template's path follows).
pub fn check_authority(value: &str) -> Result<String, &'static str> {
    const REASON: &str = "may only be a host name, an optional `:port` and an optional `/path`";
    let (authority, path) = value.find('/').map_or((value, ""), |slash| value.split_at(slash));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    check_host(host)?;
    let mut out = host.to_owned();
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|port| (1..=65535).contains(&port));
        if !valid {
            return Err("has a port that is not a number from 1 to 65535");
        }
        out.push(':');
        out.push_str(port);
    }
    for segment in path.trim_end_matches('/').split('/').skip(1) {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err("must not have empty, `.` or `..` path segments");
        }
        if segment.chars().any(|c| c.is_whitespace() || c.is_control() || "?#\\@".contains(c)) {
            return Err(REASON);
        }
        out.push('/');
        out.extend(utf8_percent_encode(segment, COMPONENT));
    }
    Ok(out)
}

/// Check a value that is one path segment: dot segments would climb out of the template's path.
pub fn check_path(value: &str) -> Result<(), &'static str> {
    if value == "." || value == ".." {
        return Err("must not be `.` or `..`");
    }
    Ok(())
}

/// Percent-encode everything except RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

const PREFIX: &str = "${connectionConfig.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    Key(&'a str),
}

fn fill(template: &str, config: &JsonMap, url: bool) -> Result<String, TemplateError> {
    let mut first_missing = None;
    for alternative in alternatives(template) {
        match fill_alternative(alternative, config, url)? {
            Ok(filled) => return Ok(filled),
            Err(key) => {
                first_missing.get_or_insert(key);
            }
        }
    }
    Err(TemplateError::Missing { key: first_missing.unwrap_or_default() })
}

/// Outer error: an unusable value (fatal). Inner error: the first missing key (try the next
/// alternative).
fn fill_alternative(
    alternative: &str,
    config: &JsonMap,
    url: bool,
) -> Result<Result<String, String>, TemplateError> {
    let pieces = if url {
        placed_pieces(alternative)
    } else {
        pieces(alternative).into_iter().map(|piece| (piece, Placement::Query)).collect()
    };
    let mut out = String::with_capacity(alternative.len());
    for (piece, placement) in pieces {
        let key = match piece {
            Piece::Literal(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Key(key) => key,
        };
        let Some(value) = config_text(config, key)? else {
            return Ok(Err(key.to_owned()));
        };
        if !url {
            out.push_str(&value);
            continue;
        }
        match placement {
            Placement::Origin => out.push_str(&check_origin(&value).map_err(|r| unsafe_value(key, r))?),
            Placement::Authority => {
                out.push_str(&check_authority(&value).map_err(|reason| unsafe_value(key, reason))?)
            }
            Placement::Host => {
                check_host(&value).map_err(|reason| unsafe_value(key, reason))?;
                out.push_str(&value);
            }
            Placement::Path => {
                check_path(&value).map_err(|reason| unsafe_value(key, reason))?;
                out.extend(utf8_percent_encode(&value, COMPONENT));
            }
            Placement::Query => out.extend(utf8_percent_encode(&value, COMPONENT)),
        }
    }
    Ok(Ok(out))
}

fn unsafe_value(key: &str, reason: &'static str) -> TemplateError {
    TemplateError::Unsafe { key: key.to_owned(), reason }
}

fn alternatives(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(template);
    std::iter::from_fn(move || {
        let text = rest.take()?;
        let at = find(text, "||");
        rest = at.map(|at| &text[at + 2..]);
        Some(text[..at.unwrap_or(text.len())].trim())
    })
}

/// `text.find(needle)` by its first character: `str::find(&str)` sets up a searcher per call (BENCHMARKS.md).
fn find(text: &str, needle: &str) -> Option<usize> {
    let first = needle.chars().next()?;
    let mut from = 0;
    while let Some(offset) = text[from..].find(first) {
        let at = from + offset;
        if text[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + first.len_utf8();
    }
    None
}

/// Split one alternative into literal text and `connectionConfig` keys.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, PREFIX) {
        let after = &rest[start + PREFIX.len()..];
        let Some(end) = after.find('}') else { break };
        let key = &after[..end];
        if key.is_empty() || key.contains(['$', '{']) {
            // Not one of ours: keep it as literal text and look further.
            out.push(Piece::Literal(&rest[..start + PREFIX.len()]));
            rest = after;
            continue;
        }
        if start > 0 {
            out.push(Piece::Literal(&rest[..start]));
        }
        out.push(Piece::Key(key));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// Pieces of a URL alternative with the placement each one sits in.
fn placed_pieces(alternative: &str) -> Vec<(Piece<'_>, Placement)> {
    let pieces = pieces(alternative);
    let scheme_end = scheme_length(alternative);
    let mut state = match (pieces.first(), scheme_end) {
        (Some(Piece::Key(_)), _) => Placement::Origin,
        (_, Some(_)) => Placement::Host,
        _ => Placement::Path,
    };
    let mut skip = scheme_end.unwrap_or(0);
    let mut out = Vec::with_capacity(pieces.len());
    for (index, &piece) in pieces.iter().enumerate() {
        let placement = match piece {
            Piece::Key(_) if state == Placement::Host && fills_authority(&pieces, index) => {
                Placement::Authority
            }
            _ => state,
        };
        out.push((piece, placement));
        match piece {
            // After an origin value, more placeholders before a `/` would still be in the host.
            Piece::Key(_) if state == Placement::Origin => state = Placement::Host,
            Piece::Key(_) => {}
            Piece::Literal(text) => {
                let text = &text[skip.min(text.len())..];
                skip = 0;
                for c in text.chars() {
                    state = match (state, c) {
                        (Placement::Host, '/') => Placement::Path,
                        (Placement::Host | Placement::Path, '?' | '#') => Placement::Query,
                        (current, _) => current,
                    };
                }
            }
        }
    }
    out
}

/// Whether the key at `index` is the whole authority: right after `scheme://` and followed by
/// the end of the template or by a path, query or fragment.
fn fills_authority(pieces: &[Piece<'_>], index: usize) -> bool {
    let after_scheme = index
        .checked_sub(1)
        .and_then(|before| pieces.get(before))
        .is_some_and(|piece| matches!(piece, Piece::Literal(text) if text.ends_with("://")));
    let before_path = match pieces.get(index + 1) {
        None => true,
        Some(Piece::Literal(text)) => text.starts_with(['/', '?', '#']),
        Some(Piece::Key(_)) => false,
    };
    after_scheme && before_path
}

/// Whether the host in which a key sits ends with a fixed `.label.label...` literal: `rest` is
/// what follows the key. A later key in the same host takes over (its suffix is what counts).
fn has_fixed_host_suffix(rest: &[(Piece<'_>, Placement)]) -> bool {
    let mut suffix = String::new();
    for (piece, _) in rest {
        match piece {
            Piece::Key(_) => suffix.clear(),
            // The host name ends at a port, path, query or fragment.
            Piece::Literal(text) => match text.find([':', '/', '?', '#']) {
                Some(end) => {
                    suffix.push_str(&text[..end]);
                    break;
                }
                None => suffix.push_str(text),
            },
        }
    }
    let Some(labels) = suffix.strip_prefix('.') else { return false };
    let label_ok =
        |label: &str| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    labels.split('.').count() >= 2 && labels.split('.').all(label_ok)
}

/// Length of a leading `scheme://`, if the alternative starts with one.
fn scheme_length(text: &str) -> Option<usize> {
    let colon = find(text, "://")?;
    let scheme = &text[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then_some(colon + 3)
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
