//! Admin console sessions (SPEC §14): the environment's secret key, checked once at sign-in,
//! is exchanged for a random token the browser keeps in an HttpOnly cookie; the key itself is
//! never kept by the browser. Only the token's SHA-256 is stored, with an expiry; sign-out
//! deletes it. State changes made with the cookie also carry a CSRF token derived from the
//! session token (`csrf_token`), which a page of another site cannot read or send.
//! No axum here: the routes are in `admin/`, the cookie check in `extract/auth.rs`.

use crate::crypto::cipher::lookup_hash;
use crate::crypto::hmac::constant_time_eq;
use crate::crypto::random;
use crate::ids::EnvironmentId;
use crate::secret::Secret;
use crate::store::{AdminSession, Store, StoreResult};

/// The cookie holding the session token.
pub const COOKIE: &str = "nango_admin_session";
/// The header a cookie-authenticated state change carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-nango-csrf";
/// A console session lives this long (signing in again starts a new one).
pub const LIFETIME_SECONDS: i64 = 8 * 60 * 60;
/// Every token starts with this, then 64 hex digits.
const TOKEN_PREFIX: &str = "nango_admin_";

/// What a sign-in hands to the browser: the cookie's token and the page's CSRF token.
pub struct SignedIn {
    pub token: Secret<String>,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// Start a session for `environment_id` (its secret key was just checked).
pub async fn sign_in(store: &dyn Store, environment_id: EnvironmentId, now: i64) -> StoreResult<SignedIn> {
    let token = Secret::new(format!("{TOKEN_PREFIX}{}", random::hex_key(32)));
    let expires_at = now + LIFETIME_SECONDS;
    let session =
        AdminSession { hash: lookup_hash(token.expose()), environment_id, created_at: now, expires_at };
    store.insert_admin_session(&session).await?;
    let csrf_token = csrf_token(token.expose());
    Ok(SignedIn { token, csrf_token, expires_at })
}

/// The live session of a cookie's token; `None` when unknown, signed out or expired.
pub async fn find(store: &dyn Store, token: &str, now: i64) -> StoreResult<Option<AdminSession>> {
    if !is_token(token) {
        return Ok(None);
    }
    store.admin_session(&lookup_hash(token), now).await
}

/// Sign-out: the token is useless from now on, on every replica.
pub async fn sign_out(store: &dyn Store, token: &str) -> StoreResult<bool> {
    store.delete_admin_session(&lookup_hash(token)).await
}

/// The CSRF token of a session: a hash of its token, so no second secret is stored and a
/// page reload can ask for it again (`GET /admin/session`); it does not reveal the token.
pub fn csrf_token(token: &str) -> String {
    lookup_hash(&format!("nango-admin-csrf:{token}"))
}

/// Whether `given` is the CSRF token of the session `token`, in constant time.
pub fn csrf_matches(token: &str, given: &str) -> bool {
    constant_time_eq(&csrf_token(token), given)
}

fn is_token(token: &str) -> bool {
    token
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value of a new session: HttpOnly, SameSite=Strict, `Secure` when the
/// server is reached over https, expiring with the session.
pub fn cookie(token: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// `Secure` when the server is reached over https (its `server_url`).
pub fn cookie_is_secure(server_url: &str) -> bool {
    server_url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The `Set-Cookie` value that removes the cookie (sign-out).
pub fn clearing_cookie(secure: bool) -> String {
    cookie("", 0, secure)
}

/// The session token in a `Cookie` header's value, if any.
pub fn token_in_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_flags_and_parsing() {
        let set = cookie("nango_admin_abc", 60, true);
        assert_eq!(
            set,
            "nango_admin_session=nango_admin_abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!cookie("t", 60, false).contains("Secure"));
        assert!(cookie_is_secure("https://nango.example.com") && cookie_is_secure("HTTPS://x.io"));
        assert!(!cookie_is_secure("http://localhost:3003"));
        assert!(clearing_cookie(false).contains("Max-Age=0"));
        assert_eq!(token_in_cookies("a=1; nango_admin_session=tok; b=2"), Some("tok"));
        assert_eq!(token_in_cookies("a=1"), None);
        assert_eq!(token_in_cookies("nango_admin_session="), None);
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = format!("{TOKEN_PREFIX}{}", "a".repeat(64));
        let b = format!("{TOKEN_PREFIX}{}", "b".repeat(64));
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert!(is_token(&a) && !is_token("nango_admin_xyz") && !is_token(&b[1..]));
    }
}
