//! `Browser`: one headless browser with a fresh profile, driven by a suite. Two engines:
//! Debian's Chromium through chromedriver (W3C WebDriver over HTTP, `webdriver.rs`) and
//! Debian's Firefox ESR through WebDriver BiDi, the WebSocket protocol built into Firefox
//! (`bidi/`, no geckodriver). Both offer the same operations; the waiting ones (`wait_for`,
//! `wait_for_popup`, `find`) poll here, above the engines. Nothing is ever downloaded, and a
//! missing browser fails the test that asked for it.

mod bidi;
mod webdriver;

use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Which browser a `Browser` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `/usr/bin/chromium` with `/usr/bin/chromedriver`.
    Chromium,
    /// `/usr/bin/firefox-esr` over WebDriver BiDi.
    Firefox,
}

pub struct Browser {
    backend: Backend,
}

enum Backend {
    Chromium(webdriver::Chromium),
    Firefox(bidi::Firefox),
}

/// A found element (its WebDriver id, or its BiDi shared id).
#[derive(Clone, Debug)]
pub struct Element(String);

/// Call the same method on whichever engine runs.
macro_rules! on_engine {
    ($browser:expr, $engine:ident => $call:expr) => {
        match &$browser.backend {
            Backend::Chromium($engine) => $call,
            Backend::Firefox($engine) => $call,
        }
    };
}

impl Browser {
    /// Headless Chromium.
    pub async fn start() -> Self {
        Self::launch(Engine::Chromium).await
    }

    /// Headless Firefox ESR.
    pub async fn start_firefox() -> Self {
        Self::launch(Engine::Firefox).await
    }

    pub async fn launch(engine: Engine) -> Self {
        let backend = match engine {
            Engine::Chromium => Backend::Chromium(webdriver::Chromium::start().await),
            Engine::Firefox => Backend::Firefox(bidi::Firefox::start().await),
        };
        Self { backend }
    }

    pub fn engine(&self) -> Engine {
        match self.backend {
            Backend::Chromium(_) => Engine::Chromium,
            Backend::Firefox(_) => Engine::Firefox,
        }
    }

    /// Load `url` in the current window and wait for its `load` event.
    pub async fn goto(&self, url: &str) {
        on_engine!(self, engine => engine.goto(url).await)
    }

    pub async fn current_url(&self) -> String {
        on_engine!(self, engine => engine.current_url().await)
    }

    /// Run `script` (a function body; `arguments[i]` are `args`) in the current window and
    /// return its value (a promise is awaited; `undefined` reads as `null`).
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        on_engine!(self, engine => engine.execute(script, args).await)
    }

    /// Poll `script` until it returns something other than `null`/`undefined`.
    pub async fn wait_for(&self, what: &str, script: &str, args: Value, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, args.clone()).await;
            if !value.is_null() {
                return value;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("timed out after {timeout:?} waiting for {what} (page {url})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // ------------------------------------------------------------ windows

    /// The current window's handle.
    pub async fn window(&self) -> String {
        on_engine!(self, engine => engine.window().await)
    }

    /// Every open top-level window, oldest first.
    pub async fn windows(&self) -> Vec<String> {
        on_engine!(self, engine => engine.windows().await)
    }

    pub async fn switch_to(&self, handle: &str) {
        on_engine!(self, engine => engine.switch_to(handle).await)
    }

    /// Wait until a window other than `main` exists, and return its handle.
    pub async fn wait_for_popup(&self, main: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(popup) = self.windows().await.into_iter().find(|handle| handle != main) {
                return popup;
            }
            assert!(Instant::now() < deadline, "no popup window opened within {timeout:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Commands go to the current page's first frame (an iframe) until `switch_to` a window.
    pub async fn enter_first_frame(&self) {
        on_engine!(self, engine => engine.enter_first_frame().await)
    }

    /// Close the current window (as the user clicking its close button).
    pub async fn close_window(&self) {
        on_engine!(self, engine => engine.close_window().await)
    }

    // ------------------------------------------------------------ elements

    /// Wait until an element matching the CSS `selector` exists in the current window.
    pub async fn find(&self, selector: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = on_engine!(self, engine => engine.try_find(selector).await) {
                return element;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("no element `{selector}` within {timeout:?} on {url}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Click the element's centre with the (virtual) mouse: a user gesture, so a popup it
    /// opens is allowed.
    pub async fn click(&self, element: &Element) {
        on_engine!(self, engine => engine.click(element).await)
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> String {
        on_engine!(self, engine => engine.text(element).await)
    }

    /// Clear an input and type `text` into it.
    pub async fn fill(&self, element: &Element, text: &str) {
        on_engine!(self, engine => engine.fill(element, text).await)
    }

    // ------------------------------------------------------------ window size, cookies

    /// Resize the current window's page area (a phone is 390 px wide).
    pub async fn set_window_size(&self, width: u32, height: u32) {
        on_engine!(self, engine => engine.set_window_size(width, height).await)
    }

    /// The cookies of the current page's origin, as WebDriver names their fields (`name`,
    /// `value`, `path`, `httpOnly`, `secure`, `sameSite` as "Strict"/"Lax"/"None", `expiry`).
    pub async fn cookies(&self) -> Vec<Value> {
        on_engine!(self, engine => engine.cookies().await)
    }

    /// A PNG of the current window (for debugging a failing test).
    pub async fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let data = on_engine!(self, engine => engine.screenshot().await);
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("screenshot is base64");
        std::fs::write(path, bytes).expect("write screenshot");
    }
}

/// Run test cases once per engine. For each `case`, an `async fn case(engine: Engine)` in the
/// calling module, this defines the tests `case::chromium` and `case::firefox`.
#[macro_export]
macro_rules! in_each_browser {
    ($($case:ident),+ $(,)?) => {$(
        mod $case {
            #[tokio::test]
            async fn chromium() {
                super::$case($crate::browser::Engine::Chromium).await;
            }

            #[tokio::test]
            async fn firefox() {
                super::$case($crate::browser::Engine::Firefox).await;
            }
        }
    )+};
}
