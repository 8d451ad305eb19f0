//! `GET /openapi.json` (SPEC §9): the document is valid OpenAPI 3.1 (checked by a real
//! validator), lists exactly the routes the router serves, and every documented operation
//! answers a real server's requests (with real data: integrations, connections made by real
//! flows, connect sessions, webhook events sent to a real receiver) with a status, content
//! type and body the document gives.

mod checker;
mod routes;
mod validator;
mod walk_admin;
mod walk_api;
mod walk_browser;
mod walk_webhooks;

use checker::Checker;
use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// Operations the conformance walk does not call, with the reason. Keep it short: every entry
/// is a hole in the check.
const SKIPPED: &[(&str, &str, &str)] = &[];

async fn document(app: &TestApp) -> Value {
    let response = app.client.get(format!("{}/openapi.json", app.url)).send().await.unwrap();
    let response = response.assert_status(200).await;
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1_with_and_without_the_demo() {
    for app in [TestApp::spawn().await, TestApp::builder().demo().spawn().await] {
        let document = document(&app).await;
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(document["servers"][0]["url"], app.url.as_str());
        if let Err(report) = validator::validate(&document).await {
            panic!("the served document is not valid OpenAPI 3.1:\n{report}");
        }
        let demo_paths =
            document["paths"].as_object().unwrap().keys().filter(|path| path.starts_with("/demo/"));
        assert_eq!(demo_paths.count() > 0, app.state().config.demo, "demo routes only with NANGO_DEMO");
        assert!(!document.to_string().contains("SPEC §"), "the document cites a file readers do not have");
        path_parameters_are_declared(&document);
    }
}

/// What the validator leaves to us for OpenAPI 3.x: each `{name}` of a path template is a
/// declared path parameter of each of its operations, and no operation id is used twice.
fn path_parameters_are_declared(document: &Value) {
    let mut ids = BTreeSet::new();
    for (method, path) in checker::operations(document) {
        let operation = &document["paths"][&path][&method];
        let id = operation["operationId"].as_str().unwrap_or_default().to_string();
        assert!(
            !id.is_empty() && ids.insert(id.clone()),
            "{method} {path}: operation id `{id}` missing or twice"
        );
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|parameter| parameter["in"] == "path")
            .filter_map(|parameter| parameter["name"].as_str())
            .collect();
        let in_template: BTreeSet<&str> =
            path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).collect();
        assert_eq!(declared, in_template, "{method} {path}: path parameters");
    }
}

/// The validator is not a rubber stamp: a reference to a schema that does not exist, a
/// response without its description and a document without its version are refused.
#[tokio::test]
async fn the_validator_refuses_a_broken_document() {
    let app = TestApp::spawn().await;
    let good = document(&app).await;
    let mut dangling = good.clone();
    dangling["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
        serde_json::json!({ "$ref": "#/components/schemas/NoSuchSchema" });
    let report = validator::validate(&dangling).await.expect_err("a dangling $ref is invalid");
    assert!(report.contains("NoSuchSchema"), "{report}");
    let mut undescribed = good.clone();
    undescribed["paths"]["/health"]["get"]["responses"]["200"] = serde_json::json!({});
    validator::validate(&undescribed).await.expect_err("a response without a description is invalid");
    let mut no_version = good;
    no_version.as_object_mut().unwrap().remove("openapi");
    validator::validate(&no_version).await.expect_err("a document without `openapi` is invalid");
}

/// Both ways: every route registered in the code is documented, and every documented
/// operation reaches a route of the running router (not the 404 "no such route" fallback,
/// nor the 405 of a path that lacks the method).
#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_router_serves() {
    let app = TestApp::builder().demo().spawn().await;
    let document = document(&app).await;
    let documented: BTreeSet<(String, String)> = checker::operations(&document)
        .into_iter()
        .map(|(method, path)| (method, routes::blank_parameters(&path)))
        .collect();
    let registered = routes::registered();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(undocumented.is_empty(), "routes without documentation: {undocumented:?}");
    assert!(unregistered.is_empty(), "documented but not in the code: {unregistered:?}");

    for (method, path) in checker::operations(&document) {
        let concrete = path.replace(['{', '}'], "");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response =
            app.client.request(method.clone(), format!("{}{concrete}", app.url)).send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let fallback = (status == 404 && body["error"]["message"] == "no such route")
            || (status == 405 && body["error"]["code"] == "method_not_allowed");
        assert!(!fallback, "{method} {path} is documented but the router has no such route: {status} {body}");
    }
}

/// The checker is not a rubber stamp either: against a document whose `Environment` lacks a
/// field the server answers, or whose route lacks the status it answers, it finds the problem.
#[tokio::test]
async fn the_checker_refuses_an_answer_the_document_does_not_describe() {
    let app = TestApp::spawn().await;
    let good = document(&app).await;
    let mut fewer_fields = good.clone();
    fewer_fields["components"]["schemas"]["Environment"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("public_key");
    let mut fewer_statuses = good;
    fewer_statuses["paths"]["/environment"]["get"]["responses"].as_object_mut().unwrap().remove("200");
    for (document, expected) in
        [(fewer_fields, "public_key"), (fewer_statuses, "status 200 is not documented")]
    {
        let mut check = Checker::new(&app.client, document);
        check.send("/environment", app.api(Method::GET, "/environment")).await;
        assert!(check.problems().iter().any(|problem| problem.contains(expected)), "{:?}", check.problems());
    }
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = TestApp::builder().demo().spawn().await;
    let mut check = Checker::new(&app.client, document(&app).await);
    assert!(check.operations().len() > 40, "the document lists too few operations");
    walk_browser::server(&app, &mut check).await;
    walk_api::integrations(&app, &mut check).await;
    walk_api::environment(&app, &mut check).await;
    walk_browser::oauth(&app, &mut check).await;
    walk_browser::credentials(&app, &mut check).await;
    walk_api::connections(&app, &mut check).await;
    walk_api::sessions(&app, &mut check).await;
    walk_api::proxy(&app, &mut check).await;
    walk_browser::demo(&app, &mut check).await;
    walk_api::deletions(&app, &mut check).await;
    walk_webhooks::webhooks(&app, &mut check).await;
    walk_admin::admin(&app, &mut check).await;
    check.finish(SKIPPED);
}
