//! Does the callback URL reach `/oauth/callback`? The check behind `nango-server doctor` and
//! the console's self-test (`POST /environment/callback-check`), written once.
//!
//! The URL is requested once with a probe parameter added, redirects not followed: the
//! server's own `/oauth/callback` (or another server's) passes when it answers; any other page
//! (the operator's app) must redirect (302/303/307/308) to a `/oauth/callback` keeping the
//! query (SPEC §5 "Custom callback URL").

use std::fmt::Display;

/// The parameter added to the probe; the redirect's target must keep it.
pub const PROBE: &str = "nango_doctor=1";

const FIX_REDIRECT: &str =
    "it must redirect (302/303/307/308) to /oauth/callback keeping the query; fix the page or PATCH /environment `callback_url`";

/// The verdict: `detail` says what was found, `fix` (on failure) what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackCheck {
    pub ok: bool,
    /// The URL requested (with the probe), or the configured text when it is not a URL.
    pub url: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl CallbackCheck {
    fn pass(url: &str, detail: impl Display) -> Self {
        Self { ok: true, url: url.to_owned(), detail: detail.to_string(), fix: None }
    }

    fn fail(url: &str, problem: impl Display, fix: impl Display) -> Self {
        Self { ok: false, url: url.to_owned(), detail: problem.to_string(), fix: Some(fix.to_string()) }
    }
}

/// Check `url` (the environment's `callback_url`, or `default`, this server's own) with
/// `client`, which must not follow redirects. The default passes when nothing answers there:
/// doctor usually runs while the server is stopped.
pub async fn check(client: &reqwest::Client, url: &str, default: &str) -> CallbackCheck {
    let custom = url != default;
    let Ok(mut probe) = url::Url::parse(url) else {
        return CallbackCheck::fail(
            url,
            format!("`{url}` is not a URL"),
            "PATCH /environment with a valid `callback_url`",
        );
    };
    probe.set_query(Some(&match probe.query() {
        Some(query) => format!("{query}&{PROBE}"),
        None => PROBE.to_string(),
    }));
    let response = match client.get(probe.clone()).send().await {
        Ok(response) => response,
        Err(_) if !custom => {
            return CallbackCheck::pass(
                url,
                format!("{url}, this server's own (not running now, not requested)"),
            )
        }
        Err(error) if crate::outbound::is_refusal(&error) => {
            return CallbackCheck::fail(
                url,
                format!("{url} is refused by the outbound policy (a private or loopback address)"),
                "allow its host in NANGO_OUTBOUND_ALLOW, or use a public callback URL",
            )
        }
        Err(_) => {
            return CallbackCheck::fail(
                url,
                format!("{url} is not reachable (is the server running?)"),
                "make that page answer, or PATCH /environment `callback_url` (null for the default)",
            )
        }
    };
    if probe.path().ends_with("/oauth/callback") {
        return CallbackCheck::pass(url, format!("{url} answers ({})", response.status()));
    }
    let status = response.status();
    if !matches!(status.as_u16(), 302 | 303 | 307 | 308) {
        return CallbackCheck::fail(url, format!("{url} answers {status}, not a redirect"), FIX_REDIRECT);
    }
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|value| value.to_str().ok());
    match location.and_then(|location| probe.join(location).ok()) {
        Some(target)
            if target.path().ends_with("/oauth/callback")
                && target.query().is_some_and(|query| query.contains(PROBE)) =>
        {
            CallbackCheck::pass(url, format!("{url} answers {status}, redirects to {}", target.path()))
        }
        _ => CallbackCheck::fail(
            url,
            format!("{url} redirects to `{}`, not to /oauth/callback with the query", location.unwrap_or("")),
            FIX_REDIRECT,
        ),
    }
}
