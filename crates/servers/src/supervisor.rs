//! `Supervisor`: the servers this process runs, each an MCP connection over its backing, and the
//! container engine it connects to only when a server needs one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_runtime::{ContainerRuntime, DockerEngine, PullProgress, RunSpec};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::{Peer, RoleClient};
use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::connection::{HANDSHAKE_TIMEOUT, HandshakeFailure, McpConnection};
use crate::{Backing, LaunchPlan, LaunchTarget, Relay, ServerError, ServerKey};

/// How long one tool call may take before it counts as a transport failure.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Where a start is, for progress reporting.
#[derive(Clone, Debug, PartialEq)]
pub enum StartEvent {
    Pulling(PullProgress),
    Creating,
    Initializing,
    Running,
}

/// Receives start progress; shared so the start future stays `Send` for any caller.
pub type ProgressFn = std::sync::Arc<dyn Fn(StartEvent) + Send + Sync>;

/// A tool a running server offers.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ToolInfo {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Value,
}

/// The result of a tool call.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CallOutcome {
    /// The text parts of the result, joined.
    pub text: String,
    /// The full MCP content list.
    pub content: Vec<Value>,
    /// The server reported a tool error (as opposed to a transport failure).
    pub is_error: bool,
}

/// Where the supervisor's container engine comes from.
#[derive(Clone)]
pub enum RuntimeSource {
    /// The Docker engine the docker CLI would use, connected on first need.
    Docker,
    /// An engine the caller made (tests of logic, another runtime).
    Given(Arc<dyn ContainerRuntime>),
}

/// One running server: its MCP connection and what it runs on.
struct Running {
    connection: McpConnection,
    backing: Backing,
    /// A remote server's endpoint and relay, to connect again when the connection drops.
    remote: Option<(crate::RemoteTarget, Relay)>,
    /// Set when a request failed in transport: the next one connects again first.
    broken: std::sync::atomic::AtomicBool,
    /// Held while connecting again, so concurrent requests share one attempt.
    reconnecting: tokio::sync::Mutex<()>,
}

impl Running {
    fn new(
        connection: McpConnection,
        backing: Backing,
        remote: Option<(crate::RemoteTarget, Relay)>,
    ) -> Self {
        Self { connection, backing, remote, broken: Default::default(), reconnecting: Default::default() }
    }

    fn is_down(&self) -> bool {
        self.broken.load(std::sync::atomic::Ordering::Acquire) || self.connection.peer().is_transport_closed()
    }
}

/// How often, and after how long, a dropped remote is connected again before a request fails.
const RECONNECT_ATTEMPTS: u32 = 3;
const RECONNECT_FIRST_DELAY: Duration = Duration::from_millis(250);

/// A start in flight: a stop cancels it and waits until it has undone what it did.
struct Starting {
    cancel: CancellationToken,
    /// Held by the start until it returns.
    finished: Arc<tokio::sync::Mutex<()>>,
}

/// The servers this process started. The container engine is connected when the first container
/// plan starts, and orphans of dead Berth processes are removed at that moment.
pub struct Supervisor {
    source: RuntimeSource,
    runtime: tokio::sync::OnceCell<Arc<dyn ContainerRuntime>>,
    /// The containers removed when the engine was connected, for `berth doctor`.
    reaped: Mutex<Vec<String>>,
    running: tokio::sync::RwLock<HashMap<ServerKey, Arc<Running>>>,
    starting: Mutex<HashMap<ServerKey, Arc<Starting>>>,
    /// Set by [`Supervisor::close`]: the process is ending and nothing new starts.
    closed: std::sync::atomic::AtomicBool,
}

async fn list_tools(peer: Peer<RoleClient>) -> Result<Vec<rmcp::model::Tool>, rmcp::ServiceError> {
    peer.list_all_tools().await
}

async fn call_tool(
    peer: Peer<RoleClient>,
    params: CallToolRequestParams,
) -> Result<CallToolResult, rmcp::ServiceError> {
    peer.call_tool(params).await
}

impl Supervisor {
    pub fn new(source: RuntimeSource) -> Self {
        Self {
            source,
            runtime: Default::default(),
            reaped: Default::default(),
            running: Default::default(),
            starting: Default::default(),
            closed: Default::default(),
        }
    }

    /// The container engine, connected (and its orphans reaped) on first use.
    pub async fn runtime(&self) -> Result<Arc<dyn ContainerRuntime>, ServerError> {
        self.runtime
            .get_or_try_init(|| async {
                let runtime: Arc<dyn ContainerRuntime> = match &self.source {
                    RuntimeSource::Docker => Arc::new(DockerEngine::connect().await?),
                    RuntimeSource::Given(r) => r.clone(),
                };
                match berth_runtime::reap_orphans(runtime.as_ref()).await {
                    Ok(reaped) => {
                        if !reaped.is_empty() {
                            tracing::info!(count = reaped.len(), "removed orphaned containers");
                        }
                        *self.reaped.lock().expect("reaped") = reaped;
                    }
                    Err(e) => tracing::warn!("could not check for orphaned containers: {e}"),
                }
                Ok::<_, ServerError>(runtime)
            })
            .await
            .cloned()
    }

    /// The engine, if it has been connected.
    fn connected(&self) -> Option<&dyn ContainerRuntime> {
        self.runtime.get().map(|r| r.as_ref())
    }

    /// The names of the containers of dead owners removed when the engine was connected.
    pub fn reaped(&self) -> Vec<String> {
        self.reaped.lock().expect("reaped").clone()
    }

    /// Starts `plan` under its key: for a container, pull if needed, create, attach, start; then
    /// the MCP handshake. Whatever fails, and a stop that arrives meanwhile, leaves nothing behind.
    pub async fn start(&self, plan: LaunchPlan, on_event: ProgressFn) -> Result<Backing, ServerError> {
        self.start_with(plan, on_event, Relay::detached()).await
    }

    /// Like [`Supervisor::start`], with what the server sends its client going through `relay`.
    pub async fn start_with(
        &self,
        plan: LaunchPlan,
        on_event: ProgressFn,
        relay: Relay,
    ) -> Result<Backing, ServerError> {
        let key = plan.key.clone();
        let finished = Arc::new(tokio::sync::Mutex::new(()));
        let _held = finished.clone().try_lock_owned().expect("a new lock is free");
        let cancel = CancellationToken::new();
        {
            let mut starting = self.starting.lock().expect("starting");
            if self.closed.load(std::sync::atomic::Ordering::Acquire) {
                return Err(ServerError::Cancelled(key.to_string()));
            }
            if starting.contains_key(&key) || self.running.try_read().is_ok_and(|r| r.contains_key(&key)) {
                return Err(ServerError::AlreadyRunning(key.to_string()));
            }
            starting.insert(key.clone(), Arc::new(Starting { cancel: cancel.clone(), finished }));
        }
        if self.running.read().await.contains_key(&key) {
            self.starting.lock().expect("starting").remove(&key);
            return Err(ServerError::AlreadyRunning(key.to_string()));
        }
        let result = match plan.target {
            LaunchTarget::Container(spec) => {
                self.start_container(&key, spec, &on_event, relay, &cancel).await
            }
            LaunchTarget::Process(target) => tokio::select! {
                s = crate::process::start(&key.server, &target, relay) => s.map(|(c, b)| Running::new(c, b, None)),
                _ = cancel.cancelled() => Err(ServerError::Cancelled(key.to_string())),
            },
            LaunchTarget::Remote(target) => {
                on_event(StartEvent::Initializing);
                let name = key.server.clone();
                tokio::select! {
                    connected = crate::remote::connect(&name, &target, relay.clone()) => connected
                        .map(|(connection, info)| {
                            Running::new(connection, Backing::Remote(info), Some((target, relay)))
                        }),
                    _ = cancel.cancelled() => Err(ServerError::Cancelled(key.to_string())),
                }
            }
        };
        let result = match result {
            Ok(running) => {
                let backing = running.backing.clone();
                self.running.write().await.insert(key.clone(), Arc::new(running));
                on_event(StartEvent::Running);
                tracing::info!(server = %key, "server running");
                Ok(backing)
            }
            Err(e) => Err(e),
        };
        self.starting.lock().expect("starting").remove(&key);
        result
    }

    async fn start_container(
        &self,
        key: &ServerKey,
        spec: RunSpec,
        on_event: &ProgressFn,
        relay: Relay,
        cancel: &CancellationToken,
    ) -> Result<Running, ServerError> {
        let cancelled = || ServerError::Cancelled(key.to_string());
        let runtime = self.runtime().await?;
        let pulling = on_event.clone();
        let report = move |p| pulling(StartEvent::Pulling(p));
        tokio::select! {
            pulled = runtime.ensure_image(&spec.image, &report) => pulled?,
            _ = cancel.cancelled() => return Err(cancelled()),
        }
        on_event(StartEvent::Creating);
        let id = runtime.create(&spec).await?;
        let discard = |error: ServerError| {
            let (runtime, id) = (runtime.clone(), id.clone());
            async move {
                if let Err(e) = runtime.stop_and_remove(&id, 0).await {
                    tracing::warn!(server = %key, "could not remove a container that failed to start: {e}");
                }
                error
            }
        };
        if cancel.is_cancelled() {
            return Err(discard(cancelled()).await);
        }
        // Attach before start so nothing the server writes first is lost.
        let pipes = match runtime.attach(&id).await {
            Ok(p) => p,
            Err(e) => return Err(discard(e.into()).await),
        };
        let stderr = pipes.stderr_tail();
        if let Err(e) = runtime.start(&id).await {
            return Err(discard(e.into()).await);
        }
        on_event(StartEvent::Initializing);
        let handshake = McpConnection::open(relay, pipes.into_split());
        tokio::pin!(handshake);
        let opened = tokio::select! {
            opened = &mut handshake => opened,
            _ = cancel.cancelled() => {
                // Removing the container ends the handshake at once.
                let _ = runtime.stop_and_remove(&id, 0).await;
                let _ = handshake.await;
                return Err(discard(cancelled()).await);
            }
        };
        let connection = match opened {
            Ok(c) => c,
            Err(failure) => {
                let reason = match failure {
                    HandshakeFailure::Refused(reason) | HandshakeFailure::Rejected(reason) => reason,
                    HandshakeFailure::Transport(error) => error.to_string(),
                    HandshakeFailure::TimedOut => {
                        format!("no answer within {} s", HANDSHAKE_TIMEOUT.as_secs())
                    }
                };
                let err = ServerError::Handshake { name: key.to_string(), reason, stderr: stderr.lines() };
                return Err(discard(err).await);
            }
        };
        if cancel.is_cancelled() {
            connection.close().await;
            return Err(discard(cancelled()).await);
        }
        Ok(Running::new(connection, Backing::Container { id, stderr }, None))
    }

    /// Stops one server and releases its backing. A server still starting is stopped too: its
    /// start is cancelled, and this returns once nothing of it is left.
    pub async fn stop(&self, key: &ServerKey) -> Result<(), ServerError> {
        let running = self.running.write().await.remove(key);
        let Some(running) = running else {
            let starting = self.starting.lock().expect("starting").get(key).cloned();
            return match starting {
                Some(s) => {
                    s.cancel.cancel();
                    let _ = s.finished.lock().await;
                    // A start that finished just before the cancel counts as running.
                    if self.running.read().await.contains_key(key) {
                        Box::pin(self.stop(key)).await
                    } else {
                        Ok(())
                    }
                }
                None => Err(ServerError::NotRunning(key.to_string())),
            };
        };
        running.connection.close().await;
        running.backing.release(self.connected()).await?;
        tracing::info!(server = %key, "server stopped");
        Ok(())
    }

    /// Stops the servers `keep` selects, starting or running, together.
    async fn stop_where(&self, select: impl Fn(&ServerKey) -> bool) {
        let mut keys: Vec<ServerKey> =
            self.starting.lock().expect("starting").keys().filter(|k| select(k)).cloned().collect();
        keys.extend(self.running.read().await.keys().filter(|k| select(k)).cloned());
        keys.sort();
        keys.dedup();
        let stops = keys.iter().map(|key| async move {
            match self.stop(key).await {
                Ok(()) | Err(ServerError::NotRunning(_)) => {}
                Err(e) => tracing::warn!(server = %key, "stopping failed: {e}"),
            }
        });
        futures_util::future::join_all(stops).await;
    }

    /// Stops every server of a gateway session, including those still starting.
    pub async fn stop_session(&self, session: &str) {
        self.stop_where(|k| k.belongs_to(session)).await;
    }

    /// Stops everything this process runs or is starting (app quit, gateway shutdown).
    pub async fn stop_all(&self) {
        self.stop_where(|_| true).await;
    }

    /// Stops everything and refuses new starts: the process is ending.
    pub async fn close(&self) {
        {
            // Under the lock that admits starts, so none slips in after the flag.
            let _starting = self.starting.lock().expect("starting");
            self.closed.store(true, std::sync::atomic::Ordering::Release);
        }
        self.stop_all().await;
    }

    /// The servers running now, in a stable order.
    pub async fn running(&self) -> Vec<ServerKey> {
        let mut keys: Vec<ServerKey> = self.running.read().await.keys().cloned().collect();
        keys.sort();
        keys
    }

    pub async fn is_running(&self, key: &ServerKey) -> bool {
        self.running.read().await.contains_key(key)
    }

    /// What runs a server, while it runs.
    pub async fn backing(&self, key: &ServerKey) -> Option<Backing> {
        self.running.read().await.get(key).map(|r| r.backing.clone())
    }

    async fn get(&self, key: &ServerKey) -> Result<Arc<Running>, ServerError> {
        let running = self
            .running
            .read()
            .await
            .get(key)
            .cloned()
            .ok_or_else(|| ServerError::NotRunning(key.to_string()))?;
        if running.remote.is_some() && running.is_down() {
            return self.reconnect(key, running).await;
        }
        Ok(running)
    }

    /// Connects a remote server whose connection dropped again, with backoff; requests that
    /// arrive meanwhile wait for this one attempt.
    async fn reconnect(&self, key: &ServerKey, stale: Arc<Running>) -> Result<Arc<Running>, ServerError> {
        let _one = stale.reconnecting.lock().await;
        let current = self.running.read().await.get(key).cloned();
        match current {
            Some(c) if !Arc::ptr_eq(&c, &stale) => return Ok(c),
            None => return Err(ServerError::NotRunning(key.to_string())),
            Some(_) => {}
        }
        let (target, relay) = stale.remote.clone().expect("a remote server");
        let mut delay = RECONNECT_FIRST_DELAY;
        let mut last = None;
        for attempt in 1..=RECONNECT_ATTEMPTS {
            match crate::remote::connect(&key.server, &target, relay.clone()).await {
                Ok((connection, info)) => {
                    tracing::info!(server = %key, attempt, "connected to the remote server again");
                    let fresh =
                        Arc::new(Running::new(connection, Backing::Remote(info), Some((target, relay))));
                    self.running.write().await.insert(key.clone(), fresh.clone());
                    stale.connection.close().await;
                    return Ok(fresh);
                }
                Err(e) => {
                    tracing::warn!(server = %key, attempt, "the remote server is still unreachable: {e}");
                    last = Some(e);
                    if attempt < RECONNECT_ATTEMPTS {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// The MCP connection to a running server, for requests passed on as they are.
    pub async fn peer(&self, key: &ServerKey) -> Result<Peer<RoleClient>, ServerError> {
        Ok(self.get(key).await?.connection.peer().clone())
    }

    /// An MCP ping, answered.
    pub async fn ping(&self, key: &ServerKey) -> Result<(), ServerError> {
        let peer = self.get(key).await?.connection.peer().clone();
        crate::connection::ping(peer).await.map_err(|e| crate::remote::request_failed(key, e))
    }

    /// The server's tools as MCP describes them, every field kept.
    pub async fn mcp_tools(&self, key: &ServerKey) -> Result<Vec<rmcp::model::Tool>, ServerError> {
        let r = self.get(key).await?;
        list_tools(r.connection.peer().clone()).await.map_err(|e| crate::remote::request_failed(key, e))
    }

    pub async fn tools(&self, key: &ServerKey) -> Result<Vec<ToolInfo>, ServerError> {
        let tools = self.mcp_tools(key).await?;
        Ok(tools
            .into_iter()
            .map(|t| ToolInfo {
                name: t.name.to_string(),
                description: t.description.map(|d| d.to_string()),
                input_schema: Value::Object((*t.input_schema).clone()),
            })
            .collect())
    }

    pub async fn call(
        &self,
        key: &ServerKey,
        tool: &str,
        arguments: serde_json::Map<String, Value>,
    ) -> Result<CallOutcome, ServerError> {
        let r = self.get(key).await?;
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        let transport = |reason: String| ServerError::Transport { name: key.to_string(), reason };
        let result = tokio::time::timeout(CALL_TIMEOUT, call_tool(r.connection.peer().clone(), params))
            .await
            .map_err(|_| transport(format!("no answer within {} s", CALL_TIMEOUT.as_secs())))?;
        match result {
            Ok(res) => Ok(CallOutcome {
                text: res
                    .content
                    .iter()
                    .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                    .collect::<Vec<_>>()
                    .join(""),
                content: res.content.iter().filter_map(|c| serde_json::to_value(c).ok()).collect(),
                is_error: res.is_error.unwrap_or(false),
            }),
            // A JSON-RPC error from the server is the tool failing, not the transport.
            Err(rmcp::ServiceError::McpError(e)) => {
                Ok(CallOutcome { text: e.message.to_string(), content: Vec::new(), is_error: true })
            }
            Err(e) => {
                if let Some(failure) = crate::remote::sign_in_failure(&key.server, &e) {
                    return Err(failure);
                }
                // The next request connects a remote server again.
                r.broken.store(true, std::sync::atomic::Ordering::Release);
                Err(transport(format!("{e}{}", r.backing.last_output())))
            }
        }
    }
}
