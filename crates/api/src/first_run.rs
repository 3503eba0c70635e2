//! The first-run check the window shows until the user is done with it: the Docker engine, the
//! keychain, the gateway's port and the `berth://` link registration, each failing line with its
//! fix. Nothing in it blocks the rest of the app: without Docker the catalog and remote servers
//! still work, and the check says so.

use serde::Serialize;
use ts_rs::TS;

use crate::doctor::{fail, ok};
use crate::{ApiError, Berth, CheckStatus, DoctorCheck, DoctorReport, msg};

const DONE_KEY: &str = "ui.first_run_done";

/// The first-run check and whether the user is done with it.
#[derive(Clone, Debug, Serialize, TS)]
pub struct FirstRunView {
    /// The user dismissed the check; the window does not show it at launch any more.
    pub done: bool,
    /// What each check found; none once the user is done, as nothing is checked then.
    pub report: Option<DoctorReport>,
}

impl Berth {
    /// Runs the first-run check (each line's fix when it fails), until the user is done with it.
    /// After that, a launch checks nothing: the keychain probe writes and deletes an entry, which
    /// a locked keyring would answer with an unlock prompt at every start.
    pub async fn first_run(&self) -> Result<FirstRunView, ApiError> {
        if self.first_run_done().await? {
            return Ok(FirstRunView { done: true, report: None });
        }
        let checks = vec![
            self.check_docker().await,
            self.check_keychain().await,
            self.check_gateway_port().await,
            check_deep_link().await,
        ];
        let report = DoctorReport { ok: checks.iter().all(|c| c.status == CheckStatus::Ok), checks };
        Ok(FirstRunView { done: false, report: Some(report) })
    }

    /// Whether the user is done with the first-run check.
    pub async fn first_run_done(&self) -> Result<bool, ApiError> {
        Ok(self.store.setting::<bool>(DONE_KEY).await?.unwrap_or(false))
    }

    /// The user is done with the first-run check.
    pub async fn set_first_run_done(&self) -> Result<(), ApiError> {
        self.store.set_setting(DONE_KEY, &true).await?;
        Ok(())
    }

    /// The gateway's port is Berth's, or free for it to take.
    async fn check_gateway_port(&self) -> DoctorCheck {
        let port = match self.gateway_port().await {
            Ok(p) => p,
            Err(e) => {
                return fail(
                    "gateway",
                    msg!("msg.check.gateway.unreadable", reason = &e.message),
                    msg!("msg.check.gateway.fix", port = 0),
                );
            }
        };
        if self.gateway_running_here().await {
            return ok("gateway", msg!("msg.check.gateway.running", port = port));
        }
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => {
                drop(listener);
                ok("gateway", msg!("msg.check.gateway.free", port = port))
            }
            Err(e) => fail(
                "gateway",
                msg!("msg.check.gateway.taken", port = port, reason = e),
                msg!("msg.check.gateway.fix", port = port),
            ),
        }
    }
}

/// `berth://` links reach Berth: on Linux, a desktop file is the default handler of the scheme
/// (the package registers one, and the app registers itself at launch); elsewhere the installer
/// registers it.
async fn check_deep_link() -> DoctorCheck {
    if !cfg!(target_os = "linux") {
        return ok("deep_link", msg!("msg.check.deep_link.installer"));
    }
    let query = tokio::process::Command::new("xdg-mime")
        .args(["query", "default", "x-scheme-handler/berth"])
        .output()
        .await;
    match query {
        Ok(out) if out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty() => {
            let handler = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            ok("deep_link", msg!("msg.check.deep_link.ok", handler = handler))
        }
        Ok(_) => fail("deep_link", msg!("msg.check.deep_link.missing"), msg!("msg.check.deep_link.fix")),
        Err(e) => fail(
            "deep_link",
            msg!("msg.check.deep_link.no_xdg", reason = e),
            msg!("msg.check.deep_link.xdg_fix"),
        ),
    }
}
