//! One running `auth()` call: its promise, popup, timer, message listener and requests, driven by
//! one long-lived closure that receives every event (timer ticks, messages, fetch results), and
//! torn down in one place (`finish`) however the flow ends.

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;
use wasm_bindgen::prelude::*;

use crate::errors::ErrorKind;
use crate::js::{self, Callable, WINDOW};
use crate::messages;
use crate::outcome::{Answer, Schedule, Step, TICK_MS};
use crate::popup::Popup;

pub type SharedFlow = Rc<RefCell<Flow>>;

pub struct Flow {
    resolve: Callable,
    reject: Callable,
    /// `Some` for the OAuth popup flow; `None` for a credentials POST.
    popup: Option<Popup>,
    flow_id: String,
    host_origin: String,
    /// The one request this flow makes: the flow-record poll (GET), or the credentials POST
    /// (`request_body` is then the JSON body).
    request_url: String,
    request_body: JsValue,
    schedule: Schedule,
    /// A request is on its way; its answer still calls `handler`, so the closure must live.
    polling: bool,
    sent_at: f64,
    interval: JsValue,
    handler: Option<Closure<dyn FnMut(JsValue, JsValue)>>,
    done: bool,
}

/// How the promise of `auth()` is settled.
pub struct Settle {
    pub resolve: Callable,
    pub reject: Callable,
}

impl Settle {
    pub fn reject(&self, error: &JsValue) {
        self.reject.call1(&JsValue::UNDEFINED, error);
    }
}

/// Starts an OAuth flow in `popup`, whose result comes by message or by polling `poll_url`.
pub fn start_popup(
    settle: Settle,
    popup: Popup,
    flow_id: String,
    host_origin: String,
    poll_url: String,
) -> SharedFlow {
    start(settle, Some(popup), flow_id, host_origin, poll_url, JsValue::UNDEFINED)
}

/// Sends a credentials POST of `body` at once; its answer settles the flow.
pub fn start_request(settle: Settle, url: String, body: JsValue) -> SharedFlow {
    start(settle, None, String::new(), String::new(), url, body)
}

/// Ends `flow` with `window_closed` when its popup reads closed, so a new `auth()` may start;
/// returns `false` when it is still running with an open popup (`flow_in_progress`).
pub fn give_way(flow: &SharedFlow) -> bool {
    let Ok(mut flow) = flow.try_borrow_mut() else { return false };
    if flow.done {
        return true;
    }
    if flow.popup.as_ref().is_some_and(Popup::reads_closed) {
        finish(&mut flow, Err(ErrorKind::WindowClosed.to_js()));
        return true;
    }
    false
}

fn start(
    settle: Settle,
    popup: Option<Popup>,
    flow_id: String,
    host_origin: String,
    request_url: String,
    request_body: JsValue,
) -> SharedFlow {
    let is_popup = popup.is_some();
    let shared = Rc::new(RefCell::new(Flow {
        resolve: settle.resolve,
        reject: settle.reject,
        popup,
        flow_id,
        host_origin,
        request_url,
        request_body,
        schedule: Schedule::new(js::now()),
        polling: false,
        sent_at: 0.0,
        interval: JsValue::UNDEFINED,
        handler: None,
        done: false,
    }));
    let handle = shared.clone();
    let handler =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |event, status| on_event(&handle, event, status));
    if let Ok(mut flow) = shared.try_borrow_mut() {
        WINDOW.with(|window| {
            if is_popup {
                window.add_event_listener("message", handler.as_ref());
            }
            flow.interval = window.set_interval(handler.as_ref(), TICK_MS);
        });
        flow.handler = Some(handler);
        if !is_popup {
            send(&mut flow);
        }
    }
    shared
}

/// Every event of the flow: a timer tick (no argument), a `MessageEvent` (has `origin`), or the
/// answer to our request (`status` is its HTTP status, 0 for a network failure).
fn on_event(shared: &SharedFlow, event: JsValue, status: JsValue) {
    // Never re-entered (all callbacks arrive from the event loop); `try_` avoids a panic path.
    let Ok(mut flow) = shared.try_borrow_mut() else { return };
    let flow = &mut *flow;
    if let Some(status) = status.as_f64() {
        flow.polling = false;
        if flow.done {
            release(flow);
        } else if flow.popup.is_some() && status == 404.0 {
            // Not created yet, or never: `Schedule` decides what an unknown record means.
            if let Step::Fail(kind) = flow.schedule.record_unknown(flow.sent_at) {
                finish(flow, Err(kind.to_js()));
            }
        } else {
            settle(flow, Answer::read(&event));
        }
    } else if event.is_undefined() {
        let closed = flow.popup.as_ref().is_some_and(Popup::reads_closed);
        match flow.schedule.tick(js::now(), closed, flow.polling) {
            Step::Poll if flow.popup.is_some() => send(flow),
            Step::Fail(kind) => finish(flow, Err(kind.to_js())),
            _ => {}
        }
    } else {
        let data = flow
            .popup
            .as_ref()
            .and_then(|popup| messages::accept(&event, &flow.host_origin, popup.window(), &flow.flow_id));
        if let Some(data) = data {
            settle(flow, Answer::read(&data));
        }
    }
}

fn settle(flow: &mut Flow, answer: Answer) {
    match answer {
        Answer::Success(result) => finish(flow, Ok(result)),
        Answer::Failure(error) => finish(flow, Err(error)),
        Answer::Pending => flow.schedule.record_pending(),
        // A failed poll is retried on the next tick; a failed credentials POST is final.
        Answer::Unreadable if flow.popup.is_none() => {
            finish(flow, Err(ErrorKind::NetworkError.to_js()));
        }
        Answer::Unreadable => {}
    }
}

fn send(flow: &mut Flow) {
    let Some(handler) = &flow.handler else { return };
    flow.polling = true;
    flow.sent_at = js::now();
    js::request(&flow.request_url, &flow.request_body, handler.as_ref());
}

/// Settles the promise once and tears everything down: timer, listener, popup, closure.
fn finish(flow: &mut Flow, result: Result<JsValue, JsValue>) {
    if flow.done {
        return;
    }
    flow.done = true;
    match result {
        Ok(value) => flow.resolve.call1(&JsValue::UNDEFINED, &value),
        Err(error) => flow.reject.call1(&JsValue::UNDEFINED, &error),
    }
    WINDOW.with(|window| {
        window.clear_interval(&flow.interval);
        if let Some(handler) = &flow.handler {
            window.remove_event_listener("message", handler.as_ref());
        }
    });
    flow.popup = None;
    release(flow);
}

/// Drops the closure once nothing can call it any more (the flow is done and no request is on
/// its way). That also breaks the closure → flow → closure cycle, so nothing leaks per call.
fn release(flow: &mut Flow) {
    if flow.done && !flow.polling {
        flow.handler = None;
    }
}
