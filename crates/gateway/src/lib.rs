//! Berth's MCP gateway. A [`GatewaySession`] is the MCP server one client session talks to: it
//! lists the tools of the servers in the session (prefixed when two servers share a tool name)
//! and the dynamic tools `mcp-find`, `mcp-add`, `mcp-remove`, `mcp-exec` and `mcp-config-set`,
//! and routes calls. What a session can do is behind [`SessionBackend`], which the `api` crate
//! implements over the catalog, the keychain and the supervisor; transports live with the caller.

mod backend;
mod dynamic;
mod http;
mod session;

pub use backend::{BackendError, ConfigChange, ExecOutcome, FoundServer, SessionBackend, SessionTool};
pub use http::{HttpGateway, serve_http};
pub use session::GatewaySession;
