//! Refreshes across two replicas on one Postgres (SPEC §11): a provider that rotates refresh
//! tokens and refuses a reused one sees exactly one refresh for 50 concurrent reads, and the
//! proactive refresher refreshes 1,000 connections about to expire, each exactly once, never
//! more at once than the replicas' concurrency allows.

use futures_util::stream::{self, StreamExt};
use nango_tests::{wait_until, ResponseExt, TestApp, SECRET_KEY};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn fifty_reads_on_two_replicas_refresh_a_rotating_token_once() {
    // The background refresher stays out of the way (a pass an hour).
    let quiet = |builder: nango_tests::app::Builder| builder.var("NANGO_REFRESH_INTERVAL_SECONDS", "3600");
    let primary = quiet(TestApp::builder().postgres()).spawn().await;
    let replica = quiet(TestApp::builder().replica_of(&primary)).spawn().await;
    primary.integration("fake", "fake-oauth").await;
    primary.provider.settings().token_response = json!({"access_token": "at-old-0123456789", "refresh_token": "rt-first-0123456789", "expires_in": 60});
    primary.connect_ok("fake", "user-1").await;
    {
        let mut settings = primary.provider.settings();
        settings.rotate_refresh_tokens = true;
        settings.refresh_delay = Some(Duration::from_millis(300));
    }
    let reads = (0..50).map(|i| {
        let base = if i % 2 == 0 { &primary.url } else { &replica.url };
        let url = format!("{base}/connection/user-1?provider_config_key=fake&refresh_token=true");
        let request = primary.client.get(url).bearer_auth(SECRET_KEY);
        async move { request.send().await.expect("read").assert_success().await }
    });
    let answers: Vec<serde_json::Value> = futures_util::future::join_all(reads).await;
    let refreshes = primary.provider.accepted_refreshes();
    assert_eq!(refreshes.values().sum::<usize>(), 1, "one refresh for 50 reads: {refreshes:?}");
    let rejected = primary.provider.token_requests().iter().filter(|r| r.rejection.is_some()).count();
    assert_eq!(rejected, 0, "no read reused the rotated refresh token");
    let tokens: std::collections::HashSet<String> = answers
        .iter()
        .map(|a| a["credentials"]["access_token"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(tokens.len(), 1, "everyone got the one new token: {tokens:?}");
    let refresh_tokens: std::collections::HashSet<&str> =
        answers.iter().filter_map(|a| a["credentials"]["refresh_token"].as_str()).collect();
    assert!(refresh_tokens.iter().all(|t| t.starts_with("fake-rotated-")), "{refresh_tokens:?}");
    let after = replica.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(after["status"], "active", "a lost race never marks needs_reauth: {after}");
}

#[tokio::test]
async fn the_proactive_refresher_refreshes_a_thousand_connections_once_in_bounded_batches() {
    let settings = |builder: nango_tests::app::Builder| {
        builder
            .var("NANGO_REFRESH_INTERVAL_SECONDS", "1")
            .var("NANGO_REFRESH_BATCH_SIZE", "50")
            .var("NANGO_REFRESH_CONCURRENCY", "4")
    };
    let primary = settings(TestApp::builder().postgres()).spawn().await;
    let replica = settings(TestApp::builder().replica_of(&primary)).spawn().await;
    primary.integration("fake", "fake-oauth").await;
    {
        let mut provider = primary.provider.settings();
        provider.accept_unknown_refresh_tokens = true;
        provider.refresh_delay = Some(Duration::from_millis(5));
    }
    // 1,000 connections whose tokens expire in two minutes: inside the 15-minute buffer.
    let expires_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis()
            + 120_000;
    let imports = stream::iter(0..1000)
        .map(|i| {
            let body = json!({
                "provider_config_key": "fake",
                "connection_id": format!("user-{i}"),
                "credentials": {"type": "OAUTH2", "access_token": format!("at-{i}"),
                    "refresh_token": format!("rt-{i}"), "expires_at": expires_at as u64},
            });
            let app = if i % 2 == 0 { &primary } else { &replica };
            async move { app.post_json("/connections", &body).await.assert_status(201).await }
        })
        .buffer_unordered(16);
    imports.collect::<Vec<_>>().await;

    let timeout = std::time::Instant::now() + Duration::from_secs(120);
    while primary.provider.accepted_refreshes().len() < 1000 {
        assert!(
            std::time::Instant::now() < timeout,
            "{} of 1000 refreshed",
            primary.provider.accepted_refreshes().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Two more passes of each replica find nothing more to do.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let refreshes = primary.provider.accepted_refreshes();
    assert_eq!(refreshes.len(), 1000);
    let twice: Vec<_> = refreshes.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "refreshed more than once: {twice:?}");
    let in_flight = primary.provider.max_refreshes_in_flight();
    assert!((1..=8).contains(&in_flight), "at most 2 replicas × 4 at once, got {in_flight}");
    let read = replica.get_connection("fake", "user-999", "").await.assert_success().await;
    assert!(
        read["credentials"]["access_token"].as_str().unwrap_or_default().starts_with("fake-refreshed-"),
        "{read}"
    );
    wait_until("nothing left to refresh", || primary.provider.accepted_refreshes().len() == 1000).await;
}
