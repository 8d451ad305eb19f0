//! The closed-popup rule and the reading of the backend's answers.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::errors::ErrorKind;
use crate::js;
use crate::outcome::{Answer, Schedule, Step, CLOSED_POLL_MS, POLL_MS, TIMEOUT_MS, UNKNOWN_GRACE_MS};

#[wasm_bindgen_test]
fn polls_every_second_while_the_popup_is_open() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(250.0, false, false), Step::Wait);
    assert_eq!(schedule.tick(POLL_MS, false, false), Step::Poll);
    assert_eq!(schedule.tick(POLL_MS + 250.0, false, false), Step::Wait);
    // One request at a time: a slow answer delays the next poll.
    assert_eq!(schedule.tick(2.0 * POLL_MS, false, true), Step::Wait);
    assert_eq!(schedule.tick(2.0 * POLL_MS + 250.0, false, false), Step::Poll);
}

#[wasm_bindgen_test]
fn polls_at_once_and_faster_when_the_popup_reads_closed() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(300.0, true, false), Step::Poll);
    assert_eq!(schedule.tick(300.0 + CLOSED_POLL_MS, true, false), Step::Poll);
}

#[wasm_bindgen_test]
fn closed_popup_with_unknown_flow_is_window_closed_after_the_grace() {
    let mut schedule = Schedule::new(0.0);
    schedule.tick(1_000.0, true, false);
    // A 404 for a poll sent soon after `closed` may just be the popup's request not arrived yet.
    assert_eq!(schedule.record_unknown(1_000.0), Step::Wait);
    assert_eq!(schedule.record_unknown(1_000.0 + UNKNOWN_GRACE_MS - 1.0), Step::Wait);
    assert_eq!(schedule.record_unknown(1_000.0 + UNKNOWN_GRACE_MS), Step::Fail(ErrorKind::WindowClosed));
}

#[wasm_bindgen_test]
fn unknown_flow_with_an_open_popup_is_not_an_error() {
    let mut schedule = Schedule::new(0.0);
    schedule.tick(1_000.0, false, false);
    assert_eq!(schedule.record_unknown(60_000.0), Step::Wait);
}

#[wasm_bindgen_test]
fn closed_popup_with_pending_flow_keeps_waiting_cross_origin_opener_policy() {
    // Under COOP `closed` reads true while the user is still consenting: never window_closed
    // once the backend has seen the flow; only the backend's answer or the time-out end it.
    let mut schedule = Schedule::new(0.0);
    schedule.tick(1_500.0, true, false);
    schedule.record_pending();
    for now in [5_000.0, 60_000.0, 300_000.0, TIMEOUT_MS - 1.0] {
        assert!(matches!(schedule.tick(now, true, false), Step::Poll | Step::Wait));
        assert_eq!(schedule.record_unknown(now), Step::Wait);
    }
    assert_eq!(schedule.tick(TIMEOUT_MS, true, false), Step::Fail(ErrorKind::Timeout));
}

#[wasm_bindgen_test]
fn times_out_with_an_open_popup_too() {
    let mut schedule = Schedule::new(10.0);
    assert_eq!(schedule.tick(TIMEOUT_MS + 10.0, false, true), Step::Fail(ErrorKind::Timeout));
}

fn body(pairs: &[(&str, JsValue)]) -> JsValue {
    let body = js::object();
    for (key, value) in pairs {
        js::set(&body, key, value);
    }
    body
}

#[wasm_bindgen_test]
fn answers_are_read_as_success_failure_pending_or_unreadable() {
    let success = body(&[
        ("status", "success".into()),
        ("providerConfigKey", "demo".into()),
        ("connectionId", "user-42".into()),
        ("extra", "not copied".into()),
    ]);
    let Answer::Success(result) = Answer::read(&success) else { panic!("not a success") };
    assert_eq!(js::get_string(&result, "providerConfigKey").as_deref(), Some("demo"));
    assert_eq!(js::get_string(&result, "connectionId").as_deref(), Some("user-42"));
    assert!(js::get(&result, "extra").is_undefined());

    let error = body(&[("code", "state_invalid".into()), ("message", "expired".into())]);
    let failure = body(&[("status", "error".into()), ("error", error)]);
    let Answer::Failure(error) = Answer::read(&failure) else { panic!("not a failure") };
    assert_eq!(js::get_string(&error, "type").as_deref(), Some("state_invalid"));
    assert_eq!(js::get_string(&error, "message").as_deref(), Some("expired"));

    assert!(matches!(Answer::read(&body(&[("status", "pending".into())])), Answer::Pending));
    assert!(matches!(Answer::read(&JsValue::NULL), Answer::Unreadable));
    assert!(matches!(Answer::read(&body(&[("status", "success".into())])), Answer::Unreadable));
}
