//! The read path on Postgres, beside SQLite's (SPEC "Budgets" asks for its figure): a second
//! `nango-server` on a fresh database of the local Postgres server, the same integration and
//! `SMALL_STORE` connections imported through the REST API, and the same `GET /connection`
//! load. The database is dropped afterwards. Without a Postgres server the figure is reported
//! as not measured, with the reason; nothing else of the bench depends on it.
//!
//! The server is `NANGO_BENCH_POSTGRES_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`; the user must be allowed to create databases.

use super::load::{self, LoadResult, Scenario, Window};
use super::servers::{ServerProcess, INTEGRATION, SECRET_KEY};
use super::{create_integration, seed, Options};
use anyhow::{bail, Context};
use serde_json::json;
use sqlx::{Connection as _, PgConnection};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub struct PostgresReads {
    pub stored: u64,
    /// `Err`: why it was not measured.
    pub result: Result<LoadResult, String>,
}

pub async fn read_path(
    options: &Options,
    data_dir: &Path,
    provider: SocketAddr,
    stored: u64,
    window: Window,
) -> PostgresReads {
    let admin_url = std::env::var("NANGO_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let result = measure(options, data_dir, provider, &admin_url, stored, window).await.map_err(|error| {
        let reason = format!("{error:#}");
        println!("bench: no Postgres figure: {reason}");
        reason
    });
    PostgresReads { stored, result }
}

async fn measure(
    options: &Options,
    data_dir: &Path,
    provider: SocketAddr,
    admin_url: &str,
    stored: u64,
    window: Window,
) -> anyhow::Result<LoadResult> {
    let connect = PgConnection::connect(admin_url);
    let mut admin = tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .context("the Postgres server did not answer within 5 s")?
        .context("cannot connect to the Postgres server")?;
    let name = format!("nango_bench_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let Some((server, _)) = base.rsplit_once('/').filter(|(server, _)| server.contains("//")) else {
        bail!("the Postgres URL names no database to replace");
    };
    let url = format!("{server}/{name}");
    let result = reads(options, &data_dir.join("postgres"), provider, &url, stored, window).await;
    // The server is stopped by now (dropped in `reads`).
    let dropped =
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
    if let Err(error) = dropped {
        println!("bench: could not drop the Postgres database {name}: {error}");
    }
    result
}

async fn reads(
    options: &Options,
    data_dir: &Path,
    provider: SocketAddr,
    url: &str,
    stored: u64,
    window: Window,
) -> anyhow::Result<LoadResult> {
    let server = ServerProcess::start_on(&options.server, data_dir, provider, Some(url)).await?;
    println!("bench: nango-server on Postgres, pid {} on {}", server.pid(), server.addr);
    let mut api = create_integration(&server).await?;
    for n in 0..stored {
        let body = json!({
            "provider_config_key": INTEGRATION,
            "connection_id": seed::connection_id(n),
            "credentials": {
                "type": "OAUTH2",
                "access_token": format!("seeded-access-token-{n}"),
                "refresh_token": format!("seeded-refresh-token-{n}"),
                "expires_at": "2099-01-01T00:00:00Z",
            },
        });
        let answer = api.send(hyper::Method::POST, "/connections", Some(&body)).await?;
        if !answer.status.is_success() {
            bail!("POST /connections answered {}: {}", answer.status, answer.text());
        }
    }
    println!("bench: GET /connection on Postgres, {stored} stored connections, {} clients", window.clients);
    let get = Scenario::GetConnection { integration: INTEGRATION.into(), n_connections: stored };
    load::run(server.addr, Some(SECRET_KEY), get, window).await
}
