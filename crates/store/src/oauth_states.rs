//! The `oauth_states` table: pending sign-ins by their `state`, so a restart between the browser
//! and the redirect still completes; each is used once and lives ten minutes.

use crate::{Store, StoreError};

/// How long a sign-in may take from the authorization URL to the redirect.
pub const OAUTH_STATE_TTL_MS: i64 = 10 * 60 * 1000;

impl Store {
    /// Keeps a pending sign-in under its `state`; old ones are dropped on the way.
    pub async fn put_oauth_state(&self, csrf: &str, state: &str) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        sqlx::query("DELETE FROM oauth_states WHERE created_at < ?")
            .bind(now - OAUTH_STATE_TTL_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT OR REPLACE INTO oauth_states (csrf, state, created_at) VALUES (?, ?, ?)")
            .bind(csrf)
            .bind(state)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes a pending sign-in: it is gone afterwards, so a replayed redirect finds nothing, and
    /// one older than ten minutes is not returned.
    pub async fn take_oauth_state(&self, csrf: &str) -> Result<Option<String>, StoreError> {
        let taken: Option<(String, i64)> =
            sqlx::query_as("DELETE FROM oauth_states WHERE csrf = ? RETURNING state, created_at")
                .bind(csrf)
                .fetch_optional(&self.pool)
                .await?;
        let now = self.clock.now_ms();
        Ok(taken.filter(|(_, at)| now - at <= OAUTH_STATE_TTL_MS).map(|(s, _)| s))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    struct Fixed(AtomicI64);
    impl crate::Clock for Fixed {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::Relaxed)
        }
    }

    /// A redirect's `state` comes from the browser, so from anyone: one Berth never issued finds
    /// nothing, a replayed one finds nothing the second time, and an old one finds nothing.
    #[tokio::test]
    async fn a_state_is_used_once_and_expires() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(Fixed(AtomicI64::new(1_000_000)));
        let store = Store::open_in_with(dir.path(), clock.clone()).await.unwrap();
        assert_eq!(store.take_oauth_state("forged").await.unwrap(), None);
        store.put_oauth_state("s1", "verifier-1").await.unwrap();
        assert_eq!(store.take_oauth_state("s1").await.unwrap().as_deref(), Some("verifier-1"));
        assert_eq!(store.take_oauth_state("s1").await.unwrap(), None, "a replay was accepted");
        store.put_oauth_state("s2", "verifier-2").await.unwrap();
        clock.0.fetch_add(OAUTH_STATE_TTL_MS + 1, Ordering::Relaxed);
        assert_eq!(store.take_oauth_state("s2").await.unwrap(), None, "an expired state was accepted");
    }
}
