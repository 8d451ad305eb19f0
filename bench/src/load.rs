//! The closed-loop load generator: `clients` tasks, each on its own keep-alive connection,
//! send one operation after another for a warm-up and then a measured window; latencies of
//! the measured window are kept per client and merged at the end.

use super::http::Conn;
use anyhow::{bail, Context};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one client does once.
pub enum Scenario {
    /// `GET /connection/{id}?provider_config_key=..` for a random one of `n_connections`
    /// seeded ids (see `seed::connection_id`).
    GetConnection { integration: String, n_connections: u64 },
    /// The baseline: the same path shape against the bare axum server.
    Baseline,
    /// A whole OAuth flow: `/oauth/connect` → the `state` in its redirect → `/oauth/callback`.
    Flow { integration: String, public_key: String, run: u64 },
    /// The same flow against the peer (Grant on Express, `peer.rs`), each in a new session:
    /// `/connect/bench` → the `state` in its redirect → `/connect/bench/callback` (Grant
    /// exchanges the code) → `/done` (the app's route reading Grant's result).
    GrantFlow,
    /// `GET /proxy{path}` for the seeded connection 0, forwarded to the fake provider's API.
    Proxy { integration: String, path: &'static str },
    /// The same request straight to the fake provider (`/api{path}`): what the proxy adds.
    Direct { path: &'static str },
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub clients: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

#[derive(Debug, Clone)]
pub struct LoadResult {
    pub operations: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub first_error: Option<String>,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.operations as f64 / self.seconds
    }

    /// The faster of two runs of the same load.
    pub fn faster(self, other: LoadResult) -> LoadResult {
        if other.per_second() > self.per_second() {
            other
        } else {
            self
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "operations": self.operations,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second(), 0),
            "p50_ms": round(self.p50_us as f64 / 1000.0, 3),
            "p99_ms": round(self.p99_us as f64 / 1000.0, 3),
            "max_ms": round(self.max_us as f64 / 1000.0, 3),
            "first_error": self.first_error,
        })
    }
}

pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// Drive `scenario` against `addr` for `window`; fails only when no client could connect.
pub async fn run(
    addr: SocketAddr,
    bearer: Option<&str>,
    scenario: Scenario,
    window: Window,
) -> anyhow::Result<LoadResult> {
    let scenario = Arc::new(scenario);
    let start = Instant::now() + Duration::from_millis(100);
    let warm_end = start + window.warmup;
    let end = warm_end + window.measure;
    let mut tasks = Vec::with_capacity(window.clients);
    for client in 0..window.clients {
        let conn = Conn::open(addr, bearer).await?;
        let scenario = Arc::clone(&scenario);
        let bearer = bearer.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            client_loop(conn, addr, bearer, &scenario, client, start, warm_end, end).await
        }));
    }
    let mut latencies: Vec<u32> = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        let outcome = task.await.context("a load client panicked")?;
        latencies.extend(outcome.latencies_us);
        errors += outcome.errors;
        first_error = first_error.or(outcome.first_error);
    }
    if latencies.is_empty() {
        bail!("no operation succeeded against {addr}: {}", first_error.unwrap_or_default());
    }
    latencies.sort_unstable();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize] as u64;
    Ok(LoadResult {
        operations: latencies.len() as u64,
        errors,
        seconds: window.measure.as_secs_f64(),
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
        max_us: percentile(1.0),
        first_error,
    })
}

struct ClientOutcome {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn client_loop(
    mut conn: Conn,
    addr: SocketAddr,
    bearer: Option<String>,
    scenario: &Scenario,
    client: usize,
    start: Instant,
    warm_end: Instant,
    end: Instant,
) -> ClientOutcome {
    let mut outcome =
        ClientOutcome { latencies_us: Vec::with_capacity(1 << 15), errors: 0, first_error: None };
    tokio::time::sleep_until(start.into()).await;
    // Per-client xorshift: random ids without a shared generator.
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ ((client as u64 + 1) << 17);
    let mut i = 0u64;
    loop {
        let began = Instant::now();
        if began >= end {
            return outcome;
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        i += 1;
        let result = once(&mut conn, scenario, client, i, rng).await;
        let measured = began >= warm_end;
        match result {
            Ok(()) if measured => {
                outcome.latencies_us.push(began.elapsed().as_micros().min(u32::MAX as u128) as u32)
            }
            Ok(()) => {}
            Err(error) => {
                if measured {
                    outcome.errors += 1;
                }
                outcome.first_error.get_or_insert_with(|| format!("{error:#}"));
                // The connection may be gone; open a fresh one (a refused connect ends the client).
                match Conn::open(addr, bearer.as_deref()).await {
                    Ok(fresh) => conn = fresh,
                    Err(_) => return outcome,
                }
            }
        }
    }
}

pub async fn once(
    conn: &mut Conn,
    scenario: &Scenario,
    client: usize,
    i: u64,
    rng: u64,
) -> anyhow::Result<()> {
    match scenario {
        Scenario::GetConnection { integration, n_connections } => {
            let id = super::seed::connection_id(rng % n_connections);
            let answer = conn.get(&format!("/connection/{id}?provider_config_key={integration}")).await?;
            if !answer.status.is_success() {
                bail!("GET /connection answered {}: {}", answer.status, answer.text());
            }
        }
        Scenario::Baseline => {
            let id = super::seed::connection_id(rng % 1000);
            let answer = conn.get(&format!("/connection/{id}?provider_config_key=bench")).await?;
            if !answer.status.is_success() {
                bail!("baseline answered {}", answer.status);
            }
        }
        Scenario::Flow { integration, public_key, run } => {
            let connect = format!(
                "/oauth/connect/{integration}?connection_id=flow-{run}-{client}-{i}&public_key={public_key}\
                 &flow=benchflow-{run}-{client}-{i}&origin=http%3A%2F%2Flocalhost%3A8080"
            );
            let answer = conn.get(&connect).await?;
            let location = answer.header("location").unwrap_or_default();
            let state = query_value(location, "state").with_context(|| {
                format!("connect answered {} without a state: {}", answer.status, answer.text())
            })?;
            let answer = conn.get(&format!("/oauth/callback?code=bench-code&state={state}")).await?;
            if !answer.status.is_success() {
                bail!("callback answered {}: {}", answer.status, answer.text());
            }
        }
        Scenario::Proxy { integration, path } => {
            let id = super::seed::connection_id(0);
            let headers = [("connection-id", id.as_str()), ("provider-config-key", integration.as_str())];
            let answer = conn.get_with(&format!("/proxy{path}"), &headers).await?;
            if !answer.status.is_success() {
                bail!("the proxy answered {}: {}", answer.status, answer.text());
            }
        }
        Scenario::Direct { path } => {
            let answer = conn.get(&format!("/api{path}")).await?;
            if !answer.status.is_success() {
                bail!("the fake provider answered {}", answer.status);
            }
        }
        Scenario::GrantFlow => {
            conn.cookie = None;
            let answer = conn.get("/connect/bench").await?;
            conn.cookie = answer.set_cookie();
            let location = answer.header("location").unwrap_or_default();
            let state = query_value(location, "state").with_context(|| {
                format!("Grant answered {} without a state: {}", answer.status, answer.text())
            })?;
            let answer = conn.get(&format!("/connect/bench/callback?code=bench-code&state={state}")).await?;
            if answer.header("location") != Some("/done") {
                bail!("Grant's callback answered {} to {:?}", answer.status, answer.header("location"));
            }
            let answer = conn.get("/done").await?;
            if !answer.status.is_success() {
                bail!("the peer's /done answered {}: {}", answer.status, answer.text());
            }
        }
    }
    Ok(())
}

/// The raw (still percent-encoded) value of `name` in a URL's query.
fn query_value<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}
