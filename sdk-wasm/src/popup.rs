//! The authorization popup: opened synchronously and centred on the current window (popup
//! blockers only allow `window.open` during the click's task), read for `closed`, closed on Drop.

use alloc::string::String;
use wasm_bindgen::prelude::*;

use crate::js::{self, WINDOW};
use crate::url::push_int;

pub const DEFAULT_WIDTH: f64 = 500.0;
pub const DEFAULT_HEIGHT: f64 = 600.0;

pub struct Popup {
    window: JsValue,
}

impl Popup {
    /// Opens an empty centred window; `None` when the browser blocked it.
    pub fn open(width: f64, height: f64) -> Option<Self> {
        WINDOW.with(|window| {
            let screen = |key| js::get(window, key).as_f64().unwrap_or(0.0);
            let features = features(
                width,
                height,
                screen("screenX"),
                screen("screenY"),
                screen("outerWidth"),
                screen("outerHeight"),
            );
            let popup = window.open("", "_blank", &features);
            popup.is_object().then_some(Self { window: popup })
        })
    }

    /// A popup around an existing window object (tests use a plain object with `closed`).
    #[cfg(test)]
    pub fn from_window(window: JsValue) -> Self {
        Self { window }
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

/// `width=..,height=..,left=..,top=..`: the popup centred on the opener's window.
pub fn features(
    width: f64,
    height: f64,
    screen_x: f64,
    screen_y: f64,
    outer_width: f64,
    outer_height: f64,
) -> String {
    let left = screen_x + (outer_width - width) / 2.0;
    let top = screen_y + (outer_height - height) / 2.0;
    let mut features = String::new();
    for (name, value) in [("width=", width), (",height=", height), (",left=", left), (",top=", top)] {
        features.push_str(name);
        push_int(&mut features, value as i64);
    }
    features
}
