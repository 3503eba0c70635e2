//! `SessionBackend`: what one client session may do, implemented by the caller.

use std::time::Duration;

use async_trait::async_trait;
use berth_servers::{CallExit, Relay};

use crate::SessionState;
use rmcp::model::Tool;
use rmcp::{Peer, RoleClient};
use serde::Serialize;
use serde_json::{Map, Value};

/// A catalog search result as `mcp-find` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct FoundServer {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    /// `ENV (set)` / `ENV (not set)` for each required secret.
    pub secrets: Vec<String>,
}

/// A tool of a server in the session, as the server describes it.
#[derive(Clone, Debug)]
pub struct SessionTool {
    pub server: String,
    pub tool: Tool,
}

impl SessionTool {
    pub fn name(&self) -> &str {
        &self.tool.name
    }
}

/// One tool call a client made directly (not through `mcp-exec`), for the call log.
#[derive(Clone, Debug)]
pub struct CallReport {
    pub server: String,
    pub tool: String,
    /// Argument names only: values may hold anything the model typed.
    pub arg_names: Vec<String>,
    pub exit: CallExit,
    /// How long it took; it ended as it was reported.
    pub duration: Duration,
}

/// The result of one tool call, as `mcp-exec` reports it.
#[derive(Clone, Debug, Serialize)]
pub struct ExecOutcome {
    pub server: String,
    pub tool: String,
    pub output: String,
    /// 0 ok, 1 the tool reported an error, 2 transport error or timeout.
    pub exit_code: CallExit,
    pub started_at: String,
    pub ended_at: String,
    pub duration_ms: u64,
}

/// A configuration change, with the values before and after.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigChange {
    pub server: String,
    pub old: Value,
    pub new: Value,
}

/// Why a session action failed; `message` says what to do next and is shown to the model.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub message: String,
    /// The facade's error code (`docker_unavailable`, …) when there is one.
    pub code: Option<String>,
    /// The message's key and parameters in the facade's dictionaries, when it has them, so the
    /// window shows the same failure in the user's language (the model gets `message`).
    pub key: Option<String>,
    pub params: std::collections::BTreeMap<String, String>,
}

impl BackendError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), code: None, key: None, params: Default::default() }
    }
}

/// Everything a gateway session can ask of Berth.
#[async_trait]
pub trait SessionBackend: Send + Sync + 'static {
    /// Brings up the servers every new session starts with; called before each request is served
    /// and does its work once.
    async fn ready(&self);
    /// Carries what the session's servers send their client to this session's client.
    fn relay(&self) -> &Relay;
    /// What the gateway keeps for this session; the backend only holds it.
    fn state(&self) -> &SessionState;
    /// Whether the client may manage the session's servers with the dynamic `mcp-*` tools. A
    /// bridge to one server says no: its client sees that server's offer and nothing else.
    fn manages_servers(&self) -> bool {
        true
    }
    async fn find(&self, query: &str, limit: usize) -> Result<Vec<FoundServer>, BackendError>;
    /// Starts `server` in this session with `config`; missing secrets or configuration are an
    /// error whose message says exactly what to set and how.
    async fn add(&self, server: &str, config: Value) -> Result<Vec<SessionTool>, BackendError>;
    /// Checks that `server` could be added with `config` (it exists, its secrets are set, its
    /// configuration is valid) without starting it.
    async fn check(&self, server: &str, config: Value) -> Result<(), BackendError>;
    async fn remove(&self, server: &str) -> Result<(), BackendError>;
    /// Validates and stores new configuration; restarts the server when it runs.
    async fn config_set(&self, server: &str, config: Value) -> Result<ConfigChange, BackendError>;
    /// The servers running in the session, in a stable order.
    async fn servers(&self) -> Vec<String>;
    /// The MCP connection to one of them, for requests passed on unchanged.
    async fn peer(&self, server: &str) -> Result<Peer<RoleClient>, BackendError>;
    /// The tools of every server in the session.
    async fn tools(&self) -> Result<Vec<SessionTool>, BackendError>;
    /// Runs one tool for `mcp-exec` and logs the call.
    async fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<ExecOutcome, BackendError>;
    /// Logs a call the client made directly.
    async fn record(&self, report: CallReport);
    /// The client introduced itself at `initialize` (its `clientInfo` name), so the session can
    /// be listed by the client that opened it.
    async fn introduced(&self, _client: &str) {}
    /// The session ended: stop its servers.
    async fn close(&self);
}
