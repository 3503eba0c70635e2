//! `app_info`: what this Berth is and where it keeps things.

use serde::Serialize;
use ts_rs::TS;

use crate::{ApiError, Berth, paths};

/// Version and locations, for the About box and `berth --version --json`.
#[derive(Clone, Debug, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub log_dir: String,
    pub schema_version: i64,
}

impl Berth {
    pub async fn app_info(&self) -> Result<AppInfo, ApiError> {
        Ok(AppInfo {
            version: crate::VERSION.to_owned(),
            data_dir: self.data_dir.display().to_string(),
            database: self.store.path().display().to_string(),
            log_dir: paths::log_dir(&self.data_dir).display().to_string(),
            schema_version: self.store.schema_version().await?,
        })
    }
}
