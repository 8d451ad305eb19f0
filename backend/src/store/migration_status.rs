//! Which of this build's migrations a database has applied, read without applying any
//! (`nango-server doctor`).

use super::StoreResult;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::Connection as _;
use std::str::FromStr;

pub struct MigrationStatus {
    /// Migrations of this build the database has applied.
    pub applied: usize,
    /// Migrations this build has.
    pub known: usize,
    /// Applied versions this build does not know: the database was migrated by a newer one.
    pub unknown: usize,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.applied == self.known && self.unknown == 0
    }
}

/// The SQLite file at `path`, opened read-only.
pub async fn sqlite(path: &std::path::Path) -> StoreResult<MigrationStatus> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
    let status = status(&sqlx::migrate!("migrations/sqlite"), &mut connection).await;
    connection.close().await?;
    status
}

pub async fn postgres(url: &str) -> StoreResult<MigrationStatus> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    let mut connection = sqlx::PgConnection::connect_with(&options).await?;
    let status = status(&sqlx::migrate!("migrations/postgres"), &mut connection).await;
    connection.close().await?;
    status
}

async fn status<C: Migrate>(migrator: &Migrator, connection: &mut C) -> StoreResult<MigrationStatus> {
    // A database no migration ran on has no bookkeeping table yet: nothing is applied.
    let applied: Vec<i64> = match connection.list_applied_migrations().await {
        Ok(list) => list.into_iter().map(|migration| migration.version).collect(),
        Err(_) => Vec::new(),
    };
    let known: Vec<i64> = migrator
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .map(|migration| migration.version)
        .collect();
    Ok(MigrationStatus {
        applied: known.iter().filter(|version| applied.contains(version)).count(),
        known: known.len(),
        unknown: applied.iter().filter(|version| !known.contains(version)).count(),
    })
}
