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
