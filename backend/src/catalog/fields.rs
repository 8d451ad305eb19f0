//! The connection-config fields a person types in, as the forms that ask for them (the demo
//! page, the hosted connect page) receive them: the provider's declared params without the
//! `hidden` and `automated` ones (the server fills those), in the catalog's `order`, then by key.

use super::Provider;
use serde_json::{json, Value};

/// `[{key, title, description, optional, pattern, example, allowed_values}]`, catalog text only.
pub fn declared_fields(provider: &Provider) -> Vec<Value> {
    let mut params: Vec<_> =
        provider.connection_config.iter().filter(|(_, param)| !param.hidden && !param.automated).collect();
    params.sort_by_key(|(key, param)| (param.order.unwrap_or(i64::MAX), key.as_str()));
    params
        .into_iter()
        .map(|(key, param)| {
            json!({
                "key": key,
                "title": param.title,
                "description": param.description,
                "optional": param.optional,
                "pattern": param.pattern,
                "example": param.example,
                "allowed_values": param.allowed_values,
            })
        })
        .collect()
}
