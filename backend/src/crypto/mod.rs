//! Cryptography: AES-256-GCM at rest, HMAC digests and constant-time checks, PKCE, randomness.

pub mod cipher;
pub mod hmac;
pub mod pkce;
pub mod random;

pub use cipher::{Cipher, CipherError};
