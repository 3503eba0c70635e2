//! Errors of the store crate.

use std::path::PathBuf;

/// What can go wrong opening or using the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot lock {path} to bring the database up to date: {source}")]
    Lock { path: PathBuf, source: std::io::Error },
    #[error("the database {path} could not be migrated: {source}")]
    Migrate { path: PathBuf, source: sqlx::migrate::MigrateError },
    #[error("the database {path} has schema version {found}, newer than this Berth ({known}); update Berth")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("a stored value is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}
