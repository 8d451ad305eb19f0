//! The conformance walk of the secret-key API: integrations, the environment, connections
//! (made by the real flows of `walk_browser`), metadata, connect sessions, the proxy. Each
//! step sends real requests through the `Checker`; success and error answers alike.

use super::checker::Checker;
use nango_tests::provider::{CLIENT_ID, CLIENT_SECRET};
use nango_tests::{TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::json;

/// The integrations the walk creates: OAuth2 (with client credentials), API key, basic.
pub const OAUTH: &str = "int";
pub const API_KEY: &str = "keyed";
pub const BASIC: &str = "basic";

pub async fn integrations(app: &TestApp, check: &mut Checker) {
    let list = "/integrations";
    let one = "/integrations/{key}";
    let oauth = json!({
        "unique_key": OAUTH,
        "provider": "fake-oauth",
        "credentials": { "type": "OAUTH2", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": "read" },
    });
    let created = check.send(list, app.api(Method::POST, list).json(&oauth)).await;
    assert_eq!(created.status, 200, "{}", created.text);
    for (key, provider) in [(API_KEY, "fake-apikey"), (BASIC, "fake-basic")] {
        let body = json!({ "unique_key": key, "provider": provider, "display_name": format!("The {key}") });
        assert_eq!(check.send(list, app.api(Method::POST, list).json(&body)).await.status, 200);
    }
    let duplicate = check.send(list, app.api(Method::POST, list).json(&oauth)).await;
    assert!(duplicate.json["error"]["code"].is_string(), "{}", duplicate.text);
    let no_provider = json!({ "unique_key": "other" });
    assert_eq!(check.send(list, app.api(Method::POST, list).json(&no_provider)).await.status, 400);
    // Ours and the demo integration.
    assert_eq!(check.send(list, app.api(Method::GET, list)).await.json["data"].as_array().unwrap().len(), 4);
    assert_eq!(check.send(list, app.client.get(format!("{}{list}", app.url))).await.status, 401);

    let with_credentials =
        check.send(one, app.api(Method::GET, "/integrations/int?include_creds=true")).await;
    assert_eq!(with_credentials.json["data"]["credentials"]["client_secret"], CLIENT_SECRET);
    let keyed = check.send(one, app.api(Method::GET, "/integrations/keyed?include=credentials")).await;
    assert!(keyed.json["data"]["credentials"].is_null(), "{}", keyed.text);
    assert_eq!(check.send(one, app.api(Method::GET, "/integrations/nope")).await.status, 404);
    let scopes = json!({ "scopes": ["read", "write"], "allowed_hosts": ["api.example.com"] });
    let patched = check.send(one, app.api(Method::PATCH, "/integrations/int").json(&scopes)).await;
    assert_eq!(patched.json["data"]["scopes"], json!(["read", "write"]), "{}", patched.text);
    let unknown_key = json!({ "provider": "no-such-provider" });
    let refused = check.send(one, app.api(Method::PATCH, "/integrations/int").json(&unknown_key)).await;
    assert_eq!(refused.json["error"]["code"], "invalid_body", "{}", refused.text);
    let quickstart =
        check.send(one, app.api(Method::POST, "/integrations/quickstart").json(&json!({}))).await;
    assert_eq!(quickstart.status, 404, "{}", quickstart.text);

    let providers = "/providers";
    let listed = check.send(providers, app.api(Method::GET, "/providers?search=fake")).await;
    assert!(listed.json["data"].as_array().is_some_and(|data| data.len() >= 8), "{}", listed.text);
    let all = check.send(providers, app.api(Method::GET, providers)).await;
    assert!(all.json["data"].as_array().is_some_and(|data| data.len() > 8), "{}", all.status);
    let provider = "/providers/{provider}";
    for name in ["fake-oauth", "fake-subdomain", "fake-apikey", "demo"] {
        let answer = check.send(provider, app.api(Method::GET, &format!("/providers/{name}"))).await;
        assert_eq!(answer.json["data"]["name"], name, "{}", answer.text);
    }
    assert_eq!(check.send(provider, app.api(Method::GET, "/providers/nope")).await.status, 404);
}

pub async fn environment(app: &TestApp, check: &mut Checker) {
    let path = "/environment";
    let settings = check.send(path, app.api(Method::GET, path)).await;
    assert_eq!(settings.status, 200);
    let patch = json!({ "hmac_key": "0123456789abcdef-key", "webhook_url": null, "allowed_origins": [] });
    let changed = check.send(path, app.api(Method::PATCH, path).json(&patch)).await;
    assert_eq!(changed.json["hmac_key"], "0123456789abcdef-key", "{}", changed.text);
    let unknown = check.send(path, app.api(Method::PATCH, path).json(&json!({ "surprise": 1 }))).await;
    assert_eq!(unknown.json["error"]["code"], "invalid_settings");
    let not_json = app.api(Method::PATCH, path).body("{}");
    assert_eq!(check.send(path, not_json).await.status, 415);

    let variables = "/environment-variables";
    let body = json!([{ "name": "REGION", "value": "eu" }, { "name": "TIER", "value": "pro" }]);
    let put = check.send(variables, app.api(Method::PUT, variables).json(&body)).await;
    assert_eq!(put.json, body, "{}", put.text);
    assert_eq!(check.send(variables, app.api(Method::GET, variables)).await.json, body);
    let bad = check.send(variables, app.api(Method::PUT, variables).json(&json!({ "name": 1 }))).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let one = "/environment-variables/{name}";
    assert_eq!(check.send(one, app.api(Method::DELETE, "/environment-variables/TIER")).await.status, 200);
    assert_eq!(check.send(one, app.api(Method::DELETE, "/environment-variables/TIER")).await.status, 404);
    assert_eq!(check.send(variables, app.api(Method::DELETE, variables)).await.json["success"], true);

    let hmac = "/environment/hmac";
    let digest = check
        .send(hmac, app.api(Method::GET, "/environment/hmac?provider_config_key=int&connection_id=c1"))
        .await;
    assert_eq!(digest.json["hmac"].as_str().map(str::len), Some(64), "{}", digest.text);
    assert_eq!(check.send(hmac, app.api(Method::GET, hmac)).await.status, 400);
}

pub async fn connections(app: &TestApp, check: &mut Checker) {
    let list = "/connection";
    let listed = check.send(list, app.api(Method::GET, list)).await;
    assert_eq!(listed.json["connections"].as_array().map(Vec::len), Some(3), "{}", listed.text);
    let page =
        check.send("/connections", app.api(Method::GET, "/connections?integrationId=int&limit=1")).await;
    assert_eq!(page.json["connections"][0]["connection_id"], "c1", "{}", page.text);
    assert_eq!(check.send(list, app.api(Method::GET, "/connection?cursor=!!")).await.status, 400);

    let one = "/connection/{connection_id}";
    let full = check
        .send(one, app.api(Method::GET, "/connection/c1?provider_config_key=int&refresh_token=true"))
        .await;
    assert_eq!(full.json["credentials"]["type"], "OAUTH2", "{}", full.text);
    let by_header = app.api(Method::GET, "/connections/c1").header("Provider-Config-Key", OAUTH);
    assert_eq!(check.send("/connections/{connection_id}", by_header).await.status, 200);
    for (id, key, mode) in [("k1", API_KEY, "API_KEY"), ("b1", BASIC, "BASIC")] {
        let answer = check
            .send(one, app.api(Method::GET, &format!("/connection/{id}?provider_config_key={key}")))
            .await;
        assert_eq!(answer.json["credentials"]["type"], mode, "{}", answer.text);
    }
    assert_eq!(
        check.send(one, app.api(Method::GET, "/connection/nobody?provider_config_key=int")).await.status,
        404
    );
    assert_eq!(check.send(one, app.api(Method::GET, "/connection/c1")).await.status, 400);

    for (path, template) in [
        ("/connection/c1/events?provider_config_key=int", "/connection/{connection_id}/events"),
        ("/connections/c1/events?provider_config_key=int", "/connections/{connection_id}/events"),
    ] {
        let events = check.send(template, app.api(Method::GET, path)).await;
        assert_eq!(events.json["status"], "active", "{}", events.text);
    }
    let nobody = app.api(Method::GET, "/connection/nobody/events?provider_config_key=int");
    assert_eq!(check.send("/connection/{connection_id}/events", nobody).await.status, 404);

    let config = "/connection/{connection_id}/connection-config";
    let request = app.api(Method::PATCH, "/connection/c1/connection-config?provider_config_key=int");
    let merged = check.send(config, request.json(&json!({ "region": "eu" }))).await;
    assert_eq!(merged.json["connection_config"]["region"], "eu", "{}", merged.text);

    let metadata = "/connection/{connection_id}/metadata";
    let replace = app.api(Method::POST, "/connection/c1/metadata?provider_config_key=int");
    assert_eq!(check.send(metadata, replace.json(&json!({ "plan": "pro" }))).await.status, 201);
    let merge = app.api(Method::PATCH, "/connection/c1/metadata").header("Provider-Config-Key", OAUTH);
    let merged = check.send(metadata, merge.json(&json!({ "seats": 3 }))).await;
    assert_eq!(merged.json["metadata"], json!({ "plan": "pro", "seats": 3 }), "{}", merged.text);
    let not_object =
        app.api(Method::POST, "/connection/c1/metadata?provider_config_key=int").json(&json!([1]));
    assert_eq!(check.send(metadata, not_object).await.status, 400);

    for many in ["/connections/metadata", "/connection/metadata"] {
        let body =
            json!({ "connection_id": ["c1"], "provider_config_key": OAUTH, "metadata": { "team": "a" } });
        assert_eq!(check.send(many, app.api(Method::POST, many).json(&body)).await.status, 201);
        let body = json!({ "connection_id": "c1", "provider_config_key": OAUTH, "metadata": { "seats": 4 } });
        assert_eq!(check.send(many, app.api(Method::PATCH, many).json(&body)).await.status, 200);
        let missing = json!({ "connection_id": "nobody", "provider_config_key": OAUTH, "metadata": {} });
        assert_eq!(check.send(many, app.api(Method::PATCH, many).json(&missing)).await.status, 404);
    }

    let change = json!({ "end_user": { "id": "u1", "email": "u1@example.com" }, "tags": { "team": "a" } });
    let patch = app.api(Method::PATCH, "/connections/c1?provider_config_key=int").json(&change);
    assert_eq!(check.send("/connections/{connection_id}", patch).await.json["success"], true);
    let bad =
        app.api(Method::PATCH, "/connections/c1?provider_config_key=int").json(&json!({ "surprise": 1 }));
    assert_eq!(check.send("/connections/{connection_id}", bad).await.status, 400);
    let tagged = app.api(Method::GET, "/connections?tags[team]=a&endUserId=u1&search=c&page=0");
    assert_eq!(check.send("/connections", tagged).await.json["connections"][0]["connection_id"], "c1");
    let read = app.api(Method::GET, "/connection/c1?provider_config_key=int");
    let read = check.send("/connection/{connection_id}", read).await;
    assert_eq!(read.json["end_user"]["id"], "u1", "{}", read.text);

    for (path, id) in [("/connections", "imported-1"), ("/connection", "imported-2")] {
        let body = json!({
            "provider_config_key": OAUTH,
            "connection_id": id,
            "credentials": {
                "type": "OAUTH2",
                "access_token": "at-imported",
                "refresh_token": "rt",
                "expires_at": "2030-01-01T00:00:00Z",
            },
            "metadata": { "source": "import" },
            "tags": { "origin": "import" },
        });
        let imported = check.send(path, app.api(Method::POST, path).json(&body)).await;
        assert_eq!(imported.status, 201, "{}", imported.text);
        assert_eq!(imported.json["credentials"]["access_token"], "at-imported");
    }
    // The fake provider refuses the imported refresh token: the connection needs
    // re-authorisation, which its reads, its events and the list report.
    let one = "/connection/{connection_id}";
    let forced = app.api(Method::GET, "/connection/imported-1?provider_config_key=int&force_refresh=true");
    assert!(check.send(one, forced).await.status >= 400);
    let stale = app.api(Method::GET, "/connection/imported-1?provider_config_key=int&allow_stale=true");
    let stale = check.send(one, stale).await;
    assert_eq!(stale.json["status"], "needs_reauth", "{}", stale.text);
    let events = app.api(Method::GET, "/connection/imported-1/events?provider_config_key=int");
    let events = check.send("/connection/{connection_id}/events", events).await;
    assert_eq!(events.json["events"][0]["to"], "needs_reauth", "{}", events.text);
    let refused =
        check.send(one, app.api(Method::GET, "/connection/imported-1?provider_config_key=int")).await;
    assert_eq!(refused.status, 409, "{}", refused.text);

    let keyed = json!({
        "provider_config_key": API_KEY,
        "connection_id": "k9",
        "credentials": { "type": "API_KEY", "apiKey": "sk" },
    });
    assert_eq!(
        check.send("/connections", app.api(Method::POST, "/connections").json(&keyed)).await.status,
        201
    );
    let wrong = json!({ "provider_config_key": OAUTH, "credentials": { "type": "SAML" } });
    let refused = check.send("/connections", app.api(Method::POST, "/connections").json(&wrong)).await;
    assert_eq!(refused.json["error"]["code"], "invalid_body", "{}", refused.text);
}

pub async fn sessions(app: &TestApp, check: &mut Checker) {
    let create = "/connect/sessions";
    let body = json!({
        "end_user": { "id": "u1", "email": "u1@example.com", "display_name": "U One" },
        "organization": { "id": "org1" },
        "allowed_integrations": [OAUTH],
        "tags": { "team": "a" },
    });
    let created = check.send(create, app.api(Method::POST, create).json(&body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let token = created.json["data"]["token"].as_str().unwrap().to_string();
    let refused = check.send(create, app.api(Method::POST, create).json(&json!({ "surprise": 1 }))).await;
    assert!(
        refused.json["error"]["errors"].as_array().is_some_and(|errors| !errors.is_empty()),
        "{}",
        refused.text
    );

    let reconnect = "/connect/sessions/reconnect";
    let body = json!({ "connection_id": "c1", "integration_id": OAUTH });
    assert_eq!(check.send(reconnect, app.api(Method::POST, reconnect).json(&body)).await.status, 201);
    let unknown = json!({ "connection_id": "nobody", "integration_id": OAUTH });
    assert!(check.send(reconnect, app.api(Method::POST, reconnect).json(&unknown)).await.status >= 400);

    let session = "/connect/session";
    let url = format!("{}{session}", app.url);
    let read = check.send(session, app.client.get(&url).bearer_auth(&token)).await;
    assert_eq!(read.json["data"]["end_user"]["id"], "u1", "{}", read.text);
    // A session token reads the integrations it allows, and the catalog.
    let integrations = app.client.get(format!("{}/integrations", app.url)).bearer_auth(&token);
    let allowed = check.send("/integrations", integrations).await;
    assert_eq!(allowed.json["data"].as_array().map(Vec::len), Some(1), "{}", allowed.text);
    let integration = app.client.get(format!("{}/integrations/{OAUTH}", app.url)).bearer_auth(&token);
    assert_eq!(check.send("/integrations/{key}", integration).await.status, 200);
    let provider = app.client.get(format!("{}/providers/fake-oauth", app.url)).bearer_auth(&token);
    assert_eq!(check.send("/providers/{provider}", provider).await.status, 200);
    // What the hosted connect page shows for the session.
    let config = app.client.get(format!("{}/connect/config", app.url)).bearer_auth(&token);
    let config = check.send("/connect/config", config).await;
    assert_eq!(config.json["integrations"].as_array().map(Vec::len), Some(1), "{}", config.text);
    let wrong = check.send(session, app.client.get(&url).bearer_auth("nango_connect_session_00")).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(check.send(session, app.client.delete(&url).bearer_auth(&token)).await.status, 204);
    assert_eq!(check.send(session, app.client.delete(&url).bearer_auth(SECRET_KEY)).await.status, 401);
}

pub async fn proxy(app: &TestApp, check: &mut Checker) {
    let path = "/proxy/{path}";
    for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let request = app
            .api(method.clone(), "/proxy/users/me?x=1")
            .header("Connection-Id", "c1")
            .header("Provider-Config-Key", OAUTH)
            .json(&json!({ "hello": "provider" }));
        let answer = check.send(path, request).await;
        assert_eq!(answer.status, 200, "{method} through the proxy: {}", answer.text);
    }
    let no_connection = app.api(Method::GET, "/proxy/users/me").header("Provider-Config-Key", OAUTH);
    assert_eq!(check.send(path, no_connection).await.json["error"]["code"], "missing_connection_id");
}

pub async fn deletions(app: &TestApp, check: &mut Checker) {
    let one = "/connection/{connection_id}";
    assert_eq!(
        check.send(one, app.api(Method::DELETE, "/connection/b1?provider_config_key=basic")).await.status,
        200
    );
    assert_eq!(
        check.send(one, app.api(Method::DELETE, "/connection/b1?provider_config_key=basic")).await.status,
        404
    );
    let alias = app.api(Method::DELETE, "/connections/k1").header("Provider-Config-Key", API_KEY);
    assert_eq!(check.send("/connections/{connection_id}", alias).await.status, 200);
    let integration = "/integrations/{key}";
    assert_eq!(check.send(integration, app.api(Method::DELETE, "/integrations/basic")).await.status, 200);
    assert_eq!(check.send(integration, app.api(Method::DELETE, "/integrations/basic")).await.status, 404);
}
