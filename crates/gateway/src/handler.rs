//! The MCP methods a client calls on a gateway session: each prepares the session, finds the
//! server a request is for, and passes it on through [`GatewaySession::pass`].

// Logging and resource subscriptions are deprecated by the newest protocol version and used on
// the older ones, which the gateway serves as well.
#![allow(deprecated)]

use std::time::Instant;

use berth_servers::CallExit;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, GetPromptRequestParams,
    GetPromptResponse, Implementation, InitializeRequestParams, InitializeResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, Reference, ServerCapabilities, ServerConfig,
    ServerResult, SetLevelRequestParams, SubscribeRequestParams, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::dynamic;
use crate::forward::{Passed, forward_to, unexpected};
use crate::routes::offers;
use crate::session::{caller_of, internal, text_result};
use crate::{CallReport, GatewaySession, Opening, SessionBackend};

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
        let backend = self.open(|| Opening::Session(caller_of(&context.extensions))).await?;
        backend.relay().attach(&context.peer);
        backend.introduced(&request.client_info.name).await;
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
        if dynamic::ALL.contains(&name.as_str()) && self.b().manages_servers() {
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
        let clock = Instant::now();
        let (response, exit) = match self.pass(&server, params, &context).await {
            Ok(ServerResult::CallToolResult(r)) => {
                let exit = CallExit::from_tool_error(r.is_error.unwrap_or(false));
                (Ok(CallToolResponse::Complete(r)), exit)
            }
            Ok(ServerResult::InputRequiredResult(r)) => {
                (Ok(CallToolResponse::InputRequired(r)), CallExit::Ok)
            }
            Ok(ServerResult::CreateTaskResult(r)) => (Ok(CallToolResponse::Task(r)), CallExit::Ok),
            Ok(other) => (Err(unexpected(other)), CallExit::Failed),
            // A JSON-RPC error from the server is the tool failing; anything else, the transport.
            Err(e) if e.code != rmcp::model::ErrorCode::INTERNAL_ERROR => (Err(e), CallExit::ToolError),
            Err(e) => (Err(e), CallExit::Failed),
        };
        self.b().record(CallReport { server, tool, arg_names, exit, duration: clock.elapsed() }).await;
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
        match self.pass(&server, params, &context).await? {
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
        match self.pass(&server, request, &context).await? {
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
        self.pass(&server, request, &context).await.map(|_| ())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.prepare(&context).await?;
        let server = self.resource_owner(&request.uri, &context).await?;
        self.pass(&server, request, &context).await.map(|_| ())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        self.prepare(&context).await?;
        let mut params = request;
        let server = match &mut params.r#ref {
            Reference::Prompt(p) => {
                let (server, name) = self.prompt_route(&p.name, &context).await?;
                p.name = name;
                server
            }
            Reference::Resource(r) => self.resource_owner(&r.uri, &context).await?,
            _ => return Err(ErrorData::invalid_params("unknown completion reference", None)),
        };
        match self.pass(&server, params, &context).await? {
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
            params.strip();
            if let Err(e) = forward_to(self.b().relay(), peer, params.into_request(), &context).await {
                tracing::debug!(server = %server, "setting the log level failed: {}", e.message);
            }
        }
        Ok(())
    }
}
