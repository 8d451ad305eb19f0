//! `nango-bench`: measures the server against the budgets of SPEC "Budgets" and writes one
//! JSON report (rust-analyzer's `metrics.rs`): `GET /connection/{id}` throughput and latency
//! at 64 clients with few and with many stored connections, the same load against a bare axum
//! handler answering the same JSON, complete OAuth flows per second against a local fake
//! provider beside the same flows through Grant (the peer, `peer.rs`) at 16 and 64 concurrent
//! flows, the same reads on Postgres (`postgres.rs`), and the server's resident memory.
//!
//! `cargo xtask bench` builds this binary and `nango-server` in release and runs it; it lives
//! in its own crate so that xtask needs neither the backend library nor axum, hyper or sqlx.
//! Missed budgets are printed as MISSED and recorded; only a setup failure exits non-zero.
//!
//! Usage: `nango-bench --server PATH --report PATH --peer-script PATH --peer-modules DIR
//! [--quick] [--max-connections N] [--channels-only | --flows-only | --reads-only | --instructions]`.
//! `--channels-only`, `--flows-only`, `--reads-only` and `--instructions` measure one thing for
//! trying changes (`partial.rs`).
//! `--quick` (short windows, at most 100k connections) is for trying the bench out;
//! `--max-connections` defaults to 1,000,000.

mod http;
mod instructions;
mod load;
mod markdown;
mod partial;
mod peer;
mod postgres;
mod report;
mod runs;
mod seed;
mod servers;
mod sockets;

use anyhow::{bail, Context};
use load::{LoadResult, Scenario, Window};
use serde_json::json;
use servers::{ServerProcess, INTEGRATION, PROVIDER, SECRET_KEY};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// SPEC "Budgets".
const CLIENTS: usize = 64;
const MIN_BASELINE_RATIO: f64 = 0.5;
const MAX_P99_MS: f64 = 10.0;
const MIN_CALLBACKS_PER_SECOND: f64 = 1000.0;
/// Our flows per second over Grant's, at each of `FLOW_CLIENTS` concurrent flows.
const MIN_PEER_RATIO: f64 = 4.0;
/// The budget holds at 16 and 64; 256 is measured for the scaling curve.
const FLOW_CLIENTS: [usize; 3] = [16, 64, 256];
const FLOW_BUDGET_CLIENTS: [usize; 2] = [16, 64];
/// The other concurrencies of the scaling curve (besides `CLIENTS`).
const CURVE_CLIENTS: [usize; 2] = [16, 256];
/// What the proxy may add to a small request's p50, over the same request sent directly.
const MAX_PROXY_ADDED_P50_MS: f64 = 1.0;
const MAX_RSS_MIB: f64 = 64.0;
/// "Flat from 1k to 1M": the large store keeps at least this share of the small one's rate.
const MIN_FLAT_RATIO: f64 = 0.8;
const SMALL_STORE: u64 = 1000;
/// Idle result channels held open at once (SPEC "Budgets": memory with 10,000 WebSockets
/// and 1,000 event streams); `--quick` opens a fifth.
const RESULT_SOCKETS: usize = 10_000;
const EVENT_STREAMS: usize = 1_000;
/// Seeding the large store may take about this long; the size is picked from the measured rate.
const SEED_BUDGET: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    /// Measure only this (`partial.rs`), print it and write no report.
    only: Option<partial::Only>,
    max_connections: u64,
    /// The release `nango-server` binary.
    server: PathBuf,
    /// Where the JSON report goes.
    report: PathBuf,
    /// `bench/peer/grant-server.cjs` and the `node_modules` holding its packages.
    peer_script: PathBuf,
    peer_modules: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_options(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(bench(options))
}

fn parse_options(args: &[String]) -> anyhow::Result<Options> {
    let (mut quick, mut max_connections, mut only) = (false, 1_000_000, None);
    let (mut server, mut report, mut peer_script, mut peer_modules) = (None, None, None, None);
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--channels-only" => only = Some(partial::Only::Channels),
            "--flows-only" => only = Some(partial::Only::Flows),
            "--reads-only" => only = Some(partial::Only::Reads),
            "--instructions" => only = Some(partial::Only::Instructions),
            "--max-connections" => {
                let value = iter.next().context("--max-connections needs a number")?;
                max_connections = value.parse().context("--max-connections needs a number")?;
            }
            "--server" => server = Some(PathBuf::from(iter.next().context("--server needs a path")?)),
            "--report" => report = Some(PathBuf::from(iter.next().context("--report needs a path")?)),
            "--peer-script" => {
                peer_script = Some(PathBuf::from(iter.next().context("--peer-script needs a path")?))
            }
            "--peer-modules" => {
                peer_modules = Some(PathBuf::from(iter.next().context("--peer-modules needs a path")?))
            }
            other => bail!(
                "unknown bench option `{other}` (known: --server PATH, --report PATH, --peer-script PATH, \
                 --peer-modules DIR, --quick, --max-connections N, --channels-only, --flows-only, --reads-only, --instructions)"
            ),
        }
    }
    if quick {
        max_connections = max_connections.min(100_000);
    }
    Ok(Options {
        quick,
        only,
        max_connections,
        server: server.context("--server PATH (the release nango-server binary) is required")?,
        report: report.context("--report PATH (where the JSON report goes) is required")?,
        peer_script: peer_script.context("--peer-script PATH (bench/peer/grant-server.cjs) is required")?,
        peer_modules: peer_modules.context("--peer-modules DIR (node_modules with grant) is required")?,
    })
}

async fn bench(options: Options) -> anyhow::Result<()> {
    let window = if options.quick {
        Window { clients: CLIENTS, warmup: Duration::from_secs(1), measure: Duration::from_secs(3) }
    } else {
        Window { clients: CLIENTS, warmup: Duration::from_secs(2), measure: Duration::from_secs(10) }
    };
    let data_dir = std::env::temp_dir().join(format!("nango-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Some(only) = options.only {
        let result = partial::run(only, &options, &data_dir, window).await;
        let _ = std::fs::remove_dir_all(&data_dir);
        return result;
    }
    let result = measure_all(&options, &options.server, &data_dir, window).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    let measured = result?;

    let report = report::build(&measured, window, &options_json(&options));
    std::fs::write(&options.report, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", options.report.display()))?;
    report::print_summary(&report);
    println!("report: {}", options.report.display());
    let command = if options.quick { "cargo xtask bench --quick" } else { "cargo xtask bench" };
    let markdown = options.report.with_extension("md");
    std::fs::write(&markdown, markdown::render(&report, command))
        .with_context(|| format!("cannot write {}", markdown.display()))?;
    println!("figures for BENCHMARKS.md: {}", markdown.display());
    Ok(())
}

/// The bench's integration on the fake provider, created through the REST API.
async fn create_integration(server: &ServerProcess) -> anyhow::Result<http::Conn> {
    let mut admin = http::Conn::open(server.addr, Some(SECRET_KEY)).await?;
    let integration = json!({
        "unique_key": INTEGRATION,
        "provider": PROVIDER,
        "credentials": {
            "type": "OAUTH2",
            "client_id": "bench-client",
            "client_secret": "bench-client-secret",
            "scopes": ["read"],
        },
    });
    let answer = admin.send(hyper::Method::POST, "/integrations", Some(&integration)).await?;
    if !answer.status.is_success() {
        bail!("POST /integrations answered {}: {}", answer.status, answer.text());
    }
    Ok(admin)
}

fn options_json(options: &Options) -> serde_json::Value {
    json!({ "quick": options.quick, "max_connections": options.max_connections })
}

/// Every number the report needs.
pub struct Measured {
    pub small_store: u64,
    pub get_small: LoadResult,
    /// Both baseline runs together (see `LoadResult::combine`).
    pub baseline: LoadResult,
    pub baseline_runs_per_second: [f64; 2],
    pub baseline_body_bytes: usize,
    /// Ours at 64 concurrent flows (the rate budget).
    pub callbacks: LoadResult,
    pub flows: Vec<runs::FlowComparison>,
    pub proxy: runs::ProxyCost,
    pub large_store: u64,
    pub seed_rows: u64,
    pub seed_seconds: f64,
    /// Reads of connections not read within the last minute: each also writes `last_fetched_at`.
    pub get_large_cold: LoadResult,
    /// Rows whose `last_fetched_at` the cold run set (each a write on the read path).
    pub touched_rows: i64,
    /// The same after every row's `last_fetched_at` was set to now: reads only, as in the
    /// small run (where the warm-up touches all 1k rows).
    pub get_large: LoadResult,
    /// GET /connection and the baseline at `CURVE_CLIENTS` and at sizes between small and large.
    pub curve: Vec<runs::CurvePoint>,
    /// The server's memory after each phase, in order (which phase raised the peak).
    pub phases: Vec<(&'static str, servers::Memory)>,
    pub rss_max_kib: u64,
    pub end: servers::Memory,
    pub channels: runs::ChannelCost,
    /// `GET /connection` with `SMALL_STORE` connections on a server on Postgres.
    pub postgres: postgres::PostgresReads,
}

async fn measure_all(
    options: &Options,
    binary: &Path,
    data_dir: &Path,
    window: Window,
) -> anyhow::Result<Measured> {
    if !binary.exists() {
        bail!("{} is missing: build it with `cargo build --release -p nango-backend`", binary.display());
    }
    let provider_addr = servers::start_fake_provider().await?;
    let server = ServerProcess::start(binary, data_dir, provider_addr).await?;
    println!("bench: nango-server pid {} on {}", server.pid(), server.addr);
    let rss_max = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn(sample_rss(server.pid(), Arc::clone(&rss_max)));

    let mut admin = create_integration(&server).await?;
    let db_path = data_dir.join("nango.db");
    let mut seeder = seed::Seeder::open(&db_path, servers::ENCRYPTION_KEY, INTEGRATION, PROVIDER).await?;
    let now = nango_backend::time::now();
    seeder.seed_to(SMALL_STORE, now).await?;
    let path = format!("/connection/{}?provider_config_key={INTEGRATION}", seed::connection_id(0));
    let sample = admin.get(&path).await?;
    if !sample.status.is_success() {
        bail!("GET {path} answered {}: {}", sample.status, sample.text());
    }
    sample.json()?;
    let baseline_body = sample.text();

    println!("bench: GET /connection, {SMALL_STORE} stored connections, {CLIENTS} clients");
    let get = |n_connections| Scenario::GetConnection { integration: INTEGRATION.into(), n_connections };
    let get_small = load::run(server.addr, Some(SECRET_KEY), get(SMALL_STORE), window).await?;
    let get_curve = |stored| {
        runs::curve(
            "GET /connection",
            server.addr,
            Some(SECRET_KEY),
            move || get(stored),
            stored,
            window,
            &CURVE_CLIENTS,
        )
    };
    let mut curve = get_curve(SMALL_STORE).await?;
    let mut phases = vec![("GET /connection, small store", server.memory_kib()?)];

    println!("bench: bare axum baseline answering the same {} bytes", baseline_body.len());
    let baseline_addr = servers::start_baseline(baseline_body.clone()).await?;
    let baseline_first = load::run(baseline_addr, None, Scenario::Baseline, window).await?;
    let baseline_curve =
        runs::curve("bare axum", baseline_addr, None, || Scenario::Baseline, 0, window, &CURVE_CLIENTS);
    curve.extend(baseline_curve.await?);

    let postgres = postgres::read_path(options, data_dir, provider_addr, SMALL_STORE, window).await;
    let flows =
        runs::compare_flows(options, server.addr, provider_addr, window, now as u64, &FLOW_CLIENTS).await?;
    phases.push(("OAuth flows", server.memory_kib()?));
    println!("bench: the proxy beside direct calls to the same upstream, 1 client");
    let proxy = runs::proxy_cost(server.addr, provider_addr, window).await?;
    phases.push(("proxy", server.memory_kib()?));
    let callbacks = flows.iter().find(|flow| flow.clients == CLIENTS).context("no flow run")?.ours.clone();

    // Seed the large store: measure the rate on the first 100k, then pick the largest size
    // that fits the seeding budget.
    let probe = options.max_connections.clamp(SMALL_STORE, 100_000);
    let probe_seconds = seeder.seed_to(probe, now).await?.as_secs_f64();
    let rate = (probe - SMALL_STORE) as f64 / probe_seconds.max(0.001);
    let affordable = (rate * SEED_BUDGET.as_secs_f64()) as u64;
    let large_store = [1_000_000, 500_000, 200_000, 100_000]
        .into_iter()
        .find(|size| *size <= options.max_connections && *size <= affordable.max(probe))
        .unwrap_or(probe)
        .max(probe);
    if probe < large_store {
        seeder.touch_all(nango_backend::time::now()).await?;
        let point = runs::curve(
            "GET /connection",
            server.addr,
            Some(SECRET_KEY),
            || get(probe),
            probe,
            window,
            &[CLIENTS],
        );
        curve.extend(point.await?);
    }
    println!("bench: seeding {large_store} connections ({rate:.0} rows/s)");
    let seed_seconds = probe_seconds + seeder.seed_to(large_store, now).await?.as_secs_f64();

    phases.push(("seeding", server.memory_kib()?));
    println!("bench: GET /connection, {large_store} stored connections, {CLIENTS} clients");
    let touched_before = touched_rows(&db_path).await?;
    let get_large_cold = load::run(server.addr, Some(SECRET_KEY), get(large_store), window).await?;
    let touched_rows = touched_rows(&db_path).await? - touched_before;
    println!("bench: the same with every connection read within the last minute (no writes)");
    seeder.touch_all(nango_backend::time::now()).await?;
    let get_large = load::run(server.addr, Some(SECRET_KEY), get(large_store), window).await?;
    curve.extend(get_curve(large_store).await?);
    phases.push(("GET /connection, large store", server.memory_kib()?));
    // The machine may be shared: a second baseline run at the end, and the ratios divide by the
    // faster of the two, so a baseline run slowed by background load cannot flatter ours.
    println!("bench: bare axum baseline again");
    let baseline_last = load::run(baseline_addr, None, Scenario::Baseline, window).await?;
    let baseline_runs_per_second = [baseline_first.per_second(), baseline_last.per_second()];
    let baseline = baseline_first.faster(baseline_last);

    let divisor = if options.quick { 5 } else { 1 };
    let channels = runs::channel_cost(&server, RESULT_SOCKETS / divisor, EVENT_STREAMS / divisor).await?;

    phases.push(("open channels", channels.open));
    let memory = server.memory_kib()?;
    sampler.abort();
    Ok(Measured {
        small_store: SMALL_STORE,
        get_small,
        baseline,
        baseline_runs_per_second,
        baseline_body_bytes: baseline_body.len(),
        callbacks,
        flows,
        proxy,
        large_store,
        seed_rows: large_store - SMALL_STORE,
        seed_seconds,
        get_large_cold,
        touched_rows,
        get_large,
        rss_max_kib: rss_max.load(Ordering::Relaxed).max(memory.rss_kib),
        end: memory,
        channels,
        curve,
        phases,
        postgres,
    })
}

/// Keep the highest `VmRSS` seen, every 100 ms.
async fn sample_rss(pid: u32, max: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return };
        let rss = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .unwrap_or(0);
        max.fetch_max(rss, Ordering::Relaxed);
    }
}

async fn touched_rows(db_path: &Path) -> anyhow::Result<i64> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db_path).read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await?;
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM connections WHERE last_fetched_at IS NOT NULL")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(count)
}
