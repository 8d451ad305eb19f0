//! `cargo xtask tidy`: house-rule checks (placeholder).
pub fn run() -> anyhow::Result<()> {
    Ok(())
}
