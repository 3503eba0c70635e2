//! What the user agrees to before a catalog reaches their machine: the host folders a catalog
//! entry names itself (shown with their exact paths, and accepted, before an install is saved),
//! and any later change a catalog makes to an installed server's entry (shown as a difference,
//! used only once accepted; until then the server runs the entry it was installed with).

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use berth_catalog::{CatalogItem, EntryChange, entry_changes};
use berth_servers::HostMount;

use crate::servers::{InstallRequest, Installed};
use crate::{ApiError, Berth, ErrorCode, ServerView, msg};

/// A host folder a server would see, for the install form.
#[derive(Clone, Debug, Serialize, TS)]
pub struct MountView {
    /// The exact path on this computer, normalised (`..` applied, links followed).
    pub host: String,
    /// Where the server sees it.
    pub container: String,
    /// The catalog named this path itself; the user must accept it before installing.
    pub from_catalog: bool,
    pub writable: bool,
}

impl From<&HostMount> for MountView {
    fn from(m: &HostMount) -> Self {
        Self {
            host: m.host.display().to_string(),
            container: m.container.clone(),
            from_catalog: m.from_catalog,
            writable: m.writable,
        }
    }
}

/// Refuses an install whose catalog-named host folders the user has not accepted, listing them.
pub(crate) fn require_accepted(
    name: &str,
    mounts: &[HostMount],
    accepted: &[String],
) -> Result<(), ApiError> {
    let unseen: Vec<&HostMount> = mounts
        .iter()
        .filter(|m| m.from_catalog && !accepted.iter().any(|a| Path::new(a) == m.host))
        .collect();
    if unseen.is_empty() {
        return Ok(());
    }
    let list: Vec<String> =
        unseen.iter().map(|m| format!("{} → {}", m.host.display(), m.container)).collect();
    let flags: Vec<String> = unseen.iter().map(|m| format!("--accept-mount {}", m.host.display())).collect();
    Err(ApiError::msg(
        ErrorCode::Validation,
        msg!("msg.review.mounts", name = name, folders = list.join(", "), flags = flags.join(" ")),
    ))
}

impl Berth {
    /// The host folders installing `req` would share, for the install form to show before the
    /// install is saved.
    pub async fn server_mounts(&self, req: InstallRequest) -> Result<Vec<MountView>, ApiError> {
        let item = self.catalog_item(&req.catalog_name).await?;
        berth_servers::validate_config(&item, &req.config)?;
        Ok(berth_servers::host_mounts(&item, &req.config)?.iter().map(MountView::from).collect())
    }

    /// What the catalog now offers for installed server `name` differs from what it was
    /// installed with in these ways; empty when nothing that matters changed or the catalog no
    /// longer lists it.
    pub(crate) async fn offered_changes(&self, name: &str, installed: &CatalogItem) -> Vec<EntryChange> {
        match self.catalog_item(name).await {
            Ok(offered) => entry_changes(installed, &offered),
            Err(_) => Vec::new(),
        }
    }

    /// Uses what the catalog now offers for `name`, whose difference the user was shown as
    /// `seen`. Refused when the catalog changed again since, so the user agrees only to what they
    /// saw. Takes effect at the server's next start.
    pub async fn server_accept_change(
        &self,
        name: &str,
        seen: Vec<EntryChange>,
    ) -> Result<ServerView, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| crate::servers::not_installed(name))?;
        let Installed { item, config, .. } = Installed::from_row(&row)?;
        let offered = self.catalog_item(name).await?;
        let changes = entry_changes(&item, &offered);
        if changes.is_empty() {
            return self.server_show(name).await;
        }
        if changes != seen {
            return Err(ApiError::msg(ErrorCode::Conflict, msg!("msg.review.changed_again", name = name)));
        }
        berth_servers::validate_config(&offered, &config)?;
        berth_servers::host_mounts(&offered, &config)?;
        let json = serde_json::to_string(&offered).expect("serialisable");
        if !self.store.set_server_item(name, &row.item, &json).await? {
            return Err(ApiError::msg(
                ErrorCode::Conflict,
                msg!("msg.review.changed_meanwhile", name = name),
            ));
        }
        tracing::info!(server = %name, fields = changes.len(), "catalog change accepted");
        self.server_show(name).await
    }

    /// The entry a server named `name` runs from: the one it was installed with, else the
    /// catalog's.
    pub(crate) async fn entry_to_run(&self, name: &str) -> Result<CatalogItem, ApiError> {
        match self.store.server(name).await? {
            Some(row) => Ok(Installed::from_row(&row)?.item),
            None => self.catalog_item(name).await,
        }
    }
}
