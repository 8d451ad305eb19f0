//! End-to-end harness: the real `nango-server` app in-process (`TestApp`), a fake OAuth
//! provider (`FakeProvider`), and helpers that drive a flow by hand over HTTP (STYLE §6).

// A harness fails loudly: a panic with a message is the test failure we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod browser;
pub mod cli;
pub mod flow;
pub mod postgres;
pub mod provider;
pub mod redirector;
pub mod response;

pub use app::{TestApp, PUBLIC_KEY, SECRET_KEY};
pub use flow::{Connect, FlowRun};
pub use provider::{ClientAuth, FakeProvider, TokenBody};
pub use redirector::Redirector;
pub use response::ResponseExt;

/// A random string of `n_bytes` bytes, URL-safe; unique names for tests.
pub fn random_id(n_bytes: usize) -> String {
    nango_backend::crypto::random::token(n_bytes)
}
