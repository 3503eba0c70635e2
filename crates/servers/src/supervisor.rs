//! `Supervisor`: the servers this process runs, with their MCP connections.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_runtime::{ContainerRuntime, PullProgress, StderrTail};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{Peer, RoleClient};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::{LaunchPlan, Relay, ServerError};

/// How long a started container may take to answer `initialize`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one tool call may take before it counts as a transport failure.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// SIGTERM grace before SIGKILL when stopping.
const STOP_GRACE_SECS: u32 = 3;

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

struct Running {
    container_id: String,
    peer: Peer<RoleClient>,
    service: tokio::sync::Mutex<Option<RunningService<RoleClient, Relay>>>,
    stderr: StderrTail,
}

/// The servers this process started. Each runs in one container owned by this process.
pub struct Supervisor {
    runtime: Arc<dyn ContainerRuntime>,
    running: tokio::sync::RwLock<HashMap<String, Arc<Running>>>,
    starting: Mutex<HashSet<String>>,
}

// Named async functions over owned handles keep the futures `Send` for any caller.
async fn handshake(
    relay: Relay,
    pipes: berth_runtime::StdioPipes,
) -> Result<RunningService<RoleClient, Relay>, rmcp::service::ClientInitializeError> {
    rmcp::serve_client(relay, pipes.into_split()).await
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

async fn cancel(service: RunningService<RoleClient, Relay>) {
    let _ = service.cancel().await;
}

impl Supervisor {
    pub fn new(runtime: Arc<dyn ContainerRuntime>) -> Self {
        Self { runtime, running: Default::default(), starting: Default::default() }
    }

    pub fn runtime(&self) -> &Arc<dyn ContainerRuntime> {
        &self.runtime
    }

    /// Pulls if needed, creates, attaches, starts and completes the MCP handshake. Whatever fails,
    /// no container is left behind.
    /// Runs `plan` under [`LaunchPlan::key`]; the other methods take that key.
    pub async fn start(&self, plan: LaunchPlan, on_event: ProgressFn) -> Result<String, ServerError> {
        self.start_with(plan, on_event, Relay::detached()).await
    }

    /// Like [`Supervisor::start`], with what the server sends its client going through `relay`.
    pub async fn start_with(
        &self,
        plan: LaunchPlan,
        on_event: ProgressFn,
        relay: Relay,
    ) -> Result<String, ServerError> {
        let name = plan.key();
        if self.running.read().await.contains_key(&name)
            || !self.starting.lock().expect("lock").insert(name.clone())
        {
            return Err(ServerError::AlreadyRunning(name));
        }
        let result = self.start_inner(plan, on_event, relay).await;
        self.starting.lock().expect("lock").remove(&name);
        result
    }

    async fn start_inner(
        &self,
        plan: LaunchPlan,
        on_event: ProgressFn,
        relay: Relay,
    ) -> Result<String, ServerError> {
        let name = plan.key();
        let pulling = on_event.clone();
        self.runtime.ensure_image(&plan.spec.image, &move |p| pulling(StartEvent::Pulling(p))).await?;
        on_event(StartEvent::Creating);
        let id = self.runtime.create(&plan.spec).await?;
        // Attach before start so nothing the server writes first is lost.
        let pipes = match self.runtime.attach(&id).await {
            Ok(p) => p,
            Err(e) => return Err(self.discard(&id, &name, e.into()).await),
        };
        let stderr = pipes.stderr_tail();
        if let Err(e) = self.runtime.start(&id).await {
            return Err(self.discard(&id, &name, e.into()).await);
        }
        on_event(StartEvent::Initializing);
        // rmcp's handshake future is not `Send` for every lifetime, which a Tauri command needs;
        // driving it on a blocking thread sidesteps that, and what it returns is `Send`.
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::spawn_blocking(move || {
            handle.block_on(tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(relay, pipes)))
        })
        .await;
        let service = match outcome {
            Ok(Ok(Ok(s))) => s,
            Ok(Ok(Err(e))) => {
                let err = ServerError::Handshake {
                    name: name.clone(),
                    reason: e.to_string(),
                    stderr: stderr.lines(),
                };
                return Err(self.discard(&id, &name, err).await);
            }
            Ok(Err(_)) => {
                let err = ServerError::Handshake {
                    name: name.clone(),
                    reason: format!("no answer within {} s", HANDSHAKE_TIMEOUT.as_secs()),
                    stderr: stderr.lines(),
                };
                return Err(self.discard(&id, &name, err).await);
            }
            Err(join) => {
                let err = ServerError::Handshake {
                    name: name.clone(),
                    reason: join.to_string(),
                    stderr: stderr.lines(),
                };
                return Err(self.discard(&id, &name, err).await);
            }
        };
        let running = Running {
            container_id: id.clone(),
            peer: service.peer().clone(),
            service: tokio::sync::Mutex::new(Some(service)),
            stderr,
        };
        self.running.write().await.insert(name.clone(), Arc::new(running));
        on_event(StartEvent::Running);
        tracing::info!(server = %name, "server running");
        Ok(id)
    }

    /// Removes a container that failed to start and passes its error on.
    async fn discard(&self, id: &str, name: &str, error: ServerError) -> ServerError {
        if let Err(e) = self.runtime.stop_and_remove(id, 0).await {
            tracing::warn!(server = %name, "could not remove a container that failed to start: {e}");
        }
        error
    }

    /// Stops one server and removes its container.
    pub async fn stop(&self, name: &str) -> Result<(), ServerError> {
        let running = self
            .running
            .write()
            .await
            .remove(name)
            .ok_or_else(|| ServerError::NotRunning(name.to_owned()))?;
        if let Some(service) = running.service.lock().await.take() {
            cancel(service).await;
        }
        self.runtime.stop_and_remove(&running.container_id, STOP_GRACE_SECS).await?;
        tracing::info!(server = %name, "server stopped");
        Ok(())
    }

    /// Stops everything this process runs (app quit, session end).
    pub async fn stop_all(&self) {
        let names: Vec<String> = self.running.read().await.keys().cloned().collect();
        for name in names {
            if let Err(e) = self.stop(&name).await {
                tracing::warn!(server = %name, "stopping failed: {e}");
            }
        }
    }

    pub async fn running(&self) -> Vec<String> {
        let mut names: Vec<String> = self.running.read().await.keys().cloned().collect();
        names.sort();
        names
    }

    pub async fn container_id(&self, name: &str) -> Option<String> {
        self.running.read().await.get(name).map(|r| r.container_id.clone())
    }

    async fn get(&self, name: &str) -> Result<Arc<Running>, ServerError> {
        self.running.read().await.get(name).cloned().ok_or_else(|| ServerError::NotRunning(name.to_owned()))
    }

    /// The MCP connection to a running server, for requests passed on as they are.
    pub async fn peer(&self, name: &str) -> Result<Peer<RoleClient>, ServerError> {
        Ok(self.get(name).await?.peer.clone())
    }

    /// The server's tools as MCP describes them, every field kept.
    pub async fn mcp_tools(&self, name: &str) -> Result<Vec<rmcp::model::Tool>, ServerError> {
        let r = self.get(name).await?;
        list_tools(r.peer.clone())
            .await
            .map_err(|e| ServerError::Transport { name: name.to_owned(), reason: e.to_string() })
    }

    pub async fn tools(&self, name: &str) -> Result<Vec<ToolInfo>, ServerError> {
        let tools = self.mcp_tools(name).await?;
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
        name: &str,
        tool: &str,
        arguments: serde_json::Map<String, Value>,
    ) -> Result<CallOutcome, ServerError> {
        let r = self.get(name).await?;
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        let transport = |reason: String| ServerError::Transport { name: name.to_owned(), reason };
        let result = tokio::time::timeout(CALL_TIMEOUT, call_tool(r.peer.clone(), params))
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
            Err(e) => Err(transport(format!("{e}{}", stderr_note(&r.stderr)))),
        }
    }
}

fn stderr_note(tail: &StderrTail) -> String {
    let lines = tail.lines();
    if lines.is_empty() { String::new() } else { format!(" (last output: {})", lines.join(" | ")) }
}
