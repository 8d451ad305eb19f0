//! Assertions on responses that print the body when they fail.

use reqwest::Response;
use serde_json::Value;
use std::future::Future;

pub trait ResponseExt: Sized {
    /// Panic (showing the body) unless the status is `status`.
    fn assert_status(self, status: u16) -> impl Future<Output = Self> + Send;
    /// Panic (showing the body) unless the status is one of `statuses`.
    fn assert_status_in(self, statuses: &[u16]) -> impl Future<Output = Self> + Send;
    /// Panic unless 2xx; the body as JSON.
    fn assert_success(self) -> impl Future<Output = Value> + Send;
    /// Assert `status` and our error shape `{"error":{"code","message"}}`; returns the code.
    fn assert_error(self, status: u16) -> impl Future<Output = String> + Send;
}

impl ResponseExt for Response {
    async fn assert_status(self, status: u16) -> Self {
        if self.status().as_u16() == status {
            return self;
        }
        let got = self.status();
        let url = self.url().clone();
        let body = self.text().await.unwrap_or_default();
        panic!("{url}: expected status {status}, got {got}: {body}");
    }

    async fn assert_status_in(self, statuses: &[u16]) -> Self {
        if statuses.contains(&self.status().as_u16()) {
            return self;
        }
        let got = self.status();
        let url = self.url().clone();
        let body = self.text().await.unwrap_or_default();
        panic!("{url}: expected one of {statuses:?}, got {got}: {body}");
    }

    async fn assert_success(self) -> Value {
        let got = self.status();
        let url = self.url().clone();
        let body = self.text().await.unwrap_or_default();
        assert!(got.is_success(), "{url}: expected success, got {got}: {body}");
        if body.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{url}: body is not JSON: {body}"))
    }

    async fn assert_error(self, status: u16) -> String {
        let response = self.assert_status(status).await;
        let url = response.url().clone();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.text().await.unwrap_or_default();
        assert!(content_type.starts_with("application/json"), "{url}: error is not JSON: {body}");
        let value: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{url}: not JSON: {body}"));
        let message = value["error"]["message"].as_str();
        assert!(message.is_some_and(|m| !m.is_empty()), "{url}: error without a message: {body}");
        value["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{url}: error without a code: {body}"))
            .to_string()
    }
}
