//! `--instructions`: what one `GET /connection/{id}` costs the server in instructions, counted
//! by valgrind's callgrind. Unlike a rate, the count does not move with the machine's other load
//! (the same binary and inputs give the same count within a fraction of a percent), so it shows
//! what a change to the read path gives when the 10-second rate runs are too noisy to tell.
//!
//! The server runs under callgrind with counting off while it starts and the bench creates the
//! integration and one connection; counting is switched on (`callgrind_control`) for `READS`
//! reads on one kept-alive connection, then off. The count covers every thread of the server
//! (the background tasks of those seconds too), in user space only: the kernel's TCP work, the
//! same for any server, is not in it.

use super::http::Conn;
use super::servers::{self, ServerProcess, INTEGRATION, SECRET_KEY};
use super::{create_integration, seed, Options};
use anyhow::{bail, Context};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Reads counted, after `WARMUP` uncounted ones.
const READS: u64 = 2_000;
const WARMUP: u64 = 100;

/// Instructions per read.
pub async fn per_read(options: &Options, data_dir: &Path) -> anyhow::Result<f64> {
    let out = data_dir.join("callgrind.out");
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", out_arg.as_str()];
    let provider = servers::start_fake_provider().await?;
    let mut server = ServerProcess::start_wrapped(&wrapper, &options.server, data_dir, provider)
        .await
        .context("cannot start nango-server under valgrind (is valgrind installed?)")?;
    let mut api = create_integration(&server).await?;
    let body = json!({
        "provider_config_key": INTEGRATION,
        "connection_id": seed::connection_id(0),
        "credentials": {
            "type": "OAUTH2",
            "access_token": "seeded-access-token-0",
            "refresh_token": "seeded-refresh-token-0",
            "expires_at": "2099-01-01T00:00:00Z",
        },
    });
    let answer = api.send(hyper::Method::POST, "/connections", Some(&body)).await?;
    anyhow::ensure!(answer.status.is_success(), "POST /connections answered {}", answer.status);
    let path = format!("/connection/{}?provider_config_key={INTEGRATION}", seed::connection_id(0));
    let mut reader = Conn::open(server.addr, Some(SECRET_KEY)).await?;
    reads(&mut reader, &path, WARMUP).await?;
    counting(server.pid(), true)?;
    reads(&mut reader, &path, READS).await?;
    counting(server.pid(), false)?;
    drop((reader, api));
    server.interrupt_and_wait()?;
    let text =
        std::fs::read_to_string(&out).with_context(|| format!("no callgrind output {}", out.display()))?;
    // `summary:` is what was counted at the last dump (none here, so 0); `totals:` is the whole run's.
    let total: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("totals:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .context("the callgrind output has no totals line")?;
    Ok(total as f64 / READS as f64)
}

async fn reads(conn: &mut Conn, path: &str, n: u64) -> anyhow::Result<()> {
    for _ in 0..n {
        let answer = conn.get(path).await?;
        if !answer.status.is_success() {
            bail!("GET /connection answered {}", answer.status);
        }
    }
    Ok(())
}

fn counting(pid: u32, on: bool) -> anyhow::Result<()> {
    let switch = if on { "--instr=on" } else { "--instr=off" };
    let status = Command::new("callgrind_control").arg(switch).arg(pid.to_string()).status()?;
    anyhow::ensure!(status.success(), "callgrind_control {switch} {pid} failed");
    Ok(())
}
