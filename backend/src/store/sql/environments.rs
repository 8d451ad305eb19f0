//! `EnvironmentStore` in SQL: `environment_store!` writes the impl for a backend (the SQL is
//! the same for both dialects).

macro_rules! environment_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::rows::{conflict_or_database, environment_columns, strings_text, EnvironmentRow};
            use $crate::store::secrets;

            impl $store {
                async fn environment_where(
                    &self,
                    sql: &'static str,
                    value: &str,
                ) -> StoreResult<Option<Environment>> {
                    let row = match self.read_inline(sql, [value], EnvironmentRow::from_rusqlite) {
                        Some(row) => row,
                        None => sqlx::query_as::<_, EnvironmentRow>(sql).bind(value).fetch_optional(&self.reader).await?,
                    };
                    row.map(|row| row.into_environment(&self.cipher)).transpose()
                }
            }

            #[async_trait]
            impl EnvironmentStore for $store {
                async fn default_environment(&self) -> StoreResult<Option<Environment>> {
                    const SQL: &str =
                        concat!("SELECT ", environment_columns!(), " FROM environments ORDER BY id LIMIT 1");
                    sqlx::query_as::<_, EnvironmentRow>(SQL)
                        .fetch_optional(&self.reader)
                        .await?
                        .map(|row| row.into_environment(&self.cipher))
                        .transpose()
                }

                async fn create_environment(&self, new: NewEnvironment, now: i64) -> StoreResult<Environment> {
                    const SQL: &str = concat!(
                        "INSERT INTO environments (name, secret_key, secret_key_hash, public_key, created_at, updated_at) ",
                        "VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
                        environment_columns!()
                    );
                    let hash = secrets::secret_key_hash(new.secret_key.expose());
                    let sealed = secrets::seal(&self.cipher, &new.secret_key, &secrets::secret_key_aad(&hash))?;
                    sqlx::query_as::<_, EnvironmentRow>(SQL)
                        .bind(&new.name)
                        .bind(sealed)
                        .bind(hash)
                        .bind(&new.public_key)
                        .bind(now)
                        .fetch_one(&self.writer)
                        .await
                        .map_err(conflict_or_database)?
                        .into_environment(&self.cipher)
                }

                async fn set_environment_keys(
                    &self,
                    id: EnvironmentId,
                    secret_key: &Secret<String>,
                    public_key: &str,
                    now: i64,
                ) -> StoreResult<()> {
                    const SQL: &str = "UPDATE environments SET secret_key = $1, secret_key_hash = $5, public_key = $2, \
                                       updated_at = $3 WHERE id = $4";
                    let hash = secrets::secret_key_hash(secret_key.expose());
                    let sealed = secrets::seal(&self.cipher, secret_key, &secrets::secret_key_aad(&hash))?;
                    let done = sqlx::query(SQL)
                        .bind(sealed)
                        .bind(public_key)
                        .bind(now)
                        .bind(id)
                        .bind(hash)
                        .execute(&self.writer)
                        .await
                        .map_err(conflict_or_database)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    Ok(())
                }

                async fn environment_by_secret_key(&self, secret_key: &str) -> StoreResult<Option<Environment>> {
                    const SQL: &str =
                        concat!("SELECT ", environment_columns!(), " FROM environments WHERE secret_key_hash = $1");
                    self.environment_where(SQL, &secrets::secret_key_hash(secret_key)).await
                }

                async fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>> {
                    const SQL: &str =
                        concat!("SELECT ", environment_columns!(), " FROM environments WHERE public_key = $1");
                    self.environment_where(SQL, public_key).await
                }

                async fn environment_by_id(&self, id: EnvironmentId) -> StoreResult<Option<Environment>> {
                    const SQL: &str = concat!("SELECT ", environment_columns!(), " FROM environments WHERE id = $1");
                    let row = match self.read_inline(SQL, [id], EnvironmentRow::from_rusqlite) {
                        Some(row) => row,
                        None => sqlx::query_as::<_, EnvironmentRow>(SQL).bind(id).fetch_optional(&self.reader).await?,
                    };
                    row.map(|row| row.into_environment(&self.cipher)).transpose()
                }

                async fn update_environment_settings(
                    &self,
                    id: EnvironmentId,
                    settings: &EnvironmentSettings,
                    now: i64,
                ) -> StoreResult<Environment> {
                    const SQL: &str = concat!(
                        "UPDATE environments SET callback_url = $1, hmac_enabled = $2, hmac_key = $3, ",
                        "webhook_url = $4, allowed_origins = $5, updated_at = $6 WHERE id = $7 RETURNING ",
                        environment_columns!()
                    );
                    let hmac_key = settings
                        .hmac_key
                        .as_ref()
                        .map(|key| secrets::seal(&self.cipher, key, &secrets::hmac_key_aad(id)))
                        .transpose()?;
                    sqlx::query_as::<_, EnvironmentRow>(SQL)
                        .bind(settings.callback_url.as_deref())
                        .bind(settings.hmac_enabled)
                        .bind(hmac_key)
                        .bind(settings.webhook_url.as_deref())
                        .bind(strings_text(&settings.allowed_origins))
                        .bind(now)
                        .bind(id)
                        .fetch_optional(&self.writer)
                        .await?
                        .ok_or(StoreError::NotFound)?
                        .into_environment(&self.cipher)
                }
            }
        };
    };
}

pub(crate) use environment_store;
