//! `GatewayBackend`: what a gateway session may do, over the catalog, the keychain and the
//! supervisor. Servers a session adds run under the session's label and stop when it ends; the
//! process serving the session takes up actions asked of it from elsewhere while it lasts.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use serde_json::{Map, Value};

use berth_catalog::{CatalogItem, Launch};
use berth_gateway::{
    BackendError, CallReport, ConfigChange, ExecOutcome, FoundServer, SessionBackend, SessionState,
    SessionTool,
};
use berth_runtime::Owner;
use berth_servers::{CallExit, LaunchPlan, LaunchRequest, Relay, ServerError, ServerKey, ServerSettings};
use rmcp::{Peer, RoleClient};

use super::call_log::{CallLog, Logged, iso8601};
use crate::{ApiError, Berth, CatalogQuery, ErrorCode};

/// One gateway session's view of Berth.
pub struct GatewayBackend {
    pub(crate) berth: Berth,
    pub(crate) session: String,
    /// The servers this session added, with their configuration.
    servers: tokio::sync::Mutex<HashMap<String, (Value, ServerSettings)>>,
    relay: Relay,
    gateway_state: SessionState,
    /// Servers every new session starts with (`berth gateway run --server`).
    starting: Vec<String>,
    /// Servers the session had when it last ran, with their configuration, to start again.
    recorded: Vec<(String, Value)>,
    started: tokio::sync::OnceCell<()>,
    log: CallLog,
    /// Set as the session begins to end: nothing starts in it after that.
    ending: AtomicBool,
    /// Set once the session has ended: a second close waits for the first to finish.
    closed: tokio::sync::OnceCell<()>,
    /// A bridge: its servers are fixed (no `mcp-*` tools), and it may run an entry of its own (a
    /// URL) with secret values given for this run only.
    bridge: Option<Option<(CatalogItem, HashMap<String, String>)>>,
}

pub(crate) use super::failure::backend_error;
use super::failure::said;

fn session_ended(session: &str) -> BackendError {
    said(ErrorCode::Conflict, crate::msg!("msg.session.closed", session = session))
}

impl GatewayBackend {
    /// Opens a session and records it (`transport`: `stdio` or `http`; `client`: the client's
    /// name when known) so the Sessions page lists it while it lasts.
    pub async fn start(
        berth: Berth,
        session: impl Into<String>,
        transport: &str,
        client: Option<&str>,
    ) -> Result<Self, ApiError> {
        let session = session.into();
        berth.store.start_session(&session, transport, client, &Owner::current().to_string()).await?;
        berth
            .record_event(
                "session_opened",
                None,
                Some(&session),
                &crate::msg!("msg.event.session_opened", session = &session),
            )
            .await;
        Ok(Self {
            log: CallLog::start(berth.store.clone(), session.clone()),
            ending: AtomicBool::new(false),
            closed: Default::default(),
            berth,
            session,
            servers: Default::default(),
            relay: Relay::default(),
            gateway_state: SessionState::default(),
            starting: Vec::new(),
            recorded: Vec::new(),
            started: Default::default(),
            bridge: None,
        })
    }

    /// Makes this session a bridge to its starting servers: no `mcp-*` tools; `entry`, when
    /// given, is the server it runs (one not installed or in the catalog) with secret values
    /// that are used for this run and stored nowhere.
    pub(crate) fn bridging(mut self, entry: Option<(CatalogItem, HashMap<String, String>)>) -> Self {
        self.bridge = Some(entry);
        self
    }

    /// The servers this session starts with: installed servers with their configuration and
    /// settings, or catalog servers that need no configuration.
    pub fn with_starting_servers(mut self, servers: Vec<String>) -> Self {
        self.starting = servers;
        self
    }

    /// The servers this session had when it last ran start again, with their configuration: a
    /// client's stateless session is named by its token and outlives any one connection.
    pub async fn with_recorded_servers(mut self) -> Self {
        match self.berth.store.session_servers(&self.session).await {
            Ok(rows) => {
                self.recorded = rows
                    .into_iter()
                    .filter_map(|r| serde_json::from_str(&r.config).ok().map(|c| (r.server, c)))
                    .collect();
            }
            Err(e) => tracing::warn!(session = %self.session, "could not read the session's servers: {e}"),
        }
        self
    }

    /// The session's id, as the Sessions page and `berth session` name it.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Lets the Sessions page and `berth session ...`, in this process or another, act on this
    /// session while it lasts.
    pub fn accept_actions(self: &Arc<Self>) {
        self.berth.live_sessions.register(self);
    }

    async fn start_initial(&self) {
        for name in &self.starting {
            let installed = self
                .berth
                .store
                .server(name)
                .await
                .map_err(ApiError::from)
                .and_then(|row| row.map(|r| crate::servers::Installed::from_row(&r)).transpose());
            let (config, settings) = match installed {
                Ok(Some(i)) => (i.config, i.settings),
                Ok(None) => (Value::Null, ServerSettings::default()),
                Err(e) => {
                    tracing::warn!(server = %name, "could not read the installed server: {}", e.message);
                    (Value::Null, ServerSettings::default())
                }
            };
            if let Err(e) = self.add_with(name, config, &settings).await {
                tracing::warn!(session = %self.session, server = %name, "a starting server did not start: {}", e.message);
            }
        }
        // External gateways in external mode are sources of every session but a bridge's.
        if self.bridge.is_none() {
            for name in self.berth.external_sources().await {
                if let Err(e) = self.add_with(&name, Value::Null, &ServerSettings::default()).await {
                    tracing::warn!(session = %self.session, server = %name, "an external gateway did not join: {}", e.message);
                }
            }
        }
        for (name, config) in &self.recorded {
            if let Err(e) = self.add_with(name, config.clone(), &ServerSettings::default()).await {
                tracing::warn!(session = %self.session, server = %name, "a server of the session did not start again: {}", e.message);
            }
        }
    }

    async fn add_with(
        &self,
        server: &str,
        config: Value,
        settings: &ServerSettings,
    ) -> Result<Vec<SessionTool>, BackendError> {
        if self.servers.lock().await.contains_key(server) {
            return self.tools_of(server).await;
        }
        let item = self.item(server).await?;
        let tools = self.launch(&item, &config, settings).await?;
        self.remember(server, Some(&config)).await;
        self.servers.lock().await.insert(server.to_owned(), (config, settings.clone()));
        Ok(tools)
    }

    async fn remember(&self, server: &str, config: Option<&Value>) {
        let result = match config {
            Some(c) => self.berth.store.put_session_server(&self.session, server, &c.to_string()).await,
            None => self.berth.store.delete_session_server(&self.session, server).await,
        };
        if let Err(e) = result {
            tracing::warn!(session = %self.session, "could not record the session's servers: {e}");
        }
    }

    fn key(&self, server: &str) -> ServerKey {
        ServerKey::in_session(&self.session, server)
    }

    async fn item(&self, name: &str) -> Result<CatalogItem, BackendError> {
        if let Some(Some((item, _))) = &self.bridge
            && item.name == name
        {
            return Ok(item.clone());
        }
        if let Some(external) = self.berth.external_entry(name).await {
            return external.map(|e| e.item).map_err(backend_error);
        }
        self.berth.entry_to_run(name).await.map_err(|mut e| {
            e.message = format!("No catalog server is named {name:?}. Use mcp-find to search for one.");
            backend_error(e)
        })
    }

    /// Checks that `item` can start here, with what it needs, without starting it.
    async fn plan(
        &self,
        item: &CatalogItem,
        config: &Value,
        settings: &ServerSettings,
    ) -> Result<LaunchPlan, BackendError> {
        if matches!(item.launch, Launch::Package(_)) {
            return Err(said(
                ErrorCode::Unsupported,
                crate::msg!("msg.session.not_runnable", name = &item.name),
            ));
        }
        // Folders a catalog names itself are shared only once the user has seen them, which
        // installing the server asks; a session cannot agree for them.
        let installed =
            self.berth.store.server(&item.name).await.map_err(|e| backend_error(e.into()))?.is_some();
        if !installed {
            let mounts = berth_servers::host_mounts(item, config).map_err(|e| backend_error(e.into()))?;
            let named: Vec<String> =
                mounts.iter().filter(|m| m.from_catalog).map(|m| m.host.display().to_string()).collect();
            if !named.is_empty() {
                let m =
                    crate::msg!("msg.session.catalog_folders", name = &item.name, folders = named.join(", "));
                return Err(said(ErrorCode::Validation, m));
            }
        }
        let mut secrets = self.berth.resolve_secrets(item).await.map_err(backend_error)?;
        if let Some(Some((own, given))) = &self.bridge
            && own.name == item.name
        {
            secrets.values.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
            if item.secrets.iter().filter(|s| s.required).all(|s| secrets.values.contains_key(&s.name)) {
                secrets.missing.clear();
            }
        }
        // An external gateway brings its token and its allowlist along.
        let mut settings = settings;
        let external;
        if let Some(found) = self.berth.external_entry(&item.name).await {
            let entry = found.map_err(backend_error)?;
            secrets.values.extend(self.berth.external_secrets(&entry).await.map_err(backend_error)?);
            secrets.missing.clear();
            external = entry.settings;
            settings = &external;
        }
        if !secrets.missing.is_empty() {
            let m = crate::msg!(
                "msg.session.missing_secrets",
                name = &item.name,
                secrets = secrets.missing.join("; ")
            );
            return Err(said(ErrorCode::Validation, m));
        }
        let request = LaunchRequest::new(item, config)
            .secrets(&secrets.values)
            .settings(settings)
            .session(&self.session);
        let plan = LaunchPlan::build(request).map_err(|e| match e {
            ServerError::InvalidConfig(_) | ServerError::Template(_) => {
                said(ErrorCode::Validation, crate::msg!("msg.session.config_invalid", reason = e))
            }
            other => backend_error(other.into()),
        })?;
        self.berth.prepared_plan(item, plan).await.map_err(backend_error)
    }

    async fn launch(
        &self,
        item: &CatalogItem,
        config: &Value,
        settings: &ServerSettings,
    ) -> Result<Vec<SessionTool>, BackendError> {
        if self.ending.load(Ordering::Acquire) {
            return Err(session_ended(&self.session));
        }
        let plan = self.plan(item, config, settings).await?;
        let supervisor = &self.berth.supervisor;
        supervisor
            .start_with(plan, Arc::new(|_| {}), self.relay.clone())
            .await
            .map_err(|e| backend_error(e.into()))?;
        // A session that began to end while this server started does not keep it.
        if self.ending.load(Ordering::Acquire) {
            let _ = supervisor.stop(&self.key(&item.name)).await;
            return Err(session_ended(&self.session));
        }
        self.tools_of(&item.name).await
    }

    async fn tools_of(&self, server: &str) -> Result<Vec<SessionTool>, BackendError> {
        let tools =
            self.berth.supervisor.mcp_tools(&self.key(server)).await.map_err(|e| backend_error(e.into()))?;
        Ok(tools.into_iter().map(|tool| SessionTool { server: server.to_owned(), tool }).collect())
    }

    /// Ends the session once: its calls are logged, its end recorded, its servers stopped,
    /// those still starting included.
    async fn end(&self) {
        self.ending.store(true, Ordering::Release);
        let m = crate::msg!("msg.event.session_ended", session = &self.session);
        self.berth.record_event("session_ended", None, Some(&self.session), &m).await;
        self.berth.live_sessions.forget(&self.session);
        // Whatever was called is in the log before the session counts as ended.
        self.log.close().await;
        if let Err(e) = self.berth.store.end_session(&self.session).await {
            tracing::warn!(session = %self.session, "could not record the end of the session: {e}");
        }
        self.servers.lock().await.clear();
        self.berth.supervisor.stop_session(&self.session).await;
    }
}

#[async_trait]
impl SessionBackend for GatewayBackend {
    async fn introduced(&self, client: &str) {
        // What the client calls itself, shown as it is (made visible if it hides characters).
        let client: String = crate::text::visible(client).chars().take(80).collect();
        if let Err(e) = self.berth.store.name_session_client(&self.session, &client).await {
            tracing::warn!(session = %self.session, "could not record the session's client: {e}");
        }
    }

    async fn find(&self, query: &str, limit: usize) -> Result<Vec<FoundServer>, BackendError> {
        let query = CatalogQuery { query: query.to_owned(), limit: Some(limit as u32), ..Default::default() };
        let hits = self.berth.catalog_search(query).await.map_err(backend_error)?;
        Ok(hits
            .into_iter()
            .map(|h| FoundServer {
                kind: serde_json::to_value(h.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                secrets: h
                    .secrets
                    .iter()
                    .filter(|s| s.required)
                    .map(|s| format!("{} ({})", s.env, if s.set { "set" } else { "not set" }))
                    .collect(),
                name: h.name,
                title: h.title,
                description: h.description,
            })
            .collect())
    }

    async fn ready(&self) {
        self.started.get_or_init(|| self.start_initial()).await;
    }

    fn relay(&self) -> &Relay {
        &self.relay
    }

    fn state(&self) -> &SessionState {
        &self.gateway_state
    }

    fn manages_servers(&self) -> bool {
        self.bridge.is_none()
    }

    async fn add(&self, server: &str, config: Value) -> Result<Vec<SessionTool>, BackendError> {
        let was_in = self.servers.lock().await.contains_key(server);
        let added = self.add_with(server, config, &ServerSettings::default()).await;
        let session = Some(self.session.as_str());
        match &added {
            Ok(_) if !was_in => {
                let m = crate::msg!("msg.event.server_added", name = server, session = &self.session);
                self.berth.record_event("server_added", Some(server), session, &m).await;
            }
            Ok(_) => {}
            Err(e) => {
                let failure = super::failure::api_error(e.clone());
                self.berth.record_failure("server_add_failed", Some(server), session, &failure).await;
            }
        }
        added
    }

    async fn check(&self, server: &str, config: Value) -> Result<(), BackendError> {
        let item = self.item(server).await?;
        self.plan(&item, &config, &ServerSettings::default()).await.map(|_| ())
    }

    async fn servers(&self) -> Vec<String> {
        let mut names: Vec<String> = self.servers.lock().await.keys().cloned().collect();
        names.sort();
        names
    }

    async fn peer(&self, server: &str) -> Result<Peer<RoleClient>, BackendError> {
        self.berth.supervisor.peer(&self.key(server)).await.map_err(|e| backend_error(e.into()))
    }

    async fn remove(&self, server: &str) -> Result<(), BackendError> {
        if self.servers.lock().await.remove(server).is_none() {
            return Err(said(ErrorCode::NotFound, crate::msg!("msg.session.not_added", name = server)));
        }
        self.remember(server, None).await;
        self.berth.supervisor.stop(&self.key(server)).await.map_err(|e| backend_error(e.into()))?;
        let m = crate::msg!("msg.event.server_removed", name = server, session = &self.session);
        self.berth.record_event("server_removed", Some(server), Some(&self.session), &m).await;
        Ok(())
    }

    async fn config_set(&self, server: &str, config: Value) -> Result<ConfigChange, BackendError> {
        let (old, settings) =
            self.servers.lock().await.get(server).cloned().ok_or_else(|| {
                said(ErrorCode::NotFound, crate::msg!("msg.session.not_added", name = server))
            })?;
        let item = self.item(server).await?;
        berth_servers::validate_config(&item, &config).map_err(|e| {
            said(ErrorCode::Validation, crate::msg!("msg.session.config_invalid", reason = e))
        })?;
        // The server reads its configuration at start, so it restarts with the new one.
        self.berth.supervisor.stop(&self.key(server)).await.map_err(|e| backend_error(e.into()))?;
        if let Err(e) = self.launch(&item, &config, &settings).await {
            self.servers.lock().await.remove(server);
            let stopped =
                super::failure::api_error(e).then(crate::msg!("msg.session.config_stopped", name = server));
            return Err(backend_error(stopped));
        }
        self.remember(server, Some(&config)).await;
        self.servers.lock().await.insert(server.to_owned(), (config.clone(), settings));
        Ok(ConfigChange { server: server.to_owned(), old, new: config })
    }

    async fn tools(&self) -> Result<Vec<SessionTool>, BackendError> {
        let names = self.servers().await;
        let mut out = Vec::new();
        for name in names {
            out.extend(self.tools_of(&name).await?);
        }
        Ok(out)
    }

    async fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<ExecOutcome, BackendError> {
        if !self.servers.lock().await.contains_key(server) {
            return Err(said(ErrorCode::NotFound, crate::msg!("msg.session.not_added", name = server)));
        }
        let started_ms = self.berth.now_ms();
        let clock = std::time::Instant::now();
        let arg_names: Vec<String> = arguments.keys().cloned().collect();
        let result = self.berth.supervisor.call(&self.key(server), tool, arguments).await;
        let (output, exit) = match result {
            Ok(o) => (o.text, CallExit::from_tool_error(o.is_error)),
            Err(e) => (ApiError::from(e).message, CallExit::Failed),
        };
        let duration = clock.elapsed();
        let report =
            CallReport { server: server.to_owned(), tool: tool.to_owned(), arg_names, exit, duration };
        self.log.record(Logged { report, started_ms });
        Ok(ExecOutcome {
            server: server.to_owned(),
            tool: tool.to_owned(),
            output,
            exit_code: exit,
            started_at: iso8601(started_ms),
            ended_at: iso8601(started_ms + duration.as_millis() as i64),
            duration_ms: duration.as_millis() as u64,
        })
    }

    async fn record(&self, report: CallReport) {
        // The call ended now; it started its duration ago.
        let started_ms = self.berth.now_ms() - report.duration.as_millis() as i64;
        self.log.record(Logged { report, started_ms });
    }

    async fn close(&self) {
        self.closed.get_or_init(|| self.end()).await;
    }
}
