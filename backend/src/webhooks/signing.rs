//! The headers that sign a webhook (SPEC §12), all keyed with the environment's secret key:
//! - `X-Nango-Hmac-Sha256`: hex HMAC-SHA256(key, body), Nango's (what `@nangohq/node`'s
//!   `verifyIncomingWebhookRequest` checks);
//! - `X-Nango-Signature`: hex SHA-256(key + body), Nango's legacy one (`verifyWebhookSignature`);
//! - `Nango-Webhook-Id`: the event's stable id, the same on every attempt (idempotency);
//! - `Nango-Webhook-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`, ours:
//!   the time is inside the signature, so a receiver can refuse old (replayed) requests.

use crate::crypto::hmac::{legacy_webhook_signature, sign_hex, webhook_signature};
use crate::secret::Secret;

pub const HMAC_HEADER: &str = "X-Nango-Hmac-Sha256";
pub const LEGACY_SIGNATURE_HEADER: &str = "X-Nango-Signature";
pub const ID_HEADER: &str = "Nango-Webhook-Id";
pub const SIGNATURE_HEADER: &str = "Nango-Webhook-Signature";

/// The four signing headers of one attempt at `now` (unix seconds), as (name, value).
pub fn signed_headers(
    secret_key: &Secret<String>,
    event_id: &uuid::Uuid,
    body: &[u8],
    now: i64,
) -> [(&'static str, String); 4] {
    [
        (HMAC_HEADER, webhook_signature(secret_key, body)),
        (LEGACY_SIGNATURE_HEADER, legacy_webhook_signature(secret_key, body)),
        (ID_HEADER, event_id.to_string()),
        (SIGNATURE_HEADER, timestamped_signature(secret_key, now, body)),
    ]
}

/// `t=<now>,v1=<hex HMAC-SHA256(key, "<now>.<body>")>`.
pub fn timestamped_signature(secret_key: &Secret<String>, now: i64, body: &[u8]) -> String {
    let mut signed = format!("{now}.").into_bytes();
    signed.extend_from_slice(body);
    format!("t={now},v1={}", sign_hex(secret_key.expose().as_bytes(), &signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_sign_the_body_and_carry_the_id() {
        let key = Secret::new("secret-key".to_string());
        let id = uuid::Uuid::new_v4();
        let body = br#"{"from":"nango"}"#;
        let headers = signed_headers(&key, &id, body, 1_700_000_000);
        assert_eq!(headers[0], (HMAC_HEADER, sign_hex(b"secret-key", body)));
        assert_eq!(headers[2], (ID_HEADER, id.to_string()));
        // Python's hmac and hashlib agree:
        // hmac.new(b'secret-key', b'1700000000.{"from":"nango"}', 'sha256').hexdigest()
        let expected = "f7fb65969fdd284e3b97f56c5d0732b042984b6a7e3b255b401e345032df602a";
        assert_eq!(headers[3].1, format!("t=1700000000,v1={expected}"));
        // The time is part of what is signed: the same body at another time signs differently.
        assert_ne!(timestamped_signature(&key, 1_700_000_001, body), headers[3].1);
        // hashlib.sha256(b'secret-key{"from":"nango"}').hexdigest()
        assert_eq!(headers[1].1, "78ac3738b3886fb74be65ddf21e89705e290e96a472fbb299e0f38115f83ee85");
    }
}
