//! Partial runs, for trying a change without the whole bench: each measures one thing on a
//! fresh server, prints it and writes no report (`cargo xtask bench --channels-only`,
//! `--flows-only`, `--reads-only` or `--instructions` leaves BENCHMARKS.md as it is).

use super::load::{self, Scenario, Window};
use super::servers::{self, ServerProcess, INTEGRATION, PROVIDER, SECRET_KEY};
use super::{
    create_integration, postgres, runs, seed, Options, EVENT_STREAMS, FLOW_BUDGET_CLIENTS, RESULT_SOCKETS,
    SMALL_STORE,
};
use std::path::Path;

#[derive(Debug, Clone, Copy)]
pub enum Only {
    /// The server's memory with the full number of idle result channels open.
    Channels,
    /// Complete flows, ours beside Grant's, at the concurrencies the budget names.
    Flows,
    /// `GET /connection` with the small store beside the bare axum baseline, at `CLIENTS`, on
    /// SQLite and on Postgres.
    Reads,
    /// The instructions one `GET /connection` costs the server (`instructions.rs`).
    Instructions,
}

pub async fn run(only: Only, options: &Options, data_dir: &Path, window: Window) -> anyhow::Result<()> {
    if let Only::Instructions = only {
        use super::instructions::{per_request, Counted};
        let read = per_request(options, data_dir, Counted::Read).await?;
        println!("GET /connection: {read:.0} instructions per read in nango-server (callgrind, user space)");
        let flow = per_request(options, data_dir, Counted::Flow).await?;
        println!(
            "complete OAuth flow: {flow:.0} instructions per flow in nango-server (callgrind, user space)"
        );
        return Ok(());
    }
    let provider_addr = servers::start_fake_provider().await?;
    let server = ServerProcess::start(&options.server, data_dir, provider_addr).await?;
    println!("bench: nango-server pid {} on {}", server.pid(), server.addr);
    let mut admin = create_integration(&server).await?;
    match only {
        Only::Channels => {
            let channels = runs::channel_cost(&server, RESULT_SOCKETS, EVENT_STREAMS).await?;
            let kib = channels.open.anon_kib.saturating_sub(channels.before.anon_kib);
            println!(
                "open channels: RSS {} -> {} KiB, heap {:.2} KiB per channel",
                channels.before.rss_kib,
                channels.open.rss_kib,
                kib as f64 / (channels.sockets + channels.streams) as f64
            );
        }
        Only::Flows => {
            let run = nango_backend::time::now() as u64;
            let flows =
                runs::compare_flows(options, server.addr, provider_addr, window, run, &FLOW_BUDGET_CLIENTS)
                    .await?;
            for flow in flows {
                let (ours, grant) = (flow.ours.per_second(), flow.grant.per_second());
                println!(
                    "flows, {} concurrent: ours {ours:.0}/s (p50 {:.1} ms, {} errors), Grant {grant:.0}/s, ratio {:.2}",
                    flow.clients,
                    flow.ours.p50_us as f64 / 1000.0,
                    flow.ours.errors,
                    ours / grant.max(1.0)
                );
            }
            println!("server memory after the flows: {} KiB", server.memory_kib()?.rss_kib);
        }
        Only::Instructions => {}
        Only::Reads => {
            let path = data_dir.join("nango.db");
            let mut seeder =
                seed::Seeder::open(&path, servers::ENCRYPTION_KEY, INTEGRATION, PROVIDER).await?;
            seeder.seed_to(SMALL_STORE, nango_backend::time::now()).await?;
            let sample = admin
                .get(&format!("/connection/{}?provider_config_key={INTEGRATION}", seed::connection_id(0)))
                .await?;
            anyhow::ensure!(sample.status.is_success(), "GET /connection answered {}", sample.status);
            let get = Scenario::GetConnection { integration: INTEGRATION.into(), n_connections: SMALL_STORE };
            let ours = load::run(server.addr, Some(SECRET_KEY), get, window).await?;
            let baseline_addr = servers::start_baseline(sample.text()).await?;
            let baseline = load::run(baseline_addr, None, Scenario::Baseline, window).await?;
            println!(
                "GET /connection, {SMALL_STORE} stored, {} clients: ours {:.0}/s (p99 {:.2} ms), bare axum {:.0}/s, ratio {:.2}",
                window.clients,
                ours.per_second(),
                ours.p99_us as f64 / 1000.0,
                baseline.per_second(),
                ours.per_second() / baseline.per_second().max(1.0)
            );
            let postgres = postgres::read_path(options, data_dir, provider_addr, SMALL_STORE, window).await;
            if let Ok(result) = postgres.result {
                println!(
                    "the same on Postgres: {:.0}/s (p99 {:.2} ms), ratio {:.2}",
                    result.per_second(),
                    result.p99_us as f64 / 1000.0,
                    result.per_second() / baseline.per_second().max(1.0)
                );
            }
        }
    }
    Ok(())
}
