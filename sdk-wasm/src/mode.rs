//! Which kind of flow an `auth()` call runs, and how its events move it: an OAuth popup (result by
//! message or by polling the flow record), a credentials POST (its one answer settles it), or
//! done. These are decisions over the values the events carry; `flow` performs the effects
//! (requests, settling the promise, teardown).

use alloc::string::String;
use wasm_bindgen::prelude::*;

use crate::errors::ErrorKind;
use crate::messages;
use crate::outcome::{Answer, Schedule, Step, Tick};
use crate::popup::Popup;

/// The state of one flow. It leaves `Popup` or `Post` once, for `Done` (`flow::finish`).
pub enum Mode {
    /// OAuth in `popup`: the timer `interval` drives `schedule`, which polls `poll_url`; a
    /// message counts only from `host_origin`, from `popup`, for `flow_id`.
    Popup {
        popup: Popup,
        flow_id: String,
        host_origin: String,
        poll_url: String,
        interval: JsValue,
        schedule: Schedule,
    },
    /// A credentials POST is on its way; no popup, no timer.
    Post,
    /// Settled. A request still on its way gets its answer ignored.
    Done,
}

/// What the flow does after an event.
#[derive(Debug)]
pub enum Next {
    Wait,
    /// Send the next poll of the flow record.
    Poll,
    /// Settle the promise with this and tear down.
    End(Result<JsValue, JsValue>),
    /// Reject with this and tear down.
    Fail(ErrorKind),
}

impl From<Step> for Next {
    fn from(step: Step) -> Self {
        match step {
            Step::Wait => Self::Wait,
            Step::Poll => Self::Poll,
            Step::Fail(kind) => Self::Fail(kind),
        }
    }
}

impl Mode {
    /// The answer to the flow's request that arrived at `now`: its HTTP `status` (0 for a
    /// network failure) and its parsed `body` (`null` when not JSON).
    pub fn answer(&mut self, now: f64, status: f64, body: &JsValue) -> Next {
        let answer = match self {
            Self::Done => return Next::Wait,
            // 404 `unknown_flow`: not created yet, or never; it tells no more than a failed poll,
            // and `Schedule` decides what that means.
            Self::Popup { .. } if status == 404.0 => Answer::Unreadable,
            _ => Answer::read(body),
        };
        self.settle(now, answer)
    }

    /// A `message` event on the opener's window: the callback page's result settles the flow.
    pub fn message(&mut self, now: f64, event: &JsValue) -> Next {
        let Self::Popup { popup, flow_id, host_origin, .. } = self else { return Next::Wait };
        match messages::accept(event, host_origin, popup.window(), flow_id) {
            Some(data) => self.settle(now, Answer::read(&data)),
            None => Next::Wait,
        }
    }

    /// One timer tick at `now` (only a popup flow has a timer).
    pub fn tick(&mut self, now: f64, tick: Tick) -> Next {
        match self {
            Self::Popup { schedule, .. } => schedule.tick(now, tick).into(),
            Self::Post | Self::Done => Next::Wait,
        }
    }

    /// A popup flow whose popup reads closed (a hint only: see `outcome`).
    pub fn popup_closed(&self) -> bool {
        matches!(self, Self::Popup { popup, .. } if popup.reads_closed())
    }

    /// Whether a new `auth()` may replace this flow: it is done, or its popup reads closed (the
    /// caller then ends it with `window_closed`). A running POST or an open popup is
    /// `flow_in_progress`.
    pub fn gives_way(&self) -> bool {
        matches!(self, Self::Done) || self.popup_closed()
    }

    fn settle(&mut self, now: f64, answer: Answer) -> Next {
        match (self, answer) {
            (_, Answer::Success(result)) => Next::End(Ok(result)),
            (_, Answer::Failure(error)) => Next::End(Err(error)),
            (Self::Popup { schedule, .. }, Answer::Pending { expires_in }) => {
                schedule.record_pending(now, expires_in).into()
            }
            // A failed poll: see the closed-popup rule in `outcome`.
            (Self::Popup { schedule, .. }, Answer::Unreadable) => schedule.record_unknown().into(),
            // The POST is the flow's only request: an answer that is not ours is final.
            (Self::Post, _) => Next::Fail(ErrorKind::NetworkError),
            (Self::Done, _) => Next::Wait,
        }
    }
}
