//! The few browser functions the SDK imports. Every import costs a shim in the `.wasm` and in the
//! JS glue (sdk-size.md), so plain property reads go through one `Reflect.get` and one `Reflect.set`.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `window.f(..)` called in the glue: no `window` value held in Rust (a `thread_local_v2`
    // static costs a `LazyCell` and its panic strings, ~250 B gzipped).
    #[wasm_bindgen(js_namespace = window, js_name = addEventListener)]
    pub fn add_event_listener(kind: &str, listener: &JsValue);
    #[wasm_bindgen(js_namespace = window, js_name = removeEventListener)]
    pub fn remove_event_listener(kind: &str, listener: &JsValue);
    #[wasm_bindgen(js_namespace = window, js_name = setInterval)]
    pub fn set_interval(handler: &JsValue, milliseconds: u32) -> JsValue;
    #[wasm_bindgen(js_namespace = window, js_name = clearInterval)]
    pub fn clear_interval(id: &JsValue);

    /// A `resolve`/`reject` function of the promise `auth()` returns, or a method.
    pub type Callable;
    #[wasm_bindgen(method, js_name = call)]
    pub fn call1(this: &Callable, this_arg: &JsValue, argument: &JsValue);

    #[wasm_bindgen(js_name = Object)]
    type Object;
    #[wasm_bindgen(constructor, js_class = Object)]
    fn new() -> Object;

    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    fn reflect_get(target: &JsValue, key: &str) -> JsValue;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &str, value: &JsValue) -> bool;
    #[wasm_bindgen(js_namespace = Object, js_name = keys)]
    fn object_keys(target: &JsValue) -> JsValue;
    #[wasm_bindgen(js_namespace = JSON)]
    pub fn stringify(value: &JsValue) -> String;
    #[wasm_bindgen(js_namespace = Date)]
    pub fn now() -> f64;
    /// `document.hasFocus()`: the user is on this page (see `outcome::Schedule`).
    #[wasm_bindgen(js_namespace = document, js_name = hasFocus)]
    pub fn has_focus() -> bool;
}

#[wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    /// `{promise, resolve, reject, flow}`: the promise `auth()` returns, its settle functions,
    /// and a new flow id (128 random bits from `crypto.getRandomValues`, base64url).
    pub fn deferred() -> JsValue;
    /// GET `url`, or POST `body` as JSON when it is an object; calls `callback(body, status)`
    /// once (`null` body when not JSON, status 0 on a network failure).
    pub fn request(url: &str, body: &JsValue, callback: &JsValue);
    /// A new empty popup sized by `options.width`/`height`, centred; `null` when blocked.
    #[wasm_bindgen(js_name = popup)]
    pub fn open_popup(options: &JsValue) -> JsValue;
}

/// `target[key]`, or `undefined` when `target` is not an object (`Reflect.get` would throw).
pub fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_object() {
        reflect_get(target, key)
    } else {
        JsValue::UNDEFINED
    }
}

/// `target[key]` as a Rust string, when it is a string.
pub fn get_string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    reflect_set(target, key, value);
}

/// A fresh plain object.
pub fn object() -> JsValue {
    Object::new().into()
}

/// Calls `f(key, value)` for each own enumerable string key of `target` (an object).
pub fn for_each_entry(target: &JsValue, mut f: impl FnMut(&str, &JsValue)) {
    if !target.is_object() {
        return;
    }
    let keys = Object::object_keys(target);
    let n_keys = get(&keys, "length").as_f64().unwrap_or(0.0) as u32;
    for index in 0..n_keys {
        let mut index_key = String::new();
        crate::url::push_int(&mut index_key, index);
        if let Some(key) = reflect_get(&keys, &index_key).as_string() {
            f(&key, &reflect_get(target, &key));
        }
    }
}

/// `object.method()` for a method without arguments, read with `get`.
pub fn call_method(target: &JsValue, method: &str) {
    get(target, method).unchecked_into::<Callable>().call1(target, &JsValue::UNDEFINED);
}
