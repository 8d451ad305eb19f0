//! `--instructions`: what one `GET /connection/{id}` and one complete OAuth flow cost the
//! server in instructions, counted by valgrind's callgrind. Unlike a rate, the count does not move with the machine's other load
//! (the same binary and inputs give the same count within a fraction of a percent), so it shows
//! what a change to the read path gives when the 10-second rate runs are too noisy to tell.
//!
//! Each runs on a server of its own under callgrind, with counting off while it starts and the
//! bench creates the integration and one connection; counting is switched on
//! (`callgrind_control`) for `COUNTED` reads or flows on one kept-alive connection, then off. The count covers every thread of the server
//! (the background tasks of those seconds too), in user space only: the kernel's TCP work, the
//! same for any server, is not in it. The profiles are kept beside the report
//! (`callgrind-read.out`, `callgrind-flow.out`), for `callgrind_annotate`.

use super::http::Conn;
use super::load::{self, Scenario};
use super::servers::{self, ServerProcess, INTEGRATION, PUBLIC_KEY, SECRET_KEY};
use super::{create_integration, seed, Options};
use anyhow::Context;
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Requests counted, after `WARMUP` uncounted ones.
const COUNTED: u64 = 1_000;
const WARMUP: u64 = 100;

/// What is counted.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Read,
    Flow,
}

/// Instructions per read or per flow.
pub async fn per_request(options: &Options, data_dir: &Path, counted: Counted) -> anyhow::Result<f64> {
    let name = format!("{counted:?}").to_lowercase();
    let data_dir = data_dir.join(&name);
    // Beside the report, kept for `callgrind_annotate`.
    let out = options.report.with_file_name(format!("callgrind-{name}.out"));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", out_arg.as_str()];
    let provider = servers::start_fake_provider().await?;
    let mut server = ServerProcess::start_wrapped(&wrapper, &options.server, &data_dir, provider)
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
    let scenario = match counted {
        Counted::Read => Scenario::GetConnection { integration: INTEGRATION.into(), n_connections: 1 },
        Counted::Flow => {
            // The run number keeps flow ids unique and long enough (16 characters at least).
            let run = nango_backend::time::now().unsigned_abs();
            Scenario::Flow { integration: INTEGRATION.into(), public_key: PUBLIC_KEY.into(), run }
        }
    };
    let mut conn = Conn::open(server.addr, Some(SECRET_KEY)).await?;
    requests(&mut conn, &scenario, 0, WARMUP).await?;
    counting(server.pid(), true)?;
    requests(&mut conn, &scenario, WARMUP, COUNTED).await?;
    counting(server.pid(), false)?;
    drop((conn, api));
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
    println!("bench: the profile is {}", out.display());
    Ok(total as f64 / COUNTED as f64)
}

async fn requests(conn: &mut Conn, scenario: &Scenario, first: u64, n: u64) -> anyhow::Result<()> {
    for i in first..first + n {
        load::once(conn, scenario, 0, i, 0).await?;
    }
    Ok(())
}

fn counting(pid: u32, on: bool) -> anyhow::Result<()> {
    let switch = if on { "--instr=on" } else { "--instr=off" };
    let status = Command::new("callgrind_control").arg(switch).arg(pid.to_string()).status()?;
    anyhow::ensure!(status.success(), "callgrind_control {switch} {pid} failed");
    Ok(())
}
