//! `GatewaySession`: the MCP server one client session talks to, and the session's backend it
//! opens (a new one per MCP session, or the one a caller's stateless requests share). Listing and
//! routing are in `routes`, passing requests on in `forward`, the MCP methods in `handler`, and
//! the dynamic `mcp-*` tools in `dynamic`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use berth_servers::{Call, Round};
use rmcp::model::{
    CallToolResponse, CallToolResult, ClientRequest, ContentBlock, Implementation, InitializeRequestParams,
    InputRequiredResult, InputResponses, ServerResult,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleClient, RoleServer};

use crate::forward::forward_to;
use crate::routes::Routes;
use crate::{BackendError, Caller, SessionBackend};

/// What the gateway keeps for one session. Its backend holds it, so every request served from
/// that backend shares it: a stateful session's, or all of one caller's stateless requests (each
/// of which is a new `GatewaySession`).
#[derive(Default)]
pub struct SessionState {
    pub(crate) routes: Mutex<Routes>,
}

/// How a session's backend is wanted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening {
    /// A new MCP session (it began with `initialize`): a backend of its own, closed when the
    /// session ends.
    Session(Caller),
    /// A stateless request (protocol 2026-07-28 and later, no session): the backend all of this
    /// caller's stateless requests share. The opener keeps it and decides when it ends.
    Stateless(Caller),
}

/// Opens session backends; the HTTP gateway asks it on each session's first request.
pub trait SessionOpener<B>: Send + Sync + 'static {
    fn open(&self, how: Opening) -> Pin<Box<dyn Future<Output = Result<Arc<B>, BackendError>> + Send>>;
}

impl<B, F, Fut> SessionOpener<B> for F
where
    F: Fn(Opening) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Arc<B>, BackendError>> + Send + 'static,
{
    fn open(&self, how: Opening) -> Pin<Box<dyn Future<Output = Result<Arc<B>, BackendError>> + Send>> {
        Box::pin(self(how))
    }
}

/// A session's backend: given (stdio, whose caller ends it), opened for a new session on its
/// first request and closed when the session is dropped (HTTP: DELETE, idle timeout, shutdown),
/// or shared by a caller's stateless requests (the opener ends it).
pub(crate) struct Slot<B: SessionBackend> {
    pub(crate) backend: tokio::sync::OnceCell<Arc<B>>,
    opener: Option<Arc<dyn SessionOpener<B>>>,
    /// Set when the backend was opened for a new session, which therefore owns it.
    owned: AtomicBool,
    /// Who opened that session: only they may use it, whoever else learns its id.
    opened_by: std::sync::OnceLock<Caller>,
}

impl<B: SessionBackend> Drop for Slot<B> {
    fn drop(&mut self) {
        if !self.owned.load(Ordering::Acquire) {
            return;
        }
        if let (Some(backend), Ok(rt)) = (self.backend.get().cloned(), tokio::runtime::Handle::try_current())
        {
            rt.spawn(async move { backend.close().await });
        }
    }
}

/// Who sent the request: the HTTP door leaves its verdict in the request's extensions.
pub(crate) fn caller_of(extensions: &rmcp::model::Extensions) -> Caller {
    caller_ref(extensions).cloned().unwrap_or(Caller::Gateway)
}

/// The caller the door left in the request, borrowed: a request on an open session only compares
/// it, so nothing is cloned on the call path.
fn caller_ref(extensions: &rmcp::model::Extensions) -> Option<&Caller> {
    extensions.get::<hyper::http::request::Parts>().and_then(|parts| parts.extensions.get::<Caller>())
}

/// One client session: the aggregated offer of its servers plus the dynamic tools.
pub struct GatewaySession<B: SessionBackend> {
    pub(crate) slot: Arc<Slot<B>>,
}

impl<B: SessionBackend> Clone for GatewaySession<B> {
    fn clone(&self) -> Self {
        Self { slot: self.slot.clone() }
    }
}

pub(crate) fn text_result(text: String, is_error: bool) -> CallToolResponse {
    let content = vec![ContentBlock::text(text)];
    if is_error { CallToolResult::error(content).into() } else { CallToolResult::success(content).into() }
}

pub(crate) fn json_text(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

pub(crate) fn internal(e: BackendError) -> ErrorData {
    ErrorData::internal_error(e.message, None)
}

impl<B: SessionBackend> GatewaySession<B> {
    /// A session over `backend`, which the caller closes.
    pub fn new(backend: Arc<B>) -> Self {
        let slot = Slot {
            backend: tokio::sync::OnceCell::new_with(Some(backend)),
            opener: None,
            owned: AtomicBool::new(false),
            opened_by: std::sync::OnceLock::new(),
        };
        Self { slot: Arc::new(slot) }
    }

    /// A session whose backend `opener` opens when the first request arrives: a new one when
    /// that request is `initialize` (closed when the session ends), else the caller's shared
    /// stateless one.
    pub fn opening(opener: Arc<dyn SessionOpener<B>>) -> Self {
        let slot = Slot {
            backend: tokio::sync::OnceCell::new(),
            opener: Some(opener),
            owned: AtomicBool::new(false),
            opened_by: std::sync::OnceLock::new(),
        };
        Self { slot: Arc::new(slot) }
    }

    /// The session's backend, opened as `how` says if it is not open yet; `how` is only asked
    /// then, so requests on an open session do not work out their caller again.
    pub(crate) async fn open(&self, how: impl FnOnce() -> Opening) -> Result<&Arc<B>, ErrorData> {
        self.slot
            .backend
            .get_or_try_init(|| async {
                let Some(opener) = &self.slot.opener else {
                    return Err(BackendError::new("the session has no backend"));
                };
                let how = how();
                let owned = match &how {
                    Opening::Session(caller) => {
                        let _ = self.slot.opened_by.set(caller.clone());
                        true
                    }
                    Opening::Stateless(_) => false,
                };
                let backend = opener.open(how).await?;
                self.slot.owned.store(owned, Ordering::Release);
                Ok(backend)
            })
            .await
            .map_err(internal)
    }

    /// A stateless request's backend is shared with the caller's other requests.
    pub(crate) fn stateless(&self) -> bool {
        self.slot.opener.is_some() && !self.slot.owned.load(Ordering::Acquire)
    }

    /// The backend, once [`Self::prepare`] or [`Self::open`] has run.
    pub(crate) fn b(&self) -> &Arc<B> {
        self.slot.backend.get().expect("the session's backend is open")
    }

    pub(crate) fn routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.b().state().routes.lock().expect("routes")
    }

    /// Every request: the backend is open, the relay knows this client (a session's was attached
    /// at `initialize`), and the session's starting servers are up.
    pub(crate) async fn prepare(&self, context: &RequestContext<RoleServer>) -> Result<(), ErrorData> {
        // A session began with `initialize`, which opened its backend; a request that finds none
        // open came without a session.
        let backend = self.open(|| Opening::Stateless(caller_of(&context.extensions))).await?;
        if let Some(owner) = self.slot.opened_by.get()
            && caller_ref(&context.extensions).unwrap_or(&Caller::Gateway) != owner
        {
            return Err(ErrorData::invalid_request(
                "This session belongs to another client. Open a session of your own with initialize.",
                None,
            ));
        }
        if self.stateless() {
            // Each stateless request is its own connection and says in its `_meta` who the client
            // is and what it can do; the latest one is the client the servers see.
            let meta = &context.meta;
            if let Some(capabilities) = meta.client_capabilities() {
                let info = meta.client_info().unwrap_or_else(|| Implementation::new("stateless-client", "0"));
                let mut params = InitializeRequestParams::new(capabilities, info);
                if let Some(version) = meta.protocol_version() {
                    params = params.with_protocol_version(version);
                }
                context.peer.set_peer_info(params);
            }
            backend.relay().attach_stateless(&context.peer);
        }
        backend.ready().await;
        Ok(())
    }

    /// Sends `request` to `server` as it is. Progress the server reports reaches the client under
    /// the client's own token; a cancellation by the client is passed on.
    pub(crate) async fn forward(
        &self,
        server: &str,
        request: ClientRequest,
        context: &RequestContext<RoleServer>,
    ) -> Result<ServerResult, ErrorData> {
        let peer = self.b().peer(server).await.map_err(internal)?;
        forward_to(self.b().relay(), peer, request, context).await
    }

    /// [`Self::forward`] for a request that may need the client's input (tools/call,
    /// prompts/get, resources/read). A stateless client cannot be sent the server's sampling,
    /// elicitation or roots requests, so they come back to it in an input-required result and the
    /// call waits for its retry, which carries the answers and the state Berth issued.
    pub(crate) async fn forward_asking(
        &self,
        server: &str,
        request: ClientRequest,
        retry: Option<(String, InputResponses)>,
        context: &RequestContext<RoleServer>,
    ) -> Result<ServerResult, ErrorData> {
        if !self.stateless() {
            return self.forward(server, request, context).await;
        }
        let relay = self.b().relay().clone();
        let call = match retry {
            Some((state, answers)) => relay.questions().resume(&state, answers)?,
            None => {
                let peer = self.b().peer(server).await.map_err(internal)?;
                // The call may outlive this HTTP request: it ends with its own rounds, not with
                // the request that started it.
                let mut context = context.clone();
                context.ct = tokio_util::sync::CancellationToken::new();
                let relay = relay.clone();
                Call::spawn(async move { forward_to(&relay, peer, request, &context).await })
            }
        };
        match relay.questions().round(call).await {
            Round::Done(result) => result,
            Round::Asking { requests, state } => {
                Ok(ServerResult::InputRequiredResult(InputRequiredResult::new(Some(requests), Some(state))))
            }
        }
    }

    pub(crate) async fn peers(&self) -> Vec<(String, Peer<RoleClient>)> {
        let mut out = Vec::new();
        for name in self.b().servers().await {
            if let Ok(peer) = self.b().peer(&name).await {
                out.push((name, peer));
            }
        }
        out
    }

    /// Tells the client what a server joining or leaving changed; a client that does not listen
    /// is not an error.
    pub(crate) async fn lists_changed(&self) {
        let _ = self.current_tools().await;
        {
            // Prompts and resources are listed again when next asked for.
            let mut r = self.routes();
            r.prompts.clear();
            r.resources.clear();
            r.templates.clear();
        }
        // The relay's client is this request's: attached when the session began, or by this
        // stateless request.
        self.b().relay().lists_changed().await;
    }
}
