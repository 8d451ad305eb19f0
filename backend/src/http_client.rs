//! The HTTP client for providers and webhooks: bounded time-outs, no redirects followed, and
//! `*.localhost` names resolved to loopback as RFC 6761 asks (browsers do the same), so
//! `${connectionConfig.subdomain}.localhost` templates work in local setups and tests.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub fn build(timeout_seconds: u64) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_seconds))
        .connect_timeout(Duration::from_secs(timeout_seconds.min(10)))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(LoopbackAwareResolver))
        .user_agent(concat!("nango-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// System resolver, except that `localhost` and `*.localhost` always mean loopback.
struct LoopbackAwareResolver;

impl Resolve for LoopbackAwareResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if is_localhost_name(&host) {
                let loopback = [
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
                ];
                let addrs: Addrs = Box::new(loopback.into_iter());
                return Ok(addrs);
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

fn is_localhost_name(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    #[test]
    fn localhost_names() {
        assert!(super::is_localhost_name("localhost"));
        assert!(super::is_localhost_name("acme.localhost"));
        assert!(!super::is_localhost_name("localhost.evil.com"));
        assert!(!super::is_localhost_name("notlocalhost"));
    }
}
