//! `GET /connection` and `GET /connections`: the list query (Nango's filters and `page`, our
//! `cursor`), checked strictly as Nango does: an unknown parameter is a 400 naming it.

use super::connection_list_item;
use super::pagination::{decode_cursor, encode_cursor, invalid_query as invalid, parse_limit};
use crate::error::ApiError;
use crate::extract::{parse_connection_id, parse_integration_key, AuthedEnvironment, Json, QueryParams};
use crate::state::AppState;
use crate::store::{ConnectionFilter, ConnectionStatus, ListPage};
use axum::extract::State;
use serde_json::{json, Value};

/// Every parameter the list takes (`tags[` stands for `tags[<key>]`).
const PARAMETERS: &[&str] = &[
    "integration_id",
    "integrationId",
    "provider_config_key",
    "providerConfigKey",
    "connection_id",
    "connectionId",
    "search",
    "endUserId",
    "endUserOrganizationId",
    "status",
    "tags[",
    "limit",
    "page",
    "cursor",
    "next_cursor",
];

/// `{connections: [...], next_cursor}`, newest first. Filters: `integrationId` (comma-separated;
/// aliases `integration_id`, `provider_config_key`), `connectionId` (exact), `endUserId`,
/// `endUserOrganizationId`, `search` (substring of the connection id or the end user's display
/// name or email, ignoring case), `tags[key]=value`, `status`. Pages: `limit` (at most 1,000)
/// with Nango's `page` (from 0) or our `cursor` (the previous answer's `next_cursor`).
#[utoipa::path(
    get,
    path = "/connection",
    tag = "connections",
    summary = "List connections, newest first",
    security(("secretKey" = [])),
    params(
        ("integrationId" = Option<String>, Query, description = "Only these integrations' (comma-separated; aliases `integration_id`, `provider_config_key`, `providerConfigKey`)"),
        ("connectionId" = Option<String>, Query, description = "Only this connection id (alias `connection_id`)"),
        ("search" = Option<String>, Query, description = "A substring of the connection id or the end user's display name or email, ignoring case"),
        ("endUserId" = Option<String>, Query, description = "Only this end user's"),
        ("endUserOrganizationId" = Option<String>, Query, description = "Only this end user organization's"),
        ("status" = Option<String>, Query, description = "Only connections in this state"),
        crate::schemas::params::TagFilterParams,
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 100)"),
        ("page" = Option<u32>, Query, description = "Nango's page number, from 0"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (alias `next_cursor`)"),
    ),
    responses(
        (status = 200, description = "A page of connections", body = crate::schemas::connections::ConnectionList),
        crate::schemas::errors::ConnectionListErrors,
    )
)]
pub(super) async fn list_connections(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(PARAMETERS)?;
    let mut filter = filter(&query)?;
    let limit = filter.limit;
    // One row more than asked tells whether another page exists.
    filter.limit = limit + 1;
    let mut rows = state.store.list_connections(environment.id, &filter).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|connection| encode_cursor(connection.id))
    } else {
        None
    };
    let connections: Vec<Value> = rows.iter().map(connection_list_item).collect::<Result<_, _>>()?;
    Ok(Json(json!({ "connections": connections, "next_cursor": next_cursor })))
}

fn filter(query: &QueryParams) -> Result<ConnectionFilter, ApiError> {
    let mut filter = ConnectionFilter::default();
    for name in ["integration_id", "integrationId", "provider_config_key", "providerConfigKey"] {
        for raw in query.all(name) {
            filter.integration_keys.push(parse_integration_key(raw)?);
        }
    }
    filter.integration_keys.sort();
    filter.integration_keys.dedup();
    filter.connection_id =
        query.get(&["connection_id", "connectionId"]).map(parse_connection_id).transpose()?;
    filter.end_user_id = text(query, "endUserId")?;
    filter.end_user_organization_id = text(query, "endUserOrganizationId")?;
    filter.search = text(query, "search")?;
    for (key, value) in query.bracketed("tags") {
        let path = format!("tags[{key}]");
        if !crate::sessions::request::is_tag_key(key) {
            return Err(invalid(&path, "a tag key starts with a letter: [A-Za-z0-9_-./], at most 64"));
        }
        if !(1..=255).contains(&value.chars().count()) {
            return Err(invalid(&path, "a tag value holds 1-255 characters"));
        }
        filter.tags.push((key.to_lowercase(), value.to_owned()));
    }
    filter.status = match query.get(&["status"]) {
        None => None,
        Some(raw) => Some(
            ConnectionStatus::parse(raw)
                .ok_or_else(|| invalid("status", format!("no connection status `{raw}`")))?,
        ),
    };
    filter.limit = parse_limit(query.get(&["limit"]))?;
    let cursor = decode_cursor(query.get(&["cursor", "next_cursor"]))?;
    let page = match query.get(&["page"]) {
        None => None,
        Some(raw) => Some(raw.trim().parse::<u64>().map_err(|_| invalid("page", "page is a number from 0"))?),
    };
    filter.page = match (cursor, page) {
        (Some(_), Some(_)) => return Err(invalid("page", "give `page` or `cursor`, not both")),
        (Some(before), None) => ListPage::Before(before),
        (None, Some(page)) => ListPage::Offset(page.saturating_mul(u64::from(filter.limit))),
        (None, None) => ListPage::First,
    };
    Ok(filter)
}

/// A text filter of 1-255 characters.
fn text(query: &QueryParams, name: &str) -> Result<Option<String>, ApiError> {
    match query.get(&[name]) {
        None => Ok(None),
        Some(value) if value.chars().count() <= 255 => Ok(Some(value.to_owned())),
        Some(_) => Err(invalid(name, "at most 255 characters")),
    }
}
