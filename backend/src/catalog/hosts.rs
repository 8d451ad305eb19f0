//! The hosts an operator allows for one integration (its `allowed_hosts`): hosts that a
//! connecting user may choose for the requests carrying the integration's credentials.
//!
//! By default a user's value may never decide the host of the token, refresh or proxy URL
//! (`params`): those requests carry the client secret, the code and the tokens. Entries such
//! as on-premise servers (`https://${connectionConfig.hostname}/oauth/token`) need exactly
//! that, so the operator lists the hosts their users may pick: a host name
//! (`login.example.org`), or `*.` and a domain of at least two labels (`*.my-okta.com`: every
//! host under it, not the domain itself).

use super::template::check_host;

/// What `parse_pattern` refuses, for the `allowed_hosts` field's error message.
pub const PATTERN_RULE: &str = "an allowed host is a host name (`login.example.org`) or `*.` and a \
     domain of at least two labels (`*.my-okta.com`), without scheme, port or path";

/// Check one pattern; returns it in lower case.
pub fn parse_pattern(text: &str) -> Result<String, &'static str> {
    let lower = text.trim().to_ascii_lowercase();
    let (wildcard, domain) = match lower.strip_prefix("*.") {
        Some(domain) => (true, domain),
        None => (false, lower.as_str()),
    };
    let labels_ok = domain.split('.').all(|label| !label.is_empty());
    let enough_labels = !wildcard || domain.split('.').count() >= 2;
    if check_host(domain).is_err() || !labels_ok || !enough_labels {
        return Err(PATTERN_RULE);
    }
    Ok(lower)
}

/// Whether `host` (any case) is allowed by `pattern` (as `parse_pattern` returns it).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(domain) => host.strip_suffix(domain).is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => host == pattern,
    }
}

/// The hosts one integration allows, and its key for error messages.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowedHosts<'a> {
    /// The integration's key; `None` where it is not known (the message then says so).
    pub integration: Option<&'a str>,
    pub patterns: &'a [String],
}

impl<'a> AllowedHosts<'a> {
    /// No host is allowed: the default of every integration.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn of(integration: &'a str, patterns: &'a [String]) -> Self {
        Self { integration: Some(integration), patterns }
    }

    pub fn allows(&self, host: &str) -> bool {
        self.patterns.iter().any(|pattern| host_matches(pattern, host))
    }
}

/// The message for a user's value that chose `host` for a credential request: names the
/// setting that allows it, and the exact request that sets it.
pub fn refusal(key: &str, host: &str, allowed: &AllowedHosts<'_>) -> String {
    let integration = allowed.integration.unwrap_or("<unique_key>");
    let parent = host.split_once('.').map(|(_, parent)| parent).filter(|parent| parent.contains('.'));
    let pattern = parent.map(|parent| format!(" (or a pattern such as `*.{parent}`)")).unwrap_or_default();
    format!(
        "connection configuration `{key}` chooses `{host}` as the host that receives the integration's \
         client secret and tokens, which is refused unless the integration allows that host: add \
         `{host}`{pattern} to the integration's `allowed_hosts` with `PATCH /integrations/{integration}` \
         and the body `{{\"allowed_hosts\": [\"{host}\"]}}`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_host_names_or_wildcard_domains() {
        assert_eq!(parse_pattern("Login.Example.org"), Ok("login.example.org".to_owned()));
        assert_eq!(parse_pattern("*.my-okta.com"), Ok("*.my-okta.com".to_owned()));
        assert_eq!(parse_pattern("localhost"), Ok("localhost".to_owned()));
        for bad in ["*", "*.com", "*.", "", "https://a.example.com", "a.example.com:443", "a.example.com/x"] {
            assert_eq!(parse_pattern(bad), Err(PATTERN_RULE), "{bad:?}");
        }
        for bad in ["a..b.com", "a b.com", "*.*.example.com", "a.*.example.com", ".example.com", "x@y.com"] {
            assert_eq!(parse_pattern(bad), Err(PATTERN_RULE), "{bad:?}");
        }
    }

    #[test]
    fn a_wildcard_matches_hosts_under_its_domain_only() {
        assert!(host_matches("*.my-okta.com", "acme.my-okta.com"));
        assert!(host_matches("*.my-okta.com", "a.b.MY-OKTA.com"));
        assert!(!host_matches("*.my-okta.com", "my-okta.com"));
        assert!(!host_matches("*.my-okta.com", "evilmy-okta.com"));
        assert!(!host_matches("*.my-okta.com", "my-okta.com.evil.com"));
        assert!(host_matches("login.example.org", "LOGIN.example.org"));
        assert!(!host_matches("login.example.org", "x.login.example.org"));
    }

    #[test]
    fn allowed_hosts_and_the_refusal_say_how_to_allow() {
        let patterns = vec!["*.highq.com".to_owned()];
        let allowed = AllowedHosts::of("crm", &patterns);
        assert!(allowed.allows("acme.highq.com"));
        assert!(!allowed.allows("acme.example.com"));
        assert!(!AllowedHosts::none().allows("acme.highq.com"));
        let message = refusal("hostname", "acme.example.com", &allowed);
        assert!(message.contains("`hostname`"), "{message}");
        assert!(message.contains("PATCH /integrations/crm"), "{message}");
        assert!(message.contains(r#"{"allowed_hosts": ["acme.example.com"]}"#), "{message}");
        assert!(message.contains("`*.example.com`"), "{message}");
        let message = refusal("hostname", "example.com", &AllowedHosts::none());
        assert!(message.contains("PATCH /integrations/<unique_key>") && !message.contains("*."), "{message}");
    }
}
