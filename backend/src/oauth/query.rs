//! The query string of the browser routes: plain keys plus `params[k]=v` and
//! `authorization_params[k]=v` (SPEC §1), parsed from the raw query.

use crate::json::JsonMap;
use crate::secret::Secret;
use serde_json::Value;

/// What the SDK sends to `/oauth/connect` and the credential POSTs. Unknown keys are ignored;
/// for a repeated key the last value wins.
#[derive(Debug, Clone, Default)]
pub struct BrowserQuery {
    pub connection_id: Option<String>,
    pub public_key: Option<String>,
    /// SPEC §7: replaces `public_key` and `hmac`.
    pub connect_session_token: Option<Secret<String>>,
    pub hmac: Option<String>,
    pub flow: Option<String>,
    pub origin: Option<String>,
    /// SPEC §8: the id a WebSocket result socket was given; used in place of `flow` and
    /// `origin` (`@nangohq/frontend`).
    pub ws_client_id: Option<String>,
    /// SPEC §10 redirect mode: where the browser goes back when the flow ends, in place of
    /// `origin` and `flow`.
    pub return_to: Option<String>,
    pub params: JsonMap,
    pub authorization_params: JsonMap,
}

impl BrowserQuery {
    pub fn parse(raw_query: Option<&str>) -> Self {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes()) {
            let value = value.into_owned();
            if let Some(name) = bracketed(&key, "params") {
                query.params.insert(name.to_string(), Value::String(value));
            } else if let Some(name) = bracketed(&key, "authorization_params") {
                query.authorization_params.insert(name.to_string(), Value::String(value));
            } else {
                match key.as_ref() {
                    "connection_id" => query.connection_id = Some(value),
                    "public_key" => query.public_key = Some(value),
                    "connect_session_token" => query.connect_session_token = Some(Secret::new(value)),
                    "hmac" => query.hmac = Some(value),
                    "flow" => query.flow = Some(value),
                    "origin" => query.origin = Some(value),
                    "ws_client_id" => query.ws_client_id = Some(value),
                    "return_to" => query.return_to = Some(value),
                    // Nango's JS SDK sends these two as JSON objects; accept that form too.
                    "params" => merge_json_object(&mut query.params, &value),
                    "authorization_params" => merge_json_object(&mut query.authorization_params, &value),
                    _ => {}
                }
            }
        }
        query
    }
}

impl BrowserQuery {
    /// The access check this query asks for, for `integration` and the route's auth mode.
    pub fn access_request<'q>(
        &'q self,
        integration: &'q str,
        auth_mode: crate::catalog::AuthMode,
    ) -> super::access::AccessRequest<'q> {
        super::access::AccessRequest {
            caller: self.caller(),
            integration,
            connection_id: self.connection_id.as_deref(),
            params: &self.params,
            authorization_params: &self.authorization_params,
            auth_mode,
        }
    }

    /// Who is asking: a connect session token when one is given, else the public key + HMAC.
    pub fn caller(&self) -> super::access::Caller<'_> {
        match self
            .connect_session_token
            .as_ref()
            .map(|token| token.expose().as_str())
            .filter(|token| !token.is_empty())
        {
            Some(token) => super::access::Caller::SessionToken { token },
            None => super::access::Caller::PublicKey {
                public_key: self.public_key.as_deref(),
                hmac: self.hmac.as_deref(),
            },
        }
    }
}

/// `params[name]` → `name` (non-empty, no nested brackets).
fn bracketed<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    let name = key.strip_prefix(prefix)?.strip_prefix('[')?.strip_suffix(']')?;
    (!name.is_empty() && !name.contains(['[', ']'])).then_some(name)
}

/// Merge string values of a JSON object; anything else is ignored.
fn merge_json_object(target: &mut JsonMap, text: &str) {
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        for (key, value) in map {
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            target.insert(key, Value::String(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_brackets_and_plain_keys() {
        let query = BrowserQuery::parse(Some(
            "connection_id=user-1&public_key=pk&params%5Bsubdomain%5D=acme&params[region]=eu%20west\
             &authorization_params[prompt]=consent&hmac=ab&flow=f&origin=http%3A%2F%2Flocalhost%3A8080&x=1",
        ));
        assert_eq!(query.connection_id.as_deref(), Some("user-1"));
        assert_eq!(query.public_key.as_deref(), Some("pk"));
        assert_eq!(query.hmac.as_deref(), Some("ab"));
        assert_eq!(query.flow.as_deref(), Some("f"));
        assert_eq!(query.origin.as_deref(), Some("http://localhost:8080"));
        assert_eq!(query.params["subdomain"], json!("acme"));
        assert_eq!(query.params["region"], json!("eu west"));
        assert_eq!(query.authorization_params["prompt"], json!("consent"));
        assert_eq!(query.params.len(), 2);
    }

    #[test]
    fn ignores_malformed_brackets_and_accepts_json_form() {
        let query = BrowserQuery::parse(Some("params[]=x&params[a][b]=y&params=%7B%22k%22%3A%22v%22%7D"));
        assert_eq!(query.params.len(), 1);
        assert_eq!(query.params["k"], json!("v"));
        let empty = BrowserQuery::parse(None);
        assert!(
            empty.params.is_empty() && empty.connection_id.is_none() && empty.connect_session_token.is_none()
        );
    }
}
