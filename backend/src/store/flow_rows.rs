//! The OAuth flow's rows as both dialects return them (`sql/flows.rs`), and their checked
//! conversion into `ConsumedFlow` and `FlowRecord`.

use super::rows::{corrupt, parse_id, parse_map, required};
use super::{ConsumedFlow, FlowError, FlowOutcome, FlowRecord, StoreError, StoreResult};
use crate::error_code::ErrorCode;
use crate::ids::{ConnectionId, FlowId, IntegrationKey};

macro_rules! flow_columns {
    () => {
        "flow_id, state, environment_id, integration_key, connection_id, pkce_verifier, params, \
         authorization_params, origin, redirect_uri, end_user, tags, webhook_url_override, created_at, \
         expires_at, return_to, started_at_ms"
    };
}
/// What a consumed flow hands back (`FlowRow`).
macro_rules! consumed_flow_columns {
    () => {
        "flow_id, environment_id, integration_key, connection_id, pkce_verifier, params, origin, \
         redirect_uri, end_user, tags, webhook_url_override, created_at, return_to, started_at_ms"
    };
}
pub(crate) use {consumed_flow_columns, flow_columns};

/// The columns of a consumed flow (`consumed_flow_columns!`).
#[derive(sqlx::FromRow)]
pub(crate) struct FlowRow {
    flow_id: String,
    environment_id: Option<i64>,
    integration_key: Option<String>,
    connection_id: Option<String>,
    pkce_verifier: Option<String>,
    params: Option<String>,
    origin: Option<String>,
    redirect_uri: Option<String>,
    end_user: Option<String>,
    tags: Option<String>,
    webhook_url_override: Option<String>,
    created_at: i64,
    return_to: Option<String>,
    started_at_ms: Option<i64>,
}

impl FlowRow {
    /// The row from a `RETURNING consumed_flow_columns!()` of the inline SQLite writer.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            flow_id: row.get(0)?,
            environment_id: row.get(1)?,
            integration_key: row.get(2)?,
            connection_id: row.get(3)?,
            pkce_verifier: row.get(4)?,
            params: row.get(5)?,
            origin: row.get(6)?,
            redirect_uri: row.get(7)?,
            end_user: row.get(8)?,
            tags: row.get(9)?,
            webhook_url_override: row.get(10)?,
            created_at: row.get(11)?,
            return_to: row.get(12)?,
            started_at_ms: row.get(13)?,
        })
    }

    pub(crate) fn into_flow(self) -> StoreResult<ConsumedFlow> {
        Ok(ConsumedFlow {
            flow_id: parse_id(FlowId::parse(self.flow_id), "flow_id")?,
            environment_id: required(self.environment_id, "environment_id")?,
            integration_key: parse_id(
                IntegrationKey::parse(required(self.integration_key, "integration_key")?),
                "integration_key",
            )?,
            connection_id: parse_id(
                ConnectionId::parse(required(self.connection_id, "connection_id")?),
                "connection_id",
            )?,
            sealed_pkce_verifier: self.pkce_verifier,
            params: parse_map(&required(self.params, "params")?, "params")?,
            origin: self.origin,
            return_to: self.return_to,
            redirect_uri: required(self.redirect_uri, "redirect_uri")?,
            end_user: self.end_user.map(|text| parse_map(&text, "end_user")).transpose()?,
            tags: self.tags.map(|text| parse_map(&text, "tags")).transpose()?,
            webhook_url_override: self.webhook_url_override,
            created_at: self.created_at,
            // Rows of flows started by an older version: the second of `created_at`.
            started_at_ms: self.started_at_ms.unwrap_or(self.created_at.saturating_mul(1000)),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutcomeRow {
    outcome_status: String,
    outcome_code: Option<String>,
    outcome_message: Option<String>,
    outcome_integration: Option<String>,
    outcome_connection: Option<String>,
    expires_at: i64,
    environment_id: Option<i64>,
}

impl OutcomeRow {
    pub(crate) fn into_record(self) -> StoreResult<FlowRecord> {
        let outcome = match self.outcome_status.as_str() {
            STATUS_PENDING => None,
            STATUS_SUCCESS => Some(FlowOutcome::Success {
                integration_key: parse_id(
                    IntegrationKey::parse(required(self.outcome_integration, "outcome_integration")?),
                    "outcome_integration",
                )?,
                connection_id: parse_id(
                    ConnectionId::parse(required(self.outcome_connection, "outcome_connection")?),
                    "outcome_connection",
                )?,
            }),
            STATUS_ERROR => {
                let code = required(self.outcome_code, "outcome_code")?;
                Some(FlowOutcome::Error(FlowError {
                    code: ErrorCode::parse(&code).ok_or_else(|| corrupt("outcome_code"))?,
                    message: self.outcome_message.unwrap_or_default(),
                }))
            }
            other => return Err(StoreError::Corrupt(format!("unknown flow status `{other}`"))),
        };
        Ok(FlowRecord { outcome, expires_at: self.expires_at, environment_id: self.environment_id })
    }
}

pub(crate) const STATUS_PENDING: &str = "pending";
pub(crate) const STATUS_SUCCESS: &str = "success";
pub(crate) const STATUS_ERROR: &str = "error";

/// A pending flow's outcome: `$1`-`$5` the outcome columns (`OutcomeColumns`), `$6` the time,
/// `$7` the flow id (`finish_flow`, and the upsert of the connection a flow ends).
pub(crate) const FINISH_FLOW: &str = concat!(
    "UPDATE oauth_flows SET outcome_status = $1, outcome_code = $2, outcome_message = $3, ",
    "outcome_integration = $4, outcome_connection = $5, finished_at = $6 ",
    "WHERE flow_id = $7 AND outcome_status = 'pending'"
);

/// The outcome columns `(status, code, message, integration, connection)` of a finished flow.
pub(crate) struct OutcomeColumns<'a> {
    pub status: &'static str,
    pub code: Option<&'static str>,
    pub message: Option<&'a str>,
    pub integration: Option<&'a str>,
    pub connection: Option<&'a str>,
}

impl<'a> OutcomeColumns<'a> {
    /// A success that saved the connection `key`.
    pub(crate) fn success(key: &'a super::ConnectionKey) -> Self {
        Self::succeeded(&key.integration_key, &key.connection_id)
    }

    fn succeeded(integration: &'a IntegrationKey, connection: &'a ConnectionId) -> Self {
        Self {
            status: STATUS_SUCCESS,
            code: None,
            message: None,
            integration: Some(integration.as_str()),
            connection: Some(connection.as_str()),
        }
    }

    /// `FINISH_FLOW`'s parameters, for rusqlite.
    pub(crate) fn finish_params<'p>(
        &'p self,
        now: &'p i64,
        flow_id: &'p &'p str,
    ) -> [&'p dyn rusqlite::ToSql; 7] {
        [&self.status, &self.code, &self.message, &self.integration, &self.connection, now, flow_id]
    }

    pub(crate) fn of(outcome: &'a FlowOutcome) -> Self {
        match outcome {
            FlowOutcome::Success { integration_key, connection_id } => {
                Self::succeeded(integration_key, connection_id)
            }
            FlowOutcome::Error(FlowError { code, message }) => Self {
                status: STATUS_ERROR,
                code: Some(code.as_str()),
                message: Some(message),
                integration: None,
                connection: None,
            },
        }
    }
}
