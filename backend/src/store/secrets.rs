//! The secrets the store keeps sealed (SPEC §13 "At rest"): the environment's secret key, HMAC
//! key and variables' values, and integrations' client secrets. Sealed with the server's cipher as
//! `sealed:v1:<base64>` text, each bound to its row by the AEAD additional data; the secret key
//! is found by its SHA-256 (`secret_key_hash`), never by its plain text.

use super::{StoreError, StoreResult};
use crate::crypto::cipher::lookup_hash;
use crate::crypto::Cipher;
use crate::ids::EnvironmentId;
use crate::secret::Secret;

/// The lookup hash of a secret key.
pub(crate) fn secret_key_hash(secret_key: &str) -> String {
    lookup_hash(secret_key)
}

pub(crate) fn secret_key_aad(secret_key_hash: &str) -> Vec<u8> {
    format!("environment:secret_key:{secret_key_hash}").into_bytes()
}

pub(crate) fn hmac_key_aad(environment_id: EnvironmentId) -> Vec<u8> {
    format!("environment:{environment_id}:hmac_key").into_bytes()
}

pub(crate) fn client_secret_aad(environment_id: EnvironmentId, integration_key: &str) -> Vec<u8> {
    format!("integration:{environment_id}:{integration_key}:client_secret").into_bytes()
}

pub(crate) fn environment_variable_aad(environment_id: EnvironmentId, name: &str) -> Vec<u8> {
    format!("environment_variable:{environment_id}:{name}").into_bytes()
}

/// The AAD of a flow's sealed PKCE verifier.
pub fn pkce_verifier_aad(flow_id: &str) -> Vec<u8> {
    format!("flow:{flow_id}:pkce_verifier").into_bytes()
}

pub(crate) fn seal(cipher: &Cipher, secret: &Secret<String>, aad: &[u8]) -> StoreResult<String> {
    cipher
        .seal_text(secret.expose(), aad)
        .map_err(|_| StoreError::Corrupt("a secret could not be sealed".into()))
}

pub(crate) fn open(cipher: &Cipher, stored: &str, aad: &[u8], column: &str) -> StoreResult<Secret<String>> {
    cipher
        .open_text(stored, aad)
        .map_err(|_| StoreError::Corrupt(format!("column `{column}` does not open with this key and row")))
}
