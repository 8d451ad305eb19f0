//! The SQL both dialects share: `impl_store!` writes every store trait for a backend.
//!
//! SQLite (>= 3.35) and Postgres both take `$N` placeholders, `RETURNING`, `ON CONFLICT`,
//! so every statement is written once. What differs stays in `sqlite.rs` / `postgres.rs`:
//! how to connect, the migrations folder (`run_migrations`), how a write transaction
//! starts (`begin_write`), and the row-lock suffix of a read-modify-write (`lock`).
//! A backend struct has a `writer` and a `reader` pool (the same pool for Postgres).
//!
//! The statements live by concern in `sql/` (environments, integrations, connections, flows):
//! each file's macro writes that concern's trait impl (`EnvironmentStore`, ...) directly, and
//! `impl_store!` invokes all four plus `Schema`.
//!
//! Statements about one connection bind its key first: `$1` environment, `$2` integration,
//! `$3` connection id (see `by_key!`).

macro_rules! by_key {
    ($sql:expr) => {
        concat!($sql, " WHERE environment_id = $1 AND integration_key = $2 AND connection_id = $3")
    };
}

macro_rules! bind_key {
    ($query:expr, $key:expr) => {
        $query.bind($key.environment_id).bind($key.integration_key.as_str()).bind($key.connection_id.as_str())
    };
}

/// `$query` (`flow_rows::FINISH_FLOW`) with the outcome `$columns` (`OutcomeColumns`), the time
/// and the flow id bound.
macro_rules! bind_outcome {
    ($query:expr, $columns:expr, $now:expr, $flow_id:expr) => {
        $query
            .bind($columns.status)
            .bind($columns.code)
            .bind($columns.message)
            .bind($columns.integration)
            .bind($columns.connection)
            .bind($now)
            .bind($flow_id.as_str())
    };
}

/// Every per-concern store trait for one backend (`$lock`: the row-lock suffix of a
/// read-modify-write, empty where a single writer makes it unneeded; `$tag_open ? $tag_close`:
/// the value of one key of the `tags` JSON text).
macro_rules! impl_store {
    ($store:ty, lock = $lock:literal, tag = ($tag_open:literal, $tag_close:literal)) => {
        $crate::store::sql::environment_store!($store);
        $crate::store::sql::integration_store!($store);
        $crate::store::sql::connection_store!($store, lock = $lock, tag = ($tag_open, $tag_close));
        $crate::store::sql::flow_store!($store);
        $crate::store::sql::rotation_methods!($store);
        $crate::store::sql::session_store!($store);
        $crate::store::sql::environment_variable_store!($store);
        $crate::store::sql::health_store!($store);

        #[async_trait]
        impl Schema for $store {
            async fn migrate(&self) -> StoreResult<()> {
                self.run_migrations().await
            }

            async fn server_meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
                let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT value FROM server_meta WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.writer)
                    .await?;
                Ok(row.map(|(value,)| value))
            }

            /// Rows written before secrets were sealed. Each value is sealed in its own
            /// statement: after a crash every value is either still plain (sealed at the next
            /// start) or sealed.
            async fn rotate_key(&self, progress: &(dyn Fn(u64) + Send + Sync)) -> StoreResult<u64> {
                self.rotate_sealed(progress).await
            }

            async fn seal_plain_secrets(&self) -> StoreResult<u64> {
                use $crate::crypto::cipher::is_sealed_text;
                use $crate::store::secrets;
                let mut n_sealed = 0;
                let environments: Vec<(i64, String, Option<String>)> =
                    sqlx::query_as("SELECT id, secret_key, hmac_key FROM environments").fetch_all(&self.writer).await?;
                for (id, secret_key, hmac_key) in environments {
                    if !is_sealed_text(&secret_key) {
                        let hash = secrets::secret_key_hash(&secret_key);
                        let aad = secrets::secret_key_aad(&hash);
                        let sealed = secrets::seal(&self.cipher, &Secret::new(secret_key), &aad)?;
                        sqlx::query("UPDATE environments SET secret_key = $1, secret_key_hash = $2 WHERE id = $3")
                            .bind(sealed)
                            .bind(hash)
                            .bind(id)
                            .execute(&self.writer)
                            .await?;
                        n_sealed += 1;
                    }
                    if let Some(hmac_key) = hmac_key.filter(|key| !is_sealed_text(key)) {
                        let sealed = secrets::seal(&self.cipher, &Secret::new(hmac_key), &secrets::hmac_key_aad(id))?;
                        sqlx::query("UPDATE environments SET hmac_key = $1 WHERE id = $2")
                            .bind(sealed)
                            .bind(id)
                            .execute(&self.writer)
                            .await?;
                        n_sealed += 1;
                    }
                }
                const INTEGRATIONS: &str =
                    "SELECT id, environment_id, unique_key, client_secret FROM integrations WHERE client_secret IS NOT NULL";
                let integrations: Vec<(i64, i64, String, String)> =
                    sqlx::query_as(INTEGRATIONS).fetch_all(&self.writer).await?;
                for (id, environment_id, unique_key, client_secret) in integrations {
                    if is_sealed_text(&client_secret) {
                        continue;
                    }
                    let aad = secrets::client_secret_aad(environment_id, &unique_key);
                    let sealed = secrets::seal(&self.cipher, &Secret::new(client_secret), &aad)?;
                    sqlx::query("UPDATE integrations SET client_secret = $1 WHERE id = $2")
                        .bind(sealed)
                        .bind(id)
                        .execute(&self.writer)
                        .await?;
                    n_sealed += 1;
                }
                Ok(n_sealed)
            }

            async fn init_server_meta(&self, name: &str, value: &[u8], now: i64) -> StoreResult<Vec<u8>> {
                const SQL: &str = "INSERT INTO server_meta (name, value, created_at) VALUES ($1, $2, $3) \
                                   ON CONFLICT (name) DO NOTHING";
                sqlx::query(SQL).bind(name).bind(value).bind(now).execute(&self.writer).await?;
                self.server_meta(name).await?.ok_or(StoreError::NotFound)
            }
        }
    };
}

mod connections;
mod environment_variables;
mod environments;
mod flows;
pub(crate) mod health;
mod integrations;
mod rotation;
mod sessions;
pub(crate) mod webhooks;

pub(crate) use connections::connection_store;
pub(crate) use environment_variables::environment_variable_store;
pub(crate) use environments::environment_store;
pub(crate) use flows::flow_store;
pub(crate) use health::{health_store, insert_status_event};
pub(crate) use integrations::integration_store;
pub(crate) use rotation::rotation_methods;
pub(crate) use sessions::session_store;
pub(crate) use webhooks::webhook_store;
pub(crate) use {bind_key, bind_outcome, by_key, impl_store};
