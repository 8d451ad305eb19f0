//! A minimal HTTP/1.1 client for the bench: one keep-alive connection per simulated client,
//! straight on hyper's connection API (no pool, no URL parsing), so the load generator costs
//! as little CPU as possible on the 2 cores it shares with the server.

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

/// One answer, read to the end.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| format!("not JSON: {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The `name=value` of the first `Set-Cookie`, ready to send back as `Cookie`.
    pub fn set_cookie(&self) -> Option<HeaderValue> {
        let cookie = self.headers.get(SET_COOKIE)?.to_str().ok()?;
        HeaderValue::from_str(cookie.split(';').next()?.trim()).ok()
    }
}

/// A keep-alive connection to one server.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    bearer: Option<HeaderValue>,
    /// Sent as `Cookie` while set (the peer's session; our server sets none).
    pub cookie: Option<HeaderValue>,
}

impl Conn {
    pub async fn open(addr: SocketAddr, bearer: Option<&str>) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let host = HeaderValue::from_str(&addr.to_string())?;
        let bearer = bearer.map(|key| HeaderValue::from_str(&format!("Bearer {key}"))).transpose()?;
        Ok(Self { sender, host, bearer, cookie: None })
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        self.send(Method::GET, path, None).await
    }

    /// `GET path` with `headers` added for this request only.
    pub async fn get_with(&mut self, path: &str, headers: &[(&'static str, &str)]) -> anyhow::Result<Answer> {
        self.request(Method::GET, path, None, headers).await
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        json: Option<&serde_json::Value>,
    ) -> anyhow::Result<Answer> {
        self.request(method, path, json, &[]).await
    }

    async fn request(
        &mut self,
        method: Method,
        path: &str,
        json: Option<&serde_json::Value>,
        headers: &[(&'static str, &str)],
    ) -> anyhow::Result<Answer> {
        let mut request = Request::builder().method(method).uri(path).header(HOST, self.host.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(bearer) = &self.bearer {
            request = request.header(AUTHORIZATION, bearer.clone());
        }
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie.clone());
        }
        let body = match json {
            Some(value) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(value)?)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer { status: parts.status, headers: parts.headers, body })
    }
}
