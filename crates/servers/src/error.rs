//! Errors of the servers crate.

use berth_runtime::RuntimeError;
use berth_runtime::host_path::FolderProblem;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration does not satisfy the server's schema; one line per problem.
    #[error("the configuration is not valid: {}", .0.join("; "))]
    InvalidConfig(Vec<String>),
    /// A template in the catalog entry refers to a value that is not configured.
    #[error("{0}")]
    Template(String),
    #[error("{name} cannot run in a container: {reason}")]
    NotRunnable { name: String, reason: String },
    /// The entry or the user's configuration names a host folder Berth never shares (or one that
    /// is not an absolute path), whatever the catalog says.
    #[error("{name} is refused: {problem}")]
    Folder { name: String, problem: FolderProblem },
    #[error("{0} is already running")]
    AlreadyRunning(String),
    #[error("{0} is not running")]
    NotRunning(String),
    /// A stop arrived while the server was starting; nothing of it is left.
    #[error("{0} was stopped while it was starting")]
    Cancelled(String),
    /// The container started but did not complete the MCP handshake.
    #[error("{name} started but did not answer as an MCP server: {reason}{}", stderr_suffix(.stderr))]
    Handshake { name: String, reason: String, stderr: Vec<String> },
    /// The program that runs the server (Docker's MCP Toolkit) ended or failed the handshake.
    #[error("{program} did not start {name}: {reason}{}", stderr_suffix(.stderr))]
    Engine { name: String, program: String, reason: String, stderr: Vec<String> },
    /// A remote server asks for credentials (HTTP 401); `challenge` is its `WWW-Authenticate`.
    #[error("{name} asks to sign in before it can be used")]
    NeedsAuth { name: String, challenge: String },
    /// A remote server refused a request for want of a scope (HTTP 403 `insufficient_scope`);
    /// `challenge` names the scopes it wants.
    #[error("{name} needs a wider sign-in for this request")]
    InsufficientScope { name: String, challenge: String },
    /// A request to a running server failed at the transport level.
    #[error("{name} did not answer: {reason}")]
    Transport { name: String, reason: String },
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

fn stderr_suffix(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!(". Its last output: {}", lines.join(" | ")) }
}
