//! `DockerEngine`: a negotiated connection to the Docker engine.

use std::time::Duration;

use bollard::Docker;

use crate::RuntimeError;

/// How long a health probe of the engine may take before it counts as down.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the engine says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineInfo {
    pub version: String,
    pub api_version: String,
    pub os: String,
    /// Where the engine was reached, as the user would recognise it.
    pub host: String,
}

/// A connection to the Docker engine, at the API version both sides speak.
#[derive(Clone)]
pub struct DockerEngine {
    pub(crate) docker: Docker,
    pub(crate) host: String,
}

impl DockerEngine {
    /// Connects the way the docker CLI does: `DOCKER_HOST` (unix socket, npipe or tcp) or the
    /// platform's default socket, then negotiates the API version.
    pub async fn connect() -> Result<Self, RuntimeError> {
        let host = describe_host();
        let unavailable = |reason: String| RuntimeError::Unavailable { host: host.clone(), reason };
        let docker = Docker::connect_with_defaults().map_err(|e| unavailable(e.to_string()))?;
        let docker = tokio::time::timeout(PROBE_TIMEOUT, docker.negotiate_version())
            .await
            .map_err(|_| unavailable(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())))?
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(Self { docker, host })
    }

    /// The engine address, for messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn err(&self, e: bollard::errors::Error) -> RuntimeError {
        RuntimeError::from_bollard(&self.host, e)
    }
}

/// The engine address as the user would recognise it.
fn describe_host() -> String {
    // bollard reads DOCKER_HOST itself; this only mirrors it for messages.
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| {
        if cfg!(windows) {
            "npipe:////./pipe/docker_engine".into()
        } else {
            "unix:///var/run/docker.sock".into()
        }
    })
}
