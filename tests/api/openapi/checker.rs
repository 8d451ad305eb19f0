//! `Checker`: sends requests to a real server and checks each answer against the operation
//! the OpenAPI document gives for its method and path template: the status must be documented
//! (exactly, as a range such as `4XX`, or as `default`), the content type must be one the
//! response lists, and a JSON body must match the response's schema. Schemas are checked
//! strictly: an object schema with `properties` admits no other member, so a field the server
//! answers without documenting it fails. `finish` fails listing every operation not checked.

use reqwest::{RequestBuilder, Response};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

pub struct Checker {
    client: reqwest::Client,
    document: Value,
    checked: BTreeSet<(String, String)>,
    problems: Vec<String>,
}

/// An answer that was checked.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
}

impl Checker {
    pub fn new(client: &reqwest::Client, document: Value) -> Self {
        Self { client: client.clone(), document, checked: BTreeSet::new(), problems: Vec::new() }
    }

    /// Every documented operation as `(method, path template)`.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        operations(&self.document)
    }

    /// Send `request`, the operation at `template` for the request's method, and check the answer.
    pub async fn send(&mut self, template: &str, request: RequestBuilder) -> Answer {
        let request = request.build().expect("a request");
        let method = request.method().as_str().to_ascii_lowercase();
        let url = request.url().clone();
        let sent: Option<Value> = request
            .body()
            .and_then(|body| body.as_bytes())
            .and_then(|bytes| serde_json::from_slice(bytes).ok());
        let response = self.client.execute(request).await.unwrap_or_else(|error| panic!("{url}: {error}"));
        let answer = read(response).await;
        let content_type = answer
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if let Err(problem) = self.check(&method, template, answer.status, &content_type, &answer.text) {
            self.problems.push(format!("{} {url} ({template}): {problem}", method.to_uppercase()));
        }
        // A JSON body the server accepted must be one the document admits.
        if let (true, Some(sent)) = (answer.status < 300, &sent) {
            if let Err(problem) = self.check_request_body(&method, template, sent) {
                self.problems
                    .push(format!("{} {url} ({template}): request body: {problem}", method.to_uppercase()));
            }
        }
        self.checked.insert((method, template.to_string()));
        answer
    }

    /// Record an answer obtained by other means (a WebSocket handshake's 101), checking only
    /// that its status is documented.
    pub fn record(&mut self, method: &str, template: &str, status: u16) {
        if let Err(problem) = self.response_for(method, template, status).map(|_| ()) {
            self.problems.push(format!("{} {template}: {problem}", method.to_uppercase()));
        }
        self.checked.insert((method.to_string(), template.to_string()));
    }

    /// The problems found so far (each answer that does not match the document).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Panics listing every problem, and every documented operation neither checked nor in
    /// `skipped` (with its reason); a skipped operation that was checked is a stale entry.
    pub fn finish(self, skipped: &[(&str, &str, &str)]) {
        let mut problems = self.problems;
        let skipped: BTreeSet<(String, String)> =
            skipped.iter().map(|(method, path, _reason)| (method.to_string(), path.to_string())).collect();
        for operation in operations(&self.document) {
            let is_checked = self.checked.contains(&operation);
            match (is_checked, skipped.contains(&operation)) {
                (false, false) => problems.push(format!("not checked: {} {}", operation.0, operation.1)),
                (true, true) => problems.push(format!("checked but listed as skipped: {operation:?}")),
                _ => {}
            }
        }
        for operation in &self.checked {
            if !operations(&self.document).contains(operation) {
                problems.push(format!("checked but not documented: {} {}", operation.0, operation.1));
            }
        }
        assert!(
            problems.is_empty(),
            "the server does not match its OpenAPI document:\n{}",
            problems.join("\n")
        );
    }

    fn check(
        &self,
        method: &str,
        template: &str,
        status: u16,
        content_type: &str,
        text: &str,
    ) -> Result<(), String> {
        let response = self.response_for(method, template, status)?;
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return if text.is_empty() {
                Ok(())
            } else {
                Err(format!("{status}: a body where none is documented"))
            };
        };
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let (documented, media) =
            content.iter().find(|(name, _)| media_matches(name, &essence)).ok_or_else(|| {
                format!("{status}: content type `{content_type}`, documented {:?}", content.keys())
            })?;
        // A body documented as JSON is checked against its schema; `*/*` (the proxy) is anything.
        if documented != "application/json" {
            return Ok(());
        }
        let schema = media.get("schema").ok_or_else(|| format!("{status}: JSON without a schema"))?;
        let body: Value =
            serde_json::from_str(text).map_err(|error| format!("{status}: not JSON ({error})"))?;
        self.validate(schema, &body, true).map_err(|errors| format!("{status}: {errors}\n  body: {text}"))
    }

    fn check_request_body(&self, method: &str, template: &str, sent: &Value) -> Result<(), String> {
        let content = &self.document["paths"][template][method]["requestBody"]["content"];
        match content["application/json"].get("schema") {
            Some(schema) => self.validate(schema, sent, false),
            // The proxy forwards any body.
            None if content.get("*/*").is_some() => Ok(()),
            None => Err("the operation documents no JSON request body".into()),
        }
    }

    /// The response object documented for `status`: exact, else its range (`4XX`), else `default`.
    fn response_for(&self, method: &str, template: &str, status: u16) -> Result<&Value, String> {
        let operation = self.document["paths"]
            .get(template)
            .and_then(|item| item.get(method))
            .ok_or_else(|| "no such operation in the document".to_string())?;
        let responses = &operation["responses"];
        let range = format!("{}XX", status / 100);
        [status.to_string(), range, "default".to_string()]
            .iter()
            .find_map(|key| responses.get(key))
            .ok_or_else(|| format!("status {status} is not documented"))
    }

    /// Validate against `schema`, whose `$ref`s point into the document's components;
    /// `strictly`: no member that an object schema does not list.
    fn validate(&self, schema: &Value, body: &Value, strictly: bool) -> Result<(), String> {
        let mut root = schema.clone();
        let mut components = self.document["components"].clone();
        if strictly {
            root = strict(root);
            if let Some(schemas) = components.get_mut("schemas") {
                *schemas = strict(schemas.take());
            }
        }
        root.as_object_mut().expect("a schema is an object").insert("components".into(), components);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|error| format!("the documented schema does not compile: {error}"))?;
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// Every `(method, template)` of `document["paths"]`.
pub fn operations(document: &Value) -> BTreeSet<(String, String)> {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let mut out = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|method| item.get(**method).is_some()) {
            out.insert((method.to_string(), path.clone()));
        }
    }
    out
}

async fn read(response: Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, text, json }
}

/// `*/*`, `text/*` or the exact type.
fn media_matches(documented: &str, essence: &str) -> bool {
    let documented = documented.to_ascii_lowercase();
    documented == "*/*"
        || documented == essence
        || documented.strip_suffix("/*").is_some_and(|kind| essence.starts_with(&format!("{kind}/")))
}

/// The schema with `additionalProperties: false` on every object schema that lists its
/// `properties` and says nothing about others.
fn strict(schema: Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: Map<String, Value> =
                map.into_iter().map(|(key, value)| (key, strict(value))).collect();
            if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), json!(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strict).collect()),
        other => other,
    }
}
