//! Build and bench orchestration: `cargo xtask <task>`.
fn main() -> anyhow::Result<()> {
    anyhow::bail!("no task yet")
}
