//! Berth's MCP gateway. A [`GatewaySession`] is the MCP server one client session talks to: it
//! aggregates the tools, prompts and resources of the servers in the session (prefixed when two
//! servers share a name), passes requests, results, notifications, cancellation and the servers'
//! own requests (sampling, elicitation, roots) through unchanged, and adds the dynamic tools
//! `mcp-find`, `mcp-add`, `mcp-remove`, `mcp-exec` and `mcp-config-set`, with the arguments
//! Docker's gateway gives them. What a session can do is behind [`SessionBackend`], which the
//! `api` crate implements over the catalog, the keychain and the supervisor; transports live with
//! the caller.

mod backend;
mod book;
mod dynamic;
mod forward;
mod handler;
mod http;
mod routes;
mod session;

pub use backend::{
    BackendError, CallReport, ConfigChange, ExecOutcome, FoundServer, SessionBackend, SessionTool,
};
pub use http::{
    Caller, ClientTokens, HttpGateway, HttpLimits, IDLE_TIMEOUT, MOST_INITIALIZE, NoClientTokens, serve_http,
};
pub use session::{GatewaySession, Opening, SessionOpener, SessionState};
