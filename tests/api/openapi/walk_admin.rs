//! The admin console's routes: its page and files, sign-in (right and wrong key), the
//! session read with the cookie, a cookie state change without the CSRF token, sign-out; and
//! the environment routes it added (keys, callback self-test).

use super::checker::Checker;
use nango_tests::{TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::json;

pub async fn admin(app: &TestApp, check: &mut Checker) {
    let get = |path: &str| app.client.get(format!("{}{path}", app.url));
    assert_eq!(check.send("/admin", get("/admin")).await.status, 308);
    assert_eq!(check.send("/admin/", get("/admin/")).await.status, 200);
    let file = "/admin/assets/{file}";
    assert_eq!(check.send(file, get("/admin/assets/app.js")).await.status, 200);
    assert_eq!(check.send(file, get("/admin/assets/missing.js")).await.status, 404);

    let session = "/admin/session";
    let post = |body: serde_json::Value| app.client.post(format!("{}{session}", app.url)).json(&body);
    assert_eq!(check.send(session, post(json!({ "secret_key": "wrong" }))).await.status, 401);
    let signed_in = check.send(session, post(json!({ "secret_key": SECRET_KEY }))).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let cookie = signed_in.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = signed_in.json["csrf_token"].as_str().unwrap().to_string();
    let with_cookie = |method: Method| {
        app.client.request(method, format!("{}{session}", app.url)).header("Cookie", &cookie)
    };
    assert_eq!(check.send(session, with_cookie(Method::GET)).await.json["csrf_token"], csrf.as_str());
    assert_eq!(check.send(session, app.client.get(format!("{}{session}", app.url))).await.status, 401);
    assert_eq!(check.send(session, with_cookie(Method::DELETE)).await.status, 403, "no CSRF token");
    let out = check.send(session, with_cookie(Method::DELETE).header("X-Nango-Csrf", &csrf)).await;
    assert_eq!(out.status, 204);

    let keys = check.send("/environment/keys", app.api(Method::GET, "/environment/keys")).await;
    assert_eq!(keys.json["secret_key"], SECRET_KEY);
    let callback = "/environment/callback-check";
    let verdict = check.send(callback, app.api(Method::POST, callback)).await;
    assert_eq!(verdict.json["ok"], true, "{}", verdict.text);
}
