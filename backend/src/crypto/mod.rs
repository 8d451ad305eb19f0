//! Cryptography: AES-256-GCM at rest, HMAC digests and constant-time checks, randomness.

pub mod cipher;
pub mod hmac;
pub mod random;

pub use cipher::{Cipher, CipherError};
