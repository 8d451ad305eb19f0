//! Driving an OAuth flow by hand, as the popup would: GET `/oauth/connect/..` (no redirect
//! following), follow each Location (to the provider, back to `/oauth/callback`), then ask
//! `GET /oauth/flows/:flow` for the outcome.

use crate::app::{TestApp, PUBLIC_KEY};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use url::Url;

/// The opener origin the tests pretend to be.
pub const ORIGIN: &str = "http://localhost:5173";

/// A connect call being prepared: `app.connect("int", "user-1").param("subdomain", "acme")`.
pub struct Connect {
    /// The server's URL (`http://127.0.0.1:PORT`).
    base: String,
    client: reqwest::Client,
    integration: String,
    connection_id: Option<String>,
    params: Vec<(String, String)>,
    authorization_params: Vec<(String, String)>,
    hmac: Option<String>,
    public_key: Option<String>,
    connect_session_token: Option<String>,
    /// The SDK's flow id (random per call), or the result socket's `ws_client_id`.
    pub flow: String,
    /// `None` when the flow reports to a WebSocket (`ws_client_id` instead of flow + origin).
    origin: Option<String>,
}

/// What a flow came to.
#[derive(Debug)]
pub struct FlowRun {
    pub flow: String,
    /// Every URL requested, in order, with the status it answered.
    pub hops: Vec<(u16, Url)>,
    /// The Location `/oauth/connect` answered (the provider's authorize URL), if it redirected.
    pub authorize_url: Option<Url>,
    /// The final page (the popup's result page).
    pub page_status: u16,
    pub page_headers: HeaderMap,
    pub page: String,
    /// `GET /oauth/flows/:flow` after the run.
    pub status: Value,
}

impl TestApp {
    pub fn connect(&self, integration: &str, connection_id: &str) -> Connect {
        Connect::new(&self.url, &self.client, integration, connection_id)
    }

    /// Run a full flow and assert it succeeded.
    pub async fn connect_ok(&self, integration: &str, connection_id: &str) -> FlowRun {
        let run = self.connect(integration, connection_id).run().await;
        run.assert_success();
        run
    }
}

impl Connect {
    /// A connect call to the server at `base` (e.g. a `ServerProcess`), with the test public key.
    pub fn new(base: &str, client: &reqwest::Client, integration: &str, connection_id: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            client: client.clone(),
            integration: integration.into(),
            connection_id: Some(connection_id.into()),
            params: Vec::new(),
            authorization_params: Vec::new(),
            hmac: None,
            public_key: Some(PUBLIC_KEY.into()),
            connect_session_token: None,
            flow: format!("flow{}", crate::random_id(16)),
            origin: Some(ORIGIN.into()),
        }
    }

    /// `params[key]=value` (connection configuration).
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    /// `authorization_params[key]=value`.
    pub fn authorization_param(mut self, key: &str, value: &str) -> Self {
        self.authorization_params.push((key.into(), value.into()));
        self
    }

    /// Use a connect session instead of the public key; the server picks the connection id.
    pub fn session_token(mut self, token: &str) -> Self {
        self.connect_session_token = Some(token.into());
        self.public_key = None;
        self.connection_id = None;
        self
    }

    /// The opener origin the SDK would send (default `ORIGIN`).
    pub fn origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// As `@nangohq/frontend` does: `ws_client_id` from a result socket instead of flow + origin.
    pub fn ws_client_id(mut self, id: &str) -> Self {
        self.flow = id.into();
        self.origin = None;
        self
    }

    pub fn hmac(mut self, digest: &str) -> Self {
        self.hmac = Some(digest.into());
        self
    }

    /// `None` leaves the public key out.
    pub fn public_key(mut self, key: Option<&str>) -> Self {
        self.public_key = key.map(str::to_string);
        self
    }

    pub fn without_connection_id(mut self) -> Self {
        self.connection_id = None;
        self
    }

    /// The popup URL of SPEC §1 (every value percent-encoded).
    pub fn url(&self) -> Url {
        let mut url =
            Url::parse(&format!("{}/oauth/connect/{}", self.base, self.integration)).expect("connect URL");
        {
            let mut query = url.query_pairs_mut();
            if let Some(connection_id) = &self.connection_id {
                query.append_pair("connection_id", connection_id);
            }
            if let Some(public_key) = &self.public_key {
                query.append_pair("public_key", public_key);
            }
            if let Some(token) = &self.connect_session_token {
                query.append_pair("connect_session_token", token);
            }
            for (key, value) in &self.params {
                query.append_pair(&format!("params[{key}]"), value);
            }
            for (key, value) in &self.authorization_params {
                query.append_pair(&format!("authorization_params[{key}]"), value);
            }
            if let Some(hmac) = &self.hmac {
                query.append_pair("hmac", hmac);
            }
            match &self.origin {
                Some(origin) => query.append_pair("flow", &self.flow).append_pair("origin", origin),
                None => query.append_pair("ws_client_id", &self.flow),
            };
        }
        url
    }

    /// Only the first step: GET `/oauth/connect/..` without following the redirect.
    pub async fn start(&self) -> Response {
        self.client.get(self.url()).send().await.expect("GET /oauth/connect")
    }

    /// Follow every redirect from `/oauth/connect` until a page answers.
    pub async fn run(self) -> FlowRun {
        let start = self.url();
        let page = follow(&self.client, start).await;
        self.finish(page).await
    }

    /// As `run`, for providers with a consent page (the built-in demo provider): submit its
    /// approve or deny choice, then follow on.
    pub async fn run_with_consent(self, approve: bool) -> FlowRun {
        self.consent().await.decide(approve).await
    }

    /// Follow the redirects up to the provider's consent page (it must answer 200).
    pub async fn consent(self) -> ConsentPage {
        let page = follow(&self.client, self.url()).await;
        assert_eq!(page.status, 200, "expected a consent page, got {}: {}", page.status, page.body);
        let url = page.hops.last().map(|(_, url)| url.clone()).expect("a consent hop");
        ConsentPage { connect: self, url, page }
    }

    async fn finish(self, page: Page) -> FlowRun {
        let Page { hops, status: page_status, headers: page_headers, body } = page;
        let authorize_url = hops.get(1).map(|(_, url)| url.clone()).filter(|_| hops[0].0 / 100 == 3);
        let status = flow_status(&self.client, &self.base, &self.flow).await;
        FlowRun { flow: self.flow, hops, authorize_url, page_status, page_headers, page: body, status }
    }
}

/// A flow stopped at the provider's consent page, before the person decides.
pub struct ConsentPage {
    connect: Connect,
    /// The consent page's URL.
    pub url: Url,
    page: Page,
}

impl ConsentPage {
    pub fn html(&self) -> &str {
        &self.page.body
    }

    /// The Location `/oauth/connect` answered (the provider's authorize URL).
    pub fn authorize_url(&self) -> Url {
        self.page.hops.get(1).map(|(_, url)| url.clone()).expect("connect redirected")
    }

    pub fn flow(&self) -> &str {
        &self.connect.flow
    }

    /// Click approve (or deny), then follow on to the result page.
    pub async fn decide(self, approve: bool) -> FlowRun {
        let client = &self.connect.client;
        let request = consent_request(client, &self.url, &self.page.body, approve);
        let response = request.send().await.expect("submit consent");
        let more = follow_response(client, response).await;
        let mut hops = self.page.hops;
        hops.extend(more.hops);
        self.connect.finish(Page { hops, ..more }).await
    }
}

/// Where a chain of redirects ended: every hop, then the page that answered.
pub struct Page {
    /// Every URL requested, in order, with the status it answered.
    pub hops: Vec<(u16, Url)>,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl FlowRun {
    /// Panic with the whole run unless the flow succeeded on both channels.
    pub fn assert_success(&self) {
        assert_eq!(self.status["status"], "success", "flow failed: {self:#?}");
        assert!(self.page.contains("nango_oauth_result"), "no result message in page: {}", self.page);
    }

    /// The error code of `GET /oauth/flows/:flow`; also checks the page carries it.
    pub fn error_code(&self) -> String {
        assert_eq!(self.status["status"], "error", "flow did not fail: {self:#?}");
        let code = self.status["error"]["code"].as_str().expect("error code").to_string();
        assert!(self.page.contains(&code), "result page does not carry `{code}`: {}", self.page);
        code
    }

    /// Whether any hop reached the fake provider (or anything other than the server itself).
    pub fn reached(&self, base: &str) -> bool {
        self.hops.iter().any(|(_, url)| url.as_str().starts_with(base))
    }
}

/// `GET {base}/oauth/flows/:flow` (public) as JSON.
pub async fn flow_status(client: &reqwest::Client, base: &str, flow: &str) -> Value {
    let response = client.get(format!("{base}/oauth/flows/{flow}")).send().await.expect("GET flow status");
    response.json().await.expect("flow status is JSON")
}

/// GET `start` and follow Locations (at most 10); returns the hops and the final page.
pub async fn follow(client: &reqwest::Client, start: Url) -> Page {
    let response = client.get(start).send().await.expect("GET");
    follow_response(client, response).await
}

async fn follow_response(client: &reqwest::Client, mut response: Response) -> Page {
    let mut hops = Vec::new();
    for _ in 0..10 {
        let url = response.url().clone();
        let status = response.status();
        hops.push((status.as_u16(), url.clone()));
        if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
            let headers = response.headers().clone();
            let body = response.text().await.unwrap_or_default();
            return Page { hops, status: status.as_u16(), headers, body };
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{status} from {url} without a Location"));
        let next = url.join(location).unwrap_or_else(|_| panic!("bad Location `{location}`"));
        response = client.get(next).send().await.expect("follow redirect");
    }
    panic!("more than 10 redirects: {hops:?}");
}

/// The request a person clicking approve (or deny) on a consent page makes: a link whose URL
/// or text says so, or a form submitted with the matching button.
fn consent_request(
    client: &reqwest::Client,
    page_url: &Url,
    html: &str,
    approve: bool,
) -> reqwest::RequestBuilder {
    let words: &[&str] =
        if approve { &["approve", "allow", "accept"] } else { &["deny", "reject", "cancel"] };
    let matches = |text: &str| words.iter().any(|word| text.to_ascii_lowercase().contains(word));
    for form in html.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or_default();
        let head = form.split('>').next().unwrap_or_default();
        let action = attribute(head, "action").unwrap_or_default();
        let method = attribute(head, "method").unwrap_or_else(|| "get".into()).to_ascii_lowercase();
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut chosen = matches(&action) && !form.contains("<button");
        for tag in form.split('<').skip(1) {
            let name = attribute(tag, "name");
            let value = attribute(tag, "value").unwrap_or_default();
            if tag.starts_with("input") && attribute(tag, "type").as_deref() != Some("submit") {
                if let Some(name) = name {
                    fields.push((name, value));
                }
            } else if (tag.starts_with("button") || tag.starts_with("input")) && matches(tag) && !chosen {
                chosen = true;
                if let Some(name) = name {
                    fields.push((name, value));
                }
            }
        }
        if chosen {
            let target = page_url.join(&decode_entities(&action)).expect("form action");
            return if method == "post" {
                client.post(target).form(&fields)
            } else {
                client.get(target).query(&fields)
            };
        }
    }
    for anchor in html.split("<a ").skip(1) {
        let text = anchor.split("</a>").next().unwrap_or_default();
        if let Some(href) = attribute(anchor, "href") {
            if matches(text) {
                return client.get(page_url.join(&decode_entities(&href)).expect("link"));
            }
        }
    }
    panic!("no {} control on the consent page: {html}", words[0]);
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let head = tag.split('>').next().unwrap_or_default();
    for quote in ['"', '\''] {
        let needle = format!(" {name}={quote}");
        if let Some(start) = head.find(&needle) {
            let rest = &head[start + needle.len()..];
            return rest.split(quote).next().map(decode_entities);
        }
    }
    None
}

fn decode_entities(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}
