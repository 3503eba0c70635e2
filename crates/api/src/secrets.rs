//! Facade functions for secrets: set, list (names only), delete. Values go to the keychain; the
//! database records only the key reference.

use serde::Serialize;
use ts_rs::TS;

use berth_secrets::{SecretKey, SecretValue};

use crate::{ApiError, Berth};

/// A stored secret as the UI and CLI see it: where it is, never what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct SecretInfo {
    /// The reference `berth/<kind>/<id>`.
    pub key: String,
    pub kind: String,
    /// Unix milliseconds of the last change.
    pub updated_at: i64,
}

impl Berth {
    /// Stores `value` in the keychain under `key` (`berth/<kind>/<id>`) and records the reference.
    pub async fn set_secret(&self, key: &str, value: String) -> Result<SecretInfo, ApiError> {
        let key = SecretKey::parse(key)?;
        if value.is_empty() {
            return Err(ApiError::msg(
                crate::ErrorCode::Validation,
                crate::msg!("msg.secret.empty", key = &key),
            ));
        }
        let k = key.clone();
        self.with_secrets(move |s| s.set(&k, &SecretValue::new(value))).await?;
        self.store.put_secret_ref(&key.to_string(), key.kind()).await?;
        tracing::info!(key = %key, "secret stored");
        self.secret_info(&key.to_string()).await
    }

    /// Whether a secret is recorded under `key` (without touching the keychain).
    pub async fn is_secret_set(&self, key: &str) -> Result<bool, ApiError> {
        Ok(self.store.has_secret_ref(key).await?)
    }

    /// Every recorded secret, names only.
    pub async fn list_secrets(&self) -> Result<Vec<SecretInfo>, ApiError> {
        Ok(self
            .store
            .secret_refs()
            .await?
            .into_iter()
            .map(|r| SecretInfo { key: r.key, kind: r.kind, updated_at: r.updated_at })
            .collect())
    }

    /// Deletes the secret from the keychain and forgets its reference; returns whether anything
    /// was there.
    pub async fn delete_secret(&self, key: &str) -> Result<bool, ApiError> {
        let key = SecretKey::parse(key)?;
        let k = key.clone();
        let in_keychain = self.with_secrets(move |s| s.delete(&k)).await?;
        let in_db = self.store.delete_secret_ref(&key.to_string()).await?;
        tracing::info!(key = %key, "secret deleted");
        Ok(in_keychain || in_db)
    }

    async fn secret_info(&self, key: &str) -> Result<SecretInfo, ApiError> {
        self.list_secrets().await?.into_iter().find(|s| s.key == key).ok_or_else(|| {
            ApiError::internal(format!("the reference to {key} vanished right after it was written"))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use berth_secrets::{MemoryStore, Redactor, SecretStore};

    use crate::{BerthOptions, ErrorCode};

    use super::*;

    async fn berth(dir: &std::path::Path, store: Arc<MemoryStore>, redactor: Redactor) -> Berth {
        Berth::open(BerthOptions {
            data_dir: dir.to_owned(),
            redactor,
            system_locale: None,
            secrets: Some(store as Arc<dyn SecretStore>),
            runtime: None,
            clock: None,
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn values_go_to_the_store_and_only_references_to_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let mem = Arc::new(MemoryStore::default());
        let redactor = Redactor::new();
        let b = berth(dir.path(), mem.clone(), redactor.clone()).await;

        let info = b.set_secret("berth/server/github/GITHUB_TOKEN", "ghp_value_1234".into()).await.unwrap();
        assert_eq!(info.kind, "server");
        let key = SecretKey::parse(&info.key).unwrap();
        assert_eq!(mem.get(&key).unwrap().unwrap().expose(), "ghp_value_1234");
        assert!(b.is_secret_set(&info.key).await.unwrap());
        // The value is now masked in logs.
        assert_eq!(redactor.redact("x ghp_value_1234 y"), "x [REDACTED] y");
        b.close().await;

        // The database file never holds the value.
        let bytes = std::fs::read(dir.path().join(berth_store::DB_FILE)).unwrap();
        let wal = std::fs::read(dir.path().join("berth.db-wal")).unwrap_or_default();
        for file in [bytes, wal] {
            assert!(!file.windows(14).any(|w| w == b"ghp_value_1234"));
        }

        let b = berth(dir.path(), mem.clone(), Redactor::new()).await;
        assert!(b.delete_secret(&info.key).await.unwrap());
        assert!(mem.get(&key).unwrap().is_none());
        assert!(b.list_secrets().await.unwrap().is_empty());
        assert!(!b.delete_secret(&info.key).await.unwrap());
    }

    #[tokio::test]
    async fn bad_keys_and_empty_values_are_validation_errors() {
        let dir = tempfile::tempdir().unwrap();
        let b = berth(dir.path(), Arc::new(MemoryStore::default()), Redactor::new()).await;
        let e = b.set_secret("github token", "x1234".into()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        let e = b.set_secret("berth/server/a", String::new()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(b.list_secrets().await.unwrap().is_empty());
    }
}
