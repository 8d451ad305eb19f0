//! The flow's `Mode`: how answers, messages and ticks move a popup flow, a credentials POST and a
//! finished flow, and the one transition to `Done`.

use alloc::string::String;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::outcome::{body, in_flight, CLOSED, OPEN};
use crate::js;
use crate::messages::RESULT_TYPE;
use crate::mode::{Mode, Next};
use crate::outcome::{deadline, Record, Schedule, UNKNOWN_GRACE_MS};
use crate::popup::Popup;

const HOST: &str = "http://127.0.0.1:3003";
const FLOW: &str = "flow-1";

/// A stand-in for the popup's window: `closed` as given; `close()` sets it to `true`.
fn fake_window(closed: bool) -> JsValue {
    let window = js::object();
    js::set(&window, "closed", &JsValue::from_bool(closed));
    js::set(&window, "close", &js_sys::Function::new_no_args("this.closed = true").into());
    window
}

fn popup_mode(window: &JsValue) -> Mode {
    Mode::Popup {
        popup: Popup::new(window.clone()).expect("a window object"),
        flow_id: FLOW.into(),
        host_origin: HOST.into(),
        poll_url: String::from(HOST) + "/oauth/flows/" + FLOW,
        interval: JsValue::UNDEFINED,
        schedule: Schedule::new(0.0),
    }
}

fn schedule(mode: &Mode) -> &Schedule {
    let Mode::Popup { schedule, .. } = mode else { panic!("not a popup flow") };
    schedule
}

fn success() -> JsValue {
    body(&[
        ("status", "success".into()),
        ("providerConfigKey", "demo".into()),
        ("connectionId", "user-42".into()),
    ])
}

fn error(code: &str) -> JsValue {
    let error = body(&[("code", code.into()), ("message", "m".into())]);
    body(&[("status", "error".into()), ("error", error)])
}

fn pending(expires_in: f64) -> JsValue {
    body(&[("status", "pending".into()), ("expires_in", expires_in.into())])
}

/// The `type` of the rejection `next` ends with, or the connection id it resolves with.
fn ended(next: Next) -> Option<Result<String, String>> {
    match next {
        Next::End(Ok(result)) => Some(Ok(js::get_string(&result, "connectionId").unwrap_or_default())),
        Next::End(Err(error)) => Some(Err(js::get_string(&error, "type").unwrap_or_default())),
        Next::Fail(kind) => Some(Err(kind.as_str().into())),
        Next::Wait | Next::Poll => None,
    }
}

fn err(kind: &str) -> Option<Result<String, String>> {
    Some(Err(kind.into()))
}

#[wasm_bindgen_test]
fn a_post_ends_with_its_one_answer() {
    let mut post = Mode::Post;
    assert_eq!(ended(post.answer(0.0, 200.0, &success())), Some(Ok("user-42".into())));
    assert_eq!(ended(post.answer(0.0, 404.0, &error("unknown_integration"))), err("unknown_integration"));
    assert_eq!(ended(post.answer(0.0, 0.0, &JsValue::NULL)), err("network_error"));
    assert_eq!(ended(post.answer(0.0, 200.0, &pending(600.0))), err("network_error"));
    // No timer, no messages, and a running POST is never replaced.
    assert!(matches!(post.tick(1e12, OPEN), Next::Wait));
    assert!(matches!(post.message(0.0, &message(&fake_window(false), FLOW)), Next::Wait));
    assert!(!post.gives_way());
}

#[wasm_bindgen_test]
fn a_popup_flow_ends_with_a_recorded_outcome() {
    let window = fake_window(false);
    assert_eq!(ended(popup_mode(&window).answer(0.0, 200.0, &success())), Some(Ok("user-42".into())));
    assert_eq!(ended(popup_mode(&window).answer(0.0, 200.0, &error("state_invalid"))), err("state_invalid"));
}

#[wasm_bindgen_test]
fn a_popup_flow_waits_on_unknown_unreadable_and_pending_records() {
    let window = fake_window(false);
    let mut mode = popup_mode(&window);
    // 404 `unknown_flow` carries an error body, but only means "not created yet".
    assert!(matches!(mode.answer(1_000.0, 404.0, &error("unknown_flow")), Next::Wait));
    assert!(matches!(mode.answer(2_000.0, 0.0, &JsValue::NULL), Next::Wait));
    assert_eq!(schedule(&mode).record(), Record::Unknown);
    assert!(matches!(mode.answer(3_000.0, 200.0, &pending(597.0)), Next::Wait));
    assert_eq!(schedule(&mode).record(), Record::Pending { deadline: deadline(3_000.0, 597.0) });
}

#[wasm_bindgen_test]
fn a_popup_flow_times_out_at_the_deadline_the_backend_set() {
    let window = fake_window(false);
    let mut mode = popup_mode(&window);
    mode.answer(1_000.0, 200.0, &pending(5.0));
    let timeout_at = deadline(1_000.0, 5.0);
    assert_eq!(ended(mode.tick(timeout_at - 1.0, in_flight(OPEN))), None);
    assert_eq!(ended(mode.tick(timeout_at, in_flight(OPEN))), err("timeout"));
}

#[wasm_bindgen_test]
fn a_closed_popup_whose_backend_never_answers_is_window_closed() {
    // Every poll fails (server down, CORS refused): once the popup reads closed, the flow ends
    // `window_closed` after the unknown-record grace instead of hanging.
    let window = fake_window(true);
    let mut mode = popup_mode(&window);
    let mut now = 250.0;
    let result = loop {
        assert!(now < 10_000.0, "still waiting at {now} ms");
        let next = match mode.tick(now, CLOSED) {
            Next::Poll => mode.answer(now + 50.0, 0.0, &JsValue::NULL),
            next => next,
        };
        if let Some(result) = ended(next) {
            break result;
        }
        now += 250.0;
    };
    assert_eq!(result, Err("window_closed".into()));
    assert!(now >= 250.0 + UNKNOWN_GRACE_MS, "window_closed at {now} ms, before the grace");
}

fn message(source: &JsValue, flow: &str) -> JsValue {
    let data = body(&[
        ("type", RESULT_TYPE.into()),
        ("flow", flow.into()),
        ("success", JsValue::TRUE),
        ("providerConfigKey", "demo".into()),
        ("connectionId", "user-42".into()),
    ]);
    body(&[("origin", HOST.into()), ("source", source.clone()), ("data", data)])
}

#[wasm_bindgen_test]
fn the_popups_message_for_this_flow_settles_it() {
    let window = fake_window(false);
    let mut mode = popup_mode(&window);
    assert_eq!(ended(mode.message(0.0, &message(&window, FLOW))), Some(Ok("user-42".into())));
    assert!(matches!(mode.message(0.0, &message(&window, "other-flow")), Next::Wait));
    assert!(matches!(mode.message(0.0, &message(&fake_window(false), FLOW)), Next::Wait));
}

#[wasm_bindgen_test]
fn only_a_done_flow_or_a_popup_reading_closed_gives_way() {
    // Each mode gets its own window: dropping a popup mode closes its window.
    assert!(!popup_mode(&fake_window(false)).gives_way());
    assert!(!popup_mode(&fake_window(false)).popup_closed());
    assert!(popup_mode(&fake_window(true)).gives_way());
    assert!(popup_mode(&fake_window(true)).popup_closed());
    assert!(Mode::Done.gives_way());
}

#[wasm_bindgen_test]
fn the_move_to_done_closes_the_popup_and_ignores_late_events() {
    // `flow::finish` ends a flow by replacing its mode with `Done`; dropping the popup mode is
    // what closes the popup.
    let window = fake_window(false);
    let mut mode = popup_mode(&window);
    assert!(!mode.gives_way());
    mode = Mode::Done;
    assert_eq!(js::get(&window, "closed"), JsValue::TRUE, "the popup was left open");
    assert!(mode.gives_way());
    // A late answer, message or tick changes nothing.
    assert!(matches!(mode.answer(0.0, 200.0, &success()), Next::Wait));
    assert!(matches!(mode.message(0.0, &message(&window, FLOW)), Next::Wait));
    assert!(matches!(mode.tick(1e12, CLOSED), Next::Wait));
}
