//! `GatewaySession`: the MCP server one client session talks to. It aggregates the tools,
//! prompts and resources of the session's servers, passes requests and results through
//! unchanged (so a client sees what it would see talking to the server directly), and adds the
//! dynamic `mcp-*` tools.

// Logging and resource subscriptions are deprecated by the newest protocol version and used on
// the older ones, which the gateway serves as well.
#![allow(deprecated)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use berth_servers::{Call, Round, STATE_PREFIX, service_error};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResponse, CallToolResult, CancelledNotificationParam,
    ClientRequest, CompleteRequest, CompleteRequestParams, CompleteResult, ContentBlock, GetPromptRequest,
    GetPromptRequestParams, GetPromptResponse, Implementation, InitializeRequestParams, InitializeResult,
    InputRequiredResult, InputResponses, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, Prompt, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResponse, Reference, RequestMetaObject, RequestOptionalParam, Resource, ResourceTemplate,
    ServerCapabilities, ServerConfig, ServerResult, SetLevelRequest, SetLevelRequestParams, SubscribeRequest,
    SubscribeRequestParams, Tool, UnsubscribeRequest, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestContext};
use rmcp::{ErrorData, Peer, RoleClient, RoleServer, ServerHandler};
use serde_json::{Map, Value};

use crate::dynamic::{self, string_arg};
use crate::{BackendError, CallReport, Caller, SessionBackend, SessionTool};

/// What the gateway keeps for one session. Its backend holds it, so every request served from
/// that backend shares it: a stateful session's, or all of one caller's stateless requests (each
/// of which is a new `GatewaySession`).
#[derive(Default)]
pub struct SessionState {
    routes: Mutex<Routes>,
}

/// Exposed names (and resource URIs) mapped to the server that owns them and its own name.
#[derive(Default)]
struct Routes {
    tools: HashMap<String, (String, String)>,
    prompts: HashMap<String, (String, String)>,
    resources: HashMap<String, String>,
    templates: HashMap<String, String>,
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
struct Slot<B: SessionBackend> {
    backend: tokio::sync::OnceCell<Arc<B>>,
    opener: Option<Arc<dyn SessionOpener<B>>>,
    /// Set when the backend was opened for a new session, which therefore owns it.
    owned: AtomicBool,
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
fn caller_of(extensions: &rmcp::model::Extensions) -> Caller {
    extensions
        .get::<hyper::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>())
        .cloned()
        .unwrap_or(Caller::Gateway)
}

/// One client session: the aggregated offer of its servers plus the dynamic tools.
pub struct GatewaySession<B: SessionBackend> {
    slot: Arc<Slot<B>>,
}

impl<B: SessionBackend> Clone for GatewaySession<B> {
    fn clone(&self) -> Self {
        Self { slot: self.slot.clone() }
    }
}

/// Exposed names: an item keeps its own name unless another server (or a dynamic tool) has the
/// same one; then every holder of that name is shown as `<server>__<name>`.
fn expose<'a>(items: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, name) in items.clone() {
        *count.entry(name).or_default() += 1;
    }
    items
        .map(|(server, name)| {
            let clash = count[name] > 1 || dynamic::ALL.contains(&name);
            if clash { format!("{server}__{name}") } else { name.to_owned() }
        })
        .collect()
}

fn text_result(text: String, is_error: bool) -> CallToolResponse {
    let content = vec![ContentBlock::text(text)];
    if is_error { CallToolResult::error(content).into() } else { CallToolResult::success(content).into() }
}

fn json_text(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn internal(e: BackendError) -> ErrorData {
    ErrorData::internal_error(e.message, None)
}

/// The client's `_meta` as the server should see it: the progress token is replaced by the
/// relay's own, and per-request protocol fields describe the client's connection, not Berth's.
fn forwarded_meta(meta: &RequestMetaObject) -> Option<RequestMetaObject> {
    let mut meta = meta.clone();
    meta.0.retain(|k, _| k != "progressToken" && !k.starts_with("io.modelcontextprotocol/"));
    if meta.0.is_empty() { None } else { Some(meta) }
}

/// A retry of a call Berth parked: its state (one Berth issued, not a server's own) and the
/// client's answers, taken out of the request so the server never sees them.
fn parked_retry(
    state: &mut Option<String>,
    answers: &mut Option<InputResponses>,
) -> Option<(String, InputResponses)> {
    if !state.as_deref().is_some_and(|s| s.starts_with(STATE_PREFIX)) {
        return None;
    }
    Some((state.take()?, answers.take().unwrap_or_default()))
}

fn unexpected(result: ServerResult) -> ErrorData {
    ErrorData::internal_error(format!("the server answered with an unexpected result: {result:?}"), None)
}

impl<B: SessionBackend> GatewaySession<B> {
    /// A session over `backend`, which the caller closes.
    pub fn new(backend: Arc<B>) -> Self {
        let slot = Slot {
            backend: tokio::sync::OnceCell::new_with(Some(backend)),
            opener: None,
            owned: AtomicBool::new(false),
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
        };
        Self { slot: Arc::new(slot) }
    }

    /// The session's backend, opened as `how` says if it is not open yet; `how` is only asked
    /// then, so requests on an open session do not work out their caller again.
    async fn open(&self, how: impl FnOnce() -> Opening) -> Result<&Arc<B>, ErrorData> {
        self.slot
            .backend
            .get_or_try_init(|| async {
                let Some(opener) = &self.slot.opener else {
                    return Err(BackendError::new("the session has no backend"));
                };
                let how = how();
                let owned = matches!(how, Opening::Session(_));
                let backend = opener.open(how).await?;
                self.slot.owned.store(owned, Ordering::Release);
                Ok(backend)
            })
            .await
            .map_err(internal)
    }

    /// A stateless request's backend is shared with the caller's other requests.
    fn stateless(&self) -> bool {
        self.slot.opener.is_some() && !self.slot.owned.load(Ordering::Acquire)
    }

    /// The backend, once [`Self::prepare`] or [`Self::open`] has run.
    fn b(&self) -> &Arc<B> {
        self.slot.backend.get().expect("the session's backend is open")
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.b().state().routes.lock().expect("routes")
    }

    /// Every request: the backend is open, the relay knows this client (a session's was attached
    /// at `initialize`), and the session's starting servers are up.
    async fn prepare(&self, context: &RequestContext<RoleServer>) -> Result<(), ErrorData> {
        // A session began with `initialize`, which opened its backend; a request that finds none
        // open came without a session.
        let backend = self.open(|| Opening::Stateless(caller_of(&context.extensions))).await?;
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
    async fn forward(
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
    async fn forward_asking(
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

    async fn peers(&self) -> Vec<(String, Peer<RoleClient>)> {
        let mut out = Vec::new();
        for name in self.b().servers().await {
            if let Ok(peer) = self.b().peer(&name).await {
                out.push((name, peer));
            }
        }
        out
    }

    async fn current_tools(&self) -> Result<Vec<Tool>, BackendError> {
        let tools: Vec<SessionTool> = self.b().tools().await?;
        let names = expose(tools.iter().map(|t| (t.server.as_str(), t.name())));
        let mut routes = HashMap::new();
        let mut out = dynamic::tools();
        for (name, t) in names.into_iter().zip(tools) {
            routes.insert(name.clone(), (t.server.clone(), t.tool.name.to_string()));
            let mut tool = t.tool;
            tool.name = name.into();
            out.push(tool);
        }
        self.routes().tools = routes;
        Ok(out)
    }

    async fn tool_route(&self, name: &str) -> Result<Option<(String, String)>, BackendError> {
        if let Some(r) = self.routes().tools.get(name).cloned() {
            return Ok(Some(r));
        }
        // The client may call a tool it learned of before this session listed it; refresh once.
        self.current_tools().await?;
        Ok(self.routes().tools.get(name).cloned())
    }

    async fn current_prompts(&self, context: &RequestContext<RoleServer>) -> Result<Vec<Prompt>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.prompts.is_some(),
                |p| ClientRequest::ListPromptsRequest(page_request(p)),
                |r| match r? {
                    ServerResult::ListPromptsResult(r) => Ok((r.prompts, r.next_cursor)),
                    other => Err(unexpected(other)),
                },
            )
            .await?;
        let names = expose(all.iter().map(|(s, p)| (s.as_str(), p.name.as_str())));
        let mut routes = HashMap::new();
        let out = names
            .into_iter()
            .zip(all)
            .map(|(name, (server, mut prompt))| {
                routes.insert(name.clone(), (server, prompt.name.clone()));
                prompt.name = name;
                prompt
            })
            .collect();
        self.routes().prompts = routes;
        Ok(out)
    }

    /// Every session server's resources; their routes are refreshed.
    async fn current_resources(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Vec<Resource>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.resources.is_some(),
                |p| ClientRequest::ListResourcesRequest(page_request(p)),
                |r| match r? {
                    ServerResult::ListResourcesResult(r) => Ok((r.resources, r.next_cursor)),
                    other => Err(unexpected(other)),
                },
            )
            .await?;
        let mut routes = HashMap::new();
        for (server, r) in &all {
            routes.entry(r.uri.clone()).or_insert_with(|| server.clone());
        }
        self.routes().resources = routes;
        Ok(all.into_iter().map(|(_, r)| r).collect())
    }

    /// Every session server's resource templates; their routes are refreshed.
    async fn current_templates(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Vec<ResourceTemplate>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.resources.is_some(),
                |p| ClientRequest::ListResourceTemplatesRequest(page_request(p)),
                |r| match r {
                    Ok(ServerResult::ListResourceTemplatesResult(r)) => {
                        Ok((r.resource_templates, r.next_cursor))
                    }
                    // A server with resources need not have templates.
                    Err(e) if e.code == rmcp::model::ErrorCode::METHOD_NOT_FOUND => Ok((Vec::new(), None)),
                    Ok(other) => Err(unexpected(other)),
                    Err(e) => Err(e),
                },
            )
            .await?;
        let mut routes = HashMap::new();
        for (server, t) in &all {
            routes.entry(t.uri_template.clone()).or_insert_with(|| server.clone());
        }
        self.routes().templates = routes;
        Ok(all.into_iter().map(|(_, t)| t).collect())
    }

    /// One list, every page of it, from each session server that offers it; each item comes with
    /// its server.
    async fn list_everywhere<T>(
        &self,
        context: &RequestContext<RoleServer>,
        offered: fn(&ServerCapabilities) -> bool,
        request: fn(Option<PaginatedRequestParams>) -> ClientRequest,
        page: fn(Result<ServerResult, ErrorData>) -> Result<Page<T>, ErrorData>,
    ) -> Result<Vec<(String, T)>, ErrorData> {
        let mut all = Vec::new();
        for (server, peer) in self.peers().await {
            if !offers(&peer, offered) {
                continue;
            }
            let listed = list_paged(|cursor| {
                let request = request(cursor.map(|c| PaginatedRequestParams::default().with_cursor(Some(c))));
                let (relay, peer) = (self.b().relay().clone(), peer.clone());
                async move { page(forward_to(&relay, peer, request, context).await) }
            })
            .await?;
            all.extend(listed.into_iter().map(|item| (server.clone(), item)));
        }
        Ok(all)
    }

    /// The server that owns `uri`: a listed resource, a template whose fixed prefix matches, or
    /// the only server offering resources.
    async fn resource_owner(
        &self,
        uri: &str,
        context: &RequestContext<RoleServer>,
    ) -> Result<String, ErrorData> {
        let lookup = |r: &Routes| {
            r.resources.get(uri).cloned().or_else(|| {
                r.templates
                    .iter()
                    .filter(|(t, _)| uri.starts_with(t.split('{').next().unwrap_or(t)))
                    .max_by_key(|(t, _)| t.split('{').next().unwrap_or(t).len())
                    .map(|(_, s)| s.clone())
            })
        };
        if let Some(s) = lookup(&self.routes()) {
            return Ok(s);
        }
        self.current_resources(context).await?;
        self.current_templates(context).await?;
        if let Some(s) = lookup(&self.routes()) {
            return Ok(s);
        }
        let offering: Vec<String> = self
            .peers()
            .await
            .into_iter()
            .filter(|(_, p)| offers(p, |c| c.resources.is_some()))
            .map(|(s, _)| s)
            .collect();
        match offering.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(ErrorData::resource_not_found(format!("no server in this session has {uri}"), None)),
        }
    }

    async fn prompt_route(
        &self,
        name: &str,
        context: &RequestContext<RoleServer>,
    ) -> Result<(String, String), ErrorData> {
        if let Some(r) = self.routes().prompts.get(name).cloned() {
            return Ok(r);
        }
        self.current_prompts(context).await?;
        self.routes()
            .prompts
            .get(name)
            .cloned()
            .ok_or_else(|| ErrorData::invalid_params(format!("no prompt named {name} in this session"), None))
    }

    async fn dynamic_call(&self, name: &str, args: &Map<String, Value>) -> Result<CallToolResponse, String> {
        match name {
            dynamic::FIND => {
                let query = string_arg(args, "query")?;
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 50) as usize;
                let found = self.b().find(&query, limit).await.map_err(|e| e.message)?;
                Ok(text_result(json_text(&found), false))
            }
            dynamic::ADD => {
                let server = string_arg(args, "name")?;
                let config = args.get("config").cloned().unwrap_or(Value::Null);
                let tools = self.b().add(&server, config).await.map_err(|e| e.message)?;
                self.lists_changed().await;
                let names: Vec<&str> = tools.iter().map(SessionTool::name).collect();
                Ok(text_result(
                    format!("{server} is running in this session with tools: {}", names.join(", ")),
                    false,
                ))
            }
            dynamic::REMOVE => {
                let server = string_arg(args, "name")?;
                self.b().remove(&server).await.map_err(|e| e.message)?;
                self.lists_changed().await;
                Ok(text_result(format!("{server} was removed from this session and stopped."), false))
            }
            dynamic::CONFIG_SET => {
                let server = string_arg(args, "name")?;
                let config = args.get("config").cloned().ok_or("`config` is required")?;
                let change = self.b().config_set(&server, config).await.map_err(|e| e.message)?;
                Ok(text_result(json_text(&change), false))
            }
            dynamic::EXEC => {
                let server = string_arg(args, "name")?;
                let tool = string_arg(args, "tool")?;
                let arguments = match args.get("arguments") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => return Err("`arguments` must be an object".into()),
                };
                let outcome = self.b().call(&server, &tool, arguments).await.map_err(|e| e.message)?;
                Ok(text_result(json_text(&outcome), outcome.exit_code != 0))
            }
            _ => Err(format!("unknown tool {name}")),
        }
    }

    /// Tells the client what a server joining or leaving changed; a client that does not listen
    /// is not an error.
    async fn lists_changed(&self) {
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

/// A list request for one page.
fn page_request<M: Default>(
    cursor: Option<PaginatedRequestParams>,
) -> RequestOptionalParam<M, PaginatedRequestParams> {
    RequestOptionalParam { method: M::default(), params: cursor, extensions: Default::default() }
}

/// Whether a server announced a capability.
fn offers(peer: &Peer<RoleClient>, has: impl Fn(&ServerCapabilities) -> bool) -> bool {
    peer.peer_info().is_some_and(|i| has(&i.capabilities))
}

/// One page of a list: its items and the cursor of the next page.
type Page<T> = (Vec<T>, Option<String>);

/// Collects every page of a list.
async fn list_paged<T, F, Fut>(mut page: F) -> Result<Vec<T>, ErrorData>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ErrorData>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    // A server that keeps returning cursors cannot hold the session forever.
    for _ in 0..1000 {
        let (items, next) = page(cursor).await?;
        out.extend(items);
        match next {
            Some(c) if !c.is_empty() => cursor = Some(c),
            _ => return Ok(out),
        }
    }
    Ok(out)
}

async fn forward_to(
    relay: &berth_servers::Relay,
    peer: Peer<RoleClient>,
    request: ClientRequest,
    context: &RequestContext<RoleServer>,
) -> Result<ServerResult, ErrorData> {
    let mut options = PeerRequestOptions::no_options();
    if let Some(meta) = forwarded_meta(&context.meta) {
        options = options.with_meta(meta);
    }
    let handle = peer.send_cancellable_request(request, options).await.map_err(service_error)?;
    let progress = context
        .meta
        .get_progress_token()
        .map(|token| relay.route_progress(handle.progress_token.clone(), context.peer.clone(), token));
    let (id, server) = (handle.id.clone(), handle.peer.clone());
    tokio::select! {
        result = handle.await_response() => {
            if progress.is_some() {
                relay.settle().await;
            }
            result.map_err(service_error)
        }
        _ = context.ct.cancelled() => {
            let _ = server
                .notify_cancelled(CancelledNotificationParam::new(
                    Some(id),
                    Some("the client cancelled the request".into()),
                ))
                .await;
            Err(ErrorData::internal_error("the request was cancelled", None))
        }
    }
}

impl<B: SessionBackend> ServerHandler for GatewaySession<B> {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_prompts()
                .enable_prompts_list_changed()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_resources_list_changed()
                .enable_logging()
                .enable_completions()
                .build(),
        )
        .with_server_info(Implementation::new("berth-gateway", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Berth gateway. Use mcp-find to search for MCP servers, mcp-add to add one to this session, \
             then call its tools directly or through mcp-exec.",
        )
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        // Servers started for this session announce the client's own capabilities.
        self.open(|| Opening::Session(caller_of(&context.extensions))).await?.relay().attach(&context.peer);
        self.negotiate_initialize(&request)
    }

    async fn on_initialized(&self, _context: NotificationContext<RoleServer>) {
        // Start the session's servers now rather than on the first request.
        let session = self.clone();
        tokio::spawn(async move {
            if let Some(backend) = session.slot.backend.get() {
                backend.ready().await;
            }
        });
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.prepare(&context).await?;
        let tools = self.current_tools().await.map_err(internal)?;
        Ok(ListToolsResult::with_all_items(tools))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        dynamic::tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.prepare(&context).await?;
        let name = request.name.to_string();
        if dynamic::ALL.contains(&name.as_str()) {
            let args = request.arguments.unwrap_or_default();
            return Ok(match self.dynamic_call(&name, &args).await {
                Ok(r) => r,
                Err(message) => text_result(message, true),
            });
        }
        let (server, tool) = match self.tool_route(&name).await {
            Ok(Some(r)) => r,
            Ok(None) => match self.b().servers().await.as_slice() {
                // With one server, it answers for its own unknown names, as it would directly.
                [only] => (only.clone(), name.clone()),
                // A tool-level error, as current SDKs report unknown tools, so the model reads it.
                _ => {
                    return Ok(text_result(
                        format!(
                            "No tool named {name} in this session. mcp-find and mcp-add bring servers in."
                        ),
                        true,
                    ));
                }
            },
            Err(e) => return Err(internal(e)),
        };
        let arg_names = request.arguments.as_ref().map(|a| a.keys().cloned().collect()).unwrap_or_default();
        let mut params = request;
        params.name = tool.clone().into();
        params.meta = None;
        let retry = parked_retry(&mut params.request_state, &mut params.input_responses);
        let (started, clock) = (SystemTime::now(), Instant::now());
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        let result = self.forward_asking(&server, request, retry, &context).await;
        let (response, exit_code) = match result {
            Ok(ServerResult::CallToolResult(r)) => {
                let code = u8::from(r.is_error.unwrap_or(false));
                (Ok(CallToolResponse::Complete(r)), code)
            }
            Ok(ServerResult::InputRequiredResult(r)) => (Ok(CallToolResponse::InputRequired(r)), 0),
            Ok(ServerResult::CreateTaskResult(r)) => (Ok(CallToolResponse::Task(r)), 0),
            Ok(other) => (Err(unexpected(other)), 2),
            // A JSON-RPC error from the server is the tool failing; anything else, the transport.
            Err(e) if e.code != rmcp::model::ErrorCode::INTERNAL_ERROR => (Err(e), 1),
            Err(e) => (Err(e), 2),
        };
        self.b()
            .record(CallReport { server, tool, arg_names, exit_code, started, duration: clock.elapsed() })
            .await;
        response
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        self.prepare(&context).await?;
        Ok(ListPromptsResult::with_all_items(self.current_prompts(&context).await?))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.prepare(&context).await?;
        let (server, name) = self.prompt_route(&request.name, &context).await?;
        let mut params = request;
        params.name = name;
        params.meta = None;
        let retry = parked_retry(&mut params.request_state, &mut params.input_responses);
        let request = ClientRequest::GetPromptRequest(GetPromptRequest::new(params));
        match self.forward_asking(&server, request, retry, &context).await? {
            ServerResult::GetPromptResult(r) => Ok(GetPromptResponse::Complete(r)),
            ServerResult::InputRequiredResult(r) => Ok(GetPromptResponse::InputRequired(r)),
            other => Err(unexpected(other)),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.prepare(&context).await?;
        Ok(ListResourcesResult::with_all_items(self.current_resources(&context).await?))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        self.prepare(&context).await?;
        Ok(ListResourceTemplatesResult::with_all_items(self.current_templates(&context).await?))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.prepare(&context).await?;
        let server = self.resource_owner(&request.uri, &context).await?;
        let mut params = request;
        params.meta = None;
        let retry = parked_retry(&mut params.request_state, &mut params.input_responses);
        let request = ClientRequest::ReadResourceRequest(ReadResourceRequest::new(params));
        match self.forward_asking(&server, request, retry, &context).await? {
            ServerResult::ReadResourceResult(r) => Ok(ReadResourceResponse::Complete(r)),
            ServerResult::InputRequiredResult(r) => Ok(ReadResourceResponse::InputRequired(r)),
            other => Err(unexpected(other)),
        }
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.prepare(&context).await?;
        let server = self.resource_owner(&request.uri, &context).await?;
        let mut params = request;
        params.meta = None;
        self.forward(&server, ClientRequest::SubscribeRequest(SubscribeRequest::new(params)), &context)
            .await?;
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.prepare(&context).await?;
        let server = self.resource_owner(&request.uri, &context).await?;
        let mut params = request;
        params.meta = None;
        let request = ClientRequest::UnsubscribeRequest(UnsubscribeRequest::new(params));
        self.forward(&server, request, &context).await?;
        Ok(())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        self.prepare(&context).await?;
        let mut params = request;
        params.meta = None;
        let server = match &mut params.r#ref {
            Reference::Prompt(p) => {
                let (server, name) = self.prompt_route(&p.name, &context).await?;
                p.name = name;
                server
            }
            Reference::Resource(r) => self.resource_owner(&r.uri, &context).await?,
            _ => return Err(ErrorData::invalid_params("unknown completion reference", None)),
        };
        match self
            .forward(&server, ClientRequest::CompleteRequest(CompleteRequest::new(params)), &context)
            .await?
        {
            ServerResult::CompleteResult(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.prepare(&context).await?;
        for (server, peer) in self.peers().await {
            if !offers(&peer, |c| c.logging.is_some()) {
                continue;
            }
            let mut params = request.clone();
            params.meta = None;
            let request = ClientRequest::SetLevelRequest(SetLevelRequest::new(params));
            if let Err(e) = forward_to(self.b().relay(), peer, request, &context).await {
                tracing::debug!(server = %server, "setting the log level failed: {}", e.message);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_names_get_a_server_prefix() {
        let items = [("a", "search"), ("b", "search"), ("a", "read"), ("c", "mcp-add")];
        let names = expose(items.iter().map(|(s, n)| (*s, *n)));
        assert_eq!(names, ["a__search", "b__search", "read", "c__mcp-add"]);
    }

    #[test]
    fn forwarded_meta_drops_the_progress_token_and_protocol_fields() {
        let mut meta = RequestMetaObject::default();
        meta.0.insert("progressToken".into(), Value::from(7));
        meta.0.insert("io.modelcontextprotocol/protocolVersion".into(), Value::from("2026-07-28"));
        meta.0.insert("trace".into(), Value::from("abc"));
        let out = forwarded_meta(&meta).expect("keeps the rest");
        assert_eq!(out.0.keys().collect::<Vec<_>>(), ["trace"]);
        meta.0.remove("trace");
        assert!(forwarded_meta(&meta).is_none());
    }
}
