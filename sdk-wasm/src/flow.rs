//! One running `auth()` call: its promise, its [`Mode`], the one long-lived closure that receives
//! every event (timer ticks, messages, request answers), and teardown in one place (`finish`)
//! however the flow ends. `mode` decides; this module performs.

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;
use wasm_bindgen::prelude::*;

use crate::errors::ErrorKind;
use crate::js::{self, Callable};
use crate::mode::{Mode, Next};
use crate::outcome::{Schedule, Tick, TICK_MS};
use crate::popup::Popup;

pub type SharedFlow = Rc<RefCell<Flow>>;

pub struct Flow {
    settle: Settle,
    mode: Mode,
    /// A request is on its way; its answer still calls `handler`, so the closure must live.
    in_flight: bool,
    handler: Option<Closure<dyn FnMut(JsValue, JsValue)>>,
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

    fn with(&self, result: Result<JsValue, JsValue>) {
        match result {
            Ok(value) => self.resolve.call1(&JsValue::UNDEFINED, &value),
            Err(error) => self.reject(&error),
        }
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
    let schedule = Schedule::new(js::now());
    let mode = Mode::Popup { popup, flow_id, host_origin, poll_url, interval: JsValue::UNDEFINED, schedule };
    let shared = new_flow(settle, mode);
    if let Ok(mut flow) = shared.try_borrow_mut() {
        let flow = &mut *flow;
        if let (Some(handler), Mode::Popup { interval, .. }) = (&flow.handler, &mut flow.mode) {
            js::add_event_listener("message", handler.as_ref());
            *interval = js::set_interval(handler.as_ref(), TICK_MS);
        }
    }
    shared
}

/// Sends a credentials POST of `body` to `url` at once; its answer settles the flow.
pub fn start_request(settle: Settle, url: &str, body: &JsValue) -> SharedFlow {
    let shared = new_flow(settle, Mode::Post);
    if let Ok(mut flow) = shared.try_borrow_mut() {
        let flow = &mut *flow;
        send(&flow.handler, &mut flow.in_flight, url, body);
    }
    shared
}

/// Ends `flow` with `window_closed` when its popup reads closed, so a new `auth()` may start;
/// returns `false` when it is still running with an open popup or a POST (`flow_in_progress`).
pub fn give_way(flow: &SharedFlow) -> bool {
    let Ok(mut flow) = flow.try_borrow_mut() else { return false };
    if !flow.mode.gives_way() {
        return false;
    }
    // A no-op when the flow is already done.
    finish(&mut flow, Err(ErrorKind::WindowClosed.to_js()));
    true
}

fn new_flow(settle: Settle, mode: Mode) -> SharedFlow {
    let shared = Rc::new(RefCell::new(Flow { settle, mode, in_flight: false, handler: None }));
    let handle = shared.clone();
    let handler =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |event, status| on_event(&handle, event, status));
    if let Ok(mut flow) = shared.try_borrow_mut() {
        flow.handler = Some(handler);
    }
    shared
}

/// Every event of the flow: a timer tick (no argument), a `MessageEvent` (has `origin`), or the
/// answer to our request (`status` is its HTTP status, 0 for a network failure).
fn on_event(shared: &SharedFlow, event: JsValue, status: JsValue) {
    // Never re-entered (all callbacks arrive from the event loop); `try_` avoids a panic path.
    let Ok(mut flow) = shared.try_borrow_mut() else { return };
    let flow = &mut *flow;
    let now = js::now();
    let next = if let Some(status) = status.as_f64() {
        flow.in_flight = false;
        flow.mode.answer(now, status, &event)
    } else if event.is_undefined() {
        let tick = Tick {
            popup_closed: flow.mode.popup_closed(),
            opener_focused: js::has_focus(),
            in_flight: flow.in_flight,
        };
        flow.mode.tick(now, tick)
    } else {
        flow.mode.message(now, &event)
    };
    match next {
        Next::Wait => {}
        Next::Poll => {
            if let Mode::Popup { poll_url, .. } = &flow.mode {
                send(&flow.handler, &mut flow.in_flight, poll_url, &JsValue::UNDEFINED);
            }
        }
        Next::End(result) => finish(flow, result),
        Next::Fail(kind) => finish(flow, Err(kind.to_js())),
    }
    release(flow);
}

/// GET `url`, or POST `body` when it is an object; the answer comes back to `handler`.
fn send(
    handler: &Option<Closure<dyn FnMut(JsValue, JsValue)>>,
    in_flight: &mut bool,
    url: &str,
    body: &JsValue,
) {
    let Some(handler) = handler else { return };
    *in_flight = true;
    js::request(url, body, handler.as_ref());
}

/// Settles the promise once and tears everything down: timer, listener, popup, closure.
fn finish(flow: &mut Flow, result: Result<JsValue, JsValue>) {
    if let Mode::Done = flow.mode {
        return;
    }
    flow.settle.with(result);
    if let Mode::Popup { interval, .. } = &flow.mode {
        js::clear_interval(interval);
        if let Some(handler) = &flow.handler {
            js::remove_event_listener("message", handler.as_ref());
        }
    }
    // Dropping the popup closes it.
    flow.mode = Mode::Done;
    release(flow);
}

/// Drops the closure once nothing can call it any more (the flow is done and no request is on
/// its way). That also breaks the closure → flow → closure cycle, so nothing leaks per call.
fn release(flow: &mut Flow) {
    if matches!(flow.mode, Mode::Done) && !flow.in_flight {
        flow.handler = None;
    }
}
