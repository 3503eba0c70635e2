//! `GatewaySession`: the MCP server one client session talks to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value};

use crate::dynamic::{self, string_arg};
use crate::{BackendError, SessionBackend, SessionTool};

/// How the session's exposed tool names map to (server, tool).
type Routes = HashMap<String, (String, String)>;

/// One client session: the aggregated tools of its servers plus the dynamic tools.
pub struct GatewaySession<B: SessionBackend> {
    backend: Arc<B>,
    routes: Mutex<Routes>,
}

impl<B: SessionBackend> Clone for GatewaySession<B> {
    fn clone(&self) -> Self {
        Self {
            backend: self.backend.clone(),
            routes: Mutex::new(self.routes.lock().expect("routes").clone()),
        }
    }
}

/// Exposed names: a tool keeps its own name unless another server (or a dynamic tool) has the
/// same one; then every holder of that name is shown as `<server>__<tool>`.
fn expose(tools: &[SessionTool]) -> Vec<(String, &SessionTool)> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for t in tools {
        *count.entry(t.name.as_str()).or_default() += 1;
    }
    tools
        .iter()
        .map(|t| {
            let clash = count[t.name.as_str()] > 1 || dynamic::ALL.contains(&t.name.as_str());
            (if clash { format!("{}__{}", t.server, t.name) } else { t.name.clone() }, t)
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

impl<B: SessionBackend> GatewaySession<B> {
    pub fn new(backend: Arc<B>) -> Self {
        Self { backend, routes: Mutex::new(HashMap::new()) }
    }

    pub fn backend(&self) -> &Arc<B> {
        &self.backend
    }

    async fn current_tools(&self) -> Result<Vec<Tool>, BackendError> {
        let tools = self.backend.tools().await?;
        let exposed = expose(&tools);
        let mut routes = Routes::new();
        let mut out = dynamic::tools();
        for (name, t) in exposed {
            routes.insert(name.clone(), (t.server.clone(), t.name.clone()));
            let mut tool =
                Tool::new(name, t.description.clone().unwrap_or_default(), Arc::new(t.input_schema.clone()));
            if t.description.is_none() {
                tool.description = None;
            }
            out.push(tool);
        }
        *self.routes.lock().expect("routes") = routes;
        Ok(out)
    }

    async fn route(&self, name: &str) -> Result<Option<(String, String)>, BackendError> {
        if let Some(r) = self.routes.lock().expect("routes").get(name).cloned() {
            return Ok(Some(r));
        }
        // The client may call a tool it learned of before this session listed it; refresh once.
        self.current_tools().await?;
        Ok(self.routes.lock().expect("routes").get(name).cloned())
    }

    async fn dynamic_call(
        &self,
        name: &str,
        args: &Map<String, Value>,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, String> {
        match name {
            dynamic::FIND => {
                let query = string_arg(args, "query")?;
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 50) as usize;
                let found = self.backend.find(&query, limit).await.map_err(|e| e.message)?;
                Ok(text_result(json_text(&found), false))
            }
            dynamic::ADD => {
                let server = string_arg(args, "name")?;
                let config = args.get("config").cloned().unwrap_or(Value::Null);
                let tools = self.backend.add(&server, config).await.map_err(|e| e.message)?;
                self.tools_changed(context).await;
                let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                Ok(text_result(
                    format!("{server} is running in this session with tools: {}", names.join(", ")),
                    false,
                ))
            }
            dynamic::REMOVE => {
                let server = string_arg(args, "name")?;
                self.backend.remove(&server).await.map_err(|e| e.message)?;
                self.tools_changed(context).await;
                Ok(text_result(format!("{server} was removed from this session and stopped."), false))
            }
            dynamic::CONFIG_SET => {
                let server = string_arg(args, "name")?;
                let config = args.get("config").cloned().ok_or("`config` is required")?;
                let change = self.backend.config_set(&server, config).await.map_err(|e| e.message)?;
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
                let outcome = self.backend.call(&server, &tool, arguments).await.map_err(|e| e.message)?;
                Ok(text_result(json_text(&outcome), outcome.exit_code != 0))
            }
            _ => Err(format!("unknown tool {name}")),
        }
    }

    /// Tells the client its tool list changed; a client that does not listen is not an error.
    async fn tools_changed(&self, context: &RequestContext<RoleServer>) {
        let _ = self.current_tools().await;
        if let Err(e) = context.peer.notify_tool_list_changed().await {
            tracing::debug!("tool list change not delivered: {e}");
        }
    }
}

impl<B: SessionBackend> ServerHandler for GatewaySession<B> {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_tool_list_changed().build())
            .with_server_info(Implementation::new("berth-gateway", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Berth gateway. Use mcp-find to search for MCP servers, mcp-add to add one to this session, \
                 then call its tools directly or through mcp-exec.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.current_tools().await.map_err(|e| ErrorData::internal_error(e.message, None))?;
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let args = request.arguments.unwrap_or_default();
        if dynamic::ALL.contains(&name.as_str()) {
            return Ok(match self.dynamic_call(&name, &args, &context).await {
                Ok(r) => r,
                Err(message) => text_result(message, true),
            });
        }
        let (server, tool) = match self.route(&name).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(ErrorData::invalid_params(
                    format!("no tool named {name} in this session; mcp-find and mcp-add bring servers in"),
                    None,
                ));
            }
            Err(e) => return Err(ErrorData::internal_error(e.message, None)),
        };
        match self.backend.call(&server, &tool, args).await {
            Ok(outcome) => Ok(text_result(outcome.output, outcome.exit_code != 0)),
            Err(e) => Ok(text_result(e.message, true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(server: &str, name: &str) -> SessionTool {
        SessionTool { server: server.into(), name: name.into(), description: None, input_schema: Map::new() }
    }

    #[test]
    fn colliding_names_get_a_server_prefix() {
        let tools = [t("a", "search"), t("b", "search"), t("a", "read"), t("c", "mcp-add")];
        let names: Vec<String> = expose(&tools).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a__search", "b__search", "read", "c__mcp-add"]);
    }
}
