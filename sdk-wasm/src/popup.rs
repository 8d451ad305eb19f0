//! The authorization popup: opened synchronously and centred on the current window (popup
//! blockers only allow `window.open` during the click's task), read for `closed`, closed on Drop.
//! `js/browser.js` opens it (`popup`): the package's `Nango` opens it the same way before the
//! wasm module is loaded, then hands the window over (`Popup::new`).

use wasm_bindgen::prelude::*;

use crate::js;

pub struct Popup {
    window: JsValue,
}

impl Popup {
    /// Opens an empty window of `options.width` x `options.height` (500 x 600 by default),
    /// centred; `None` when the browser blocked it.
    pub fn open(options: &JsValue) -> Option<Self> {
        Self::new(js::open_popup(options))
    }

    /// A popup around a window already opened (`None` for `undefined` or a blocked `null`).
    /// Tests pass a plain object with `closed`.
    pub fn new(window: JsValue) -> Option<Self> {
        // Not `then_some`: it would build (and so drop, closing) a `Popup` around `null` too.
        if window.is_object() {
            Some(Self { window })
        } else {
            None
        }
    }

    /// Sends the popup to `url` (it was opened empty so validation could run after opening).
    pub fn navigate(&self, url: &str) {
        js::set(&js::get(&self.window, "location"), "href", &JsValue::from_str(url));
    }

    /// `popup.closed`. Under Cross-Origin-Opener-Policy this reads `true` while the popup is
    /// still open (TOOLCHAIN.md), so it is a hint, never proof: see `outcome`.
    pub fn reads_closed(&self) -> bool {
        js::get(&self.window, "closed") != JsValue::FALSE
    }

    /// The window object, to compare with `MessageEvent.source`.
    pub fn window(&self) -> &JsValue {
        &self.window
    }
}

impl Drop for Popup {
    fn drop(&mut self) {
        js::call_method(&self.window, "close");
    }
}
