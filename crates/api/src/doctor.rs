//! `doctor`: checks that everything Berth relies on works, each failure with its fix.

use serde::Serialize;
use ts_rs::TS;

use berth_secrets::Keychain;
use berth_store::Store;

use crate::messages::Msg;
use crate::{ApiError, Berth, msg};

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
    /// What was found, in English.
    pub summary: String,
    /// The same by key and parameters, so it shows in the user's language; a failure's
    /// technical detail has none and shows as the system said it.
    pub summary_key: Option<String>,
    pub summary_params: std::collections::BTreeMap<String, String>,
    /// What to do, when the check failed, in English.
    pub fix: Option<String>,
    /// The same by key and parameters.
    pub fix_key: Option<String>,
    pub fix_params: std::collections::BTreeMap<String, String>,
}

/// Every check, in a fixed order.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DoctorReport {
    pub ok: bool,
    pub checks: Vec<DoctorCheck>,
}

fn check(id: &str, status: CheckStatus, summary: Msg, fix: Option<Msg>) -> DoctorCheck {
    DoctorCheck {
        id: id.into(),
        status,
        summary: summary.english(),
        summary_key: Some(summary.key.to_owned()),
        summary_params: summary.params,
        fix: fix.as_ref().map(Msg::english),
        fix_key: fix.as_ref().map(|f| f.key.to_owned()),
        fix_params: fix.map(|f| f.params).unwrap_or_default(),
    }
}

pub(crate) fn ok(id: &str, summary: Msg) -> DoctorCheck {
    check(id, CheckStatus::Ok, summary, None)
}

pub(crate) fn fail(id: &str, summary: Msg, fix: Msg) -> DoctorCheck {
    check(id, CheckStatus::Fail, summary, Some(fix))
}

fn from_error(id: &str, e: ApiError) -> DoctorCheck {
    // ApiError messages already end with the next step; split it out as the fix line. The
    // summary is the technical cause, as the system reported it.
    DoctorCheck {
        id: id.into(),
        status: CheckStatus::Fail,
        summary: e.detail.clone().unwrap_or_else(|| e.message.clone()),
        summary_key: None,
        summary_params: Default::default(),
        fix: Some(e.message),
        fix_key: e.key,
        fix_params: e.params,
    }
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

    pub(crate) async fn check_docker(&self) -> DoctorCheck {
        // Connecting through the supervisor removes containers whose owner is gone, as every
        // connection does; the report names them.
        let probe = async {
            let runtime = self.supervisor.runtime().await.map_err(ApiError::from)?;
            Ok::<_, ApiError>(runtime.info().await?)
        };
        match probe.await {
            Ok(info) => {
                let reaped = self.supervisor.reaped();
                let summary = if reaped.is_empty() {
                    msg!("msg.check.docker.ok")
                } else {
                    msg!("msg.check.docker.reaped", count = reaped.len(), names = reaped.join(", "))
                };
                let summary = summary
                    .with("version", &info.version)
                    .with("api", &info.api_version)
                    .with("os", &info.os)
                    .with("host", &info.host);
                ok("docker", summary)
            }
            Err(e) => from_error("docker", e),
        }
    }

    pub(crate) async fn check_keychain(&self) -> DoctorCheck {
        let store = match self.secrets().await {
            Ok(s) => s,
            Err(e) => return from_error("keychain", e),
        };
        let backend = store.backend();
        // A full write/read/delete round trip: opening the store alone does not prove it unlocked.
        let probe = tokio::task::spawn_blocking(|| Keychain::open().and_then(|k| k.probe())).await;
        match probe {
            Ok(Ok(())) => ok("keychain", msg!("msg.check.keychain.ok", backend = backend)),
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
            Ok(()) => ok("data_dir", msg!("msg.check.data_dir.ok", dir = dir.display())),
            Err(e) => fail(
                "data_dir",
                msg!("msg.check.data_dir.fail", dir = dir.display(), reason = e),
                msg!("check.data_dir.fix"),
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
            Ok((v, integrity)) if v == known && integrity == ["ok"] => {
                ok("database", msg!("msg.check.database.ok", path = self.store.path().display(), version = v))
            }
            Ok((v, integrity)) if integrity != ["ok"] => fail(
                "database",
                msg!("msg.check.database.integrity", version = v, report = integrity.join("; ")),
                msg!("msg.check.database.integrity_fix", path = self.store.path().display()),
            ),
            Ok((v, _)) => fail(
                "database",
                msg!("msg.check.database.version", version = v, expected = known),
                msg!("msg.check.database.version_fix"),
            ),
            Err(e) => from_error("database", e.into()),
        }
    }
}
