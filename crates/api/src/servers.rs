//! Facade functions for installed servers: install from the catalog, list with live status,
//! start (with progress), stop, remove, logs, tools and calls.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use berth_catalog::{CatalogItem, EntryChange, ItemKind, Launch};
use berth_runtime::Owner;
use berth_servers::{
    CallOutcome, LaunchPlan, LaunchRequest, ServerKey, ServerSettings, StartEvent, ToolInfo,
};
use berth_store::{ServerRow, ServerState};

use crate::messages::Msg;
use crate::server_secrets::{missing_hint, secret_statuses};
use crate::{ApiError, Berth, ErrorCode, SecretStatus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    Stopped,
    Pulling,
    Starting,
    Running,
    Error,
    /// A remote server asked to sign in (HTTP 401).
    NeedsAuth,
}

/// An installed server as the Servers page and `berth server ls` show it.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ServerView {
    pub name: String,
    pub title: String,
    /// A container server runs an image; a remote one is reached at `endpoint`.
    pub kind: ItemKind,
    pub image: String,
    /// A remote server's URL, without credentials or query.
    pub endpoint: Option<String>,
    pub status: ServerStatus,
    /// Why it is in error, or who runs it, in English.
    pub status_reason: Option<String>,
    /// The same by key and parameters, when it has a key.
    pub reason_key: Option<String>,
    pub reason_params: std::collections::BTreeMap<String, String>,
    /// Whether this process runs it (so it can call its tools and stop it directly).
    pub running_here: bool,
    pub secrets: Vec<SecretStatus>,
    pub config: serde_json::Value,
    /// The JSON Schema of its configuration (from the entry it runs), for the edit form.
    pub config_schema: Option<serde_json::Value>,
    /// Whether it shares host folders (so the writable-mounts setting means something).
    pub has_mounts: bool,
    /// Configuration fields that name a host folder (the edit form offers a folder picker).
    pub folder_fields: Vec<String>,
    pub settings: ServerSettings,
    pub created_at: i64,
    /// How the catalog's current entry differs from the one this server was installed with (and
    /// still runs); empty when it does not. Used only once accepted.
    pub offered_change: Vec<EntryChange>,
}

/// What the install form or `berth server add` sends.
#[derive(Clone, Debug, Default, Deserialize, TS)]
pub struct InstallRequest {
    /// The catalog entry's name.
    pub catalog_name: String,
    /// Configuration, checked against the entry's schema.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Secret values by catalog secret name; stored in the keychain, never in the database.
    #[serde(default)]
    pub secrets: HashMap<String, String>,
    pub settings: Option<ServerSettings>,
    /// Host folders the catalog names itself that the user was shown and agrees to share.
    #[serde(default)]
    pub accept_mounts: Vec<String>,
}

/// Start progress, for progress bars.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ServerProgress {
    pub server: String,
    pub phase: ServerStatus,
    /// What is happening, in English (while pulling, the engine's own words).
    pub message: String,
    /// The same by key and parameters, for the user's language.
    pub key: String,
    pub params: std::collections::BTreeMap<String, String>,
    /// Bytes pulled so far and in total, while pulling.
    pub current: u64,
    pub total: u64,
}

impl ServerStatus {
    /// The word the store keeps for this status.
    fn stored(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Pulling => "pulling",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Error => "error",
            Self::NeedsAuth => "needs_auth",
        }
    }

    /// A stored status; anything unknown reads as stopped.
    pub(crate) fn from_stored(s: &str) -> Self {
        [Self::Pulling, Self::Starting, Self::Running, Self::Error, Self::NeedsAuth]
            .into_iter()
            .find(|status| status.stored() == s)
            .unwrap_or(Self::Stopped)
    }
}

pub(crate) fn not_installed(name: &str) -> ApiError {
    ApiError::msg(ErrorCode::NotFound, crate::msg!("msg.server.not_installed", name = name))
}

/// An installed server as stored: the catalog entry it was installed from, its configuration and
/// its settings.
pub(crate) struct Installed {
    pub item: CatalogItem,
    pub config: serde_json::Value,
    pub settings: ServerSettings,
}

impl Installed {
    pub(crate) fn from_row(row: &ServerRow) -> Result<Self, ApiError> {
        let item = serde_json::from_str(&row.item).map_err(|e| {
            ApiError::internal("a stored server entry no longer parses").with_detail(e.to_string())
        })?;
        Ok(Self {
            item,
            config: serde_json::from_str(&row.config).unwrap_or(serde_json::Value::Null),
            settings: serde_json::from_str(&row.settings).unwrap_or_default(),
        })
    }
}

/// The stored JSON columns; these types always serialise.
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

impl Berth {
    /// Connects to Docker now (removing orphaned containers) instead of at the first server action.
    pub async fn connect_containers(&self) -> Result<(), ApiError> {
        self.supervisor.runtime().await.map(|_| ()).map_err(ApiError::from)
    }

    /// Installs a server from the catalog: checks its configuration, stores the secrets given,
    /// and records it. Nothing is stored when anything is missing or invalid.
    pub async fn server_install(&self, req: InstallRequest) -> Result<ServerView, ApiError> {
        // Checked first: a refused install stores nothing, secrets included.
        let settings = req.settings.clone().unwrap_or_default();
        settings.check().map_err(ApiError::validation)?;
        let item = self.catalog_item(&req.catalog_name).await?;
        match &item.launch {
            Launch::Container(_) | Launch::Remote(_) => {}
            Launch::Package(_) => {
                return Err(ApiError::msg(
                    ErrorCode::Unsupported,
                    crate::msg!("msg.install.package", name = &item.name),
                ));
            }
        }
        berth_servers::validate_config(&item, &req.config)?;
        let mounts = berth_servers::host_mounts(&item, &req.config)?;
        crate::server_review::require_accepted(&item.name, &mounts, &req.accept_mounts)?;
        Berth::check_given_secrets(&item, &req.secrets)?;
        let missing: Vec<String> = {
            let mut m = Vec::new();
            for s in item.secrets.iter().filter(|s| s.required) {
                let provided = req.secrets.get(&s.name).is_some_and(|v| !v.is_empty());
                if !provided && !self.server_secret_set(&item.name, &s.name).await? {
                    m.push(missing_hint(&item.name, s));
                }
            }
            m
        };
        if !missing.is_empty() {
            let m =
                crate::msg!("msg.install.missing_secrets", name = &item.name, secrets = missing.join("; "));
            return Err(ApiError::msg(ErrorCode::Validation, m));
        }
        if self.store.server(&item.name).await?.is_some() {
            return Err(ApiError::msg(
                ErrorCode::Conflict,
                crate::msg!("msg.install.already", name = &item.name),
            ));
        }
        self.store_given_secrets(&item.name, &req.secrets).await?;
        self.store
            .insert_server(&item.name, &to_json(&item), &to_json(&req.config), &to_json(&settings))
            .await?;
        tracing::info!(server = %item.name, "server installed");
        self.server_show(&item.name).await
    }

    /// `stored` is the set of stored secret keys, read once per listing.
    async fn server_view(&self, row: ServerRow, stored: &HashSet<String>) -> Result<ServerView, ApiError> {
        let Installed { item, config, settings } = Installed::from_row(&row)?;
        let here = self.supervisor.is_running(&ServerKey::installed(&row.name)).await;
        let mut status = ServerStatus::from_stored(&row.status);
        let mut reason: Option<Msg> = None;
        if here {
            status = ServerStatus::Running;
        } else if matches!(status, ServerStatus::Running | ServerStatus::Starting | ServerStatus::Pulling) {
            // Another process started it; if that process is gone, so is the server.
            match row.owner.as_deref().and_then(Owner::parse) {
                Some(owner) if owner.is_alive() && owner != Owner::current() => {
                    reason = Some(crate::msg!("msg.server.run_elsewhere", pid = owner.pid));
                }
                _ => {
                    status = ServerStatus::Stopped;
                    reason = Some(crate::msg!("msg.server.owner_ended"));
                }
            }
        }
        // A failed start: the reason as the Logs page recorded it, by key, so it shows in the
        // user's language.
        let (status_reason, reason_key, reason_params) = match reason {
            Some(m) => (Some(m.english()), Some(m.key.to_owned()), m.params),
            None if matches!(status, ServerStatus::Error | ServerStatus::NeedsAuth) => {
                let filter = berth_store::EventFilter { server: Some(&row.name), session: None, limit: 1 };
                let last = self.store.events(filter).await?.into_iter().find(|e| e.kind == "server_failed");
                match last {
                    Some(e) => {
                        (Some(e.message), Some(e.key), serde_json::from_str(&e.params).unwrap_or_default())
                    }
                    None => (row.status_reason.clone(), None, Default::default()),
                }
            }
            None => (row.status_reason.clone(), None, Default::default()),
        };
        let secrets = secret_statuses(&item, stored);
        let offered_change = self.offered_changes(&row.name, &item).await;
        let (image, endpoint) = match &item.launch {
            Launch::Container(c) => (c.image.clone(), None),
            Launch::Remote(r) => (
                String::new(),
                Some(url::Url::parse(&r.url).map(|u| berth_net::redacted(&u)).unwrap_or_default()),
            ),
            Launch::Package(_) => (String::new(), None),
        };
        Ok(ServerView {
            kind: item.kind(),
            endpoint,
            title: item.title.clone(),
            image,
            status,
            status_reason,
            reason_key,
            reason_params,
            running_here: here,
            secrets,
            config,
            settings,
            created_at: row.created_at,
            offered_change,
            config_schema: item.config_schema.clone(),
            has_mounts: matches!(&item.launch, Launch::Container(c) if !c.volumes.is_empty()),
            folder_fields: berth_servers::folder_fields(&item),
            name: row.name,
        })
    }

    pub async fn server_list(&self) -> Result<Vec<ServerView>, ApiError> {
        let stored = self.stored_secret_keys().await?;
        let mut out = Vec::new();
        for row in self.store.servers().await? {
            out.push(self.server_view(row, &stored).await?);
        }
        Ok(out)
    }

    pub async fn server_show(&self, name: &str) -> Result<ServerView, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        self.server_view(row, &self.stored_secret_keys().await?).await
    }

    async fn set_state(
        &self,
        name: &str,
        status: ServerStatus,
        reason: Option<&str>,
        container: Option<&str>,
    ) -> Result<(), ApiError> {
        let owner = Owner::current().to_string();
        let owner = (status != ServerStatus::Stopped).then_some(owner.as_str());
        self.store
            .set_server_state(
                name,
                ServerState { status: status.stored(), reason, container_id: container, owner },
            )
            .await?;
        Ok(())
    }

    /// Starts an installed server in this process, reporting progress. On any failure the server
    /// is marked `error` with the reason (which its card shows), the failure is an event on the
    /// Logs page, and no container is left.
    pub async fn server_start(
        &self,
        name: &str,
        on_progress: Arc<dyn Fn(ServerProgress) + Send + Sync>,
    ) -> Result<ServerView, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        match self.start_installed(&row, on_progress).await {
            Ok(view) => {
                self.record_event(
                    "server_started",
                    Some(name),
                    None,
                    &crate::msg!("msg.event.server_started", name = name),
                )
                .await;
                Ok(view)
            }
            Err(err) => {
                // Already running is not a failure of the server.
                if err.code != ErrorCode::Conflict {
                    let status = if err.code == ErrorCode::AuthRequired {
                        ServerStatus::NeedsAuth
                    } else {
                        ServerStatus::Error
                    };
                    self.set_state(name, status, Some(&err.message), None).await?;
                    self.record_failure("server_failed", Some(name), None, &err).await;
                }
                Err(err)
            }
        }
    }

    async fn start_installed(
        &self,
        row: &ServerRow,
        on_progress: Arc<dyn Fn(ServerProgress) + Send + Sync>,
    ) -> Result<ServerView, ApiError> {
        let name = row.name.as_str();
        let Installed { item, config, settings } = Installed::from_row(row)?;
        let secrets = self.resolve_secrets(&item).await?;
        if !secrets.missing.is_empty() {
            let m =
                crate::msg!("msg.start.missing_secrets", name = name, secrets = secrets.missing.join("; "));
            return Err(ApiError::msg(ErrorCode::Validation, m));
        }
        let plan = LaunchPlan::build(
            LaunchRequest::new(&item, &config).secrets(&secrets.values).settings(&settings),
        )?;
        let plan = self.prepared_plan(&item, plan).await?;
        drop(secrets);
        self.set_state(name, ServerStatus::Starting, None, None).await?;
        let server = name.to_owned();
        let report: berth_servers::ProgressFn = Arc::new(move |e: StartEvent| {
            let (phase, m, current, total) = match e {
                StartEvent::Pulling(p) => (
                    ServerStatus::Pulling,
                    crate::msg!("msg.progress.pulling", status = p.status),
                    p.current,
                    p.total,
                ),
                StartEvent::Creating => (ServerStatus::Starting, crate::msg!("msg.progress.creating"), 0, 0),
                StartEvent::Initializing => {
                    (ServerStatus::Starting, crate::msg!("msg.progress.handshake"), 0, 0)
                }
                StartEvent::Running => (ServerStatus::Running, crate::msg!("msg.progress.running"), 0, 0),
            };
            let (message, key, params) = (m.english(), m.key.to_owned(), m.params);
            on_progress(ServerProgress {
                server: server.clone(),
                phase,
                message,
                key,
                params,
                current,
                total,
            });
        });
        let backing = self.supervisor.start(plan, report).await?;
        self.set_state(name, ServerStatus::Running, None, backing.container_id()).await?;
        self.server_show(name).await
    }

    /// Stops a server, whichever Berth process runs it.
    pub async fn server_stop(&self, name: &str) -> Result<ServerView, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        let key = ServerKey::installed(&row.name);
        if self.supervisor.is_running(&key).await {
            self.supervisor.stop(&key).await?;
        } else if !Installed::from_row(&row)?.item.launch.is_container() {
            // A remote server has nothing to remove; the process connected to it lets go when
            // it sees the stop (or when it ends).
        } else {
            // Run by another process (or left behind): remove its containers directly.
            let runtime = self.supervisor.runtime().await?;
            for c in runtime.list_managed().await? {
                if c.server == row.name && c.session.is_none() {
                    runtime.stop_and_remove(&c.id, 3).await?;
                }
            }
        }
        self.set_state(name, ServerStatus::Stopped, None, None).await?;
        self.record_event(
            "server_stopped",
            Some(name),
            None,
            &crate::msg!("msg.event.server_stopped", name = name),
        )
        .await;
        self.server_show(name).await
    }

    /// Stops (if needed) and uninstalls a server, with its sign-in and the secrets kept for it
    /// (secrets are scoped to one server, so no other server loses one).
    pub async fn server_remove(&self, name: &str) -> Result<bool, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        if ServerStatus::from_stored(&row.status) != ServerStatus::Stopped
            || self.supervisor.is_running(&ServerKey::installed(name)).await
        {
            match self.supervisor.runtime().await.map_err(ApiError::from) {
                Ok(_) => {
                    self.server_stop(name).await?;
                }
                // Without Docker there is no container to stop; uninstalling still works.
                Err(e) if e.code == ErrorCode::DockerUnavailable => {}
                Err(e) => return Err(e),
            }
        }
        // A removed server's sign-in goes with it, revoked where the server offers that.
        if let Err(e) = self.forget_sign_in(name).await {
            tracing::warn!(server = name, "the sign-in could not be forgotten: {}", e.message);
        }
        // Its secrets go too: nothing of a removed server stays in the keychain.
        let forgotten = self.forget_server_secrets(name).await?;
        tracing::info!(server = name, secrets = forgotten, "server removed");
        Ok(self.store.delete_server(name).await?)
    }

    /// The last lines a server's container wrote.
    pub async fn server_logs(&self, name: &str, tail: usize) -> Result<Vec<String>, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        let backing = self.supervisor.backing(&ServerKey::installed(name)).await;
        let id = match backing.as_ref().and_then(|b| b.container_id()) {
            Some(id) => id.to_owned(),
            None => row.container_id.ok_or_else(|| {
                ApiError::msg(ErrorCode::Conflict, crate::msg!("msg.server.no_logs", name = name))
            })?,
        };
        Ok(self.supervisor.runtime().await?.logs(&id, tail).await?)
    }

    pub async fn server_tools(&self, name: &str) -> Result<Vec<ToolInfo>, ApiError> {
        Ok(self.supervisor.tools(&ServerKey::installed(name)).await?)
    }

    pub async fn server_call(
        &self,
        name: &str,
        tool: &str,
        arguments: serde_json::Map<String, serde_json::Value>,
    ) -> Result<CallOutcome, ApiError> {
        Ok(self.supervisor.call(&ServerKey::installed(name), tool, arguments).await?)
    }

    /// Stops every server this process runs or is starting, and lets nothing start after; for app
    /// quit and CLI exit. Installed servers are marked stopped.
    pub async fn shutdown(&self) {
        for key in self.supervisor.running().await {
            if key.session.is_none()
                && let Err(e) = self.server_stop(&key.server).await
            {
                tracing::warn!(server = %key, "stopping at shutdown failed: {}", e.message);
            }
        }
        self.supervisor.close().await;
    }
}
