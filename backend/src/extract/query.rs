//! `QueryParams`: the query string as decoded name/value pairs, lenient on purpose.

use crate::error::{ApiError, ErrorCode};
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
        let pairs = parts
            .uri
            .query()
            .map(|query| url::form_urlencoded::parse(query.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Ok(Self(pairs))
    }
}

impl QueryParams {
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

    /// Refuse any parameter not named in `allowed` (Nango's strict queries): 400
    /// `invalid_query_params` with one problem per unknown name.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let mut errors: Vec<crate::sessions::FieldError> = Vec::new();
        for (name, _) in &self.0 {
            let known = allowed.iter().any(|allowed| name == allowed || *name == format!("{allowed}[]"));
            if !known && !errors.iter().any(|error| error.path.first() == Some(name)) {
                errors.push(crate::sessions::FieldError {
                    code: "unrecognized_keys",
                    message: format!("unknown query parameter `{name}`"),
                    path: vec![name.clone()],
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::with_errors(ErrorCode::InvalidQueryParams, errors))
        }
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
}
