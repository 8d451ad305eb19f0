//! Key rotation in SQL (SPEC §13): `rotation_methods!` writes `rotate_sealed` for a backend. It
//! walks every sealed value in batches (keyset pagination), re-seals what the current key does
//! not open, and writes it back only if the row still holds the value it read (a concurrent
//! write has sealed it under the current key already). Each value is its own statement, so a
//! crash anywhere leaves a state the next run finishes.

macro_rules! rotation_methods {
    ($store:ty) => {
        const _: () = {
            use $crate::store::secrets;

            /// Rows read per batch.
            const BATCH: i64 = 200;

            fn rotation_error(column: &str) -> StoreError {
                StoreError::Corrupt(format!("column `{column}` opens with neither the current nor the previous key"))
            }

            impl $store {
                /// Re-seal one sealed text value of the row `id` with `update`
                /// (`SET col = $1 WHERE id = $2 AND col = $3`); whether it changed.
                async fn reseal_text_column(
                    &self,
                    update: &'static str,
                    id: i64,
                    stored: &str,
                    aad: &[u8],
                    column: &str,
                ) -> StoreResult<bool> {
                    let Some(fresh) = self.cipher.reseal_text(stored, aad).map_err(|_| rotation_error(column))? else {
                        return Ok(false);
                    };
                    sqlx::query(update).bind(fresh).bind(id).bind(stored).execute(&self.writer).await?;
                    Ok(true)
                }

                pub(crate) async fn rotate_sealed(&self, progress: &(dyn Fn(u64) + Send + Sync)) -> StoreResult<u64> {
                    let mut n_resealed = 0;
                    let mut after = 0_i64;
                    loop {
                        const SQL: &str = "SELECT id, environment_id, integration_key, connection_id, credentials \
                                           FROM connections WHERE id > $1 ORDER BY id LIMIT $2";
                        let rows: Vec<(i64, i64, String, String, Vec<u8>)> =
                            sqlx::query_as(SQL).bind(after).bind(BATCH).fetch_all(&self.writer).await?;
                        let Some(last) = rows.last() else { break };
                        after = last.0;
                        for (id, environment_id, integration_key, connection_id, sealed) in rows {
                            let key = ConnectionKey {
                                environment_id,
                                integration_key: IntegrationKey::parse(integration_key)
                                    .map_err(|_| rotation_error("integration_key"))?,
                                connection_id: $crate::ids::ConnectionId::parse(connection_id)
                                    .map_err(|_| rotation_error("connection_id"))?,
                            };
                            let Some(fresh) =
                                self.cipher.reseal(&sealed, &key.aad()).map_err(|_| rotation_error("credentials"))?
                            else {
                                continue;
                            };
                            sqlx::query("UPDATE connections SET credentials = $1 WHERE id = $2 AND credentials = $3")
                                .bind(fresh)
                                .bind(id)
                                .bind(sealed)
                                .execute(&self.writer)
                                .await?;
                            n_resealed += 1;
                        }
                        progress(n_resealed);
                    }

                    let environments: Vec<(i64, String, Option<String>, Option<String>)> =
                        sqlx::query_as("SELECT id, secret_key, secret_key_hash, hmac_key FROM environments")
                            .fetch_all(&self.writer)
                            .await?;
                    for (id, secret_key, hash, hmac_key) in environments {
                        let hash = hash.ok_or_else(|| rotation_error("secret_key_hash"))?;
                        const SECRET: &str = "UPDATE environments SET secret_key = $1 WHERE id = $2 AND secret_key = $3";
                        let aad = secrets::secret_key_aad(&hash);
                        n_resealed += u64::from(self.reseal_text_column(SECRET, id, &secret_key, &aad, "secret_key").await?);
                        let Some(hmac_key) = hmac_key else { continue };
                        const HMAC: &str = "UPDATE environments SET hmac_key = $1 WHERE id = $2 AND hmac_key = $3";
                        let aad = secrets::hmac_key_aad(id);
                        n_resealed += u64::from(self.reseal_text_column(HMAC, id, &hmac_key, &aad, "hmac_key").await?);
                    }

                    const INTEGRATIONS: &str = "SELECT id, environment_id, unique_key, client_secret FROM integrations \
                                                WHERE client_secret IS NOT NULL";
                    let integrations: Vec<(i64, i64, String, String)> =
                        sqlx::query_as(INTEGRATIONS).fetch_all(&self.writer).await?;
                    for (id, environment_id, unique_key, client_secret) in integrations {
                        const CLIENT: &str =
                            "UPDATE integrations SET client_secret = $1 WHERE id = $2 AND client_secret = $3";
                        let aad = secrets::client_secret_aad(environment_id, &unique_key);
                        n_resealed +=
                            u64::from(self.reseal_text_column(CLIENT, id, &client_secret, &aad, "client_secret").await?);
                    }

                    let variables: Vec<(i64, String, String)> =
                        sqlx::query_as("SELECT environment_id, name, value FROM environment_variables")
                            .fetch_all(&self.writer)
                            .await?;
                    for (environment_id, name, value) in variables {
                        let aad = secrets::environment_variable_aad(environment_id, &name);
                        let column = "environment_variables.value";
                        let Some(fresh) = self.cipher.reseal_text(&value, &aad).map_err(|_| rotation_error(column))?
                        else {
                            continue;
                        };
                        const VARIABLE: &str = "UPDATE environment_variables SET value = $1 \
                                                WHERE environment_id = $2 AND name = $3 AND value = $4";
                        sqlx::query(VARIABLE)
                            .bind(fresh)
                            .bind(environment_id)
                            .bind(&name)
                            .bind(&value)
                            .execute(&self.writer)
                            .await?;
                        n_resealed += 1;
                    }

                    // Pending flows' verifiers; a verifier that opens with neither key belongs to
                    // a flow that can no longer finish anyway, and is left as it is.
                    let flows: Vec<(String, String)> =
                        sqlx::query_as("SELECT flow_id, pkce_verifier FROM oauth_flows WHERE pkce_verifier IS NOT NULL")
                            .fetch_all(&self.writer)
                            .await?;
                    for (flow_id, verifier) in flows {
                        let Ok(Some(fresh)) = self.cipher.reseal_text(&verifier, &secrets::pkce_verifier_aad(&flow_id)) else {
                            continue;
                        };
                        sqlx::query("UPDATE oauth_flows SET pkce_verifier = $1 WHERE flow_id = $2 AND pkce_verifier = $3")
                            .bind(fresh)
                            .bind(&flow_id)
                            .bind(&verifier)
                            .execute(&self.writer)
                            .await?;
                        n_resealed += 1;
                    }

                    // Last, the key check value: once it opens with the new key only, the
                    // previous key is no longer needed.
                    let meta: Vec<(String, Vec<u8>)> =
                        sqlx::query_as("SELECT name, value FROM server_meta").fetch_all(&self.writer).await?;
                    for (name, value) in meta {
                        let Some(fresh) = self.cipher.reseal(&value, name.as_bytes()).map_err(|_| rotation_error("server_meta"))? else {
                            continue;
                        };
                        sqlx::query("UPDATE server_meta SET value = $1 WHERE name = $2 AND value = $3")
                            .bind(fresh)
                            .bind(&name)
                            .bind(&value)
                            .execute(&self.writer)
                            .await?;
                        n_resealed += 1;
                    }
                    progress(n_resealed);
                    Ok(n_resealed)
                }
            }
        };
    };
}

pub(crate) use rotation_methods;
