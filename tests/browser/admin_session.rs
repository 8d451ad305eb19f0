//! The console's sign-in in a real browser (SPEC §14): a wrong key says so and sets nothing;
//! the right key sets an HttpOnly, SameSite=Strict cookie the page cannot read and nothing in
//! browser storage; sign-out revokes it; a cross-site POST carries no session.

use crate::admin_support::{Console, TIMEOUT};
use nango_tests::{ResponseExt, SECRET_KEY};
use serde_json::{json, Value};

async fn cookies(console: &Console) -> Vec<Value> {
    console.browser.cookies().await
}

#[tokio::test]
async fn a_wrong_key_shows_a_clear_page_and_sets_no_cookie() {
    let console = Console::start().await;
    console.screenshot("sign-in").await;
    console.sign_in("definitely-not-the-key").await;
    let message = console.wait_text("#signin-error", "not right").await;
    assert!(message.contains("nango-server keys"), "the page says where the key is: {message}");
    console.screenshot("sign-in-wrong-key").await;
    assert!(cookies(&console).await.is_empty(), "no cookie for a wrong key");
    let hidden = console.browser.execute("return document.getElementById('top').hidden;", json!([])).await;
    assert_eq!(hidden, true, "nothing of the console is shown");
}

#[tokio::test]
async fn too_many_wrong_keys_say_when_to_retry() {
    let builder = nango_tests::TestApp::builder().var("NANGO_RATE_LIMIT_WRONG_SECRET_KEYS_PER_MINUTE", "1");
    let console = Console::start_with(builder).await;
    console.sign_in("wrong-1").await;
    console.wait_text("#signin-error", "not right").await;
    console.sign_in("wrong-2").await;
    let message = console.wait_text("#signin-error", "Too many attempts").await;
    assert!(message.contains("retry in"), "{message}");
    console.sign_in(SECRET_KEY).await;
    console.wait_text("#signin-error", "Too many attempts").await;
    assert!(cookies(&console).await.is_empty(), "blocked: even the right key gets no session yet");
}

#[tokio::test]
async fn the_right_key_becomes_an_http_only_cookie_and_sign_out_revokes_it() {
    let console = Console::signed_in().await;
    console.wait_heading("Integrations").await;
    let jar = cookies(&console).await;
    let session =
        jar.iter().find(|cookie| cookie["name"] == "nango_admin_session").expect("the session cookie");
    assert_eq!(session["httpOnly"], true, "{session}");
    assert_eq!(session["sameSite"], "Strict", "{session}");
    assert_eq!(session["secure"], false, "plain http in the test: {session}");
    assert!(session["expiry"].as_u64().is_some(), "it expires: {session}");
    let token = session["value"].as_str().unwrap().to_string();
    assert_ne!(token, SECRET_KEY);

    let visible = "return JSON.stringify([document.cookie, Object.entries(localStorage), Object.entries(sessionStorage), document.documentElement.outerHTML]);";
    let visible = console.browser.execute(visible, json!([])).await;
    let visible = visible.as_str().unwrap();
    assert!(!visible.contains(&token), "the page cannot read the session token");
    assert!(!visible.contains(SECRET_KEY), "the key is in no storage and not in the page");

    console.click("#sign-out").await;
    console.wait_text("#signin-error", "Signed out").await;
    let revoked = console
        .app
        .client
        .get(format!("{}/integrations", console.app.url))
        .header("Cookie", format!("nango_admin_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.assert_error(401).await, "unknown_account", "the old cookie is revoked");
    console.browser.goto(&format!("{}/admin/", console.app.url)).await;
    console.browser.find("#secret-key", TIMEOUT).await;
}

/// A page of another site (127.0.0.1 is not the site `localhost`) posts to the API: the
/// SameSite=Strict cookie stays home, so nothing changes.
#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let console = Console::signed_in().await;
    let other_site = console.app.url.replace("localhost", "127.0.0.1");
    assert_ne!(other_site, console.app.url);
    console.browser.goto(&format!("{other_site}/health")).await;
    let script = "window.__answer = null; \
        fetch(arguments[0] + '/integrations', { method: 'POST', credentials: 'include', mode: 'no-cors', \
          headers: { 'Content-Type': 'text/plain' }, \
          body: JSON.stringify({ unique_key: 'forged', provider: 'fake-oauth' }) }) \
        .then(() => { window.__answer = 'sent'; }, (e) => { window.__answer = String(e); });";
    console.browser.execute(script, json!([console.app.url])).await;
    console.wait_for("the forged POST to finish", "return window.__answer;").await;
    let form = "const f = document.createElement('form'); f.method = 'POST'; f.action = arguments[0] + '/admin/session'; \
        document.body.append(f); f.submit();";
    console.browser.execute(form, json!([console.app.url])).await;
    console.app.get("/integrations/forged").await.assert_error(404).await;
}
