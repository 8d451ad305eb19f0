//! `ServerProcess`: the real `nango-server` binary as its own process, on 127.0.0.1 port 0,
//! with nothing from the test's environment but `PATH` and the variables given. It reads the
//! port back from the stdout line `nango-server listening on http://127.0.0.1:PORT` and keeps
//! everything the process writes to stdout and stderr.

use crate::cli::server_binary;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const LISTENING: &str = "nango-server listening on ";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub url: String,
    child: Child,
    output: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl ServerProcess {
    /// `nango-server serve` with `NANGO_HOST=127.0.0.1`, `NANGO_PORT=0`, loopback allowed for
    /// outbound requests, and `vars`.
    pub fn start(vars: &[(&str, String)]) -> Self {
        let mut command = Command::new(server_binary());
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NANGO_HOST", "127.0.0.1")
            .env("NANGO_PORT", "0")
            // Test providers live on loopback (SPEC §13 outbound policy).
            .env("NANGO_OUTBOUND_ALLOW", "127.0.0.0/8,::1/128")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in vars {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start nango-server");
        let output = Arc::new(Mutex::new(String::new()));
        let (found, listening) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let readers =
            vec![collect(stdout, output.clone(), Some(found)), collect(stderr, output.clone(), None)];
        let mut server = Self { url: String::new(), child, output, readers };
        // The sender goes away when stdout closes: a server that dies early fails here at once.
        match listening.recv_timeout(START_TIMEOUT) {
            Ok(url) => server.url = url,
            Err(_) => {
                let _ = server.child.kill();
                let output = server.finish();
                panic!("nango-server did not print `{LISTENING}..`:\n{output}");
            }
        }
        assert!(server.url.starts_with("http://127.0.0.1:"), "not on loopback: {}", server.url);
        server
    }

    /// Everything written so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        lock(&self.output).clone()
    }

    /// SIGTERM (a graceful shutdown), wait for the exit, and return the whole output.
    pub fn stop(mut self) -> String {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + STOP_TIMEOUT;
        let exited = terminated
            && loop {
                match self.child.try_wait() {
                    Ok(Some(_)) => break true,
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                    _ => break false,
                }
            };
        if !exited {
            let _ = self.child.kill();
        }
        self.finish()
    }

    /// SIGKILL (no shutdown at all: a crash), wait for the exit, and return the whole output.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        self.finish()
    }

    /// Reap the process and wait for both pipes to reach end of file.
    fn finish(&mut self) -> String {
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.output()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A thread appending every line of `pipe` to `output`; the first listening line's URL goes
/// to `found`.
fn collect(
    pipe: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
    mut found: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix(LISTENING) {
                if let Some(found) = found.take() {
                    let _ = found.send(url.trim().to_string());
                }
            }
            let mut output = lock(&output);
            output.push_str(&line);
            output.push('\n');
        }
    })
}

fn lock(output: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    output.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
