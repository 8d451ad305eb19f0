//! Item 9: credentials are encrypted at rest (SPEC §2 step 3): the tokens never appear in the
//! SQLite files, while the API still returns them.

use nango_tests::{ResponseExt, TestApp};
use serde_json::json;

const ACCESS: &str = "plaintext-access-token-7f3a9c1e55";
const REFRESH: &str = "plaintext-refresh-token-2b8d4e6f77";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// All bytes of the database file and its WAL (whatever exists).
fn database_bytes(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["nango.db", "nango.db-wal", "nango.db-journal"] {
        if let Ok(mut file) = std::fs::read(app.data_dir.join(name)) {
            bytes.append(&mut file);
        }
    }
    bytes
}

#[tokio::test]
async fn tokens_are_not_stored_in_plain_text() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().token_response =
        json!({ "access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600 });
    app.connect_ok("fake", "user-enc-1").await;
    let connection =
        app.get_connection("fake", "user-enc-1", "&refresh_token=true").await.assert_success().await;
    assert_eq!(connection["credentials"]["access_token"], ACCESS);
    assert_eq!(connection["credentials"]["refresh_token"], REFRESH);

    for moment in ["while running", "after shutdown"] {
        let bytes = database_bytes(&app);
        // The row is there (so the check below looks at real data)...
        assert!(contains(&bytes, "user-enc-1"), "{moment}: connection row not found in the files");
        // ...but not the tokens.
        assert!(!contains(&bytes, ACCESS), "{moment}: access token readable in the database");
        assert!(!contains(&bytes, REFRESH), "{moment}: refresh token readable in the database");
        app.stop().await;
    }
}

/// Hostile review finding 7: a flow's `state` is stored as a hash and its PKCE verifier
/// sealed, so someone reading the database cannot finish (or replay) anybody's flow.
#[tokio::test]
async fn flow_states_and_pkce_verifiers_are_not_stored_in_plain_text() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    app.integration("fake", "fake-oauth").await;
    let pending = app.connect("fake", "user-pending").start().await;
    let location = pending.headers()["location"].to_str().unwrap().to_string();
    let authorize = url::Url::parse(&location).unwrap();
    let state = authorize.query_pairs().find(|(key, _)| key == "state").unwrap().1.into_owned();
    let run = app.connect_ok("fake", "user-done").await;
    let verifier = app.provider.token_requests()[0].params["code_verifier"].clone();
    assert!(verifier.len() >= 43 && state.len() >= 22, "{verifier} {state}");
    for moment in ["while running", "after shutdown"] {
        let bytes = database_bytes(&app);
        assert!(contains(&bytes, &run.flow), "{moment}: the flow rows are in the files");
        assert!(!contains(&bytes, &state), "{moment}: a pending flow's state is readable");
        assert!(!contains(&bytes, &verifier), "{moment}: a PKCE verifier is readable");
        app.stop().await;
    }
}

/// Hostile review finding 7: integration client secrets, the environment's secret key and its
/// HMAC key are sealed at rest; the API still answers them.
#[tokio::test]
async fn client_secrets_and_environment_keys_are_not_stored_in_plain_text() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    app.integration("fake", "fake-oauth").await;
    let hmac_key = "plaintext-hmac-key-5d2e8a1c99";
    app.patch_environment(&json!({ "hmac_enabled": true, "hmac_key": hmac_key }))
        .await
        .assert_success()
        .await;
    let integration = app.get("/integrations/fake?include_creds=true").await.assert_success().await;
    let client_secret = integration["data"]["credentials"]["client_secret"].as_str().unwrap().to_string();
    assert!(!client_secret.is_empty());
    let environment = app.get("/environment").await.assert_success().await;
    assert_eq!(environment["hmac_key"], hmac_key, "{environment}");
    for moment in ["while running", "after shutdown"] {
        let bytes = database_bytes(&app);
        assert!(contains(&bytes, "fake-oauth"), "{moment}: the integration row is in the files");
        for (what, secret) in [
            ("client secret", client_secret.as_str()),
            ("secret key", nango_tests::SECRET_KEY),
            ("HMAC key", hmac_key),
        ] {
            assert!(!contains(&bytes, secret), "{moment}: the {what} is readable in the database");
        }
        app.stop().await;
    }
}

/// SPEC §7: a connect session token is stored only as a hash, and neither the flow record it
/// starts nor the result page it ends on repeats it.
#[tokio::test]
async fn connect_session_tokens_are_stored_only_as_hashes_and_never_echoed() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    app.integration("fake", "fake-oauth").await;
    let created = app
        .post_json("/connect/sessions", &json!({ "end_user": { "id": "user-session-enc" } }))
        .await
        .assert_status(201)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let token = created["data"]["token"].as_str().unwrap().to_string();
    let hex = token.strip_prefix("nango_connect_session_").unwrap().to_string();
    let run = app.connect("fake", "ignored").session_token(&token).run().await;
    run.assert_success();
    assert!(!run.page.contains(&hex), "the result page repeats the session token");
    assert!(!run.status.to_string().contains(&hex), "the flow status repeats the session token");
    for moment in ["while running", "after shutdown"] {
        let bytes = database_bytes(&app);
        assert!(contains(&bytes, "user-session-enc"), "{moment}: the session row is in the files");
        assert!(!contains(&bytes, &hex), "{moment}: a session token is readable in the database");
        app.stop().await;
    }
}
