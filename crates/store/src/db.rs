//! `Store`: the connection pool, its pragmas and migrations.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Clock, StoreError, SystemClock};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "berth.db";

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a writer waits for another process's write lock before giving up. The desktop app
/// and the CLI share the file; their transactions are short, so seconds are plenty.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Each connection's page cache, in KiB (SQLite's `cache_size` takes a negative figure as KiB).
/// SQLite's default of 2 MiB a connection would, across the pool, keep a copy of the whole
/// database resident in a desktop app that reads it in bursts (the catalog at start-up, a page of
/// servers); the operating system's file cache already holds those pages.
const CACHE_KIB: i64 = 512;

/// An open Berth database.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
    pub(crate) clock: Arc<dyn Clock>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `<data_dir>/berth.db` and brings its schema up to date.
    pub async fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_in_with(data_dir, Arc::new(SystemClock)).await
    }

    /// [`Store::open_in`] with the given clock.
    pub async fn open_in_with(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.to_owned(), source })?;
        Self::open(&data_dir.join(DB_FILE), clock).await
    }

    /// Opens the database at `path` with the given clock.
    pub async fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            // WAL lets the app read while the CLI writes; with synchronous=NORMAL a killed process
            // loses at most its uncommitted transaction and never corrupts the file.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        // Turning a new file to WAL needs a moment alone with it: a second process opening it at
        // that instant is told "locked" at once, without the busy wait, so it tries again.
        let mut attempt = 0;
        let pool = loop {
            match SqlitePoolOptions::new().max_connections(4).connect_with(options.clone()).await {
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") && attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                other => break other.map_err(open_err)?,
            }
        };
        let store = Self { pool, clock, path: path.to_owned() };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let found = self.schema_version().await.unwrap_or(0);
        let known = Self::latest_schema_version();
        if found > known {
            return Err(StoreError::TooNew { path: self.path.clone(), found, known });
        }
        // Processes opening one database together (the app, and the CLI an AI client starts)
        // take turns when there is a migration to apply: SQLite gives no lock across a
        // migration's check-then-apply, so without one two of them apply the same migration and
        // one fails on a table that now exists. An up-to-date database needs no turn.
        let _turn = if found < known { Some(self.migration_turn().await?) } else { None };
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|source| StoreError::Migrate { path: self.path.clone(), source })
    }

    /// Waits for, and holds until dropped, the exclusive lock on `<database>.migrate-lock`.
    async fn migration_turn(&self) -> Result<std::fs::File, StoreError> {
        let mut name = self.path.clone().into_os_string();
        name.push(".migrate-lock");
        let path = PathBuf::from(name);
        let opened = path.clone();
        let locked = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&opened)?;
            file.lock()?;
            Ok(file)
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        locked.map_err(|source| StoreError::Lock { path, source })
    }

    /// The highest migration version this build knows.
    pub fn latest_schema_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The highest migration version applied to this database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Runs `PRAGMA integrity_check` and returns its lines (`["ok"]` for a sound file).
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?)
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads before it writes waits for another process's writer (busy
    /// timeout) instead of failing with `SQLITE_BUSY_SNAPSHOT` when that writer commits first.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_connection_keeps_a_small_page_cache_and_writes_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        // Hold several connections at once, so more than the first one is checked.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = store.pool.acquire().await.unwrap();
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(cache, -CACHE_KIB);
            let journal: String =
                sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(journal, "wal");
            held.push(conn);
        }
        drop(held);
        store.close().await;
    }
}
