//! Keyset pagination for connection lists: page size bounds and an opaque cursor that
//! carries the last row id (flat cost at any depth, unlike Nango's offset `page`).

use crate::error::{ApiError, ErrorCode};
use crate::sessions::FieldError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

/// `limit` from the query: default 100, at most 1000, at least 1.
pub fn parse_limit(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(0) | Err(_) => {
                Err(invalid_query("limit", format!("limit must be a number from 1 to {MAX_LIMIT}")))
            }
            Ok(limit) => Ok(limit.min(MAX_LIMIT)),
        },
    }
}

pub fn encode_cursor(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
}

pub fn decode_cursor(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid = || invalid_query("cursor", "invalid cursor: pass the `next_cursor` of the previous page");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let id = text.strip_prefix("id:").and_then(|id| id.parse::<i64>().ok()).ok_or_else(invalid)?;
    Ok(Some(id))
}

/// 400 `invalid_query_params` naming the parameter `path`.
pub(super) fn invalid_query(path: &str, message: impl Into<String>) -> ApiError {
    let error = FieldError { code: "invalid_string", message: message.into(), path: vec![path.to_owned()] };
    ApiError::with_errors(ErrorCode::InvalidQueryParams, vec![error])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_rejects_garbage() {
        let cursor = encode_cursor(4242);
        assert!(decode_cursor(Some(&cursor)).is_ok_and(|id| id == Some(4242)));
        assert!(decode_cursor(None).is_ok_and(|id| id.is_none()));
        assert!(decode_cursor(Some("!!")).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode("x:1"))).is_err());
    }

    #[test]
    fn limits() {
        assert!(parse_limit(None).is_ok_and(|limit| limit == DEFAULT_LIMIT));
        assert!(parse_limit(Some("5000")).is_ok_and(|limit| limit == MAX_LIMIT));
        assert!(parse_limit(Some("7")).is_ok_and(|limit| limit == 7));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("-1")).is_err());
        assert!(parse_limit(Some("many")).is_err());
    }
}
