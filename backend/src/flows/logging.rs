//! The operator's lines about flows (SPEC §13 "Logs"), at `info`: `flow started` when a flow's
//! record is stored (the browser goes on to the provider), `flow ended` when its outcome is
//! recorded or it fails before it could start. They carry the integration, the connection id
//! and the flow id; the end line adds the outcome (`success` or the error code) and the
//! duration in ms. Nothing else: no state, code, token, session token, query or message (a
//! provider's message may repeat what the user typed).
//!
//! A flow whose callback never comes has no end line: it expires, and `/oauth/flows` says so.

use crate::ids::{ConnectionId, FlowId, IntegrationKey};
use crate::store::FlowOutcome;

pub fn started(integration: &IntegrationKey, connection_id: &ConnectionId, flow_id: &FlowId) {
    tracing::info!(
        integration = %integration.as_str(),
        connection_id = %connection_id.as_str(),
        flow_id = %flow_id.as_str(),
        "flow started"
    );
}

/// `integration` and `connection_id` are `None` when a flow failed before they were known.
pub fn ended(
    integration: Option<&IntegrationKey>,
    connection_id: Option<&ConnectionId>,
    flow_id: Option<&FlowId>,
    outcome: &FlowOutcome,
    duration_ms: i64,
) {
    let outcome = match outcome {
        FlowOutcome::Success { .. } => "success",
        FlowOutcome::Error(error) => error.code.as_str(),
    };
    tracing::info!(
        integration = integration.map(|key| display(key.as_str())),
        connection_id = connection_id.map(|id| display(id.as_str())),
        flow_id = flow_id.map(|id| display(id.as_str())),
        outcome = %outcome,
        duration_ms,
        "flow ended"
    );
}
