//! Connections in the console: a demo flow's connection found by search and filters, its
//! metadata edited (bad JSON refused in the page), refreshed now, credentials revealed, its
//! status history shown, and deleted after a confirmation.

use crate::admin_support::Console;
use nango_tests::ResponseExt;
use serde_json::json;

#[tokio::test]
async fn a_demo_connection_is_found_edited_refreshed_and_deleted() {
    let console = Console::signed_in().await;
    let app = &console.app;
    app.connect("demo", "alice-console").run_with_consent(true).await.assert_success();
    app.connect("demo", "bob-console").run_with_consent(true).await.assert_success();

    console.open("#/connections", "Connections").await;
    console.wait_text("#connections", "bob-console").await;
    console.fill("#connection-search", "alice").await;
    console.click("#apply-filters").await;
    console.wait_for("the search", "return location.hash.includes('search=alice') ? true : null;").await;
    // The unfiltered list stays until the filtered page answers: wait for that one.
    let filtered = "const listed = document.querySelector('#connections')?.textContent || ''; \
                    return listed.includes('alice-console') && !listed.includes('bob-console') ? listed : null;";
    console.wait_for("the list filtered by the search", filtered).await;
    console.screenshot("connections").await;
    let by_status = "#/connections?status=needs_reauth";
    console.open(by_status, "Connections").await;
    console.wait_text("main", "No connection matches").await;

    console.open("#/connections?search=alice", "Connections").await;
    console.click("li[data-connection-id='alice-console'] a").await;
    console.wait_heading("alice-console").await;
    console.wait_text("#connection-facts", "demo").await;
    console.wait_text("#status-history", "No status change yet").await;
    console.screenshot("connection").await;

    // Metadata: refused in the page when it is not a JSON object, saved when it is.
    console.set_value("#metadata", "{not json").await;
    console.click("#save-metadata").await;
    console.wait_text("#metadata-form .notice", "Not valid JSON").await;
    console.set_value("#metadata", r#"{"plan": "pro", "seats": 3}"#).await;
    console.click("#save-metadata").await;
    console.wait_text("#metadata-form .notice", "Metadata saved.").await;
    let stored = app.get_connection("demo", "alice-console", "").await.assert_success().await;
    assert_eq!(stored["metadata"], json!({"plan": "pro", "seats": 3}));
    let before = stored["credentials"]["access_token"].as_str().unwrap().to_string();

    // Credentials are masked until revealed.
    let html =
        console.browser.execute("return document.getElementById('credentials').outerHTML;", json!([])).await;
    assert!(!html.as_str().unwrap().contains(&before), "the token is not in the page before a reveal");

    console.click("#refresh-now").await;
    console.wait_text("main .card .notice", "Refreshed at").await;
    let refreshed = app.get_connection("demo", "alice-console", "").await.assert_success().await;
    let after = refreshed["credentials"]["access_token"].as_str().unwrap().to_string();
    assert_ne!(after, before, "a new token from the demo provider");

    console.click("#credentials [data-reveal]").await;
    console.wait_text("#credentials", &after).await;

    console.click("#delete-connection").await;
    let dialog = console.confirm().await;
    assert!(dialog.contains("alice-console"), "{dialog}");
    console.wait_heading("Connections").await;
    app.get_connection("demo", "alice-console", "").await.assert_error(404).await;
    app.get_connection("demo", "bob-console", "").await.assert_success().await;
}

/// The list pages with the API's cursor (`Next`, `Previous`), never an offset.
#[tokio::test]
async fn the_list_pages_by_cursor() {
    let console = Console::signed_in().await;
    for n in 0..55 {
        let body = json!({
            "provider_config_key": "demo",
            "connection_id": format!("paged-{n:02}"),
            "credentials": { "type": "OAUTH2", "access_token": format!("imported-{n}") },
        });
        console.app.post_json("/connection", &body).await.assert_success().await;
    }
    console.open("#/connections", "Connections").await;
    console.wait_text("#connections", "paged-54").await;
    let first = console
        .browser
        .execute("return document.querySelectorAll('#connections > li').length;", json!([]))
        .await;
    assert_eq!(first, 50);
    console.click("#next-page").await;
    console.wait_for("the second page", "return location.hash.includes('cursor=') ? true : null;").await;
    let second = console.wait_text("#connections", "paged-00").await;
    assert!(!second.contains("paged-54"), "{second}");
    console.click("#previous-page").await;
    console.wait_text("#connections", "paged-54").await;
}
