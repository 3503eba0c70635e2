//! Restore on start: the installed servers that were running when the desktop app quit (or when
//! the machine went down under it) start again at its next launch, unless the user turned
//! "restore on start" off. One that fails to come back keeps its reason on its card.

use std::sync::Arc;

use berth_runtime::Owner;

use crate::{ApiError, Berth, ServerProgress, ServerStatus};

const RESTORE_ON_START_KEY: &str = "servers.restore_on_start";
/// The servers running at the last clean quit, written as the app quits.
const TO_RESTORE_KEY: &str = "servers.to_restore";

/// What a launch brought back.
#[derive(Clone, Debug, Default)]
pub struct Restored {
    pub started: Vec<String>,
    /// Each server that did not come back, with why (its card shows the same).
    pub failed: Vec<(String, ApiError)>,
}

impl Berth {
    /// Whether servers running at quit start again at the next launch (on unless turned off).
    pub async fn restore_on_start(&self) -> Result<bool, ApiError> {
        Ok(self.store.setting::<bool>(RESTORE_ON_START_KEY).await?.unwrap_or(true))
    }

    pub async fn set_restore_on_start(&self, on: bool) -> Result<bool, ApiError> {
        self.store.set_setting(RESTORE_ON_START_KEY, &on).await?;
        Ok(on)
    }

    /// Notes which installed servers this process runs, for the next launch to start again;
    /// called as the app quits, before its servers are stopped.
    pub async fn remember_running(&self) {
        let names: Vec<String> = self
            .supervisor
            .running()
            .await
            .into_iter()
            .filter(|k| k.session.is_none())
            .map(|k| k.server)
            .collect();
        if let Err(e) = self.store.set_setting(TO_RESTORE_KEY, &names).await {
            tracing::warn!("could not note the running servers for the next launch: {e}");
        }
    }

    /// Starts again what was running at the last quit, and what a process that ended without
    /// quitting (a crash, a power cut) left marked running, when restore on start is on. The
    /// note of the last quit is used once either way.
    pub async fn restore_servers(
        &self,
        on_progress: Arc<dyn Fn(ServerProgress) + Send + Sync>,
    ) -> Result<Restored, ApiError> {
        let mut names = self.store.setting::<Vec<String>>(TO_RESTORE_KEY).await?.unwrap_or_default();
        self.store.delete_setting(TO_RESTORE_KEY).await?;
        for row in self.store.servers().await? {
            let was_running = matches!(
                ServerStatus::from_stored(&row.status),
                ServerStatus::Running | ServerStatus::Starting | ServerStatus::Pulling
            );
            let owner_gone = row.owner.as_deref().and_then(Owner::parse).is_none_or(|o| !o.is_alive());
            if was_running && owner_gone && !names.contains(&row.name) {
                names.push(row.name);
            }
        }
        let mut restored = Restored::default();
        if names.is_empty() || !self.restore_on_start().await? {
            return Ok(restored);
        }
        for name in names {
            // Removed since: nothing to bring back.
            if self.store.server(&name).await?.is_none() {
                continue;
            }
            tracing::info!(server = %name, "restoring a server that was running at the last quit");
            match self.server_start(&name, on_progress.clone()).await {
                Ok(_) => restored.started.push(name),
                // The failure is on the server's card and the Logs page already.
                Err(e) => restored.failed.push((name, e)),
            }
        }
        Ok(restored)
    }
}
