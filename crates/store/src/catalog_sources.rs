//! The `catalog_sources` table: user-added catalog URLs and files, and their cached content.

use crate::{Store, StoreError};

/// A catalog source without its cached body.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CatalogSourceRow {
    pub id: String,
    pub kind: String,
    pub location: String,
    pub position: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fetched_at: Option<i64>,
    pub checked_at: Option<i64>,
    pub last_error: Option<String>,
    /// The same failure by message key and parameters, as JSON.
    pub last_error_msg: Option<String>,
    pub item_count: i64,
    pub rejected_count: i64,
    pub created_at: i64,
}

/// The row's columns, as a macro so queries stay static strings.
macro_rules! columns {
    () => {
        "id, kind, location, position, etag, last_modified, fetched_at, checked_at, last_error, \
         last_error_msg, item_count, rejected_count, created_at"
    };
}

/// What a successful fetch stores.
pub struct CatalogFetch<'a> {
    /// The new content; `None` when the server said it had not changed.
    pub body: Option<&'a [u8]>,
    /// What the new content was read into, kept so it is never read again.
    pub parsed: Option<&'a [u8]>,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub item_count: i64,
    pub rejected_count: i64,
}

impl Store {
    /// Adds a source after every existing one, with its first good copy, in one transaction: a
    /// source exists only once it has content, so an add cut short leaves nothing behind. Fails
    /// with `Conflict` when the name or location is known.
    pub async fn add_catalog_source(
        &self,
        id: &str,
        kind: &str,
        location: &str,
        first: CatalogFetch<'_>,
    ) -> Result<CatalogSourceRow, StoreError> {
        let mut tx = self.write_tx().await?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM catalog_sources WHERE location = ? OR id = ?")
                .bind(location)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(existing) = exists {
            return Err(StoreError::Conflict(format!(
                "catalog source {existing} already uses that name or location"
            )));
        }
        let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM catalog_sources")
            .fetch_one(&mut *tx)
            .await?;
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO catalog_sources (id, kind, location, position, created_at, body, parsed, etag, \
             last_modified, item_count, rejected_count, fetched_at, checked_at, revision) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
             (SELECT COALESCE(MAX(revision), 0) + 1 FROM catalog_sources))",
        )
        .bind(id)
        .bind(kind)
        .bind(location)
        .bind(position)
        .bind(now)
        .bind(first.body)
        .bind(first.parsed)
        .bind(first.etag)
        .bind(first.last_modified)
        .bind(first.item_count)
        .bind(first.rejected_count)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.catalog_source(id)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("catalog source {id} vanished")))
    }

    /// What the sources' content is at: it changes whenever a source is added, gets a new copy or
    /// is removed, in any process.
    pub async fn catalog_revision(&self) -> Result<(i64, i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(revision), 0), COALESCE(MAX(revision), 0) FROM catalog_sources",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn catalog_source(&self, id: &str) -> Result<Option<CatalogSourceRow>, StoreError> {
        Ok(sqlx::query_as(concat!("SELECT ", columns!(), " FROM catalog_sources WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Every source in precedence order (lowest first).
    pub async fn catalog_sources(&self) -> Result<Vec<CatalogSourceRow>, StoreError> {
        Ok(sqlx::query_as(concat!("SELECT ", columns!(), " FROM catalog_sources ORDER BY position"))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The last good content of a source.
    pub async fn catalog_source_body(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<Vec<u8>>>("SELECT body FROM catalog_sources WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .flatten())
    }

    /// The parsed form of a source's last good copy, when it was kept.
    pub async fn catalog_source_parsed(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<Vec<u8>>>("SELECT parsed FROM catalog_sources WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .flatten())
    }

    /// Records a successful fetch (new content or "not modified") and clears the last error.
    pub async fn record_catalog_fetch(&self, id: &str, fetch: CatalogFetch<'_>) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let mut tx = self.write_tx().await?;
        if let Some(body) = fetch.body {
            sqlx::query(
                "UPDATE catalog_sources SET body = ?, parsed = ?, etag = ?, last_modified = ?, item_count = ?, \
                 rejected_count = ?, fetched_at = ?, checked_at = ?, last_error = NULL, last_error_msg = NULL, \
                 revision = (SELECT COALESCE(MAX(revision), 0) + 1 FROM catalog_sources) WHERE id = ?",
            )
            .bind(body)
            .bind(fetch.parsed)
            .bind(fetch.etag)
            .bind(fetch.last_modified)
            .bind(fetch.item_count)
            .bind(fetch.rejected_count)
            .bind(now)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        } else {
            // Not modified: the cached copy is confirmed current as of now.
            sqlx::query(
                "UPDATE catalog_sources SET fetched_at = ?, checked_at = ?, last_error = NULL, last_error_msg = NULL \
                 WHERE id = ?",
            )
            .bind(now)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt (`message`: the same failure by key and parameters, as JSON); the
    /// cached content stays as it was.
    pub async fn record_catalog_failure(
        &self,
        id: &str,
        error: &str,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE catalog_sources SET checked_at = ?, last_error = ?, last_error_msg = ? WHERE id = ?",
        )
        .bind(self.clock.now_ms())
        .bind(error)
        .bind(message)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces where a source is read from (a URL whose credentials moved to the keychain).
    pub async fn set_catalog_location(&self, id: &str, location: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE catalog_sources SET location = ? WHERE id = ?")
            .bind(location)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn remove_catalog_source(&self, id: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM catalog_sources WHERE id = ?").bind(id).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }
}
