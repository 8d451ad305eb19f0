//! The peer the flow rate is compared with (SPEC "Budgets": at least 4x Grant): Grant on
//! Express with express-session's memory store, run by `node` from `bench/peer/grant-server.cjs`
//! with the packages `cargo xtask bench` installed (pinned) into a cache directory. It talks
//! to the same fake provider as our server and is driven by the same load generator
//! (`Scenario::GrantFlow`). Grant keeps its state in memory and stores nothing: it writes no
//! database row and seals no token, where each of our flows does both.

use anyhow::{bail, Context};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::oneshot;

const LISTENING: &str = "grant listening on ";
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// `node grant-server.cjs` as a child; killed on drop.
pub struct GrantProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl GrantProcess {
    /// `modules`: the `node_modules` directory holding `grant`, `express`, `express-session`.
    pub async fn start(script: &Path, modules: &Path, provider: SocketAddr) -> anyhow::Result<Self> {
        for package in ["grant", "express", "express-session"] {
            if !modules.join(package).join("package.json").exists() {
                bail!("{package} is not installed in {} (cargo xtask bench installs it)", modules.display());
            }
        }
        let mut child = Command::new("node")
            .arg(script)
            .arg(provider.to_string())
            .env("NODE_PATH", modules)
            .env("NODE_ENV", "production")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start node (Node.js is needed for the peer)")?;
        let stdout = child.stdout.take().context("node's stdout is not piped")?;
        let (sender, receiver) = oneshot::channel();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(port) =
                    line.strip_prefix(LISTENING).and_then(|port| port.trim().parse::<u16>().ok())
                {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(port);
                    }
                }
            }
        });
        let port = match tokio::time::timeout(START_TIMEOUT, receiver).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => bail!("the Grant peer exited before it was listening"),
            Err(_) => bail!("the Grant peer printed no `{LISTENING}` line within {START_TIMEOUT:?}"),
        };
        Ok(Self { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for GrantProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
