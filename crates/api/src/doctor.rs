//! `doctor`: checks that everything Berth relies on works, each failure with its fix.

use serde::Serialize;
use ts_rs::TS;

use berth_secrets::Keychain;
use berth_store::Store;

use crate::{ApiError, Berth};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Fail,
}

/// One line of the doctor's report.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DoctorCheck {
    /// Stable id: `docker`, `keychain`, `data_dir`, `database`.
    pub id: String,
    pub status: CheckStatus,
    /// What was found.
    pub summary: String,
    /// What to do, when the check failed.
    pub fix: Option<String>,
}

/// Every check, in a fixed order.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DoctorReport {
    pub ok: bool,
    pub checks: Vec<DoctorCheck>,
}

fn ok(id: &str, summary: String) -> DoctorCheck {
    DoctorCheck { id: id.into(), status: CheckStatus::Ok, summary, fix: None }
}

fn fail(id: &str, summary: String, fix: String) -> DoctorCheck {
    DoctorCheck { id: id.into(), status: CheckStatus::Fail, summary, fix: Some(fix) }
}

fn from_error(id: &str, e: ApiError) -> DoctorCheck {
    // ApiError messages already end with the next step; split it out as the fix line.
    fail(id, e.detail.clone().unwrap_or_else(|| e.message.clone()), e.message)
}

impl Berth {
    pub async fn doctor(&self) -> DoctorReport {
        let checks = vec![
            self.check_docker().await,
            self.check_keychain().await,
            self.check_data_dir().await,
            self.check_database().await,
        ];
        DoctorReport { ok: checks.iter().all(|c| c.status == CheckStatus::Ok), checks }
    }

    async fn check_docker(&self) -> DoctorCheck {
        // Connecting through the supervisor removes containers whose owner is gone, as every
        // connection does; the report names them.
        let probe = async {
            let runtime = self.supervisor.runtime().await.map_err(ApiError::from)?;
            Ok::<_, ApiError>(runtime.info().await?)
        };
        match probe.await {
            Ok(info) => {
                let mut summary = format!(
                    "Docker {} (API {}, {}) at {}",
                    info.version, info.api_version, info.os, info.host
                );
                let reaped = self.supervisor.reaped();
                if !reaped.is_empty() {
                    summary.push_str(&format!(
                        "; removed {} container(s) left by Berth processes that ended: {}",
                        reaped.len(),
                        reaped.join(", ")
                    ));
                }
                ok("docker", summary)
            }
            Err(e) => from_error("docker", e),
        }
    }

    async fn check_keychain(&self) -> DoctorCheck {
        let store = match self.secrets() {
            Ok(s) => s,
            Err(e) => return from_error("keychain", e),
        };
        let backend = store.backend();
        // A full write/read/delete round trip: opening the store alone does not prove it unlocked.
        let probe = tokio::task::spawn_blocking(|| Keychain::open().and_then(|k| k.probe())).await;
        match probe {
            Ok(Ok(())) => ok("keychain", format!("{backend} stores and returns secrets")),
            Ok(Err(e)) => from_error("keychain", e.into()),
            Err(e) => from_error(
                "keychain",
                ApiError::internal("the keychain probe crashed").with_detail(e.to_string()),
            ),
        }
    }

    async fn check_data_dir(&self) -> DoctorCheck {
        let dir = self.data_dir.clone();
        let probe = dir.join(".doctor-probe");
        match tokio::fs::write(&probe, b"ok").await.and(tokio::fs::remove_file(&probe).await) {
            Ok(()) => ok("data_dir", format!("{} is writable", dir.display())),
            Err(e) => fail(
                "data_dir",
                format!("{} is not writable: {e}", dir.display()),
                "Fix the folder's permissions or point BERTH_DATA_DIR at a writable folder.".into(),
            ),
        }
    }

    async fn check_database(&self) -> DoctorCheck {
        let known = Store::latest_schema_version();
        let result = async {
            let version = self.store.schema_version().await?;
            let integrity = self.store.integrity_check().await?;
            Ok::<_, berth_store::StoreError>((version, integrity))
        };
        match result.await {
            Ok((v, integrity)) if v == known && integrity == ["ok"] => ok(
                "database",
                format!("{} at schema version {v} (current), integrity ok", self.store.path().display()),
            ),
            Ok((v, integrity)) if integrity != ["ok"] => fail(
                "database",
                format!("schema version {v}; integrity check reported: {}", integrity.join("; ")),
                format!(
                    "Quit Berth, move {} aside and start Berth again to create a fresh database.",
                    self.store.path().display()
                ),
            ),
            Ok((v, _)) => fail(
                "database",
                format!("schema version {v}, this Berth expects {known}"),
                "Restart Berth to apply pending migrations, or update Berth if the database is newer.".into(),
            ),
            Err(e) => from_error("database", e.into()),
        }
    }
}
