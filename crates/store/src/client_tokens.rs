//! The `client_tokens` table: which client a presented gateway token belongs to, by its hash.

use crate::{Store, StoreError};

impl Store {
    /// Records `hash` as `client`'s token, replacing the one it had.
    pub async fn put_client_token(&self, client: &str, hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO client_tokens (client, token_hash, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (client) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        )
        .bind(client)
        .bind(hash)
        .bind(self.clock.now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The client whose token hashes to `hash`.
    pub async fn client_for_token(&self, hash: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT client FROM client_tokens WHERE token_hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The hash of `client`'s token, if one was issued.
    pub async fn client_token_hash(&self, client: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT token_hash FROM client_tokens WHERE client = ?")
            .bind(client)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Forgets `client`'s token; true when it had one.
    pub async fn delete_client_token(&self, client: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM client_tokens WHERE client = ?")
            .bind(client)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[tokio::test]
    async fn a_token_names_its_client_until_replaced_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        assert_eq!(store.client_for_token("h1").await.unwrap(), None);
        store.put_client_token("cursor", "h1").await.unwrap();
        assert_eq!(store.client_for_token("h1").await.unwrap().as_deref(), Some("cursor"));
        assert_eq!(store.client_token_hash("cursor").await.unwrap().as_deref(), Some("h1"));
        // A new token replaces the old one: the old hash no longer names anyone.
        store.put_client_token("cursor", "h2").await.unwrap();
        assert_eq!(store.client_for_token("h1").await.unwrap(), None);
        assert_eq!(store.client_for_token("h2").await.unwrap().as_deref(), Some("cursor"));
        assert!(store.delete_client_token("cursor").await.unwrap());
        assert!(!store.delete_client_token("cursor").await.unwrap());
        assert_eq!(store.client_for_token("h2").await.unwrap(), None);
    }
}
