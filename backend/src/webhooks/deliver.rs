//! One attempt at delivering an event: POST its body, signed (`signing.rs`), through the
//! outbound client and its policy (SPEC §13), within the time-out; what happened becomes a
//! `WebhookAttempt` (host-only, secret-free) and a `Verdict` (`schedule.rs`).

use super::schedule::{self, Verdict};
use super::signing::signed_headers;
use crate::outbound::{Outbound, OutboundError};
use crate::secret::Secret;
use crate::store::WebhookAttempt;
use std::time::{Duration, Instant};

/// What one attempt did.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub attempt: WebhookAttempt,
    pub verdict: Verdict,
}

/// What an attempt sends.
pub struct Delivery<'a> {
    pub event_id: &'a uuid::Uuid,
    pub url: &'a str,
    pub body: &'a str,
    pub secret_key: &'a Secret<String>,
    pub timeout: Duration,
}

/// POST the event once, at `now` (unix ms).
pub async fn attempt(http: &Outbound, delivery: &Delivery<'_>, now: i64) -> AttemptResult {
    let started = Instant::now();
    let (status_code, error, verdict) = match send(http, delivery, now).await {
        Ok((status, retry_after)) => (Some(status), None, Verdict::of_status(status, retry_after)),
        Err(failure) => (None, Some(failure.message), failure.verdict),
    };
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    AttemptResult { attempt: WebhookAttempt { attempted_at: now, status_code, latency_ms, error }, verdict }
}

/// The host of a webhook URL, the only part of it that is logged or shown: a path or query may
/// hold a token.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|url| url.host_str().map(str::to_owned)).unwrap_or_default()
}

struct Failure {
    message: String,
    verdict: Verdict,
}

/// The receiver's status and `Retry-After` (429 and 503 only), or why no answer came.
async fn send(
    http: &Outbound,
    delivery: &Delivery<'_>,
    now: i64,
) -> Result<(u16, Option<Duration>), Failure> {
    let refused = |message: String| Failure { message, verdict: Verdict::Fail };
    let request = match http.post(delivery.url) {
        Ok(request) => request,
        Err(OutboundError::BadUrl) => return Err(refused("the webhook URL is not a valid URL".into())),
        Err(OutboundError::Refused(refusal)) => return Err(refused(refusal.to_string())),
    };
    let mut request = request
        .timeout(delivery.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(delivery.body.to_owned());
    let body = delivery.body.as_bytes();
    for (name, value) in signed_headers(delivery.secret_key, delivery.event_id, body, now.div_euclid(1000)) {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = matches!(status, 429 | 503)
                .then(|| schedule::retry_after(response.headers(), crate::time::now_ms()))
                .flatten();
            Ok((status, retry_after))
        }
        Err(error) if crate::outbound::is_refusal(&error) => Err(refused(describe(&error))),
        Err(error) if error.is_timeout() => Err(Failure {
            message: format!("no answer within {} s", delivery.timeout.as_secs_f64()),
            verdict: Verdict::Retry { retry_after: None },
        }),
        Err(error) => {
            Err(Failure { message: describe(&error), verdict: Verdict::Retry { retry_after: None } })
        }
    }
}

/// What went wrong and why, without the URL: reqwest's own message names it, so the kind is
/// said in our words and only the causes (which never hold it) are quoted.
fn describe(error: &reqwest::Error) -> String {
    let mut message = String::from(if error.is_connect() {
        "could not connect"
    } else if error.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    });
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        let text = current.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = current.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_host_of_a_url_is_kept() {
        assert_eq!(host_of("https://hooks.example.com/t/SECRET-TOKEN?key=1"), "hooks.example.com");
        assert_eq!(host_of("not a url"), "");
    }

    #[tokio::test]
    async fn network_errors_are_retried_policy_refusals_are_not() {
        let key = Secret::new("secret-key-0123456789".to_string());
        let event_id = uuid::Uuid::new_v4();
        let delivery = |url| Delivery {
            event_id: &event_id,
            url,
            body: "{}",
            secret_key: &key,
            timeout: Duration::from_secs(5),
        };
        let loopback = crate::outbound::OutboundPolicy::parse("127.0.0.0/8").unwrap();
        let http = Outbound::build(5, loopback).unwrap();
        // Port 9 (discard) has no listener here: the connection is refused.
        let result = attempt(&http, &delivery("http://127.0.0.1:9/hook/SECRET-PATH"), 0).await;
        assert_eq!(result.verdict, Verdict::Retry { retry_after: None });
        assert_eq!(result.attempt.status_code, None);
        let error = result.attempt.error.unwrap();
        assert!(!error.contains("SECRET-PATH") && !error.is_empty(), "{error}");

        let strict = Outbound::build(5, Default::default()).unwrap();
        let result = attempt(&strict, &delivery("http://127.0.0.1:9/hook"), 0).await;
        assert_eq!(result.verdict, Verdict::Fail);
        assert!(result.attempt.error.unwrap().contains("NANGO_OUTBOUND_ALLOW"));
        assert_eq!(attempt(&strict, &delivery("::"), 0).await.verdict, Verdict::Fail);
    }
}
