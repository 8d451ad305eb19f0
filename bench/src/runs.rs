//! The runs beyond `GET /connection`: complete flows beside the peer, the proxy beside
//! direct calls, and the memory of idle result channels.

use super::load::{self, LoadResult, Scenario, Window};
use super::servers::{self, ServerProcess, INTEGRATION, PUBLIC_KEY, SECRET_KEY};
use super::{peer, sockets, Options};
use std::net::SocketAddr;
use std::time::Duration;

/// Complete OAuth flows, ours and Grant's, one after the other at each of `concurrencies`.
pub struct FlowComparison {
    pub clients: usize,
    pub ours: LoadResult,
    pub grant: LoadResult,
}

pub async fn compare_flows(
    options: &Options,
    server: SocketAddr,
    provider: SocketAddr,
    window: Window,
    run: u64,
    concurrencies: &[usize],
) -> anyhow::Result<Vec<FlowComparison>> {
    let grant = peer::GrantProcess::start(&options.peer_script, &options.peer_modules, provider).await?;
    println!("bench: the Grant peer (node pid {}) on {}", grant.pid(), grant.addr);
    let mut flows = Vec::new();
    for &clients in concurrencies {
        let window = Window { clients, ..window };
        println!("bench: OAuth flows (connect + callback + token exchange), {clients} concurrent, ours");
        // Each run its own connection ids: every flow creates a connection.
        let flow = Scenario::Flow {
            integration: INTEGRATION.into(),
            public_key: PUBLIC_KEY.into(),
            run: run * 1000 + clients as u64,
        };
        let ours = load::run(server, None, flow, window).await?;
        println!("bench: the same flows through Grant, {clients} concurrent");
        let theirs = load::run(grant.addr, None, Scenario::GrantFlow, window).await?;
        flows.push(FlowComparison { clients, ours, grant: theirs });
    }
    Ok(flows)
}

/// One point of the scaling curve: a load at `clients` concurrent clients with `stored`
/// connections in the store (0 for the bare axum baseline).
#[derive(Clone)]
pub struct CurvePoint {
    pub what: &'static str,
    pub clients: usize,
    pub stored: u64,
    pub result: LoadResult,
}

/// `scenario` at each of `clients`, one run after the other.
pub async fn curve(
    what: &'static str,
    addr: SocketAddr,
    key: Option<&str>,
    scenario: impl Fn() -> Scenario,
    stored: u64,
    window: Window,
    clients: &[usize],
) -> anyhow::Result<Vec<CurvePoint>> {
    let mut points = Vec::new();
    for &clients in clients {
        println!("bench: {what}, {stored} stored connections, {clients} clients");
        let result = load::run(addr, key, scenario(), Window { clients, ..window }).await?;
        points.push(CurvePoint { what, clients, stored, result });
    }
    Ok(points)
}

/// One client, one request after the other: latency with no queueing, so the difference of
/// the p50s is what the proxy adds.
pub struct ProxyCost {
    pub small_proxy: LoadResult,
    pub small_direct: LoadResult,
    pub large_proxy: LoadResult,
    pub large_direct: LoadResult,
}

pub async fn proxy_cost(
    server: SocketAddr,
    provider: SocketAddr,
    window: Window,
) -> anyhow::Result<ProxyCost> {
    let one = Window { clients: 1, ..window };
    let proxy = |path| Scenario::Proxy { integration: INTEGRATION.into(), path };
    Ok(ProxyCost {
        small_proxy: load::run(server, Some(SECRET_KEY), proxy("/small"), one).await?,
        small_direct: load::run(provider, None, Scenario::Direct { path: "/small" }, one).await?,
        large_proxy: load::run(server, Some(SECRET_KEY), proxy("/large"), one).await?,
        large_direct: load::run(provider, None, Scenario::Direct { path: "/large" }, one).await?,
    })
}

/// The server's memory before and while `sockets` WebSockets and `streams` event streams
/// were open.
pub struct ChannelCost {
    pub sockets: usize,
    pub streams: usize,
    pub before: servers::Memory,
    pub open: servers::Memory,
}

pub async fn channel_cost(
    server: &ServerProcess,
    sockets: usize,
    streams: usize,
) -> anyhow::Result<ChannelCost> {
    println!("bench: {sockets} idle WebSocket result sockets and {streams} event streams");
    let before = server.memory_kib()?;
    let open = sockets::open(server.addr, INTEGRATION, PUBLIC_KEY, sockets, streams).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cost = ChannelCost { sockets, streams, before, open: server.memory_kib()? };
    drop(open);
    Ok(cost)
}
