//! The `sessions`, `session_servers` and `call_log` tables.

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub transport: String,
    pub client: Option<String>,
    pub owner: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionServerRow {
    pub session_id: String,
    pub server: String,
    pub config: String,
    pub added_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub session_id: Option<String>,
    pub server: String,
    pub tool: String,
    /// JSON array of argument names.
    pub arg_names: String,
    pub exit_code: i64,
    pub started_at: i64,
    pub duration_ms: i64,
}

/// One call to record.
pub struct CallRecord<'a> {
    pub session_id: Option<&'a str>,
    pub server: &'a str,
    pub tool: &'a str,
    pub arg_names: &'a [String],
    pub exit_code: i64,
    pub started_at: i64,
    pub duration_ms: i64,
}

impl Store {
    /// Names the client of a session that had none (a session opened with the gateway's own
    /// token, or over stdio, learns it at `initialize`).
    pub async fn name_session_client(&self, id: &str, client: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET client = ? WHERE id = ? AND client IS NULL")
            .bind(client)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn start_session(
        &self,
        id: &str,
        transport: &str,
        client: Option<&str>,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, transport, client, owner, started_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET ended_at = NULL, owner = excluded.owner",
        )
        .bind(id)
        .bind(transport)
        .bind(client)
        .bind(owner)
        .bind(self.clock.now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn end_session(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
            .bind(self.clock.now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn put_session_server(
        &self,
        session: &str,
        server: &str,
        config: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_servers (session_id, server, config, added_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (session_id, server) DO UPDATE SET config = excluded.config",
        )
        .bind(session)
        .bind(server)
        .bind(config)
        .bind(self.clock.now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_session_server(&self, session: &str, server: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM session_servers WHERE session_id = ? AND server = ?")
            .bind(session)
            .bind(server)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, transport, client, owner, started_at, ended_at FROM sessions WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The newest sessions first.
    pub async fn sessions(&self, limit: i64) -> Result<Vec<SessionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, transport, client, owner, started_at, ended_at FROM sessions ORDER BY started_at DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn session_servers(&self, session: &str) -> Result<Vec<SessionServerRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT session_id, server, config, added_at FROM session_servers WHERE session_id = ? ORDER BY server",
        )
        .bind(session)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Several calls in one transaction: a busy gateway writes its log in batches. Rows go in
    /// as multi-row inserts, since each statement is a round trip to the database's thread.
    pub async fn log_calls(&self, calls: &[CallRecord<'_>]) -> Result<(), StoreError> {
        // Seven parameters a row stays far below SQLite's limit on parameters per statement.
        const ROWS_PER_INSERT: usize = 200;
        let names =
            calls.iter().map(|c| serde_json::to_string(c.arg_names)).collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.write_tx().await?;
        for (chunk, names) in calls.chunks(ROWS_PER_INSERT).zip(names.chunks(ROWS_PER_INSERT)) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO call_log (session_id, server, tool, arg_names, exit_code, started_at, duration_ms) ",
            );
            insert.push_values(chunk.iter().zip(names), |mut row, (c, names)| {
                row.push_bind(c.session_id)
                    .push_bind(c.server)
                    .push_bind(c.tool)
                    .push_bind(names.as_str())
                    .push_bind(c.exit_code)
                    .push_bind(c.started_at)
                    .push_bind(c.duration_ms);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest calls first.
    pub async fn calls(&self, limit: i64) -> Result<Vec<CallRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, session_id, server, tool, arg_names, exit_code, started_at, duration_ms FROM call_log \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::CallRecord;
    use crate::Store;

    #[tokio::test]
    async fn a_batch_of_calls_lands_whole_and_in_order_across_inserts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        store.start_session("s1", "http", None, "me").await.unwrap();
        let tools: Vec<String> = (0..450).map(|i| format!("tool-{i}")).collect();
        let names = vec!["message".to_owned()];
        let records: Vec<CallRecord> = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| CallRecord {
                session_id: Some("s1"),
                server: "everything",
                tool,
                arg_names: &names,
                exit_code: (i % 3) as i64,
                started_at: 1_000 + i as i64,
                duration_ms: i as i64,
            })
            .collect();
        store.log_calls(&records).await.unwrap();
        let rows = store.calls(1_000).await.unwrap();
        assert_eq!(rows.len(), 450);
        // Newest first: the last record written is the first row.
        for (row, i) in rows.iter().zip((0..450).rev()) {
            assert_eq!(row.tool, format!("tool-{i}"));
            assert_eq!(
                (row.exit_code, row.started_at, row.duration_ms),
                ((i % 3) as i64, 1_000 + i as i64, i as i64)
            );
            assert_eq!(row.arg_names, r#"["message"]"#);
            assert_eq!(row.session_id.as_deref(), Some("s1"));
        }
        store.log_calls(&[]).await.unwrap();
        assert_eq!(store.calls(1_000).await.unwrap().len(), 450);
    }
}
