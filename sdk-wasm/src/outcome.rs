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
//! `window.opener` to post to. Nothing on the popup's window object tells the two apart (measured
//! in Chromium: `closed`, `window`, `self`, `top`, `length`, `postMessage` read the same for a
//! severed and a closed popup). Two other facts decide: the backend's flow record, and where the
//! user is, read from the opener's `document.hasFocus()`. A user who closes the popup lands back
//! on the app's page, which gets the focus; a user still in a severed popup has the focus there.
//!
//! 1. While `closed` reads `false`, poll the flow record every second; the message or the poll,
//!    whichever comes first, settles the promise.
//! 2. Once `closed` reads `true`, poll every half second. A success or error recorded by the
//!    backend settles the promise as usual, so a flow finished in a severed popup resolves.
//! 3. The popup is *gone* once `closed` reads `true` and the opener's document has had the focus
//!    without a break for [`FOCUS_GRACE_MS`] since then (focus before `closed` does not count).
//!    A poll sent once the popup is gone that finds the record pending or unknown ends the flow
//!    with `window_closed`. (Only an answer to a poll sent after the grace decides, so a flow the
//!    backend finished meanwhile still resolves.) While the user is in a severed popup, the opener
//!    does not have the focus and the flow waits, however long the consent takes.
//! 4. The backend creates the flow record when the popup's request reaches `/oauth/connect`,
//!    before the popup can reach any provider page. So if the record is still unknown (404) to a
//!    poll sent [`UNKNOWN_GRACE_MS`] or more after `closed` was first seen, the popup never got
//!    to a provider and is really gone: `window_closed`, whatever the focus.
//! 5. Otherwise the flow waits for the record: success, error, or the backend's expiry answer
//!    `state_invalid`. A user who closed the popup but is elsewhere (another window or tab) gets
//!    `window_closed` [`FOCUS_GRACE_MS`] after coming back to the page.
//! 6. A new `auth()` call while the current popup reads closed ends the current flow with
//!    `window_closed` and starts the new one (the user asked again, so the old popup is not
//!    what they are using); while the popup reads open it is `flow_in_progress` instead.
//!
//! An answer that cannot be read (network failure, 5xx page, CORS refusal) counts as an unknown
//! record in rules 3 and 4: once the popup reads closed, a backend that never answers cannot keep
//! the promise open; while the popup reads open the flow waits, and closing the popup ends it.
//!
//! # The time-out follows the backend's flow lifetime
//!
//! A pending record carries `expires_in`, the whole seconds the flow has left (the operator sets
//! the lifetime, `NANGO_FLOW_TTL_SECONDS`). Each such answer sets the deadline to its local arrival
//! time + `expires_in` + [`EXPIRY_GRACE_MS`] ([`deadline`]); the grace lets the backend's own
//! `state_invalid` answer arrive first, so `timeout` only ends a flow whose backend stopped
//! answering after it had seen the flow. Before any pending record there is no deadline (rules 3
//! and 4 and the popup decide), and a pending answer without `expires_in` (an older backend)
//! sets none. No constant stands in for the lifetime: it would be wrong for any operator who
//! changes it, and closing the popup already ends a flow whose backend never answers.
//!
//! The cost of rule 3: a user who leaves a severed popup open and works on the app's page for
//! [`FOCUS_GRACE_MS`] gets `window_closed`, although finishing the consent later still creates
//! the connection at the backend (its webhook fires; the promise is already settled).
//!
//! Headless Chromium (the project's browser suite) reports `document.hasFocus() === true` in
//! every window at once, the opener included, and fires no `blur`/`focus` events when WebDriver
//! switches windows or closes the popup (measured, README). There, rule 3 reads every closed
//! popup as gone after the grace; a COOP flow in the suite finishes about 1 s after the popup
//! reads closed, well inside it. Headless Firefox (the suite runs the popup cases there too)
//! moves the focus as a desktop does: a severed popup keeps it, the opener reads `false` for as
//! long as the user stays there, and gets it back when the popup closes (measured).

use wasm_bindgen::prelude::*;

use crate::errors::{new_auth_error, ErrorKind};
use crate::js;

/// Poll period while the popup reads open.
pub const POLL_MS: f64 = 1_000.0;
/// Poll period once the popup reads closed.
pub const CLOSED_POLL_MS: f64 = 500.0;
/// How long after `closed` is first seen an unknown flow record means the popup is gone.
pub const UNKNOWN_GRACE_MS: f64 = 3_000.0;
/// How long the opener must have had focus, with the popup reading closed, before a pending
/// flow record means the user closed the popup.
pub const FOCUS_GRACE_MS: f64 = 2_500.0;
/// Added to the backend's `expires_in`: covers its rounding down to whole seconds, a poll period
/// and a slow answer, so the backend's expiry answer (`state_invalid`) normally comes first.
pub const EXPIRY_GRACE_MS: f64 = 10_000.0;
/// Timer period: fast enough for `CLOSED_POLL_MS`.
pub const TICK_MS: u32 = 250;

/// What one answer of the backend (or the popup's message data) says about the flow.
#[derive(Debug)]
pub enum Answer {
    /// `{providerConfigKey, connectionId, isPending?}`: the value `auth()` resolves with.
    Success(JsValue),
    /// An `AuthError` built from `{"error":{"code","message"}}`.
    Failure(JsValue),
    /// `{"status":"pending","expires_in":N}`: `N` seconds left; infinite when `N` is missing
    /// or not a number (no lifetime told, so no deadline).
    Pending { expires_in: f64 },
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
            let expires_in = js::get(body, "expires_in").as_f64().unwrap_or(f64::INFINITY);
            return Self::Pending { expires_in };
        }
        let connection_id = js::get(body, "connectionId");
        if !connection_id.is_string() {
            return Self::Unreadable;
        }
        let result = js::object();
        js::set(&result, "providerConfigKey", &js::get(body, "providerConfigKey"));
        js::set(&result, "connectionId", &connection_id);
        // Nango's result may say the connection waits for something (`isPending`); ours
        // never sends it today, and the SDK passes it on when it is there.
        let pending = js::get(body, "isPending");
        if !pending.is_undefined() {
            js::set(&result, "isPending", &pending);
        }
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

/// What one timer tick observes.
#[derive(Clone, Copy, Debug)]
pub struct Tick {
    /// What `popup.closed` reads now (a hint only, see the closed-popup rule).
    pub popup_closed: bool,
    /// What the opener's `document.hasFocus()` reads now.
    pub opener_focused: bool,
    /// A poll is still on its way (never more than one at a time).
    pub in_flight: bool,
}

/// The `timeout` deadline set by a pending answer that arrived at `answered_at` (`Date.now()`
/// milliseconds) with `expires_in` seconds left (infinite `expires_in`: no deadline).
pub fn deadline(answered_at: f64, expires_in: f64) -> f64 {
    answered_at + expires_in * 1_000.0 + EXPIRY_GRACE_MS
}

/// What the backend has told about the flow record so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record {
    /// No pending answer yet: the popup may not have reached `/oauth/connect`.
    Unknown,
    /// The backend answered `pending`: the popup reached `/oauth/connect`. `timeout` at
    /// `deadline`, set by the latest pending answer (infinite if it had no `expires_in`).
    Pending { deadline: f64 },
}

/// The timing state of one popup flow; times are `Date.now()` milliseconds, passed in.
#[derive(Debug)]
pub struct Schedule {
    next_poll_at: f64,
    /// When `popup.closed` was first seen `true`.
    closed_at: Option<f64>,
    /// Since when the opener's document has had focus without a break (`None`: not now).
    focused_since: Option<f64>,
    record: Record,
    /// When the poll on its way (or the last one) was sent.
    sent_at: f64,
    /// That poll was sent once the popup looked gone (`gone`).
    sent_gone: bool,
}

impl Schedule {
    pub fn new(now: f64) -> Self {
        Self {
            next_poll_at: now + POLL_MS,
            closed_at: None,
            focused_since: None,
            record: Record::Unknown,
            sent_at: now,
            sent_gone: false,
        }
    }

    /// What the backend has told so far (for tests and readers; `tick` acts on it).
    #[cfg(test)]
    pub fn record(&self) -> Record {
        self.record
    }

    /// One timer tick at `now`: `timeout` past the deadline, else poll when one is due.
    pub fn tick(&mut self, now: f64, tick: Tick) -> Step {
        if let Record::Pending { deadline } = self.record {
            if now >= deadline {
                return Step::Fail(ErrorKind::Timeout);
            }
        }
        if tick.popup_closed && self.closed_at.is_none() {
            self.closed_at = Some(now);
            self.next_poll_at = now;
        }
        self.focused_since = if tick.opener_focused { Some(self.focused_since.unwrap_or(now)) } else { None };
        if tick.in_flight || now < self.next_poll_at {
            return Step::Wait;
        }
        self.next_poll_at = now + if self.closed_at.is_some() { CLOSED_POLL_MS } else { POLL_MS };
        self.sent_at = now;
        self.sent_gone = self.gone(now);
        Step::Poll
    }

    /// The popup reads closed and the opener has had focus for [`FOCUS_GRACE_MS`] since then:
    /// the user is back on the app's page, not in a popup merely severed by COOP.
    pub fn gone(&self, now: f64) -> bool {
        match (self.closed_at, self.focused_since) {
            (Some(closed_at), Some(focused_since)) => now - closed_at.max(focused_since) >= FOCUS_GRACE_MS,
            _ => false,
        }
    }

    /// The backend answered `pending` at `now` to the last poll: the deadline follows this
    /// answer's `expires_in` (infinite: none); `window_closed` if the poll was sent once the
    /// popup looked gone, else keep waiting.
    pub fn record_pending(&mut self, now: f64, expires_in: f64) -> Step {
        self.record = Record::Pending { deadline: deadline(now, expires_in) };
        self.fail_if(self.sent_gone)
    }

    /// The last poll did not find the record (404, or an unreadable answer): `window_closed` if
    /// it was sent once the popup looked gone, or [`UNKNOWN_GRACE_MS`] or more after `closed`
    /// was first seen while no pending record was ever seen (the popup never reached
    /// `/oauth/connect`, or the backend never answered).
    pub fn record_unknown(&self) -> Step {
        let late = self.closed_at.is_some_and(|closed_at| {
            matches!(self.record, Record::Unknown) && self.sent_at - closed_at >= UNKNOWN_GRACE_MS
        });
        self.fail_if(self.sent_gone || late)
    }

    fn fail_if(&self, gone: bool) -> Step {
        if gone {
            Step::Fail(ErrorKind::WindowClosed)
        } else {
            Step::Wait
        }
    }
}
