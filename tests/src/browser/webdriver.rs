//! `Chromium`: headless Debian Chromium driven through `/usr/bin/chromedriver` with the W3C
//! WebDriver protocol (JSON over HTTP, spoken with `reqwest`; a handful of endpoints is all the
//! suites need). Each one starts its own chromedriver on 127.0.0.1 port 0 (it reports the port
//! it bound) and a fresh profile; dropping it ends the session and the driver. Nothing is ever
//! downloaded.

use super::Element;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The W3C key of an element reference in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Chromium {
    driver: Child,
    port: u16,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Start chromedriver and a headless Chromium session.
    pub async fn start() -> Self {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: install Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver)"
            );
        }
        let (driver, port) = start_driver().await;
        let http = reqwest::Client::builder().no_proxy().build().expect("WebDriver client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready = http.get(format!("{base}/status")).send().await.ok();
            if let Some(response) = ready {
                let body: Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1200,900",
        ];
        let mut args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let response =
            http.post(format!("{base}/session")).json(&capabilities).send().await.expect("POST /session");
        let body: Value = response.json().await.expect("session answer");
        let session = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver refused the session: {body}"))
            .to_string();
        let mut browser = Self { driver, port, session, http, _profile: profile };
        browser.set_script_timeout(Duration::from_secs(30)).await;
        browser
    }

    pub async fn enter_first_frame(&self) {
        self.command("POST", "frame", json!({ "id": 0 })).await;
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.command("POST", "window/rect", json!({ "width": width, "height": height })).await;
    }

    pub async fn cookies(&self) -> Vec<Value> {
        self.command("GET", "cookie", Value::Null).await.as_array().cloned().unwrap_or_default()
    }

    async fn set_script_timeout(&mut self, timeout: Duration) {
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.command("POST", "timeouts", json!({ "script": millis })).await;
    }

    /// One WebDriver command; panics with the driver's message on an error answer.
    pub async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        match self.try_command(method, path, body).await {
            Ok(value) => value,
            Err(error) => panic!("WebDriver {method} {path}: {error}"),
        }
    }

    /// One WebDriver command; `Err` carries `error: message` of an error answer.
    pub async fn try_command(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("http://127.0.0.1:{}/session/{}/{path}", self.port, self.session);
        let url = url.trim_end_matches('/').to_string();
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let response = request.send().await.map_err(|error| error.to_string())?;
        let ok = response.status().is_success();
        let body: Value = response.json().await.map_err(|error| error.to_string())?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(format!("{}: {}", value["error"], value["message"]))
        }
    }

    pub async fn goto(&self, url: &str) {
        self.command("POST", "url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        self.command("GET", "url", Value::Null).await.as_str().unwrap_or_default().to_string()
    }

    /// Run `script` (a function body; `arguments[i]` are `args`) and return its value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.command("POST", "execute/sync", json!({ "script": script, "args": args })).await
    }

    // ------------------------------------------------------------ windows

    pub async fn window(&self) -> String {
        self.command("GET", "window", Value::Null).await.as_str().unwrap_or_default().to_string()
    }

    pub async fn windows(&self) -> Vec<String> {
        let handles = self.command("GET", "window/handles", Value::Null).await;
        handles
            .as_array()
            .map(|list| list.iter().filter_map(|h| h.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub async fn switch_to(&self, handle: &str) {
        self.command("POST", "window", json!({ "handle": handle })).await;
    }

    /// Close the current window (as the user clicking its close button).
    pub async fn close_window(&self) {
        self.command("DELETE", "window", Value::Null).await;
    }

    // ------------------------------------------------------------ elements

    /// The first element matching the CSS `selector` in the current window, if any.
    pub async fn try_find(&self, selector: &str) -> Option<Element> {
        let query = json!({ "using": "css selector", "value": selector });
        let found = self.try_command("POST", "element", query).await.ok()?;
        found[ELEMENT_KEY].as_str().map(|id| Element(id.to_string()))
    }

    pub async fn click(&self, element: &Element) {
        self.command("POST", &format!("element/{}/click", element.0), json!({})).await;
    }

    pub async fn text(&self, element: &Element) -> String {
        let text = self.command("GET", &format!("element/{}/text", element.0), Value::Null).await;
        text.as_str().unwrap_or_default().to_string()
    }

    /// Clear an input and type `text` into it.
    pub async fn fill(&self, element: &Element, text: &str) {
        self.command("POST", &format!("element/{}/clear", element.0), json!({})).await;
        self.command("POST", &format!("element/{}/value", element.0), json!({ "text": text })).await;
    }

    /// A PNG of the current window, base64-encoded.
    pub async fn screenshot(&self) -> String {
        self.command("GET", "screenshot", Value::Null).await.as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // Blocking on purpose: Drop cannot await, and the session must end so Chromium exits.
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session, self.port
        );
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Start chromedriver on port 0 and read back the port it bound from its stdout line
/// `ChromeDriver was started successfully on port N.` Without `--allowed-ips` it listens on
/// loopback only (with it, on every interface). On a loaded machine chromedriver now and then
/// exits or stays silent at start (seen once in a CI run); it is started again, up to three
/// times, and the panic says what the last try saw.
async fn start_driver() -> (Child, u16) {
    let mut last = String::new();
    for _ in 0..3 {
        match try_start_driver().await {
            Ok(started) => return started,
            Err(why) => last = why,
        }
    }
    panic!("chromedriver did not report the port it listens on: {last}");
}

async fn try_start_driver() -> Result<(Child, u16), String> {
    let mut driver = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let stdout = driver.stdout.take().expect("chromedriver stdout");
    let (found, port) = tokio::sync::oneshot::channel::<u16>();
    // Reads to the end, so chromedriver never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let port = line
                .split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end_matches('.').trim().parse::<u16>().ok());
            if let Some(port) = port {
                if let Some(found) = found.take() {
                    let _ = found.send(port);
                }
            }
        }
    });
    let why = match tokio::time::timeout(Duration::from_secs(20), port).await {
        Ok(Ok(port)) => return Ok((driver, port)),
        Ok(Err(_)) => "its output ended without the port line".to_string(),
        Err(_) => "no port line within 20 s".to_string(),
    };
    let _ = driver.kill();
    let status = driver.wait().map(|status| status.to_string()).unwrap_or_default();
    Err(format!("{why} (exit: {status})"))
}
