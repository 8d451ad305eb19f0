//! The small HTML page that ends a popup flow (SPEC §2 step 5): it posts the outcome to
//! `window.opener` with targetOrigin = the flow's opener origin (never `*`), then closes.
//!
//! Data reaches the script as JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so no value
//! can end the `<script>` element; visible text is HTML-escaped. A per-response nonce in the
//! Content-Security-Policy allows only this inline script. No credentials ever appear here.

use crate::crypto::random;
use crate::error::ApiError;
use crate::ids::FlowId;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// How a flow ended, as the popup reports it.
#[derive(Debug, Clone)]
pub enum PageOutcome {
    Success { provider_config_key: String, connection_id: String },
    Error { code: &'static str, message: String },
}

impl PageOutcome {
    pub fn from_error(error: &ApiError) -> Self {
        Self::Error { code: error.code().as_str(), message: error.message().to_string() }
    }
}

/// Everything the page needs. `origin` is `None` when the flow's opener origin is unknown or
/// invalid: the page then posts nothing and only tells the user.
#[derive(Debug, Clone)]
pub struct ResultPage<'a> {
    pub flow: Option<&'a FlowId>,
    pub origin: Option<&'a str>,
    pub outcome: PageOutcome,
}

impl ResultPage<'_> {
    /// The page as a response with `status` and its security headers.
    pub fn into_response_with(self, status: StatusCode) -> Response {
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
pub fn message(flow: Option<&FlowId>, outcome: &PageOutcome) -> Value {
    let flow = flow.map(FlowId::as_str);
    match outcome {
        PageOutcome::Success { provider_config_key, connection_id } => json!({
            "type": "nango_oauth_result",
            "flow": flow,
            "success": true,
            "providerConfigKey": provider_config_key,
            "connectionId": connection_id,
        }),
        PageOutcome::Error { code, message } => json!({
            "type": "nango_oauth_result",
            "flow": flow,
            "success": false,
            "error": { "code": code, "message": message },
        }),
    }
}

/// Render the page with `nonce` on its script and style elements.
pub fn render(page: &ResultPage<'_>, nonce: &str) -> String {
    let (title, detail) = match &page.outcome {
        PageOutcome::Success { provider_config_key, .. } => {
            ("Connected".to_string(), format!("The connection to {provider_config_key} is ready."))
        }
        PageOutcome::Error { message, .. } => ("Connection failed".to_string(), message.clone()),
    };
    let script = match page.origin {
        Some(origin) => format!(
            "<script nonce=\"{nonce}\">(function(){{var m={message},o={origin};\
             try{{if(window.opener){{window.opener.postMessage(m,o);}}}}catch(e){{}}\
             try{{window.close();}}catch(e){{}}}})();</script>",
            message = script_json(&message(page.flow, &page.outcome)),
            origin = script_json(&Value::String(origin.to_string())),
        ),
        None => String::new(),
    };
    let hint = if page.origin.is_some() {
        "You may close this window."
    } else {
        "The page that opened this window could not be told (its origin is missing or invalid). \
         You may close this window."
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style nonce=\"{nonce}\">body{{font-family:system-ui,sans-serif;\
         max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}}</style></head>\
         <body><h1>{title}</h1><p>{detail}</p><p>{hint}</p>{script}</body></html>\n",
        title = html_escape(&title),
        detail = html_escape(&detail),
    )
}

/// JSON that is safe inside a `<script>` element.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

/// Escape text for HTML element content and quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowId {
        FlowId::parse("flow-0123456789abcdef").unwrap()
    }

    #[test]
    fn script_json_cannot_break_out() {
        let value = json!({"m": "</script><script>alert(1)</script>&\u{2028}\u{2029}"});
        let escaped = script_json(&value);
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('&'));
        assert!(!escaped.contains('\u{2028}') && !escaped.contains('\u{2029}'));
        // Still the same JSON value.
        assert_eq!(serde_json::from_str::<Value>(&escaped).unwrap(), value);
    }

    #[test]
    fn html_escape_covers_markup_and_quotes() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }

    #[test]
    fn error_page_escapes_provider_text_everywhere() {
        let flow = flow();
        let page = ResultPage {
            flow: Some(&flow),
            origin: Some("http://localhost:8080"),
            outcome: PageOutcome::Error {
                code: "provider_denied",
                message: "denied: </script><img src=x onerror=alert(1)>".into(),
            },
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
        let outcome =
            PageOutcome::Success { provider_config_key: "demo".into(), connection_id: "user-1".into() };
        let value = message(Some(&flow), &outcome);
        assert_eq!(value["type"], "nango_oauth_result");
        assert_eq!(value["flow"], "flow-0123456789abcdef");
        assert_eq!(value["success"], true);
        assert_eq!(value["providerConfigKey"], "demo");
        assert_eq!(value["connectionId"], "user-1");
    }

    #[test]
    fn no_origin_means_no_script() {
        let page = ResultPage {
            flow: None,
            origin: None,
            outcome: PageOutcome::Error { code: "invalid_origin", message: "bad".into() },
        };
        let html = render(&page, "N");
        assert!(!html.contains("<script"));
        assert!(html.contains("You may close this window."));
    }

    #[test]
    fn headers_are_set() {
        let page = ResultPage {
            flow: None,
            origin: Some("https://app.example"),
            outcome: PageOutcome::Error { code: "x", message: "y".into() },
        };
        let response = page.into_response_with(StatusCode::BAD_REQUEST);
        let headers = response.headers();
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'nonce-") && !csp.contains("unsafe-inline"));
    }
}
