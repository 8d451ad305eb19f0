//! Browser tests (`cargo xtask test-sdk`, headless Chromium): the pure parts of the SDK and the
//! `Nango` class's validation, run as wasm in a real page.

mod errors;
mod messages;
mod mode;
mod nango;
mod outcome;
mod timeout;
mod url;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
