//! The `servers` table: installed servers and their last known state.

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ServerRow {
    pub name: String,
    /// The catalog entry as JSON, as it was when the server was installed.
    pub item: String,
    pub config: String,
    pub settings: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub container_id: Option<String>,
    pub owner: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! server_columns {
    () => {
        "name, item, config, settings, status, status_reason, container_id, owner, created_at, updated_at"
    };
}

/// A status change.
pub struct ServerState<'a> {
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub container_id: Option<&'a str>,
    pub owner: Option<&'a str>,
}

impl Store {
    /// Records a newly installed server; `Conflict` when the name is taken.
    pub async fn insert_server(
        &self,
        name: &str,
        item: &str,
        config: &str,
        settings: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let r = sqlx::query(
            "INSERT INTO servers (name, item, config, settings, status, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'stopped', ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(item)
        .bind(config)
        .bind(settings)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("a server named {name} is already installed")));
        }
        Ok(())
    }

    pub async fn server(&self, name: &str) -> Result<Option<ServerRow>, StoreError> {
        Ok(sqlx::query_as(concat!("SELECT ", server_columns!(), " FROM servers WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The names of the installed servers, without their entries (for marking search results).
    pub async fn server_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM servers").fetch_all(&self.pool).await?)
    }

    pub async fn servers(&self) -> Result<Vec<ServerRow>, StoreError> {
        Ok(sqlx::query_as(concat!("SELECT ", server_columns!(), " FROM servers ORDER BY name"))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn set_server_state(&self, name: &str, state: ServerState<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE servers SET status = ?, status_reason = ?, container_id = ?, owner = ?, updated_at = ? \
             WHERE name = ?",
        )
        .bind(state.status)
        .bind(state.reason)
        .bind(state.container_id)
        .bind(state.owner)
        .bind(self.clock.now_ms())
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces an installed server's configuration and settings.
    pub async fn set_server_config(
        &self,
        name: &str,
        config: &str,
        settings: &str,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE servers SET config = ?, settings = ?, updated_at = ? WHERE name = ?")
            .bind(config)
            .bind(settings)
            .bind(self.clock.now_ms())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Replaces the catalog entry a server runs from, if it is still `expected`; returns whether
    /// it was replaced.
    pub async fn set_server_item(&self, name: &str, expected: &str, item: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE servers SET item = ?, updated_at = ? WHERE name = ? AND item = ?")
            .bind(item)
            .bind(self.clock.now_ms())
            .bind(name)
            .bind(expected)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn delete_server(&self, name: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM servers WHERE name = ?").bind(name).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }
}
