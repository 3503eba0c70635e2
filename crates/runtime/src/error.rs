//! Errors of the runtime crate.

/// What can go wrong talking to the container engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// No engine answers at the configured host.
    #[error("the Docker engine at {host} is not reachable: {reason}")]
    Unavailable { host: String, reason: String },
    /// The engine answered with an error.
    #[error("the Docker engine reported an error: {0}")]
    Engine(String),
}
