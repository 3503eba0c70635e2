//! The `events` table: what happened to servers and sessions, newest first, kept to the last
//! [`KEEP_EVENTS`].

use crate::{Store, StoreError};

/// How many events are kept; older ones are deleted as new ones arrive.
pub const KEEP_EVENTS: i64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    /// `info` or `error`.
    pub level: String,
    pub kind: String,
    pub server: Option<String>,
    pub session: Option<String>,
    pub key: String,
    /// JSON object of the message's parameters.
    pub params: String,
    /// The message in English.
    pub message: String,
}

/// One event to record.
pub struct EventRecord<'a> {
    pub level: &'a str,
    pub kind: &'a str,
    pub server: Option<&'a str>,
    pub session: Option<&'a str>,
    pub key: &'a str,
    pub params: &'a str,
    pub message: &'a str,
}

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct EventFilter<'a> {
    pub server: Option<&'a str>,
    pub session: Option<&'a str>,
    pub limit: i64,
}

impl Store {
    pub async fn record_event(&self, e: EventRecord<'_>) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let id = sqlx::query(
            "INSERT INTO events (at, level, kind, server, session, key, params, message) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(self.clock.now_ms())
        .bind(e.level)
        .bind(e.kind)
        .bind(e.server)
        .bind(e.session)
        .bind(e.key)
        .bind(e.params)
        .bind(e.message)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        // Trimmed now and then rather than on every insert.
        if id % 100 == 0 {
            sqlx::query("DELETE FROM events WHERE id <= ?").bind(id - KEEP_EVENTS).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest events matching `filter`.
    pub async fn events(&self, filter: EventFilter<'_>) -> Result<Vec<EventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, level, kind, server, session, key, params, message FROM events \
             WHERE (?1 IS NULL OR server = ?1) AND (?2 IS NULL OR session = ?2) ORDER BY id DESC LIMIT ?3",
        )
        .bind(filter.server)
        .bind(filter.session)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_filter_by_server_and_session_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        for (kind, server, session) in [
            ("server_started", Some("a"), None),
            ("session_opened", None, Some("s1")),
            ("server_added", Some("a"), Some("s1")),
        ] {
            let e =
                EventRecord { level: "info", kind, server, session, key: "k", params: "{}", message: kind };
            store.record_event(e).await.unwrap();
        }
        let all = store.events(EventFilter { limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(
            all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["server_added", "session_opened", "server_started"]
        );
        let a =
            store.events(EventFilter { server: Some("a"), limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(a.len(), 2);
        let both =
            store.events(EventFilter { server: Some("a"), session: Some("s1"), limit: 10 }).await.unwrap();
        assert_eq!(both.len(), 1);
        assert_eq!(store.events(EventFilter { limit: 1, ..Default::default() }).await.unwrap().len(), 1);
    }
}
