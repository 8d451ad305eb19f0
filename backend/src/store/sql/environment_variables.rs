//! `EnvironmentVariableStore` in SQL: `environment_variable_store!` writes the impl for a
//! backend. Values are sealed text (`secrets.rs`), bound to their environment and name.

macro_rules! environment_variable_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::secrets;

            #[async_trait]
            impl EnvironmentVariableStore for $store {
                async fn environment_variables(
                    &self,
                    env: EnvironmentId,
                ) -> StoreResult<Vec<EnvironmentVariable>> {
                    const SQL: &str =
                        "SELECT name, value FROM environment_variables WHERE environment_id = $1 ORDER BY name";
                    let rows: Vec<(String, String)> =
                        sqlx::query_as(SQL).bind(env).fetch_all(&self.reader).await?;
                    rows.into_iter()
                        .map(|(name, sealed)| {
                            let aad = secrets::environment_variable_aad(env, &name);
                            let value = secrets::open(&self.cipher, &sealed, &aad, "environment_variables.value")?;
                            Ok(EnvironmentVariable { name, value })
                        })
                        .collect()
                }

                async fn replace_environment_variables(
                    &self,
                    env: EnvironmentId,
                    variables: &[EnvironmentVariable],
                    now: i64,
                ) -> StoreResult<()> {
                    // Seal before the transaction starts: no write lock is held while sealing.
                    let mut sealed = Vec::with_capacity(variables.len());
                    for variable in variables {
                        let aad = secrets::environment_variable_aad(env, &variable.name);
                        sealed.push((variable.name.as_str(), secrets::seal(&self.cipher, &variable.value, &aad)?));
                    }
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    let existing: Vec<(String,)> =
                        sqlx::query_as("SELECT name FROM environment_variables WHERE environment_id = $1")
                            .bind(env)
                            .fetch_all(&mut *tx)
                            .await?;
                    for (name,) in existing {
                        if sealed.iter().any(|(kept, _)| *kept == name) {
                            continue;
                        }
                        sqlx::query("DELETE FROM environment_variables WHERE environment_id = $1 AND name = $2")
                            .bind(env)
                            .bind(&name)
                            .execute(&mut *tx)
                            .await?;
                    }
                    const UPSERT: &str = concat!(
                        "INSERT INTO environment_variables (environment_id, name, value, created_at, updated_at) ",
                        "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (environment_id, name) ",
                        "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                    );
                    for (name, value) in sealed {
                        sqlx::query(UPSERT)
                            .bind(env)
                            .bind(name)
                            .bind(value)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::store::rows::conflict_or_database)?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn delete_environment_variable(&self, env: EnvironmentId, name: &str) -> StoreResult<bool> {
                    let done =
                        sqlx::query("DELETE FROM environment_variables WHERE environment_id = $1 AND name = $2")
                            .bind(env)
                            .bind(name)
                            .execute(&self.writer)
                            .await?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}

pub(crate) use environment_variable_store;
