//! The `timeout` deadline follows the backend's flow lifetime (`expires_in` of a pending record),
//! not a constant; before any pending record there is none.

use wasm_bindgen_test::wasm_bindgen_test;

use super::outcome::{expires_in, in_flight, CLOSED, OPEN};
use crate::errors::ErrorKind;
use crate::outcome::{deadline, Record, Schedule, Step, EXPIRY_GRACE_MS, POLL_MS};

#[wasm_bindgen_test]
fn deadline_is_the_answer_time_plus_expires_in_plus_the_grace() {
    assert_eq!(deadline(1_000.0, 600.0), 1_000.0 + 600_000.0 + EXPIRY_GRACE_MS);
    assert_eq!(deadline(5_000.0, 0.0), 5_000.0 + EXPIRY_GRACE_MS);
    // The grace outlasts the backend's rounding down to whole seconds and a slow poll, so its
    // own expiry answer (`state_invalid`) normally arrives first.
    const { assert!(EXPIRY_GRACE_MS >= 1_000.0 + 2.0 * POLL_MS) };
}

#[wasm_bindgen_test]
fn a_pending_answer_sets_the_deadline() {
    let mut schedule = Schedule::new(0.0);
    assert_eq!(schedule.record(), Record::Unknown);
    assert_eq!(schedule.tick(POLL_MS, OPEN), Step::Poll);
    // The answer arrives 200 ms after the poll was sent; its arrival time counts.
    assert_eq!(schedule.record_pending(1_200.0, 30.0), Step::Wait);
    let timeout_at = 1_200.0 + 30_000.0 + EXPIRY_GRACE_MS;
    assert_eq!(schedule.record(), Record::Pending { deadline: timeout_at });
    assert_ne!(schedule.tick(timeout_at - 1.0, in_flight(OPEN)), Step::Fail(ErrorKind::Timeout));
    assert_eq!(schedule.tick(timeout_at, in_flight(OPEN)), Step::Fail(ErrorKind::Timeout));
}

#[wasm_bindgen_test]
fn the_latest_pending_answer_sets_the_deadline() {
    let mut schedule = Schedule::new(0.0);
    schedule.record_pending(1_000.0, 600.0);
    // The backend's clock says less time is left than ours counted: its word wins.
    schedule.record_pending(2_000.0, 100.0);
    assert_eq!(schedule.record(), Record::Pending { deadline: deadline(2_000.0, 100.0) });
    // A backend that does not say how long the flow lives sets no deadline: its own expiry
    // answer (`state_invalid`) or the closed-popup rule end the flow.
    schedule.record_pending(3_000.0, f64::INFINITY);
    assert_eq!(schedule.record(), Record::Pending { deadline: f64::INFINITY });
    assert_eq!(schedule.tick(1e12, in_flight(OPEN)), Step::Wait);
}

#[wasm_bindgen_test]
fn an_operator_lifetime_longer_than_the_default_is_waited_for() {
    // NANGO_FLOW_TTL_SECONDS=3600: no time-out at the old constant (630 s), only after an hour.
    let expires_at = 3_600_000.0;
    let mut schedule = Schedule::new(0.0);
    let mut now = POLL_MS;
    while now < expires_at {
        if schedule.tick(now, CLOSED) == Step::Poll {
            assert_eq!(schedule.record_pending(now, expires_in(now, expires_at)), Step::Wait, "at {now} ms");
        }
        now += 250.0;
    }
    // The backend stops answering: the deadline set by its last pending answer ends the flow.
    let mut failed = None;
    while failed.is_none() && now < expires_at + 2.0 * EXPIRY_GRACE_MS {
        if let Step::Fail(kind) = schedule.tick(now, in_flight(CLOSED)) {
            failed = Some((now, kind));
        }
        now += 250.0;
    }
    let (at, kind) = failed.expect("never timed out");
    assert_eq!(kind, ErrorKind::Timeout);
    assert!(at >= expires_at - 1_000.0 + EXPIRY_GRACE_MS && at <= expires_at + EXPIRY_GRACE_MS, "{at}");
}

#[wasm_bindgen_test]
fn without_a_pending_record_an_open_popup_waits_without_a_deadline() {
    // The backend never answers (or 404s): while the popup reads open nothing ends the flow;
    // closing the popup does (`window_closed`, tests in `outcome.rs` and `mode.rs`).
    let mut schedule = Schedule::new(0.0);
    let mut now = POLL_MS;
    while now < 24.0 * 3_600_000.0 {
        match schedule.tick(now, OPEN) {
            Step::Poll => assert_eq!(schedule.record_unknown(), Step::Wait),
            step => assert_eq!(step, Step::Wait),
        }
        now += 1_000.0;
    }
    assert_eq!(schedule.record(), Record::Unknown);
}
