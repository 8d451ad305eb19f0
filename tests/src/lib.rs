//! End-to-end harness: the real `nango-server` app in-process (`TestApp`), a fake OAuth
//! provider (`FakeProvider`), and helpers that drive a flow by hand over HTTP (STYLE §6).

// A harness fails loudly: a panic with a message is the test failure we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod browser;
pub mod catalog;
pub mod cli;
pub mod flow;
pub mod nango_clients;
pub mod postgres;
pub mod provider;
pub mod redirector;
pub mod response;
pub mod server_process;
pub mod socket;
pub mod upstream;
pub mod webhook;
pub mod webhook_outbox;
pub mod webhook_script;

pub use app::{TestApp, PUBLIC_KEY, SECRET_KEY};
pub use flow::{Connect, FlowRun};
pub use provider::{ClientAuth, FakeProvider, TokenBody};
pub use redirector::Redirector;
pub use response::ResponseExt;
pub use socket::ResultSocket;
pub use webhook::WebhookReceiver;
pub use webhook_script::{Answer, ScriptedReceiver};

/// A random string of `n_bytes` bytes, URL-safe; unique names for tests.
pub fn random_id(n_bytes: usize) -> String {
    nango_backend::crypto::random::token(n_bytes)
}

/// A UUIDv4 in its hyphenated lowercase form: what the server picks as a connection id for a
/// connect session (SPEC §7).
pub fn is_uuid_v4(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|part| part.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts[2].starts_with('4')
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// Poll `condition` until it holds; panics naming `what` after 20 seconds.
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let timeout = std::time::Duration::from_secs(20);
    let deadline = std::time::Instant::now() + timeout;
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
