//! `Backing`: what a running server's MCP connection runs over, and how to release it: a
//! container, a remote endpoint, which has nothing to release, or a local program (Docker's MCP
//! Toolkit), which ends when its connection closes.

use berth_runtime::{ContainerRuntime, StderrTail};

use crate::ServerError;

/// SIGTERM grace before SIGKILL when a container is stopped.
const STOP_GRACE_SECS: u32 = 3;

/// What runs a server.
#[derive(Clone)]
pub enum Backing {
    /// A container this process created, attached to its stdio.
    Container {
        id: String,
        /// The last lines it wrote to stderr, for error messages.
        stderr: StderrTail,
    },
    /// A connection to a remote server.
    Remote(crate::RemoteInfo),
    /// A local program on whose stdio the server speaks; closing the connection ends it.
    Process { pid: Option<u32> },
}

impl std::fmt::Debug for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Container { id, .. } => f.debug_struct("Container").field("id", id).finish_non_exhaustive(),
            Self::Remote(info) => f.debug_tuple("Remote").field(info).finish(),
            Self::Process { pid } => f.debug_struct("Process").field("pid", pid).finish(),
        }
    }
}

impl Backing {
    /// The container's id, when a container runs the server.
    pub fn container_id(&self) -> Option<&str> {
        match self {
            Self::Container { id, .. } => Some(id),
            Self::Remote(_) | Self::Process { .. } => None,
        }
    }

    /// How a remote server is connected, when it is one.
    pub fn remote(&self) -> Option<&crate::RemoteInfo> {
        match self {
            Self::Remote(info) => Some(info),
            Self::Container { .. } | Self::Process { .. } => None,
        }
    }

    /// What the server last said, for an error message: ` (last output: …)` or nothing.
    pub(crate) fn last_output(&self) -> String {
        match self {
            Self::Container { stderr, .. } => {
                let lines = stderr.lines();
                if lines.is_empty() {
                    String::new()
                } else {
                    format!(" (last output: {})", lines.join(" | "))
                }
            }
            Self::Remote(_) | Self::Process { .. } => String::new(),
        }
    }

    /// Stops and removes what runs the server.
    pub(crate) async fn release(&self, runtime: Option<&dyn ContainerRuntime>) -> Result<(), ServerError> {
        match (self, runtime) {
            (Self::Container { id, .. }, Some(runtime)) => {
                runtime.stop_and_remove(id, STOP_GRACE_SECS).await?;
                Ok(())
            }
            // A container exists only once the engine was connected.
            (Self::Container { .. }, None) => Ok(()),
            (Self::Remote(_) | Self::Process { .. }, _) => Ok(()),
        }
    }
}
