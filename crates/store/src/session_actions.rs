//! The `session_actions` table: a queue of actions on gateway sessions between processes. The
//! asker queues an action and waits for its outcome; the process serving the session claims it,
//! carries it out and records the outcome; the asker then deletes the row.

use crate::{Store, StoreError};

/// An action claimed by the process serving its session.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionActionRow {
    pub id: i64,
    pub session_id: String,
    /// JSON, as the asker wrote it.
    pub action: String,
}

impl Store {
    /// Queues `action` (JSON) for `session`; returns its id. Rows an asker left behind (it
    /// stopped while waiting) go after an hour.
    pub async fn queue_session_action(&self, session: &str, action: &str) -> Result<i64, StoreError> {
        sqlx::query("DELETE FROM session_actions WHERE requested_at < ?")
            .bind(self.clock.now_ms() - 3_600_000)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO session_actions (session_id, action, requested_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(session)
        .bind(action)
        .bind(self.clock.now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Claims the unclaimed actions for any of `sessions`, so each is carried out once. A serving
    /// process asks several times a second and almost always finds nothing: a read answers that,
    /// and only actions waiting take the write lock.
    pub async fn claim_session_actions(
        &self,
        sessions: &[String],
    ) -> Result<Vec<SessionActionRow>, StoreError> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(sessions)?;
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM session_actions WHERE claimed_at IS NULL \
             AND session_id IN (SELECT value FROM json_each(?)))",
        )
        .bind(&ids)
        .fetch_one(&self.pool)
        .await?;
        if !waiting {
            return Ok(Vec::new());
        }
        let query = sqlx::query_as(
            "UPDATE session_actions SET claimed_at = ? WHERE claimed_at IS NULL \
             AND session_id IN (SELECT value FROM json_each(?)) RETURNING id, session_id, action",
        )
        .bind(self.clock.now_ms())
        .bind(ids);
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Records the outcome (JSON) and forgets the action's arguments.
    pub async fn finish_session_action(&self, id: i64, outcome: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE session_actions SET done_at = ?, outcome = ?, action = '' WHERE id = ?")
            .bind(self.clock.now_ms())
            .bind(outcome)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `Some(Some(outcome))` once the action is done, `Some(None)` while it is pending, `None`
    /// when there is no such action.
    pub async fn session_action_outcome(&self, id: i64) -> Result<Option<Option<String>>, StoreError> {
        Ok(sqlx::query_scalar("SELECT outcome FROM session_actions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn delete_session_action(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM session_actions WHERE id = ?").bind(id).execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[tokio::test]
    async fn an_action_is_claimed_once_and_its_arguments_go_when_it_is_done() {
        let claimed_at = |store: &Store, id: i64| {
            let pool = store.pool.clone();
            async move {
                sqlx::query_scalar::<_, Option<i64>>("SELECT claimed_at FROM session_actions WHERE id = ?")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        store.start_session("s1", "http", None, "owner").await.unwrap();
        store.start_session("s2", "http", None, "owner").await.unwrap();
        let a = store.queue_session_action("s1", r#"{"secret":"x"}"#).await.unwrap();
        let b = store.queue_session_action("s2", "{}").await.unwrap();
        assert_eq!(store.session_action_outcome(a).await.unwrap(), Some(None), "pending");
        assert!(claimed_at(&store, a).await.is_none());

        let claimed = store.claim_session_actions(&["s1".into()]).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].id, claimed[0].action.as_str()), (a, r#"{"secret":"x"}"#));
        assert!(claimed_at(&store, a).await.is_some());
        assert!(store.claim_session_actions(&["s1".into()]).await.unwrap().is_empty(), "claimed once");
        assert!(store.claim_session_actions(&[]).await.unwrap().is_empty());

        store.finish_session_action(a, r#"{"ok":true}"#).await.unwrap();
        assert_eq!(store.session_action_outcome(a).await.unwrap(), Some(Some(r#"{"ok":true}"#.into())));
        let left: String = sqlx::query_scalar("SELECT action FROM session_actions WHERE id = ?")
            .bind(a)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(left, "", "the arguments are gone once the action is done");
        store.delete_session_action(a).await.unwrap();
        assert_eq!(store.session_action_outcome(a).await.unwrap(), None);
        assert_eq!(store.claim_session_actions(&["s2".into()]).await.unwrap()[0].id, b);

        // A row its asker left behind an hour ago goes when the next action is queued.
        sqlx::query("UPDATE session_actions SET requested_at = requested_at - 3600001 WHERE id = ?")
            .bind(b)
            .execute(&store.pool)
            .await
            .unwrap();
        store.queue_session_action("s1", "{}").await.unwrap();
        assert_eq!(store.session_action_outcome(b).await.unwrap(), None);
    }
}
