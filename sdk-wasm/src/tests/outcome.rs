//! The closed-popup rule and the reading of the backend's answers (the time-out: `timeout.rs`).

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::errors::ErrorKind;
use crate::js;
use crate::outcome::{
    Answer, Schedule, Step, Tick, CLOSED_POLL_MS, EXPIRY_GRACE_MS, FOCUS_GRACE_MS, POLL_MS, UNKNOWN_GRACE_MS,
};

/// The popup reads open, the opener is not focused, no poll on its way.
pub const OPEN: Tick = Tick { popup_closed: false, opener_focused: false, in_flight: false };
pub const OPEN_FOCUSED: Tick = Tick { opener_focused: true, ..OPEN };
/// The popup reads closed; the user is elsewhere (or in a severed popup).
pub const CLOSED: Tick = Tick { popup_closed: true, ..OPEN };
/// The popup reads closed and the app's page has the focus.
pub const CLOSED_FOCUSED: Tick = Tick { popup_closed: true, opener_focused: true, in_flight: false };

pub fn in_flight(tick: Tick) -> Tick {
    Tick { in_flight: true, ..tick }
}

#[wasm_bindgen_test]
fn polls_every_second_while_the_popup_is_open() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(250.0, OPEN), Step::Wait);
    assert_eq!(schedule.tick(POLL_MS, OPEN), Step::Poll);
    assert_eq!(schedule.tick(POLL_MS + 250.0, OPEN), Step::Wait);
    // One request at a time: a slow answer delays the next poll.
    assert_eq!(schedule.tick(2.0 * POLL_MS, in_flight(OPEN)), Step::Wait);
    assert_eq!(schedule.tick(2.0 * POLL_MS + 250.0, OPEN), Step::Poll);
}

#[wasm_bindgen_test]
fn polls_at_once_and_faster_when_the_popup_reads_closed() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(300.0, CLOSED), Step::Poll);
    assert_eq!(schedule.tick(300.0 + CLOSED_POLL_MS, CLOSED), Step::Poll);
}

#[wasm_bindgen_test]
fn closed_popup_with_unknown_flow_is_window_closed_after_the_grace() {
    let mut schedule = Schedule::new(0.0);
    // A 404 for a poll sent soon after `closed` may just be the popup's request not arrived yet.
    assert_eq!(schedule.tick(1_000.0, CLOSED), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Wait);
    assert_eq!(schedule.tick(1_000.0 + UNKNOWN_GRACE_MS - 1.0, CLOSED), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Wait);
    let last = 1_000.0 + UNKNOWN_GRACE_MS - 1.0 + CLOSED_POLL_MS;
    assert_eq!(schedule.tick(last, CLOSED), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Fail(ErrorKind::WindowClosed));
}

#[wasm_bindgen_test]
fn unknown_flow_with_an_open_popup_is_not_an_error() {
    let mut schedule = Schedule::new(0.0);
    for now in [1_000.0, 30_000.0, 60_000.0] {
        assert_eq!(schedule.tick(now, OPEN_FOCUSED), Step::Poll);
        assert_eq!(schedule.record_unknown(), Step::Wait);
    }
}

/// The backend's flow lifetime in these tests (its default, 600 s from the start).
const EXPIRES_AT: f64 = 600_000.0;

/// What the backend answers at `now` for a pending flow that expires at `expires_at`:
/// `expires_in` in whole seconds, rounded down as the backend does.
pub fn expires_in(now: f64, expires_at: f64) -> f64 {
    ((expires_at - now) / 1_000.0).floor()
}

/// Ticks every 250 ms from `from` to `to` with the popup reading closed and the opener's focus
/// `focused`, answering each poll `pending` for a flow expiring at [`EXPIRES_AT`]; returns the
/// first failure.
pub fn run_pending(schedule: &mut Schedule, from: f64, to: f64, focused: bool) -> Option<(f64, Step)> {
    let tick = Tick { opener_focused: focused, ..CLOSED };
    let mut now = from;
    while now < to {
        match schedule.tick(now, tick) {
            Step::Poll => {
                let step = schedule.record_pending(now, expires_in(now, EXPIRES_AT));
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
    assert_eq!(schedule.tick(1_000.0, OPEN), Step::Poll);
    assert_eq!(schedule.record_pending(1_000.0, expires_in(1_000.0, EXPIRES_AT)), Step::Wait);
    let failed = run_pending(&mut schedule, 4_000.0, 20_000.0, true);
    let (at, step) = failed.expect("never window_closed");
    assert_eq!(step, Step::Fail(ErrorKind::WindowClosed));
    assert!(at >= 4_000.0 + FOCUS_GRACE_MS, "window_closed {at} ms, before the focus grace");
    assert!(at < 4_000.0 + FOCUS_GRACE_MS + CLOSED_POLL_MS + 250.0, "window_closed late: {at} ms");
}

#[wasm_bindgen_test]
fn severed_popup_in_use_keeps_waiting_cross_origin_opener_policy() {
    // Under COOP `closed` reads true while the user is still consenting in the popup, which has
    // the focus: never window_closed, however long; the backend's answer or, should the backend
    // stop answering, the time-out at its flow's expiry (plus the grace) end it.
    let mut schedule = Schedule::new(0.0);
    assert_eq!(run_pending(&mut schedule, 1_500.0, EXPIRES_AT, false), None);
    // The backend goes silent at its expiry: the last pending answer fixed the deadline.
    let timeout_at = EXPIRES_AT + EXPIRY_GRACE_MS;
    assert_eq!(schedule.tick(timeout_at - 1_000.0, in_flight(CLOSED)), Step::Wait);
    assert_eq!(schedule.tick(timeout_at, in_flight(CLOSED)), Step::Fail(ErrorKind::Timeout));
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
        schedule.tick(now, OPEN_FOCUSED);
        assert!(!schedule.gone(now));
    }
    schedule.tick(10_250.0, CLOSED_FOCUSED);
    assert!(!schedule.gone(10_250.0 + FOCUS_GRACE_MS - 1.0));
    assert!(schedule.gone(10_250.0 + FOCUS_GRACE_MS));
}

#[wasm_bindgen_test]
fn a_poll_sent_before_the_grace_ended_does_not_decide() {
    // The answer that rejects must be to a poll sent after the grace: a flow that succeeded
    // meanwhile is seen as a success instead.
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.tick(1_000.0, CLOSED_FOCUSED), Step::Poll);
    // Slow answer: still on its way when the grace ends.
    assert_eq!(schedule.tick(1_000.0 + FOCUS_GRACE_MS, in_flight(CLOSED_FOCUSED)), Step::Wait);
    assert_eq!(schedule.record_pending(1_100.0 + FOCUS_GRACE_MS, 590.0), Step::Wait);
    assert_eq!(schedule.tick(1_250.0 + FOCUS_GRACE_MS, CLOSED_FOCUSED), Step::Poll);
    assert_eq!(schedule.record_unknown(), Step::Fail(ErrorKind::WindowClosed));
}

pub fn body(pairs: &[(&str, JsValue)]) -> JsValue {
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
    let keys = js_sys::Object::keys(&result.clone().into());
    assert_eq!(keys.length(), 2, "no isPending key unless the server sends it");
    js::set(&success, "isPending", &JsValue::FALSE);
    let Answer::Success(result) = Answer::read(&success) else { panic!("not a success") };
    assert_eq!(js::get(&result, "isPending"), JsValue::FALSE, "isPending is passed on");

    let error = body(&[("code", "state_invalid".into()), ("message", "expired".into())]);
    let failure = body(&[("status", "error".into()), ("error", error)]);
    let Answer::Failure(error) = Answer::read(&failure) else { panic!("not a failure") };
    assert_eq!(js::get_string(&error, "type").as_deref(), Some("state_invalid"));
    assert_eq!(js::get_string(&error, "message").as_deref(), Some("expired"));

    let pending = body(&[("status", "pending".into()), ("expires_in", 597.into())]);
    assert_eq!(pending_seconds(Answer::read(&pending)), Some(597.0));
    assert!(matches!(Answer::read(&JsValue::NULL), Answer::Unreadable));
    assert!(matches!(Answer::read(&body(&[("status", "success".into())])), Answer::Unreadable));
}

#[wasm_bindgen_test]
fn expires_in_is_read_from_a_pending_record_when_it_is_a_number() {
    let pending = |expires_in: JsValue| {
        Answer::read(&body(&[("status", "pending".into()), ("expires_in", expires_in)]))
    };
    assert_eq!(pending_seconds(pending(0.into())), Some(0.0));
    assert_eq!(pending_seconds(pending(3_600.into())), Some(3_600.0));
    // The backend's word, even when the flow has run out (its next answer is `state_invalid`).
    assert_eq!(pending_seconds(pending((-1).into())), Some(-1.0));
    // Not a lifetime: the record is still pending, with no deadline from this answer.
    for odd in [JsValue::UNDEFINED, JsValue::NULL, "600".into(), JsValue::TRUE] {
        assert_eq!(pending_seconds(pending(odd.clone())), Some(f64::INFINITY), "{odd:?}");
    }
    let no_lifetime = Answer::read(&body(&[("status", "pending".into())]));
    assert_eq!(pending_seconds(no_lifetime), Some(f64::INFINITY));
}

/// `expires_in` of a pending answer; `None` for any other answer.
fn pending_seconds(answer: Answer) -> Option<f64> {
    match answer {
        Answer::Pending { expires_in } => Some(expires_in),
        _ => None,
    }
}
