//! Redirect mode (SPEC §10): `/oauth/connect/..?return_to=<URL>` in place of a popup's origin;
//! after the callback a 303 sends the browser back to `return_to` with the outcome in the query.
//! `return_to` must be on an origin the environment lists (an empty list refuses every one,
//! except the server's own pages); the flow record stays the source of truth.

use nango_tests::{ResponseExt, TestApp};
use serde_json::json;
use url::Url;

const APP: &str = "https://app.example";

/// Follow the hops from `start` (connect → provider → callback) until one answers a page or a
/// redirect off the test hosts; returns that last answer's status, Location and body.
async fn walk(app: &TestApp, start: Url) -> (u16, Option<String>, String) {
    let mut url = start;
    for _ in 0..5 {
        let response = app.client.get(url.clone()).send().await.expect("a hop");
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        match location {
            Some(next) if !next.starts_with(APP) && status / 100 == 3 => url = url.join(&next).unwrap(),
            location => return (status, location, response.text().await.unwrap_or_default()),
        }
    }
    panic!("too many hops");
}

fn with_return_to(mut url: Url, return_to: &str) -> Url {
    url.query_pairs_mut().append_pair("return_to", return_to);
    url
}

#[tokio::test]
async fn the_browser_comes_back_to_return_to_with_the_outcome() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;

    let connect = app.connect("fake", "user-r");
    let flow = connect.flow.clone();
    let start = with_return_to(connect.url(), &format!("{APP}/back?tab=2&success=forged"));
    let (status, location, _) = walk(&app, start).await;
    assert_eq!(status, 303);
    let expected = format!("{APP}/back?tab=2&success=true&provider_config_key=fake&connection_id=user-r");
    assert_eq!(location.as_deref(), Some(expected.as_str()));
    // The flow record says the same, and the connection is stored.
    let record = app.flow_status(&flow).await;
    assert_eq!(record["status"], "success", "{record}");
    app.get_connection("fake", "user-r", "").await.assert_success().await;

    // A failure comes back too, with its code and message.
    app.provider.settings().deny = Some(("access_denied".into(), "no thanks".into()));
    let (status, location, _) = walk(&app, with_return_to(app.connect("fake", "user-d").url(), APP)).await;
    assert_eq!(status, 303);
    let back = Url::parse(&location.expect("a Location")).unwrap();
    let query: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(query["success"], "false");
    assert_eq!(query["error"], "provider_denied");
    assert!(query["error_description"].contains("no thanks"), "{query:?}");
}

#[tokio::test]
async fn an_error_before_the_flow_goes_back_to_an_allowed_return_to() {
    let app = TestApp::spawn().await;
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;
    let (status, location, _) = walk(&app, with_return_to(app.connect("nope", "user-1").url(), APP)).await;
    assert_eq!(status, 303);
    let location = location.expect("a Location");
    assert!(location.starts_with(&format!("{APP}/?success=false&error=unknown_integration")), "{location}");
}

#[tokio::test]
async fn a_return_to_outside_the_allowed_origins_is_refused_with_a_page_saying_why() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;

    // No allowed origins at all: redirect mode is refused.
    let connect = app.connect("fake", "user-1");
    let flow = connect.flow.clone();
    let (status, location, page) = walk(&app, with_return_to(connect.url(), &format!("{APP}/back"))).await;
    assert_eq!((status, location), (403, None));
    assert!(page.contains("lists none") && page.contains("allowed_origins"), "{page}");
    assert!(page.contains("you stay here"), "{page}");
    assert_eq!(app.flow_status(&flow).await["error"]["code"], "invalid_return_to");

    // Listed origins, but not this one.
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;
    let start = with_return_to(app.connect("fake", "user-1").url(), "https://evil.example/steal");
    let (status, location, page) = walk(&app, start).await;
    assert_eq!((status, location), (403, None));
    assert!(page.contains("https://evil.example, which is not in the environment"), "{page}");
    let start = with_return_to(app.connect("fake", "user-1").url(), "javascript:alert(1)");
    let (status, _, page) = walk(&app, start).await;
    assert_eq!(status, 403);
    assert!(page.contains("absolute http(s) URL"), "{page}");
    assert!(app.provider.authorize_requests().is_empty(), "a refused return_to started a flow");
}

#[tokio::test]
async fn the_servers_own_pages_may_be_returned_to_without_a_list() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let own = format!("{}/connect?session_token=x", app.url);
    let start = with_return_to(app.connect("fake", "user-own").url(), &own);
    let response = app.client.get(start).send().await.unwrap();
    assert_eq!(response.status(), 302, "to the provider");
}
