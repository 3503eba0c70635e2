//! Berth's container runtime: the only crate that talks to the Docker engine.
//!
//! [`ContainerRuntime`] is what the rest of Berth uses; [`DockerEngine`] implements it with
//! bollard. Every container it creates is hardened ([`RunSpec`] has no way to ask otherwise) and
//! labelled `berth.managed`, with the server, the session and the owning process, so that
//! [`reap_orphans`] can remove whatever a crashed Berth left behind.

mod docker;
mod engine;
mod error;
pub mod host_path;
mod labels;
mod owner;
mod reaper;
mod spec;
mod stdio;

pub use engine::{DockerEngine, EngineInfo};
pub use error::RuntimeError;
pub use labels::{LABEL_MANAGED, LABEL_OWNER, LABEL_SERVER, LABEL_SESSION};
pub use owner::Owner;
pub use reaper::reap_orphans;
pub use spec::{BindMount, EnvVar, Limits, NetworkMode, RunSpec};
pub use stdio::{ContainerStdin, ContainerStdout, StderrTail, StdioPipes};

use async_trait::async_trait;

/// Progress of an image pull, for progress bars.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullProgress {
    pub status: String,
    /// Bytes done and total over all layers seen so far.
    pub current: u64,
    pub total: u64,
}

/// A container Berth manages, as listed by the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedContainer {
    pub id: String,
    pub name: String,
    pub server: String,
    pub session: Option<String>,
    pub owner: Option<String>,
    pub state: String,
}

/// What Berth needs from a container engine. Tests of logic above it may substitute another.
#[async_trait]
pub trait ContainerRuntime: Send + Sync {
    async fn info(&self) -> Result<EngineInfo, RuntimeError>;

    /// Makes sure `image` is present, pulling it (with progress) when it is not.
    async fn ensure_image(
        &self,
        image: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<(), RuntimeError>;

    /// Creates a hardened, labelled container; returns its id.
    async fn create(&self, spec: &RunSpec) -> Result<String, RuntimeError>;

    /// Attaches to stdin/stdout/stderr. Call before [`ContainerRuntime::start`] so no early
    /// output is lost.
    async fn attach(&self, id: &str) -> Result<StdioPipes, RuntimeError>;

    async fn start(&self, id: &str) -> Result<(), RuntimeError>;

    /// Stops (SIGTERM, then SIGKILL after `grace_secs`) and removes the container.
    async fn stop_and_remove(&self, id: &str, grace_secs: u32) -> Result<(), RuntimeError>;

    /// Every container with the `berth.managed` label, running or not.
    async fn list_managed(&self) -> Result<Vec<ManagedContainer>, RuntimeError>;

    /// The last `tail` lines the container wrote to stderr. Its stdout is the MCP channel and is
    /// never shown as logs.
    async fn logs(&self, id: &str, tail: usize) -> Result<Vec<String>, RuntimeError>;
}
