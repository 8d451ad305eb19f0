//! The outbound HTTP client (token, refresh, proxy, webhooks) and its policy (SPEC §13
//! "Outbound requests"):
//! - a host name is resolved once, here, and the connection goes to an address that resolver
//!   returned (no second lookup that DNS rebinding could answer differently);
//! - private, loopback, link-local, CGNAT, unique-local and metadata addresses are refused
//!   unless `NANGO_OUTBOUND_ALLOW` lists them (CIDRs) or the host name; IP literals in URLs
//!   get the same check before any byte is sent;
//! - at most 3 redirects, each target checked the same way;
//! - bounded time-outs; `localhost` and `*.localhost` mean loopback (RFC 6761).

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 3;

/// Addresses no outbound request may reach unless allowed.
const FORBIDDEN: [&str; 17] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "64:ff9b::/96",
];

/// What `NANGO_OUTBOUND_ALLOW` allows besides public addresses.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    networks: Vec<IpNet>,
    /// Lower-case host names whose addresses are allowed whatever they are.
    hosts: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("outbound policy: `{host}` is a private or reserved address; allow it with NANGO_OUTBOUND_ALLOW")]
pub struct Refused {
    pub host: String,
}

impl OutboundPolicy {
    /// Parse `NANGO_OUTBOUND_ALLOW`: comma-separated CIDRs (`127.0.0.0/8`, `::1/128`), single
    /// addresses, and host names.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            if let Ok(network) = item.parse::<IpNet>() {
                policy.networks.push(network);
            } else if let Ok(address) = item.parse::<IpAddr>() {
                policy.networks.push(IpNet::from(address));
            } else if item.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                policy.hosts.push(item.to_ascii_lowercase());
            } else {
                return Err(format!("`{item}` is neither a CIDR, an address nor a host name"));
            }
        }
        Ok(policy)
    }

    /// Also allow `host` (the server itself, for the built-in demo provider).
    pub fn allow_host(&mut self, host: &str) {
        self.hosts.push(host.to_ascii_lowercase());
    }

    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    pub fn allows_address(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        !is_forbidden(address) || self.networks.iter().any(|network| network.contains(&address))
    }

    /// The check of a URL's host before a request: IP literals are checked here (they never
    /// reach the resolver); names are checked by the resolver on the addresses it finds.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
        let refused = || Refused { host: url.host_str().unwrap_or_default().to_owned() };
        match url.host() {
            Some(url::Host::Ipv4(address)) if !self.allows_address(IpAddr::V4(address)) => Err(refused()),
            Some(url::Host::Ipv6(address)) if !self.allows_address(IpAddr::V6(address)) => Err(refused()),
            None => Err(refused()),
            _ => Ok(()),
        }
    }
}

/// The client every outbound request uses, with its policy.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    /// The same policy, following no redirect (the callback URL self-test looks at the hop).
    no_redirects: reqwest::Client,
    policy: Arc<OutboundPolicy>,
}

impl Outbound {
    pub fn build(timeout_seconds: u64, policy: OutboundPolicy) -> reqwest::Result<Self> {
        let policy = Arc::new(policy);
        let redirect_policy = policy.clone();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(timeout_seconds))
            .connect_timeout(Duration::from_secs(timeout_seconds.min(10)))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if let Err(refused) = redirect_policy.check_url(attempt.url()) {
                    attempt.error(refused)
                } else {
                    attempt.follow()
                }
            }))
            .dns_resolver(Arc::new(PolicyResolver { policy: policy.clone() }))
            .no_proxy()
            .user_agent(concat!("nango-server/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let no_redirects = reqwest::Client::builder()
            .timeout(Duration::from_secs(timeout_seconds))
            .connect_timeout(Duration::from_secs(timeout_seconds.min(10)))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PolicyResolver { policy: policy.clone() }))
            .no_proxy()
            .user_agent(concat!("nango-server/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, no_redirects, policy })
    }

    /// A request to `url`, refused before any byte is sent when its host is not allowed.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, OutboundError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| OutboundError::BadUrl)?;
        self.policy.check_url(&parsed)?;
        Ok(self.client.request(method, parsed))
    }

    /// The policy's verdict on a URL the browser will be sent to (the authorize step).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
        self.policy.check_url(url)
    }

    /// The client that follows no redirect, for a `url` the policy allows (IP literals are
    /// checked here, names by the resolver).
    pub fn without_redirects(&self, url: &reqwest::Url) -> Result<&reqwest::Client, Refused> {
        self.policy.check_url(url)?;
        Ok(&self.no_redirects)
    }

    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, OutboundError> {
        self.request(reqwest::Method::POST, url)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("not a valid URL")]
    BadUrl,
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// Whether a failed request was refused by the policy (at the resolver or a redirect).
pub fn is_refusal(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<Refused>() || current.to_string().starts_with("outbound policy:") {
            return true;
        }
        source = current.source();
    }
    false
}

/// System resolver (with `*.localhost` as loopback) whose answers pass the policy.
struct PolicyResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let policy = self.policy.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> = if is_localhost_name(&host) {
                vec![
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
                ]
            } else {
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
            };
            let allowed: Vec<SocketAddr> = if policy.allows_host(&host) {
                found
            } else {
                found.into_iter().filter(|addr| policy.allows_address(addr.ip())).collect()
            };
            if allowed.is_empty() {
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

fn is_localhost_name(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is checked as the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

fn is_forbidden(address: IpAddr) -> bool {
    FORBIDDEN.iter().filter_map(|cidr| cidr.parse::<IpNet>().ok()).any(|network| network.contains(&address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn localhost_names() {
        assert!(is_localhost_name("localhost"));
        assert!(is_localhost_name("acme.localhost"));
        assert!(!is_localhost_name("localhost.evil.com"));
        assert!(!is_localhost_name("notlocalhost"));
    }

    #[test]
    fn private_and_metadata_addresses_are_refused_by_default() {
        let policy = OutboundPolicy::default();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!policy.allows_address(ip(refused)), "{refused}");
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(policy.allows_address(ip(allowed)), "{allowed}");
        }
    }

    #[test]
    fn the_allow_list_takes_cidrs_addresses_and_host_names() {
        let policy = OutboundPolicy::parse("127.0.0.0/8, ::1/128,10.0.0.7,idp.internal").unwrap();
        assert!(policy.allows_address(ip("127.0.0.1")) && policy.allows_address(ip("::1")));
        assert!(policy.allows_address(ip("10.0.0.7")) && !policy.allows_address(ip("10.0.0.8")));
        assert!(!policy.allows_address(ip("169.254.169.254")));
        assert!(policy.allows_host("IDP.internal.") && !policy.allows_host("other.internal"));
        assert!(OutboundPolicy::parse("http://x/").is_err());
    }

    #[test]
    fn ip_literal_urls_are_checked_before_sending() {
        let policy = OutboundPolicy::default();
        for url in [
            "http://127.0.0.1:9/token",
            "http://169.254.169.254/latest",
            "http://[::1]/x",
            "http://[::ffff:10.0.0.1]/",
        ] {
            assert!(policy.check_url(&reqwest::Url::parse(url).unwrap()).is_err(), "{url}");
        }
        assert!(policy.check_url(&reqwest::Url::parse("https://idp.example.com/token").unwrap()).is_ok());
    }
}
