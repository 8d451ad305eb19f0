//! SPEC §8: the WebSocket result channel of `@nangohq/frontend` on `/`: `connection_ack`,
//! `ws_client_id` in place of flow + origin, exactly one result message with Nango's
//! `error_type` names (errors before the flow included), the socket closed afterwards, across
//! replicas on one Postgres, and its bounds.

use nango_tests::flow::ORIGIN;
use nango_tests::{ResponseExt, ResultSocket, TestApp};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite;

fn uuid_v4(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|part| part.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts[2].starts_with('4')
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

fn assert_error(result: &Value, error_type: &str) {
    assert_eq!(result["message_type"], "error", "{result}");
    assert_eq!(result["error_type"], error_type, "{result}");
    assert!(result["error_desc"].as_str().is_some_and(|desc| !desc.is_empty()), "{result}");
}

#[tokio::test]
async fn a_flow_reports_success_once_on_its_socket_and_the_page_posts_nothing() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    assert!(uuid_v4(&socket.ws_client_id), "ws_client_id: {}", socket.ws_client_id);
    let run = app.connect("fake", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    assert_eq!(run.status["status"], "success", "{run:#?}");
    assert!(!run.page.contains("postMessage"), "no opener to post to: {}", run.page);
    assert!(run.page.contains("window.close()"), "the page closes itself: {}", run.page);
    let result = socket.result().await;
    assert_eq!(
        result,
        json!({"message_type": "success", "provider_config_key": "fake", "connection_id": "user-1", "is_pending": false})
    );
    app.get_connection("fake", "user-1", "").await.assert_success().await;
}

#[tokio::test]
async fn errors_before_and_after_the_flow_use_nangos_error_types() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.integration("sub", "fake-subdomain").await;

    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("nope", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    assert_error(&socket.result().await, "provider_config_err");

    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("sub", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    assert_error(&socket.result().await, "url_param_err");

    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("fake", "user-1").public_key(Some("wrong")).ws_client_id(&socket.ws_client_id).run().await;
    assert_error(&socket.result().await, "unknown_err");

    app.provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));
    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("fake", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    let result = socket.result().await;
    assert_error(&result, "callback_err");
    assert!(result["error_desc"].as_str().unwrap().contains("The user said no"), "{result}");
}

#[tokio::test]
async fn a_wrong_hmac_is_told_by_its_name() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let settings = json!({ "hmac_enabled": true, "hmac_key": "hmac-key-0123456789" });
    app.patch_environment(&settings).await.assert_success().await;
    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("fake", "user-1").hmac("00").ws_client_id(&socket.ws_client_id).run().await;
    assert_error(&socket.result().await, "invalid_hmac");
    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("fake", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    assert_error(&socket.result().await, "missing_hmac");
}

/// Connect on replica A, callback on replica B, socket on A: A learns the outcome from the
/// flow record B wrote (no sticky sessions, no Redis).
#[tokio::test]
async fn the_replica_holding_the_socket_learns_an_outcome_another_replica_recorded() {
    let a = TestApp::builder().postgres().spawn().await;
    let b = TestApp::builder().replica_of(&a).spawn().await;
    a.integration("fake", "fake-oauth").await;
    let socket = ResultSocket::open(&a.url, ORIGIN).await;
    let connect = a.connect("fake", "user-1").ws_client_id(&socket.ws_client_id);
    let to_provider = connect.start().await.assert_status(302).await;
    let authorize = to_provider.headers()["location"].to_str().unwrap().to_string();
    let back = a.client.get(&authorize).send().await.unwrap();
    let callback = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert!(callback.as_str().starts_with(&a.url), "the provider sends the browser to A: {callback}");
    let on_b = format!("{}{}?{}", b.url, callback.path(), callback.query().unwrap());
    b.client.get(&on_b).send().await.unwrap().assert_status(200).await;
    let result = socket.result().await;
    assert_eq!(result["message_type"], "success", "{result}");
    assert_eq!(result["connection_id"], "user-1");
}

#[tokio::test]
async fn a_socket_whose_flow_never_starts_is_closed_after_the_flow_lifetime() {
    let app = TestApp::builder().var("NANGO_FLOW_TTL_SECONDS", "1").spawn().await;
    let mut socket = ResultSocket::open(&app.url, ORIGIN).await;
    assert!(socket.next().await.is_none(), "closed without a result");
}

#[tokio::test]
async fn sockets_are_capped_and_a_plain_get_is_still_the_page() {
    let app = TestApp::builder().var("NANGO_MAX_RESULT_SOCKETS", "1").spawn().await;
    let first = ResultSocket::open(&app.url, ORIGIN).await;
    match ResultSocket::connect(&app.url, ORIGIN).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("a second socket over the cap must get 503, got {:?}", other.map(|_| ())),
    }
    drop(first);
    // The slot frees once the server sees the socket go.
    let mut reopened = None;
    for _ in 0..100 {
        if let Ok(stream) = ResultSocket::connect(&app.url, ORIGIN).await {
            reopened = Some(stream);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "the slot of a closed socket is never given back");
    let page = app.client.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<!doctype html>"));
}

/// SPEC §13 "Origins": the flow has no opener origin to check, so the socket's own does.
#[tokio::test]
async fn a_socket_from_an_origin_the_app_does_not_allow_learns_nothing() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.patch_environment(&json!({ "allowed_origins": [ORIGIN] })).await.assert_success().await;
    let socket = ResultSocket::open(&app.url, "https://evil.example").await;
    app.connect("fake", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    let result = socket.result().await;
    assert_error(&result, "unknown_err");
    assert!(result.get("connection_id").is_none_or(Value::is_null), "{result}");
    let allowed = ResultSocket::open(&app.url, ORIGIN).await;
    app.connect("fake", "user-2").ws_client_id(&allowed.ws_client_id).run().await;
    assert_eq!(allowed.result().await["message_type"], "success");
}
