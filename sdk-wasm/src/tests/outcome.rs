//! The closed-popup rule and the reading of the backend's answers.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::errors::ErrorKind;
use crate::js;
use crate::outcome::{
    Answer, Schedule, Step, CLOSED_POLL_MS, FOCUS_GRACE_MS, POLL_MS, TIMEOUT_MS, UNKNOWN_GRACE_MS,
};

// `tick(now, popup_closed, opener_focused, polling)`.

#[wasm_bindgen_test]
fn polls_every_second_while_the_popup_is_open() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(250.0, false, false, false), Step::Wait);
    assert_eq!(schedule.tick(POLL_MS, false, false, false), Step::Poll);
    assert_eq!(schedule.tick(POLL_MS + 250.0, false, false, false), Step::Wait);
    // One request at a time: a slow answer delays the next poll.
    assert_eq!(schedule.tick(2.0 * POLL_MS, false, false, true), Step::Wait);
    assert_eq!(schedule.tick(2.0 * POLL_MS + 250.0, false, false, false), Step::Poll);
}

#[wasm_bindgen_test]
fn polls_at_once_and_faster_when_the_popup_reads_closed() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(300.0, true, false, false), Step::Poll);
    assert_eq!(schedule.tick(300.0 + CLOSED_POLL_MS, true, false, false), Step::Poll);
}

#[wasm_bindgen_test]
fn closed_popup_with_unknown_flow_is_window_closed_after_the_grace() {
    let mut schedule = Schedule::new(0.0);
    // A 404 for a poll sent soon after `closed` may just be the popup's request not arrived yet.
    assert_eq!(schedule.tick(1_000.0, true, false, false), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Wait);
    assert_eq!(schedule.tick(1_000.0 + UNKNOWN_GRACE_MS - 1.0, true, false, false), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Wait);
    let last = 1_000.0 + UNKNOWN_GRACE_MS - 1.0 + CLOSED_POLL_MS;
    assert_eq!(schedule.tick(last, true, false, false), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Fail(ErrorKind::WindowClosed));
}

#[wasm_bindgen_test]
fn unknown_flow_with_an_open_popup_is_not_an_error() {
    let mut schedule = Schedule::new(0.0);
    for now in [1_000.0, 30_000.0, 60_000.0] {
        assert_eq!(schedule.tick(now, false, true, false), Step::Poll);
        assert_eq!(schedule.record_unknown(), Step::Wait);
    }
}

/// Ticks every 250 ms from `from` to `to` with the popup reading closed and the opener's focus
/// `focused`, answering each poll `pending`; returns the first failure.
fn run_pending(schedule: &mut Schedule, from: f64, to: f64, focused: bool) -> Option<(f64, Step)> {
    let mut now = from;
    while now < to {
        match schedule.tick(now, true, focused, false) {
            Step::Poll => {
                let step = schedule.record_pending();
                if step != Step::Wait {
                    return Some((now, step));
                }
            }
            Step::Wait => {}
            step => return Some((now, step)),
        }
        now += 250.0;
    }
    None
}

#[wasm_bindgen_test]
fn closed_popup_with_focused_opener_is_window_closed_after_the_focus_grace() {
    // The user closed the popup: `closed` reads true and the app's page has focus again.
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(1_000.0, false, false, false), Step::Poll);
    assert_eq!(schedule.record_pending(), Step::Wait);
    let failed = run_pending(&mut schedule, 4_000.0, 20_000.0, true);
    let (at, step) = failed.expect("never window_closed");
    assert_eq!(step, Step::Fail(ErrorKind::WindowClosed));
    assert!(at >= 4_000.0 + FOCUS_GRACE_MS, "window_closed {at} ms, before the focus grace");
    assert!(at < 4_000.0 + FOCUS_GRACE_MS + CLOSED_POLL_MS + 250.0, "window_closed late: {at} ms");
}

#[wasm_bindgen_test]
fn severed_popup_in_use_keeps_waiting_cross_origin_opener_policy() {
    // Under COOP `closed` reads true while the user is still consenting in the popup, which has
    // the focus: never window_closed, however long; the backend's answer or the time-out end it.
    let mut schedule = Schedule::new(0.0);
    assert_eq!(run_pending(&mut schedule, 1_500.0, TIMEOUT_MS - 1.0, false), None);
    assert_eq!(schedule.tick(TIMEOUT_MS, true, false, false), Step::Fail(ErrorKind::Timeout));
}

#[wasm_bindgen_test]
fn focus_must_last_the_whole_grace() {
    // Brief visits to the app's page (shorter than the grace) while consenting in a severed popup.
    let mut schedule = Schedule::new(0.0);
    let mut now = 1_000.0;
    for _ in 0..20 {
        assert_eq!(run_pending(&mut schedule, now, now + FOCUS_GRACE_MS - 500.0, true), None);
        now += FOCUS_GRACE_MS - 500.0;
        assert_eq!(run_pending(&mut schedule, now, now + 1_000.0, false), None);
        now += 1_000.0;
    }
    assert!(!schedule.gone(now));
}

#[wasm_bindgen_test]
fn focus_before_the_popup_reads_closed_does_not_count() {
    // Focus on the app's page while the popup reads open (a popup left behind another window)
    // starts counting only once `closed` reads true.
    let mut schedule = Schedule::new(0.0);
    for now in [250.0, 1_000.0, 5_000.0, 10_000.0] {
        schedule.tick(now, false, true, false);
        assert!(!schedule.gone(now));
    }
    schedule.tick(10_250.0, true, true, false);
    assert!(!schedule.gone(10_250.0 + FOCUS_GRACE_MS - 1.0));
    assert!(schedule.gone(10_250.0 + FOCUS_GRACE_MS));
}

#[wasm_bindgen_test]
fn a_poll_sent_before_the_grace_ended_does_not_decide() {
    // The answer that rejects must be to a poll sent after the grace: a flow that succeeded
    // meanwhile is seen as a success instead.
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(1_000.0, true, true, false), Step::Poll);
    // Slow answer: still on its way when the grace ends.
    assert_eq!(schedule.tick(1_000.0 + FOCUS_GRACE_MS, true, true, true), Step::Wait);
    assert_eq!(schedule.record_pending(), Step::Wait);
    assert_eq!(schedule.tick(1_250.0 + FOCUS_GRACE_MS, true, true, false), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Fail(ErrorKind::WindowClosed));
}

#[wasm_bindgen_test]
fn times_out_with_an_open_popup_too() {
    let mut schedule = Schedule::new(10.0);
    assert_eq!(schedule.tick(TIMEOUT_MS + 10.0, false, false, true), Step::Fail(ErrorKind::Timeout));
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
