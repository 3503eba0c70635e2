//! The dynamic tools every session offers, after Docker's gateway: `mcp-find`, `mcp-add`,
//! `mcp-remove`, `mcp-exec`, `mcp-config-set`.

use std::sync::Arc;

use rmcp::model::Tool;
use serde_json::{Map, Value, json};

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
                "config": {"type": "object", "description": "Configuration for the server, if it takes any"}
            }, "required": ["name"]}),
        ),
        tool(
            REMOVE,
            "Remove a server from this session; it is stopped and its tools disappear.",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        ),
        tool(
            EXEC,
            "Run a tool of a server in this session. Returns the output, an exit code (0 ok, 1 tool error, 2 transport error or timeout) and start/end timestamps.",
            json!({"type": "object", "properties": {
                "name": {"type": "string", "description": "The server"},
                "tool": {"type": "string"},
                "arguments": {"type": "object"}
            }, "required": ["name", "tool"]}),
        ),
        tool(
            CONFIG_SET,
            "Change a session server's configuration. It is validated against the server's schema and saved; the reply gives the old and new values.",
            json!({"type": "object", "properties": {
                "name": {"type": "string"},
                "config": {"type": "object"}
            }, "required": ["name", "config"]}),
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
