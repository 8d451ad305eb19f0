//! The HTTP suite: the real server in-process, a fake provider, everything over HTTP.

// Tests fail loudly: a panic with a message is the failure we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod smoke;
