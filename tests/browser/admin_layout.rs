//! Every console page at 390 px wide has no horizontal scroll, and axe-core (npm, pinned in
//! scripts/test-all.sh, found through `AXE_CORE_DIR`) reports no serious or critical
//! accessibility violation on it. With `NANGO_TEST_SCREENSHOTS=/dir` each page is written
//! there as a PNG at both widths.

use crate::admin_support::Console;
use nango_tests::ResponseExt;
use serde_json::json;
use std::path::PathBuf;

/// axe-core's browser bundle; panics (the test fails, never skips) without it.
fn axe_source() -> String {
    let install = "install it with `npm install --prefix ~/.cache/nango-test-deps/axe-core-4.10.3 axe-core@4.10.3` and set \
                   AXE_CORE_DIR=~/.cache/nango-test-deps/axe-core-4.10.3/node_modules/axe-core (scripts/test-all.sh does both)";
    let dir = std::env::var_os("AXE_CORE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("AXE_CORE_DIR is not set: {install}"));
    let file = dir.join("axe.min.js");
    std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("AXE_CORE_DIR: cannot read {} ({error}): {install}", file.display()))
}

async fn set_width(console: &Console, width: u32) {
    console.browser.set_window_size(width, 900).await;
}

/// The serious and critical violations axe finds on the current page.
async fn axe_violations(console: &Console, axe: &str) -> Vec<String> {
    console.browser.execute(axe, json!([])).await;
    let run = "window.__axe = null; axe.run(document, { resultTypes: ['violations'] }).then((r) => { \
        window.__axe = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') \
          .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`); \
      }, (e) => { window.__axe = ['axe failed: ' + e]; });";
    console.browser.execute(run, json!([])).await;
    let found = console.wait_for("axe to finish", "return window.__axe;").await;
    found
        .as_array()
        .map(|items| items.iter().map(|item| item.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

async fn check_page(console: &Console, axe: &str, name: &str, problems: &mut Vec<String>) {
    console.screenshot(&format!("{name}-desktop")).await;
    set_width(console, 390).await;
    let widths = console
        .browser
        .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth];", json!([]))
        .await;
    let (scroll, client) = (widths[0].as_u64().unwrap_or(0), widths[1].as_u64().unwrap_or(0));
    assert!(client > 300 && client <= 400, "the viewport is phone-sized on {name}: {widths}");
    if scroll > client {
        problems.push(format!("{name}: scrolls horizontally at 390 px ({scroll} > {client})"));
    }
    console.screenshot(&format!("{name}-390")).await;
    for violation in axe_violations(console, axe).await {
        problems.push(format!("{name}: {violation}"));
    }
    set_width(console, 1200).await;
}

#[tokio::test]
async fn every_page_fits_390_px_and_passes_axe() {
    let axe = axe_source();
    let console = Console::start().await;
    let mut problems = Vec::new();
    check_page(&console, &axe, "sign-in", &mut problems).await;

    console.sign_in(nango_tests::SECRET_KEY).await;
    console.wait_heading("Integrations").await;
    let app = &console.app;
    app.connect("demo", "layout-user-with-a-rather-long-connection-id-0123456789")
        .run_with_consent(true)
        .await
        .assert_success();
    app.patch_environment(&json!({ "webhook_url": "http://127.0.0.1:9/hook" })).await.assert_success().await;
    app.post_json("/webhooks/test", &json!({})).await.assert_success().await;

    let pages: [(&str, &str, &str); 7] = [
        ("integrations", "#/integrations", "Integrations"),
        ("catalog", "#/integrations/new", "New integration"),
        ("integration", "#/integrations/demo", "Demo"),
        ("connections", "#/connections", "Connections"),
        (
            "connection",
            "#/connections/demo/layout-user-with-a-rather-long-connection-id-0123456789",
            "layout-user",
        ),
        ("environment", "#/environment", "Environment"),
        ("webhooks", "#/webhooks", "Webhook deliveries"),
    ];
    for (name, hash, heading) in pages {
        console.open(hash, heading).await;
        if name == "catalog" {
            console
                .wait_for("the catalog", "return document.querySelector('#catalog button') ? true : null;")
                .await;
        }
        check_page(&console, &axe, name, &mut problems).await;
    }
    // An empty state too: a search that finds nothing.
    console.open("#/connections?search=nobody-at-all", "Connections").await;
    check_page(&console, &axe, "connections-empty", &mut problems).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The checks are no rubber stamp: an unlabelled field and a too-wide block are found.
    let spoil = "const i = document.createElement('input'); i.type = 'text'; document.querySelector('main').append(i); \
                 const d = document.createElement('div'); d.style.width = '900px'; d.textContent = 'wide'; \
                 document.querySelector('main').append(d);";
    console.browser.execute(spoil, json!([])).await;
    let mut spoiled = Vec::new();
    check_page(&console, &axe, "spoiled", &mut spoiled).await;
    assert!(spoiled.iter().any(|problem| problem.contains("scrolls horizontally")), "{spoiled:?}");
    assert!(spoiled.iter().any(|problem| problem.contains("label")), "{spoiled:?}");
}
