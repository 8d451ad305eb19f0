//! Rate limits without Redis (SPEC §13 "Limits"), in memory per replica (governor's GCRA):
//! - unauthenticated browser routes (connect, flows, event streams, credential POSTs) per IP;
//! - wrong secret keys per IP: past the limit every attempt from that IP is refused before
//!   its key is even looked at, so guessing cannot continue at full speed.
//!
//! A refusal carries the seconds after which a retry may pass (`Retry-After`).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Blocked IPs remembered at most (older entries are dropped when the map is full).
const MAX_BLOCKED: usize = 10_000;

/// Requests per minute, per IP.
#[derive(Debug, Clone, Copy)]
pub struct RateSettings {
    pub browser_per_minute: u32,
    pub wrong_secret_keys_per_minute: u32,
}

impl Default for RateSettings {
    fn default() -> Self {
        Self { browser_per_minute: 600, wrong_secret_keys_per_minute: 30 }
    }
}

/// Refused: retry after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

pub struct RateLimits {
    browser: DefaultKeyedRateLimiter<IpAddr>,
    wrong_secret_keys: DefaultKeyedRateLimiter<IpAddr>,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl RateLimits {
    pub fn new(settings: RateSettings) -> Self {
        Self {
            browser: RateLimiter::keyed(per_minute(settings.browser_per_minute)),
            wrong_secret_keys: RateLimiter::keyed(per_minute(settings.wrong_secret_keys_per_minute)),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// One request to an unauthenticated browser route from `ip`.
    pub fn browser_request(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        self.browser
            .check_key(&ip)
            .map_err(|not_until| retry_after(not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// Before a secret key is checked: is `ip` blocked for guessing?
    pub fn secret_key_attempt(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        let Ok(blocked) = self.blocked.lock() else { return Ok(()) };
        match blocked.get(&ip) {
            Some(until) if *until > Instant::now() => Err(retry_after(*until - Instant::now())),
            _ => Ok(()),
        }
    }

    /// A wrong secret key from `ip`; past the limit the IP is blocked for a while.
    pub fn wrong_secret_key(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        let Err(not_until) = self.wrong_secret_keys.check_key(&ip) else { return Ok(()) };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        if let Ok(mut blocked) = self.blocked.lock() {
            if blocked.len() >= MAX_BLOCKED {
                let now = Instant::now();
                blocked.retain(|_, until| *until > now);
            }
            if blocked.len() < MAX_BLOCKED {
                blocked.insert(ip, Instant::now() + wait);
            }
        }
        Err(retry_after(wait))
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

fn retry_after(wait: Duration) -> RetryAfter {
    RetryAfter(wait.as_secs().saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_requests_are_limited_per_ip() {
        let limits = RateLimits::new(RateSettings { browser_per_minute: 3, wrong_secret_keys_per_minute: 1 });
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap());
        for _ in 0..3 {
            assert!(limits.browser_request(a).is_ok());
        }
        let RetryAfter(seconds) = limits.browser_request(a).unwrap_err();
        assert!((1..=21).contains(&seconds), "{seconds}");
        assert!(limits.browser_request(b).is_ok(), "another IP has its own budget");
    }

    #[test]
    fn wrong_secret_keys_block_the_ip() {
        let limits = RateLimits::new(RateSettings { browser_per_minute: 3, wrong_secret_keys_per_minute: 2 });
        let ip: IpAddr = "127.0.0.9".parse().unwrap();
        assert!(limits.secret_key_attempt(ip).is_ok());
        assert!(limits.wrong_secret_key(ip).is_ok());
        assert!(limits.wrong_secret_key(ip).is_ok());
        assert!(limits.wrong_secret_key(ip).is_err());
        assert!(limits.secret_key_attempt(ip).is_err(), "blocked before the key is checked");
        assert!(limits.secret_key_attempt("127.0.0.10".parse().unwrap()).is_ok());
    }
}
