//! Which `postMessage` events count as the flow's result.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::js;
use crate::messages::{accept, RESULT_TYPE};

const HOST: &str = "http://127.0.0.1:3003";
const FLOW: &str = "flow-1";

fn event(origin: &str, source: &JsValue, kind: &str, flow: &str) -> JsValue {
    let data = js::object();
    js::set(&data, "type", &JsValue::from_str(kind));
    js::set(&data, "flow", &JsValue::from_str(flow));
    js::set(&data, "success", &JsValue::TRUE);
    let event = js::object();
    js::set(&event, "origin", &JsValue::from_str(origin));
    js::set(&event, "source", source);
    js::set(&event, "data", &data);
    event
}

#[wasm_bindgen_test]
fn the_popups_result_for_this_flow_is_accepted() {
    let popup = js::object();
    let data = accept(&event(HOST, &popup, RESULT_TYPE, FLOW), HOST, &popup, FLOW);
    assert_eq!(data.map(|d| js::get(&d, "success")), Some(JsValue::TRUE));
}

#[wasm_bindgen_test]
fn anything_else_is_ignored() {
    let popup = js::object();
    let other_window = js::object();
    let cases = [
        ("other origin", event("http://127.0.0.1:9999", &popup, RESULT_TYPE, FLOW)),
        ("origin with path", event("http://127.0.0.1:3003/", &popup, RESULT_TYPE, FLOW)),
        ("other window", event(HOST, &other_window, RESULT_TYPE, FLOW)),
        ("no source", event(HOST, &JsValue::NULL, RESULT_TYPE, FLOW)),
        ("other type", event(HOST, &popup, "something_else", FLOW)),
        ("stale flow", event(HOST, &popup, RESULT_TYPE, "flow-0")),
    ];
    for (name, event) in cases {
        assert!(accept(&event, HOST, &popup, FLOW).is_none(), "{name} accepted");
    }
    let string_data = js::object();
    js::set(&string_data, "origin", &JsValue::from_str(HOST));
    js::set(&string_data, "source", &popup);
    js::set(&string_data, "data", &JsValue::from_str("nango_oauth_result"));
    assert!(accept(&string_data, HOST, &popup, FLOW).is_none(), "string data accepted");
    assert!(accept(&JsValue::UNDEFINED, HOST, &popup, FLOW).is_none());
}
