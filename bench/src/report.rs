//! The bench report: every measured number, each budget with pass/fail, and a readable summary.

use super::load::{round, Window};
use super::servers;
use super::{
    Measured, CLIENTS, MAX_P99_MS, MAX_PROXY_ADDED_P50_MS, MAX_RSS_MIB, MIN_BASELINE_RATIO,
    MIN_CALLBACKS_PER_SECOND, MIN_FLAT_RATIO, MIN_PEER_RATIO,
};
use serde_json::{json, Value};

pub fn build(measured: &Measured, window: Window, options: &Value) -> Value {
    let ours_small = measured.get_small.per_second();
    let ours_large = measured.get_large.per_second();
    let ours_cold = measured.get_large_cold.per_second();
    let baseline = measured.baseline.per_second();
    let ms = |us: u64| round(us as f64 / 1000.0, 3);
    let mib = |kib: u64| round(kib as f64 / 1024.0, 1);
    // Ours over the bare axum baseline of the same run.
    let vs_baseline = |name: &str, ours: f64, what: String| {
        compared(
            budget(name, round(ours / baseline, 3), MIN_BASELINE_RATIO, ">=", format!("{what} / bare axum")),
            per_second(ours),
            format!("bare axum {}", per_second(baseline)),
        )
    };
    let mut budgets = vec![
        vs_baseline(
            "get_connection_vs_baseline_small",
            ours_small,
            format!("throughput with {} stored connections", measured.small_store),
        ),
        vs_baseline(
            "get_connection_vs_baseline_large",
            ours_large,
            format!("throughput with {} stored connections", measured.large_store),
        ),
        vs_baseline(
            "get_connection_vs_baseline_large_cold",
            ours_cold,
            format!(
                "throughput with {} stored connections, none read in the last minute (each read also \
                 writes last_fetched_at)",
                measured.large_store
            ),
        ),
        budget(
            "get_connection_p99_ms_small",
            ms(measured.get_small.p99_us),
            MAX_P99_MS,
            "<",
            format!("p99 latency with {} stored connections", measured.small_store),
        ),
        budget(
            "get_connection_p99_ms_large",
            ms(measured.get_large.p99_us),
            MAX_P99_MS,
            "<",
            format!("p99 latency with {} stored connections", measured.large_store),
        ),
        budget(
            "get_connection_p99_ms_large_cold",
            ms(measured.get_large_cold.p99_us),
            MAX_P99_MS,
            "<",
            format!(
                "p99 latency with {} stored connections, none read in the last minute",
                measured.large_store
            ),
        ),
        compared(
            budget(
                "get_connection_flat",
                round(ours_large / ours_small, 3),
                MIN_FLAT_RATIO,
                ">=",
                format!(
                    "throughput with {} / with {} stored connections (\"flat\" read as: at most 20% lower)",
                    measured.large_store, measured.small_store
                ),
            ),
            per_second(ours_large),
            format!("small store {}", per_second(ours_small)),
        ),
        budget(
            "callbacks_per_second",
            round(measured.callbacks.per_second(), 0),
            MIN_CALLBACKS_PER_SECOND,
            ">=",
            "completed OAuth flows (connect + callback with token exchange) per second, SQLite".into(),
        ),
        budget(
            "server_peak_rss_mib",
            mib(measured.channels.before.hwm_kib),
            MAX_RSS_MIB,
            "<",
            format!(
                "VmHWM of nango-server through the flow load and the reads of {} stored connections \
                 (everything before the open channels)",
                measured.large_store
            ),
        ),
    ];
    let proxy = &measured.proxy;
    let added_ms = |through: &super::load::LoadResult, direct: &super::load::LoadResult| {
        round((through.p50_us as f64 - direct.p50_us as f64) / 1000.0, 3)
    };
    budgets.push(compared(
        budget(
            "proxy_added_p50_ms",
            added_ms(&proxy.small_proxy, &proxy.small_direct),
            MAX_PROXY_ADDED_P50_MS,
            "<",
            "p50 of GET /proxy/small minus p50 of the same request straight to the upstream, 1 client".into(),
        ),
        format!("{} ms", ms(proxy.small_proxy.p50_us)),
        format!("direct {} ms", ms(proxy.small_direct.p50_us)),
    ));
    let channels = &measured.channels;
    let per_channel_kib = |memory: servers::Memory| {
        round(
            memory.anon_kib.saturating_sub(channels.before.anon_kib) as f64
                / (channels.sockets + channels.streams).max(1) as f64,
            2,
        )
    };
    budgets.push(budget(
        "server_rss_mib_with_open_channels",
        mib(channels.open.rss_kib),
        MAX_RSS_MIB,
        "<",
        format!(
            "VmRSS with {} WebSocket result sockets and {} event streams open",
            channels.sockets, channels.streams
        ),
    ));
    for flow in measured.flows.iter().filter(|flow| super::FLOW_BUDGET_CLIENTS.contains(&flow.clients)) {
        budgets.push(compared(
            budget(
                &format!("flows_vs_grant_{}", flow.clients),
                round(flow.ours.per_second() / flow.grant.per_second(), 2),
                MIN_PEER_RATIO,
                ">=",
                format!("our complete OAuth flows per second / Grant's, {} concurrent flows", flow.clients),
            ),
            per_second(flow.ours.per_second()),
            format!("Grant {}", per_second(flow.grant.per_second())),
        ));
    }
    let flows: Vec<Value> = measured
        .flows
        .iter()
        .map(|flow| {
            json!({
                "concurrent": flow.clients,
                "ours": flow.ours.to_json(),
                "grant": flow.grant.to_json(),
                "ratio": round(flow.ours.per_second() / flow.grant.per_second(), 2),
            })
        })
        .collect();
    json!({
        "generated_at": nango_backend::time::now(),
        "machine": {
            "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "cpu": machine_fact("/proc/cpuinfo", "model name"),
            "memory_gib": machine_fact("/proc/meminfo", "MemTotal")
                .and_then(|kib| kib.trim_end_matches(" kB").trim().parse::<f64>().ok())
                .map(|kib| round(kib / 1024.0 / 1024.0, 1)),
            "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|text| format!("Linux {}", text.trim())),
            "note": "the server and the load generator share these cores; the baseline runs under \
                     the same conditions (its server shares them with the same load generator), \
                     so the ratio is fair, while absolute numbers understate a dedicated server",
        },
        "options": options,
        "load": {
            "clients": CLIENTS,
            "client": "one keep-alive HTTP/1.1 connection per client (hyper), closed loop",
            "warmup_seconds": window.warmup.as_secs_f64(),
            "measure_seconds": window.measure.as_secs_f64(),
            "connection_picked": "uniformly at random among the stored ones",
        },
        "get_connection": {
            "small": with_store(measured.get_small.to_json(), measured.small_store),
            "large": with_store(measured.get_large.to_json(), measured.large_store),
            "large_cold": with_store(measured.get_large_cold.to_json(), measured.large_store),
            "large_cold_rows_touched": measured.touched_rows,
            "note": "large_cold reads connections not read in the last minute, so each read also \
                     writes last_fetched_at (large_cold_rows_touched counts those writes); large \
                     runs after every row was marked read, like small after its warm-up",
        },
        "baseline": {
            "result": measured.baseline.to_json(),
            "runs_per_second": measured.baseline_runs_per_second.map(|rate| round(rate, 0)),
            "runs_note": "measured first (after the small run) and last; the result is the faster of the two",
            "body_bytes": measured.baseline_body_bytes,
            "what": "a bare axum handler returning a captured GET /connection body",
        },
        "callbacks": measured.callbacks.to_json(),
        "flows_vs_peer": {
            "runs": flows,
            "peer": "Grant on Express 5 with express-session's memory store (bench/peer/grant-server.cjs), \
                     against the same fake provider, driven by the same load generator; a Grant flow is \
                     GET /connect/bench, its callback (code exchange) and the app's /done route, each \
                     flow in a new session",
            "note": "Grant keeps the flow in memory and stores nothing; each of our flows writes the flow \
                     record and a connection with sealed credentials to SQLite",
        },
        "seeding": {
            "rows": measured.seed_rows,
            "seconds": round(measured.seed_seconds, 1),
            "rows_per_second": round(measured.seed_rows as f64 / measured.seed_seconds.max(0.001), 0),
            "how": "multi-row INSERTs into the server's SQLite file, credentials sealed with the \
                    backend's Credentials::seal and aad_for",
        },
        "memory": {
            "vm_hwm_mib": mib(measured.end.hwm_kib),
            "phases": measured.phases.iter().map(|(after, memory)| json!({
                "after": after,
                "vm_rss_mib": mib(memory.rss_kib),
                "vm_hwm_mib": mib(memory.hwm_kib),
                "rss_anon_mib": mib(memory.anon_kib),
            })).collect::<Vec<_>>(),
            "vm_rss_max_sampled_mib": mib(measured.rss_max_kib),
            "vm_rss_end_mib": mib(measured.end.rss_kib),
            "rss_anon_end_mib": mib(measured.end.anon_kib),
            "rss_file_end_mib": mib(measured.end.file_kib),
            "note": "RssAnon is heap and stacks; RssFile is the binary's mapped pages and SQLite's \
                     shared WAL index (memory-mapped I/O of the database itself is off)",
        },
        "proxy": {
            "small": {
                "through_proxy": proxy.small_proxy.to_json(),
                "direct": proxy.small_direct.to_json(),
                "added_p50_ms": added_ms(&proxy.small_proxy, &proxy.small_direct),
            },
            "large": {
                "body_bytes": servers::LARGE_BODY_BYTES,
                "through_proxy": proxy.large_proxy.to_json(),
                "direct": proxy.large_direct.to_json(),
                "added_p50_ms": added_ms(&proxy.large_proxy, &proxy.large_direct),
            },
            "note": "one client, one request at a time; the upstream is the fake provider in the bench \
                     process, its large body streamed in 64 KiB chunks",
        },
        "open_channels": {
            "websockets": channels.sockets,
            "event_streams": channels.streams,
            "rss_before_mib": mib(channels.before.rss_kib),
            "rss_open_mib": mib(channels.open.rss_kib),
            "anon_kib_per_channel": per_channel_kib(channels.open),
            "note": "each channel idle: a WebSocket after its connection_ack, an event stream on a \
                     pending flow; the per-channel figure is the growth of RssAnon over their number",
        },
        "postgres": postgres_json(measured),
        "curve": curve_json(measured),
        "budgets": budgets,
        "all_budgets_met": budgets_met(&budgets),
    })
}

/// Every GET /connection and baseline run by stored connections and clients, and the flow runs
/// by clients: how each figure moves with the store's size and the concurrency.
fn curve_json(measured: &Measured) -> Value {
    let point = |what: &str, clients: usize, stored: u64, result: &super::load::LoadResult| json!({ "what": what, "clients": clients, "stored": stored, "result": result.to_json() });
    let mut points = vec![
        point("GET /connection", CLIENTS, measured.small_store, &measured.get_small),
        point("GET /connection", CLIENTS, measured.large_store, &measured.get_large),
        point("bare axum", CLIENTS, 0, &measured.baseline),
    ];
    points.extend(measured.curve.iter().map(|p| point(p.what, p.clients, p.stored, &p.result)));
    if let Ok(result) = &measured.postgres.result {
        points.push(point("GET /connection, Postgres", CLIENTS, measured.postgres.stored, result));
    }
    for flow in &measured.flows {
        points.push(point("OAuth flows, ours", flow.clients, 0, &flow.ours));
        points.push(point("OAuth flows, Grant", flow.clients, 0, &flow.grant));
    }
    points.sort_by_key(|p| {
        (p["what"].as_str().unwrap_or("").to_owned(), p["stored"].as_u64(), p["clients"].as_u64())
    });
    Value::Array(points)
}

/// The read path on Postgres beside the baseline (a figure; the budgets are SQLite's).
fn postgres_json(measured: &Measured) -> Value {
    let postgres = &measured.postgres;
    match &postgres.result {
        Ok(result) => json!({
            "stored_connections": postgres.stored,
            "clients": CLIENTS,
            "result": result.to_json(),
            "vs_baseline": round(result.per_second() / measured.baseline.per_second().max(1.0), 3),
            "vs_sqlite": round(result.per_second() / measured.get_small.per_second().max(1.0), 3),
        }),
        Err(reason) => json!({ "not_measured": reason }),
    }
}

/// The value of the first `name: value` line of a /proc file.
fn machine_fact(path: &str, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|line| line.starts_with(name))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

fn with_store(mut result: Value, stored: u64) -> Value {
    result["stored_connections"] = json!(stored);
    result
}

/// A ratio budget with the two figures it divides, as the summary tables show them.
fn compared(mut budget: Value, ours: String, compared_with: String) -> Value {
    budget["ours"] = json!(ours);
    budget["compared_with"] = json!(compared_with);
    budget
}

fn per_second(rate: f64) -> String {
    format!("{rate:.0}/s")
}

fn budget(name: &str, value: f64, limit: f64, comparison: &str, what: String) -> Value {
    let pass = match comparison {
        ">=" => value >= limit,
        _ => value < limit,
    };
    json!({ "name": name, "value": value, "budget": format!("{comparison} {limit}"), "pass": pass, "what": what })
}

fn budgets_met(budgets: &[Value]) -> bool {
    budgets.iter().all(|budget| budget["pass"] == true)
}

pub fn print_summary(report: &Value) {
    let line = |label: &str, result: &Value| {
        println!(
            "  {label:<38} {:>9} /s   p50 {:>7} ms   p99 {:>7} ms   errors {}",
            result["per_second"], result["p50_ms"], result["p99_ms"], result["errors"]
        )
    };
    println!();
    println!("bench results ({} cores shared by server and load generator)", report["machine"]["cores"]);
    let small = &report["get_connection"]["small"];
    let large = &report["get_connection"]["large"];
    line(&format!("GET /connection ({} stored)", small["stored_connections"]), small);
    let cold = &report["get_connection"]["large_cold"];
    line(&format!("GET /connection ({} stored, cold)", cold["stored_connections"]), cold);
    line(&format!("GET /connection ({} stored)", large["stored_connections"]), large);
    line("bare axum baseline", &report["baseline"]["result"]);
    for run in report["flows_vs_peer"]["runs"].as_array().into_iter().flatten() {
        line(&format!("OAuth flows, ours, {} concurrent", run["concurrent"]), &run["ours"]);
        line(&format!("OAuth flows, Grant, {} concurrent", run["concurrent"]), &run["grant"]);
    }
    println!(
        "  server memory: peak {} MiB, end {} MiB (anon {}, file {}); seeded {} rows in {} s",
        report["memory"]["vm_hwm_mib"],
        report["memory"]["vm_rss_end_mib"],
        report["memory"]["rss_anon_end_mib"],
        report["memory"]["rss_file_end_mib"],
        report["seeding"]["rows"],
        report["seeding"]["seconds"]
    );
    for size in ["small", "large"] {
        let proxy = &report["proxy"][size];
        line(&format!("proxy, {size} body"), &proxy["through_proxy"]);
        line(&format!("direct to the upstream, {size} body"), &proxy["direct"]);
    }
    let open = &report["open_channels"];
    println!(
        "  open channels: {} WebSockets + {} event streams: RSS {} → {} MiB, {} KiB each",
        open["websockets"],
        open["event_streams"],
        open["rss_before_mib"],
        open["rss_open_mib"],
        open["anon_kib_per_channel"]
    );
    println!("budgets:");
    for budget in report["budgets"].as_array().into_iter().flatten() {
        let verdict = if budget["pass"] == true { "ok    " } else { "MISSED" };
        println!(
            "  {verdict} {:<34} {:>10} (budget {})",
            budget["name"].as_str().unwrap_or(""),
            budget["value"],
            budget["budget"].as_str().unwrap_or("")
        );
    }
}
