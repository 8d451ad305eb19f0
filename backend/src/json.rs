//! `JsonMap`: a JSON object as stored and sent (connection_config, metadata, params), and the
//! shallow merge every "PATCH merges" rule of the API means.

use serde_json::{Map, Value};

pub type JsonMap = Map<String, Value>;

/// Top-level keys of `patch` replace those of `target` (SPEC §5: shallow merge).
pub fn shallow_merge(target: &mut JsonMap, patch: &JsonMap) {
    for (key, value) in patch {
        target.insert(key.clone(), value.clone());
    }
}
