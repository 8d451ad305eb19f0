//! The processes and in-process servers the bench talks to: `nango-server` as a child
//! process, the fake OAuth provider it exchanges codes with, and the bare axum baseline.

use super::http::Conn;
use anyhow::{bail, Context};
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};
use axum::Router;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Fixed keys: the bench seeds rows sealed with the same encryption key the server uses.
pub const SECRET_KEY: &str = "bench-secret-key-0123456789abcdef";
pub const PUBLIC_KEY: &str = "bench-public-key-0123456789";
/// base64 of the 32 bytes `0123456789abcdef0123456789abcdef`.
pub const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
/// The catalog entry and integration the bench creates.
pub const PROVIDER: &str = "bench-provider";
pub const INTEGRATION: &str = "bench";
/// What the server prints on stdout once it is bound, followed by its address.
const LISTENING: &str = "nango-server listening on http://";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `nango-server` running as a child; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl ServerProcess {
    /// Start the server on a port the system picks, with a fresh data dir and a providers file
    /// whose one entry points at the fake provider.
    pub async fn start(binary: &Path, data_dir: &Path, provider_addr: SocketAddr) -> anyhow::Result<Self> {
        Self::start_on(binary, data_dir, provider_addr, None).await
    }

    /// The same on the Postgres database `database_url` (`None`: SQLite in `data_dir`).
    pub async fn start_on(
        binary: &Path,
        data_dir: &Path,
        provider_addr: SocketAddr,
        database_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        Self::start_under(&[], binary, data_dir, provider_addr, database_url).await
    }

    /// The same run by `wrapper` (a command and its arguments, such as valgrind's), on SQLite.
    pub async fn start_wrapped(
        wrapper: &[&str],
        binary: &Path,
        data_dir: &Path,
        provider_addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        Self::start_under(wrapper, binary, data_dir, provider_addr, None).await
    }

    async fn start_under(
        wrapper: &[&str],
        binary: &Path,
        data_dir: &Path,
        provider_addr: SocketAddr,
        database_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let providers_file = data_dir.join("bench-providers.yaml");
        std::fs::write(
            &providers_file,
            format!(
                "{PROVIDER}:\n    display_name: Bench provider\n    auth_mode: OAUTH2\n    \
                 authorization_url: http://{provider_addr}/authorize\n    \
                 token_url: http://{provider_addr}/token\n    \
                 proxy:\n        base_url: http://{provider_addr}/api\n"
            ),
        )?;
        let mut command = match wrapper.split_first() {
            Some((program, arguments)) => {
                let mut command = Command::new(program);
                command.args(arguments).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command.env_remove("DATABASE_URL");
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let mut child = command
            .arg("serve")
            .env("NANGO_HOST", "127.0.0.1")
            // Port 0: the server binds first and prints the port it got (no probing, no race);
            // it derives its default NANGO_SERVER_URL from that port.
            .env("NANGO_PORT", "0")
            .env("NANGO_DATA_DIR", data_dir)
            .env("NANGO_SECRET_KEY", SECRET_KEY)
            .env("NANGO_PUBLIC_KEY", PUBLIC_KEY)
            .env("NANGO_ENCRYPTION_KEY", ENCRYPTION_KEY)
            .env("NANGO_PROVIDERS_FILE", &providers_file)
            // The bench's provider is on loopback; the load comes from one IP at full speed.
            .env("NANGO_OUTBOUND_ALLOW", "127.0.0.0/8,::1/128")
            .env("NANGO_RATE_LIMIT_BROWSER_PER_MINUTE", "100000000")
            .env("NANGO_MAX_PENDING_FLOWS", "100000000")
            // 10,000 result sockets and 1,000 event streams are measured at once.
            .env("NANGO_MAX_CONNECTIONS", "16384")
            .env_remove("NANGO_CONFIG")
            .env_remove("NANGO_SERVER_URL")
            // The server's default log level: what an operator would run.
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(data_dir.join("server.log"))?))
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().context("the server's stdout is not piped")?;
        let announced = read_listening_line(stdout);
        let mut server =
            Self { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)), data_dir: data_dir.to_path_buf() };
        server.addr = match tokio::time::timeout(START_TIMEOUT, announced).await {
            Ok(Ok(addr)) => addr,
            Ok(Err(_)) => bail!("nango-server exited before it was listening:\n{}", server.log()),
            Err(_) => bail!("nango-server printed no `{LISTENING}` line within {START_TIMEOUT:?}"),
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop with SIGINT (a graceful shutdown, after which a wrapper such as valgrind writes
    /// its output) and wait for the exit.
    pub fn interrupt_and_wait(&mut self) -> anyhow::Result<()> {
        let status = Command::new("kill").arg("-INT").arg(self.pid().to_string()).status()?;
        anyhow::ensure!(status.success(), "kill -INT {} failed", self.pid());
        self.child.wait()?;
        Ok(())
    }

    async fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("nango-server exited at start ({status}):\n{}", self.log());
            }
            if let Ok(mut conn) = Conn::open(self.addr, None).await {
                if conn.get("/health").await.is_ok_and(|answer| answer.status.is_success()) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("nango-server did not answer /health within {START_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default()
    }

    /// The server's resident memory, in KiB (Linux `/proc/<pid>/status`).
    pub fn memory_kib(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status.lines().find(|line| line.starts_with(name)).context(name.to_string())?;
            let kib = line.split_whitespace().nth(1).context("no value")?;
            Ok(kib.parse()?)
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
            anon_kib: field("RssAnon:")?,
            file_kib: field("RssFile:")?,
        })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    /// Peak resident set since start.
    pub hwm_kib: u64,
    /// Heap and stacks.
    pub anon_kib: u64,
    /// Mapped file pages (the binary, SQLite's mmap of the database).
    pub file_kib: u64,
}

/// The body of the fake provider's `/api/large`.
pub const LARGE_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The fake provider: `/token` grants a non-expiring token for any code; `/api/small` (a short
/// JSON answer) and `/api/large` (10 MiB, streamed in 64 KiB chunks) are its API for the proxy.
pub async fn start_fake_provider() -> anyhow::Result<SocketAddr> {
    async fn token() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
        (
            [(CONTENT_TYPE, "application/json")],
            r#"{"access_token":"bench-access-token","token_type":"bearer","scope":"read"}"#,
        )
    }
    async fn small() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
        ([(CONTENT_TYPE, "application/json")], r#"{"id":42,"name":"bench record","items":[1,2,3]}"#)
    }
    async fn large() -> axum::body::Body {
        let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
        let chunks = (0..LARGE_BODY_BYTES / chunk.len()).map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
        axum::body::Body::from_stream(futures_util::stream::iter(chunks))
    }
    let router = Router::new()
        .route("/token", post(token))
        .route("/api/small", get(small))
        .route("/api/large", get(large));
    serve(router).await
}

/// The baseline: a bare axum handler answering `body` (a captured `GET /connection`
/// response) as JSON on every path.
pub async fn start_baseline(body: String) -> anyhow::Result<SocketAddr> {
    let body: &'static str = Box::leak(body.into_boxed_str());
    let handler = move || async move { ([(CONTENT_TYPE, "application/json")], body) };
    let router = Router::new().route("/connection/{id}", get(handler));
    serve(router).await
}

async fn serve(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("bench: in-process server stopped: {error}");
        }
    });
    Ok(addr)
}

/// Read the server's stdout on a thread of its own: the address from the line
/// `nango-server listening on http://ADDR`, then everything else, so the pipe never fills.
/// The receiver fails when stdout ends before that line (the server exited).
fn read_listening_line(stdout: ChildStdout) -> oneshot::Receiver<SocketAddr> {
    let (sender, receiver) = oneshot::channel();
    std::thread::spawn(move || {
        let mut sender = Some(sender);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let addr = line.strip_prefix(LISTENING).and_then(|addr| addr.trim().parse::<SocketAddr>().ok());
            if let Some(addr) = addr {
                if let Some(sender) = sender.take() {
                    let _ = sender.send(addr);
                }
            }
        }
    });
    receiver
}
