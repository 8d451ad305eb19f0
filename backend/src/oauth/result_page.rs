//! The small HTML page that ends a popup flow (SPEC §2 step 5): it posts the outcome to
//! `window.opener` with targetOrigin = the flow's opener origin (never `*`), then closes.
//!
//! Data reaches the script as JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so no value
//! can end the `<script>` element; visible text is HTML-escaped. A per-response nonce in the
//! Content-Security-Policy allows only this inline script. No credentials ever appear here.

use crate::crypto::random;
use crate::error_code::ErrorCode;
use crate::html::{escape, script_json};
use crate::ids::FlowId;
use crate::store::{FlowError, FlowOutcome};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Everything the page needs.
#[derive(Debug, Clone)]
pub struct ResultPage<'a> {
    pub flow: Option<&'a FlowId>,
    pub reply: Reply<'a>,
    pub outcome: &'a FlowOutcome,
}

impl<'a> ResultPage<'a> {
    /// A page for no known flow: it tells only the user.
    pub fn unaddressed(outcome: &'a FlowOutcome) -> Self {
        Self { flow: None, reply: Reply::Nobody, outcome }
    }
}

/// Who the page tells the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// `window.opener`, with this targetOrigin; then the page closes itself.
    Opener(&'a str),
    /// Nobody: the outcome goes over the WebSocket result channel (SPEC §8); the page closes.
    Socket,
    /// Nobody can be: the opener's origin is unknown or invalid; the page tells the user.
    Nobody,
    /// Redirect mode (SPEC §10): a 303 to this checked `return_to`, the outcome in its query.
    Redirect(&'a str),
}

impl<'a> Reply<'a> {
    /// `Opener` when the origin is known, else `Nobody`.
    pub fn opener(origin: Option<&'a str>) -> Self {
        origin.map_or(Self::Nobody, Self::Opener)
    }
}

impl IntoResponse for ResultPage<'_> {
    /// The page with its security headers; the status is 200 for a success, else the error
    /// code's status.
    fn into_response(self) -> Response {
        if let Reply::Redirect(return_to) = self.reply {
            return super::redirect::back(return_to, self.outcome);
        }
        let status = match self.outcome {
            FlowOutcome::Success { .. } => StatusCode::OK,
            FlowOutcome::Error(error) => error.code.status(),
        };
        let nonce = random::token(16);
        let html = render(&self, &nonce);
        let csp = format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        let mut response = (status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        response
    }
}

/// The message posted to the opener (SPEC §1/§2).
pub fn message(flow: Option<&FlowId>, outcome: &FlowOutcome) -> Value {
    let flow = flow.map(FlowId::as_str);
    match outcome {
        FlowOutcome::Success { integration_key, connection_id } => json!({
            "type": "nango_oauth_result",
            "flow": flow,
            "success": true,
            "providerConfigKey": integration_key,
            "connectionId": connection_id,
        }),
        FlowOutcome::Error(FlowError { code, message }) => json!({
            "type": "nango_oauth_result",
            "flow": flow,
            "success": false,
            "error": { "code": code.as_str(), "message": message },
        }),
    }
}

/// Render the page with `nonce` on its script and style elements.
pub fn render(page: &ResultPage<'_>, nonce: &str) -> String {
    let (title, detail) = match page.outcome {
        FlowOutcome::Success { integration_key, .. } => {
            ("Connected".to_string(), format!("The connection to {integration_key} is ready."))
        }
        FlowOutcome::Error(error) => ("Connection failed".to_string(), error.message.clone()),
    };
    let script = match page.reply {
        Reply::Opener(origin) => format!(
            "<script nonce=\"{nonce}\">(function(){{var m={message},o={origin};\
             try{{if(window.opener){{window.opener.postMessage(m,o);}}}}catch(e){{}}\
             try{{window.close();}}catch(e){{}}}})();</script>",
            message = script_json(&message(page.flow, page.outcome)),
            origin = script_json(&Value::String(origin.to_string())),
        ),
        Reply::Socket => format!("<script nonce=\"{nonce}\">try{{window.close();}}catch(e){{}}</script>"),
        Reply::Nobody | Reply::Redirect(_) => String::new(),
    };
    let hint = match page.reply {
        Reply::Opener(_) | Reply::Socket => "You may close this window.",
        Reply::Nobody | Reply::Redirect(_)
            if matches!(
                page.outcome,
                FlowOutcome::Error(FlowError { code: ErrorCode::InvalidReturnTo, .. })
            ) =>
        {
            "The app asked to be sent back to a page this server does not allow, so you stay here. \
             Go back to the app and try again, or tell its team."
        }
        Reply::Nobody | Reply::Redirect(_) => {
            "The page that opened this window could not be told (its origin is missing or invalid). \
             You may close this window."
        }
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style nonce=\"{nonce}\">body{{font-family:system-ui,sans-serif;\
         max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}}</style></head>\
         <body><h1>{title}</h1><p>{detail}</p><p>{hint}</p>{script}</body></html>\n",
        title = escape(&title),
        detail = escape(&detail),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowId {
        FlowId::parse("flow-0123456789abcdef").unwrap()
    }

    fn error(code: ErrorCode, message: &str) -> FlowOutcome {
        FlowOutcome::Error(FlowError { code, message: message.into() })
    }

    #[test]
    fn error_page_escapes_provider_text_everywhere() {
        let flow = flow();
        let page = ResultPage {
            flow: Some(&flow),
            reply: Reply::Opener("http://localhost:8080"),
            outcome: &error(ErrorCode::ProviderDenied, "denied: </script><img src=x onerror=alert(1)>"),
        };
        let html = render(&page, "NONCE");
        assert!(!html.contains("<img"));
        assert_eq!(html.matches("</script>").count(), 1);
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains(r#"o="http://localhost:8080""#));
        assert!(html.contains(r#"<script nonce="NONCE">"#));
        assert!(!html.contains("\"*\""));
        assert_eq!(html.matches("<script").count(), 1);
    }

    #[test]
    fn success_message_shape() {
        let flow = flow();
        let outcome = FlowOutcome::Success {
            integration_key: crate::ids::IntegrationKey::parse("demo").unwrap(),
            connection_id: crate::ids::ConnectionId::parse("user-1").unwrap(),
        };
        let value = message(Some(&flow), &outcome);
        assert_eq!(value["type"], "nango_oauth_result");
        assert_eq!(value["flow"], "flow-0123456789abcdef");
        assert_eq!(value["success"], true);
        assert_eq!(value["providerConfigKey"], "demo");
        assert_eq!(value["connectionId"], "user-1");
    }

    #[test]
    fn no_origin_means_no_script() {
        let page =
            ResultPage { flow: None, reply: Reply::Nobody, outcome: &error(ErrorCode::InvalidOrigin, "bad") };
        let html = render(&page, "N");
        assert!(!html.contains("<script"));
        assert!(html.contains("You may close this window."));
    }

    #[test]
    fn a_socket_flow_posts_nothing_and_closes() {
        let flow = flow();
        let page = ResultPage {
            flow: Some(&flow),
            reply: Reply::Socket,
            outcome: &error(ErrorCode::InvalidHmac, "x"),
        };
        let html = render(&page, "N");
        assert!(!html.contains("postMessage"));
        assert!(html.contains("window.close()"));
    }

    #[test]
    fn headers_are_set() {
        let page = ResultPage {
            flow: None,
            reply: Reply::Opener("https://app.example"),
            outcome: &error(ErrorCode::InvalidRequest, "y"),
        };
        let response = page.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let headers = response.headers();
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'nonce-") && !csp.contains("unsafe-inline"));
    }
}
