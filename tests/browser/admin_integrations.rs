//! Integrations in the console: created from the searchable catalog with client credentials
//! and the callback URL to register shown; edited; deleted after a confirmation that names
//! the connections going with it.

use crate::admin_support::{Console, TIMEOUT};
use nango_tests::ResponseExt;
use serde_json::json;

#[tokio::test]
async fn an_integration_is_created_from_the_catalog() {
    let console = Console::signed_in().await;
    console.wait_heading("Integrations").await;
    console.click("#new-integration").await;
    console.wait_heading("New integration").await;
    console.fill("#catalog-search", "fake-oauth").await;
    let searched = "const b = [...document.querySelectorAll('#catalog button')]; \
        return b.length && b.every((e) => e.dataset.provider.includes('fake-oauth')) ? true : null;";
    console.wait_for("the search to narrow the catalog", searched).await;
    console.click("button[data-provider='fake-oauth']").await;
    console.wait_for("the form", "return document.getElementById('integration-form') ? true : null;").await;
    console.fill("#unique-key", "my-fake").await;
    console.fill("#client-id", "console-client").await;
    console.fill("#client-secret", "console-secret").await;
    console.fill("#scopes", "read,write").await;
    let callback = console.wait_text("#callback-url", "/oauth/callback").await;
    assert_eq!(callback, console.app.callback_url(), "the callback URL to register");
    console.screenshot("catalog").await;
    console.click("#create-integration").await;
    console.wait_heading("Fake OAuth").await;

    let created = console.app.get("/integrations/my-fake?include=credentials").await.assert_success().await;
    assert_eq!(created["data"]["provider"], "fake-oauth");
    assert_eq!(created["data"]["credentials"]["client_id"], "console-client");
    assert_eq!(created["data"]["credentials"]["client_secret"], "console-secret");
    assert_eq!(created["data"]["scopes"], json!(["read", "write"]));

    console.fill("#display-name", "Renamed in the console").await;
    console.click("#save-integration").await;
    console.wait_text("#integration-form .notice", "Saved.").await;
    let renamed = console.app.get("/integrations/my-fake").await.assert_success().await;
    assert_eq!(renamed["data"]["display_name"], "Renamed in the console");

    console.open("#/integrations", "Integrations").await;
    console.wait_text("#integrations", "Renamed in the console").await;
}

#[tokio::test]
async fn deleting_an_integration_names_its_connections_first() {
    let console = Console::signed_in().await;
    console.app.connect("demo", "doomed-user").run_with_consent(true).await.assert_success();
    console.open("#/integrations/demo", "Demo").await;
    console.click("#delete-integration").await;
    let dialog = console.confirm().await;
    assert!(dialog.contains("doomed-user"), "the dialog names the connection: {dialog}");
    console.wait_heading("Integrations").await;
    console.app.get("/integrations/demo").await.assert_error(404).await;
    console.browser.find("main", TIMEOUT).await;
}
