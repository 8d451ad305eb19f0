//! AES-256-GCM encryption of credentials at rest.
//!
//! Each sealed value is `nonce (12 bytes) || ciphertext+tag`. The caller passes the row's
//! identity as additional data, so a ciphertext copied onto another row fails to open
//! (Hydra's `aead.Cipher`). The key comes from `NANGO_ENCRYPTION_KEY` or a key file.
//!
//! Key rotation (SPEC §13): with `NANGO_ENCRYPTION_KEY_PREVIOUS` set, values sealed under the
//! previous key still open; everything new is sealed under the current key, and
//! `nango-server rotate-key` re-seals the rest.

use crate::secret::Secret;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use std::path::Path;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("the encryption key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("ciphertext is damaged or belongs to another record")]
    Open,
    #[error("encryption failed")]
    Seal,
    #[error("cannot read or write the key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
}

#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    /// The key being rotated away from: opens, never seals.
    previous: Option<Aes256Gcm>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

impl Cipher {
    /// Build from a base64-encoded 32-byte key.
    pub fn from_base64(key: &Secret<String>) -> Result<Self, CipherError> {
        let bytes = STANDARD.decode(key.expose().trim()).map_err(|_| CipherError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CipherError::BadKey);
        }
        let aead = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CipherError::BadKey)?;
        Ok(Self { aead, previous: None })
    }

    /// Also open values sealed under `previous` (base64, 32 bytes), during a rotation.
    pub fn with_previous(mut self, previous: &Secret<String>) -> Result<Self, CipherError> {
        self.previous = Some(Self::from_base64(previous)?.aead);
        Ok(self)
    }

    /// Whether `sealed` opens under the current key (a rotation leaves those as they are).
    pub fn opens_with_current(&self, sealed: &[u8], aad: &[u8]) -> bool {
        open_with(&self.aead, sealed, aad).is_ok()
    }

    /// Seal again under the current key whatever key `sealed` was sealed under; `None` when it
    /// is sealed under the current key already.
    pub fn reseal(&self, sealed: &[u8], aad: &[u8]) -> Result<Option<Vec<u8>>, CipherError> {
        if self.opens_with_current(sealed, aad) {
            return Ok(None);
        }
        let plain = self.open(sealed, aad)?;
        self.seal(plain.expose(), aad).map(Some)
    }

    /// `reseal` for `seal_text` values.
    pub fn reseal_text(&self, sealed: &str, aad: &[u8]) -> Result<Option<String>, CipherError> {
        let bytes = decode_text(sealed)?;
        Ok(self.reseal(&bytes, aad)?.map(|bytes| format!("{SEALED_TEXT_PREFIX}{}", STANDARD.encode(bytes))))
    }

    /// Read the key file in `dir`, or create it with a fresh random key.
    /// Returns the cipher and whether a key was generated.
    pub fn load_or_generate(dir: &Path) -> Result<(Self, bool), CipherError> {
        let path = dir.join("encryption.key");
        let io_err = |source| CipherError::KeyFile { path: path.display().to_string(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Self::from_base64(&Secret::new(text))?, false)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                let encoded = STANDARD.encode(key);
                std::fs::create_dir_all(dir).map_err(io_err)?;
                write_private(&path, encoded.as_bytes()).map_err(io_err)?;
                Ok((Self::from_base64(&Secret::new(encoded))?, true))
            }
            Err(error) => Err(io_err(error)),
        }
    }

    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CipherError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
            .map_err(|_| CipherError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Open under the current key, else under the previous one (during a rotation).
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Secret<Vec<u8>>, CipherError> {
        match open_with(&self.aead, sealed, aad) {
            Ok(plain) => Ok(plain),
            Err(error) => match &self.previous {
                Some(previous) => open_with(previous, sealed, aad),
                None => Err(error),
            },
        }
    }
}

/// The text form of a sealed value, for text columns: this prefix, then base64.
pub const SEALED_TEXT_PREFIX: &str = "sealed:v1:";

impl Cipher {
    /// Seal text for a text column (`sealed:v1:<base64>`).
    pub fn seal_text(&self, plaintext: &str, aad: &[u8]) -> Result<String, CipherError> {
        Ok(format!("{SEALED_TEXT_PREFIX}{}", STANDARD.encode(self.seal(plaintext.as_bytes(), aad)?)))
    }

    /// Open what `seal_text` made.
    pub fn open_text(&self, sealed: &str, aad: &[u8]) -> Result<Secret<String>, CipherError> {
        let plain = self.open(&decode_text(sealed)?, aad)?;
        String::from_utf8(plain.expose().clone()).map(Secret::new).map_err(|_| CipherError::Open)
    }
}

fn decode_text(sealed: &str) -> Result<Vec<u8>, CipherError> {
    let encoded = sealed.strip_prefix(SEALED_TEXT_PREFIX).ok_or(CipherError::Open)?;
    STANDARD.decode(encoded).map_err(|_| CipherError::Open)
}

fn open_with(aead: &Aes256Gcm, sealed: &[u8], aad: &[u8]) -> Result<Secret<Vec<u8>>, CipherError> {
    if sealed.len() < NONCE_LEN {
        return Err(CipherError::Open);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    aead.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
        .map(Secret::new)
        .map_err(|_| CipherError::Open)
}

/// Whether a stored text is a sealed value (older rows may still hold plain text).
pub fn is_sealed_text(text: &str) -> bool {
    text.starts_with(SEALED_TEXT_PREFIX)
}

/// SHA-256 of a secret that is looked up, never read back (flow states, keys): hex.
pub fn lookup_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::from_base64(&Secret::new(STANDARD.encode([7u8; 32]))).unwrap()
    }

    #[test]
    fn round_trip_and_aad_binding() {
        let cipher = cipher();
        let sealed = cipher.seal(b"token", b"row-1").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"token"));
        assert_eq!(cipher.open(&sealed, b"row-1").unwrap().expose(), b"token");
        assert!(cipher.open(&sealed, b"row-2").is_err());
    }

    #[test]
    fn rejects_short_keys() {
        assert!(Cipher::from_base64(&Secret::new(STANDARD.encode([1u8; 16]))).is_err());
        assert!(Cipher::from_base64(&Secret::new("not base64!".into())).is_err());
    }

    #[test]
    fn key_file_is_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        let (first, generated) = Cipher::load_or_generate(dir.path()).unwrap();
        assert!(generated);
        let sealed = first.seal(b"x", b"").unwrap();
        let (second, generated) = Cipher::load_or_generate(dir.path()).unwrap();
        assert!(!generated);
        assert_eq!(second.open(&sealed, b"").unwrap().expose(), b"x");
    }
}
