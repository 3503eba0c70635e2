//! `Relay`: the MCP client side of a running server. What the server sends unasked (progress,
//! log messages, list and resource changes) and what it asks of its client (sampling,
//! elicitation, roots) goes on to the client attached to the relay, so a gateway session is a
//! transparent proxy. With no client attached it behaves like a plain client that offers nothing.

// Sampling, roots and logging are deprecated by the newest protocol version and still used by
// servers on the older ones, which a transparent proxy must serve.
#![allow(deprecated)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequest, CreateMessageRequestParams, CreateMessageResult,
    ElicitRequest, ElicitRequestParams, ElicitResult, ErrorCode, Implementation, InputRequest,
    ListRootsRequest, ListRootsResult, LoggingMessageNotificationParam, ProgressNotificationParam,
    ProgressToken, ProtocolVersion, ResourceUpdatedNotificationParam,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ClientHandler, ErrorData, Peer, RoleClient, RoleServer};

use crate::Questions;

/// Where a server's progress for one forwarded request goes: the client's peer and the token the
/// client chose (the forwarded request carries a token of the relay's own).
type ProgressRoute = (Peer<RoleServer>, ProgressToken);

#[derive(Default)]
struct Inner {
    /// The client, with what it announced at `initialize` (or in a stateless request's metadata).
    client: RwLock<Option<Peer<RoleServer>>>,
    progress: Mutex<ProgressRoutes>,
    /// Progress notifications being passed on right now.
    forwarding: AtomicUsize,
    /// Set while the client is stateless: what servers ask it goes back in input-required
    /// results instead of being sent as requests.
    stateless: AtomicBool,
    questions: Questions,
}

#[derive(Default)]
struct ProgressRoutes {
    routes: HashMap<ProgressToken, ProgressRoute>,
    /// Progress that arrived before its route was registered (the request was already on its way).
    early: HashMap<ProgressToken, Vec<ProgressNotificationParam>>,
}

/// Shared by every server of one gateway session (cloning shares it).
#[derive(Clone, Default)]
pub struct Relay {
    inner: Arc<Inner>,
}

/// Removes a progress route when the forwarded request ends, however it ends.
pub struct ProgressGuard {
    relay: Relay,
    token: ProgressToken,
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        let mut p = self.relay.inner.progress.lock().expect("progress routes");
        p.routes.remove(&self.token);
        p.early.remove(&self.token);
    }
}

fn no_client(what: &str) -> ErrorData {
    ErrorData::new(ErrorCode::METHOD_NOT_FOUND, format!("no MCP client is connected to answer {what}"), None)
}

impl Relay {
    /// A relay with no client: servers started from the Servers page or the CLI.
    pub fn detached() -> Self {
        Self::default()
    }

    /// Attaches the client peer; servers started afterwards are told the client's capabilities.
    pub fn attach(&self, peer: &Peer<RoleServer>) {
        *self.inner.client.write().expect("relay") = Some(peer.clone());
    }

    /// Attaches a stateless client's request: servers' questions to it wait in [`Self::questions`]
    /// for the gateway to return them in an input-required result.
    pub fn attach_stateless(&self, peer: &Peer<RoleServer>) {
        self.attach(peer);
        self.inner.stateless.store(true, Ordering::Release);
    }

    /// What the servers asked a stateless client, and the calls waiting on the answers.
    pub fn questions(&self) -> &Questions {
        &self.inner.questions
    }

    /// Puts `request` to a stateless client, through an input-required result, and reads its answer.
    async fn ask<T: serde::de::DeserializeOwned>(&self, request: InputRequest) -> Result<T, ErrorData> {
        let answer = self.inner.questions.ask(request).await?;
        serde_json::from_value(answer).map_err(|e| {
            ErrorData::invalid_params(format!("the client's answer does not fit the request: {e}"), None)
        })
    }

    /// Tells the client the session's tools, prompts and resources changed (a server joined or
    /// left from outside the client's own calls); a client that does not listen is not an error.
    pub async fn lists_changed(&self) {
        let Some(client) = self.client() else { return };
        for sent in [
            client.notify_tool_list_changed().await,
            client.notify_prompt_list_changed().await,
            client.notify_resource_list_changed().await,
        ] {
            if let Err(e) = sent {
                tracing::debug!("list change not delivered: {e}");
            }
        }
    }

    fn stateless(&self) -> bool {
        self.inner.stateless.load(Ordering::Acquire)
    }

    fn client(&self) -> Option<Peer<RoleServer>> {
        self.inner.client.read().expect("relay").clone()
    }

    /// Routes a server's progress for the request that carries `server_token` to `client`'s
    /// `client_token`, until the guard drops.
    pub fn route_progress(
        &self,
        server_token: ProgressToken,
        client: Peer<RoleServer>,
        client_token: ProgressToken,
    ) -> ProgressGuard {
        let early = {
            let mut p = self.inner.progress.lock().expect("progress routes");
            p.routes.insert(server_token.clone(), (client.clone(), client_token.clone()));
            p.early.remove(&server_token).unwrap_or_default()
        };
        if !early.is_empty() {
            tokio::spawn(async move {
                for mut params in early {
                    params.progress_token = client_token.clone();
                    let _ = client.notify_progress(params).await;
                }
            });
        }
        ProgressGuard { relay: self.clone(), token: server_token }
    }

    /// Waits (briefly) until progress that arrived before a response has been passed on. The MCP
    /// client handles each notification on its own task, so a server's last progress could
    /// otherwise reach the client after the response it preceded, when its stream is closed.
    pub async fn settle(&self) {
        tokio::task::yield_now().await;
        let deadline = Instant::now() + Duration::from_millis(200);
        while self.inner.forwarding.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

impl ClientHandler for Relay {
    fn get_info(&self) -> ClientConfig {
        match self.client().and_then(|c| c.peer_info()) {
            // What the client announced, so a server offers it what it would offer it directly.
            Some(info) => ClientConfig::new(info.capabilities.clone(), info.client_info.clone()),
            None => ClientConfig::new(
                ClientCapabilities::default(),
                Implementation::new("berth", env!("CARGO_PKG_VERSION")),
            ),
        }
        // `initialize` offers the newest version that has it; 2026-07-28 servers are reached
        // by `server/discover`, which sets its own version.
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        if self.stateless() {
            return self.ask(InputRequest::CreateMessage(CreateMessageRequest::new(params))).await;
        }
        let client = self.client().ok_or_else(|| no_client("sampling"))?;
        client.create_message(params).await.map_err(service_error)
    }

    async fn create_elicitation(
        &self,
        params: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if self.stateless() {
            return self.ask(InputRequest::Elicitation(ElicitRequest::new(params))).await;
        }
        let client = self.client().ok_or_else(|| no_client("elicitation"))?;
        client.create_elicitation(params).await.map_err(service_error)
    }

    async fn list_roots(&self, _context: RequestContext<RoleClient>) -> Result<ListRootsResult, ErrorData> {
        if self.stateless() {
            return self.ask(InputRequest::ListRoots(ListRootsRequest::default())).await;
        }
        match self.client() {
            Some(client) => client.list_roots().await.map_err(service_error),
            None => Ok(ListRootsResult::default()),
        }
    }

    async fn on_progress(
        &self,
        mut params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.inner.forwarding.fetch_add(1, Ordering::AcqRel);
        let route = {
            let mut p = self.inner.progress.lock().expect("progress routes");
            match p.routes.get(&params.progress_token).cloned() {
                Some(r) => Some(r),
                None => {
                    // Bounded: a server cannot grow this without limit by inventing tokens.
                    if p.early.len() < 64 {
                        p.early.entry(params.progress_token.clone()).or_default().push(params.clone());
                    }
                    None
                }
            }
        };
        if let Some((client, token)) = route {
            params.progress_token = token;
            let _ = client.notify_progress(params).await;
        }
        self.inner.forwarding.fetch_sub(1, Ordering::AcqRel);
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Some(client) = self.client() {
            let _ = client.notify_logging_message(params).await;
        }
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Some(client) = self.client() {
            let _ = client.notify_resource_updated(params).await;
        }
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Some(client) = self.client() {
            let _ = client.notify_resource_list_changed().await;
        }
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Some(client) = self.client() {
            let _ = client.notify_tool_list_changed().await;
        }
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Some(client) = self.client() {
            let _ = client.notify_prompt_list_changed().await;
        }
    }
}

/// A client's JSON-RPC error passes back unchanged; anything else is an internal error.
pub fn service_error(e: rmcp::ServiceError) -> ErrorData {
    match e {
        rmcp::ServiceError::McpError(e) => e,
        other => ErrorData::internal_error(other.to_string(), None),
    }
}
