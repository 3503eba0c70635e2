//! The `settings` table: small JSON values by key.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Store, StoreError};

impl Store {
    /// Reads a setting; `None` when it was never set.
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let raw: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?)
    }

    /// Writes a setting and returns the value it replaced.
    pub async fn set_setting<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<Option<T>, StoreError> {
        let json = serde_json::to_string(value)?;
        let mut tx = self.write_tx().await?;
        let old: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(json)
        .bind(self.clock.now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // A previous value that no longer parses as T is reported as absent rather than failing
        // the write that replaces it.
        Ok(old.and_then(|o| serde_json::from_str(&o).ok()))
    }

    /// Deletes a setting; returns whether it existed.
    pub async fn delete_setting(&self, key: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM settings WHERE key = ?").bind(key).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }
}
