//! The second result channel and the rules that end a flow: reading the backend's answers
//! (`GET {host}/oauth/flows/{flow}`, the credential POSTs, the popup's message data) and the
//! timing state machine that decides when to poll, when a closed popup means `window_closed`,
//! and when the flow times out.
//!
//! # The closed-popup rule
//!
//! `popup.closed === true` is not proof that the user closed the popup: when a provider page sends
//! `Cross-Origin-Opener-Policy`, the browser severs the popup from its opener, `closed` reads `true`
//! while the user is still on the consent page, and the callback page later has no
//! `window.opener` to post to. The backend's flow record decides instead:
//!
//! 1. While `closed` reads `false`, poll the flow record every second; the message or the poll,
//!    whichever comes first, settles the promise.
//! 2. Once `closed` reads `true`, poll every half second. A success or error recorded by the
//!    backend settles the promise as usual, so a flow finished in a severed popup resolves.
//! 3. The backend creates the flow record when the popup's request reaches `/oauth/connect`,
//!    before the popup can reach any provider page. So if the record is still unknown (404) to a
//!    poll sent [`UNKNOWN_GRACE_MS`] or more after `closed` was first seen, the popup never got
//!    to a provider and is really gone: reject `window_closed`.
//! 4. If the record is pending, the popup may be closed or merely severed; the SDK cannot tell,
//!    so it keeps waiting for the record (success, error, or the backend's expiry answer
//!    `state_invalid`) and rejects `timeout` after [`TIMEOUT_MS`] at the latest. It never reports
//!    `window_closed` for a flow that may still finish.
//! 5. A new `auth()` call while the current popup reads closed ends the current flow with
//!    `window_closed` and starts the new one (the user asked again, so the old popup is not
//!    what they are using); while the popup reads open it is `flow_in_progress` instead.

use wasm_bindgen::prelude::*;

use crate::errors::{new_auth_error, ErrorKind};
use crate::js;

/// Poll period while the popup reads open.
pub const POLL_MS: f64 = 1_000.0;
/// Poll period once the popup reads closed.
pub const CLOSED_POLL_MS: f64 = 500.0;
/// How long after `closed` is first seen an unknown flow record means the popup is gone.
pub const UNKNOWN_GRACE_MS: f64 = 3_000.0;
/// The backend's default flow expiry (10 minutes, SPEC §2) plus a margin for its answer.
pub const TIMEOUT_MS: f64 = 630_000.0;
/// Timer period: fast enough for `CLOSED_POLL_MS`.
pub const TICK_MS: u32 = 250;

/// What one answer of the backend (or the popup's message data) says about the flow.
#[derive(Debug)]
pub enum Answer {
    /// `{providerConfigKey, connectionId}`: the value `auth()` resolves with.
    Success(JsValue),
    /// An `AuthError` built from `{"error":{"code","message"}}`.
    Failure(JsValue),
    /// `{"status":"pending"}`.
    Pending,
    /// Anything else: a network error, a body that is not ours.
    Unreadable,
}

impl Answer {
    pub fn read(body: &JsValue) -> Self {
        let error = js::get(body, "error");
        let code = js::get(&error, "code");
        if code.is_string() {
            return Self::Failure(new_auth_error(&code, &js::get(&error, "message")));
        }
        if js::get(body, "status") == *"pending" {
            return Self::Pending;
        }
        let connection_id = js::get(body, "connectionId");
        if !connection_id.is_string() {
            return Self::Unreadable;
        }
        let result = js::object();
        js::set(&result, "providerConfigKey", &js::get(body, "providerConfigKey"));
        js::set(&result, "connectionId", &connection_id);
        Self::Success(result)
    }
}

/// What the flow should do after a tick or an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Wait,
    Poll,
    Fail(ErrorKind),
}

/// The timing state of one flow; times are `Date.now()` milliseconds, passed in.
#[derive(Debug)]
pub struct Schedule {
    started_at: f64,
    next_poll_at: f64,
    closed_at: Option<f64>,
    record_seen: bool,
}

impl Schedule {
    pub fn new(now: f64) -> Self {
        Self { started_at: now, next_poll_at: now + POLL_MS, closed_at: None, record_seen: false }
    }

    /// One timer tick: `popup_closed` is what `popup.closed` reads now; `polling` tells whether
    /// a request is still on its way (never more than one at a time).
    pub fn tick(&mut self, now: f64, popup_closed: bool, polling: bool) -> Step {
        if now - self.started_at >= TIMEOUT_MS {
            return Step::Fail(ErrorKind::Timeout);
        }
        if popup_closed && self.closed_at.is_none() {
            self.closed_at = Some(now);
            self.next_poll_at = now;
        }
        if polling || now < self.next_poll_at {
            return Step::Wait;
        }
        self.next_poll_at = now + if self.closed_at.is_some() { CLOSED_POLL_MS } else { POLL_MS };
        Step::Poll
    }

    /// The backend answered `pending`: the popup reached `/oauth/connect`.
    pub fn record_pending(&mut self) {
        self.record_seen = true;
    }

    /// The backend does not know the flow (404) in answer to a poll sent at `sent_at`.
    pub fn record_unknown(&self, sent_at: f64) -> Step {
        match self.closed_at {
            Some(closed_at) if !self.record_seen && sent_at - closed_at >= UNKNOWN_GRACE_MS => {
                Step::Fail(ErrorKind::WindowClosed)
            }
            _ => Step::Wait,
        }
    }
}
