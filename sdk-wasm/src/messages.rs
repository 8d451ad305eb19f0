//! The first result channel: the callback page's `postMessage`. A message counts only when it
//! comes from the backend's origin, from our popup window, and names the current flow (SPEC §1).

use wasm_bindgen::prelude::*;

use crate::js;

/// `type` of the callback page's message (SPEC §2 step 5).
pub const RESULT_TYPE: &str = "nango_oauth_result";

/// The message's `data` when `event` is the result of flow `flow_id` sent by `popup` from
/// `host_origin`; `None` for anything else (other windows, other origins, stale flows).
pub fn accept(event: &JsValue, host_origin: &str, popup: &JsValue, flow_id: &str) -> Option<JsValue> {
    let data = js::get(event, "data");
    let accepted = js::get(event, "origin") == *host_origin
        && js::get(event, "source") == *popup
        && js::get(&data, "type") == *RESULT_TYPE
        && js::get(&data, "flow") == *flow_id;
    accepted.then_some(data)
}
