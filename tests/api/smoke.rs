//! The harness itself: the server starts and answers.

use nango_tests::TestApp;

#[tokio::test]
async fn health_answers() {
    let app = TestApp::spawn().await;
    let response = app.client.get(format!("{}/health", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["result"], "ok");
}
