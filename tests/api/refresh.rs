//! Token refresh on read (SPEC §5) against the fake provider's `refresh_token` grant.

use nango_tests::{wait_until, ResponseExt, TestApp};
use serde_json::json;

#[tokio::test]
async fn forced_refresh_uses_the_refresh_token_and_keeps_it() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let refresh_token = app.provider.refresh_token();
    app.provider.settings().refresh_response =
        json!({ "access_token": "refreshed-access-token-42", "expires_in": 3600 });
    let connection = app
        .get_connection("fake", "user-1", "&force_refresh=true&refresh_token=true")
        .await
        .assert_success()
        .await;
    assert_eq!(connection["credentials"]["access_token"], "refreshed-access-token-42");
    // The provider sent no new refresh token: the old one is kept.
    assert_eq!(connection["credentials"]["refresh_token"], refresh_token);
    let tokens = app.provider.token_requests();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[1].params["grant_type"], "refresh_token");
    assert_eq!(tokens[1].params["refresh_token"], refresh_token);
    assert_eq!(tokens[1].rejection, None, "{:?}", tokens[1]);
    // A plain read afterwards answers the stored, refreshed token without asking again.
    let again = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(again["credentials"]["access_token"], "refreshed-access-token-42");
    assert_eq!(app.provider.token_requests().len(), 2);
}

#[tokio::test]
async fn a_token_expiring_within_the_buffer_is_refreshed_on_read() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().token_response = json!({ "access_token": "short-lived-access-1234", "refresh_token": "rt-1234567890", "expires_in": 60 });
    app.connect_ok("fake", "user-1").await;
    app.provider.settings().refresh_response = json!({ "access_token": "renewed-access-1234", "refresh_token": "rt-new-1234567890", "expires_in": 3600 });
    let connection = app.get_connection("fake", "user-1", "&refresh_token=true").await.assert_success().await;
    assert_eq!(connection["credentials"]["access_token"], "renewed-access-1234");
    assert_eq!(connection["credentials"]["refresh_token"], "rt-new-1234567890");
}

#[tokio::test]
async fn invalid_grant_on_refresh_asks_for_reauthorisation() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    app.provider.settings().token_failure =
        Some((400, json!({ "error": "invalid_grant", "error_description": "revoked" })));
    let code = app.get_connection("fake", "user-1", "&force_refresh=true").await.assert_error_any().await;
    assert_eq!(code, "connection_needs_reauth");
    // A new authorisation clears it.
    app.provider.settings().token_failure = None;
    app.connect_ok("fake", "user-1").await;
    app.get_connection("fake", "user-1", "").await.assert_success().await;
}

/// Connect with a token inside the refresh buffer (60 s left), so the next read refreshes.
async fn connected_expiring(app: &TestApp) -> String {
    app.integration("fake", "fake-oauth").await;
    let refresh_token = format!("rt-{}", nango_tests::random_id(16));
    app.provider.settings().token_response = json!({ "access_token": format!("at-old-{}", nango_tests::random_id(16)),
        "refresh_token": refresh_token, "expires_in": 60 });
    app.connect_ok("fake", "user-1").await;
    refresh_token
}

fn refreshes(app: &TestApp) -> usize {
    let tokens = app.provider.token_requests();
    tokens.iter().filter(|token| token.params.get("grant_type").is_some_and(|g| g == "refresh_token")).count()
}

/// Eight concurrent reads of an expiring token: one refresh, everyone gets the new token. The
/// provider holds the refresh it gets until the test releases it; no read answers meanwhile.
#[tokio::test]
async fn concurrent_reads_refresh_once() {
    let app = TestApp::spawn().await;
    let refresh_token = connected_expiring(&app).await;
    app.provider.settings().refresh_response =
        json!({ "access_token": "at-new-0123456789", "expires_in": 3600 });
    app.provider.hold_refreshes();
    let url = format!("{}/connection/user-1?provider_config_key=fake&refresh_token=true", app.url);
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let request = app.client.get(&url).bearer_auth(nango_tests::SECRET_KEY);
            tokio::spawn(async move { request.send().await.unwrap().assert_success().await })
        })
        .collect();
    wait_until("a refresh to reach the provider", || app.provider.waiting_refreshes() > 0).await;
    assert!(reads.iter().all(|read| !read.is_finished()), "a read answered before the refresh did");
    app.provider.release_refreshes();
    for read in reads {
        let connection = read.await.unwrap();
        assert_eq!(connection["credentials"]["access_token"], "at-new-0123456789");
        assert_eq!(connection["credentials"]["refresh_token"], refresh_token, "old refresh token kept");
    }
    assert_eq!(refreshes(&app), 1);
}

/// `invalid_grant` on a refresh on read (not forced) marks the connection: later reads answer
/// `connection_needs_reauth` without calling the provider again.
#[tokio::test]
async fn invalid_grant_is_remembered_without_calling_the_provider_again() {
    let app = TestApp::spawn().await;
    connected_expiring(&app).await;
    app.provider.revoke_refresh_tokens();
    let code = app.get_connection("fake", "user-1", "").await.assert_error(409).await;
    assert_eq!(code, "connection_needs_reauth");
    assert_eq!(refreshes(&app), 1);
    let code = app.get_connection("fake", "user-1", "").await.assert_error(409).await;
    assert_eq!(code, "connection_needs_reauth");
    assert_eq!(refreshes(&app), 1, "the second read did not ask the provider");
}

/// Hostile review finding 9: concurrent forced refreshes against a token endpoint that hangs.
/// The first refresh times out (the provider time-out); the others must not try again after
/// it, each with its own time-out: the provider is called once and every read fails.
#[tokio::test]
async fn waiters_do_not_retry_a_refresh_that_timed_out() {
    let app = TestApp::builder().var("NANGO_PROVIDER_TIMEOUT_SECONDS", "1").spawn().await;
    connected_expiring(&app).await;
    app.provider.hold_refreshes();
    let url = format!("{}/connection/user-1?provider_config_key=fake&force_refresh=true", app.url);
    let reads: Vec<_> = (0..4)
        .map(|_| {
            let request = app.client.get(&url).bearer_auth(nango_tests::SECRET_KEY);
            tokio::spawn(async move { request.send().await.unwrap().assert_error(502).await })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap(), "refresh_failed");
    }
    // Nothing was released: every refresh that reached the provider still counts as held.
    assert_eq!(app.provider.waiting_refreshes(), 1, "one call to the hanging provider, not one per waiter");
    app.provider.release_refreshes();
}
