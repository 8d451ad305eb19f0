//! `SessionStore` in SQL (connect sessions and admin console sessions): `session_store!` writes the impl for a backend.

macro_rules! session_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::rows::{map_text, SessionRow};

            #[async_trait]
            impl SessionStore for $store {
                async fn insert_session(&self, session: &ConnectSession) -> StoreResult<()> {
                    const SQL: &str = concat!(
                        "INSERT INTO connect_sessions (token_hash, environment_id, end_user, organization, tags, ",
                        "allowed_integrations, integrations_config_defaults, connection_id, reconnect_integration, ",
                        "webhook_url_override, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    );
                    let allowed: Vec<String> = session.allowed_integrations.iter().map(|key| key.to_string()).collect();
                    sqlx::query(SQL)
                        .bind(&session.hash)
                        .bind(session.environment_id)
                        .bind(session.end_user.as_ref().map(map_text))
                        .bind(session.organization.as_ref().map(map_text))
                        .bind(map_text(&session.tags))
                        .bind(serde_json::Value::from(allowed).to_string())
                        .bind(map_text(&session.integrations_config_defaults))
                        .bind(session.connection_id.as_ref().map(|id| id.as_str()))
                        .bind(session.reconnect_integration.as_ref().map(|key| key.as_str()))
                        .bind(session.webhook_url_override.as_deref())
                        .bind(session.created_at)
                        .bind(session.expires_at)
                        .execute(&self.writer)
                        .await
                        .map_err($crate::store::rows::conflict_or_database)?;
                    Ok(())
                }

                async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ConnectSession>> {
                    const SQL: &str = concat!(
                        "SELECT token_hash, environment_id, end_user, organization, tags, allowed_integrations, ",
                        "integrations_config_defaults, connection_id, reconnect_integration, webhook_url_override, ",
                        "created_at, expires_at FROM connect_sessions WHERE token_hash = $1 AND expires_at > $2"
                    );
                    sqlx::query_as::<_, SessionRow>(SQL)
                        .bind(token_hash)
                        .bind(now)
                        .fetch_optional(&self.reader)
                        .await?
                        .map(SessionRow::into_session)
                        .transpose()
                }

                async fn delete_session(&self, token_hash: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM connect_sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.writer)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn purge_sessions(&self, older_than: i64) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM connect_sessions WHERE expires_at < $1")
                        .bind(older_than)
                        .execute(&self.writer)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn insert_admin_session(&self, session: &AdminSession) -> StoreResult<()> {
                    const SQL: &str = "INSERT INTO admin_sessions (token_hash, environment_id, created_at, expires_at) \
                                       VALUES ($1, $2, $3, $4)";
                    sqlx::query(SQL)
                        .bind(&session.hash)
                        .bind(session.environment_id)
                        .bind(session.created_at)
                        .bind(session.expires_at)
                        .execute(&self.writer)
                        .await
                        .map_err($crate::store::rows::conflict_or_database)?;
                    Ok(())
                }

                async fn admin_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<AdminSession>> {
                    const SQL: &str = "SELECT token_hash, environment_id, created_at, expires_at FROM admin_sessions \
                                       WHERE token_hash = $1 AND expires_at > $2";
                    let row: Option<(String, i64, i64, i64)> = sqlx::query_as(SQL)
                        .bind(token_hash)
                        .bind(now)
                        .fetch_optional(&self.reader)
                        .await?;
                    Ok(row.map(|(hash, environment_id, created_at, expires_at)| AdminSession {
                        hash,
                        environment_id,
                        created_at,
                        expires_at,
                    }))
                }

                async fn delete_admin_session(&self, token_hash: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.writer)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn purge_admin_sessions(&self, older_than: i64) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM admin_sessions WHERE expires_at < $1")
                        .bind(older_than)
                        .execute(&self.writer)
                        .await?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}

pub(crate) use session_store;
