//! The `secret_refs` table: which secrets exist in the keychain, never their values.

use crate::{Store, StoreError};

/// A record that a secret is stored in the keychain under `key`.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SecretRef {
    pub key: String,
    pub kind: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// Records that `key` holds a secret of `kind` (insert or touch).
    pub async fn put_secret_ref(&self, key: &str, kind: &str) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO secret_refs (key, kind, created_at, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(kind)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets `key`; returns whether it was recorded.
    pub async fn delete_secret_ref(&self, key: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM secret_refs WHERE key = ?").bind(key).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }

    /// Whether `key` is recorded as set.
    pub async fn has_secret_ref(&self, key: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM secret_refs WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// All recorded secrets, ordered by key.
    pub async fn secret_refs(&self) -> Result<Vec<SecretRef>, StoreError> {
        Ok(sqlx::query_as("SELECT key, kind, created_at, updated_at FROM secret_refs ORDER BY key")
            .fetch_all(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;
    use crate::Clock;

    struct FixedClock(AtomicI64);
    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            self.0.fetch_add(1, Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn records_secret_references_without_values() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&dir.path().join("t.db"), Arc::new(FixedClock(AtomicI64::new(100)))).await.unwrap();
        store.put_secret_ref("berth/server/a/TOKEN", "server").await.unwrap();
        store.put_secret_ref("berth/server/a/TOKEN", "server").await.unwrap();
        let refs = store.secret_refs().await.unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].created_at, 100);
        assert_eq!(refs[0].updated_at, 101);
        assert!(store.has_secret_ref("berth/server/a/TOKEN").await.unwrap());
        assert!(store.delete_secret_ref("berth/server/a/TOKEN").await.unwrap());
        assert!(!store.delete_secret_ref("berth/server/a/TOKEN").await.unwrap());
    }

    #[tokio::test]
    async fn settings_return_the_value_they_replace() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        assert_eq!(store.setting::<String>("ui.locale").await.unwrap(), None);
        assert_eq!(store.set_setting("ui.locale", &"ja".to_string()).await.unwrap(), None);
        assert_eq!(store.set_setting("ui.locale", &"en".to_string()).await.unwrap(), Some("ja".into()));
        assert_eq!(store.setting::<String>("ui.locale").await.unwrap(), Some("en".into()));
        assert_eq!(store.schema_version().await.unwrap(), Store::latest_schema_version());
    }
}
