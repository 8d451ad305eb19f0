//! `QueryParams`: the query string as decoded name/value pairs, lenient on purpose.

use crate::error::{ApiError, ErrorCode};
use crate::sessions::FieldError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The query string as name/value pairs, decoded once. Lenient on purpose: Nango's clients
/// send aliases (`integrationId`, `provider_config_key`), arrays (`include[]=..`) and
/// parameters we ignore; a typed `Query<T>` would reject some of them.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::parse(parts.uri.query()))
    }
}

impl QueryParams {
    /// Decode a raw query string (`None`: no query).
    pub fn parse(query: Option<&str>) -> Self {
        Self(
            query
                .map(|query| url::form_urlencoded::parse(query.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// Refuse every parameter not named in `allowed` (an entry ending in `[` allows every
    /// `name[...]`), as Nango's strict routes do: 400 `invalid_query_params`, one error per key.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let known = |key: &str| {
            allowed.iter().any(|name| match name.strip_suffix('[') {
                Some(prefix) => {
                    key.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('[') && rest.ends_with(']'))
                }
                None => key == *name,
            })
        };
        let mut errors: Vec<FieldError> = Vec::new();
        for (key, _) in &self.0 {
            if !known(key) && !errors.iter().any(|error| error.path.first() == Some(key)) {
                errors.push(FieldError {
                    code: "unrecognized_keys",
                    message: format!("unknown query parameter `{key}`"),
                    path: vec![key.clone()],
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::with_errors(ErrorCode::InvalidQueryParams, errors))
        }
    }

    /// The `name[key]=value` pairs, as `(key, value)`.
    pub fn bracketed(&self, name: &str) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .filter_map(|(key, value)| {
                let inner = key.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                Some((inner, value.as_str()))
            })
            .collect()
    }

    /// The first non-empty value of the first name in `names` that is present.
    pub fn get(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.0.iter().find(|(key, value)| key == name && !value.is_empty()).map(|(_, v)| v.as_str())
        })
    }

    /// Every value of `name` (repeated keys and `name[]`), comma-separated values split.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let array_name = format!("{name}[]");
        self.0
            .iter()
            .filter(|(key, _)| key == name || *key == array_name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect()
    }

    /// A boolean flag: absent → false; `true`/`1` → true; `false`/`0`/empty → false.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.0.iter().find(|(key, _)| key == name).map(|(_, v)| v.trim()) {
            None | Some("" | "false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => {
                Err(ApiError::new(ErrorCode::InvalidRequest, format!("`{name}` must be true or false")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_aliases_arrays_and_flags() {
        let query = QueryParams(vec![
            ("integrationId".into(), "a,b".into()),
            ("include[]".into(), "credentials".into()),
            ("force_refresh".into(), "true".into()),
            ("refresh_token".into(), "false".into()),
            ("bad".into(), "yes".into()),
        ]);
        assert_eq!(query.get(&["integration_id", "integrationId"]), Some("a,b"));
        assert_eq!(query.all("integrationId"), vec!["a", "b"]);
        assert_eq!(query.all("include"), vec!["credentials"]);
        assert!(query.flag("force_refresh").is_ok_and(|flag| flag));
        assert!(query.flag("refresh_token").is_ok_and(|flag| !flag));
        assert!(query.flag("absent").is_ok_and(|flag| !flag));
        assert!(query.flag("bad").is_err());
    }

    #[test]
    fn only_known_keys_and_bracketed_ones() {
        let query = QueryParams::parse(Some("limit=1&tags%5Bplan%5D=pro&tags[region]=eu&x=1&x=2&tagsx=3"));
        assert_eq!(query.bracketed("tags"), vec![("plan", "pro"), ("region", "eu")]);
        assert!(QueryParams::parse(Some("limit=1&tags[a]=b")).only(&["limit", "tags["]).is_ok());
        let refused = query.only(&["limit", "tags["]).map_err(|error| error.body());
        let Err(body) = refused else { panic!("unknown keys were accepted") };
        let paths: Vec<&str> = body["error"]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|error| error["path"][0].as_str())
            .collect();
        assert_eq!(paths, ["x", "tagsx"]);
        assert_eq!(body["error"]["code"], "invalid_query_params");
    }
}
