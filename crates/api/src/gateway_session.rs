//! `GatewayBackend`: what a gateway session may do, over the catalog, the keychain and the
//! supervisor. Servers a session adds run under the session's label and stop when it ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::{Map, Value};

use berth_catalog::{CatalogItem, Launch};
use berth_gateway::{
    BackendError, CallReport, ConfigChange, ExecOutcome, FoundServer, SessionBackend, SessionState,
    SessionTool,
};
use berth_runtime::Owner;
use berth_servers::{LaunchPlan, Relay, ServerError, ServerSettings};
use rmcp::{Peer, RoleClient};

use crate::{ApiError, Berth, CatalogQuery};

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
    /// Calls go to the log through a writer task, off the path of the call itself.
    log: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<CallReport>>>,
    log_writer: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set once the session has ended: a second close waits for the first to finish.
    closed: tokio::sync::OnceCell<()>,
}

/// The least time between two call-log transactions of one session. A call made after a quiet
/// spell is written at once; under load, calls queue for at most this long and go in together,
/// so the log costs a few transactions a second instead of one per call, whose CPU time would
/// otherwise be taken from the calls themselves.
const LOG_SPACING: std::time::Duration = std::time::Duration::from_millis(250);

/// Writes reported calls, as many per transaction as have queued up.
async fn write_call_log(
    store: berth_store::Store,
    session: String,
    mut reports: tokio::sync::mpsc::UnboundedReceiver<CallReport>,
) {
    let mut batch = Vec::new();
    let mut last_write: Option<tokio::time::Instant> = None;
    while reports.recv_many(&mut batch, 1024).await > 0 {
        if let Some(at) = last_write {
            // Whatever comes in meanwhile joins this transaction. The session ending (the channel
            // closing) ends the wait, so closing a session is not held up by it.
            let wait = tokio::time::sleep_until(at + LOG_SPACING);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    _ = &mut wait => break,
                    received = reports.recv_many(&mut batch, 1024) => if received == 0 { break },
                }
            }
        }
        let records: Vec<berth_store::CallRecord> = batch
            .iter()
            .map(|r| berth_store::CallRecord {
                session_id: Some(&session),
                server: &r.server,
                tool: &r.tool,
                arg_names: &r.arg_names,
                exit_code: i64::from(r.exit_code),
                started_at: r.started.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
                duration_ms: r.duration.as_millis() as i64,
            })
            .collect();
        if let Err(e) = store.log_calls(&records).await {
            tracing::warn!("could not record {} calls in the call log: {e}", records.len());
        }
        batch.clear();
        last_write = Some(tokio::time::Instant::now());
    }
}

fn err(e: ApiError) -> BackendError {
    BackendError::new(e.message)
}

/// `2026-11-21T08:16:00.123Z` from a system time (UTC, no external calendar crate needed).
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (secs, ms) = (d.as_secs() as i64, d.subsec_millis());
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
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
        let (log, reports) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_call_log(berth.store.clone(), session.clone(), reports));
        Ok(Self {
            log: std::sync::Mutex::new(Some(log)),
            log_writer: tokio::sync::Mutex::new(Some(writer)),
            closed: Default::default(),
            berth,
            session,
            servers: Default::default(),
            relay: Relay::default(),
            gateway_state: SessionState::default(),
            starting: Vec::new(),
            recorded: Vec::new(),
            started: Default::default(),
        })
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

    fn key(&self, server: &str) -> String {
        format!("{}/{server}", self.session)
    }

    async fn item(&self, name: &str) -> Result<CatalogItem, BackendError> {
        let catalog = self.berth.catalog().await.map_err(err)?;
        catalog.items.iter().find(|i| i.name == name).cloned().ok_or_else(|| {
            BackendError::new(format!("No catalog server is named {name:?}. Use mcp-find to search for one."))
        })
    }

    async fn launch(
        &self,
        item: &CatalogItem,
        config: &Value,
        settings: &ServerSettings,
    ) -> Result<Vec<SessionTool>, BackendError> {
        if !matches!(item.launch, Launch::Container(_)) {
            return Err(BackendError::new(format!(
                "{} is not a container server; only container servers can be added to a session yet.",
                item.name
            )));
        }
        let secrets = self.berth.resolve_secrets(item).await.map_err(err)?;
        if !secrets.missing.is_empty() {
            return Err(BackendError::new(format!(
                "{} needs secrets that are not set: {}. Set them (or use Berth's install form), then call mcp-add again.",
                item.name,
                secrets.missing.join("; ")
            )));
        }
        let plan = LaunchPlan::build(
            item,
            config,
            &secrets.values,
            settings,
            Owner::current(),
            Some(self.session.clone()),
        )
        .map_err(|e| match e {
            ServerError::InvalidConfig(_) | ServerError::Template(_) => BackendError::new(format!(
                "{e}. Pass the configuration as `config` to mcp-add (the server's schema is in the catalog)."
            )),
            other => err(other.into()),
        })?;
        drop(secrets);
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        supervisor.start_with(plan, Arc::new(|_| {}), self.relay.clone()).await.map_err(|e| err(e.into()))?;
        self.tools_of(&item.name).await
    }

    async fn tools_of(&self, server: &str) -> Result<Vec<SessionTool>, BackendError> {
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        let tools = supervisor.mcp_tools(&self.key(server)).await.map_err(|e| err(e.into()))?;
        Ok(tools.into_iter().map(|tool| SessionTool { server: server.to_owned(), tool }).collect())
    }
}

#[async_trait]
impl SessionBackend for GatewayBackend {
    async fn find(&self, query: &str, limit: usize) -> Result<Vec<FoundServer>, BackendError> {
        let hits = self
            .berth
            .catalog_search(CatalogQuery {
                query: query.to_owned(),
                limit: Some(limit as u32),
                ..Default::default()
            })
            .await
            .map_err(err)?;
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

    async fn add(&self, server: &str, config: Value) -> Result<Vec<SessionTool>, BackendError> {
        self.add_with(server, config, &ServerSettings::default()).await
    }

    async fn servers(&self) -> Vec<String> {
        let mut names: Vec<String> = self.servers.lock().await.keys().cloned().collect();
        names.sort();
        names
    }

    async fn peer(&self, server: &str) -> Result<Peer<RoleClient>, BackendError> {
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        supervisor.peer(&self.key(server)).await.map_err(|e| err(e.into()))
    }

    async fn remove(&self, server: &str) -> Result<(), BackendError> {
        if self.servers.lock().await.remove(server).is_none() {
            return Err(BackendError::new(format!("{server} is not in this session.")));
        }
        self.remember(server, None).await;
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        supervisor.stop(&self.key(server)).await.map_err(|e| err(e.into()))
    }

    async fn config_set(&self, server: &str, config: Value) -> Result<ConfigChange, BackendError> {
        let (old, settings) = self.servers.lock().await.get(server).cloned().ok_or_else(|| {
            BackendError::new(format!("{server} is not in this session; add it with mcp-add first."))
        })?;
        let item = self.item(server).await?;
        berth_servers::validate_config(&item, &config).map_err(|e| BackendError::new(e.to_string()))?;
        // The server reads its configuration at start, so it restarts with the new one.
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        supervisor.stop(&self.key(server)).await.map_err(|e| err(e.into()))?;
        if let Err(e) = self.launch(&item, &config, &settings).await {
            self.servers.lock().await.remove(server);
            return Err(BackendError::new(format!(
                "{} ({server} is stopped; fix the configuration and add it again)",
                e.message
            )));
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
            return Err(BackendError::new(format!(
                "{server} is not in this session; add it with mcp-add first."
            )));
        }
        let started = SystemTime::now();
        let clock = Instant::now();
        let arg_names: Vec<String> = arguments.keys().cloned().collect();
        let supervisor = self.berth.supervisor().await.map_err(err)?;
        let result = supervisor.call(&self.key(server), tool, arguments).await;
        let (output, exit_code) = match result {
            Ok(o) => (o.text, u8::from(o.is_error)),
            Err(e) => (ApiError::from(e).message, 2),
        };
        let duration = clock.elapsed();
        self.record(CallReport {
            server: server.to_owned(),
            tool: tool.to_owned(),
            arg_names,
            exit_code,
            started,
            duration,
        })
        .await;
        Ok(ExecOutcome {
            output,
            exit_code,
            started_at: iso8601(started),
            ended_at: iso8601(SystemTime::now()),
            duration_ms: duration.as_millis() as u64,
        })
    }

    async fn record(&self, report: CallReport) {
        if let Some(log) = self.log.lock().expect("call log").as_ref() {
            let _ = log.send(report);
        }
    }

    async fn close(&self) {
        self.closed.get_or_init(|| self.end()).await;
    }
}

impl GatewayBackend {
    /// Ends the session once: its calls are logged, its end recorded, its servers stopped.
    async fn end(&self) {
        self.berth.live_sessions.forget(&self.session);
        // Whatever was called is in the log before the session counts as ended.
        drop(self.log.lock().expect("call log").take());
        if let Some(writer) = self.log_writer.lock().await.take() {
            let _ = writer.await;
        }
        if let Err(e) = self.berth.store.end_session(&self.session).await {
            tracing::warn!(session = %self.session, "could not record the end of the session: {e}");
        }
        let names: Vec<String> = self.servers.lock().await.drain().map(|(k, _)| k).collect();
        if let Ok(supervisor) = self.berth.supervisor().await {
            for name in names {
                if let Err(e) = supervisor.stop(&self.key(&name)).await {
                    tracing::warn!(server = %name, "stopping a session server failed: {e}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_795_249_396_886);
        assert_eq!(iso8601(t), "2026-11-21T08:23:16.886Z");
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&iso8601(leap)[..10], "2000-02-29");
    }

    fn report(tool: &str) -> CallReport {
        CallReport {
            server: "everything".into(),
            tool: tool.into(),
            arg_names: vec!["message".into()],
            exit_code: 0,
            started: SystemTime::now(),
            duration: std::time::Duration::from_millis(3),
        }
    }

    #[tokio::test]
    async fn the_call_log_writer_keeps_every_call_in_order_and_ends_with_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = berth_store::Store::open_in(dir.path()).await.unwrap();
        store.start_session("s1", "http", None, "me").await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_call_log(store.clone(), "s1".into(), rx));
        // The first call after a quiet spell is written without waiting for company.
        tx.send(report("first")).unwrap();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.calls(10).await.unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "the first call was never written");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // A burst, some of it arriving while the writer waits out its spacing, then the end.
        for i in 0..300 {
            tx.send(report(&format!("burst-{i}"))).unwrap();
            if i % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drop(tx);
        tokio::time::timeout(std::time::Duration::from_secs(10), writer).await.unwrap().unwrap();
        let rows = store.calls(1_000).await.unwrap();
        let tools: Vec<&str> = rows.iter().rev().map(|r| r.tool.as_str()).collect();
        let expected: Vec<String> =
            std::iter::once("first".to_owned()).chain((0..300).map(|i| format!("burst-{i}"))).collect();
        assert_eq!(tools, expected);
        assert!(
            rows.iter().all(|r| r.session_id.as_deref() == Some("s1") && r.arg_names == r#"["message"]"#)
        );
    }
}
