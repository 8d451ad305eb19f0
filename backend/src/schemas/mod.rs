//! The wire shapes of the HTTP routes as OpenAPI schemas (utoipa `ToSchema`), for
//! `GET /openapi.json` (`openapi.rs`). Handlers build their answers with `json!`; these types
//! only describe them, and `tests/api/openapi.rs` checks every documented answer against
//! them on a real server, so a field added to an answer without its schema fails a test.
//!
//! One file per resource; `errors` also holds the sets of error answers each route documents.

pub mod admin;
pub mod browser;
pub mod connections;
pub mod demo;
pub mod environment;
pub mod errors;
pub mod integrations;
pub mod params;
pub mod providers;
pub mod sessions;
pub mod status;
pub mod webhooks;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// Tags: string keys to string values.
pub struct Tags;

impl utoipa::PartialSchema for Tags {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Tags: string keys (a letter first, `[A-Za-z0-9_-./]`) to string values"))
            .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
            .into()
    }
}

impl utoipa::ToSchema for Tags {}

/// A JSON object with any members (metadata, connection_config, end_user, ...).
pub struct JsonObject;

impl utoipa::PartialSchema for JsonObject {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("A JSON object; its members are the caller's or the provider's"))
            .into()
    }
}

impl utoipa::ToSchema for JsonObject {}
