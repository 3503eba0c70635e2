//! The dynamic tools every session offers, with the arguments Docker's MCP gateway gives them so
//! that clients and prompts written for it work unchanged: `mcp-find`, `mcp-add`, `mcp-remove`,
//! `mcp-exec` and `mcp-config-set`.

use std::sync::Arc;

use rmcp::model::{CallToolResponse, Tool};
use serde_json::{Map, Value, json};

use crate::session::{json_text, text_result};
use crate::{BackendError, GatewaySession, SessionBackend, SessionTool};

pub const FIND: &str = "mcp-find";
pub const ADD: &str = "mcp-add";
pub const REMOVE: &str = "mcp-remove";
pub const EXEC: &str = "mcp-exec";
pub const CONFIG_SET: &str = "mcp-config-set";

pub const ALL: [&str; 5] = [FIND, ADD, REMOVE, EXEC, CONFIG_SET];

fn schema(v: Value) -> Arc<Map<String, Value>> {
    Arc::new(v.as_object().cloned().expect("tool schemas are objects"))
}

fn tool(name: &'static str, description: &'static str, input: Value) -> Tool {
    Tool::new(name, description, schema(input))
}

/// The dynamic tools' definitions.
pub fn tools() -> Vec<Tool> {
    vec![
        tool(
            FIND,
            "Search the MCP server catalog. Returns servers with their description and the secrets each needs (and whether they are set).",
            json!({"type": "object", "properties": {
                "query": {"type": "string", "description": "What the server should do, or its name"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50}
            }, "required": ["query"]}),
        ),
        tool(
            ADD,
            "Add a catalog server to this session and start it; its tools appear in this session. If secrets or configuration are missing, the reply says exactly what to set.",
            json!({"type": "object", "properties": {
                "name": {"type": "string", "description": "The catalog name, as mcp-find returns it"},
                "config": {"type": "object", "description": "Configuration for the server, if it takes any"},
                "activate": {"type": "boolean", "description": "Start the server and add its tools now (default). False only checks that it can be added."}
            }, "required": ["name"]}),
        ),
        tool(
            REMOVE,
            "Remove a server from this session; it is stopped and its tools disappear.",
            json!({"type": "object", "properties": {"name": {"type": "string", "description": "The server's name"}}, "required": ["name"]}),
        ),
        tool(
            EXEC,
            "Run a tool of a server in this session. Returns the output, an exit code (0 ok, 1 tool error, 2 transport error or timeout) and start/end timestamps.",
            json!({"type": "object", "properties": {
                "name": {"type": "string", "description": "The tool, as this session lists it"},
                "arguments": {"type": "object", "description": "The tool's arguments"},
                "server": {"type": "string", "description": "The server whose tool it is, when several have one of that name"}
            }, "required": ["name"]}),
        ),
        tool(
            CONFIG_SET,
            "Change a session server's configuration. It is validated against the server's schema and saved; the reply gives the old and new values.",
            json!({"type": "object", "properties": {
                "server": {"type": "string", "description": "The server's name"},
                "config": {"type": "object"}
            }, "required": ["server", "config"]}),
        ),
    ]
}

/// Reads a required string argument.
pub fn string_arg(args: &Map<String, Value>, key: &str) -> Result<String, String> {
    match args.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(format!("`{key}` must be a non-empty string")),
        None => Err(format!("`{key}` is required")),
    }
}

/// Reads an optional string argument.
fn optional_string(args: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => string_arg(args, key).map(Some),
    }
}

/// What a model reads when a backend action fails: the code first (`docker_unavailable: …`),
/// when there is one, so it can tell a missing engine from a bad argument.
fn said(e: BackendError) -> String {
    match e.code {
        Some(code) => format!("{code}: {}", e.message),
        None => e.message,
    }
}

impl<B: SessionBackend> GatewaySession<B> {
    pub(crate) async fn dynamic_call(
        &self,
        name: &str,
        args: &Map<String, Value>,
    ) -> Result<CallToolResponse, String> {
        match name {
            FIND => {
                let query = string_arg(args, "query")?;
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 50) as usize;
                let found = self.b().find(&query, limit).await.map_err(said)?;
                Ok(text_result(json_text(&found), false))
            }
            ADD => {
                let server = string_arg(args, "name")?;
                let config = args.get("config").cloned().unwrap_or(Value::Null);
                if args.get("activate").and_then(Value::as_bool) == Some(false) {
                    self.b().check(&server, config).await.map_err(said)?;
                    return Ok(text_result(
                        format!(
                            "{server} can be added: it has what it needs. Call mcp-add again without activate: false to start it."
                        ),
                        false,
                    ));
                }
                let tools = self.b().add(&server, config).await.map_err(said)?;
                self.lists_changed().await;
                let names: Vec<&str> = tools.iter().map(SessionTool::name).collect();
                Ok(text_result(
                    format!("{server} is running in this session with tools: {}", names.join(", ")),
                    false,
                ))
            }
            REMOVE => {
                let server = string_arg(args, "name")?;
                self.b().remove(&server).await.map_err(said)?;
                self.lists_changed().await;
                Ok(text_result(format!("{server} was removed from this session and stopped."), false))
            }
            CONFIG_SET => {
                // Docker's gateway names the server `server`; Berth's earlier `name` still works.
                let server = match optional_string(args, "server")? {
                    Some(s) => s,
                    None => string_arg(args, "name").map_err(|_| "`server` is required".to_owned())?,
                };
                let config = args.get("config").cloned().ok_or("`config` is required")?;
                let change = self.b().config_set(&server, config).await.map_err(said)?;
                Ok(text_result(json_text(&change), false))
            }
            EXEC => {
                let (server, tool) = self.exec_target(args).await?;
                let arguments = match args.get("arguments") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => return Err("`arguments` must be an object".into()),
                };
                let outcome = self.b().call(&server, &tool, arguments).await.map_err(said)?;
                Ok(text_result(json_text(&outcome), !outcome.exit_code.is_ok()))
            }
            _ => Err(format!("unknown tool {name}")),
        }
    }

    /// The server and tool `mcp-exec` means. `name` is the tool as this session lists it (a
    /// prefixed name when two servers share it); `server` may narrow it to one server, where the
    /// tool's own name works too. Berth's earlier form, `name` the server and `tool` the tool,
    /// is still understood.
    async fn exec_target(&self, args: &Map<String, Value>) -> Result<(String, String), String> {
        if args.contains_key("tool") {
            return Ok((string_arg(args, "name")?, string_arg(args, "tool")?));
        }
        let name = string_arg(args, "name")?;
        if ALL.contains(&name.as_str()) {
            return Err(format!(
                "{name} is one of the gateway's own tools; call it directly, not through mcp-exec."
            ));
        }
        let route = self.tool_route(&name).await.map_err(said)?;
        match optional_string(args, "server")? {
            None => route.ok_or_else(|| {
                format!("No tool named {name} in this session. mcp-find and mcp-add bring servers in.")
            }),
            Some(server) => match route {
                Some((s, tool)) if s == server => Ok((s, tool)),
                _ if self.b().servers().await.contains(&server) => Ok((server, name)),
                _ => Err(format!("{server} is not in this session; add it with mcp-add first.")),
            },
        }
    }
}
