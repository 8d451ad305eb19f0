//! `Firefox`: headless Debian Firefox ESR driven over WebDriver BiDi, the WebSocket protocol
//! Firefox itself serves (no geckodriver). Each one is its own `firefox-esr --headless
//! --remote-debugging-port=0` on a fresh profile (`user.js`); Firefox reports the port it bound
//! on stderr (`WebDriver BiDi listening on ws://127.0.0.1:PORT`), the harness opens a session on
//! `/session`. A window handle is a top-level browsing context id; the current one is kept
//! here, as chromedriver keeps it server-side. Scripts and input are in `page.rs`.

mod connection;
mod page;

use connection::Connection;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const FIREFOX: &str = "/usr/bin/firefox-esr";
const USER_JS: &str = include_str!("user.js");
const LISTENING: &str = "WebDriver BiDi listening on ";

pub struct Firefox {
    process: Child,
    connection: Connection,
    /// The context commands go to (`switch_to`).
    current: Mutex<String>,
    _profile: tempfile::TempDir,
}

impl Firefox {
    pub async fn start() -> Self {
        assert!(
            Path::new(FIREFOX).exists(),
            "{FIREFOX} is missing: install Debian's firefox-esr (apt-get install firefox-esr)"
        );
        let profile = tempfile::tempdir().expect("profile dir");
        std::fs::write(profile.path().join("user.js"), USER_JS).expect("write user.js");
        let mut process = Command::new(FIREFOX)
            .args(["--headless", "--no-remote", "--remote-debugging-port=0"])
            .arg("--profile")
            .arg(profile.path())
            // Not `about:blank`: a blank first page leaves the focus in the address bar, so
            // the pages the test loads next would never have it (`document.hasFocus()`).
            .arg("data:text/html,%3Ctitle%3Etest%3C/title%3E")
            .env("MOZ_CRASHREPORTER_DISABLE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start firefox-esr");
        let endpoint = match listening_endpoint(&mut process).await {
            Ok(endpoint) => endpoint,
            Err(output) => {
                let _ = process.kill();
                let _ = process.wait();
                panic!("firefox-esr did not start WebDriver BiDi:\n{output}");
            }
        };
        let connection = Connection::open(&format!("{endpoint}/session")).await;
        let firefox = Self { process, connection, current: Mutex::new(String::new()), _profile: profile };
        firefox.command("session.new", json!({ "capabilities": {} })).await;
        let first = firefox.windows().await.into_iter().next().expect("Firefox opened no window");
        firefox.switch_to(&first).await;
        firefox
    }

    /// One BiDi command; panics with the browser's message on an error answer.
    async fn command(&self, method: &str, params: Value) -> Value {
        self.connection
            .command(method, params)
            .await
            .unwrap_or_else(|error| panic!("WebDriver BiDi {method}: {error}"))
    }

    fn context(&self) -> String {
        self.current.lock().map(|current| current.clone()).unwrap_or_default()
    }

    pub async fn goto(&self, url: &str) {
        let params = json!({ "context": self.context(), "url": url, "wait": "complete" });
        self.command("browsingContext.navigate", params).await;
    }

    pub async fn current_url(&self) -> String {
        let params = json!({ "root": self.context(), "maxDepth": 0 });
        let tree = self.command("browsingContext.getTree", params).await;
        tree["contexts"][0]["url"].as_str().unwrap_or_default().to_string()
    }

    // ------------------------------------------------------------ windows

    pub async fn window(&self) -> String {
        self.context()
    }

    pub async fn windows(&self) -> Vec<String> {
        let tree = self.command("browsingContext.getTree", json!({ "maxDepth": 0 })).await;
        let contexts = tree["contexts"].as_array().cloned().unwrap_or_default();
        contexts.iter().filter_map(|context| context["context"].as_str().map(str::to_string)).collect()
    }

    /// Commands go to `handle` from now on. Unlike `browsingContext.activate`, this moves no
    /// focus: Firefox keeps it where a user's actions put it (a popup has it while open).
    pub async fn switch_to(&self, handle: &str) {
        if let Ok(mut current) = self.current.lock() {
            *current = handle.to_string();
        }
    }

    pub async fn close_window(&self) {
        self.command("browsingContext.close", json!({ "context": self.context() })).await;
    }

    /// The first child context of the current one (an iframe) becomes the current context.
    pub async fn enter_first_frame(&self) {
        let tree =
            self.command("browsingContext.getTree", json!({ "root": self.context(), "maxDepth": 1 })).await;
        let frame = tree["contexts"][0]["children"][0]["context"]
            .as_str()
            .expect("the page has no frame")
            .to_string();
        if let Ok(mut current) = self.current.lock() {
            *current = frame;
        }
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        let viewport = json!({ "width": width, "height": height });
        self.command(
            "browsingContext.setViewport",
            json!({ "context": self.context(), "viewport": viewport }),
        )
        .await;
    }

    /// BiDi's cookies (`storage.getCookies` for the current context's partition) in WebDriver's shape.
    pub async fn cookies(&self) -> Vec<Value> {
        let partition = json!({ "type": "context", "context": self.context() });
        let answer = self.command("storage.getCookies", json!({ "partition": partition })).await;
        let cookies = answer["cookies"].as_array().cloned().unwrap_or_default();
        cookies
            .iter()
            .map(|cookie| {
                let same_site = match cookie["sameSite"].as_str() {
                    Some("strict") => "Strict",
                    Some("lax") => "Lax",
                    _ => "None",
                };
                json!({
                    "name": cookie["name"],
                    "value": cookie["value"]["value"],
                    "path": cookie["path"],
                    "httpOnly": cookie["httpOnly"],
                    "secure": cookie["secure"],
                    "sameSite": same_site,
                    "expiry": cookie["expiry"],
                })
            })
            .collect()
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        // Its content processes end with the parent process.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Read Firefox's stderr until it names its BiDi endpoint (`ws://127.0.0.1:PORT`); `Err` holds
/// what it printed when it exits or stays silent instead. The reader thread keeps draining
/// stderr so Firefox never blocks on a full pipe.
async fn listening_endpoint(process: &mut Child) -> Result<String, String> {
    let stderr = process.stderr.take().expect("firefox stderr");
    let (found, endpoint) = tokio::sync::oneshot::channel::<Result<String, String>>();
    std::thread::spawn(move || {
        let mut found = Some(found);
        let mut output = String::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if found.is_none() {
                continue;
            }
            match line.split_once(LISTENING) {
                Some((_, endpoint)) => {
                    if let Some(found) = found.take() {
                        let _ = found.send(Ok(endpoint.trim().to_string()));
                    }
                }
                None => output.push_str(&format!("{line}\n")),
            }
        }
        if let Some(found) = found.take() {
            let _ = found.send(Err(output));
        }
    });
    match tokio::time::timeout(Duration::from_secs(30), endpoint).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => Err("(the stderr reader ended)".into()),
        Err(_) => Err("(no endpoint within 30s)".into()),
    }
}
