//! `IntegrationStore` in SQL: `integration_store!` writes the impl for a backend.

macro_rules! integration_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::rows::{
                conflict_or_database, integration_columns, strings_text, IntegrationRow,
            };
            use $crate::store::secrets;

            impl $store {
                /// The input's client secret sealed for its (new) key.
                fn sealed_client_secret(
                    &self,
                    env: EnvironmentId,
                    input: &IntegrationInput,
                ) -> StoreResult<Option<String>> {
                    let aad = secrets::client_secret_aad(env, input.unique_key.as_str());
                    input
                        .client_secret
                        .as_ref()
                        .map(|secret| secrets::seal(&self.cipher, secret, &aad))
                        .transpose()
                }
            }

            #[async_trait]
            impl IntegrationStore for $store {
                async fn list_integrations(&self, env: EnvironmentId) -> StoreResult<Vec<Integration>> {
                    const SQL: &str = concat!(
                        "SELECT ",
                        integration_columns!(),
                        " FROM integrations WHERE environment_id = $1 ORDER BY unique_key"
                    );
                    let rows =
                        sqlx::query_as::<_, IntegrationRow>(SQL).bind(env).fetch_all(&self.reader).await?;
                    rows.into_iter().map(|row| row.into_integration(&self.cipher)).collect()
                }

                async fn get_integration(
                    &self,
                    env: EnvironmentId,
                    key: &IntegrationKey,
                ) -> StoreResult<Option<Integration>> {
                    const SQL: &str = concat!(
                        "SELECT ",
                        integration_columns!(),
                        " FROM integrations WHERE environment_id = $1 AND unique_key = $2"
                    );
                    let row = match self.read_inline(SQL, (env, key.as_str()), IntegrationRow::from_rusqlite)
                    {
                        Some(row) => row,
                        None => {
                            sqlx::query_as::<_, IntegrationRow>(SQL)
                                .bind(env)
                                .bind(key.as_str())
                                .fetch_optional(&self.reader)
                                .await?
                        }
                    };
                    row.map(|row| row.into_integration(&self.cipher)).transpose()
                }

                async fn create_integration(
                    &self,
                    env: EnvironmentId,
                    input: &IntegrationInput,
                    now: i64,
                ) -> StoreResult<Integration> {
                    const SQL: &str = concat!(
                        "INSERT INTO integrations (environment_id, unique_key, provider, client_id, ",
                        "client_secret, scopes, display_name, allowed_hosts, created_at, updated_at) ",
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ",
                        "RETURNING ",
                        integration_columns!()
                    );
                    sqlx::query_as::<_, IntegrationRow>(SQL)
                        .bind(env)
                        .bind(input.unique_key.as_str())
                        .bind(&input.provider)
                        .bind(input.client_id.as_deref())
                        .bind(self.sealed_client_secret(env, input)?)
                        .bind(strings_text(&input.scopes))
                        .bind(input.display_name.as_deref())
                        .bind(strings_text(&input.allowed_hosts))
                        .bind(now)
                        .fetch_one(&self.writer)
                        .await
                        .map_err(conflict_or_database)?
                        .into_integration(&self.cipher)
                }

                async fn update_integration(
                    &self,
                    env: EnvironmentId,
                    key: &IntegrationKey,
                    input: &IntegrationInput,
                    now: i64,
                ) -> StoreResult<Option<Integration>> {
                    // A rename carries the connections along (ON UPDATE CASCADE).
                    const SQL: &str = concat!(
                        "UPDATE integrations SET unique_key = $1, provider = $2, client_id = $3, ",
                        "client_secret = $4, scopes = $5, display_name = $6, allowed_hosts = $7, ",
                        "updated_at = $8 WHERE environment_id = $9 AND unique_key = $10 RETURNING ",
                        integration_columns!()
                    );
                    sqlx::query_as::<_, IntegrationRow>(SQL)
                        .bind(input.unique_key.as_str())
                        .bind(&input.provider)
                        .bind(input.client_id.as_deref())
                        .bind(self.sealed_client_secret(env, input)?)
                        .bind(strings_text(&input.scopes))
                        .bind(input.display_name.as_deref())
                        .bind(strings_text(&input.allowed_hosts))
                        .bind(now)
                        .bind(env)
                        .bind(key.as_str())
                        .fetch_optional(&self.writer)
                        .await
                        .map_err(conflict_or_database)?
                        .map(|row| row.into_integration(&self.cipher))
                        .transpose()
                }

                async fn delete_integration(
                    &self,
                    env: EnvironmentId,
                    key: &IntegrationKey,
                ) -> StoreResult<bool> {
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    sqlx::query("DELETE FROM connections WHERE environment_id = $1 AND integration_key = $2")
                        .bind(env)
                        .bind(key.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let done =
                        sqlx::query("DELETE FROM integrations WHERE environment_id = $1 AND unique_key = $2")
                            .bind(env)
                            .bind(key.as_str())
                            .execute(&mut *tx)
                            .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}

pub(crate) use integration_store;
